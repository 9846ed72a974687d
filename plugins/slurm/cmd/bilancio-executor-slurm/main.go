// Command bilancio-executor-slurm is bilancio's Slurm executor plugin: it
// runs batches of simulations as Slurm job arrays on a cluster (see package
// slurm). bilancio starts it on the login node; `bilancio-executor-slurm
// describe` prints what it is.
package main

import (
	"github.com/bilancio-go/bilancio/plugins/slurm"
	"github.com/bilancio-go/bilancio/sdk"
)

func main() {
	sdk.Main(slurm.New())
}
