package commands

import (
	"bufio"
	"flag"
	"fmt"
	"strconv"
	"time"

	"github.com/bilancio-go/bilancio/commands/core"
	"github.com/bilancio-go/bilancio/internal/sweep"
)

// SweepPlanCommand is `bilancio sweep plan FILE`.
type SweepPlanCommand struct {
	Meta
}

// Synopsis implements cli.Command.
func (c *SweepPlanCommand) Synopsis() string {
	return "Show the runs a sweep would do, and which are already done"
}

// Help implements cli.Command.
func (c *SweepPlanCommand) Help() string {
	return `Usage: bilancio sweep plan [options] FILE

  Expands a sweep file into its runs, in the order sweep run would run
  them, without running anything: each run's id, phase, seed and
  parameters, and whether it is already done (or failed) in the experiment
  folder. Frontier probes depend on earlier results: those the folder's
  results already decide are listed, the rest only counted.

  Run ids are content hashes of the generated scenarios: a run the folder
  does not know yet is generated to get its id (a few milliseconds each);
  -summary skips the listing and answers at once.

Options:

` + core.Usage(c.flags(new(sweepPlanFlags)))
}

type sweepPlanFlags struct {
	sweepLoadFlags
	out           string
	json, summary bool
}

func (c *SweepPlanCommand) flags(f *sweepPlanFlags) *flag.FlagSet {
	fs := core.FlagSet("sweep plan")
	addLoadFlags(fs, &f.sweepLoadFlags)
	fs.StringVar(&f.out, "out", "", "the experiments folder (default: the sweep's out_dir, else out/experiments)")
	fs.BoolVar(&f.json, "json", false, "print one JSON object per line (docs/json-output.md)")
	fs.BoolVar(&f.summary, "summary", false, "print the counts only, not every run")
	return fs
}

// Run implements cli.Command.
func (c *SweepPlanCommand) Run(args []string) int {
	boundedGC()
	var f sweepPlanFlags
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
	out, _ := outputWriters(c.UI)
	w := bufio.NewWriterSize(out, 1<<16)
	defer w.Flush()
	jv, isJSON := view.(*jsonView)
	if isJSON {
		jv.w = w
	}
	listed := false
	l, err := sweep.ListPlan(ctx, spec, f.out, !f.summary, func(s sweep.PlanSummary) error {
		if isJSON {
			jv.line(time.Now(), "info", "Plan of sweep "+s.ExperimentID, "plan_started", "plan", jsonPlanStart{
				ExperimentID: s.ExperimentID, Dir: s.Dir, Exists: s.Exists, Grid: s.Grid, LHS: s.LHS,
				FrontierCells: s.FrontierCells, MaxFrontierProbes: s.MaxFrontierProbes, SeedMode: s.SeedMode,
			})
			return nil
		}
		state := "a new experiment"
		if s.Exists {
			state = "an existing experiment"
		}
		fmt.Fprintf(w, "Sweep %s → %s (%s)\n", s.ExperimentID, s.Dir, state)
		fmt.Fprintf(w, "  grid %d runs, lhs %d runs", s.Grid, s.LHS)
		if s.FrontierCells > 0 {
			fmt.Fprintf(w, ", frontier search over %d cells (at most %d runs, decided as results come)", s.FrontierCells, s.MaxFrontierProbes)
		}
		fmt.Fprintf(w, "; seeds: %s\n", s.SeedMode)
		return nil
	}, unlessSummary(f.summary, func(e sweep.PlanEntry) error {
		state := "to run"
		switch {
		case e.Done:
			state = "done"
		case e.Failed:
			state = "failed"
		}
		tx := e.Texts()
		if isJSON {
			jv.line(time.Now(), "info", e.ID+": "+state, "planned_run", "run", jsonPlannedRun{
				ID: e.ID, Index: e.Index, Phase: e.Phase, Label: e.Label, Seed: e.Seed,
				Kappa: tx[0], Concentration: tx[1], Mu: tx[2], Monotonicity: tx[3], State: state,
			})
			return nil
		}
		if !listed {
			fmt.Fprintf(w, "\n%-6s %-24s %-9s %-6s %-10s %-10s %-10s %-6s %s\n", "INDEX", "RUN", "PHASE", "SEED", "KAPPA", "C", "MU", "MONO", "STATE")
			listed = true
		}
		id := e.ID
		if id == "" {
			id = "-"
		}
		phase := e.Phase
		if e.Label != "" {
			phase += "/" + e.Label
		}
		fmt.Fprintf(w, "%-6d %-24s %-9s %-6s %-10s %-10s %-10s %-6s %s\n", e.Index, id, phase, strconv.FormatInt(e.Seed, 10), tx[0], tx[1], tx[2], tx[3], state)
		return nil
	}))
	if err != nil {
		w.Flush()
		if ctx.Err() != nil {
			listed := 0
			if l != nil {
				listed = l.Runs
			}
			view.Diagnostic("error", "Interrupted", "the listing stopped after "+strconv.Itoa(listed)+" runs")
			return sweepExitInterrupted
		}
		view.Diagnostic("error", "The sweep cannot be planned", err.Error())
		return sweepExitError
	}
	toRun := l.Runs - l.Done
	if isJSON {
		jv.line(time.Now(), "info", fmt.Sprintf("Plan: %d runs, %d done, %d to run", l.Runs, l.Done, toRun), "plan_summary", "plan", jsonPlanSummary{
			Runs: l.Runs, Done: l.Done, Failed: l.Failed, ToRun: toRun,
			FrontierCells: l.FrontierCells, MaxFrontierProbes: l.MaxFrontierProbes,
		})
		return sweepExitOK
	}
	fmt.Fprintf(w, "\nPlan: %d runs, %d done, %d to run", l.Runs, l.Done, toRun)
	if l.Failed > 0 {
		fmt.Fprintf(w, " (%d of them failed before)", l.Failed)
	}
	if l.FrontierCells > 0 {
		fmt.Fprintf(w, ", and the frontier's remaining probes")
	}
	fmt.Fprintln(w, ".")
	return sweepExitOK
}

// jsonPlanStart is plan_started's "plan" object.
type jsonPlanStart struct {
	ExperimentID      string `json:"experiment_id"`
	Dir               string `json:"dir"`
	Exists            bool   `json:"exists"`
	Grid              int    `json:"grid"`
	LHS               int    `json:"lhs"`
	FrontierCells     int    `json:"frontier_cells"`
	MaxFrontierProbes int    `json:"max_frontier_probes"`
	SeedMode          string `json:"seed_mode"`
}

// jsonPlannedRun is planned_run's "run" object.
type jsonPlannedRun struct {
	ID            string `json:"id"`
	Index         int    `json:"index"`
	Phase         string `json:"phase"`
	Label         string `json:"label"`
	Seed          int64  `json:"seed"`
	Kappa         string `json:"kappa"`
	Concentration string `json:"concentration"`
	Mu            string `json:"mu"`
	Monotonicity  string `json:"monotonicity"`
	State         string `json:"state"`
}

// jsonPlanSummary is plan_summary's "plan" object.
type jsonPlanSummary struct {
	Runs              int `json:"runs"`
	Done              int `json:"done"`
	Failed            int `json:"failed"`
	ToRun             int `json:"to_run"`
	FrontierCells     int `json:"frontier_cells"`
	MaxFrontierProbes int `json:"max_frontier_probes"`
}

// unlessSummary is list, or nil with -summary: then the plan is only
// counted, and a sweep never run is not expanded at all.
func unlessSummary(summary bool, list func(sweep.PlanEntry) error) func(sweep.PlanEntry) error {
	if summary {
		return nil
	}
	return list
}
