package commands

import (
	"flag"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/bilancio-go/bilancio/commands/core"
	"github.com/bilancio-go/bilancio/internal/store"
	"github.com/bilancio-go/bilancio/internal/sweep"
)

// SweepStatusCommand is `bilancio sweep status DIR`.
type SweepStatusCommand struct {
	Meta
}

// Synopsis implements cli.Command.
func (c *SweepStatusCommand) Synopsis() string {
	return "Show an experiment's done, failed and pending runs"
}

// Help implements cli.Command.
func (c *SweepStatusCommand) Help() string {
	return `Usage: bilancio sweep status [options] DIR

  Reports the state of an experiment folder (out/experiments/<id>): how many
  runs of its sweep are done, failed and pending, whether a sweep is
  running in it now, the means of phi_total and delta_total over the done
  runs, and the failed runs with their reasons. A run counts as done while
  its manifest is there; -verify also checks every file of every done run
  against its checksum (slow on large experiments). Runs recorded done that
  do not pass are named, and counted pending: the next sweep run runs them
  again.

Options:

` + core.Usage(c.flags(new(sweepStatusFlags)))
}

type sweepStatusFlags struct {
	json, verify, remote bool
	pluginDir            string
}

func (c *SweepStatusCommand) flags(f *sweepStatusFlags) *flag.FlagSet {
	fs := core.FlagSet("sweep status")
	fs.BoolVar(&f.json, "json", false, "print one JSON object per line (docs/json-output.md)")
	fs.BoolVar(&f.verify, "verify", false, "check every done run's files against their checksums")
	fs.BoolVar(&f.remote, "remote", false, "also list the experiment's remote work units (Slurm jobs, sandboxes) from its executor")
	addPluginDirFlag(fs, &f.pluginDir)
	return fs
}

// Run implements cli.Command.
func (c *SweepStatusCommand) Run(args []string) int {
	boundedGC()
	var f sweepStatusFlags
	fs := c.flags(&f)
	pos, ok := core.ParseCommand(c.UI, fs, args, c.Help, 1, "exactly one experiment folder")
	if !ok {
		return sweepExitError
	}
	view := newSweepView(c.UI, f.json, nil)
	defer view.Close()
	if _, err := sweep.ReadPairedMeta(pos[0]); err == nil {
		// A paired sweep: its two arms' status, and its pairs.
		ps, err := sweep.ReadPairedStatus(sweepContext(c.Meta), pos[0], f.verify)
		if err != nil {
			view.Diagnostic("error", "Cannot read the experiment", err.Error())
			return sweepExitError
		}
		if _, ok := view.(*jsonView); !ok {
			c.UI.Output(fmt.Sprintf("Paired sweep %s (%s, %s): %d pairs complete in %s",
				ps.Meta.ExperimentID, ps.Meta.Kind, pos[0], ps.Pairs, filepath.Join(pos[0], filepath.FromSlash(store.ComparisonFile))))
		}
		for _, st := range ps.Arms {
			renderDamaged(view, st.Damaged, st.DamagedRuns, "sweep run runs it again")
			renderStatus(c.Meta, view, st, "status")
		}
		return sweepExitOK
	}
	st, err := store.ReadStatus(sweepContext(c.Meta), pos[0], f.verify)
	if err != nil {
		view.Diagnostic("error", "Cannot read the experiment", err.Error())
		return sweepExitError
	}
	renderDamaged(view, st.Damaged, st.DamagedRuns, "sweep run runs it again")
	renderStatus(c.Meta, view, st, "status")
	if f.remote {
		ctx := sweepContext(c.Meta)
		r, err := openRemoteExecutor(ctx, pos[0], f.pluginDir)
		if err != nil {
			view.Diagnostic("error", "Cannot read the experiment's remote work", err.Error())
			return sweepExitError
		}
		defer r.close()
		units, err := r.units(ctx)
		if err != nil {
			view.Diagnostic("error", "Cannot read the experiment's remote work", err.Error())
			return sweepExitError
		}
		renderUnits(c.Meta, view, r, units)
	}
	return sweepExitOK
}

// renderStatus prints an experiment's status, for status and aggregate.
func renderStatus(m Meta, view sweepView, st *store.Status, typ string) {
	if jv, ok := view.(*jsonView); ok {
		js := jsonStatus{
			ExperimentID: st.ExperimentID, Dir: st.Dir, Running: st.Running,
			Planned: st.Planned, Adaptive: st.Adaptive, Done: st.Done, Failed: st.Failed, Pending: st.Pending,
			OtherRuns: st.Other, MeanPhiTotal: st.PhiMean, MeanDeltaTotal: st.DeltaMean,
			RunsCleared: st.Cleared, Failures: []jsonFailure{}, Damaged: st.Damaged, Updated: st.Updated.UTC().Format(time.RFC3339),
		}
		for _, f := range st.Failures {
			js.Failures = append(js.Failures, jsonFailure{RunID: f.RunID, Attempts: f.Attempts, Error: f.Error})
		}
		jv.line(time.Now(), "info", fmt.Sprintf("%s: %d done, %d failed, %d pending", st.ExperimentID, st.Done, st.Failed, st.Pending), typ, "status", js)
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Experiment %s (%s)", st.ExperimentID, st.Dir)
	if st.Running {
		b.WriteString(", being run now")
	}
	planned := strconv.Itoa(st.Planned)
	if st.Adaptive {
		planned += "+"
	}
	fmt.Fprintf(&b, "\n  %s runs planned: %d done, %d failed, %d pending", planned, st.Done, st.Failed, st.Pending)
	if st.Damaged > 0 {
		fmt.Fprintf(&b, " (%d of them recorded done, with damaged folders)", st.Damaged)
	}
	if st.Other > 0 {
		fmt.Fprintf(&b, " (and %d runs of an earlier version of the sweep)", st.Other)
	}
	if st.DeltaMean != nil {
		fmt.Fprintf(&b, "\n  mean phi_total %s, mean delta_total %s; %d of %d done runs cleared (delta_total 0)",
			strconv.FormatFloat(*st.PhiMean, 'g', 6, 64), strconv.FormatFloat(*st.DeltaMean, 'g', 6, 64), st.Cleared, st.Done)
	}
	if !st.Updated.IsZero() {
		fmt.Fprintf(&b, "\n  last run %s", st.Updated.Local().Format("2006-01-02 15:04:05"))
	}
	for i, f := range st.Failures {
		if i == 0 {
			b.WriteString("\nFailed runs:")
		}
		fmt.Fprintf(&b, "\n  %s (%d attempts): %s", f.RunID, f.Attempts, firstLine(f.Error))
	}
	if st.Failed > len(st.Failures) {
		fmt.Fprintf(&b, "\n  … and %d more", st.Failed-len(st.Failures))
	}
	m.UI.Output(b.String())
}

// jsonStatus is the "status" object of sweep status and sweep aggregate.
type jsonStatus struct {
	ExperimentID   string        `json:"experiment_id"`
	Dir            string        `json:"dir"`
	Running        bool          `json:"running"`
	Planned        int           `json:"planned"`
	Adaptive       bool          `json:"adaptive"`
	Done           int           `json:"done"`
	Failed         int           `json:"failed"`
	Pending        int           `json:"pending"`
	OtherRuns      int           `json:"other_runs"`
	MeanPhiTotal   *float64      `json:"mean_phi_total"`
	MeanDeltaTotal *float64      `json:"mean_delta_total"`
	RunsCleared    int           `json:"runs_cleared"`
	Failures       []jsonFailure `json:"failures"`
	// Damaged counts the runs recorded done whose folders do not verify
	// (named by warnings before the status).
	Damaged int    `json:"damaged"`
	Updated string `json:"updated"`
}

// renderDamaged names the runs recorded done whose folders no longer
// verify, one warning each (then how many more), saying what happens to
// them.
func renderDamaged(view sweepView, n int, runs []store.Damage, next string) {
	for _, d := range runs {
		view.Diagnostic("warning", "Run "+d.RunID+" was done, but its folder no longer verifies; "+next, d.Reason)
	}
	if more := n - len(runs); more > 0 {
		view.Diagnostic("warning", fmt.Sprintf("%d more runs were done, but their folders no longer verify", more), "")
	}
}

// jsonFailure is a failed run in a status.
type jsonFailure struct {
	RunID    string `json:"run_id"`
	Attempts int    `json:"attempts"`
	Error    string `json:"error"`
}
