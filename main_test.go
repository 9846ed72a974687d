package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bilancio-go/bilancio/internal/artifacts"
	"github.com/bilancio-go/bilancio/internal/conformance"
	"github.com/bilancio-go/bilancio/internal/version"
	"github.com/bilancio-go/bilancio/sdk/runfolder"
)

// bilancioBin is the binary under test, built once by TestMain.
var bilancioBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "bilancio-e2e-")
	if err != nil {
		panic(err)
	}
	// bilancio and the sibling it hands sweeps over to (bilancio-sweep).
	bilancioBin = filepath.Join(dir, "bilancio")
	if out, err := exec.Command("go", "build", "-o", dir+string(filepath.Separator), ".", "./cmd/bilancio-sweep").CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		panic("building bilancio: " + err.Error() + "\n" + string(out))
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// bilancio runs the binary and returns its stdout, stderr and exit code. It
// runs in a folder of its own, so that what a run writes relative to the
// current folder (a scenario's run.export paths, as bilancio writes them)
// stays out of the repository; arguments naming files of the repository are
// made absolute.
func bilancio(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	args = slices.Clone(args)
	for i, a := range args {
		if strings.Contains(a, "/") && !filepath.IsAbs(a) && !strings.HasPrefix(a, "-") {
			if _, err := os.Stat(filepath.Join(wd, a)); err == nil {
				args[i] = filepath.Join(wd, a)
			}
		}
	}
	cmd := exec.Command(bilancioBin, args...)
	cmd.Dir = t.TempDir()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	code := 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return stdout.String(), stderr.String(), code
}

// Each malformed scenario is refused with exit code 1, an error naming the
// file, line (and column) and the problem, and no run folder.
func TestRunRejectsBadScenarios(t *testing.T) {
	tests := []struct{ file, want string }{
		{"unknown_agent.yaml", `unknown_agent.yaml:8:21: initial_actions[0].mint_cash.to: unknown agent "H9"`},
		{"missing_central_bank.yaml", `missing_central_bank.yaml:7:5: initial_actions[0].mint_cash: mint_cash needs a central_bank agent`},
		{"negative_amount.yaml", `negative_amount.yaml:8:33: initial_actions[0].mint_cash.amount: amount must be > 0, got -5`},
		{"zero_amount.yaml", `zero_amount.yaml:8:48: initial_actions[0].create_payable.amount: amount must be > 0, got 0`},
		{"duplicate_alias.yaml", `duplicate_alias.yaml:9:43: initial_actions[1].mint_cash.alias: duplicate alias "A"`},
		{"duplicate_id.yaml", `duplicate_id.yaml:6:10: agents[2].id: duplicate agent id "H1" (first defined at line 5)`},
		{"unknown_action.yaml", `unknown_action.yaml:8:5: initial_actions[0]: unknown action`},
		{"unknown_method.yaml", `unknown_method.yaml:11:23: policy_overrides.mop_rank.household[1]: unknown payment method "gold"`},
		{"malformed_yaml.yaml", `malformed_yaml.yaml:3: invalid YAML`},
		{"wrong_type.yaml", `wrong_type.yaml:8:60: initial_actions[0].create_payable.due_day: expected an integer, got "soon"`},
		{"agents_not_a_list.yaml", `agents_not_a_list.yaml:3:9: agents: expected a list, got a mapping`},
		{"no_such_file.yaml", `no_such_file.yaml: no such file or directory`},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "run")
			stdout, stderr, code := bilancio(t, "run", filepath.Join("testdata", "scenarios", "bad", tt.file), "-out", out)
			if code != 1 {
				t.Errorf("exit code %d, want 1", code)
			}
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr %q does not contain %q", stderr, tt.want)
			}
			if stdout != "" {
				t.Errorf("stdout %q, want nothing", stdout)
			}
			if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("run folder %s exists after a refused scenario", out)
			}
		})
	}
}

// A good run writes bilancio's layout and a manifest that verifies; running
// again gives byte-identical files; a bad scenario aimed at the same folder
// leaves the previous complete run untouched.
func TestRunWritesRunFolder(t *testing.T) {
	dir := t.TempDir()
	out, html := filepath.Join(dir, "demo"), filepath.Join(dir, "copy.html")
	stdout, stderr, code := bilancio(t, "run", "examples/scenarios/kalecki_ring.yaml", "-out", out, "-html", html)
	if code != 0 {
		t.Fatalf("exit code %d: %s", code, stderr)
	}
	for _, want := range []string{"days simulated  8", "stop reason     stable", "defaults        1 (expel-agent)", "phi_total       0.7466666666666666666666666667", "delta_total     0.2533333333333333333333333333"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, stdout)
		}
	}
	f, err := runfolder.Verify(out)
	if err != nil {
		t.Fatal(err)
	}
	m := f.Manifest
	names := map[string]bool{}
	for _, f := range m.Files {
		names[f.Name] = true
	}
	for _, f := range []string{"scenario.yaml", "run.html", "out/events.jsonl", "out/balances.csv", "out/metrics.csv", "out/metrics.json", "out/metrics_ds.csv", "out/metrics_intraday.csv"} {
		if !names[f] {
			t.Errorf("manifest lacks %s", f)
		}
	}
	if a, _ := os.ReadFile(html); !bytes.Contains(a, []byte("Kalecki ring (5 households)")) {
		t.Errorf("-html copy missing or wrong")
	}

	again := filepath.Join(dir, "again")
	if _, stderr, code := bilancio(t, "run", "examples/scenarios/kalecki_ring.yaml", "-out", again, "-quiet"); code != 0 {
		t.Fatalf("second run: exit %d: %s", code, stderr)
	}
	for _, f := range []string{"out/events.jsonl", "out/balances.csv", "out/metrics.json", "run.html"} {
		a, _ := os.ReadFile(filepath.Join(out, f))
		b, _ := os.ReadFile(filepath.Join(again, f))
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between two runs of the same scenario", f)
		}
	}

	if _, _, code := bilancio(t, "run", "testdata/scenarios/bad/unknown_agent.yaml", "-out", out); code != 1 {
		t.Errorf("bad scenario into an existing folder: exit %d, want 1", code)
	}
	if _, err := runfolder.Verify(out); err != nil {
		t.Errorf("the previous run no longer verifies: %v", err)
	}
}

// A dealer scenario writes the dealer's files, with -run-id in the detailed
// CSVs; -dealer-era data reproduces bilancio of 2025-11-29 (no
// dealer_metrics.json, no December event fields); -detailed-logging=false
// keeps only dealer_metrics.json.
func TestRunDealerScenario(t *testing.T) {
	dir := t.TempDir()
	const scenario = "examples/scenarios/kalecki_with_dealer.yaml"
	out := filepath.Join(dir, "dealer")
	stdout, stderr, code := bilancio(t, "run", scenario, "-out", out, "-run-id", "demo")
	if code != 0 {
		t.Fatalf("exit code %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "dealer trades   11 (11 sells, 0 buys; 0 through the VBT)") {
		t.Errorf("summary lacks the dealer trades:\n%s", stdout)
	}
	f, err := runfolder.Verify(out)
	if err != nil {
		t.Fatal(err)
	}
	m := f.Manifest
	names := map[string]bool{}
	for _, f := range m.Files {
		names[f.Name] = true
	}
	for _, f := range []string{artifacts.DealerMetricsFile, artifacts.TradesFile, artifacts.InventoryFile, artifacts.SystemStateFile, artifacts.RepaymentEventsFile} {
		if !names[f] {
			t.Errorf("manifest lacks %s", f)
		}
	}
	trades, _ := os.ReadFile(filepath.Join(out, filepath.FromSlash(artifacts.TradesFile)))
	lines := strings.Split(strings.TrimSpace(string(trades)), "\r\n")
	if len(lines) != 12 || !strings.HasPrefix(lines[1], "demo,active,0,") {
		t.Errorf("trades.csv: %d lines, first row %q", len(lines), lines[min(1, len(lines)-1)])
	}
	events, _ := os.ReadFile(filepath.Join(out, "out", "events.jsonl"))
	if n := bytes.Count(events, []byte(`"kind": "dealer_trade"`)); n != 11 {
		t.Errorf("%d dealer_trade events, want 11", n)
	}
	if !bytes.Contains(events, []byte(`"is_liquidity_driven": false}`)) {
		t.Errorf("December-era sells lack is_liquidity_driven")
	}

	data := filepath.Join(dir, "data-era")
	if _, stderr, code := bilancio(t, "run", scenario, "-out", data, "-dealer-era", "data", "-quiet"); code != 0 {
		t.Fatalf("-dealer-era data: exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(data, "out", "dealer_metrics.json")); !os.IsNotExist(err) {
		t.Errorf("data era wrote dealer_metrics.json (%v)", err)
	}
	dataEvents, _ := os.ReadFile(filepath.Join(data, "out", "events.jsonl"))
	if bytes.Contains(dataEvents, []byte("is_liquidity_driven")) || bytes.Count(dataEvents, []byte(`"kind": "dealer_trade"`)) != 11 {
		t.Errorf("data-era events differ from the December era in more than the instrumentation")
	}

	brief := filepath.Join(dir, "brief")
	if _, stderr, code := bilancio(t, "run", scenario, "-out", brief, "-detailed-logging=false", "-quiet"); code != 0 {
		t.Fatalf("-detailed-logging=false: exit %d: %s", code, stderr)
	}
	for f, want := range map[string]bool{"dealer_metrics.json": true, "trades.csv": false, "inventory_timeseries.csv": false} {
		if _, err := os.Stat(filepath.Join(brief, "out", f)); (err == nil) != want {
			t.Errorf("-detailed-logging=false: %s present = %v, want %v", f, err == nil, want)
		}
	}
	if _, stderr, code := bilancio(t, "run", scenario, "-out", filepath.Join(dir, "x"), "-dealer-era", "2024"); code != 1 || !strings.Contains(stderr, "dealer era") {
		t.Errorf("-dealer-era 2024: exit %d, %q", code, stderr)
	}
}

// `bilancio run SCENARIO -out DIR -run-id ID` reproduces every file of a
// recorded detailed dealer run, the run id in the CSVs included.
func TestRunRecordedDealerRun(t *testing.T) {
	root := conformance.Require(t)
	runs, err := conformance.Runs(root, "dealer-detailed-n5")
	if err != nil || len(runs) == 0 {
		t.Fatalf("recorded runs: %v", err)
	}
	run := runs[0]
	out := filepath.Join(t.TempDir(), run.ID)
	if _, stderr, code := bilancio(t, "run", run.File("scenario.yaml"), "-out", out, "-run-id", run.ID, "-quiet"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	compared := 0
	for _, name := range []string{"events.jsonl", "balances.csv", "trades.csv", "inventory_timeseries.csv", "system_state_timeseries.csv", "repayment_events.csv"} {
		want, err := os.ReadFile(run.File(filepath.Join("out", name)))
		if err != nil {
			continue // bilancio did not write it for this run
		}
		got, err := os.ReadFile(filepath.Join(out, "out", name))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if err := conformance.Events(got, want); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		compared++
	}
	if compared < 5 {
		t.Errorf("only %d files compared", compared)
	}
}

func TestRunFlagErrors(t *testing.T) {
	for _, args := range [][]string{
		{"run"},
		{"run", "examples/scenarios/kalecki_ring.yaml", "-default-handling", "maybe"},
		{"run", "examples/scenarios/kalecki_ring.yaml", "-check-invariants", "weekly"},
		{"run", "examples/scenarios/kalecki_ring.yaml", "-no-such-flag"},
	} {
		_, stderr, code := bilancio(t, args...)
		if code != 1 || !strings.Contains(stderr, "Error:") {
			t.Errorf("%v: exit %d, stderr %q; want exit 1 and an error", args, code, stderr)
		}
	}
}

func TestVersion(t *testing.T) {
	stdout, _, code := bilancio(t, "version")
	if code != 0 || !strings.HasPrefix(stdout, "bilancio v") {
		t.Errorf("version: exit %d, %q", code, stdout)
	}
}

// A missing or unknown command is a usage error: the usage (or the group's
// subcommands) on stderr, an "unknown command" line naming what was typed,
// and exit code 1 (hashicorp/cli's 127 reads as "command not found" to a
// shell). `bilancio help COMMAND` is that command's help.
func TestUnknownCommands(t *testing.T) {
	tests := []struct {
		args           []string
		code           int
		stderr, stdout string
	}{
		{nil, 1, "Available commands are:", ""},
		{[]string{"help"}, 1, "Available commands are:", ""},
		{[]string{"frobnicate"}, 1, `unknown command "frobnicate"`, ""},
		{[]string{"sweep", "frob"}, 1, `unknown command "sweep frob"`, ""},
		{[]string{"plugins", "frob"}, 1, `unknown command "plugins frob"`, ""},
		{[]string{"sweep"}, 1, "Usage: bilancio sweep", ""},
		{[]string{"help", "run"}, 0, "", "Usage: bilancio run"},
		{[]string{"-help"}, 0, "", "Available commands are:"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(append([]string{"bilancio"}, tt.args...), " "), func(t *testing.T) {
			stdout, stderr, code := bilancio(t, tt.args...)
			if code != tt.code {
				t.Errorf("exit code %d, want %d", code, tt.code)
			}
			if !strings.Contains(stderr, tt.stderr) {
				t.Errorf("stderr %q does not contain %q", stderr, tt.stderr)
			}
			if !strings.Contains(stdout, tt.stdout) {
				t.Errorf("stdout %q does not contain %q", stdout, tt.stdout)
			}
		})
	}
}

// bilancio hands the commands of sweeps over to bilancio-sweep beside it:
// its help lists them all, the hand-over keeps the exit code, and without
// bilancio-sweep they fail saying how to build it (the single-run commands
// still work).
func TestHandOver(t *testing.T) {
	stdout, _, code := bilancio(t, "-help")
	for _, name := range []string{"run", "report", "validate", "analyze", "ring", "version", "sweep", "plugins", "volume", "usage", "worker"} {
		if !strings.Contains(stdout, "\n    "+name+" ") {
			t.Errorf("bilancio -help (exit %d) does not list %s:\n%s", code, name, stdout)
		}
	}
	if _, stderr, code := bilancio(t, "sweep", "status", filepath.Join(t.TempDir(), "none")); code != 1 || !strings.Contains(stderr, "none") {
		t.Errorf("sweep status of a missing folder: exit %d, %q", code, stderr)
	}

	alone := filepath.Join(t.TempDir(), "bilancio")
	data, err := os.ReadFile(bilancioBin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(alone, data, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"sweep", "status", "x"}, {"worker", "-manifest", "m.json"}, {"help", "plugins"}} {
		cmd := exec.Command(alone, args...)
		cmd.Env = append(os.Environ(), "PATH="+t.TempDir())
		out, _ := cmd.CombinedOutput()
		if cmd.ProcessState.ExitCode() != 1 || !strings.Contains(string(out), "bilancio-sweep is neither beside bilancio") ||
			!strings.Contains(string(out), "make build") {
			t.Errorf("%v without bilancio-sweep: exit %d, %q", args, cmd.ProcessState.ExitCode(), out)
		}
	}
	if out, err := exec.Command(alone, "version").CombinedOutput(); err != nil || !strings.HasPrefix(string(out), "bilancio v") {
		t.Errorf("version without bilancio-sweep: %v, %q", err, out)
	}
}

// `bilancio run` copies files of the run folder where it is asked to:
// the exports (-export-events, -export-balances, as a scenario's
// run.export does) and -html, byte for byte, into folders it creates.
func TestRunCopies(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "run")
	copies := map[string]string{
		filepath.Join(dir, "e", "events.jsonl"):   filepath.Join(out, "out", "events.jsonl"),
		filepath.Join(dir, "b", "balances.csv"):   filepath.Join(out, "out", "balances.csv"),
		filepath.Join(dir, "h", "i", "page.html"): filepath.Join(out, "run.html"),
	}
	_, stderr, code := bilancio(t, "run", "examples/scenarios/kalecki_ring.yaml", "-out", out, "-quiet",
		"-export-events", filepath.Join(dir, "e", "events.jsonl"), "-export-balances", filepath.Join(dir, "b", "balances.csv"),
		"-html", filepath.Join(dir, "h", "i", "page.html"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for copied, original := range copies {
		got, err := os.ReadFile(copied)
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(original)
		if err != nil {
			t.Fatal(err)
		}
		if len(want) == 0 || !bytes.Equal(got, want) {
			t.Errorf("%s (%d bytes) is not a copy of %s (%d bytes)", copied, len(got), original, len(want))
		}
	}
}

// `bilancio run -out DIR` writes a folder with this run's files only: a
// non-empty folder is refused (and left as it was) unless -force, which
// replaces it as a whole, so no file of the old run survives. The manifest
// names the scenario.
func TestRunOutFolder(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "run")
	if _, stderr, code := bilancio(t, "run", "examples/scenarios/kalecki_with_dealer.yaml", "-out", out, "-quiet"); code != 0 {
		t.Fatalf("dealer run: exit %d: %s", code, stderr)
	}
	trades := filepath.Join(out, filepath.FromSlash(artifacts.TradesFile))
	if _, err := os.Stat(trades); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := bilancio(t, "run", "examples/scenarios/kalecki_ring.yaml", "-out", out)
	if code != 1 || !strings.Contains(stderr, "is not empty") || !strings.Contains(stderr, "-force") {
		t.Errorf("run into a used folder: exit %d, stderr %q", code, stderr)
	}
	if _, err := runfolder.Verify(out); err != nil {
		t.Errorf("the refused run damaged the folder: %v", err)
	}
	if _, stderr, code := bilancio(t, "run", "examples/scenarios/kalecki_ring.yaml", "-out", out, "-force", "-quiet"); code != 0 {
		t.Fatalf("-force: exit %d: %s", code, stderr)
	}
	f, err := runfolder.Verify(out)
	if err != nil {
		t.Fatal(err)
	}
	m := f.Manifest
	if _, err := os.Stat(trades); !os.IsNotExist(err) {
		t.Errorf("the old run's %s survived -force (%v)", artifacts.TradesFile, err)
	}
	var files []string
	filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(out, p)
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	if len(files) != len(m.Files)+1 {
		t.Errorf("the folder holds %v, the manifest lists %d files", files, len(m.Files))
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("leftovers beside the run folder: %v", entries)
	}
	if m.Scenario != "Kalecki ring (5 households)" {
		t.Errorf("manifest scenario_name %q", m.Scenario)
	}
	if _, stderr, code := bilancio(t, "run", "examples/scenarios/kalecki_ring.yaml", "-out", "."); code != 1 || !strings.Contains(stderr, "current folder") {
		t.Errorf("-out . : exit %d, %q", code, stderr)
	}
}

// The summary of a run that a fail-fast default ended says so, with the
// day and bilancio's message, instead of "0 defaults".
func TestRunSummaryStopReason(t *testing.T) {
	dir := t.TempDir()
	scenario := filepath.Join(dir, "ff.yaml")
	os.WriteFile(scenario, []byte(`version: 1
name: fail-fast demo
agents:
  - {id: CB, kind: central_bank, name: Central Bank}
  - {id: H1, kind: household, name: One}
  - {id: H2, kind: household, name: Two}
initial_actions:
  - mint_cash: {to: H1, amount: 5}
  - create_payable: {from: H1, to: H2, amount: 10, due_day: 1}
`), 0o644)
	stdout, stderr, code := bilancio(t, "run", scenario, "-out", filepath.Join(dir, "run"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		"stop reason     a fail-fast default on day 1 ended the run (Insufficient funds to settle payable PAY_",
		": 5 still owed); that day's settlement was rolled back",
		"defaults        1, rolled back (fail-fast stops at the first default; no agent was expelled)",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, stdout)
		}
	}
}

// TestVersionStamped: a bilancio built as the Makefile builds it (the
// commit stamped into internal/version) reports one version everywhere:
// `bilancio version`, and the engine of the manifests it writes.
func TestVersionStamped(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "bilancio")
	ldflags := "-X github.com/bilancio-go/bilancio/internal/version.commit=0123456789ab"
	if out, err := exec.Command("go", "build", "-ldflags", ldflags, "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("building bilancio: %v\n%s", err, out)
	}
	want := version.Base() + "-dev+0123456789ab"
	out, err := exec.Command(bin, "version", "-short").Output()
	if err != nil || strings.TrimSpace(string(out)) != want {
		t.Fatalf("version -short = %q, %v; want %s", out, err, want)
	}
	out, err = exec.Command(bin, "version").Output()
	if err != nil || !strings.Contains(string(out), "bilancio v"+want+" (commit 0123456789ab,") {
		t.Errorf("version = %q, %v", out, err)
	}
	dir := filepath.Join(t.TempDir(), "run")
	if out, err := exec.Command(bin, "run", "examples/scenarios/kalecki_ring.yaml", "-out", dir, "-quiet").CombinedOutput(); err != nil {
		t.Fatalf("run: %v\n%s", err, out)
	}
	f, err := runfolder.Verify(dir)
	if err != nil {
		t.Fatal(err)
	}
	if f.Manifest.Engine != want {
		t.Errorf("the manifest's engine is %q, want %s", f.Manifest.Engine, want)
	}
}

// `bilancio validate` checks a scenario without running it: a generator spec
// (bilancio's examples/scenarios/simple_dealer.yaml) is compiled, its
// compiled scenario written beside it as bilancio writes it, and its dropped
// dealer block noted; a scenario bilancio would run differently is refused
// with its position.
func TestValidateCommand(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "simple_dealer.yaml")
	data, err := os.ReadFile("internal/engine/testdata/generator/simple_dealer.yaml")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(spec, data, 0o644)
	stdout, stderr, code := bilancio(t, "validate", spec)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"OK Configuration syntax is valid", "Name: Simple Dealer Demo (n=3, kappa=0.5, c=1, mu=0)",
		"Agents: 4", "Initial actions: 6", "OK System invariants pass", "Configuration is valid!", "• H3 (household): Agent 3"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	if !strings.Contains(stderr, "simple_dealer.yaml:19:1: dealer: dropped") {
		t.Errorf("no note on the dropped dealer block: %q", stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "simple_dealer_demo_n_3_kappa_0_5_c_1_mu_0.yaml")); err != nil {
		t.Errorf("the compiled scenario was not written beside the spec: %v", err)
	}
	bad := filepath.Join(dir, "rollover.yaml")
	os.WriteFile(bad, []byte("version: 1\nname: r\nagents:\n- {id: CB, kind: central_bank, name: CB}\nrun: {rollover_enabled: true}\n"), 0o644)
	_, stderr, code = bilancio(t, "validate", bad)
	if code != 1 || !strings.Contains(stderr, "rollover.yaml:5:25: run.rollover_enabled: not implemented") {
		t.Errorf("rollover: exit %d, %q", code, stderr)
	}
}

// `bilancio analyze` recomputes a recorded run's metric files from its
// events and balances, equal to the files bilancio wrote.
func TestAnalyzeCommand(t *testing.T) {
	root := conformance.Require(t)
	run := filepath.Join(root, "ring-expel-n100", "runs", "comparison_control_00b2d850311d", "out")
	dir := t.TempDir()
	stdout, stderr, code := bilancio(t, "analyze", "-events", filepath.Join(run, "events.jsonl"), "-balances", filepath.Join(run, "balances.csv"),
		"-out-csv", filepath.Join(dir, "metrics.csv"), "-out-json", filepath.Join(dir, "metrics.json"), "-intraday-csv", filepath.Join(dir, "metrics_intraday.csv"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "OK Wrote debtor shares CSV: "+filepath.Join(dir, "metrics_ds.csv")) {
		t.Errorf("output:\n%s", stdout)
	}
	for _, c := range []struct {
		name    string
		compare func(got, want []byte) error
	}{{"metrics.csv", conformance.Exact}, {"metrics_intraday.csv", conformance.Exact}, {"metrics.json", conformance.MetricsJSON}, {"metrics_ds.csv", conformance.LineSet}} {
		got, _ := os.ReadFile(filepath.Join(dir, c.name))
		want, _ := os.ReadFile(filepath.Join(run, c.name))
		if err := c.compare(got, want); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	_, stderr, code = bilancio(t, "analyze", "-balances", "x.csv")
	if code != 1 || !strings.Contains(stderr, "-events is required") {
		t.Errorf("without -events: exit %d, %q", code, stderr)
	}
}

// `bilancio sweep strategy-outcomes` and `sweep dealer-usage` on the
// recorded active runs of detailed_instrumentation_sweep (the rows are
// compared with bilancio's in internal/analysis).
func TestSweepAnalysisCommands(t *testing.T) {
	set := conformance.Require(t, "dealer-detailed-n5")
	dir := t.TempDir()
	if err := conformance.LayOutActiveExperiment(filepath.Dir(set), "dealer-detailed-n5", dir); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code := bilancio(t, "sweep", "strategy-outcomes", "--experiment", dir)
	if code != 0 || !strings.Contains(stdout, "OK Strategy outcomes by run: "+filepath.Join(dir, "aggregate", "strategy_outcomes_by_run.csv")) ||
		!strings.Contains(stdout, "OK Strategy outcomes overall: ") {
		t.Errorf("strategy-outcomes: exit %d, %q, %q", code, stdout, stderr)
	}
	stdout, stderr, code = bilancio(t, "sweep", "dealer-usage", "-experiment", dir, "-v")
	if code != 0 || !strings.Contains(stdout, "OK Dealer usage summary: "+filepath.Join(dir, "aggregate", "dealer_usage_by_run.csv")) {
		t.Errorf("dealer-usage: exit %d, %q, %q", code, stdout, stderr)
	}
	empty := t.TempDir()
	_, stderr, code = bilancio(t, "sweep", "dealer-usage", "-experiment", empty)
	if code != 1 || !strings.Contains(stderr, "comparison.csv not found") {
		t.Errorf("no comparison.csv: exit %d, %q", code, stderr)
	}
}

// `bilancio run -show …` prints the run day by day, with the balance
// sheets of -agents (or run.show.balances) as tables or T-accounts.
func TestRunShow(t *testing.T) {
	dir := t.TempDir()
	stdout, stderr, code := bilancio(t, "run", "examples/scenarios/kalecki_ring.yaml", "-out", filepath.Join(dir, "a"), "--show", "detailed", "--agents", "H1,H3", "--t-account")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"\nDay 0 (After Setup)\n", "  Cash Minted: 100\n      To: H1\n", "\nDay 1\n", "  H3 (household) — Household 3\n",
		"    Assets ", "Liabilities", "stop reason     stable"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("-show detailed lacks %q:\n%s", want, stdout)
		}
	}
	stdout, _, code = bilancio(t, "run", "examples/scenarios/kalecki_ring.yaml", "-out", filepath.Join(dir, "b"), "-show", "summary")
	if code != 0 || !strings.Contains(stdout, "  • PayableSettled: 1\n") {
		t.Errorf("-show summary: exit %d:\n%s", code, stdout)
	}
	if _, stderr, code := bilancio(t, "run", "examples/scenarios/kalecki_ring.yaml", "-out", filepath.Join(dir, "c"), "-show", "all"); code != 1 || !strings.Contains(stderr, "-show must be detailed, summary or table") {
		t.Errorf("-show all: exit %d, %q", code, stderr)
	}
}
