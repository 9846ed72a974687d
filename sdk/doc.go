// Package sdk is what an executor plugin author imports.
//
// bilancio hands simulation runs to executors — separate binaries named
// bilancio-executor-NAME that speak gRPC through hashicorp/go-plugin — so
// that new backends can be added without touching the core. An executor
// implements the Executor interface; its main function is a few lines:
//
//	func main() { sdk.Main(myexecutor.New()) }
//
// sdk.Main answers `describe` (the plugin's Description as JSON, for
// `bilancio plugins install`), `debug` (serve in the foreground for a
// debugger, see ReattachEnv) and otherwise calls Serve, which serves the
// executor to the host over gRPC. Config.Decode reads a configuration
// against the executor's schema; NewLogger is the logger a plugin logs
// through. The sdktest package holds the conformance suite every executor
// must pass, and examples/executor-plugin a template to copy.
//
// The host side uses the same package: Handshake and PluginSets configure
// go-plugin's client, and the executor it dispenses under PluginName is an
// Executor whose methods are gRPC calls, carrying the caller's context
// across the process boundary. Errors keep their identity across it
// (ErrNotSupported, ErrNotFound, ErrInvalidConfig, context.Canceled), and a
// plugin that dies mid-call gives ErrPluginCrashed. ProtocolVersions and
// NegotiateProtocol say which protocol versions (proto package
// bilancio.executor.v1, in sdk/proto) the two sides share.
//
// The package imports nothing of bilancio's internals: a plugin that runs
// simulations remotely runs the `bilancio worker` command (see
// WorkerManifest) where the simulations happen.
package sdk
