package core

import (
	"bytes"
	"cmp"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/bilancio-go/bilancio/internal/artifacts"
	"github.com/bilancio-go/bilancio/internal/atomicfile"
	"github.com/bilancio-go/bilancio/internal/console"
	"github.com/bilancio-go/bilancio/internal/dealer"
	"github.com/bilancio-go/bilancio/internal/engine"
	"github.com/bilancio-go/bilancio/internal/revision"
	"github.com/bilancio-go/bilancio/internal/ring"
	"github.com/bilancio-go/bilancio/internal/runner"
	"github.com/bilancio-go/bilancio/internal/version"
)

// RunCommand is `bilancio run SCENARIO.yaml`: it simulates one scenario and
// writes bilancio's run layout.
type RunCommand struct {
	Meta
}

// Synopsis implements Command.
func (c *RunCommand) Synopsis() string { return "Simulate one scenario and write its run folder" }

// Help implements Command.
func (c *RunCommand) Help() string {
	return `Usage: bilancio run [options] SCENARIO.yaml

  Simulates a bilancio scenario until it is stable (or max_days, or a
  fail-fast default) and writes bilancio's run layout:

    DIR/scenario.yaml   a copy of the input
    DIR/run.html        a report to open in a browser
    DIR/out/            events.jsonl, balances.csv, metrics.csv, metrics.json,
                        metrics_ds.csv, metrics_intraday.csv
    DIR/manifest.json   written last, with checksums: the run is complete

  DIR (-out) holds this run's files only: it must be absent or empty, or
  -force replaces it. The run is written beside it and takes its place once
  complete, so an interrupted or failed run leaves DIR as it was.

  A scenario with "dealer: {enabled: true}" runs bilancio's secondary-market
  dealer: its out/ also gets dealer_metrics.json and, with -detailed-logging
  (the default), trades.csv, inventory_timeseries.csv,
  system_state_timeseries.csv and repayment_events.csv, whose run_id column
  is -run-id.

Options:

` + Usage(c.flags(new(runFlags)))
}

type runFlags struct {
	out, defaultHandling, checkInvariants, html, runID, dealerEra string
	revision, exportBalances, exportEvents, show, agents, mode    string
	tAccount                                                      bool
	// maxDays and quietDays are -max-days and -quiet-days when given.
	maxDays, quietDays     *int64
	quiet, truncate, force bool
	// detailed is -detailed-logging; the revision's default when not given.
	detailed OptBool
}

func (c *RunCommand) flags(f *runFlags) *flag.FlagSet {
	fs := FlagSet("run")
	fs.StringVar(&f.out, "out", "", "run folder to write (default out/runs/<scenario file name>, replaced by each run of the scenario); a folder given here must be absent or empty unless -force")
	fs.BoolVar(&f.force, "force", false, "replace a non-empty -out folder: the new run takes its place once complete, and none of its files survive")
	fs.Func("max-days", "simulate at most `N` days (default: the scenario's run.max_days)", RuledInt(&f.maxDays, ring.CheckMaxDays))
	fs.Func("quiet-days", "stop after `N` quiet days in a row (default: the scenario's run.quiet_days)", RuledInt(&f.quietDays, ring.CheckQuietDays))
	fs.StringVar(&f.defaultHandling, "default-handling", "", "fail-fast or expel-agent (default: the scenario's run.default_handling)")
	fs.StringVar(&f.checkInvariants, "check-invariants", engine.CheckSetup, "when to check accounting invariants: setup, daily or none")
	fs.StringVar(&f.html, "html", "", "also write the HTML report to this file")
	fs.StringVar(&f.runID, "run-id", "", "run id recorded in the manifest (default: the folder name)")
	fs.StringVar(&f.exportBalances, "export-balances", "", "also write balances.csv to this path (default: the scenario's run.export.balances_csv, relative to the current folder, as bilancio does)")
	fs.StringVar(&f.exportEvents, "export-events", "", "also write events.jsonl to this path (default: the scenario's run.export.events_jsonl)")
	AddRevisionFlag(fs, &f.revision)
	fs.StringVar(&f.mode, "mode", "until-stable", "until-stable, or step (bilancio's interactive day-by-day mode: refused; -show shows every day)")
	fs.StringVar(&f.show, "show", "", "show the run day by day, as bilancio's run does: detailed (each event), summary (events counted by kind) or table (a table per phase), with the balance sheets of -agents")
	fs.StringVar(&f.agents, "agents", "", "comma-separated agents whose balance sheets -show prints (default: the scenario's run.show.balances; none: the system's trial balance)")
	fs.BoolVar(&f.tAccount, "t-account", false, "with -show: balance sheets as T-accounts (each instrument with its counterparty and due day)")
	fs.Var(&f.detailed, "detailed-logging", "dealer runs: write the detailed CSV files (trades, inventory, system state, repayments); default: the revision's (on from 2025-12)")
	fs.StringVar(&f.dealerEra, "dealer-era", "", "dealer runs: december or data (2025-11-29: no dealer_metrics.json, no December event fields); default: the revision's")
	fs.BoolVar(&f.truncate, "emulate-display-truncation", false, "dealer runs: stop where bilancio's display bug stopped runs (docs/dealer.md), to regenerate its damaged files")
	fs.BoolVar(&f.quiet, "quiet", false, "print nothing but errors")
	return fs
}

// Run implements Command.
func (c *RunCommand) Run(args []string) int {
	runner.TuneGC() // the process executes one run: a collection or two of a small heap is pure cost
	var f runFlags
	fs := c.flags(&f)
	pos, ok := ParseCommand(c.UI, fs, args, c.Help, 1, "exactly one scenario file")
	if !ok {
		return 1
	}
	path := pos[0]
	if f.out == "" {
		f.out = filepath.Join("out", "runs", strings.TrimSuffix(filepath.Base(path), filepath.Ext(path)))
	}
	if f.runID == "" {
		f.runID = filepath.Base(f.out)
	}
	switch f.defaultHandling {
	case "", engine.FailFast, engine.ExpelAgent:
	default:
		c.UI.Error(fmt.Sprintf("Error: -default-handling must be %s or %s, not %q", engine.FailFast, engine.ExpelAgent, f.defaultHandling))
		return 1
	}
	switch f.checkInvariants {
	case engine.CheckSetup, engine.CheckDaily, engine.CheckNone:
	default:
		c.UI.Error(fmt.Sprintf("Error: -check-invariants must be setup, daily or none, not %q", f.checkInvariants))
		return 1
	}
	switch f.mode {
	case "until-stable", "until_stable":
	case "step":
		c.UI.Error("Error: -mode step: not implemented: bilancio's step mode asks before each day, and its loop fails on the first day (spec/engine.md §1.5); run until stable, with -show detailed to see every day")
		return 1
	default:
		c.UI.Error(fmt.Sprintf("Error: -mode must be until-stable or step, not %q", f.mode))
		return 1
	}
	rev, err := revision.Lookup(f.revision)
	if err != nil {
		c.UI.Error("Error: -" + RevisionFlagName + ": " + err.Error())
		return 1
	}
	set := flagsSet(fs)
	if f.dealerEra == "" {
		f.dealerEra = string(rev.Dealer)
	}
	era, err := engine.ParseDealerEra(f.dealerEra)
	if err != nil {
		c.UI.Error("Error: -dealer-era: " + err.Error())
		return 1
	}
	detailed := f.detailed.Or(rev.DetailedLogging)
	display := f.show != "" || set["agents"] || set["t-account"]
	if f.show == "" {
		f.show = console.ShowDetailed
	}
	if err := console.ParseShow(f.show); err != nil {
		c.UI.Error("Error: -show " + err.Error())
		return 1
	}
	// The default folder (out/runs/<scenario>) is this command's own: a
	// second run of a scenario replaces it, as bilancio's run overwrites its
	// exports. A folder named with -out is replaced only with -force.
	if err := checkRunFolder(f.out, f.force || !set["out"]); err != nil {
		c.UI.Error("Error: " + err.Error())
		return 1
	}
	data, err := os.ReadFile(path)
	if err != nil {
		c.UI.Error(fmt.Sprintf("Error: %v", err))
		return 1
	}
	opts := engine.Options{DefaultHandling: f.defaultHandling, CheckInvariants: f.checkInvariants,
		DetailedLogging: detailed, DealerEra: era, EmulateDisplayTruncation: f.truncate}
	if f.maxDays != nil {
		opts.MaxDays = int(*f.maxDays)
	}
	if f.quietDays != nil {
		q := int(*f.quietDays)
		opts.QuietDays = &q
	}
	out, err := runner.Run(c.Ctx, runner.Request{
		ScenarioName: path, Scenario: data, OutDir: f.out, Options: opts, HTML: true,
		RunID: f.runID, Engine: version.Version(), Executor: "cli", ReplaceFolder: true,
		Load: rev.Load(), SummaryRule: rev.SummaryRule,
	})
	if err != nil {
		var le *engine.LoadError
		if errors.As(err, &le) {
			c.UI.Error("Error: " + le.Error())
		} else {
			c.UI.Error(fmt.Sprintf("Error: %v", err))
		}
		return 1
	}
	sc := out.Scenario
	if !f.quiet {
		for _, n := range sc.Notes {
			c.UI.Warn("Warning: " + n.Error())
		}
	}
	var wrote []string
	if cs := sc.Compiled; cs != nil && cs.EmitPath != "" {
		// bilancio's compiler writes the compiled scenario (compile.emit_yaml,
		// on by default) beside the spec or into compile.out_dir.
		if err := writeFileMkdir(cs.EmitPath, cs.YAML); err != nil {
			c.UI.Error(fmt.Sprintf("Error: writing the compiled scenario: %v", err))
			return 1
		}
		wrote = append(wrote, "Wrote the compiled scenario to "+cs.EmitPath+" (compile.emit_yaml)")
	}
	for _, e := range []struct{ flag, key, file, what string }{
		{f.exportBalances, sc.Run.ExportBalances, artifacts.BalancesFile, "balances"},
		{f.exportEvents, sc.Run.ExportEvents, artifacts.EventsFile, "events"},
	} {
		// bilancio's run exports to these paths, relative to the current
		// folder: the option, else the scenario's run.export key.
		dst := cmp.Or(e.flag, e.key)
		if dst == "" {
			continue
		}
		if err := copyFileMkdir(dst, filepath.Join(f.out, filepath.FromSlash(e.file))); err != nil {
			c.UI.Error(fmt.Sprintf("Error: exporting the %s: %v", e.what, err))
			return 1
		}
		wrote = append(wrote, "Exported "+e.what+" to "+dst)
	}
	if f.html != "" {
		if err := copyFileMkdir(f.html, filepath.Join(f.out, "run.html")); err != nil {
			c.UI.Error(fmt.Sprintf("Error: writing %s: %v", f.html, err))
			return 1
		}
	}
	if display && !f.quiet {
		co := console.Options{Show: f.show, TAccount: f.tAccount, Agents: sc.Run.ShowBalances}
		if f.agents != "" {
			co.Agents = nil
			for _, a := range strings.Split(f.agents, ",") {
				co.Agents = append(co.Agents, strings.TrimSpace(a))
			}
		}
		var b strings.Builder
		if err := console.Write(&b, sc, out.Result, co); err != nil {
			c.UI.Error(fmt.Sprintf("Error: %v", err))
			return 1
		}
		c.UI.Output(strings.TrimSuffix(b.String(), "\n") + "\n")
	}
	if !f.quiet {
		c.UI.Output(renderRunSummary(out, f.out))
		for _, w := range wrote {
			c.UI.Output(w)
		}
	}
	return 0
}

// writeFileMkdir writes data to path atomically, creating its folder. It
// does not wait for the disk (no fsync): what it writes are copies of a
// run's outputs (exports, the compiled scenario, -html), which the run
// folder holds and a new run regenerates, and the run folder itself is
// not synced either; a sync cost every `bilancio run` with exports a disk
// round trip per file.
func writeFileMkdir(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return atomicfile.Write(path, 0o644, false, bytes.NewReader(data))
}

// copyFileMkdir copies the file src to path as writeFileMkdir writes, the
// kernel copying the bytes where it can (copy_file_range on Linux).
func copyFileMkdir(path, src string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return atomicfile.Write(path, 0o644, false, in)
}

// renderRunSummary is the few lines `bilancio run` prints.
func renderRunSummary(out *runner.Outcome, dir string) string {
	res, m := out.Result, out.Folder.Manifest
	var stop string
	switch res.Stop {
	case engine.StopStable:
		stop = fmt.Sprintf("stable after %d quiet days", res.QuietDays)
	case engine.StopMaxDays:
		stop = fmt.Sprintf("reached max_days = %d without stabilising", res.MaxDays)
	case engine.StopDisplayTruncated:
		stop = "cut short where bilancio's display bug stopped it (-emulate-display-truncation)"
	case engine.StopDefault:
		stop = fmt.Sprintf("a fail-fast default on day %d ended the run (%s); that day's settlement was rolled back", res.DaysSimulated-1, res.StopMessage)
	case engine.StopAllDefaulted:
		stop = fmt.Sprintf("on day %d every agent but the central bank would have defaulted: the last default was rolled back and the run ended (%s)", res.DaysSimulated-1, res.StopMessage)
	default:
		stop = string(res.Stop) + ": " + res.StopMessage
	}
	defaults := fmt.Sprintf("%d (%s)", m.Defaults, res.DefaultHandling)
	switch res.Stop {
	case engine.StopDefault:
		defaults = fmt.Sprintf("1, rolled back (%s stops at the first default; no agent was expelled)", res.DefaultHandling)
	case engine.StopAllDefaulted:
		defaults = fmt.Sprintf("%d agents expelled, and the last default rolled back (%s)", m.Defaults, res.DefaultHandling)
	}
	orNone := func(s string) string {
		if s == "" {
			return "None"
		}
		return s
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", out.Scenario.Name)
	fmt.Fprintf(&b, "  days simulated  %d (days 0–%d)\n", res.DaysSimulated, res.DaysSimulated-1)
	fmt.Fprintf(&b, "  stop reason     %s\n", stop)
	fmt.Fprintf(&b, "  defaults        %s\n", defaults)
	fmt.Fprintf(&b, "  phi_total       %s\n", orNone(m.PhiTotal))
	fmt.Fprintf(&b, "  delta_total     %s\n", orNone(m.DeltaTotal))
	if d := res.Dealer; d != nil {
		sells, buys, through := 0, 0, 0
		for _, x := range d.State.Trades {
			if x.Side == dealer.Sell {
				sells++
			} else {
				buys++
			}
			if x.Passthrough {
				through++
			}
		}
		fmt.Fprintf(&b, "  dealer trades   %d (%d sells, %d buys; %d through the VBT)\n", sells+buys, sells, buys, through)
	}
	fmt.Fprintf(&b, "Wrote %s (open %s)", dir, filepath.Join(dir, "run.html"))
	return b.String()
}

// checkRunFolder refuses a run folder that already holds files unless force:
// a run folder holds one run's files and nothing else.
func checkRunFolder(dir string, force bool) error {
	st, err := os.Stat(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if !st.IsDir() {
		return fmt.Errorf("-out %s is a file, not a folder", dir)
	}
	if wd, err := os.Getwd(); err == nil {
		if abs, err := filepath.Abs(dir); err == nil {
			if rel, err := filepath.Rel(abs, wd); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
				return fmt.Errorf("-out %s holds the current folder; choose a run folder of its own", dir)
			}
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	if len(entries) == 0 || force {
		return nil
	}
	names := make([]string, 0, 3)
	for _, e := range entries[:min(3, len(entries))] {
		names = append(names, e.Name())
	}
	more := ""
	if len(entries) > 3 {
		more = fmt.Sprintf(", … (%d entries)", len(entries))
	}
	return fmt.Errorf("-out %s is not empty (%s%s): a run folder holds one run's files only; add -force to replace it with this run, or choose another -out", dir, strings.Join(names, ", "), more)
}
