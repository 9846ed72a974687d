package sdktest

import (
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"

	"github.com/bilancio-go/bilancio/sdk"
)

// GRPC connects impl through the plugin protocol and returns the host's
// view of it: every call goes over real gRPC (a unix socket, in this
// process) through sdk's client and server adapters, as it would to a
// plugin binary. The connection closes when the test ends.
//
// go-plugin's test server keeps gRPC's default 4 MiB limit on the messages
// it receives (a plugin binary served by sdk.Serve accepts
// sdk.MaxMessageSize), so batches sent through it must stay under 4 MiB.
func GRPC(t testing.TB, impl sdk.Executor) sdk.Executor {
	t.Helper()
	set := map[string]plugin.Plugin{sdk.PluginName: &sdk.ExecutorPlugin{Impl: impl}}
	client, server := plugin.TestPluginGRPCConn(t, false, set)
	t.Cleanup(func() {
		// Close sends go-plugin's Shutdown, which stops the server.
		client.Close()
		select {
		case <-server.DoneCh:
		case <-time.After(2 * time.Second):
			server.Stop()
		}
	})
	raw, err := client.Dispense(sdk.PluginName)
	if err != nil {
		t.Fatalf("dispensing the executor: %v", err)
	}
	ex, ok := raw.(sdk.Executor)
	if !ok {
		t.Fatalf("dispensing the executor: got %T, not an sdk.Executor", raw)
	}
	return ex
}

// Process starts the plugin binary of cmd (its Args, Env and Dir are used as
// they are; Args usually end with "serve") through go-plugin as the host
// does — handshake, protocol negotiation, AutoMTLS, gRPC — and returns the
// host's view of the executor it serves. The process is killed when the
// test ends. Each call starts a new process.
func Process(t testing.TB, cmd *exec.Cmd) sdk.Executor {
	t.Helper()
	logs := &testWriter{t: t}
	t.Cleanup(logs.stop) // runs after client.Kill, registered below
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  sdk.Handshake,
		VersionedPlugins: sdk.PluginSets,
		Cmd:              cmd,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		AutoMTLS:         true,
		StartTimeout:     20 * time.Second,
		Logger:           hclog.New(&hclog.LoggerOptions{Name: "plugin", Level: hclog.Warn, Output: logs}),
	})
	t.Cleanup(client.Kill)
	rpc, err := client.Client()
	if err != nil {
		t.Fatalf("starting the plugin %s: %v", cmd.Path, err)
	}
	raw, err := rpc.Dispense(sdk.PluginName)
	if err != nil {
		t.Fatalf("dispensing the executor of %s: %v", cmd.Path, err)
	}
	ex, ok := raw.(sdk.Executor)
	if !ok {
		t.Fatalf("dispensing the executor of %s: got %T, not an sdk.Executor", cmd.Path, raw)
	}
	return ex
}

// testWriter sends a plugin's log lines to the test log, until stop (the
// test log must not be written once the test has ended).
type testWriter struct {
	mu      sync.Mutex
	t       testing.TB
	stopped bool
}

func (w *testWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.stopped {
		w.t.Log(strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

func (w *testWriter) stop() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.stopped = true
}
