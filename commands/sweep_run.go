package commands

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/mattn/go-isatty"

	"github.com/bilancio-go/bilancio/commands/core"
	"github.com/bilancio-go/bilancio/internal/pluginhost"
	"github.com/bilancio-go/bilancio/internal/sweep"
	"github.com/bilancio-go/bilancio/internal/workerbin"
	"github.com/bilancio-go/bilancio/sdk"
)

// SweepRunCommand is `bilancio sweep run FILE`: it runs a sweep file.
type SweepRunCommand struct {
	Meta
}

// Synopsis implements cli.Command.
func (c *SweepRunCommand) Synopsis() string { return "Run a sweep file (resuming it if it ran before)" }

// Help implements cli.Command.
func (c *SweepRunCommand) Help() string {
	return `Usage: bilancio sweep run [options] FILE

  Runs the sweep declared in FILE (an HCL sweep file, or one of bilancio's
  YAML sweep configs) into its experiment folder,
  <out>/<sweep name>/. Runs already done there (their manifest verifies)
  are not run again, so after an interruption or a crash the same command
  finishes the sweep. Failed runs are retried with backoff (1 s, 2 s, 4 s,
  ...), then reported.

  On a terminal a progress bar shows done/failed/total, runs per second and
  the time left; elsewhere one line per finished run is printed; with -json
  one JSON object per line (docs/json-output.md). Ctrl-C stops cleanly and
  leaves a resumable experiment.

  Exit status: 0 when every run is done, 1 on an error, 2 when some runs
  failed, 130 when interrupted.

Options:

` + core.Usage(c.flags(new(sweepRunFlags)))
}

// sweepExecFlags are the flags of the commands that run a sweep.
type sweepExecFlags struct {
	// parallel and retries are -parallel and -retries when given (nil
	// when not: the sweep's own then hold).
	parallel, retries *int64
	failFast          bool
	json              bool
	out               string
	localPlugin       bool
	yes               bool
	maxCost           float64
	detach            bool
	livenessTimeout   time.Duration
	executor          string
	// confirmAbove is -confirm-above as given ("" when not).
	confirmAbove string
	verify       bool
}

// sweepRunFlags are sweep run's flags.
type sweepRunFlags struct {
	sweepLoadFlags
	sweepExecFlags
}

// addExecFlags adds the flags that run a sweep.
func addExecFlags(fs *flag.FlagSet, f *sweepExecFlags, outName, outHelp string) {
	fs.Func("parallel", "`N` runs execute at once (default: the sweep's parallel, else the executor's)", core.RuledInt(&f.parallel, sweep.CheckParallel))
	fs.Func("retries", "a failed run is tried again `N` times (default: the sweep's retries, else 0)", core.RuledInt(&f.retries, sweep.CheckRetries))
	fs.BoolVar(&f.failFast, "fail-fast", false, "stop at the first run that fails for good")
	fs.BoolVar(&f.json, "json", false, "print one JSON object per line (docs/json-output.md)")
	fs.StringVar(&f.out, outName, "", outHelp)
	fs.BoolVar(&f.yes, "yes", false, "run without asking for confirmation (of a large sweep, or of a remote executor's estimate)")
	fs.Float64Var(&f.maxCost, "max-cost", 0, "on a remote executor, refuse a sweep whose estimated cost (USD) is over this (0: no limit)")
	fs.StringVar(&f.confirmAbove, "confirm-above", "", fmt.Sprintf("a sweep of more runs than this starts only with -yes or a confirmation (default: $%s, else %d)", confirmAboveEnv, sweep.DefaultConfirmAbove))
	fs.BoolVar(&f.verify, "verify", false, "hash every file of the runs already done before counting them (by default a done run whose files kept the sizes and times the journal recorded is trusted, and only changed ones are hashed)")
	addExecutorFlag(fs, &f.executor)
	fs.BoolVar(&f.localPlugin, "local-plugin", false, "run the local executor as its plugin binary (bilancio-executor-local), failing when there is none, instead of falling back to running it in this process")
	fs.BoolVar(&f.detach, "detach", false, "hand the runs to the executor and return once they are submitted: they run without bilancio (an executor with remote work, such as modal); sweep attach DIR collects them")
	fs.DurationVar(&f.livenessTimeout, "liveness-timeout", 0, "how long an executor plugin, or a run it started, may stay silent (no event, no heartbeat) before it is reported, the plugin restarted and its runs retried (default: 10 times the slowest run, at least 30s; negative: not watched)")
}

// liveness is the plugins' liveness watch the flags ask for.
func (f *sweepExecFlags) liveness() pluginhost.Liveness {
	return pluginhost.Liveness{Timeout: f.livenessTimeout}
}

func (c *SweepRunCommand) flags(f *sweepRunFlags) *flag.FlagSet {
	fs := core.FlagSet("sweep run")
	addLoadFlags(fs, &f.sweepLoadFlags)
	addExecFlags(fs, &f.sweepExecFlags, "out", "the experiments folder (default: the sweep's out_dir, else out/experiments)")
	return fs
}

// Run implements cli.Command.
func (c *SweepRunCommand) Run(args []string) int {
	var f sweepRunFlags
	fs := c.flags(&f)
	pos, ok := core.ParseCommand(c.UI, fs, args, c.Help, 1, "exactly one sweep file")
	if !ok {
		return sweepExitError
	}
	ctx := sweepContext(c.Meta)
	view := newSweepView(c.UI, f.json, nil)
	defer view.Close()
	spec := loadSweep(ctx, pos[0], &f.sweepLoadFlags, view)
	if spec == nil {
		return sweepExitError
	}
	return executeSweep(c.Meta, spec, &f.sweepExecFlags, f.pluginDir, "", view)
}

// executeSweep runs a spec with the exec flags applied and renders it.
func executeSweep(m Meta, spec *sweep.Spec, f *sweepExecFlags, pluginDir, origin string, view sweepView) int {
	ctx := sweepContext(m)
	sweepRunGC()
	if err := useExecutor(spec, f.executor); err != nil {
		view.Diagnostic("error", "Invalid -executor", err.Error())
		return sweepExitError
	}
	if f.parallel != nil {
		spec.Parallel = int(*f.parallel)
	}
	if f.retries != nil {
		spec.Retries = int(*f.retries)
	}
	if f.failFast {
		spec.FailFast = true
	}
	placement := pluginhost.Placement("")
	if f.localPlugin {
		placement = pluginhost.PluginProcess
	}
	find := pluginOptions(pluginDir)
	choice, err := pluginhost.Choose(ctx, spec.Executor.Name, spec.Executor.Config, placement, builtinExecutors(), find)
	if err != nil {
		return executorNotStarted(ctx, view, "Cannot start the executor", err)
	}
	if choice.Placement == pluginhost.PluginProcess {
		choice.Env = pluginhost.ExecutorEnv(choice.Name, os.Environ())
		choice.Liveness = f.liveness()
	}
	if spec.JobID != "" && !f.json {
		m.UI.Output("Job ID: " + spec.JobID)
	}
	if !confirmSize(ctx, m, spec, f, view) {
		return sweepExitError
	}
	if !confirmCost(ctx, m, spec, choice, f, find.Logger, view) {
		return sweepExitError
	}
	var remote remoteOptions
	if err := applyRemoteOptions(ctx, choice, f, find, &remote); err != nil {
		view.Diagnostic("error", "Cannot run the sweep on the "+choice.Name+" executor", err.Error())
		return sweepExitError
	}
	opts := sweep.Options{
		Detach:    remote.detach,
		BatchSize: remote.batchSize,
		Open:      choice.Opener(find.Logger),
		Executor:  choice.String(),
		OutDir:    f.out,
		Events:    view.Event,
		Origin:    origin,
		Worker:    workerBinary,
		Verify:    f.verify,
		// The dashboard of every experiment the sweep writes.
		Dashboard: dashboards().WriteDashboard,
	}
	if spec.Paired != nil {
		// Each arm of a paired sweep may run on an executor of its own.
		for i, ref := range spec.Paired.Executors {
			if ref.Name == "" {
				continue
			}
			arm, err := pluginhost.Choose(ctx, ref.Name, ref.Config, placement, builtinExecutors(), find)
			if err != nil {
				return executorNotStarted(ctx, view, "Cannot start the executor of arm "+strconv.Itoa(i+1), err)
			}
			if arm.Placement == pluginhost.PluginProcess {
				arm.Env = pluginhost.ExecutorEnv(arm.Name, os.Environ())
				arm.Liveness = f.liveness()
			}
			opts.ArmOpen[i], opts.ArmExecutor[i] = arm.Opener(find.Logger), arm.String()
		}
	}
	sum, err := sweep.Run(ctx, spec, opts)
	switch {
	case sum == nil && err != nil && ctx.Err() != nil:
		view.Diagnostic("error", "Interrupted", interruptedBeforeRuns)
	case sum == nil && err != nil:
		view.Diagnostic("error", "The sweep cannot run", errorDetail(err))
	}
	return sweepExitCode(ctx, sum, err)
}

// confirmCost, for a sweep on an executor other than the local one, prices
// it from a pilot when -max-cost is set or a person at a terminal is to
// confirm it (no -yes), refuses it over -max-cost, and asks for
// confirmation on a terminal. It reports whether the sweep may run.
func confirmCost(ctx context.Context, m Meta, spec *sweep.Spec, choice *pluginhost.Choice, f *sweepExecFlags, logger hclog.Logger, view sweepView) bool {
	if choice.Name == pluginhost.LocalExecutor {
		return true
	}
	ask := !f.yes && !f.json && isatty.IsTerminal(os.Stdin.Fd())
	if f.maxCost <= 0 && !ask {
		return true
	}
	est, err := estimateSweep(ctx, spec, choice, sweep.DefaultPilotRuns, logger)
	if err != nil {
		view.Diagnostic("error", "Cannot estimate the sweep's cost", err.Error())
		return false
	}
	if f.maxCost > 0 && est.Cost > f.maxCost {
		view.Diagnostic("error", "The sweep is over budget",
			fmt.Sprintf("estimated cost %.4f %s for %d runs is over -max-cost %.4f; nothing was run", est.Cost, est.Currency, est.Runs, f.maxCost))
		return false
	}
	if !ask {
		return true
	}
	m.UI.Output(formatEstimate(choice.Name, est))
	answer, err := m.UI.Ask("Run the sweep? [y/N]")
	if err != nil || !strings.EqualFold(strings.TrimSpace(answer), "y") && !strings.EqualFold(strings.TrimSpace(answer), "yes") {
		view.Diagnostic("error", "The sweep was not confirmed", "nothing was run")
		return false
	}
	return true
}

// workerBinary locates the worker remote executors stage and run: the
// static linux/amd64 bilancio beside this one (workerbin.Find).
func workerBinary() (*sdk.WorkerBinary, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	return workerbin.Find(workerbin.Host{Executable: exe, OS: runtime.GOOS, Arch: runtime.GOARCH, Getenv: os.Getenv})
}

// shellQuote quotes command-line arguments for sweep.hcl's comment.
func shellQuote(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		if a != "" && !strings.ContainsAny(a, " \t\n'\"\\$`!*?[]{}()<>|&;#~") {
			out[i] = a
			continue
		}
		out[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return strings.Join(out, " ")
}

// interruptedBeforeRuns says a sweep was interrupted before it ran anything.
const interruptedBeforeRuns = "the sweep stopped before it ran anything (run the same command again to resume)"

// executorNotStarted reports an executor that could not be chosen or
// started: an interruption (Ctrl-C while plugins were being discovered)
// ends the sweep as interrupted, anything else as an error.
func executorNotStarted(ctx context.Context, view sweepView, summary string, err error) int {
	if ctx.Err() != nil {
		view.Diagnostic("error", "Interrupted", interruptedBeforeRuns)
		return sweepExitInterrupted
	}
	view.Diagnostic("error", summary, err.Error())
	return sweepExitError
}
