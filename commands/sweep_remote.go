package commands

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/bilancio-go/bilancio/internal/pluginhost"
	"github.com/bilancio-go/bilancio/internal/store"
	"github.com/bilancio-go/bilancio/internal/sweep"
	"github.com/bilancio-go/bilancio/sdk"
)

// The commands of detached sweeps, for any executor with the detach
// capability (Modal's, Slurm's): `sweep run -detach` hands the runs to the
// executor and returns, `sweep attach DIR` collects (or follows) them,
// `sweep status DIR -remote` lists the remote work, `sweep cancel DIR`
// stops it.

// remoteBatchSize is how many runs the runner hands a remote executor at
// once: remote executors spread a batch over many machines and pay a
// start-up per batch, so a batch holds the sweep (in bounded steps), not a
// few dozen runs.
const remoteBatchSize = 4096

// applyRemoteOptions sets what a remote executor needs from the command
// line on the sweep's options: larger batches, -detach (refused when the
// executor cannot detach), and -max-cost in the executor's configuration
// when its schema has a max_cost attribute (the executor then stops
// starting work once spent plus in-flight cost would pass it).
func applyRemoteOptions(ctx context.Context, choice *pluginhost.Choice, f *sweepExecFlags, find pluginhost.Options, opts *remoteOptions) error {
	if choice.Name == pluginhost.LocalExecutor {
		if f.detach {
			return errors.New("the local executor runs in this process: its sweeps cannot be detached (use an executor with remote work, such as modal)")
		}
		return nil
	}
	opts.batchSize = remoteBatchSize
	if !f.detach && f.maxCost <= 0 {
		return nil
	}
	ex, closeFn, err := choice.Opener(find.Logger)(ctx)
	if err != nil {
		return err
	}
	info, err := ex.Describe(ctx)
	closeFn()
	if err != nil {
		return fmt.Errorf("describing the %s executor: %w", choice.Name, err)
	}
	if f.detach {
		if !info.Capabilities.Detach {
			return fmt.Errorf("the %s executor cannot detach its work from bilancio (it lacks the detach capability)", choice.Name)
		}
		opts.detach = true
	}
	if f.maxCost > 0 && slices.ContainsFunc(info.ConfigSchema, func(a sdk.ConfigAttribute) bool { return a.Name == "max_cost" }) {
		cfg := map[string]json.RawMessage{}
		if len(choice.Config) > 0 {
			if err := json.Unmarshal(choice.Config, &cfg); err != nil {
				return fmt.Errorf("the %s executor's configuration: %w", choice.Name, err)
			}
		}
		cfg["max_cost"], _ = json.Marshal(f.maxCost)
		if choice.Config, err = json.Marshal(cfg); err != nil {
			return err
		}
	}
	return nil
}

// remoteOptions are the sweep options applyRemoteOptions decides.
type remoteOptions struct {
	detach    bool
	batchSize int
}

// experimentSpec reads the sweep of an experiment folder to run it again:
// its spec from experiment.json, its source from sweep.hcl (kept as it is),
// its folder fixed to dir.
func experimentSpec(dir string) (*sweep.Spec, *store.Meta, error) {
	if _, err := sweep.ReadPairedMeta(dir); err == nil {
		return nil, nil, errors.New("a paired sweep's experiment: attach to one of its arms' folders, or run its sweep file again")
	}
	meta, err := store.ReadMeta(dir)
	if err != nil {
		return nil, nil, err
	}
	spec, err := sweep.ReadSpec(meta)
	if err != nil {
		return nil, nil, err
	}
	src := store.SourceFile
	if ext := strings.ToLower(filepath.Ext(spec.SourceName)); ext == ".yaml" || ext == ".yml" {
		src = "sweep.yaml"
	}
	if b, err := os.ReadFile(filepath.Join(dir, src)); err == nil && spec.SourceName != "" {
		// The file already lists the resolved variables.
		spec.Source, spec.Variables = b, nil
	}
	spec.ExperimentDir = filepath.Clean(dir)
	return spec, meta, nil
}

// openExperimentExecutor starts the executor an experiment ran on,
// configured with the sweep's block, and checks it can reach remote work.
func openExperimentExecutor(ctx context.Context, spec *sweep.Spec, pluginDir string) (sdk.Executor, func() error, error) {
	find := pluginOptions(pluginDir)
	choice, err := pluginhost.Choose(ctx, spec.Executor.Name, spec.Executor.Config, "", builtinExecutors(), find)
	if err != nil {
		return nil, nil, err
	}
	if choice.Placement == pluginhost.PluginProcess {
		choice.Env = pluginhost.ExecutorEnv(choice.Name, os.Environ())
	}
	ex, closeFn, err := choice.Opener(find.Logger)(ctx)
	if err != nil {
		return nil, nil, err
	}
	info, err := ex.Describe(ctx)
	if err == nil && !info.Capabilities.Detach {
		err = fmt.Errorf("the %s executor has no remote work that outlives bilancio (it lacks the detach capability)", choice.Name)
	}
	if err != nil {
		closeFn()
		return nil, nil, err
	}
	return ex, closeFn, nil
}

// SweepAttachCommand is `bilancio sweep attach DIR`.
type SweepAttachCommand struct {
	Meta
}

// Synopsis implements cli.Command.
func (c *SweepAttachCommand) Synopsis() string {
	return "Collect or follow the remote runs of a detached (or interrupted) sweep"
}

// Help implements cli.Command.
func (c *SweepAttachCommand) Help() string {
	return `Usage: bilancio sweep attach [options] DIR

  Runs the sweep of an experiment folder again, attached: the runs that
  finished remotely while bilancio was away (a sweep started with
  sweep run -detach, or one whose bilancio was killed) are collected from
  the executor's storage without running them again, the remote work still
  running is followed until it ends, and only the runs with no remote work
  are started. It is the same as running the sweep's file again.

Options:

` + usage(c.flags(new(sweepAttachFlags)))
}

// sweepAttachFlags are sweep attach's flags.
type sweepAttachFlags struct {
	sweepExecFlags
	pluginDir string
}

func (c *SweepAttachCommand) flags(f *sweepAttachFlags) *flag.FlagSet {
	fs := flagSet("sweep attach")
	addPluginDirFlag(fs, &f.pluginDir)
	addExecFlags(fs, &f.sweepExecFlags, "out", "unused (the experiment folder is DIR)")
	return fs
}

// Run implements cli.Command.
func (c *SweepAttachCommand) Run(args []string) int {
	var f sweepAttachFlags
	fs := c.flags(&f)
	pos, ok := parseCommand(c.UI, fs, args, c.Help(), 1, "exactly one experiment folder")
	if !ok {
		return sweepExitError
	}
	view := newSweepView(c.UI, f.json, nil)
	defer view.Close()
	spec, _, err := experimentSpec(pos[0])
	if err != nil {
		view.Diagnostic("error", "Cannot read the experiment", err.Error())
		return sweepExitError
	}
	f.out = ""
	return executeSweep(c.Meta, spec, &f.sweepExecFlags, f.pluginDir, "sweep attach "+pos[0], view)
}

// SweepCancelCommand is `bilancio sweep cancel DIR`.
type SweepCancelCommand struct {
	Meta
}

// Synopsis implements cli.Command.
func (c *SweepCancelCommand) Synopsis() string {
	return "Stop a sweep's remote work (its sandboxes or jobs)"
}

// Help implements cli.Command.
func (c *SweepCancelCommand) Help() string {
	return `Usage: bilancio sweep cancel [options] DIR

  Stops all the remote work of the experiment in DIR (Modal sandboxes,
  Slurm jobs), found from the executor alone: it works from any shell,
  while or after the sweep ran, detached or not. Runs already finished stay
  where they are (sweep attach collects them); the others can be run again
  with sweep run.

Options:

` + usage(c.flags(new(string)))
}

func (c *SweepCancelCommand) flags(pluginDir *string) *flag.FlagSet {
	fs := flagSet("sweep cancel")
	addPluginDirFlag(fs, pluginDir)
	return fs
}

// Run implements cli.Command.
func (c *SweepCancelCommand) Run(args []string) int {
	var pluginDir string
	fs := c.flags(&pluginDir)
	pos, ok := parseCommand(c.UI, fs, args, c.Help(), 1, "exactly one experiment folder")
	if !ok {
		return sweepExitError
	}
	ctx := sweepContext(c.Meta)
	spec, meta, err := experimentSpec(pos[0])
	if err != nil {
		c.UI.Error("Error: cannot read the experiment: " + err.Error())
		return sweepExitError
	}
	ex, closeFn, err := openExperimentExecutor(ctx, spec, pluginDir)
	if err != nil {
		c.UI.Error("Error: " + err.Error())
		return sweepExitError
	}
	defer closeFn()
	if err := ex.Cancel(ctx, &sdk.CancelRequest{ExperimentID: meta.ExperimentID}); err != nil {
		c.UI.Error(fmt.Sprintf("Error: cancelling the remote work of %s: %v", meta.ExperimentID, err))
		return sweepExitError
	}
	c.UI.Output(fmt.Sprintf("Cancelled the remote work of experiment %s on the %s executor.", meta.ExperimentID, spec.Executor.Name))
	return sweepExitOK
}

// remoteStatus adds the experiment's remote work units to sweep status.
func remoteStatus(ctx context.Context, m Meta, view sweepView, dir, pluginDir string) int {
	spec, meta, err := experimentSpec(dir)
	if err != nil {
		view.Diagnostic("error", "Cannot read the experiment", err.Error())
		return sweepExitError
	}
	ex, closeFn, err := openExperimentExecutor(ctx, spec, pluginDir)
	if err != nil {
		view.Diagnostic("error", "Cannot reach the experiment's remote work", err.Error())
		return sweepExitError
	}
	defer closeFn()
	st, err := ex.Status(ctx, &sdk.StatusRequest{ExperimentID: meta.ExperimentID, Remote: true})
	if err != nil {
		view.Diagnostic("error", "Cannot read the experiment's remote work", err.Error())
		return sweepExitError
	}
	renderWorkUnits(m, view, meta.ExperimentID, spec.Executor.Name, st.WorkUnits)
	return sweepExitOK
}

// jsonWorkUnit is a work unit in -json output.
type jsonWorkUnit struct {
	ID      string   `json:"id"`
	Name    string   `json:"name,omitempty"`
	State   string   `json:"state"`
	Reason  string   `json:"reason,omitempty"`
	Runs    int      `json:"runs"`
	RunIDs  []string `json:"run_ids,omitempty"`
	Started string   `json:"started,omitempty"`
	Ended   string   `json:"ended,omitempty"`
}

// renderWorkUnits prints the remote work units of an experiment.
func renderWorkUnits(m Meta, view sweepView, experiment, executor string, units []sdk.WorkUnit) {
	counts := map[sdk.WorkState]int{}
	for _, u := range units {
		counts[u.State]++
	}
	headline := fmt.Sprintf("%s: %d work units on %s: %d pending, %d running, %d finished, %d failed, %d cancelled", experiment, len(units), executor,
		counts[sdk.WorkPending], counts[sdk.WorkRunning], counts[sdk.WorkFinished], counts[sdk.WorkFailed], counts[sdk.WorkCancelled])
	stamp := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	if jv, ok := view.(*jsonView); ok {
		js := make([]jsonWorkUnit, 0, len(units))
		for _, u := range units {
			js = append(js, jsonWorkUnit{ID: u.ID, Name: u.Name, State: string(u.State), Reason: u.Reason, Runs: len(u.RunIDs), RunIDs: u.RunIDs, Started: stamp(u.Started), Ended: stamp(u.Ended)})
		}
		jv.line(time.Now(), "info", headline, "remote_status", "work_units", js)
		return
	}
	var b strings.Builder
	b.WriteString("Remote work of " + headline)
	for _, u := range units {
		fmt.Fprintf(&b, "\n  %-10s %-28s %-30s %3d runs", u.State, u.ID, u.Name, len(u.RunIDs))
		if !u.Started.IsZero() {
			b.WriteString("  started " + u.Started.Local().Format("2006-01-02 15:04:05"))
		}
		if !u.Ended.IsZero() {
			b.WriteString(", ended " + u.Ended.Local().Format("15:04:05"))
		}
		if u.Reason != "" {
			b.WriteString("  (" + u.Reason + ")")
		}
	}
	m.UI.Output(b.String())
}
