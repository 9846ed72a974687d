package sdk

import (
	"context"
	"errors"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	executorv1 "github.com/bilancio-go/bilancio/sdk/proto"
)

// PluginName is the name under which the executor is dispensed from a
// plugin's PluginSet: client.Dispense(sdk.PluginName).
const PluginName = "executor"

// MaxMessageSize is the largest gRPC message either side accepts (64 MiB).
// go-plugin raises only its client's limits; Serve raises the plugin
// server's (gRPC's default is 4 MiB), so a batch of many scenarios fits in
// one Execute request. Bigger batches must be split by the caller.
const MaxMessageSize = 64 << 20

// FetchChunkSize is the largest piece of an artifact one Fetch message
// carries (1 MiB).
const FetchChunkSize = 1 << 20

// Handshake is the go-plugin handshake of executor plugins. The magic cookie
// is a UX guard, not a security measure: it stops a plugin binary started by
// hand from waiting for a host that will never come ("This binary is a
// plugin..."). It never changes; protocol versions are negotiated through
// PluginSets.
var Handshake = plugin.HandshakeConfig{
	ProtocolVersion:  ProtocolVersion,
	MagicCookieKey:   "BILANCIO_EXECUTOR_PLUGIN",
	MagicCookieValue: "e59b87ae4ad68cc6f3d4898fc3d1d8e803569db5d5f534373d3df3b977ea7f08",
}

// PluginSets are the host's plugin sets, by protocol version, for
// plugin.ClientConfig.VersionedPlugins (and, for a reattached plugin,
// ClientConfig.Plugins = PluginSets[reattach.ProtocolVersion]). The host
// dispenses PluginName and type-asserts the result to Executor.
var PluginSets = map[int]plugin.PluginSet{
	ProtocolVersion: {PluginName: &ExecutorPlugin{}},
}

// ExecutorPlugin is the go-plugin Plugin of the executor protocol, gRPC only.
// On the plugin side Impl is the executor to serve; on the host side Impl is
// nil and GRPCClient returns an Executor whose methods are gRPC calls.
type ExecutorPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	// Impl is the executor served by GRPCServer.
	Impl Executor

	// srv, when set by Serve, is the server adapter (so that the parent-death
	// watchdog can reach the in-flight work).
	srv *server
}

var _ plugin.GRPCPlugin = (*ExecutorPlugin)(nil)

// GRPCServer registers the executor service for p.Impl on s.
func (p *ExecutorPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	srv := p.srv
	if srv == nil {
		if p.Impl == nil {
			return errors.New("registering the executor service: ExecutorPlugin.Impl is nil")
		}
		srv = newServer(p.Impl)
	}
	executorv1.RegisterExecutorServer(s, srv)
	return nil
}

// GRPCClient returns the host-side Executor for conn. ctx is go-plugin's
// plugin-lifetime context, done once the plugin process has exited: the
// client uses it to tell a crashed plugin from a cancelled call.
func (p *ExecutorPlugin) GRPCClient(ctx context.Context, _ *plugin.GRPCBroker, conn *grpc.ClientConn) (any, error) {
	return newClient(ctx, executorv1.NewExecutorClient(conn)), nil
}
