package commands

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/cli"

	"github.com/bilancio-go/bilancio/config"
	"github.com/bilancio-go/bilancio/internal/conformance"
	"github.com/bilancio-go/bilancio/internal/pluginhost"
	"github.com/bilancio-go/bilancio/internal/store"
	"github.com/bilancio-go/bilancio/internal/sweep"
)

// examplesDir is the repository's examples/sweeps.
const examplesDir = "../examples/sweeps"

// sweepCmd runs `bilancio sweep NAME ARGS…` in process.
func sweepCmd(t *testing.T, name string, args ...string) (string, string, int) {
	t.Helper()
	ui := cli.NewMockUi()
	m := Meta{Ctx: context.Background(), UI: ui}
	factory, ok := Table(m)["sweep "+name]
	if !ok {
		t.Fatalf("no command sweep %s", name)
	}
	c, err := factory()
	if err != nil {
		t.Fatal(err)
	}
	code := c.Run(args)
	return ui.OutputWriter.String(), ui.ErrorWriter.String(), code
}

// examples/sweeps/dealer_comparison_100_control.hcl reproduces the recorded
// registry of ring-expel-n100: for each of its 25 rows, the same seed, S1,
// L0, phi_total, delta_total and time_to_stability. All 125 runs are
// planned; only the 25 recorded ones run.
func TestDealerComparisonExample(t *testing.T) {
	root := conformance.Require(t)
	recorded, err := conformance.Registry(root, "ring-expel-n100")
	if err != nil {
		t.Fatal(err)
	}
	key := func(k, c, mu string) string { return k + "|" + c + "|" + mu }
	want := map[string]map[string]string{}
	for _, row := range recorded {
		want[key(row["kappa"], row["concentration"], row["mu"])] = row
	}
	spec, diags := config.LoadFile(context.Background(), filepath.Join(examplesDir, "dealer_comparison_100_control.hcl"), config.Options{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	spec.OutDir = t.TempDir()
	p, err := sweep.NewPlan(spec)
	if err != nil {
		t.Fatal(err)
	}
	if p.StaticCount() != 125 {
		t.Fatalf("%d runs planned, want 125", p.StaticCount())
	}
	choice, err := pluginhost.Choose(context.Background(), spec.Executor.Name, spec.Executor.Config, "", builtinExecutors(), pluginhost.Options{})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := sweep.Run(context.Background(), spec, sweep.Options{
		Open: choice.Opener(nil),
		Select: func(pt *sweep.Point) bool {
			tx := pt.Texts()
			return want[key(tx[0], tx[1], tx[2])] != nil
		},
	})
	if err != nil || sum.Status != sweep.StatusCompleted || sum.Progress.Done != 25 {
		t.Fatalf("sweep: %v, %+v", err, sum)
	}
	rows, err := readRegistry(filepath.Join(sum.Dir, store.RegistryFile))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 25 {
		t.Fatalf("%d registry rows, want 25", len(rows))
	}
	for _, got := range rows {
		w := want[key(got["kappa"], got["concentration"], got["mu"])]
		for _, col := range []string{"seed", "S1", "L0", "phi_total", "delta_total", "time_to_stability", "Q_total"} {
			if w == nil || got[col] != w[col] {
				t.Errorf("kappa=%s c=%s mu=%s: %s = %q, recorded %q", got["kappa"], got["concentration"], got["mu"], col, got[col], w[col])
			}
		}
	}
}

// `sweep ring` without options is bilancio's `sweep ring` without options.
func TestSweepRingDefaults(t *testing.T) {
	var f sweepRingFlags
	fs := (&SweepRingCommand{}).flags(&f)
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	spec, err := f.spec()
	if err != nil {
		t.Fatal(err)
	}
	want := &sweep.Spec{
		SeedMode: sweep.SeedCounter,
		Ring: sweep.RingParams{NAgents: 5, MaturityDays: 3, QTotal: "500.0", LiquidityMode: "single_at", LiquidityAgent: "H1",
			DefaultHandling: "fail-fast", BaseSeed: 42, NamePrefix: "Kalecki Ring Sweep"},
		Grid: sweep.Grid{"kappas": []string{"0.25", "0.5", "1", "2", "4"}, "concentrations": []string{"0.2", "0.5", "1", "2", "5"},
			"mus": []string{"0", "0.25", "0.5", "0.75", "1"}, "monotonicities": []string{"0"}},
	}
	if !reflect.DeepEqual(spec, want) {
		t.Errorf("spec\n%+v\nwant\n%+v", spec, want)
	}
	// Floats go through float, lists keep their text, -lhs and -frontier
	// switch their designs on.
	fs = (&SweepRingCommand{}).flags(&f)
	if err := fs.Parse([]string{"-q-total", "10000", "-kappas", "0.50, 1e1,", "-lhs", "3", "-kappa-max", "6", "-frontier", "-grid=false"}); err != nil {
		t.Fatal(err)
	}
	spec, err = f.spec()
	if err != nil {
		t.Fatal(err)
	}
	if spec.Ring.QTotal != "10000.0" || spec.Grid != nil || spec.LHS == nil || spec.LHS.Ranges["kappa"].Max != "6.0" || spec.LHS.Count != 3 ||
		spec.Frontier == nil || spec.Frontier.KappaHigh != "4.0" || spec.Frontier.Cells["concentrations"][0] != "0.2" {
		t.Errorf("spec %+v (lhs %+v, frontier %+v)", spec, spec.LHS, spec.Frontier)
	}
}

// `sweep ring -config` reads bilancio's YAML; explicit flags override it.
func TestSweepRingConfig(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "exp")
	stdout, stderr, code := sweepCmd(t, "ring", "-config", filepath.Join(examplesDir, "ring_sweep_config.yaml"),
		"-kappas", "0.5,1", "-mus", "0", "-out-dir", dir)
	if code != 0 {
		t.Fatalf("exit code %d\n%s\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "4 of 4 runs done") {
		t.Errorf("stdout:\n%s", stdout)
	}
	rows, err := readRegistry(filepath.Join(dir, store.RegistryFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r["n_agents"] != "5" || r["maturity_days"] != "5" || r["Q_total"] != "500.0" || r["default_handling"] != "expel-agent" || r["mu"] != "0" {
			t.Errorf("row %v", r)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "sweep.yaml")); err != nil {
		t.Errorf("the YAML source is not kept: %v", err)
	}
}

// sweep run, plan, status and aggregate on an example file, in process.
func TestSweepCommands(t *testing.T) {
	out := t.TempDir()
	file := filepath.Join(examplesDir, "ring.hcl")
	stdout, stderr, code := sweepCmd(t, "validate", file, "-var", "n_agents=5")
	if code != 0 || !strings.Contains(stdout, "is valid: 12 runs") {
		t.Fatalf("validate: %d\n%s%s", code, stdout, stderr)
	}
	stdout, _, code = sweepCmd(t, "plan", file, "-var", "n_agents=5", "-out", out)
	if code != 0 || !strings.Contains(stdout, "a new experiment") || !strings.Contains(stdout, "Plan: 12 runs, 0 done, 12 to run.") {
		t.Fatalf("plan: %d\n%s", code, stdout)
	}
	stdout, stderr, code = sweepCmd(t, "run", file, "-var", "n_agents=5", "-out", out)
	if code != 0 || !strings.Contains(stdout, "Sweep ring complete: 12 of 12 runs done") {
		t.Fatalf("run: %d\n%s%s", code, stdout, stderr)
	}
	stdout, _, code = sweepCmd(t, "plan", file, "-var", "n_agents=5", "-out", out, "-json")
	if code != 0 || strings.Count(stdout, `"state":"done"`) != 12 || !strings.Contains(stdout, `"to_run":0`) {
		t.Fatalf("plan after the run: %d\n%s", code, stdout)
	}
	dir := filepath.Join(out, "ring")
	stdout, _, code = sweepCmd(t, "status", dir)
	if code != 0 || !strings.Contains(stdout, "12 runs planned: 12 done, 0 failed, 0 pending") {
		t.Fatalf("status: %d\n%s", code, stdout)
	}
	if err := os.RemoveAll(filepath.Join(dir, store.RunsDir, firstRun(t, dir))); err != nil {
		t.Fatal(err)
	}
	stdout, _, code = sweepCmd(t, "aggregate", dir)
	if code != 0 || !strings.Contains(stdout, "11 done, 0 failed, 1 pending") {
		t.Fatalf("aggregate after removing a run: %d\n%s", code, stdout)
	}
	rows, err := readRegistry(filepath.Join(dir, store.RegistryFile))
	if err != nil || len(rows) != 11 {
		t.Fatalf("registry: %d rows, %v", len(rows), err)
	}
	stdout, _, code = sweepCmd(t, "run", file, "-var", "n_agents=5", "-out", out)
	if code != 0 || !strings.Contains(stdout, "12 of 12 runs done (1 now, 11 earlier)") {
		t.Fatalf("run again: %d\n%s", code, stdout)
	}
	// Usage errors and bad files exit 1.
	if _, stderr, code := sweepCmd(t, "run"); code != 1 || !strings.Contains(stderr, "needs exactly one sweep file") {
		t.Errorf("run without a file: %d %q", code, stderr)
	}
	bad := filepath.Join(t.TempDir(), "bad.hcl")
	os.WriteFile(bad, []byte("sweep \"x\" {\n  n_agents = \"many\"\n}\n"), 0o644)
	if _, stderr, code := sweepCmd(t, "validate", bad); code != 1 || !strings.Contains(stderr, "bad.hcl:2:14") {
		t.Errorf("validate a bad file: %d %q", code, stderr)
	}
	if stdout, _, code := sweepCmd(t, "validate", "-json", bad); code != 1 || !strings.Contains(stdout, `"type":"diagnostic"`) || !strings.Contains(stdout, `"range":{"filename"`) || !strings.Contains(stdout, `"valid":false`) {
		t.Errorf("validate -json a bad file: %d %q", code, stdout)
	}
	if _, stderr, code := sweepCmd(t, "status", t.TempDir()); code != 1 || !strings.Contains(stderr, "not an experiment folder") {
		t.Errorf("status of a folder that is not an experiment: %d %q", code, stderr)
	}
}

// firstRun returns the id of the experiment's first registry row.
func firstRun(t *testing.T, dir string) string {
	rows, err := readRegistry(filepath.Join(dir, store.RegistryFile))
	if err != nil || len(rows) == 0 {
		t.Fatalf("registry: %v", err)
	}
	return rows[0]["run_id"]
}
