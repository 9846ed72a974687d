// Package runfolder is the run-folder contract: the layout of the folder a
// run leaves behind, its manifest (manifest.json, written last, listing
// every other file with its size and sha256), how a folder is written so
// that each file is hashed once, as it is written, and never seen half
// written, how it is verified, and path-safe access to it (os.Root).
//
// Every party that writes, moves or reads a run folder uses this package:
// the worker that simulates runs, the executors that bring run folders back
// from elsewhere (Receive), the host that decides whether a run is done
// (Check, Verify), and the conformance suite (sdk/sdktest). It imports only
// the standard library, so an executor built outside bilancio's module can
// use it.
//
// The layout of a run folder <out_root>/<run_id>:
//
//	scenario.yaml          the scenario as run (ScenarioFile)
//	run.html               the run's report, when asked for (RunHTMLFile)
//	out/events.jsonl       the simulation's events; out/balances.csv,
//	out/...                metrics.csv, metrics_ds.csv, metrics_intraday.csv,
//	                       metrics.json and, for dealer runs, the dealer files
//	manifest.json          written last (ManifestFile): the run is complete
//	                       only when it exists and every file it lists has
//	                       the recorded size and sha256
//
// A folder being written holds temporary files named ".NAME.tmp-*" (IsTemp)
// until each is renamed into place; a process killed mid-write leaves some
// behind, and RemoveTemps clears them.
package runfolder
