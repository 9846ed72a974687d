package commands

import (
	"flag"
	"fmt"

	"github.com/bilancio-go/bilancio/internal/sweep"
	"github.com/bilancio-go/bilancio/sdk"
)

// executorFlagHelp is -executor's help, the same on every sweep command.
const executorFlagHelp = "run on the executor NAME (any installed bilancio-executor-NAME; `bilancio plugins list` shows them), instead of the sweep's own (default: its executor block, else local)"

// addExecutorFlag adds -executor NAME.
func addExecutorFlag(fs *flag.FlagSet, name *string) {
	fs.StringVar(name, "executor", "", executorFlagHelp)
}

// useExecutor applies -executor NAME to spec: the sweep runs on NAME, with
// the configuration of the sweep's block for it when the block names it,
// else with NAME's defaults. An empty name changes nothing.
func useExecutor(spec *sweep.Spec, name string) error {
	if name == "" {
		return nil
	}
	if !sdk.ValidExecutorName(name) {
		return fmt.Errorf("-executor %q is not an executor name (lower-case letters, digits, - and _)", name)
	}
	if spec.Executor.Name != name {
		spec.Executor = sweep.ExecutorRef{Name: name, Config: []byte("{}")}
	}
	return nil
}
