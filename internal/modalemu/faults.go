package modalemu

import (
	"context"
	"maps"
	"path"
	"slices"
	"sync"
	"syscall"
	"time"

	pb "github.com/modal-labs/modal-client/go/proto/modal_proto"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// faults holds injected failures and delays by short method name (such as
// "SandboxCreateV2" or "TaskExecStart"), and the call record.
type faults struct {
	mu     sync.Mutex
	errors map[string][]codes.Code // pending forced errors, consumed in order
	delays map[string]time.Duration
	// scheduleDelays delay the scheduling of sandboxes by tag ("key=value").
	scheduleDelays map[string]time.Duration
	calls          []Call
}

// Call is one recorded call: its short method name and status code.
// Metadata is deliberately not recorded, so no credential can leak here.
type Call struct {
	Method string
	Code   codes.Code
	At     time.Time
}

// FailNext makes the next n calls of method fail with code, after the
// credentials check. Unavailable, Internal, Unknown, DeadlineExceeded and
// Canceled are retried by the SDK (3 times for unary control-plane calls,
// client.go:349-355; 10 times on the router), so a longer burst reaches
// the caller; ResourceExhausted is not retried unless it carries a retry
// policy.
func (s *Server) FailNext(method string, code codes.Code, n int) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	if s.faults.errors == nil {
		s.faults.errors = map[string][]codes.Code{}
	}
	for range n {
		s.faults.errors[method] = append(s.faults.errors[method], code)
	}
}

// Delay adds latency d before every call of method; 0 removes it.
func (s *Server) Delay(method string, d time.Duration) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	if s.faults.delays == nil {
		s.faults.delays = map[string]time.Duration{}
	}
	s.faults.delays[method] = d
}

// DelaySchedule makes every sandbox created with the tag key=value wait d
// before it asks for capacity (0 removes the delay): Modal schedules
// sandboxes in no promised order, and a test can make one created first
// be scheduled after others.
func (s *Server) DelaySchedule(key, value string, d time.Duration) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	if s.faults.scheduleDelays == nil {
		s.faults.scheduleDelays = map[string]time.Duration{}
	}
	s.faults.scheduleDelays[key+"="+value] = d
}

// scheduleDelay is the delay DelaySchedule set for a sandbox's tags.
func (s *Server) scheduleDelay(tags map[string]string) time.Duration {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	var d time.Duration
	for k, v := range tags {
		d = max(d, s.faults.scheduleDelays[k+"="+v])
	}
	return d
}

// Calls returns the calls received so far, in order of completion.
func (s *Server) Calls() []Call {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	return slices.Clone(s.faults.calls)
}

// CountCalls counts the calls of method that succeeded.
func (s *Server) CountCalls(method string) int {
	n := 0
	for _, c := range s.Calls() {
		if c.Method == method && c.Code == codes.OK {
			n++
		}
	}
	return n
}

// injectFault applies the delay and any forced error of a method.
func (s *Server) injectFault(ctx context.Context, fullMethod string) error {
	method := path.Base(fullMethod)
	s.faults.mu.Lock()
	d := s.faults.delays[method]
	var forced error
	if q := s.faults.errors[method]; len(q) > 0 {
		forced = status.Errorf(q[0], "modalemu: injected %v for %s", q[0], method)
		s.faults.errors[method] = q[1:]
	}
	s.faults.mu.Unlock()
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return status.FromContextError(ctx.Err()).Err()
		}
	}
	return forced
}

// recordCall appends a call to the record.
func (s *Server) recordCall(fullMethod string, err error) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.calls = append(s.faults.calls, Call{Method: path.Base(fullMethod), Code: status.Code(err), At: time.Now()})
}

// KillSandbox makes a running sandbox die as if its container crashed:
// every process is killed at once, its uncommitted volume writes are lost,
// and it ends with FAILURE, exit code 137. It returns NotFound for an
// unknown id.
func (s *Server) KillSandbox(id string) error {
	sb, err := s.sandboxByID(id)
	if err != nil {
		return err
	}
	sb.stop(stopKilled)
	<-sb.done
	return nil
}

// PreemptSandbox reclaims a sandbox's worker, as Modal does with
// preemptible capacity: its processes get SIGTERM, then SIGKILL after
// Options.PreemptGrace; its volumes are committed as on any shutdown, and
// it ends with INTERNAL_FAILURE.
func (s *Server) PreemptSandbox(id string) error {
	sb, err := s.sandboxByID(id)
	if err != nil {
		return err
	}
	sb.stop(stopPreempted)
	<-sb.done
	return nil
}

// HangSandbox makes a running sandbox stop answering: its processes are
// stopped (SIGSTOP), and router calls for it never return until their
// caller gives up, as with a worker that lost its network. Terminate
// still ends it.
func (s *Server) HangSandbox(id string) error {
	sb, err := s.sandboxByID(id)
	if err != nil {
		return err
	}
	sb.mu.Lock()
	sb.hung = true
	pid := sb.pid
	execs := sb.runningExecsLocked()
	sb.mu.Unlock()
	signalGroup(pid, syscall.SIGSTOP)
	for _, p := range execs {
		p.signal(syscall.SIGSTOP)
	}
	return nil
}

// SandboxState is what a test can see of a sandbox.
type SandboxState struct {
	ID, App, Name string
	Tags          map[string]string
	// Phase is queued, starting, running, stopping or done.
	Phase string
	// Terminated, TimedOut, Killed, Preempted say why a finished sandbox
	// stopped (all false when its command exited by itself).
	Terminated, TimedOut, Killed, Preempted bool
	// ExitCode is the main process's exit status as Wait reports it.
	ExitCode int
	// CPU (cores) and MemoryMiB are the sandbox's requests; GPU its GPU.
	CPU       float64
	MemoryMiB int
	GPU       string
	Created   time.Time
	Started   time.Time
	Ended     time.Time
	// InPlaceWrites counts files its commits found modified in place.
	InPlaceWrites int
	// ReadOnly tells, for each volume mount path, whether it is read-only.
	ReadOnly map[string]bool
}

// Running reports whether the sandbox has not finished.
func (st SandboxState) Running() bool { return st.Phase != phaseDone }

// Sandboxes reports every sandbox created so far (those a V2 create gave
// up on excluded), oldest first.
func (s *Server) Sandboxes() []SandboxState {
	sbs := s.allSandboxes()
	slices.SortFunc(sbs, func(a, b *sandbox) int { return a.createdAt.Compare(b.createdAt) })
	out := make([]SandboxState, 0, len(sbs))
	for _, sb := range sbs {
		res := sb.def.GetResources()
		sb.mu.Lock()
		st := SandboxState{
			ID: sb.id, App: sb.app.name, Name: sb.name, Tags: maps.Clone(sb.tags), Phase: sb.phase,
			Terminated: sb.reason == stopTerminated, TimedOut: sb.reason == stopTimeout,
			Killed: sb.reason == stopKilled, Preempted: sb.reason == stopPreempted,
			CPU: float64(res.GetMilliCpu()) / 1000, MemoryMiB: int(res.GetMemoryMb()), GPU: res.GetGpuConfig().GetGpuType(),
			Created: sb.createdAt, Started: sb.startedAt, Ended: sb.endedAt, InPlaceWrites: sb.inPlace,
			ReadOnly: map[string]bool{},
		}
		for _, m := range sb.mounts {
			st.ReadOnly[m.containerPath] = m.readOnly
		}
		if sb.result != nil {
			st.ExitCode = returnCode(sb.result.GetStatus(), int(sb.result.GetExitcode()))
		}
		sb.mu.Unlock()
		out = append(out, st)
	}
	return out
}

// CreatedSandboxes counts the sandboxes created (including those a V2
// create gave up on for lack of capacity).
func (s *Server) CreatedSandboxes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.created
}

// returnCode is the SDK's exit code of a sandbox result (sandbox.go:2484-2501).
func returnCode(st pb.GenericResult_GenericStatus, exit int) int {
	switch st {
	case pb.GenericResult_GENERIC_STATUS_TIMEOUT:
		return 124
	case pb.GenericResult_GENERIC_STATUS_TERMINATED:
		return 137
	}
	return exit
}
