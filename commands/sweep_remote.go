package commands

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/bilancio-go/bilancio/commands/core"
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

` + core.Usage(c.flags(new(sweepAttachFlags)))
}

// sweepAttachFlags are sweep attach's flags.
type sweepAttachFlags struct {
	sweepExecFlags
	pluginDir string
}

func (c *SweepAttachCommand) flags(f *sweepAttachFlags) *flag.FlagSet {
	fs := core.FlagSet("sweep attach")
	addPluginDirFlag(fs, &f.pluginDir)
	addExecFlags(fs, &f.sweepExecFlags, "out", "unused (the experiment folder is DIR)")
	return fs
}

// Run implements cli.Command.
func (c *SweepAttachCommand) Run(args []string) int {
	var f sweepAttachFlags
	fs := c.flags(&f)
	pos, ok := core.ParseCommand(c.UI, fs, args, c.Help, 1, "exactly one experiment folder")
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

// remoteExecutor is the executor of an experiment folder's sweep, opened
// as the sweep file configured it, to report or cancel its remote work.
type remoteExecutor struct {
	ex           sdk.Executor
	info         *sdk.Info
	experimentID string
	close        func() error
}

// openRemoteExecutor opens the executor the sweep in dir runs on. It fails
// for an executor whose work does not outlive bilancio (no Detach
// capability): such a sweep has no remote work to report or cancel.
func openRemoteExecutor(ctx context.Context, dir, pluginDir string) (*remoteExecutor, error) {
	if _, err := sweep.ReadPairedMeta(dir); err == nil {
		return nil, errors.New("a paired sweep's arms are experiments of their own: give the folder of an arm")
	}
	meta, err := store.ReadMeta(dir)
	if err != nil {
		return nil, err
	}
	var spec struct{ Executor sweep.ExecutorRef }
	if err := json.Unmarshal(meta.Spec, &spec); err != nil {
		return nil, fmt.Errorf("reading the sweep of %s: %w", dir, err)
	}
	find := pluginOptions(pluginDir)
	choice, err := pluginhost.Choose(ctx, spec.Executor.Name, spec.Executor.Config, "", builtinExecutors(), find)
	if err != nil {
		return nil, err
	}
	if choice.Placement == pluginhost.PluginProcess {
		choice.Env = pluginhost.ExecutorEnv(choice.Name, os.Environ())
	}
	ex, closeFn, err := choice.Opener(find.Logger)(ctx)
	if err != nil {
		return nil, err
	}
	info, err := ex.Describe(ctx)
	if err == nil && !info.Capabilities.Detach {
		err = fmt.Errorf("the %s executor's work does not outlive bilancio, so experiment %s has no remote work (a sweep on it stops with its bilancio)", choice.Name, meta.ExperimentID)
	}
	if err != nil {
		closeFn()
		return nil, err
	}
	return &remoteExecutor{ex: ex, info: info, experimentID: meta.ExperimentID, close: closeFn}, nil
}

// units asks the executor for the experiment's remote work units, sorted
// by name then id.
func (r *remoteExecutor) units(ctx context.Context) ([]sdk.WorkUnit, error) {
	st, err := r.ex.Status(ctx, &sdk.StatusRequest{ExperimentID: r.experimentID, Remote: true})
	if err != nil {
		return nil, fmt.Errorf("asking the %s executor about experiment %s: %w", r.info.Name, r.experimentID, err)
	}
	units := st.WorkUnits
	slices.SortFunc(units, func(a, b sdk.WorkUnit) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), strings.Compare(a.ID, b.ID))
	})
	return units, nil
}

// unitCounts counts work units by state, in the states' order.
func unitCounts(units []sdk.WorkUnit) string {
	n := map[sdk.WorkState]int{}
	for _, u := range units {
		n[u.State]++
	}
	var parts []string
	for _, s := range []sdk.WorkState{sdk.WorkRunning, sdk.WorkPending, sdk.WorkFinished, sdk.WorkFailed, sdk.WorkCancelled} {
		if n[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n[s], s))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
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

// renderUnits prints an experiment's remote work units: a table, or one
// -json line of type remote_status.
func renderUnits(m Meta, view sweepView, r *remoteExecutor, units []sdk.WorkUnit) {
	if jv, ok := view.(*jsonView); ok {
		out := make([]jsonWorkUnit, 0, len(units))
		for _, u := range units {
			ju := jsonWorkUnit{ID: u.ID, Name: u.Name, State: string(u.State), Reason: u.Reason, Runs: len(u.RunIDs), RunIDs: u.RunIDs}
			if !u.Started.IsZero() {
				ju.Started = u.Started.UTC().Format(time.RFC3339)
			}
			if !u.Ended.IsZero() {
				ju.Ended = u.Ended.UTC().Format(time.RFC3339)
			}
			out = append(out, ju)
		}
		jv.line(time.Now(), "info", fmt.Sprintf("%s on %s: %s", r.experimentID, r.info.Name, unitCounts(units)), "remote_status",
			"remote", map[string]any{"experiment_id": r.experimentID, "executor": r.info.Name, "work_units": out})
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Remote work of experiment %s on the %s executor: %d units (%s)", r.experimentID, r.info.Name, len(units), unitCounts(units))
	if len(units) > 0 {
		b.WriteString("\n")
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  ID\tSTATE\tRUNS\tNAME\tREASON")
		for _, u := range units {
			fmt.Fprintf(tw, "  %s\t%s\t%d\t%s\t%s\n", u.ID, u.State, len(u.RunIDs), u.Name, u.Reason)
		}
		tw.Flush()
	}
	m.UI.Output(strings.TrimRight(b.String(), "\n"))
}

// SweepCancelCommand is `bilancio sweep cancel DIR`: it cancels an
// experiment's remote work.
type SweepCancelCommand struct {
	Meta
}

// Synopsis implements cli.Command.
func (c *SweepCancelCommand) Synopsis() string {
	return "Cancel an experiment's remote work (its Slurm jobs, its sandboxes)"
}

// Help implements cli.Command.
func (c *SweepCancelCommand) Help() string {
	return `Usage: bilancio sweep cancel [options] DIR

  Cancels the remote work of the experiment in DIR (out/experiments/<id>)
  from any process, whether or not a bilancio still follows it: the
  executor of its sweep finds the experiment's jobs (Slurm) or sandboxes
  from its backend and stops them. Runs already done stay done; the next
  sweep run runs the others again. An executor whose work does not outlive
  bilancio (the local one) has nothing to cancel: Ctrl-C stops it.

  Exit status: 0 when the work is cancelled, 1 on an error.

Options:

` + core.Usage(c.flags(new(sweepCancelFlags)))
}

type sweepCancelFlags struct {
	json      bool
	pluginDir string
}

func (c *SweepCancelCommand) flags(f *sweepCancelFlags) *flag.FlagSet {
	fs := core.FlagSet("sweep cancel")
	fs.BoolVar(&f.json, "json", false, "print one JSON object per line (docs/json-output.md)")
	addPluginDirFlag(fs, &f.pluginDir)
	return fs
}

// Run implements cli.Command.
func (c *SweepCancelCommand) Run(args []string) int {
	var f sweepCancelFlags
	fs := c.flags(&f)
	pos, ok := core.ParseCommand(c.UI, fs, args, c.Help, 1, "exactly one experiment folder")
	if !ok {
		return sweepExitError
	}
	ctx := sweepContext(c.Meta)
	view := newSweepView(c.UI, f.json, nil)
	defer view.Close()
	r, err := openRemoteExecutor(ctx, pos[0], f.pluginDir)
	if err != nil {
		view.Diagnostic("error", "Cannot cancel the experiment's remote work", err.Error())
		return sweepExitError
	}
	defer r.close()
	if err := r.ex.Cancel(ctx, &sdk.CancelRequest{ExperimentID: r.experimentID}); err != nil {
		view.Diagnostic("error", "Cannot cancel the experiment's remote work", err.Error())
		return sweepExitError
	}
	units, err := r.units(ctx)
	if err != nil {
		view.Diagnostic("error", "Cannot read the experiment's remote work after cancelling it", err.Error())
		return sweepExitError
	}
	if _, ok := view.(*jsonView); !ok {
		c.UI.Output(fmt.Sprintf("Cancelled the remote work of experiment %s on the %s executor.", r.experimentID, r.info.Name))
	}
	renderUnits(c.Meta, view, r, units)
	return sweepExitOK
}
