// Command bilancio simulates payment systems — agents with balance sheets,
// payables falling due, settlement and defaults — compatibly with the Python
// project bilancio. Run `bilancio -help` for the commands.
//
// bilancio serves the commands of single runs itself (run, report,
// validate, analyze, ring, version: commands/core) and hands the others
// (sweep, plugins, volume, usage, worker, dev) over to its sibling
// bilancio-sweep (cmd/bilancio-sweep), built beside it by `make build`, so
// that a run neither loads nor initialises what sweeps link (executor
// plugins and their gRPC, HCL, Parquet, the dashboards' figures).
package main

import (
	"os"

	"github.com/bilancio-go/bilancio/commands/core"
)

func main() {
	os.Exit(core.Program{Dispatch: core.Dispatch, HandOver: true}.Run(os.Args[1:]))
}
