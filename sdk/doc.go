// Package sdk is what an executor plugin author imports.
//
// bilancio hands simulation runs to executors — separate binaries named
// bilancio-executor-NAME that speak gRPC through hashicorp/go-plugin — so
// that new backends can be added without touching the core. An executor
// implements the Executor interface; its main function is a few lines:
//
//	func main() { sdk.Main(myexecutor.New()) }
//
// sdk.Main answers `describe` (the plugin's Info as JSON, for
// `bilancio plugins install`) and otherwise serves the executor to the host.
// The sdktest package holds the conformance suite every executor must pass.
//
// The package imports nothing of bilancio's internals: a plugin that runs
// simulations remotely runs the `bilancio worker` command (see
// WorkerManifest) where the simulations happen.
package sdk
