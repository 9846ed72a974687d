package modalemu

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	pb "github.com/modal-labs/modal-client/go/proto/modal_proto"
	"google.golang.org/grpc"
	"google.golang.org/grpc/keepalive"
)

// Isolation says how sandboxes run (see the package documentation).
type Isolation int

const (
	// IsolationAuto isolates sandboxes when the host supports it.
	IsolationAuto Isolation = iota
	// IsolationOff runs sandboxes on the host with mapped paths.
	IsolationOff
	// IsolationRequired refuses to start when sandboxes cannot be isolated.
	IsolationRequired
)

// Options configures an emulator started by [Start]. Durations left zero
// take the defaults documented on each field; a negative duration means
// none.
type Options struct {
	// TokenID and TokenSecret are the only credentials the control plane
	// accepts (metadata x-modal-token-id, x-modal-token-secret). Required.
	TokenID     string
	TokenSecret string
	// AllowMissingCredentials accepts control-plane calls without any
	// credential metadata, as a client built with an injected
	// ControlPlaneClient sends them (spec/modal-v0.11.md §0.14).
	AllowMissingCredentials bool

	// Root holds volumes and sandbox folders; when empty a temporary folder
	// is created and removed by Close.
	Root string
	// Logger receives one debug record per call (method and code, never
	// metadata). Nil discards logs.
	Logger *slog.Logger
	// Isolation picks how sandboxes run (default IsolationAuto).
	Isolation Isolation

	// Environment is the default environment's name ("main").
	Environment string
	// Environments names the other environments that exist; an unknown
	// environment is NotFound, as on Modal.
	Environments []string
	// Secrets are the named secrets that exist (name → variables), in
	// every environment.
	Secrets map[string]map[string]string
	// ImageBuilderVersion is what EnvironmentGetOrCreate reports
	// ("2025.06").
	ImageBuilderVersion string

	// MaxSandboxes caps the sandboxes running at once (0: no cap). A
	// create past the cap waits for a sandbox to end, as Modal's queue
	// does, for at most CapacityWait.
	MaxSandboxes int
	// CapacityWait is how long SandboxCreateV2 waits for capacity before
	// failing with RESOURCE_EXHAUSTED (default 30 s). A V1 create returns at
	// once and its sandbox waits in the queue; the SDK gives up after 21
	// minutes with ResourceExhaustedError (sandbox.go:1403, 1415-1433).
	CapacityWait time.Duration
	// ColdStart is the time from scheduling to a running sandbox (default
	// none), so that overhead figures are not flattered.
	ColdStart time.Duration
	// ImageBuild is the time one new image layer takes to build (default
	// none); an image already built is cached.
	ImageBuild time.Duration
	// TerminateLatency is how long a sandbox keeps running after
	// SandboxTerminate returned (default 200 ms): Terminate only asks for
	// the end; callers that need it wait (Terminate with Wait).
	TerminateLatency time.Duration
	// BackgroundCommit is the interval of background commits of writable
	// volume mounts (default none: a mount's writes are committed only when
	// its sandbox shuts down or reloads its volumes, the strictest reading).
	BackgroundCommit time.Duration
	// PreemptGrace is how long a preempted sandbox has between SIGTERM and
	// SIGKILL (default 1 s).
	PreemptGrace time.Duration
}

// Defaults of Options.
const (
	defaultEnvironment      = "main"
	defaultBuilderVersion   = "2025.06"
	defaultCapacityWait     = 30 * time.Second
	defaultTerminateLatency = 200 * time.Millisecond
	defaultPreemptGrace     = time.Second
)

// orDefault returns d when zero, 0 when negative, else d itself.
func orDefault(d, def time.Duration) time.Duration {
	switch {
	case d == 0:
		return def
	case d < 0:
		return 0
	}
	return d
}

// Server is a running emulator. Its methods are safe for concurrent use.
type Server struct {
	cp     controlPlane
	router commandRouter

	opts     Options
	root     string
	ownsRoot bool
	logger   *slog.Logger
	lis      net.Listener
	grpc     *grpc.Server
	served   chan struct{}
	closing  sync.Once
	runtime  sandboxRuntime

	// ctx is cancelled by Close; nothing outlives the server.
	ctx    context.Context
	cancel context.CancelFunc

	mu         sync.Mutex
	envs       map[string]string // environment name → id
	apps       map[objectKey]*app
	appIDs     map[string]*app
	volumes    map[objectKey]*volume
	volumeIDs  map[string]*volume
	secrets    map[string]map[string]string // secret id → variables
	secretName map[objectKey]string         // named secret → id
	images     map[string]*image            // definition key → image
	imageIDs   map[string]*image
	sandboxes  map[string]*sandbox
	tasks      map[string]*sandbox
	created    int // sandboxes created (CreatedSandboxes)

	capacity capacity
	faults   faults
	// tokens are the router tokens issued.
	tokens struct {
		sync.Mutex
		issued map[string]bool
	}
}

// controlPlane and commandRouter carry the generated service embeddings, so
// that the Server's own method names stay free for its hooks.
type controlPlane struct {
	pb.UnimplementedModalClientServer
	s *Server
}

type commandRouter struct {
	pb.UnimplementedTaskCommandRouterServer
	s *Server
}

// objectKey names a named object within an environment.
type objectKey struct {
	environment string
	name        string
}

// Start listens on a free loopback port and serves both services until
// [Server.Close] is called or ctx is cancelled.
func Start(ctx context.Context, opts Options) (*Server, error) {
	if opts.TokenID == "" || opts.TokenSecret == "" {
		return nil, errors.New("modalemu: Options.TokenID and Options.TokenSecret are required")
	}
	if opts.Environment == "" {
		opts.Environment = defaultEnvironment
	}
	if opts.ImageBuilderVersion == "" {
		opts.ImageBuilderVersion = defaultBuilderVersion
	}
	rt, err := newRuntime(opts.Isolation)
	if err != nil {
		return nil, err
	}
	root, ownsRoot := opts.Root, false
	if root == "" {
		dir, err := os.MkdirTemp("", "modalemu-")
		if err != nil {
			return nil, fmt.Errorf("modalemu: create root: %w", err)
		}
		root, ownsRoot = dir, true
	}
	if root, err = filepath.Abs(root); err != nil {
		return nil, fmt.Errorf("modalemu: root: %w", err)
	}
	for _, sub := range []string{"volumes", "sandboxes"} {
		if err := os.MkdirAll(filepath.Join(root, sub), 0o755); err != nil {
			return nil, fmt.Errorf("modalemu: create root: %w", err)
		}
	}
	lis, err := (&net.ListenConfig{}).Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("modalemu: listen: %w", err)
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s := &Server{
		opts: opts, root: root, ownsRoot: ownsRoot, logger: logger, lis: lis,
		served: make(chan struct{}), runtime: rt, ctx: sctx, cancel: cancel,
		envs:       map[string]string{},
		apps:       map[objectKey]*app{},
		appIDs:     map[string]*app{},
		volumes:    map[objectKey]*volume{},
		volumeIDs:  map[string]*volume{},
		secrets:    map[string]map[string]string{},
		secretName: map[objectKey]string{},
		images:     map[string]*image{},
		imageIDs:   map[string]*image{},
		sandboxes:  map[string]*sandbox{},
		tasks:      map[string]*sandbox{},
	}
	s.cp.s, s.router.s = s, s
	s.capacity.init(opts.MaxSandboxes)
	s.grpc = grpc.NewServer(
		grpc.ChainUnaryInterceptor(s.unaryInterceptor),
		grpc.ChainStreamInterceptor(s.streamInterceptor),
		grpc.MaxRecvMsgSize(maxMessageSize),
		grpc.MaxSendMsgSize(maxMessageSize),
		// The SDK pings every 30 s with PermitWithoutStream (client.go:416-420).
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: 10 * time.Second, PermitWithoutStream: true}),
	)
	// One server may register both services (spec/modal-v0.11.md §0.2).
	pb.RegisterModalClientServer(s.grpc, &s.cp)
	pb.RegisterTaskCommandRouterServer(s.grpc, &s.router)
	go func() {
		defer close(s.served)
		_ = s.grpc.Serve(lis)
	}()
	go func() {
		select {
		case <-ctx.Done():
			s.Close()
		case <-sctx.Done():
		}
	}()
	return s, nil
}

// maxMessageSize matches the SDK's 100 MB limit (client.go:340).
const maxMessageSize = 100 * 1024 * 1024

// Addr is the listening address, 127.0.0.1:port.
func (s *Server) Addr() string { return s.lis.Addr().String() }

// URL is the value for MODAL_SERVER_URL: http://127.0.0.1:port. A loopback
// host is what makes the SDK dial the router without TLS (config.go:74-81).
func (s *Server) URL() string { return "http://" + s.Addr() }

// routerURL is the task command router's address as the control plane
// hands it out: the SDK requires https (task_command_router_client.go:254).
func (s *Server) routerURL() string { return "https://" + s.Addr() }

// Root is the folder holding the emulator's volumes and sandboxes.
func (s *Server) Root() string { return s.root }

// Isolated reports whether sandboxes run in their own mount namespaces.
func (s *Server) Isolated() bool { return s.runtime.isolated() }

// Env returns the environment variables that point the Modal SDK (and
// bilancio's Modal executor) at this emulator, with a configuration file
// path that does not exist so that no ~/.modal.toml is read.
func (s *Server) Env(missingConfig string) []string {
	return []string{
		"MODAL_SERVER_URL=" + s.URL(),
		"MODAL_TOKEN_ID=" + s.opts.TokenID,
		"MODAL_TOKEN_SECRET=" + s.opts.TokenSecret,
		"MODAL_CONFIG_PATH=" + missingConfig,
	}
}

// Close terminates every sandbox, stops serving and removes the root
// folder if Start created it. It is safe to call more than once.
func (s *Server) Close() { s.closing.Do(s.shutdown) }

func (s *Server) shutdown() {
	s.cancel()
	for _, sb := range s.allSandboxes() {
		sb.stop(stopTerminated)
	}
	for _, sb := range s.allSandboxes() {
		<-sb.done
	}
	stopped := make(chan struct{})
	go func() {
		s.grpc.GracefulStop()
		close(stopped)
	}()
	select {
	case <-stopped:
	case <-time.After(2 * time.Second):
		s.grpc.Stop()
	}
	<-s.served
	if s.ownsRoot {
		_ = os.RemoveAll(s.root)
	}
}
