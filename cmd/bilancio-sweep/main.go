// Command bilancio-sweep is the part of bilancio that sweeps need: bilancio
// hands it the commands sweep, plugins, volume, usage, worker and dev (on
// unix as the same process, with the same arguments), and it serves every
// other command of bilancio as well. It links what `bilancio run` does not
// need — executor plugins and their gRPC, HCL sweep files, Parquet, the
// dashboards' figures. `make build` builds it beside bin/bilancio.
package main

import (
	"os"
	"time"

	"github.com/bilancio-go/bilancio/commands"
	"github.com/bilancio-go/bilancio/commands/core"
	"github.com/bilancio-go/bilancio/internal/pluginhost"
)

// pluginCleanupTimeout bounds the stopping of executor plugins at exit.
const pluginCleanupTimeout = 5 * time.Second

func main() {
	os.Exit(core.Program{
		Dispatch: commands.Dispatch,
		// Executor plugins still running when the program exits are stopped
		// (commands close the plugins they open; this is the safety net).
		Cleanup: func() { pluginhost.Cleanup(pluginCleanupTimeout) },
	}.Run(os.Args[1:]))
}
