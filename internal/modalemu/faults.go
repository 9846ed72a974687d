package modalemu

import (
	"context"
	"path"
	"sync"
	"time"

	pb "github.com/modal-labs/libmodal/modal-go/proto/modal_proto"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// faults holds the injected failures and delays, keyed by short method name
// (for example "SandboxCreate"), and the call record.
type faults struct {
	mu     sync.Mutex
	errors map[string][]codes.Code // pending forced errors, consumed in order
	delays map[string]time.Duration
	calls  []Call
}

// Call is one recorded call: its short method name and status code. Request
// metadata is deliberately not recorded, so no credential can leak through it.
type Call struct {
	Method string
	Code   codes.Code
	At     time.Time
}

// FailNext makes the next n calls of method (short name, such as
// "SandboxCreate" or "ContainerExecGetOutput") fail with code, after the
// credentials check. Codes Unavailable, Internal, Unknown, DeadlineExceeded
// and Canceled are retried by the SDK (3 times for unary calls, 10 for
// streams), so a burst longer than that surfaces to the caller.
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

// Calls returns the calls received so far, in order of completion.
func (s *Server) Calls() []Call {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	return append([]Call(nil), s.faults.calls...)
}

// injectFault applies the delay and any forced error for the full gRPC
// method name; it returns the forced error, if any.
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

// KillSandbox makes a running sandbox die as if its container crashed: its
// processes are killed and it ends with status FAILURE and exit code 137,
// which the executor must tell apart from its own Terminate only by context.
// It returns NotFound for an unknown id.
func (s *Server) KillSandbox(id string) error {
	sb, err := s.sandboxByID(id)
	if err != nil {
		return err
	}
	sb.finish(reasonKilled)
	<-sb.done
	return nil
}

// pendingTaskID reports whether SandboxGetTaskId should still answer with
// no task id, as real Modal does while the sandbox is being scheduled
// (modal.md §3.3), consuming one of Options.PendingTaskIDPolls.
func (sb *sandbox) pendingTaskID() bool {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	if sb.pendingPolls > 0 && sb.result == nil {
		sb.pendingPolls--
		return true
	}
	return false
}

// killedResult is the result of a sandbox ended by KillSandbox.
func killedResult() pb.GenericResult_builder {
	return pb.GenericResult_builder{
		Status:    pb.GenericResult_GENERIC_STATUS_FAILURE,
		Exitcode:  killedExitCode,
		Exception: "modalemu: sandbox killed (injected fault)",
	}
}

// killedExitCode is 128 + SIGKILL, as for an out-of-memory kill.
const killedExitCode = 137

// SandboxState is what a test can see of a sandbox: whether it is still
// running and, once it stopped, why.
type SandboxState struct {
	ID      string
	Running bool
	// Terminated: ended by SandboxTerminate (or Close); TimedOut: by its
	// timeout; Killed: by KillSandbox. All false for a sandbox that exited
	// by itself or is running.
	Terminated, TimedOut, Killed bool
}

// Sandboxes reports every sandbox created so far, in no particular order.
func (s *Server) Sandboxes() []SandboxState {
	s.mu.Lock()
	sbs := make([]*sandbox, 0, len(s.sandboxes))
	for _, sb := range s.sandboxes {
		sbs = append(sbs, sb)
	}
	s.mu.Unlock()
	out := make([]SandboxState, 0, len(sbs))
	for _, sb := range sbs {
		sb.mu.Lock()
		out = append(out, SandboxState{
			ID: sb.id, Running: sb.result == nil,
			Terminated: sb.reason == reasonTerminated, TimedOut: sb.reason == reasonTimeout, Killed: sb.reason == reasonKilled,
		})
		sb.mu.Unlock()
	}
	return out
}
