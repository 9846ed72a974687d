package commands

import (
	"encoding/json"
	"flag"
	"fmt"

	"github.com/bilancio-go/bilancio/commands/core"
	"github.com/bilancio-go/bilancio/config"
	"github.com/bilancio-go/bilancio/internal/sweep"
)

// SweepRingCommand is `bilancio sweep ring`: bilancio's own sweep command,
// with its flag names, building the same sweep a sweep file would.
type SweepRingCommand struct {
	Meta
}

// Synopsis implements cli.Command.
func (c *SweepRingCommand) Synopsis() string {
	return "Run a Kalecki ring sweep given by flags (bilancio's sweep ring)"
}

// Help implements cli.Command.
func (c *SweepRingCommand) Help() string {
	return `Usage: bilancio sweep ring [options]

  Runs a sweep of Kalecki rings described by flags, with the names and
  defaults of bilancio's ` + "`bilancio sweep ring`" + `: a grid over the -kappas,
  -concentrations, -mus and -monotonicities lists (unless -grid=false), then
  -lhs N Latin hypercube points, then, with -frontier, a search per
  (concentration, mu, monotonicity) cell of the kappa where the ring starts
  to clear. Seeds count up from -base-seed in bilancio's loop order, so a
  recorded bilancio sweep is reproduced run for run. For example, the
  control arm of bilancio's dealer_comparison_100:

    bilancio sweep ring -n-agents 100 -maturity-days 10 -q-total 10000 \
        -liquidity-mode uniform -default-handling expel-agent \
        -name-prefix "Dealer Comparison (Control)"

  -config FILE reads the sweep from an HCL sweep file or one of bilancio's
  YAML sweep configs; flags given explicitly override it.

  The experiment folder is -out-dir (default out/experiments/sweep_<hash of
  the sweep>); running the same command again resumes it. Exit status: 0
  when every run is done, 1 on an error, 2 when some runs failed, 130 when
  interrupted.

Options:

` + core.Usage(c.flags(new(sweepRingFlags)))
}

// sweepRingFlags are sweep ring's flags: bilancio's own (config.RingFlags,
// which turns them into the Spec) and how to run it.
type sweepRingFlags struct {
	sweepExecFlags
	pluginDir string
	config    string
	ring      config.RingFlags
	// revision is -bilancio-revision, and jobID -job-id.
	revision, jobID string
	cloud           bool
	// cloudParallel is -cloud-parallel.
	cloudParallel int
}

func (c *SweepRingCommand) flags(f *sweepRingFlags) *flag.FlagSet {
	fs := core.FlagSet("sweep ring")
	fs.StringVar(&f.config, "config", "", "read the sweep from this HCL sweep file or bilancio YAML sweep config (explicit flags override it)")
	f.ring.Register(fs)
	core.AddRevisionFlag(fs, &f.revision)
	fs.StringVar(&f.jobID, "job-id", "", "a name for the sweep's job, recorded in experiment.json (bilancio's --job-id)")
	fs.BoolVar(&f.cloud, "cloud", false, "run on Modal (the modal executor plugin; credentials from MODAL_TOKEN_ID/MODAL_TOKEN_SECRET or ~/.modal.toml)")
	fs.IntVar(&f.cloudParallel, "cloud-parallel", 0, "with -cloud, at most this many sandboxes at once (default: BILANCIO_CLOUD_MAX_PARALLEL, else 50)")
	addExecFlags(fs, &f.sweepExecFlags, "out-dir", "the experiment folder (default out/experiments/sweep_<hash of the sweep>)")
	addPluginDirFlag(fs, &f.pluginDir)
	return fs
}

// Run implements cli.Command.
func (c *SweepRingCommand) Run(args []string) int {
	var f sweepRingFlags
	fs := c.flags(&f)
	if _, ok := core.ParseCommand(c.UI, fs, args, c.Help, 0, "no arguments"); !ok {
		return sweepExitError
	}
	set := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	ctx := sweepContext(c.Meta)
	view := newSweepView(c.UI, f.json, nil)
	defer view.Close()

	var spec *sweep.Spec
	var err error
	if f.config == "" {
		spec, err = f.spec()
	} else if spec = loadSweep(ctx, f.config, &sweepLoadFlags{pluginDir: f.pluginDir}, view); spec == nil {
		return sweepExitError
	} else {
		err = f.ring.Override(spec, set)
	}
	if err != nil {
		view.Diagnostic("error", "Invalid sweep ring options", err.Error())
		return sweepExitError
	}
	if f.config != "" && set[core.RevisionFlagName] {
		spec.BilancioRevision = f.revision
	}
	if f.config != "" && set["job-id"] {
		spec.JobID = f.jobID
	}
	if f.out != "" {
		spec.ExperimentDir, spec.OutDir = f.out, ""
	}
	if err := f.cloudExecutor(spec); err != nil {
		view.Diagnostic("error", "Invalid sweep ring options", err.Error())
		return sweepExitError
	}
	exec := f.sweepExecFlags
	exec.out = ""
	return executeSweep(c.Meta, spec, &exec, f.pluginDir, "bilancio sweep ring "+shellQuote(args), view)
}

// spec builds the sweep the flags describe (without -config).
func (f *sweepRingFlags) spec() (*sweep.Spec, error) {
	spec, err := f.ring.Spec()
	if err != nil {
		return nil, err
	}
	spec.BilancioRevision, spec.JobID = f.revision, f.jobID
	return spec, nil
}

// modalExecutor is the name of the executor plugin -cloud selects.
const modalExecutor = "modal"

// cloudExecutor applies -cloud and -cloud-parallel: the sweep runs on the
// modal executor, keeping the configuration of a modal block from -config,
// with max_parallel set by -cloud-parallel.
func (f *sweepRingFlags) cloudExecutor(spec *sweep.Spec) error {
	if f.cloud && f.executor != "" && f.executor != modalExecutor {
		return fmt.Errorf("-cloud runs on the %s executor, -executor %s on another: give one of them", modalExecutor, f.executor)
	}
	if !f.cloud {
		if f.cloudParallel != 0 {
			return fmt.Errorf("-cloud-parallel needs -cloud")
		}
		return nil
	}
	if f.cloudParallel < 0 {
		return fmt.Errorf("-cloud-parallel must be >= 1, got %d", f.cloudParallel)
	}
	cfg := map[string]any{}
	if spec.Executor.Name == modalExecutor && len(spec.Executor.Config) > 0 {
		if err := json.Unmarshal(spec.Executor.Config, &cfg); err != nil {
			return fmt.Errorf("the modal executor block: %w", err)
		}
	}
	if f.cloudParallel > 0 {
		cfg["max_parallel"] = f.cloudParallel
	}
	js, err := json.Marshal(cfg)
	if err != nil {
		return err
	}
	spec.Executor = sweep.ExecutorRef{Name: modalExecutor, Config: js}
	return nil
}
