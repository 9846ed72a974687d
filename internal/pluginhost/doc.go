// Package pluginhost finds, verifies, starts, drives and stops executor
// plugins: the bilancio-executor-NAME binaries that run simulations here or
// in the cloud and speak gRPC through hashicorp/go-plugin.
//
// The life of a plugin, one file per step:
//
//   - naming.go: a plugin NAME lives in a file bilancio-executor-NAME with a
//     NAME_SHA256SUM file beside it holding the hex SHA-256 of the binary.
//   - discover.go: Discover searches the plugin directories in order
//     (-plugin-dir, $BILANCIO_PLUGIN_PATH, ./.bilancio/plugins,
//     ~/.bilancio/plugins, the directory of the bilancio binary); the first
//     acceptable binary of each name wins, and every candidate is logged at
//     Debug with the reason it was accepted or skipped.
//   - checksum.go: Verify compares a binary with its NAME_SHA256SUM before it
//     is ever executed; go-plugin's SecureConfig checks again at start.
//   - describe.go: DescribeBinary runs `PATH describe` (no handshake) to read
//     a plugin's Info cheaply, and protocol versions are compared.
//   - open.go: Open starts a plugin with go-plugin (gRPC only, AutoMTLS, an
//     explicit minimal environment, its own process group, a short socket
//     directory), negotiates the protocol version and dispenses the
//     executor; (*Plugin).Close stops it and its children and reaps it.
//   - crash.go: an executor whose plugin dies answers with a CrashError
//     ("the NAME executor plugin crashed: ...") built from the plugin's last
//     stderr lines and exit status.
//   - choose.go: Choose decides which executor a sweep runs on and where
//     (a built-in one in process, or a plugin found on disk), and its
//     Opener starts and configures it; Schema and ExecutorEnv give an
//     executor's configuration schema and its environment variables.
//   - install.go: Install copies a binary into a plugin directory under its
//     canonical name and writes its checksum; Remove deletes both.
//   - reattach.go: OpenReattached connects to a plugin started by hand for
//     debugging (`bilancio-executor-NAME debug`, $BILANCIO_REATTACH_EXECUTORS).
//   - cleanup.go: Cleanup, for main, stops whatever plugins are still
//     running when bilancio exits.
//
// env.go holds the environment a plugin gets, stderr.go the tail of its
// stderr kept to explain crashes, and proc_*.go the per-OS process
// handling (process groups, parent-death signal).
//
// A typical use:
//
//	c, err := pluginhost.Find(ctx, pluginhost.Options{PluginDir: dir}, "local")
//	p, err := pluginhost.Open(ctx, c, pluginhost.WithLogger(log))
//	defer p.Close()
//	err = sdk.Execute(ctx, p.Executor(), batch, emit) // one terminal event per run
package pluginhost
