package commands

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime/debug"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/bilancio-go/bilancio/commands/core"
	"github.com/bilancio-go/bilancio/config"
	"github.com/bilancio-go/bilancio/internal/pluginhost"
	"github.com/bilancio-go/bilancio/internal/revision"
	"github.com/bilancio-go/bilancio/internal/sweep"
	"github.com/bilancio-go/bilancio/sdk"
)

// Exit codes of the sweep commands (spec/plugins.md §12.6).
const (
	sweepExitOK          = 0
	sweepExitError       = 1
	sweepExitRunsFailed  = 2
	sweepExitInterrupted = 130
)

// SweepCommand is `bilancio sweep`: the parent of the sweep commands.
type SweepCommand struct {
	Meta
}

// Synopsis implements cli.Command.
func (c *SweepCommand) Synopsis() string { return core.SweepSynopsis }

// Help implements cli.Command.
func (c *SweepCommand) Help() string {
	return `Usage: bilancio sweep <subcommand> [options] [args]

  A sweep runs one simulation per point of a parameter design (a grid, a
  Latin hypercube, a frontier search) over Kalecki rings, on an executor,
  into an experiment folder in bilancio's layout:

    out/experiments/<experiment>/registry/experiments.csv   one row per run
    out/experiments/<experiment>/runs/<run_id>/              each run's files
    out/experiments/<experiment>/aggregate/results.csv       metrics per run

  Run ids are content hashes, so running a sweep again resumes it: runs
  already done are kept, the others run.

  Exit status of sweep run and sweep ring: 0 when every run is done, 1 on an
  error (bad sweep file, executor that cannot start), 2 when some runs
  failed (after their retries), 130 when interrupted.`
}

// Run implements cli.Command.
func (c *SweepCommand) Run(args []string) int { return core.ParentRun(c.UI, "sweep", args) }

// sweepContext is the command's context.
func sweepContext(m Meta) context.Context {
	if m.Ctx == nil {
		return context.Background()
	}
	return m.Ctx
}

// stringList is a repeatable string flag (-var, -var-file).
type stringList []string

// String implements flag.Value.
func (l *stringList) String() string { return strings.Join(*l, ", ") }

// Set implements flag.Value.
func (l *stringList) Set(s string) error {
	*l = append(*l, s)
	return nil
}

// sweepLoadFlags are the flags that load a sweep file.
type sweepLoadFlags struct {
	vars, varFiles stringList
	pluginDir      string
	// revision overrides the file's bilancio_revision.
	revision string
}

// addLoadFlags adds -var, -var-file and -plugin-dir.
func addLoadFlags(fs *flag.FlagSet, f *sweepLoadFlags) {
	fs.Var(&f.vars, "var", "set an input variable, name=value (repeatable)")
	fs.Var(&f.varFiles, "var-file", "read input variables from a file of name = value lines (repeatable)")
	addPluginDirFlag(fs, &f.pluginDir)
	core.AddRevisionFlag(fs, &f.revision)
}

// loadSweep reads a sweep file (HCL, or one of bilancio's YAML sweep
// configs) with package config. Diagnostics go to the view; the spec is nil
// when there were errors.
func loadSweep(ctx context.Context, path string, f *sweepLoadFlags, view sweepView) *sweep.Spec {
	files := map[string]*hcl.File{}
	find := pluginOptions(f.pluginDir)
	spec, diags := config.LoadFile(ctx, path, config.Options{
		Vars:      f.vars,
		VarFiles:  f.varFiles,
		LookupEnv: os.LookupEnv,
		SchemaFor: func(ctx context.Context, name string) ([]sdk.ConfigAttribute, error) {
			return pluginhost.Schema(ctx, name, builtinExecutors(), find)
		},
		Files: files,
	})
	if len(diags) > 0 {
		view.Diagnostics(files, diags)
	}
	if diags.HasErrors() {
		return nil
	}
	if f.revision != "" {
		if err := revision.Check(f.revision); err != nil {
			view.Diagnostic("error", "Invalid -"+core.RevisionFlagName, err.Error())
			return nil
		}
		spec.BilancioRevision = f.revision
	}
	return spec
}

// sweepExitCode maps how a sweep ended to the exit status.
func sweepExitCode(ctx context.Context, sum *sweep.Summary, err error) int {
	switch {
	case ctx.Err() != nil || errors.Is(err, context.Canceled) || (sum != nil && sum.Status == sweep.StatusInterrupted):
		return sweepExitInterrupted
	case err != nil:
		return sweepExitError
	case sum != nil && sum.Status != sweep.StatusCompleted && sum.Status != sweep.StatusDetached:
		return sweepExitRunsFailed
	}
	return sweepExitOK
}

// boundedGC makes the garbage collector keep the heap within half again
// of what a command holds (GOGC=50, unless GOGC is set): the commands that
// read a whole experiment (status, plan, aggregate) hold its journal's
// index, about 85 bytes a run, and make a little garbage per run, and the
// default (twice what is held) would let a million-run experiment's
// status reach 200 MB.
func boundedGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(50)
	}
}

// sweepRunGC sets the garbage collector of the commands that execute a
// sweep (GOGC=400 within a 256 MiB soft memory limit, unless GOGC or
// GOMEMLIMIT is set). The host holds a few MB and makes a little garbage
// per run (generation, events, journal records): at Go's default the
// collector ran every ~90 runs of a local ring sweep and took 2.5 % of its
// CPU (host and plugin together), at 400 about 1 %. The limit bounds a
// resumed million-run experiment (its journal index ~85 MB live): it
// peaked at about 270 MB, against about 230 MB at the default.
func sweepRunGC() {
	if os.Getenv("GOGC") == "" && os.Getenv("GOMEMLIMIT") == "" {
		debug.SetGCPercent(sweepGCPercent)
		debug.SetMemoryLimit(sweepMemoryLimit)
	}
}

// The garbage collector's settings of sweepRunGC.
const (
	sweepGCPercent   = 400
	sweepMemoryLimit = 256 << 20
)

// errorDetail is the text of an error for a diagnostic.
func errorDetail(err error) string { return fmt.Sprint(err) }
