// Command bilancio-executor-local is bilancio's local executor plugin: it
// runs batches of simulations on this machine (see package local). bilancio
// starts it; `bilancio-executor-local describe` prints what it is.
package main

import (
	"github.com/bilancio-go/bilancio/internal/runner"
	"github.com/bilancio-go/bilancio/plugins/local"
	"github.com/bilancio-go/bilancio/sdk"
)

func main() {
	runner.TuneGC() // the process only executes runs
	runner.KeepGCHeadroom(runner.GCHeadroom)
	sdk.Main(local.New())
}
