package sweep

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/bilancio-go/bilancio/internal/conformance"
	"github.com/bilancio-go/bilancio/internal/ring"
	"github.com/bilancio-go/bilancio/internal/store"
)

// dealerE2E returns the recorded runs' folder for the end-to-end paired
// conformance tests, skipping them when it is absent.
func dealerE2E(t *testing.T) string {
	t.Helper()
	root := conformance.Require(t)
	return root
}

// dealerComparisonSpec is examples/sweeps/dealer_comparison_100.hcl
// (config's TestPairedExamples checks that the file loads to this spec).
func dealerComparisonSpec(dir string) *Spec {
	return &Spec{
		Name: "dealer_comparison_100", ExperimentDir: dir, SeedMode: SeedCounter,
		Ring: RingParams{
			NAgents: 100, MaturityDays: 10, QTotal: "10000.0", LiquidityMode: "uniform",
			DefaultHandling: "expel-agent", BaseSeed: 42, NamePrefix: DefaultComparisonPrefix, KappaRule: "debt-over-liquidity",
		},
		Grid: Grid{
			"kappas":         []string{"0.25", "0.5", "1", "2", "4"},
			"concentrations": []string{"0.2", "0.5", "1", "2", "5"},
			"mus":            []string{"0", "0.25", "0.5", "0.75", "1"},
			"monotonicities": []string{"0"},
		},
		Paired: &Paired{Kind: KindComparison, TicketSize: "1.0", DealerShare: "0.25", VBTShare: "0.5"},
	}
}

// balancedSpec is examples/sweeps/balanced_100.hcl.
func balancedSpec(dir string) *Spec {
	return &Spec{
		Name: "balanced_100", ExperimentDir: dir, SeedMode: SeedCounter,
		Ring: RingParams{
			NAgents: 100, MaturityDays: 10, QTotal: "10000", LiquidityMode: "uniform",
			DefaultHandling: "fail-fast", BaseSeed: 42, NamePrefix: DefaultBalancedPrefix, KappaRule: "debt-over-liquidity",
		},
		Grid: Grid{
			"kappas":         []string{"0.25", "0.5", "1", "2", "4"},
			"concentrations": []string{"0.2", "0.5", "1", "2", "5"},
			"mus":            []string{"0", "0.25", "0.5", "0.75", "1"},
			"monotonicities": []string{"0"},
		},
		Paired: &Paired{Kind: KindBalanced, FaceValue: "20", BigEntityShare: "0.25", VBTShare: "0.50",
			OutsideMidRatios: []string{"0.75"}, DetailedLogging: true},
	}
}

// pairedConformance runs the recorded pairs' points of a paired sweep (the
// seeds count over the whole grid) and compares every recorded
// comparison.csv row with the rebuilt one, byte for byte, with the run ids
// swapped for the recorded ones (Go's are content-addressed, bilancio's
// random), and each arm's registry values with the recorded ones.
func pairedConformance(t *testing.T, root string, spec *Spec, rowsSet string, armSets, idCols [2]string) {
	header, lines, rows := recordedRows(t, filepath.Join(root, rowsSet, "comparison.csv"))
	truncated, err := conformance.TruncatedRuns(root)
	if err != nil {
		t.Fatal(err)
	}
	key := func(p [4]string, rho string) string { return p[0] + "|" + p[1] + "|" + p[2] + "|" + p[3] + "|" + rho }
	want := map[string]int{}
	for i, r := range rows {
		want[key([4]string{r["kappa"], r["concentration"], r["mu"], r["monotonicity"]}, r["outside_mid_ratio"])] = i
	}
	sum, err := Run(context.Background(), spec, Options{Open: inProcess(t), Select: func(pt *Point) bool {
		_, ok := want[key(pt.Texts(), strOrEmpty(pt.Values[ring.SweptRho]))]
		return ok
	}})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Progress.Done != 2*len(rows) {
		t.Errorf("summary %+v, want %d runs done", sum.Progress, 2*len(rows))
	}
	dir := spec.ExperimentDir
	roles, _ := ArmRoles(spec.Paired.Kind)
	var recorded, got [2]map[string]map[string]string
	for a := range 2 {
		if recorded[a], err = conformance.Registry(root, armSets[a]); err != nil {
			t.Fatal(err)
		}
		got[a] = map[string]map[string]string{}
		for _, r := range armRows(t, dir, roles[a]) {
			got[a][r["run_id"]] = r
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, store.ComparisonFile))
	if err != nil {
		t.Fatal(err)
	}
	gotHeader, gotLines, gotRows := recordedRows(t, filepath.Join(dir, store.ComparisonFile))
	if !bytes.Equal(gotHeader, header) {
		t.Errorf("header %q, want %q", gotHeader, header)
	}
	if len(gotRows) != len(rows) {
		t.Fatalf("%d comparison rows, want %d:\n%s", len(gotRows), len(rows), b)
	}
	matched := 0
	for i, g := range gotRows {
		j, ok := want[key([4]string{g["kappa"], g["concentration"], g["mu"], g["monotonicity"]}, g["outside_mid_ratio"])]
		if !ok {
			t.Errorf("unexpected row %q", gotLines[i])
			continue
		}
		w := rows[j]
		if truncated[w[idCols[0]]] || truncated[w[idCols[1]]] {
			continue
		}
		line := gotLines[i]
		for a := range 2 {
			reg, rec := got[a][g[idCols[a]]], recorded[a][w[idCols[a]]]
			if reg == nil || rec == nil {
				t.Errorf("row %d: arm %s: no registry row", j+1, roles[a])
				continue
			}
			for _, col := range []string{"seed", "phi_total", "delta_total", "time_to_stability", "dealer_enabled", "Q_total", "default_handling"} {
				if reg[col] != rec[col] {
					t.Errorf("row %d: %s run: %s %q, recorded %q", j+1, roles[a], col, reg[col], rec[col])
				}
			}
			// S1 and L0 are informative (spec/dealer.md §17.2): the
			// recording machine's libm drew a few gamma variates an ulp
			// apart from glibc's (internal/ring's balanced conformance test).
			for _, col := range []string{"S1", "L0"} {
				if reg[col] != rec[col] {
					t.Logf("row %d: %s run: %s %q, recorded %q (informative)", j+1, roles[a], col, reg[col], rec[col])
				}
			}
			line = bytes.Replace(line, []byte(g[idCols[a]]), []byte(w[idCols[a]]), 1)
		}
		if !bytes.Equal(line, lines[j]) {
			t.Errorf("row %d\n got %q\nwant %q", j+1, line, lines[j])
			continue
		}
		matched++
	}
	t.Logf("%s: %d of %d recorded rows reproduced byte for byte", rowsSet, matched, len(rows))
}

// examples/sweeps/dealer_comparison_100.hcl reproduces the 25 recorded rows
// of dealer_comparison_100's comparison.csv (control runs: ring-expel-n100,
// treatment runs: dealer-expel-n100).
func TestDealerComparisonExample(t *testing.T) {
	root := dealerE2E(t)
	spec := dealerComparisonSpec(filepath.Join(t.TempDir(), "dealer_comparison_100"))
	pairedConformance(t, root, spec, "dealer-expel-n100",
		[2]string{"ring-expel-n100", "dealer-expel-n100"}, [2]string{"control_run_id", "treatment_run_id"})
}

// examples/sweeps/balanced_100.hcl reproduces the 25 recorded rows of
// balanced_comparison_20251204 in dealer-balanced-n100/comparison.csv.
func TestBalancedExample(t *testing.T) {
	root := dealerE2E(t)
	spec := balancedSpec(filepath.Join(t.TempDir(), "balanced_100"))
	pairedConformance(t, root, spec, "dealer-balanced-n100",
		[2]string{"balanced-passive-n100", "dealer-balanced-n100"}, [2]string{"passive_run_id", "active_run_id"})
}

// recordedSummary are the aggregate values of bilancio's two recorded
// paired sweeps (spec/dealer.md §11.3 and §12.4).
type recordedSummary struct {
	meanBase, meanDealer          float64
	improved, unchanged, worsened int
}

// runWholeSweep runs every pair of spec in process and reads its
// aggregate/summary.json.
func runWholeSweep(t *testing.T, spec *Spec) map[string]any {
	t.Helper()
	if testing.Short() {
		t.Skip("runs 250 rings of 100 agents (-short)")
	}
	if _, err := Run(context.Background(), spec, Options{Open: inProcess(t)}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(spec.ExperimentDir, store.SummaryFile))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func checkSummary(t *testing.T, got map[string]any, keys [2]string, want recordedSummary) {
	t.Helper()
	if got[keys[0]] != want.meanBase || got[keys[1]] != want.meanDealer {
		t.Errorf("%s %v, %s %v; want %v, %v", keys[0], got[keys[0]], keys[1], got[keys[1]], want.meanBase, want.meanDealer)
	}
	for k, n := range map[string]int{"pairs_with_improvement": want.improved, "pairs_unchanged": want.unchanged, "pairs_worsened": want.worsened} {
		if got[k] != float64(n) {
			t.Errorf("%s = %v, want %d", k, got[k], n)
		}
	}
}

// The whole dealer_comparison_100 sweep (125 pairs) reproduces bilancio's
// recorded summary.json: means to the last digit, 94 improved, 31
// unchanged, 0 worsened.
func TestDealerComparison100Summary(t *testing.T) {
	conformance.Require(t)
	got := runWholeSweep(t, dealerComparisonSpec(filepath.Join(t.TempDir(), "dealer_comparison_100")))
	checkSummary(t, got, [2]string{"mean_delta_control", "mean_delta_treatment"},
		recordedSummary{0.5631965281631889, 0.4705994157569915, 94, 31, 0})
	if got["mean_relief_ratio"] != 0.19038198966250813 {
		t.Errorf("mean_relief_ratio = %v", got["mean_relief_ratio"])
	}
}

// The whole balanced_comparison_20251204 sweep reproduces bilancio's
// summary but for its one truncated run (spec/dealer.md §14.2), which the
// Go engine runs to its end: its delta_active falls from the recorded
// 0.848… to 0.7599465061852223336676696757, its passive partner's, so the
// sweep's only "worsened" pair becomes unchanged and the mean delta_active
// drops by the recorded trading effect / 125.
func TestBalanced100Summary(t *testing.T) {
	conformance.Require(t)
	got := runWholeSweep(t, balancedSpec(filepath.Join(t.TempDir(), "balanced_100")))
	const recordedActive, truncationEffect = 0.8619942233009558, 0.0880641925777331995987963892
	if got["mean_delta_passive"] != 0.8820222857667184 {
		t.Errorf("mean_delta_passive = %v, recorded 0.8820222857667184", got["mean_delta_passive"])
	}
	active, _ := got["mean_delta_active"].(float64)
	if want := recordedActive - truncationEffect/125; math.Abs(active-want) > 1e-15 {
		t.Errorf("mean_delta_active = %v, want %v (recorded %v less the truncation)", active, want, recordedActive)
	}
	for k, n := range map[string]int{"pairs_with_improvement": 16, "pairs_unchanged": 109, "pairs_worsened": 0} {
		if got[k] != float64(n) {
			t.Errorf("%s = %v, want %d", k, got[k], n)
		}
	}
}

// With emulate_display_truncation the balanced sweep stops its one
// truncated run where bilancio did, and reproduces bilancio's recorded
// summary.json exactly (spec/dealer.md §12.4): 16 improved, 108 unchanged,
// 1 worsened, and every mean to the last digit.
func TestBalanced100SummaryEmulatingTruncation(t *testing.T) {
	conformance.Require(t)
	spec := balancedSpec(filepath.Join(t.TempDir(), "balanced_100"))
	spec.Paired.EmulateDisplayTruncation = true
	got := runWholeSweep(t, spec)
	checkSummary(t, got, [2]string{"mean_delta_passive", "mean_delta_active"},
		recordedSummary{0.8820222857667184, 0.8619942233009558, 16, 108, 1})
	if got["mean_trading_effect"] != 0.02002806246576256 || got["mean_relief_ratio"] != 0.035461466785270394 {
		t.Errorf("mean_trading_effect %v, mean_relief_ratio %v; recorded 0.02002806246576256, 0.035461466785270394",
			got["mean_trading_effect"], got["mean_relief_ratio"])
	}
}
