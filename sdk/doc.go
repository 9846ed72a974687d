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
// The whole contract between bilancio and an executor is here and in the
// subpackages: the Executor interface and its types; ValidateBatch and
// RunGuard, which hold every run of a batch to exactly one final event
// (executors, the client and the host all use it); Failure, which says
// whose fault a failed run is; heartbeats (Batch.HeartbeatInterval, sent by
// Serve on its own, Liveness to narrow them), which let the host tell a
// computing plugin from a frozen one; detached remote work
// (Capabilities.Detach, Batch.Detach, EventDetached, WorkUnit, see
// Executor.Execute); package runfolder, the run folder's layout, manifest,
// checksums, verification and path-safe access; package sdktest, the
// conformance suite; and sdk/proto, the wire protocol.
//
// The package imports nothing of bilancio's internals: a plugin that runs
// simulations remotely runs the `bilancio worker` command (see
// WorkerManifest) where the simulations happen. examples/executor-plugin is
// built and tested from a module of its own, requiring only this SDK.
package sdk
