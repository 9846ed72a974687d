package sdk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
)

// Timeouts of the plugin process.
const (
	// describeTimeout bounds the executor's Describe for `describe`.
	describeTimeout = 10 * time.Second
	// stopGrace bounds the cancelling of in-flight work when the plugin
	// stops (host gone, or go-plugin's Shutdown).
	stopGrace = 5 * time.Second
)

// Main is the whole main function of an executor plugin:
//
//	func main() { sdk.Main(myexecutor.New()) }
//
// With the argument `describe` it prints the executor's Description as JSON
// on stdout and exits 0 (1 if Describe fails); the host runs it when it
// installs or lists plugins, without a handshake. With `debug` it serves the
// plugin in the foreground for a debugger and prints the ReattachEnv line to
// give the host. With no argument, or `serve` (as the host starts it), it
// calls Serve. Anything else is a usage error (exit 2).
func Main(impl Executor) {
	os.Exit(runMain(os.Args, impl, os.Stdout, os.Stderr))
}

// runMain is Main with its arguments and outputs; it returns the exit code.
func runMain(args []string, impl Executor, stdout, stderr io.Writer) int {
	name := "bilancio-executor"
	if len(args) > 0 {
		name = filepath.Base(args[0])
		args = args[1:]
	}
	if len(args) == 0 {
		Serve(impl)
		return 0
	}
	switch args[0] {
	case "serve":
		Serve(impl)
		return 0
	case "describe":
		ctx, cancel := context.WithTimeout(context.Background(), describeTimeout)
		defer cancel()
		if err := writeDescription(ctx, stdout, impl); err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", name, err)
			return 1
		}
		return 0
	case "debug":
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		if err := serveDebug(ctx, impl, stdout); err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", name, err)
			return 1
		}
		return 0
	}
	fmt.Fprintf(stderr, "usage: %s [describe | serve | debug]\n\n"+
		"This is a bilancio executor plugin: bilancio starts it (serve).\n"+
		"  describe  print the plugin's name, version, protocol and capabilities as JSON\n"+
		"  debug     serve in the foreground and print %s for bilancio\n", name, ReattachEnv)
	return 2
}

// Description is what `bilancio-executor-NAME describe` prints: the
// executor's Info and the protocol as APIVersion.
type Description struct {
	Info
	APIVersion string `json:"api_version"`
}

// writeDescription writes impl's Description as indented JSON.
func writeDescription(ctx context.Context, w io.Writer, impl Executor) error {
	info, err := describe(ctx, impl)
	if err != nil {
		return fmt.Errorf("describing the executor: %w", err)
	}
	b, err := json.MarshalIndent(Description{Info: *info, APIVersion: APIVersion}, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding the description: %w", err)
	}
	if _, err := w.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("writing the description: %w", err)
	}
	return nil
}

// Serve serves impl to the host over gRPC through go-plugin and returns when
// the host shuts the plugin down (after cancelling the work still in
// flight). Started by hand (without the host's magic cookie) it says so and
// exits 1.
//
// It prints nothing on stdout, which carries the handshake; logs go to
// stderr as JSON (NewLogger). The gRPC server accepts messages up to
// MaxMessageSize. A watchdog notices when the host process dies (the
// parent process id changes): it calls impl.Cancel for every experiment
// with a batch in flight, cancels the contexts of all calls, waits a few
// seconds for them to return and exits.
func Serve(impl Executor) {
	logger := NewLogger("executor")
	srv := newServer(impl)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go watchParent(ctx, parentPollInterval, os.Getppid, func() {
		logger.Error("the host process is gone: cancelling in-flight runs and exiting")
		stopServer(srv)
		os.Exit(1)
	})
	plugin.Serve(serveConfig(srv, logger))
	stopServer(srv)
}

// stopServer stops srv's in-flight work, waiting at most stopGrace.
func stopServer(srv *server) {
	ctx, cancel := context.WithTimeout(context.Background(), stopGrace)
	defer cancel()
	srv.stop(ctx)
}

// serveConfig is the go-plugin configuration that serves srv.
func serveConfig(srv *server, logger hclog.Logger) *plugin.ServeConfig {
	return &plugin.ServeConfig{
		HandshakeConfig: Handshake,
		VersionedPlugins: map[int]plugin.PluginSet{
			ProtocolVersion: {PluginName: &ExecutorPlugin{Impl: srv.impl, srv: srv}},
		},
		GRPCServer: newGRPCServer,
		Logger:     logger,
	}
}

// newGRPCServer is go-plugin's gRPC server factory with the message limits
// raised to MaxMessageSize (gRPC's default receive limit is 4 MiB).
func newGRPCServer(opts []grpc.ServerOption) *grpc.Server {
	opts = append(opts, grpc.MaxRecvMsgSize(MaxMessageSize), grpc.MaxSendMsgSize(MaxMessageSize))
	return grpc.NewServer(opts...)
}

// serveDebug serves impl in go-plugin's test mode until ctx is done, after
// printing the ReattachEnv assignment that lets the host connect.
func serveDebug(ctx context.Context, impl Executor, stdout io.Writer) error {
	info, err := describe(ctx, impl)
	if err != nil {
		return fmt.Errorf("describing the executor: %w", err)
	}
	srv := newServer(impl)
	defer stopServer(srv)
	cfg := serveConfig(srv, NewLogger("executor"))
	reattach := make(chan *plugin.ReattachConfig, 1)
	closed := make(chan struct{})
	cfg.Test = &plugin.ServeTestConfig{Context: ctx, ReattachConfigCh: reattach, CloseCh: closed}
	go plugin.Serve(cfg)
	select {
	case rc := <-reattach:
		b, err := json.Marshal(map[string]Reattach{info.Name: reattachFor(rc)})
		if err != nil {
			return fmt.Errorf("encoding the reattach configuration: %w", err)
		}
		fmt.Fprintf(stdout, "Serving the %s executor for debugging; in bilancio's shell run:\n\n\texport %s='%s'\n\nCtrl-C stops it.\n", info.Name, ReattachEnv, b)
	case <-closed:
		return errors.New("serving the plugin: go-plugin stopped before it listened (see the log)")
	}
	<-closed
	return nil
}
