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
	"sync/atomic"
	"time"

	pb "github.com/modal-labs/libmodal/modal-go/proto/modal_proto"
	"google.golang.org/grpc"
	"google.golang.org/grpc/keepalive"
)

// Options configures an emulator started by [Start].
type Options struct {
	// TokenID and TokenSecret are the only credentials the emulator accepts
	// (metadata keys x-modal-token-id and x-modal-token-secret). Both are
	// required.
	TokenID     string
	TokenSecret string

	// AllowMissingCredentials accepts calls that carry no credential metadata
	// at all, as sent by a modal.Client built with an injected
	// ControlPlaneClient (no interceptors run then). Calls carrying wrong
	// credentials are still rejected.
	AllowMissingCredentials bool

	// Root is the folder holding volumes and sandbox file systems. When
	// empty, a temporary folder is created and removed by [Server.Close].
	Root string

	// PendingTaskIDPolls is how many SandboxGetTaskId calls per sandbox
	// answer without a task id, as while real Modal schedules a sandbox;
	// modal-go v0.6.3 then fails Exec and Open, so callers must retry.
	PendingTaskIDPolls int

	// Logger receives one debug record per call (method and status code,
	// never credentials). Nil discards logs.
	Logger *slog.Logger
}

// Server is a running emulator. Its methods are safe for concurrent use.
type Server struct {
	pb.UnimplementedModalClientServer

	opts     Options
	root     string
	ownsRoot bool
	logger   *slog.Logger
	lis      net.Listener
	grpc     *grpc.Server
	served   chan struct{}
	nextID   atomic.Uint64
	closing  sync.Once

	// ctx is cancelled by Close; sandboxes live no longer than the server.
	ctx    context.Context
	cancel context.CancelFunc

	mu        sync.Mutex
	apps      map[objectKey]string // (environment, name) → app id
	volumes   map[objectKey]*volume
	volumeIDs map[string]*volume
	secrets   map[string]map[string]string // secret id → environment variables
	images    map[string]string            // definition → image id
	sandboxes map[string]*sandbox
	execs     map[string]*execProcess
	fsResults map[string]*pb.FilesystemRuntimeOutputBatch // filesystem exec id → outcome

	faults faults
}

// objectKey names a named object within an environment.
type objectKey struct {
	environment string
	name        string
}

// Start listens on a free loopback port and serves the emulated API until
// [Server.Close] is called or ctx is cancelled.
func Start(ctx context.Context, opts Options) (*Server, error) {
	if opts.TokenID == "" || opts.TokenSecret == "" {
		return nil, errors.New("modalemu: Options.TokenID and Options.TokenSecret are required")
	}
	root, ownsRoot := opts.Root, false
	if root == "" {
		dir, err := os.MkdirTemp("", "modalemu-")
		if err != nil {
			return nil, fmt.Errorf("modalemu: create root: %w", err)
		}
		root, ownsRoot = dir, true
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
		opts:      opts,
		root:      root,
		ownsRoot:  ownsRoot,
		logger:    logger,
		lis:       lis,
		served:    make(chan struct{}),
		ctx:       sctx,
		cancel:    cancel,
		apps:      map[objectKey]string{},
		volumes:   map[objectKey]*volume{},
		volumeIDs: map[string]*volume{},
		secrets:   map[string]map[string]string{},
		images:    map[string]string{},
		sandboxes: map[string]*sandbox{},
		execs:     map[string]*execProcess{},
		fsResults: map[string]*pb.FilesystemRuntimeOutputBatch{},
	}
	s.grpc = grpc.NewServer(
		grpc.ChainUnaryInterceptor(s.unaryAuth),
		grpc.ChainStreamInterceptor(s.streamAuth),
		grpc.MaxRecvMsgSize(maxMessageSize),
		grpc.MaxSendMsgSize(maxMessageSize),
		// The SDK pings every 30 s with PermitWithoutStream (modal.md §8.8).
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{
			MinTime:             10 * time.Second,
			PermitWithoutStream: true,
		}),
	)
	pb.RegisterModalClientServer(s.grpc, s)
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

// maxMessageSize matches the SDK's 100 MB limit in both directions.
const maxMessageSize = 100 * 1024 * 1024

// Addr is the listening address, 127.0.0.1:port.
func (s *Server) Addr() string { return s.lis.Addr().String() }

// URL is the value for MODAL_SERVER_URL: http://127.0.0.1:port.
func (s *Server) URL() string { return "http://" + s.Addr() }

// Root is the folder holding the emulator's volumes and sandbox file systems.
func (s *Server) Root() string { return s.root }

// Close terminates all sandboxes, stops serving and, if the root folder was
// created by [Start], removes it. It is safe to call more than once.
func (s *Server) Close() { s.closing.Do(s.shutdown) }

// shutdown is the body of Close, run once.
func (s *Server) shutdown() {
	s.cancel()
	s.mu.Lock()
	sbs := make([]*sandbox, 0, len(s.sandboxes))
	for _, sb := range s.sandboxes {
		sbs = append(sbs, sb)
	}
	s.mu.Unlock()
	for _, sb := range sbs {
		sb.finish(reasonTerminated)
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

// newID returns a fresh object id with the given Modal-style prefix.
func (s *Server) newID(prefix string) string {
	return fmt.Sprintf("%s-emu%06d", prefix, s.nextID.Add(1))
}
