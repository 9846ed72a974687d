package commands

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/go-hclog"

	"github.com/bilancio-go/bilancio/commands/core"
	"github.com/bilancio-go/bilancio/internal/pluginhost"
	"github.com/bilancio-go/bilancio/internal/sweep"
)

// SweepEstimateCommand is `bilancio sweep estimate FILE`: the price of a
// sweep on its executor, from a pilot.
type SweepEstimateCommand struct {
	Meta
}

// Synopsis implements cli.Command.
func (c *SweepEstimateCommand) Synopsis() string {
	return "Estimate a sweep's time and cost on its executor from a local pilot"
}

// Help implements cli.Command.
func (c *SweepEstimateCommand) Help() string {
	return `Usage: bilancio sweep estimate [options] FILE

  Prices the sweep declared in FILE before it runs: a pilot runs the first
  -pilot runs locally (in this process, into a temporary folder) and times
  them; the sweep's executor then scales that to every planned run with its
  rate card. Prints the runs, the seconds per run, the expected wall-clock
  time, the cost and how the executor arrived at it (for Modal: the
  sandboxes and sandbox-seconds billed). Nothing runs on the executor.

Options:

` + core.Usage(c.flags(new(sweepEstimateFlags)))
}

// sweepEstimateFlags are sweep estimate's flags.
type sweepEstimateFlags struct {
	sweepLoadFlags
	pilot    int
	json     bool
	rates    string
	executor string
}

func (c *SweepEstimateCommand) flags(f *sweepEstimateFlags) *flag.FlagSet {
	fs := core.FlagSet("sweep estimate")
	addLoadFlags(fs, &f.sweepLoadFlags)
	fs.IntVar(&f.pilot, "pilot", sweep.DefaultPilotRuns, "how many runs the local pilot times")
	fs.BoolVar(&f.json, "json", false, "print the estimate as one JSON object")
	addExecutorFlag(fs, &f.executor)
	fs.StringVar(&f.rates, "rates", "", "a JSON rate card to price with, over the executor's (the modal executor's rates_file; see docs/sweeps.md)")
	return fs
}

// Run implements cli.Command.
func (c *SweepEstimateCommand) Run(args []string) int {
	var f sweepEstimateFlags
	fs := c.flags(&f)
	pos, ok := core.ParseCommand(c.UI, fs, args, c.Help, 1, "exactly one sweep file")
	if !ok {
		return sweepExitError
	}
	ctx := sweepContext(c.Meta)
	view := newSweepView(c.UI, false, nil)
	defer view.Close()
	spec := loadSweep(ctx, pos[0], &f.sweepLoadFlags, view)
	if spec == nil {
		return sweepExitError
	}
	if err := useExecutor(spec, f.executor); err != nil {
		view.Diagnostic("error", "Invalid -executor", err.Error())
		return sweepExitError
	}
	if f.rates != "" {
		if err := setRatesFile(&spec.Executor, f.rates); err != nil {
			view.Diagnostic("error", "Invalid -rates", err.Error())
			return sweepExitError
		}
	}
	find := pluginOptions(f.pluginDir)
	choice, err := pluginhost.Choose(ctx, spec.Executor.Name, spec.Executor.Config, "", builtinExecutors(), find)
	if err != nil {
		return estimateFailed(ctx, view, "Cannot start the executor", err)
	}
	if choice.Placement == pluginhost.PluginProcess {
		choice.Env = pluginhost.ExecutorEnv(choice.Name, os.Environ())
	}
	est, err := estimateSweep(ctx, spec, choice, f.pilot, find.Logger)
	if err != nil {
		return estimateFailed(ctx, view, "Cannot estimate the sweep", err)
	}
	if f.json {
		js, err := json.Marshal(est)
		if err != nil {
			view.Diagnostic("error", "Cannot estimate the sweep", err.Error())
			return sweepExitError
		}
		c.UI.Output(string(js))
		return 0
	}
	c.UI.Output(formatEstimate(choice.Name, est))
	return 0
}

// estimateFailed reports an estimate that could not be made: Ctrl-C
// (during plugin discovery or the pilot) ends it as interrupted, like a
// sweep, and anything else as an error.
func estimateFailed(ctx context.Context, view sweepView, summary string, err error) int {
	if ctx.Err() != nil {
		view.Diagnostic("error", "Interrupted", "the estimate stopped before it was complete; nothing was run or written")
		return sweepExitInterrupted
	}
	view.Diagnostic("error", summary, err.Error())
	return sweepExitError
}

// estimateSweep prices spec on the chosen executor from a pilot of its
// first pilotRuns runs on the local executor in process.
func estimateSweep(ctx context.Context, spec *sweep.Spec, choice *pluginhost.Choice, pilotRuns int, logger hclog.Logger) (*sweep.Estimate, error) {
	local, err := pluginhost.Choose(ctx, "", nil, pluginhost.InProcess, builtinExecutors(), pluginOptions(""))
	if err != nil {
		return nil, err
	}
	return sweep.EstimateSweep(ctx, spec, pilotRuns, local.Opener(nil), choice.Opener(logger))
}

// formatEstimate renders an estimate for people.
func formatEstimate(executor string, e *sweep.Estimate) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Estimate on the %s executor (pilot: %d runs timed locally)\n", executor, e.PilotRuns)
	fmt.Fprintf(&b, "  runs               %d\n", e.Runs)
	fmt.Fprintf(&b, "  seconds per run    %.3f\n", e.SecondsPerRun)
	fmt.Fprintf(&b, "  wall-clock seconds %.1f\n", e.Seconds)
	fmt.Fprintf(&b, "  cost               %.4f %s", e.Cost, e.Currency)
	if e.Detail != "" {
		fmt.Fprintf(&b, "\n  %s", e.Detail)
	}
	return b.String()
}

// setRatesFile sets the executor configuration's rates_file to path (made
// absolute: the plugin runs elsewhere), over what the sweep file says.
func setRatesFile(ref *sweep.ExecutorRef, path string) error {
	if ref.Name != "modal" {
		return fmt.Errorf("only the modal executor has a rate card; this sweep runs on %q", ref.Name)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	if _, err := os.Stat(abs); err != nil {
		return err
	}
	cfg := map[string]any{}
	if len(ref.Config) > 0 {
		if err := json.Unmarshal(ref.Config, &cfg); err != nil {
			return fmt.Errorf("the executor configuration: %w", err)
		}
	}
	cfg["rates_file"] = abs
	b, err := json.Marshal(cfg)
	if err != nil {
		return err
	}
	ref.Config = b
	return nil
}
