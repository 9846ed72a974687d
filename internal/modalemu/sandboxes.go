package modalemu

import (
	"context"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	pb "github.com/modal-labs/modal-client/go/proto/modal_proto"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
)

// Sandbox timeouts: 0 means the default of 5 minutes, and a sandbox may
// live at most 24 hours ("Sandboxes have a default maximum lifetime of 5
// minutes. You can change this by passing a timeout of up to 24 hours",
// modal.com/docs/guide/sandbox; the SDK sends 0 as 300, sandbox.go:398-411).
const (
	defaultSandboxTimeout = 5 * time.Minute
	maxSandboxTimeout     = 24 * time.Hour
)

// stopReason says why a sandbox stopped when its main process did not
// simply exit.
type stopReason int

const (
	stopNone        stopReason = iota
	stopTerminated             // SandboxTerminate (or Close)
	stopTimeout                // its timeout
	stopIdleTimeout            // its idle timeout
	stopKilled                 // KillSandbox: the container crashed
	stopPreempted              // PreemptSandbox: the worker was reclaimed
	stopUnscheduled            // never got capacity (V2 create gave up)
)

// sandbox phases.
const (
	phaseQueued   = "queued"   // waiting for capacity
	phaseStarting = "starting" // scheduled, cold-starting
	phaseRunning  = "running"
	phaseStopping = "stopping"
	phaseDone     = "done"
)

// sandbox is one emulated sandbox.
type sandbox struct {
	s         *Server
	id        string
	v2        bool
	app       *app
	name      string
	taskID    string
	createdAt time.Time
	def       *pb.Sandbox
	image     *image
	env       map[string]string // image env, then the definition's secrets
	workdir   string            // container path
	mounts    []*mount
	dir       string      // host folder of the sandbox
	paths     *PathMapper // mapped runtime only
	timeout   time.Duration
	idle      time.Duration
	stdin     *stdinSink
	stdout    *outputBuffer
	stderr    *outputBuffer
	started   chan struct{} // closed once running, or finished before
	done      chan struct{} // closed once result is set

	mu        sync.Mutex
	phase     string
	reason    stopReason
	result    *pb.GenericResult
	cmd       *exec.Cmd
	pid       int
	slot      bool // holds a capacity slot
	tags      map[string]string
	execs     map[string]*execProcess
	hung      bool
	readyAt   float64
	startedAt time.Time
	endedAt   time.Time
	lastUse   time.Time // for the idle timeout
	inPlace   int       // files committed after an in-place write
	// stdinIndex is the last V1 stdin chunk index accepted.
	stdinIndex uint32
	// terminating is set by SandboxTerminate, before the sandbox stops.
	terminating bool
}

// mainPID is the pid of the sandbox's main process, 0 when none.
func (sb *sandbox) mainPID() int {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	return sb.pid
}

// processEnv is the environment of a process in the sandbox.
func (sb *sandbox) processEnv(extra map[string]string) []string {
	env := maps.Clone(sb.env)
	maps.Copy(env, extra)
	return processEnv(env)
}

// currentResult returns the final result, or nil while the sandbox runs.
func (sb *sandbox) currentResult() *pb.GenericResult {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	return sb.result
}

// checkDefinition refuses what the service refuses in a definition.
func checkDefinition(def *pb.Sandbox) error {
	if def == nil {
		return status.Error(codes.InvalidArgument, "sandbox definition is missing")
	}
	if t := time.Duration(def.GetTimeoutSecs()) * time.Second; t > maxSandboxTimeout {
		return status.Errorf(codes.InvalidArgument, "Sandbox timeout must be at most 24 hours (86400 seconds), got %d seconds", def.GetTimeoutSecs())
	}
	if def.HasIdleTimeoutSecs() && time.Duration(def.GetIdleTimeoutSecs())*time.Second > maxSandboxTimeout {
		return status.Errorf(codes.InvalidArgument, "Sandbox idle timeout must be at most 24 hours, got %d seconds", def.GetIdleTimeoutSecs())
	}
	if wd := def.GetWorkdir(); def.HasWorkdir() && !path.IsAbs(wd) {
		return status.Errorf(codes.InvalidArgument, "workdir must be an absolute path, got %q", wd)
	}
	if def.GetName() != "" && !validObjectName(def.GetName()) {
		return status.Error(codes.InvalidArgument, invalidNameMessage("Sandbox", def.GetName()))
	}
	if c := def.GetCloudProviderStr(); c != "" && !slices.Contains([]string{"aws", "gcp", "oci", "auto"}, strings.ToLower(c)) {
		return status.Errorf(codes.InvalidArgument, "invalid cloud provider %q: expected aws, gcp, oci or auto", c)
	}
	for _, r := range def.GetSchedulerPlacement().GetRegions() {
		if !knownRegion(r) {
			return status.Errorf(codes.InvalidArgument, "invalid region %q", r)
		}
	}
	if g := def.GetResources().GetGpuConfig(); g.GetGpuType() != "" && !slices.Contains(GPUTypes(), g.GetGpuType()) {
		return status.Errorf(codes.InvalidArgument, "unknown GPU type %q (known: %s)", g.GetGpuType(), strings.Join(GPUTypes(), ", "))
	}
	return nil
}

// knownRegion accepts Modal's region names: a broad region (us, eu, ap,
// ...) or a cloud region such as us-east-1.
func knownRegion(r string) bool {
	broad := []string{"us", "eu", "uk", "ap", "jp", "ca", "sa", "me", "mx", "af", "au"}
	if slices.Contains(broad, r) {
		return true
	}
	prefix, _, ok := strings.Cut(r, "-")
	return ok && slices.Contains(broad, prefix) && len(r) > 3
}

// GPUTypes lists the GPU types Modal offers (modal.com/docs/guide/gpu).
func GPUTypes() []string {
	return []string{"T4", "L4", "A10G", "A10", "L40S", "A100", "A100-40GB", "A100-80GB", "H100", "H100!", "H200", "B200", "B200+"}
}

// SandboxCreate is the V1 create (a GPU, or MODAL_SANDBOX_V2=0): it
// returns at once with a V1-shaped id while the sandbox waits for
// capacity; the SDK polls SandboxGetTaskId until it runs
// (sandbox.go:566-604, 1415-1433).
func (c *controlPlane) SandboxCreate(ctx context.Context, req *pb.SandboxCreateRequest) (*pb.SandboxCreateResponse, error) {
	sb, err := c.s.newSandbox(req.GetAppId(), req.GetDefinition(), nil, req.GetTags(), false)
	if err != nil {
		return nil, err
	}
	go c.s.schedule(c.s.ctx, sb, 0)
	return pb.SandboxCreateResponse_builder{SandboxId: sb.id}.Build(), nil
}

// SandboxCreateV2 is the default create: it blocks until the sandbox is
// scheduled and running ("Sandboxes.Create() now blocks until the Sandbox
// is scheduled", CHANGELOG 0.11.0), returning its task id and router
// access; when no capacity frees up within Options.CapacityWait it fails
// with RESOURCE_EXHAUSTED ("If a Sandbox is unable to be scheduled ...
// creation will time out and return a ResourceExhaustedError").
func (c *controlPlane) SandboxCreateV2(ctx context.Context, req *pb.SandboxCreateV2Request) (*pb.SandboxCreateV2Response, error) {
	s := c.s
	if req.GetDefinition().GetResources().GetGpuConfig().GetGpuType() != "" {
		return nil, status.Error(codes.InvalidArgument, "GPUs are not supported by SandboxCreateV2")
	}
	sb, err := s.newSandbox(req.GetAppId(), req.GetDefinition(), req.GetSecretSources(), req.GetTags(), true)
	if err != nil {
		return nil, err
	}
	if err := s.schedule(ctx, sb, orDefault(s.opts.CapacityWait, defaultCapacityWait)); err != nil {
		return nil, err
	}
	select {
	case <-sb.started:
	case <-ctx.Done():
		sb.stop(stopTerminated)
		return nil, status.FromContextError(ctx.Err()).Err()
	}
	if res := sb.currentResult(); res != nil && sb.mainPID() == 0 {
		return nil, status.Errorf(codes.FailedPrecondition, "sandbox %s failed to start: %s", sb.id, res.GetException())
	}
	tok, url := s.routerAccess(sb)
	return pb.SandboxCreateV2Response_builder{
		SandboxId:           sb.id,
		TaskId:              sb.taskID,
		CommandRouterAccess: pb.CommandRouterAccess_builder{Jwt: tok, Url: url}.Build(),
	}.Build(), nil
}

// newSandbox checks a definition and registers a queued sandbox.
func (s *Server) newSandbox(appID string, def *pb.Sandbox, sources []*pb.SecretSource, tags []*pb.SandboxTag, v2 bool) (*sandbox, error) {
	if err := checkDefinition(def); err != nil {
		return nil, err
	}
	a, err := s.appByID(appID)
	if err != nil {
		return nil, err
	}
	var im *image
	if id := def.GetImageId(); id != "" {
		if im, err = s.imageByID(id); err != nil {
			return nil, err
		}
		if im.imageResult().GetStatus() != pb.GenericResult_GENERIC_STATUS_SUCCESS {
			return nil, status.Errorf(codes.FailedPrecondition, "image %s is not built", id)
		}
	}
	secrets, err := s.secretEnv(def.GetSecretIds(), sources)
	if err != nil {
		return nil, err
	}
	env := im.imageEnvOrNil()
	maps.Copy(env, secrets)
	id := newSandboxID(v2)
	sb := &sandbox{
		s: s, id: id, v2: v2, app: a, name: def.GetName(), taskID: newID("ta"), createdAt: time.Now(),
		def: def, image: im, env: env, workdir: "/", dir: filepath.Join(s.root, "sandboxes", id),
		timeout: time.Duration(def.GetTimeoutSecs()) * time.Second,
		stdout:  newOutputBuffer(false), stderr: newOutputBuffer(false),
		started: make(chan struct{}), done: make(chan struct{}),
		phase: phaseQueued, tags: map[string]string{}, execs: map[string]*execProcess{},
	}
	if sb.timeout == 0 {
		sb.timeout = defaultSandboxTimeout
	}
	if def.HasIdleTimeoutSecs() {
		sb.idle = time.Duration(def.GetIdleTimeoutSecs()) * time.Second
	}
	if def.HasWorkdir() {
		sb.workdir = path.Clean(def.GetWorkdir())
	}
	for _, t := range tags {
		sb.tags[t.GetTagName()] = t.GetTagValue()
	}
	if sb.stdin, err = newStdinSink(); err != nil {
		return nil, status.Errorf(codes.Internal, "stdin: %v", err)
	}
	if sb.mounts, err = s.newMounts(sb.dir, def.GetVolumeMounts()); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if sb.name != "" {
		for _, o := range s.sandboxes {
			if o.app == a && o.name == sb.name && o.currentResult() == nil {
				return nil, status.Errorf(codes.AlreadyExists, "Sandbox with name '%s' already exists in App '%s'", sb.name, a.name)
			}
		}
	}
	s.sandboxes[id], s.tasks[sb.taskID] = sb, sb
	s.created++
	return sb, nil
}

// schedule waits for capacity (at most wait; 0: as long as it takes),
// then starts the sandbox after the cold start. A sandbox that gets no
// capacity in time is forgotten and the error is RESOURCE_EXHAUSTED.
func (s *Server) schedule(ctx context.Context, sb *sandbox, wait time.Duration) error {
	sb.mu.Lock()
	tags := maps.Clone(sb.tags)
	sb.mu.Unlock()
	if d := s.scheduleDelay(tags); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-ctx.Done():
		}
		t.Stop()
	}
	if err := s.capacity.acquire(ctx, s.ctx, sb, wait); err != nil {
		if status.Code(err) != codes.Aborted {
			s.mu.Lock()
			delete(s.sandboxes, sb.id)
			delete(s.tasks, sb.taskID)
			s.mu.Unlock()
			sb.stop(stopUnscheduled)
		}
		return err
	}
	sb.mu.Lock()
	if sb.phase != phaseQueued {
		// Terminated while queued.
		sb.mu.Unlock()
		s.capacity.release()
		return nil
	}
	sb.slot, sb.phase = true, phaseStarting
	sb.mu.Unlock()
	go sb.boot()
	return nil
}

// boot cold-starts a scheduled sandbox: mounts its volumes, starts its
// main process and arms its timeouts.
func (sb *sandbox) boot() {
	s := sb.s
	if d := s.opts.ColdStart; d > 0 {
		select {
		case <-time.After(d):
		case <-s.ctx.Done():
		}
	}
	err := sb.prepare()
	var cmd *exec.Cmd
	if err == nil {
		argv := sb.def.GetEntrypointArgs()
		if len(argv) == 0 {
			argv = idleCommand()
		}
		cmd, err = s.runtime.start(sb, argv)
	}
	sb.stdin.started()
	sb.mu.Lock()
	if err != nil || sb.phase != phaseStarting {
		sb.mu.Unlock()
		if cmd != nil {
			signalGroup(cmd.Process.Pid, syscall.SIGKILL)
			_ = cmd.Wait()
		}
		if err != nil {
			fmt.Fprintf(sb.stderr, "modalemu: starting the sandbox: %v\n", err)
			sb.end(127, false)
		} else {
			sb.end(0, true)
		}
		return
	}
	sb.cmd, sb.pid, sb.phase = cmd, cmd.Process.Pid, phaseRunning
	sb.startedAt, sb.lastUse = time.Now(), time.Now()
	sb.mu.Unlock()
	close(sb.started)
	go func() {
		_ = cmd.Wait()
		code, sig := exitStatus(cmd.ProcessState)
		if sig != 0 {
			code = 128 + sig
		}
		// Children left in the group die with the sandbox, as in a container.
		signalGroup(cmd.Process.Pid, syscall.SIGKILL)
		sb.end(code, true)
	}()
	go sb.watch()
}

// prepare makes the sandbox's folders and mounts its volumes.
func (sb *sandbox) prepare() error {
	fsRoot := filepath.Join(sb.dir, "fs")
	if err := os.MkdirAll(fsRoot, 0o755); err != nil {
		return err
	}
	mounted := map[string]string{}
	for _, m := range sb.mounts {
		if err := m.attach(); err != nil {
			return err
		}
		mounted[m.containerPath] = m.view
	}
	sb.paths = NewPathMapper(fsRoot, mounted)
	return nil
}

// watch enforces the timeout, the idle timeout and background commits
// while the sandbox runs.
func (sb *sandbox) watch() {
	s := sb.s
	deadline := time.NewTimer(sb.timeout)
	defer deadline.Stop()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	lastCommit := time.Now()
	for {
		select {
		case <-sb.done:
			return
		case <-deadline.C:
			sb.stop(stopTimeout)
			return
		case <-tick.C:
			sb.mu.Lock()
			idle := sb.idle > 0 && len(sb.runningExecsLocked()) == 0 && time.Since(sb.lastUse) > sb.idle
			sb.mu.Unlock()
			if idle {
				sb.stop(stopIdleTimeout)
				return
			}
			if bc := s.opts.BackgroundCommit; bc > 0 && time.Since(lastCommit) >= bc {
				sb.commitVolumes(false)
				lastCommit = time.Now()
			}
		}
	}
}

// runningExecsLocked returns the execs still running; sb.mu is held.
func (sb *sandbox) runningExecsLocked() []*execProcess {
	var running []*execProcess
	for _, p := range sb.execs {
		select {
		case <-p.done:
		default:
			running = append(running, p)
		}
	}
	return running
}

// touch records activity for the idle timeout.
func (sb *sandbox) touch() {
	sb.mu.Lock()
	sb.lastUse = time.Now()
	sb.mu.Unlock()
}

// stop ends the sandbox for reason: its processes are killed (a
// preempted one gets SIGTERM and Options.PreemptGrace first), and end
// commits its volumes on the way out unless it crashed. Only the first
// stop counts.
func (sb *sandbox) stop(reason stopReason) {
	sb.mu.Lock()
	if sb.phase == phaseStopping || sb.phase == phaseDone {
		sb.mu.Unlock()
		return
	}
	prev := sb.phase
	sb.phase, sb.reason = phaseStopping, reason
	pid := sb.pid
	execs := sb.runningExecsLocked()
	sb.mu.Unlock()
	switch prev {
	case phaseQueued:
		sb.s.capacity.cancel(sb)
		sb.end(0, false)
		return
	case phaseStarting:
		return // boot sees the phase and ends the sandbox
	}
	if reason == stopPreempted {
		signalGroup(pid, syscall.SIGTERM)
		for _, p := range execs {
			p.signal(syscall.SIGTERM)
		}
		select {
		case <-sb.done:
			return
		case <-time.After(orDefault(sb.s.opts.PreemptGrace, defaultPreemptGrace)):
		}
	}
	for _, p := range execs {
		p.kill()
	}
	// The main process's waiter then ends the sandbox.
	signalGroup(pid, syscall.SIGCONT)
	signalGroup(pid, syscall.SIGKILL)
}

// end records the sandbox's result once: its execs are killed, its
// volumes committed (unless it crashed) and unmounted, its capacity slot
// released. code is the main process's exit status.
func (sb *sandbox) end(code int, ran bool) {
	sb.mu.Lock()
	if sb.result != nil {
		sb.mu.Unlock()
		return
	}
	reason := sb.reason
	execs := sb.runningExecsLocked()
	slot := sb.slot
	sb.slot, sb.pid = false, 0
	sb.mu.Unlock()
	for _, p := range execs {
		p.kill()
		<-p.done
	}
	if ran && reason != stopKilled {
		sb.commitVolumes(true)
	}
	_ = os.RemoveAll(filepath.Join(sb.dir, "volumes"))
	if slot {
		sb.s.capacity.release()
	}
	var res pb.GenericResult_builder
	switch reason {
	case stopTerminated, stopUnscheduled:
		res.Status = pb.GenericResult_GENERIC_STATUS_TERMINATED
	case stopTimeout:
		res.Status = pb.GenericResult_GENERIC_STATUS_TIMEOUT
	case stopIdleTimeout:
		res.Status = pb.GenericResult_GENERIC_STATUS_IDLE_TIMEOUT
	case stopKilled:
		res.Status, res.Exitcode, res.Exception = pb.GenericResult_GENERIC_STATUS_FAILURE, 137, "modalemu: the sandbox's container crashed (injected fault)"
	case stopPreempted:
		res.Status, res.Exitcode, res.Exception = pb.GenericResult_GENERIC_STATUS_INTERNAL_FAILURE, int32(code), "modalemu: the sandbox's worker was preempted (injected fault)"
	default:
		if code == 0 {
			res.Status = pb.GenericResult_GENERIC_STATUS_SUCCESS
		} else {
			res.Status, res.Exitcode = pb.GenericResult_GENERIC_STATUS_FAILURE, int32(code)
			res.Exception = fmt.Sprintf("the sandbox's command exited with code %d", code)
		}
	}
	sb.stdin.close()
	sb.stdout.Close()
	sb.stderr.Close()
	sb.mu.Lock()
	sb.result, sb.phase, sb.endedAt = res.Build(), phaseDone, time.Now()
	sb.mu.Unlock()
	select {
	case <-sb.started:
	default:
		close(sb.started)
	}
	close(sb.done)
}

// commitVolumes commits every writable mount; final: the sandbox is
// shutting down (mount.commit).
func (sb *sandbox) commitVolumes(final bool) {
	for _, m := range sb.mounts {
		n, err := m.commit(final)
		if err != nil {
			sb.s.logger.Warn("modalemu: commit failed", "sandbox", sb.id, "volume", m.vol.id, "error", err)
		}
		if n > 0 {
			sb.mu.Lock()
			sb.inPlace += n
			sb.mu.Unlock()
			sb.s.logger.Warn("modalemu: files modified in place reached the volume before their commit", "sandbox", sb.id, "volume", m.vol.id, "files", n)
		}
	}
}

// sandboxByID returns a sandbox, or NotFound.
func (s *Server) sandboxByID(id string) (*sandbox, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sb, ok := s.sandboxes[id]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "Sandbox with id '%s' not found", id)
	}
	return sb, nil
}

// allSandboxes returns every sandbox.
func (s *Server) allSandboxes() []*sandbox {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Collect(maps.Values(s.sandboxes))
}

// SandboxGetTaskId answers with the task id once the sandbox runs (none
// while it is queued or starting), with the result once it finished, and
// with only the result for a sandbox that ended before it ever ran
// (sandbox.go:1439-1487).
func (c *controlPlane) SandboxGetTaskId(ctx context.Context, req *pb.SandboxGetTaskIdRequest) (*pb.SandboxGetTaskIdResponse, error) {
	sb, err := c.s.sandboxByID(req.GetSandboxId())
	if err != nil {
		return nil, err
	}
	sb.mu.Lock()
	defer sb.mu.Unlock()
	var b pb.SandboxGetTaskIdResponse_builder
	if !sb.startedAt.IsZero() {
		b.TaskId = &sb.taskID
	}
	b.TaskResult = sb.result
	return b.Build(), nil
}

// SandboxGetTaskIdV2 is SandboxGetTaskId for V2 ids.
func (c *controlPlane) SandboxGetTaskIdV2(ctx context.Context, req *pb.SandboxGetTaskIdRequest) (*pb.SandboxGetTaskIdResponse, error) {
	return c.SandboxGetTaskId(ctx, req)
}

// SandboxWait blocks until the sandbox finishes or timeout seconds pass (0
// polls) and returns its result, or none while it runs
// (sandbox.go:1626-1648, 2262-2272).
func (c *controlPlane) SandboxWait(ctx context.Context, req *pb.SandboxWaitRequest) (*pb.SandboxWaitResponse, error) {
	sb, err := c.s.sandboxByID(req.GetSandboxId())
	if err != nil {
		return nil, err
	}
	if d := secondsDuration(req.GetTimeout(), 0); d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-sb.done:
		case <-t.C:
		case <-ctx.Done():
			return nil, status.FromContextError(ctx.Err()).Err()
		case <-c.s.ctx.Done():
		}
	}
	return pb.SandboxWaitResponse_builder{Result: sb.currentResult()}.Build(), nil
}

// SandboxWaitV2 is SandboxWait for V2 ids.
func (c *controlPlane) SandboxWaitV2(ctx context.Context, req *pb.SandboxWaitRequest) (*pb.SandboxWaitResponse, error) {
	return c.SandboxWait(ctx, req)
}

// SandboxTerminate asks the sandbox to stop and returns at once: the
// sandbox ends Options.TerminateLatency later, committing its volumes on
// the way out, and a caller who needs it gone waits for it (Terminate with
// Wait, sandbox.go:1592-1623: "Wait, when true, will wait for the Sandbox
// to terminate and return the exit code"). Terminating a finished sandbox
// returns its result and changes nothing (double terminate is idempotent,
// test/sandbox_test.go:2519-2539).
func (c *controlPlane) SandboxTerminate(ctx context.Context, req *pb.SandboxTerminateRequest) (*pb.SandboxTerminateResponse, error) {
	s := c.s
	sb, err := s.sandboxByID(req.GetSandboxId())
	if err != nil {
		return nil, err
	}
	if res := sb.currentResult(); res != nil {
		return pb.SandboxTerminateResponse_builder{ExistingResult: res}.Build(), nil
	}
	// From now on it takes no new commands (test/sandbox_test.go:2541-2563,
	// TestSandboxExecAfterTerminateFails), though it has not stopped yet.
	sb.mu.Lock()
	sb.terminating = true
	sb.mu.Unlock()
	if d := orDefault(s.opts.TerminateLatency, defaultTerminateLatency); d > 0 {
		time.AfterFunc(d, func() { sb.stop(stopTerminated) })
	} else {
		sb.stop(stopTerminated)
	}
	return pb.SandboxTerminateResponse_builder{}.Build(), nil
}

// SandboxTerminateV2 is SandboxTerminate for V2 ids.
func (c *controlPlane) SandboxTerminateV2(ctx context.Context, req *pb.SandboxTerminateRequest) (*pb.SandboxTerminateResponse, error) {
	return c.SandboxTerminate(ctx, req)
}

// SandboxGetCommandRouterAccess hands out the router's URL and a token for
// a V2 sandbox's task (task_command_router_client.go:398-414).
func (c *controlPlane) SandboxGetCommandRouterAccess(ctx context.Context, req *pb.SandboxGetCommandRouterAccessRequest) (*pb.SandboxGetCommandRouterAccessResponse, error) {
	s := c.s
	var sb *sandbox
	var err error
	if req.HasSandboxId() {
		sb, err = s.sandboxByID(req.GetSandboxId())
	} else {
		sb, err = s.sandboxByTask(req.GetTaskId())
	}
	if err != nil {
		return nil, err
	}
	tok, url := s.routerAccess(sb)
	return pb.SandboxGetCommandRouterAccessResponse_builder{Jwt: tok, Url: url, WorkerIpv4Address: "127.0.0.1"}.Build(), nil
}

// TaskGetCommandRouterAccess is router access for a V1 sandbox's task.
func (c *controlPlane) TaskGetCommandRouterAccess(ctx context.Context, req *pb.TaskGetCommandRouterAccessRequest) (*pb.TaskGetCommandRouterAccessResponse, error) {
	sb, err := c.s.sandboxByTask(req.GetTaskId())
	if err != nil {
		return nil, err
	}
	tok, url := c.s.routerAccess(sb)
	return pb.TaskGetCommandRouterAccessResponse_builder{Jwt: tok, Url: url}.Build(), nil
}

// sandboxByTask returns the sandbox running a task, or NotFound.
func (s *Server) sandboxByTask(taskID string) (*sandbox, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sb, ok := s.tasks[taskID]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "Task with id '%s' not found", taskID)
	}
	return sb, nil
}

// SandboxTagsSet replaces the sandbox's tags.
func (c *controlPlane) SandboxTagsSet(ctx context.Context, req *pb.SandboxTagsSetRequest) (*emptypb.Empty, error) {
	sb, err := c.s.sandboxByID(req.GetSandboxId())
	if err != nil {
		return nil, err
	}
	tags := map[string]string{}
	for _, t := range req.GetTags() {
		if t.GetTagName() == "" {
			return nil, status.Error(codes.InvalidArgument, "a tag name must not be empty")
		}
		tags[t.GetTagName()] = t.GetTagValue()
	}
	sb.mu.Lock()
	sb.tags = tags
	sb.mu.Unlock()
	return &emptypb.Empty{}, nil
}

// SandboxTagsSetV2 is SandboxTagsSet for V2 ids.
func (c *controlPlane) SandboxTagsSetV2(ctx context.Context, req *pb.SandboxTagsSetRequest) (*emptypb.Empty, error) {
	return c.SandboxTagsSet(ctx, req)
}

// SandboxTagsGet returns the sandbox's tags, those given at create
// included.
func (c *controlPlane) SandboxTagsGet(ctx context.Context, req *pb.SandboxTagsGetRequest) (*pb.SandboxTagsGetResponse, error) {
	sb, err := c.s.sandboxByID(req.GetSandboxId())
	if err != nil {
		return nil, err
	}
	return pb.SandboxTagsGetResponse_builder{Tags: sb.tagList()}.Build(), nil
}

// SandboxTagsGetV2 is SandboxTagsGet for V2 ids.
func (c *controlPlane) SandboxTagsGetV2(ctx context.Context, req *pb.SandboxTagsGetRequest) (*pb.SandboxTagsGetResponse, error) {
	return c.SandboxTagsGet(ctx, req)
}

// tagList returns the tags sorted by name.
func (sb *sandbox) tagList() []*pb.SandboxTag {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	var tags []*pb.SandboxTag
	for _, k := range slices.Sorted(maps.Keys(sb.tags)) {
		tags = append(tags, pb.SandboxTag_builder{TagName: k, TagValue: sb.tags[k]}.Build())
	}
	return tags
}

// listPage is the most sandboxes one SandboxList answer holds.
const listPage = 100

// SandboxList lists sandboxes, newest first, created strictly before
// before_timestamp (when set), of the App (or, without one, of the
// environment), carrying every tag asked for (AND), running ones only
// unless include_finished; the SDK pages until an empty answer
// (sandbox.go:2388-2418).
func (c *controlPlane) SandboxList(ctx context.Context, req *pb.SandboxListRequest) (*pb.SandboxListResponse, error) {
	s := c.s
	env := ""
	if req.GetAppId() == "" {
		var err error
		if env, err = s.environment(req.GetEnvironmentName()); err != nil {
			return nil, err
		}
	}
	want := map[string]string{}
	for _, t := range req.GetTags() {
		want[t.GetTagName()] = t.GetTagValue()
	}
	var found []*sandbox
	for _, sb := range s.allSandboxes() {
		sb.mu.Lock()
		ok := (req.GetAppId() == "" || sb.app.id == req.GetAppId()) &&
			(env == "" || sb.app.environment == env) &&
			(req.GetIncludeFinished() || sb.result == nil) &&
			(req.GetBeforeTimestamp() == 0 || timestamp(sb.createdAt) < req.GetBeforeTimestamp())
		for k, v := range want {
			ok = ok && sb.tags[k] == v
			if _, has := sb.tags[k]; !has {
				ok = false
			}
		}
		sb.mu.Unlock()
		if ok {
			found = append(found, sb)
		}
	}
	slices.SortFunc(found, func(a, b *sandbox) int { return b.createdAt.Compare(a.createdAt) })
	var infos []*pb.SandboxInfo
	for _, sb := range found[:min(len(found), listPage)] {
		infos = append(infos, sb.info())
	}
	return pb.SandboxListResponse_builder{Sandboxes: infos}.Build(), nil
}

// SandboxListV2 is SandboxList as the default profile calls it.
func (c *controlPlane) SandboxListV2(ctx context.Context, req *pb.SandboxListRequest) (*pb.SandboxListResponse, error) {
	return c.SandboxList(ctx, req)
}

// timestamp is a time as Modal's float seconds.
func timestamp(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

// info describes a sandbox for SandboxList.
func (sb *sandbox) info() *pb.SandboxInfo {
	sb.mu.Lock()
	task := pb.TaskInfo_builder{Id: sb.taskID, SandboxId: sb.id, Result: sb.result, EnqueuedAt: timestamp(sb.createdAt)}
	if !sb.startedAt.IsZero() {
		task.StartedAt = timestamp(sb.startedAt)
	}
	if !sb.endedAt.IsZero() {
		task.FinishedAt = timestamp(sb.endedAt)
	}
	sb.mu.Unlock()
	return pb.SandboxInfo_builder{
		Id: sb.id, CreatedAt: timestamp(sb.createdAt), AppId: sb.app.id, Name: sb.name,
		Tags: sb.tagList(), TaskInfo: task.Build(), TimeoutSecs: uint32(sb.timeout / time.Second),
	}.Build()
}

// SandboxGetFromName finds the running sandbox of an App with a name or,
// with include_terminated, the latest one that had it.
func (c *controlPlane) SandboxGetFromName(ctx context.Context, req *pb.SandboxGetFromNameRequest) (*pb.SandboxGetFromNameResponse, error) {
	s := c.s
	env, err := s.environment(req.GetEnvironmentName())
	if err != nil {
		return nil, err
	}
	var best *sandbox
	for _, sb := range s.allSandboxes() {
		if sb.app.name != req.GetAppName() || sb.app.environment != env || sb.name != req.GetSandboxName() {
			continue
		}
		running := sb.currentResult() == nil
		if (running || req.GetIncludeTerminated()) && (best == nil || sb.createdAt.After(best.createdAt)) {
			best = sb
		}
	}
	if best == nil {
		return nil, status.Errorf(codes.NotFound, "Sandbox with name '%s' not found in App '%s'", req.GetSandboxName(), req.GetAppName())
	}
	return pb.SandboxGetFromNameResponse_builder{SandboxId: best.id}.Build(), nil
}

// SandboxGetFromNameV2 is SandboxGetFromName as the default profile calls it.
func (c *controlPlane) SandboxGetFromNameV2(ctx context.Context, req *pb.SandboxGetFromNameRequest) (*pb.SandboxGetFromNameResponse, error) {
	return c.SandboxGetFromName(ctx, req)
}

// errSandboxFinished refuses work in a sandbox that ended: a
// non-retryable code, so the SDK does not retry for 10 s
// (spec/modal-v0.11.md §5.2).
func errSandboxFinished(sb *sandbox) error {
	return status.Errorf(codes.FailedPrecondition, "Sandbox %s has already finished", sb.id)
}

// running returns the sandbox of a task that can run commands: a finished
// one is refused, and a hung one never answers (until ctx ends).
func (s *Server) running(ctx context.Context, taskID string) (*sandbox, error) {
	sb, err := s.sandboxByTask(taskID)
	if err != nil {
		return nil, err
	}
	sb.mu.Lock()
	hung, res := sb.hung, sb.result
	sb.mu.Unlock()
	if hung {
		// No answer until the caller gives up or the sandbox is ended.
		select {
		case <-ctx.Done():
			return nil, status.FromContextError(ctx.Err()).Err()
		case <-sb.done:
			return nil, errSandboxFinished(sb)
		}
	}
	if res != nil {
		return nil, errSandboxFinished(sb)
	}
	select {
	case <-sb.started:
	case <-ctx.Done():
		return nil, status.FromContextError(ctx.Err()).Err()
	}
	if sb.mainPID() == 0 {
		return nil, errSandboxFinished(sb)
	}
	return sb, nil
}
