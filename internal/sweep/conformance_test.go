package sweep

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/bilancio-go/bilancio/internal/artifacts"
	"github.com/bilancio-go/bilancio/internal/conformance"
	"github.com/bilancio-go/bilancio/internal/store"
)

// dealerControlSpec is the sweep of bilancio's dealer_comparison_100 control
// arm: the recorded ring-expel-n100 set holds 25 of its 125 runs.
func dealerControlSpec(dir string) *Spec {
	return &Spec{
		Name:          "dealer_comparison_100_control",
		ExperimentDir: dir,
		Ring: RingParams{
			NAgents: 100, MaturityDays: 10, QTotal: "10000.0", LiquidityMode: "uniform",
			DefaultHandling: "expel-agent", BaseSeed: 42, NamePrefix: "Dealer Comparison (Control)",
		},
		Grid: Grid{
			"kappas":         []string{"0.25", "0.5", "1", "2", "4"},
			"concentrations": []string{"0.2", "0.5", "1", "2", "5"},
			"mus":            []string{"0", "0.25", "0.5", "0.75", "1"},
			"monotonicities": []string{"0"},
		},
	}
}

// readCSV reads a CSV file with a header into rows.
func readCSV(t testing.TB, path string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := artifacts.ReadCSVDicts(f)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// The grid sweep of ring-expel-n100's parameters reproduces, for each of
// the recorded registry's 25 rows, its seed, S1, L0, phi_total, delta_total
// and time_to_stability. All 125 runs are planned (so that the seeds count
// as bilancio's did); only the 25 recorded ones execute.
func TestRingExpelN100Registry(t *testing.T) {
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
	if len(want) != 25 {
		t.Fatalf("%d recorded rows, want 25", len(want))
	}

	dir := filepath.Join(t.TempDir(), "exp")
	spec := dealerControlSpec(dir)
	plan, err := NewPlan(spec)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for pt := range plan.Static(t.Context()) {
		if pt.Seed != 42+int64(n) || pt.Index != n {
			t.Fatalf("point %d has seed %d and index %d", n, pt.Seed, pt.Index)
		}
		n++
	}
	if n != 125 || plan.StaticCount() != 125 {
		t.Fatalf("planned %d runs (StaticCount %d), want 125", n, plan.StaticCount())
	}

	sum, err := Run(context.Background(), spec, Options{
		Open: inProcess(t),
		Select: func(pt *Point) bool {
			tx := pt.Texts()
			return want[key(tx[0], tx[1], tx[2])] != nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Status != StatusCompleted || sum.Progress.Done != 25 || sum.Ran != 25 {
		t.Fatalf("summary %+v", sum)
	}
	rows := readCSV(t, filepath.Join(dir, store.RegistryFile))
	if len(rows) != 25 {
		t.Fatalf("registry has %d rows, want 25", len(rows))
	}
	for _, got := range rows {
		w := want[key(got["kappa"], got["concentration"], got["mu"])]
		if w == nil {
			t.Errorf("run %s: unexpected parameters %s %s %s", got["run_id"], got["kappa"], got["concentration"], got["mu"])
			continue
		}
		for _, col := range []string{"seed", "S1", "L0", "phi_total", "delta_total", "time_to_stability", "n_agents", "monotonicity", "maturity_days", "Q_total", "default_handling", "dealer_enabled", "status"} {
			if got[col] != w[col] {
				t.Errorf("kappa=%s c=%s mu=%s: %s = %q, recorded %q", got["kappa"], got["concentration"], got["mu"], col, got[col], w[col])
			}
		}
		if got["phase"] != PhaseGrid || len(got["run_id"]) != len("grid_")+12 {
			t.Errorf("run id %q, phase %q", got["run_id"], got["phase"])
		}
		for _, col := range []string{"scenario_yaml", "events_jsonl", "balances_csv", "metrics_csv", "run_html"} {
			if got[col] == "" {
				t.Errorf("run %s: no %s", got["run_id"], col)
				continue
			}
			if _, err := os.Stat(filepath.Join(dir, "registry", got[col])); err != nil {
				t.Errorf("run %s: %s: %v", got["run_id"], col, err)
			}
		}
	}
	results := readCSV(t, filepath.Join(dir, store.ResultsFile))
	if len(results) != 25 {
		t.Errorf("results.csv has %d rows, want 25", len(results))
	}

	// Asked again, the sweep runs nothing.
	again, err := Run(context.Background(), spec, Options{Open: inProcess(t), Select: func(pt *Point) bool {
		tx := pt.Texts()
		return want[key(tx[0], tx[1], tx[2])] != nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	if again.Ran != 0 || again.Progress.Reused != 25 || again.Status != StatusCompleted {
		t.Errorf("second run: %+v", again)
	}
}
