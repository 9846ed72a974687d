package commands

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/cli"

	"github.com/bilancio-go/bilancio/commands/core"
	"github.com/bilancio-go/bilancio/internal/conformance"
	"github.com/bilancio-go/bilancio/internal/sweep"
)

// replayLine is one command line of bilancio's documentation.
type replayLine struct {
	source, expect string
	args           []string
}

// readReplayLines reads testdata/bilancio/command_lines.txt.
func readReplayLines(t *testing.T) []replayLine {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "bilancio", "command_lines.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []replayLine
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.SplitN(line, "\t", 3)
		if len(parts) != 3 {
			t.Fatalf("bad line %q", line)
		}
		words := shellWords(parts[2])
		if len(words) < 2 || words[0] != "bilancio" {
			t.Fatalf("%s: not a bilancio command line: %q", parts[0], parts[2])
		}
		out = append(out, replayLine{source: parts[0], expect: parts[1], args: words[1:]})
	}
	return out
}

// shellWords splits a command line as a shell does, for the quoting the
// docs use ("…" and '…').
func shellWords(s string) []string {
	var words []string
	var cur strings.Builder
	in, quote := false, rune(0)
	for _, r := range s {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case r == '"' || r == '\'':
			quote, in = r, true
		case r == ' ' || r == '\t':
			if in {
				words = append(words, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteRune(r)
			in = true
		}
	}
	if in {
		words = append(words, cur.String())
	}
	return words
}

// replayScenarios are the scenario files the docs' command lines name,
// written for the replay: bilancio's own generator specs where this
// repository keeps a copy (internal/engine/testdata/generator), scenarios
// of the same shape otherwise.
func replayScenarios(t *testing.T, repo string) map[string]string {
	t.Helper()
	read := func(path string) string {
		b, err := os.ReadFile(filepath.Join(repo, path))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	ring := `version: 1
name: Ring with a bank
agents:
- {id: CB, kind: central_bank, name: Central Bank}
- {id: B1, kind: bank, name: Bank 1}
- {id: H1, kind: household, name: H1}
- {id: H2, kind: household, name: H2}
- {id: H3, kind: household, name: H3}
initial_actions:
- mint_reserves: {to: B1, amount: 100}
- mint_cash: {to: H1, amount: 40}
- create_payable: {from: H1, to: H2, amount: 40, due_day: 1}
- create_payable: {from: H2, to: H3, amount: 50, due_day: 2}
- create_payable: {from: H3, to: H1, amount: 30, due_day: 3}
run:
  show: {balances: [H1, H2]}
`
	return map[string]string{
		"examples/scenarios/simple_bank.yaml": `version: 1
name: Simple bank
agents:
- {id: CB, kind: central_bank, name: Central Bank}
- {id: B1, kind: bank, name: Bank 1}
- {id: H1, kind: household, name: H1}
- {id: H2, kind: household, name: H2}
initial_actions:
- mint_reserves: {to: B1, amount: 100}
- mint_cash: {to: H1, amount: 50}
- mint_cash: {to: H2, amount: 10}
- deposit_cash: {customer: H1, bank: B1, amount: 30}
- deposit_cash: {customer: H2, bank: B1, amount: 10}
- create_payable: {from: H1, to: H2, amount: 20, due_day: 1}
`,
		"examples/scenarios/ring.yaml":                ring,
		"my_scenario.yaml":                            ring,
		"examples/scenarios/dealer_ring.yaml":         read("examples/scenarios/kalecki_with_dealer.yaml"),
		"examples/scenarios/simple_dealer.yaml":       read("internal/engine/testdata/generator/simple_dealer.yaml"),
		"examples/scenarios/kalecki_with_dealer.yaml": read("internal/engine/testdata/generator/kalecki_with_dealer.yaml"),
	}
}

// replayExperiment lays out out/experiments/my_sweep for the analyses: the
// recorded detailed sweep's active runs when ../shared is there, else a
// comparison.csv only (the analyses then say there is nothing to analyse).
func replayExperiment(t *testing.T, dir string) {
	t.Helper()
	agg := filepath.Join(dir, "aggregate")
	if err := os.MkdirAll(agg, 0o755); err != nil {
		t.Fatal(err)
	}
	root := conformance.Root()
	if root == "" {
		os.WriteFile(filepath.Join(agg, "comparison.csv"), []byte("kappa,active_run_id\n1,balanced_active_none\n"), 0o644)
		return
	}
	if err := conformance.LayOutActiveExperiment(root, "dealer-detailed-n5", dir); err != nil {
		t.Fatal(err)
	}
}

// planSweepLine turns a sweep command line into its plan, as the command
// does before running it: the flags parsed with bilancio's spellings, the
// spec built, the executor chosen by name (-cloud: modal), the plan made.
func planSweepLine(args []string) (*sweep.Plan, error) {
	var spec *sweep.Spec
	var err error
	switch args[1] {
	case "ring":
		var f sweepRingFlags
		fs := (&SweepRingCommand{}).flags(&f)
		if _, err = core.ParseArgs(fs, args[2:]); err != nil {
			return nil, err
		}
		if spec, err = f.spec(); err == nil {
			err = f.cloudExecutor(spec)
		}
	case "balanced", "comparison":
		var f pairedFlags
		fs := (&SweepBalancedCommand{}).flags(&f)
		if args[1] == "comparison" {
			fs = (&SweepComparisonCommand{}).flags(&f)
		}
		if _, err = core.ParseArgs(fs, args[2:]); err != nil {
			return nil, err
		}
		if spec, err = f.spec(args[1]); err == nil {
			err = (&sweepRingFlags{cloud: f.cloud, cloudParallel: f.cloudParallel}).cloudExecutor(spec)
		}
	}
	if err != nil {
		return nil, err
	}
	return sweep.NewPlan(spec)
}

// TestReplayBilancioCommandLines replays the command lines of bilancio's
// README, docs and CLAUDE.md (testdata/bilancio/command_lines.txt, in
// their order, in one folder, so that the runs export the files the
// analyses read): run, validate and analyze lines and the analyses run for
// real; sweep lines are planned as their command plans them (bilancio's
// flag spellings parsed, the design built), and the docs' smallest sweep
// (20 rings of 20 agents) runs to its end.
func TestReplayBilancioCommandLines(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a dozen scenarios and a sweep (-short)")
	}
	repo, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	lines := readReplayLines(t)
	dir := t.TempDir()
	t.Chdir(dir)
	for path, text := range replayScenarios(t, repo) {
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	replayExperiment(t, filepath.Join(dir, "out", "experiments", "my_sweep"))
	executed := map[string]bool{"docs/quickstart.md:166": true}
	for _, l := range lines {
		name := l.args[0]
		rest := l.args[1:]
		if name == "sweep" {
			name, rest = "sweep "+l.args[1], l.args[2:]
		}
		t.Run(l.source+" "+strings.Join(l.args, " "), func(t *testing.T) {
			planned := strings.HasPrefix(name, "sweep ") && !executed[l.source] &&
				name != "sweep strategy-outcomes" && name != "sweep dealer-usage"
			if planned {
				p, err := planSweepLine(l.args)
				if l.expect != "ok" {
					if err == nil || !strings.Contains(err.Error(), strings.TrimPrefix(l.expect, "refused: ")) {
						t.Errorf("planned: %v, want %s", err, l.expect)
					}
					return
				}
				if err != nil {
					t.Fatalf("planning: %v", err)
				}
				if p.Runs() == 0 {
					t.Errorf("the plan has no run")
				}
				return
			}
			ui := cli.NewMockUi()
			factory, ok := Table(Meta{Ctx: context.Background(), UI: ui})[name]
			if !ok {
				t.Fatalf("no command %q", name)
			}
			cmd, _ := factory()
			code := cmd.Run(rest)
			switch {
			case l.expect == "ok" && code != 0:
				t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", code, ui.OutputWriter.String(), ui.ErrorWriter.String())
			case l.expect != "ok" && (code == 0 || !strings.Contains(ui.ErrorWriter.String(), strings.TrimPrefix(l.expect, "refused: "))):
				t.Errorf("exit %d, stderr %q; want %s", code, ui.ErrorWriter.String(), l.expect)
			}
		})
	}
	// What the lines wrote, where bilancio's documentation says they write.
	for _, f := range []string{"output.html", "out/report.html", "out/events.jsonl", "out/balances.csv", "out/events_metrics_day.csv",
		"out/metrics.csv", "out/intraday.csv", "out/analytics.html", "temp/events.jsonl", "temp/balances.csv", "out/my_sweep/aggregate/results.csv"} {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("%s was not written: %v", f, err)
		}
	}
}

// bilancio's spellings of the boolean options: --no-NAME for each of them,
// --quiet/--verbose, and the risk assessment family (refused when on).
func TestBilancioFlagSpellings(t *testing.T) {
	p, err := planSweepLine([]string{"sweep", "ring", "--no-grid", "--frontier", "--job-id", "j-1"})
	if err != nil {
		t.Fatal(err)
	}
	if s := p.Spec(); s.Grid != nil || s.Frontier == nil || s.JobID != "j-1" {
		t.Errorf("--no-grid --frontier --job-id: grid %v, frontier %v, job %q", s.Grid, s.Frontier, s.JobID)
	}
	var f pairedFlags
	fs := (&SweepBalancedCommand{}).flags(&f)
	if _, err := core.ParseArgs(fs, []string{"--no-detailed-logging", "--verbose", "--no-risk-assessment", "--risk-premium", "0.05"}); err != nil {
		t.Fatal(err)
	}
	spec, err := f.spec(sweep.KindBalanced)
	if err != nil {
		t.Fatal(err)
	}
	if spec.Paired.DetailedLogging || f.quiet.Or(true) || !f.riskAssessment.Given() || f.riskAssessment.Or(false) {
		t.Errorf("--no-detailed-logging %v, --verbose: quiet %v, --no-risk-assessment %+v", spec.Paired.DetailedLogging, f.quiet.Or(true), f.riskAssessment)
	}
	for _, args := range [][]string{{"--risk-assessment"}, {"--risk-premium", "much"}} {
		ui := cli.NewMockUi()
		code := (&SweepBalancedCommand{Meta: Meta{Ctx: context.Background(), UI: ui}}).Run(append(args, "--n-agents", "3"))
		if code == 0 || !strings.Contains(ui.ErrorWriter.String(), strings.TrimPrefix(args[0], "-")) {
			t.Errorf("%v: exit %d, %q", args, code, ui.ErrorWriter.String())
		}
	}
}
