package sweep

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bilancio-go/bilancio/internal/store"
)

// replicatesSpec is a 2 × 2 × 1 grid of 5-agent rings.
func replicatesSpec(dir string, replicates int, seedMode string) *Spec {
	return &Spec{
		Name: "replicates", ExperimentDir: dir, Replicates: replicates, SeedMode: seedMode,
		Ring: RingParams{NAgents: 5, MaturityDays: 3, QTotal: "500.0", LiquidityMode: "uniform", DefaultHandling: "expel-agent", BaseSeed: 42},
		Grid: Grid{"kappas": []string{"0.5", "2"}, "concentrations": []string{"0.5", "2"}, "mus": []string{"0.5"}},
	}
}

// plannedRuns materializes every static run of spec.
func plannedRuns(t *testing.T, spec *Spec) []*PlannedRun {
	t.Helper()
	p, err := NewPlan(spec)
	if err != nil {
		t.Fatal(err)
	}
	var out []*PlannedRun
	for pt := range p.Static(t.Context()) {
		run, err := p.Materialize(pt)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, run)
	}
	return out
}

// replicates = N repeats the design N times, the seed counter running on:
// replicate 0 is the sweep without replicates, run for run (seed, key, id);
// every run has an id of its own; with derived seeds too.
func TestReplicatesPlan(t *testing.T) {
	for _, mode := range []string{SeedCounter, SeedDerived} {
		t.Run(mode, func(t *testing.T) {
			one := plannedRuns(t, replicatesSpec("", 0, mode))
			three := plannedRuns(t, replicatesSpec("", 3, mode))
			if len(one) != 4 || len(three) != 12 {
				t.Fatalf("%d and %d runs, want 4 and 12", len(one), len(three))
			}
			ids, seeds := map[string]bool{}, map[int64]bool{}
			for i, r := range three {
				if r.Index != i || r.Replicate != i/4 {
					t.Errorf("run %d: index %d replicate %d", i, r.Index, r.Replicate)
				}
				base := one[i%4]
				if r.Texts() != base.Texts() {
					t.Errorf("run %d: parameters %v, want %v", i, r.Texts(), base.Texts())
				}
				if r.Replicate == 0 && (r.Seed != base.Seed || r.Key != base.Key || r.ID != base.ID) {
					t.Errorf("replicate 0 of point %d moved: %d %s %s, without replicates %d %s %s", i, r.Seed, r.Key, r.ID, base.Seed, base.Key, base.ID)
				}
				if ids[r.ID] || seeds[r.Seed] {
					t.Errorf("run %d: id %s or seed %d taken twice", i, r.ID, r.Seed)
				}
				ids[r.ID], seeds[r.Seed] = true, true
				if mode == SeedCounter && r.Seed != 42+int64(i) {
					t.Errorf("run %d: counter seed %d, want %d", i, r.Seed, 42+i)
				}
			}
		})
	}
	// Replicates do not mix with a frontier search.
	s := replicatesSpec("", 2, "")
	s.Frontier = &Frontier{Cells: Grid{"concentrations": []string{"1"}, "mus": []string{"0"}}, KappaLow: "0.1", KappaHigh: "4.0", Tolerance: "0.02", MaxIterations: 2}
	if _, err := NewPlan(s); err == nil || !strings.Contains(err.Error(), "replicates apply to grid and lhs") {
		t.Errorf("frontier with replicates: %v", err)
	}
	s = replicatesSpec("", -1, "")
	if _, err := NewPlan(s); err == nil || !strings.Contains(err.Error(), "replicates must be between 0 and") {
		t.Errorf("replicates -1: %v", err)
	}
}

// A sweep run with replicates = 3 in the folder of the same sweep run
// without replicates runs only the new replicates; results.csv has one row
// per run and a replicate column, and summary.json's config says 3.
func TestReplicatesRun(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "replicates")
	sum, err := Run(context.Background(), replicatesSpec(dir, 1, ""), Options{Open: inProcess(t)})
	if err != nil || sum.Ran != 4 {
		t.Fatalf("without replicates: %+v, %v", sum, err)
	}
	results := readCSV(t, filepath.Join(dir, store.ResultsFile))
	if _, ok := results[0]["replicate"]; ok {
		t.Error("results.csv has a replicate column without replicates")
	}
	sum, err = Run(context.Background(), replicatesSpec(dir, 3, ""), Options{Open: inProcess(t)})
	if err != nil || sum.Ran != 8 || sum.Progress.Done != 12 || sum.Status != StatusCompleted {
		t.Fatalf("with replicates: %+v, %v", sum, err)
	}
	results = readCSV(t, filepath.Join(dir, store.ResultsFile))
	if len(results) != 12 {
		t.Fatalf("%d result rows, want 12", len(results))
	}
	points := map[string]map[string]bool{}
	for _, r := range results {
		k := r["kappa"] + "|" + r["concentration"] + "|" + r["mu"] + "|" + r["monotonicity"]
		if points[k] == nil {
			points[k] = map[string]bool{}
		}
		points[k][r["replicate"]] = true
	}
	if len(points) != 4 {
		t.Errorf("%d points, want 4", len(points))
	}
	for k, reps := range points {
		if len(reps) != 3 || !reps["0"] || !reps["1"] || !reps["2"] {
			t.Errorf("point %s: replicates %v", k, reps)
		}
	}
	summary := readJSONFile(t, filepath.Join(dir, store.SummaryFile))
	if cfg, _ := summary["config"].(map[string]any); cfg["replicates"] != float64(3) {
		t.Errorf("summary config %v", summary["config"])
	}
}

// readJSONFile reads a JSON object file.
func readJSONFile(t *testing.T, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}
