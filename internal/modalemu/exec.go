package modalemu

import (
	"context"
	"fmt"
	"maps"
	"os/exec"
	"strings"
	"sync"
	"time"

	pb "github.com/modal-labs/libmodal/modal-go/proto/modal_proto"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Exit codes of an exec that timed out, or whose command could not start.
const (
	execTimeoutExitCode = 124
	execStartExitCode   = 127
)

// pipeDrainDelay bounds how long an exited exec may keep its output pipes
// open through background children before they are closed.
const pipeDrainDelay = 2 * time.Second

// execProcess is one command started in a sandbox by ContainerExec.
type execProcess struct {
	id     string
	stdout *outputLog
	stderr *outputLog
	done   chan struct{} // closed once exitCode is set

	mu       sync.Mutex
	cmd      *exec.Cmd // nil if the command did not start or has been reaped
	timedOut bool
	exitCode int32
}

// kill ends the exec's process group; safe to call at any time, and a no-op
// once the exec has been reaped (its group id may be reused by then).
func (p *execProcess) kill() {
	p.mu.Lock()
	cmd := p.cmd
	p.mu.Unlock()
	if cmd != nil {
		killProcessGroup(cmd.Process.Pid)
	}
}

// finishExec records the exit code, ends both output logs and wakes waiters.
func (p *execProcess) finishExec(code int) {
	p.mu.Lock()
	if p.timedOut {
		code = execTimeoutExitCode
	}
	p.exitCode = int32(code)
	p.cmd = nil
	p.mu.Unlock()
	p.stdout.Close()
	p.stderr.Close()
	close(p.done)
}

// sandboxByTaskID returns the sandbox running the given task, or NotFound.
func (s *Server) sandboxByTaskID(taskID string) (*sandbox, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sb := range s.sandboxes {
		if sb.taskID == taskID {
			return sb, nil
		}
	}
	return nil, status.Errorf(codes.NotFound, "Task with id '%s' not found", taskID)
}

// execByID returns the exec with the given id, or NotFound.
func (s *Server) execByID(id string) (*execProcess, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.execs[id]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "Exec with id '%s' not found", id)
	}
	return p, nil
}

// ContainerExec starts a command in a running sandbox as a local process
// group, with argv paths and the workdir mapped like the entrypoint's and
// the sandbox's secrets plus the request's in its environment. A command
// that cannot start exits with 127; one that outlives timeout_secs is
// killed and exits with 124.
func (s *Server) ContainerExec(ctx context.Context, req *pb.ContainerExecRequest) (*pb.ContainerExecResponse, error) {
	sb, err := s.sandboxByTaskID(req.GetTaskId())
	if err != nil {
		return nil, err
	}
	args := req.GetCommand()
	if len(args) == 0 {
		return nil, status.Error(codes.InvalidArgument, "exec command is empty")
	}
	extra, err := s.secretEnv(req.GetSecretIds())
	if err != nil {
		return nil, err
	}
	env := maps.Clone(sb.env)
	maps.Copy(env, extra)
	workdir := sb.workdir
	if wd := req.GetWorkdir(); wd != "" {
		workdir = sb.paths.Host(wd)
	}
	argv := make([]string, len(args))
	for i, a := range args {
		argv[i] = sb.paths.Arg(a)
	}

	p := &execProcess{
		id:     s.newID("ex"),
		stdout: newOutputLog(),
		stderr: newOutputLog(),
		done:   make(chan struct{}),
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = workdir
	cmd.Env = processEnv(env)
	cmd.Stdout, cmd.Stderr = p.stdout, p.stderr
	cmd.WaitDelay = pipeDrainDelay
	setProcessGroup(cmd)

	// Start under sb.mu so that a sandbox finishing now either refuses the
	// exec or sees it in sb.execs and kills it.
	sb.mu.Lock()
	if sb.result != nil || sb.reason != reasonNone {
		sb.mu.Unlock()
		return nil, status.Errorf(codes.FailedPrecondition, "Sandbox %s has already completed", sb.id)
	}
	startErr := cmd.Start()
	if startErr == nil {
		p.cmd = cmd
		sb.execs = append(sb.execs, p)
	}
	sb.mu.Unlock()

	s.mu.Lock()
	s.execs[p.id] = p
	s.mu.Unlock()

	if startErr != nil {
		fmt.Fprintf(p.stderr, "modalemu: start %q: %v\n", args[0], startErr)
		p.finishExec(execStartExitCode)
		return pb.ContainerExecResponse_builder{ExecId: p.id}.Build(), nil
	}
	var timer *time.Timer
	if t := req.GetTimeoutSecs(); t > 0 {
		timer = time.AfterFunc(time.Duration(t)*time.Second, func() {
			p.mu.Lock()
			p.timedOut = true
			p.mu.Unlock()
			p.kill()
		})
	}
	go func() {
		_ = cmd.Wait()
		if timer != nil {
			timer.Stop()
		}
		// Background children of the exec die with it.
		killProcessGroup(cmd.Process.Pid)
		p.finishExec(exitCode(cmd.ProcessState))
	}()
	return pb.ContainerExecResponse_builder{ExecId: p.id}.Build(), nil
}

// ContainerExecGetOutput streams one output of an exec as raw bytes, one
// batch per chunk after last_batch_index. Once the process has exited and
// everything was sent, a final batch carries exit_code, which is what ends
// the SDK's reader; otherwise the stream ends after the request's timeout
// and the SDK reconnects.
func (s *Server) ContainerExecGetOutput(req *pb.ContainerExecGetOutputRequest, stream grpc.ServerStreamingServer[pb.RuntimeOutputBatch]) error {
	p, err := s.execByID(req.GetExecId())
	if err != nil {
		return err
	}
	var log *outputLog
	switch fd := req.GetFileDescriptor(); fd {
	case pb.FileDescriptor_FILE_DESCRIPTOR_STDOUT:
		log = p.stdout
	case pb.FileDescriptor_FILE_DESCRIPTOR_STDERR:
		log = p.stderr
	default:
		return status.Errorf(codes.InvalidArgument, "unsupported file descriptor %v", fd)
	}
	last, ended, err := log.follow(stream.Context(), s.ctx.Done(), req.GetLastBatchIndex(), secondsDuration(req.GetTimeout()),
		func(c []byte, index uint64) error {
			return stream.Send(pb.RuntimeOutputBatch_builder{
				BatchIndex: index,
				Items: []*pb.RuntimeOutputMessage{pb.RuntimeOutputMessage_builder{
					FileDescriptor: req.GetFileDescriptor(),
					MessageBytes:   c,
					Message:        messageText(req.GetGetRawBytes(), c),
				}.Build()},
			}.Build())
		})
	if err != nil || !ended {
		return err
	}
	<-p.done // the logs close only after the exit code is set
	p.mu.Lock()
	code := p.exitCode
	p.mu.Unlock()
	return stream.Send(pb.RuntimeOutputBatch_builder{BatchIndex: last, ExitCode: &code}.Build())
}

// messageText fills the text field of an output message for clients that
// did not ask for raw bytes.
func messageText(raw bool, b []byte) string {
	if raw {
		return ""
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// ContainerExecWait blocks until the exec exits or the request's timeout (in
// seconds) elapses, and reports completion and the exit code.
func (s *Server) ContainerExecWait(ctx context.Context, req *pb.ContainerExecWaitRequest) (*pb.ContainerExecWaitResponse, error) {
	p, err := s.execByID(req.GetExecId())
	if err != nil {
		return nil, err
	}
	t := time.NewTimer(secondsDuration(req.GetTimeout()))
	defer t.Stop()
	select {
	case <-p.done:
		p.mu.Lock()
		code := p.exitCode
		p.mu.Unlock()
		return pb.ContainerExecWaitResponse_builder{Completed: true, ExitCode: &code}.Build(), nil
	case <-t.C:
	case <-ctx.Done():
		return nil, status.FromContextError(ctx.Err()).Err()
	case <-s.ctx.Done():
	}
	return pb.ContainerExecWaitResponse_builder{Completed: false}.Build(), nil
}
