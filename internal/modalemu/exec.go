package modalemu

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net"
	"path"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	pb "github.com/modal-labs/modal-client/go/proto/modal_proto"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// execProcess is one command started in a sandbox by TaskExecStart.
type execProcess struct {
	id     string
	stdout *outputBuffer
	stderr *outputBuffer
	stdin  *stdinSink
	done   chan struct{} // closed once the status is set

	mu   sync.Mutex
	pid  int // process group; 0 once reaped or for the file helper
	code int32
	sig  int32
}

// signal sends sig to the exec's process group while it runs.
func (p *execProcess) signal(sig syscall.Signal) {
	p.mu.Lock()
	pid := p.pid
	p.mu.Unlock()
	signalGroup(pid, sig)
}

// kill ends the exec at once: its process group gets SIGKILL, and the file
// helper (no process) has its input cut.
func (p *execProcess) kill() {
	p.signal(syscall.SIGCONT)
	p.signal(syscall.SIGKILL)
	p.stdin.abort()
}

// finish records the exit status, ends the output and wakes waiters.
func (p *execProcess) finish(code, signal int) {
	p.mu.Lock()
	p.code, p.sig, p.pid = int32(code), int32(signal), 0
	p.mu.Unlock()
	p.stdout.Close()
	p.stderr.Close()
	p.stdin.close()
	close(p.done)
}

// exitStatus returns the status oneof of TaskExecWait and TaskExecPoll.
func (p *execProcess) exitStatus() (code, signal *int32) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.sig != 0 {
		s := p.sig
		return nil, &s
	}
	c := p.code
	return &c, nil
}

// execStartFailure is the exit code of a command that cannot start, as a
// shell reports "command not found".
const execStartFailure = 127

// TaskExecStart runs a command in a running sandbox. It is idempotent per
// exec_id, because the SDK retries it with the same id
// (spec/modal-v0.11.md §5.2). A command past its timeout_secs is killed
// with SIGKILL and reported as signal 9, exit code 137, as Modal does
// (test/sandbox_test.go:2461-2482, TestSandboxExecWaitTimeout). The
// sandbox's file helper (/__modal/.bin/modal-sandbox-fs-tools) runs in the
// emulator itself (fstools.go).
func (r *commandRouter) TaskExecStart(ctx context.Context, req *pb.TaskExecStartRequest) (*pb.TaskExecStartResponse, error) {
	s := r.s
	sb, err := s.running(ctx, req.GetTaskId())
	if err != nil {
		return nil, err
	}
	argv := req.GetCommandArgs()
	if len(argv) == 0 {
		return nil, status.Error(codes.InvalidArgument, "the command is empty")
	}
	if req.GetExecId() == "" {
		return nil, status.Error(codes.InvalidArgument, "exec_id is empty")
	}
	workdir := sb.workdir
	if req.HasWorkdir() {
		if workdir = req.GetWorkdir(); !path.IsAbs(workdir) {
			return nil, status.Errorf(codes.InvalidArgument, "workdir must be an absolute path, got %q", workdir)
		}
	}
	extra, err := s.secretEnv(req.GetSecretIds(), req.GetSecretSources())
	if err != nil {
		return nil, err
	}
	maps.Copy(extra, req.GetEnv())
	stdin, err := newStdinSink()
	if err != nil {
		return nil, status.Errorf(codes.Internal, "stdin: %v", err)
	}
	p := &execProcess{
		id:     req.GetExecId(),
		stdout: newOutputBuffer(req.GetStdoutConfig() != pb.TaskExecStdoutConfig_TASK_EXEC_STDOUT_CONFIG_PIPE),
		stderr: newOutputBuffer(req.GetStderrConfig() != pb.TaskExecStderrConfig_TASK_EXEC_STDERR_CONFIG_PIPE),
		stdin:  stdin,
		done:   make(chan struct{}),
	}
	sb.mu.Lock()
	if _, ok := sb.execs[p.id]; ok {
		sb.mu.Unlock()
		stdin.started()
		stdin.close()
		return pb.TaskExecStartResponse_builder{}.Build(), nil
	}
	if sb.result != nil || sb.phase != phaseRunning || sb.terminating {
		sb.mu.Unlock()
		return nil, errSandboxFinished(sb)
	}
	sb.execs[p.id] = p
	sb.lastUse = time.Now()
	sb.mu.Unlock()

	if argv[0] == fsToolsPath {
		go s.runFSTool(sb, p, argv[1:])
		return pb.TaskExecStartResponse_builder{}.Build(), nil
	}
	cmd, err := s.runtime.command(sb, argv, workdir, sb.processEnv(extra))
	if err == nil {
		cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin.reader(), p.stdout, p.stderr
		err = cmd.Start()
	}
	stdin.started()
	if err != nil {
		fmt.Fprintf(p.stderr, "modalemu: cannot run %q: %v\n", argv[0], err)
		p.finish(execStartFailure, 0)
		return pb.TaskExecStartResponse_builder{}.Build(), nil
	}
	p.mu.Lock()
	p.pid = cmd.Process.Pid
	p.mu.Unlock()
	var timer *time.Timer
	if req.HasTimeoutSecs() && req.GetTimeoutSecs() > 0 {
		timer = time.AfterFunc(time.Duration(req.GetTimeoutSecs())*time.Second, func() { p.signal(syscall.SIGKILL) })
	}
	go func() {
		_ = cmd.Wait()
		if timer != nil {
			timer.Stop()
		}
		code, sig := exitStatus(cmd.ProcessState)
		// What the command left behind in its group ends with it.
		signalGroup(cmd.Process.Pid, syscall.SIGKILL)
		if path.Base(argv[0]) == "sync" && code == 0 && sig == 0 {
			sb.syncV2()
		}
		sb.touch()
		p.finish(code, sig)
	}()
	return pb.TaskExecStartResponse_builder{}.Build(), nil
}

// syncV2 commits the sandbox's v2 volume mounts: on Volumes v2, running
// `sync` inside the sandbox commits its writes (spec/modal.md §5.2).
func (sb *sandbox) syncV2() {
	for _, m := range sb.mounts {
		if m.vol.version == pb.VolumeFsVersion_VOLUME_FS_VERSION_V2 {
			if _, err := m.commit(false); err != nil {
				sb.s.logger.Warn("modalemu: sync commit failed", "sandbox", sb.id, "error", err)
			}
		}
	}
}

// answering returns a task's sandbox, running or not, unless it is hung:
// then the call gets no answer until its caller gives up or the sandbox
// is ended.
func (s *Server) answering(ctx context.Context, taskID string) (*sandbox, error) {
	sb, err := s.sandboxByTask(taskID)
	if err != nil {
		return nil, err
	}
	sb.mu.Lock()
	hung := sb.hung
	sb.mu.Unlock()
	if hung {
		select {
		case <-ctx.Done():
			return nil, status.FromContextError(ctx.Err()).Err()
		case <-sb.done:
		}
	}
	return sb, nil
}

// execOf returns an exec of a task's sandbox, finished or not (its output
// stays readable); a hung sandbox never answers.
func (s *Server) execOf(ctx context.Context, taskID, execID string) (*sandbox, *execProcess, error) {
	sb, err := s.sandboxByTask(taskID)
	if err != nil {
		return nil, nil, err
	}
	sb.mu.Lock()
	p, hung := sb.execs[execID], sb.hung
	sb.mu.Unlock()
	if hung {
		select {
		case <-ctx.Done():
			return nil, nil, status.FromContextError(ctx.Err()).Err()
		case <-sb.done:
			return nil, nil, errSandboxFinished(sb)
		}
	}
	if p == nil {
		return nil, nil, status.Errorf(codes.NotFound, "exec %s not found in task %s", execID, taskID)
	}
	return sb, p, nil
}

// TaskExecStdioRead streams an exec's stdout or stderr from the requested
// byte offset, holding the stream open while the command can still write,
// and ends it with OK once everything was sent: that is how the SDK learns
// the output is complete (task_command_router_client.go:1219-1221).
func (r *commandRouter) TaskExecStdioRead(req *pb.TaskExecStdioReadRequest, stream grpc.ServerStreamingServer[pb.TaskExecStdioReadResponse]) error {
	_, p, err := r.s.execOf(stream.Context(), req.GetTaskId(), req.GetExecId())
	if err != nil {
		return err
	}
	buf := p.stdout
	if req.GetFileDescriptor() == pb.TaskExecStdioFileDescriptor_TASK_EXEC_STDIO_FILE_DESCRIPTOR_STDERR {
		buf = p.stderr
	}
	return buf.followBytes(stream.Context(), r.s.ctx.Done(), req.GetOffset(), func(data []byte, _ uint64) error {
		return stream.Send(pb.TaskExecStdioReadResponse_builder{Data: data}.Build())
	})
}

// TaskExecWait blocks until the exec exits and returns its code, or the
// signal that killed it (sandbox.go:2564-2577).
func (r *commandRouter) TaskExecWait(ctx context.Context, req *pb.TaskExecWaitRequest) (*pb.TaskExecWaitResponse, error) {
	_, p, err := r.s.execOf(ctx, req.GetTaskId(), req.GetExecId())
	if err != nil {
		return nil, err
	}
	select {
	case <-p.done:
	case <-ctx.Done():
		return nil, status.FromContextError(ctx.Err()).Err()
	case <-r.s.ctx.Done():
		return nil, status.Error(codes.Unavailable, "modalemu: shutting down")
	}
	code, sig := p.exitStatus()
	return pb.TaskExecWaitResponse_builder{Code: code, Signal: sig}.Build(), nil
}

// TaskExecPoll returns the exec's status, or none while it runs.
func (r *commandRouter) TaskExecPoll(ctx context.Context, req *pb.TaskExecPollRequest) (*pb.TaskExecPollResponse, error) {
	_, p, err := r.s.execOf(ctx, req.GetTaskId(), req.GetExecId())
	if err != nil {
		return nil, err
	}
	select {
	case <-p.done:
		code, sig := p.exitStatus()
		return pb.TaskExecPollResponse_builder{Code: code, Signal: sig}.Build(), nil
	default:
		return pb.TaskExecPollResponse_builder{}.Build(), nil
	}
}

// TaskExecStdinWrite writes to an exec's stdin at an offset (unary form,
// sandbox.go:2652-2674).
func (r *commandRouter) TaskExecStdinWrite(ctx context.Context, req *pb.TaskExecStdinWriteRequest) (*pb.TaskExecStdinWriteResponse, error) {
	sb, p, err := r.s.execOf(ctx, req.GetTaskId(), req.GetExecId())
	if err != nil {
		return nil, err
	}
	sb.touch()
	if err := p.stdin.write(req.GetOffset(), req.GetData(), req.GetEof()); err != nil {
		return nil, err
	}
	return pb.TaskExecStdinWriteResponse_builder{}.Build(), nil
}

// TaskExecStdinWriteStream is the streamed stdin of the file API's writes:
// a start message (task, exec, offset), data messages, and an end message
// that closes stdin; a stream that breaks before its end leaves stdin open
// for a resume at TaskExecStdinStatus's offset
// (task_command_router_client.go:873-1004).
func (r *commandRouter) TaskExecStdinWriteStream(stream grpc.ClientStreamingServer[pb.TaskExecStdinWriteStreamRequest, pb.TaskExecStdinWriteStreamResponse]) error {
	first, err := stream.Recv()
	if err != nil {
		return err
	}
	if !first.HasStart() {
		return status.Error(codes.InvalidArgument, "the first message of a stdin stream must be start")
	}
	start := first.GetStart()
	sb, p, err := r.s.execOf(stream.Context(), start.GetTaskId(), start.GetExecId())
	if err != nil {
		return err
	}
	off := start.GetOffset()
	for {
		msg, err := stream.Recv()
		if err == io.EOF {
			return stream.SendAndClose(pb.TaskExecStdinWriteStreamResponse_builder{}.Build())
		}
		if err != nil {
			return err
		}
		sb.touch()
		switch {
		case msg.HasEnd():
			if err := p.stdin.write(off, nil, true); err != nil {
				return err
			}
		case msg.HasStart():
			return status.Error(codes.InvalidArgument, "a stdin stream has one start message")
		default:
			if err := p.stdin.write(off, msg.GetData(), false); err != nil {
				return err
			}
			off += uint64(len(msg.GetData()))
		}
	}
}

// TaskExecStdinStatus reports how much of an exec's stdin was accepted.
func (r *commandRouter) TaskExecStdinStatus(ctx context.Context, req *pb.TaskExecStdinStatusRequest) (*pb.TaskExecStdinStatusResponse, error) {
	_, p, err := r.s.execOf(ctx, req.GetTaskId(), req.GetExecId())
	if err != nil {
		return nil, err
	}
	n, closed := p.stdin.state()
	return pb.TaskExecStdinStatusResponse_builder{NumBytesWritten: n, Closed: closed}.Build(), nil
}

// TaskReloadVolumes commits the sandbox's volume writes and pulls the
// volumes' latest committed state, returning once done (CHANGELOG 0.9.0;
// test/sandbox_test.go:351-416: "Reloading sb1 commits its write to the
// volume; sb2 is unaffected until it reloads too").
func (r *commandRouter) TaskReloadVolumes(ctx context.Context, req *pb.TaskReloadVolumesRequest) (*pb.TaskReloadVolumesResponse, error) {
	sb, err := r.s.running(ctx, req.GetTaskId())
	if err != nil {
		return nil, err
	}
	sb.commitVolumes(false)
	for _, m := range sb.mounts {
		if err := m.reload(); err != nil {
			return nil, status.Errorf(codes.Internal, "reloading volume %s: %v", m.vol.id, err)
		}
	}
	return pb.TaskReloadVolumesResponse_builder{}.Build(), nil
}

// SandboxWaitUntilReady waits for the sandbox's readiness probe: an exec
// probe runs its command every interval until it exits 0, a TCP probe
// connects to its port; without a probe the sandbox is ready once running.
func (r *commandRouter) SandboxWaitUntilReady(ctx context.Context, req *pb.SandboxWaitUntilReadyTcrRequest) (*pb.SandboxWaitUntilReadyTcrResponse, error) {
	s := r.s
	sb, err := s.running(ctx, req.GetTaskId())
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(secondsDuration(req.GetTimeout(), time.Minute))
	probe := sb.def.GetReadinessProbe()
	interval := 100 * time.Millisecond
	if probe.HasIntervalMs() {
		interval = time.Duration(probe.GetIntervalMs()) * time.Millisecond
	}
	for {
		sb.mu.Lock()
		ready := sb.readyAt
		sb.mu.Unlock()
		if ready == 0 && s.probe(sb, probe) {
			ready = timestamp(time.Now())
			sb.mu.Lock()
			sb.readyAt = ready
			sb.mu.Unlock()
		}
		if ready != 0 {
			return pb.SandboxWaitUntilReadyTcrResponse_builder{ReadyAt: ready}.Build(), nil
		}
		if sb.currentResult() != nil {
			return nil, errSandboxFinished(sb)
		}
		if time.Now().After(deadline) {
			return nil, status.Error(codes.DeadlineExceeded, "the sandbox did not become ready in time")
		}
		select {
		case <-time.After(interval):
		case <-ctx.Done():
			return nil, status.FromContextError(ctx.Err()).Err()
		}
	}
}

// probe runs a readiness probe once.
func (s *Server) probe(sb *sandbox, probe *pb.Probe) bool {
	switch {
	case probe.HasExecCommand():
		argv := probe.GetExecCommand().GetArgv()
		cmd, err := s.runtime.command(sb, argv, sb.workdir, sb.processEnv(nil))
		return err == nil && cmd.Run() == nil
	case probe.HasTcpPort():
		c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(int(probe.GetTcpPort())), time.Second)
		if err == nil {
			c.Close()
		}
		return err == nil
	}
	return true
}

// SandboxStdioReadV2 streams a V2 sandbox's entrypoint output from a byte
// offset; each message carries data (never empty) and its offset
// (task_command_router_client.go:1304-1422).
func (r *commandRouter) SandboxStdioReadV2(req *pb.SandboxStdioReadV2Request, stream grpc.ServerStreamingServer[pb.SandboxStdioReadV2Response]) error {
	sb, err := r.s.answering(stream.Context(), req.GetTaskId())
	if err != nil {
		return err
	}
	buf := sb.stdout
	if req.GetFileDescriptor() == pb.SandboxStdioFileDescriptor_SANDBOX_STDIO_FILE_DESCRIPTOR_STDERR {
		buf = sb.stderr
	}
	return buf.followBytes(stream.Context(), r.s.ctx.Done(), req.GetOffset(), func(data []byte, start uint64) error {
		return stream.Send(pb.SandboxStdioReadV2Response_builder{Data: data, StartingOffset: start}.Build())
	})
}

// SandboxStdinWriteV2 writes to a V2 sandbox's entrypoint stdin.
func (r *commandRouter) SandboxStdinWriteV2(ctx context.Context, req *pb.SandboxStdinWriteV2Request) (*pb.SandboxStdinWriteV2Response, error) {
	sb, err := r.s.answering(ctx, req.GetTaskId())
	if err != nil {
		return nil, err
	}
	sb.touch()
	if err := sb.stdin.write(req.GetOffset(), req.GetData(), req.GetEof()); err != nil {
		return nil, err
	}
	return pb.SandboxStdinWriteV2Response_builder{}.Build(), nil
}

// SandboxStdinWrite writes to a V1 sandbox's entrypoint stdin: input
// chunks carry an index from 1, and a repeated index is ignored.
func (c *controlPlane) SandboxStdinWrite(ctx context.Context, req *pb.SandboxStdinWriteRequest) (*pb.SandboxStdinWriteResponse, error) {
	sb, err := c.s.sandboxByID(req.GetSandboxId())
	if err != nil {
		return nil, err
	}
	sb.touch()
	sb.mu.Lock()
	fresh := req.GetIndex() > sb.stdinIndex
	if fresh {
		sb.stdinIndex = req.GetIndex()
	}
	sb.mu.Unlock()
	if fresh {
		n, _ := sb.stdin.state()
		if err := sb.stdin.write(n, req.GetInput(), req.GetEof()); err != nil {
			return nil, err
		}
	} else if req.GetEof() {
		n, _ := sb.stdin.state()
		_ = sb.stdin.write(n, nil, true)
	}
	return pb.SandboxStdinWriteResponse_builder{}.Build(), nil
}

// SandboxGetLogs streams a V1 sandbox's entrypoint output after
// last_entry_id (entry ids count chunks, "<n>-0"), ends the stream after
// its timeout, and sends a batch with eof once the output ended
// (sandbox.go:2814-2947).
func (c *controlPlane) SandboxGetLogs(req *pb.SandboxGetLogsRequest, stream grpc.ServerStreamingServer[pb.TaskLogsBatch]) error {
	sb, err := c.s.sandboxByID(req.GetSandboxId())
	if err != nil {
		return err
	}
	buf, fd := sb.stdout, pb.FileDescriptor_FILE_DESCRIPTOR_STDOUT
	if req.GetFileDescriptor() == pb.FileDescriptor_FILE_DESCRIPTOR_STDERR {
		buf, fd = sb.stderr, pb.FileDescriptor_FILE_DESCRIPTOR_STDERR
	}
	last := req.GetLastEntryId()
	n := 0
	if last != "" {
		head, _, _ := strings.Cut(last, "-")
		n, _ = strconv.Atoi(head)
	}
	timeout := time.NewTimer(secondsDuration(req.GetTimeout(), 55*time.Second))
	defer timeout.Stop()
	for {
		chunks, closed, changed := buf.chunksAfter(n)
		for _, ch := range chunks {
			n++
			batch := pb.TaskLogsBatch_builder{
				SandboxId: sb.id, TaskId: sb.taskID, EntryId: strconv.Itoa(n) + "-0",
				Items: []*pb.TaskLogs{pb.TaskLogs_builder{Data: string(ch), FileDescriptor: fd}.Build()},
			}.Build()
			if err := stream.Send(batch); err != nil {
				return err
			}
		}
		if len(chunks) > 0 {
			continue
		}
		if closed {
			return stream.Send(pb.TaskLogsBatch_builder{SandboxId: sb.id, EntryId: strconv.Itoa(n) + "-0", Eof: true}.Build())
		}
		select {
		case <-changed:
		case <-timeout.C:
			return nil
		case <-stream.Context().Done():
			return status.FromContextError(stream.Context().Err()).Err()
		case <-c.s.ctx.Done():
			return status.Error(codes.Unavailable, "modalemu: shutting down")
		}
	}
}
