package modalemu

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	pb "github.com/modal-labs/libmodal/modal-go/proto/modal_proto"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// defaultSandboxTimeout applies when a definition has timeout_secs 0.
const defaultSandboxTimeout = 300 * time.Second

// startFailureExitCode is the exit code of a sandbox whose command cannot be
// started, as a shell reports "command not found".
const startFailureExitCode = 127

// finishReason says why a sandbox stopped when it did not exit by itself.
type finishReason int

const (
	reasonNone finishReason = iota
	reasonTerminated
	reasonTimeout
	reasonKilled // injected by KillSandbox
)

// sandbox is one emulated sandbox: a host folder as its root and, unless
// its command is empty (idle until timeout), a local process group.
type sandbox struct {
	id      string
	appID   string
	name    string
	taskID  string
	dir     string // host folder: fs/ (the fake "/"), stdout.log, stderr.log
	paths   *PathMapper
	workdir string            // host folder of the definition's workdir
	env     map[string]string // from the definition's secrets
	cmd     *exec.Cmd         // nil for an idle sandbox
	stdout  *outputLog        // of the entrypoint, closed when the sandbox ends
	stderr  *outputLog
	timer   *time.Timer
	done    chan struct{} // closed once result is set

	mu     sync.Mutex
	reason finishReason
	result *pb.GenericResult
	execs  []*execProcess // started by ContainerExec
	files  fileTable      // opened through the filesystem API

	pendingPolls int // SandboxGetTaskId calls still to answer without a task id
}

// finish stops the sandbox for the given reason, unless it already stopped.
// For a process, the result is set by the goroutine waiting on it.
func (sb *sandbox) finish(r finishReason) {
	sb.mu.Lock()
	if sb.result != nil || sb.reason != reasonNone {
		sb.mu.Unlock()
		return
	}
	sb.reason = r
	execs, cmd := sb.execs, sb.cmd
	if cmd == nil {
		sb.setResultLocked(0)
	}
	sb.mu.Unlock()
	for _, p := range execs {
		p.kill()
	}
	if cmd != nil {
		killProcessGroup(cmd.Process.Pid)
	}
}

// setResultLocked records the final result from the reason and exit code
// and wakes waiters, unless a result is already set. sb.mu must be held.
func (sb *sandbox) setResultLocked(code int) {
	if sb.result != nil {
		return
	}
	var res pb.GenericResult_builder
	switch {
	case sb.reason == reasonTerminated:
		res.Status = pb.GenericResult_GENERIC_STATUS_TERMINATED
	case sb.reason == reasonTimeout:
		res.Status = pb.GenericResult_GENERIC_STATUS_TIMEOUT
	case sb.reason == reasonKilled:
		res = killedResult()
	case code == 0:
		res.Status = pb.GenericResult_GENERIC_STATUS_SUCCESS
	default:
		res.Status = pb.GenericResult_GENERIC_STATUS_FAILURE
		res.Exitcode = int32(code)
		res.Exception = fmt.Sprintf("sandbox command exited with code %d", code)
	}
	sb.result = res.Build()
	for _, p := range sb.execs {
		p.kill()
	}
	sb.files.closeAll()
	sb.stdout.Close()
	sb.stderr.Close()
	if sb.timer != nil {
		sb.timer.Stop()
	}
	close(sb.done)
}

// currentResult returns the final result, or nil while running.
func (sb *sandbox) currentResult() *pb.GenericResult {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	return sb.result
}

// SandboxCreate starts a sandbox: its entrypoint runs as a local process in
// a new process group with argv paths, the workdir and volume mounts mapped
// by a [PathMapper]; an empty entrypoint idles until the timeout. The image
// is ignored, resources are not enforced, and the process sees the host
// environment minus MODAL_* variables, plus the definition's secrets.
func (s *Server) SandboxCreate(ctx context.Context, req *pb.SandboxCreateRequest) (*pb.SandboxCreateResponse, error) {
	def := req.GetDefinition()
	if def == nil {
		return nil, status.Error(codes.InvalidArgument, "sandbox definition is missing")
	}
	if !s.hasApp(req.GetAppId()) {
		return nil, status.Errorf(codes.NotFound, "App with id '%s' not found", req.GetAppId())
	}
	env, err := s.secretEnv(def.GetSecretIds())
	if err != nil {
		return nil, err
	}
	mounts := map[string]string{}
	for _, vm := range def.GetVolumeMounts() {
		v, err := s.volumeByID(vm.GetVolumeId())
		if err != nil {
			return nil, err
		}
		if !strings.HasPrefix(vm.GetMountPath(), "/") {
			return nil, status.Errorf(codes.InvalidArgument, "mount path %q is not absolute", vm.GetMountPath())
		}
		mounts[vm.GetMountPath()] = v.dir
	}

	id := s.newID("sb")
	sb := &sandbox{
		id:     id,
		appID:  req.GetAppId(),
		name:   def.GetName(),
		taskID: "ta-" + strings.TrimPrefix(id, "sb-"),
		dir:    filepath.Join(s.root, "sandboxes", id),
		stdout: newOutputLog(),
		stderr: newOutputLog(),
		done:   make(chan struct{}),

		pendingPolls: s.opts.PendingTaskIDPolls,
	}
	fsRoot := filepath.Join(sb.dir, "fs")
	if err := os.MkdirAll(fsRoot, 0o755); err != nil {
		return nil, status.Errorf(codes.FailedPrecondition, "create sandbox folder: %v", err)
	}
	sb.paths = NewPathMapper(fsRoot, mounts)
	sb.env = env
	workdir := fsRoot
	if wd := def.GetWorkdir(); wd != "" {
		if !strings.HasPrefix(wd, "/") {
			return nil, status.Errorf(codes.InvalidArgument, "workdir %q is not absolute", wd)
		}
		workdir = sb.paths.Host(wd)
		if err := os.MkdirAll(workdir, 0o755); err != nil {
			return nil, status.Errorf(codes.FailedPrecondition, "create workdir: %v", err)
		}
	}

	sb.workdir = workdir
	if err := s.registerSandbox(sb); err != nil {
		return nil, err
	}
	timeout := time.Duration(def.GetTimeoutSecs()) * time.Second
	if timeout == 0 {
		timeout = defaultSandboxTimeout
	}
	// Hold sb.mu while starting so that a concurrent finish (Close) sees
	// either no process and nothing started, or the started process.
	sb.mu.Lock()
	if args := def.GetEntrypointArgs(); len(args) > 0 && sb.reason == reasonNone {
		s.startProcess(sb, args)
	}
	if sb.result == nil {
		sb.timer = time.AfterFunc(timeout, func() { sb.finish(reasonTimeout) })
	}
	sb.mu.Unlock()
	return pb.SandboxCreateResponse_builder{SandboxId: id}.Build(), nil
}

// registerSandbox adds sb to the server, refusing a name already used by a
// running sandbox of the same App.
func (s *Server) registerSandbox(sb *sandbox) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sb.name != "" {
		for _, other := range s.sandboxes {
			if other.appID == sb.appID && other.name == sb.name && other.currentResult() == nil {
				return status.Errorf(codes.AlreadyExists, "Sandbox with name '%s' already exists", sb.name)
			}
		}
	}
	s.sandboxes[sb.id] = sb
	return nil
}

// startProcess runs the sandbox's entrypoint and a goroutine that records
// its result. A command that cannot start ends the sandbox with exit code
// 127 and the reason on its stderr. sb.mu must be held.
func (s *Server) startProcess(sb *sandbox, args []string) {
	argv := make([]string, len(args))
	for i, a := range args {
		argv[i] = sb.paths.Arg(a)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = sb.workdir
	cmd.Env = processEnv(sb.env)
	cmd.Stdout, cmd.Stderr = sb.stdout, sb.stderr
	cmd.WaitDelay = pipeDrainDelay
	setProcessGroup(cmd)
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(sb.stderr, "modalemu: start %q: %v\n", args[0], err)
		sb.setResultLocked(startFailureExitCode)
		return
	}
	sb.cmd = cmd
	go func() {
		_ = cmd.Wait()
		// Children left in the group die with the sandbox, as in a container,
		// and so do the processes started by ContainerExec.
		killProcessGroup(cmd.Process.Pid)
		sb.mu.Lock()
		sb.setResultLocked(exitCode(cmd.ProcessState))
		execs := sb.execs
		sb.mu.Unlock()
		for _, p := range execs {
			p.kill()
		}
	}()
}

// processEnv is the host environment without MODAL_* variables (no
// credentials leak into sandboxes), overlaid with the sandbox's secrets.
func processEnv(secrets map[string]string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MODAL_") {
			env = append(env, kv)
		}
	}
	for k, v := range secrets {
		env = append(env, k+"="+v)
	}
	return env
}

// sandboxByID returns the sandbox with the given id, or NotFound.
func (s *Server) sandboxByID(id string) (*sandbox, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sb, ok := s.sandboxes[id]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "Sandbox with id '%s' not found", id)
	}
	return sb, nil
}

// SandboxGetTaskId returns the sandbox's task id, plus its result once it
// has finished (the SDK then refuses Exec and Open, modal.md §3.3). With
// Options.PendingTaskIDPolls, the first calls answer without a task id.
func (s *Server) SandboxGetTaskId(ctx context.Context, req *pb.SandboxGetTaskIdRequest) (*pb.SandboxGetTaskIdResponse, error) {
	sb, err := s.sandboxByID(req.GetSandboxId())
	if err != nil {
		return nil, err
	}
	if sb.pendingTaskID() {
		return pb.SandboxGetTaskIdResponse_builder{}.Build(), nil
	}
	return pb.SandboxGetTaskIdResponse_builder{
		TaskId:     &sb.taskID,
		TaskResult: sb.currentResult(),
	}.Build(), nil
}

// SandboxWait blocks until the sandbox finishes or the request's timeout (in
// seconds; 0 polls) elapses, and returns the result, or none while running.
func (s *Server) SandboxWait(ctx context.Context, req *pb.SandboxWaitRequest) (*pb.SandboxWaitResponse, error) {
	sb, err := s.sandboxByID(req.GetSandboxId())
	if err != nil {
		return nil, err
	}
	if d := time.Duration(float64(req.GetTimeout()) * float64(time.Second)); d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-sb.done:
		case <-t.C:
		case <-ctx.Done():
			return nil, status.FromContextError(ctx.Err()).Err()
		case <-s.ctx.Done():
		}
	}
	return pb.SandboxWaitResponse_builder{Result: sb.currentResult()}.Build(), nil
}

// SandboxTerminate kills the sandbox's process group; its result becomes
// TERMINATED (exit code 137 in the SDK). A sandbox that had already finished
// keeps its result, which is returned as existing_result.
func (s *Server) SandboxTerminate(ctx context.Context, req *pb.SandboxTerminateRequest) (*pb.SandboxTerminateResponse, error) {
	sb, err := s.sandboxByID(req.GetSandboxId())
	if err != nil {
		return nil, err
	}
	existing := sb.currentResult()
	sb.finish(reasonTerminated)
	select {
	case <-sb.done:
	case <-ctx.Done():
		return nil, status.FromContextError(ctx.Err()).Err()
	}
	return pb.SandboxTerminateResponse_builder{ExistingResult: existing}.Build(), nil
}
