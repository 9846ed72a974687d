package sweep

import (
	"context"
	"encoding/json"
	"errors"
	"github.com/bilancio-go/bilancio/internal/store"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
)

// smallPaired is a quick paired sweep of 5-agent rings: 2 kappas × 2
// concentrations × 1 mu = 4 pairs.
func smallPaired(dir, kind string) *Spec {
	s := &Spec{
		Name:          "small_" + kind,
		ExperimentDir: dir,
		Ring: RingParams{
			NAgents: 5, MaturityDays: 3, QTotal: "500.0", LiquidityMode: "uniform",
			DefaultHandling: "expel-agent", BaseSeed: 42,
		},
		Grid:   Grid{"kappas": []string{"0.5", "2"}, "concentrations": []string{"0.5", "2"}, "mus": []string{"0"}},
		Paired: &Paired{Kind: kind},
	}
	if kind == KindBalanced {
		s.Ring.DefaultHandling = "fail-fast"
		s.Ring.QTotal = "10000"
		s.Paired.OutsideMidRatios = []string{"0.75"}
		s.Paired.DetailedLogging = true
	}
	return s
}

// armRows reads an arm's registry.
func armRows(t *testing.T, dir, arm string) []map[string]string {
	t.Helper()
	return readCSV(t, filepath.Join(dir, arm, filepath.FromSlash(store.RegistryFile)))
}

// A comparison sweep on two executor instances (one per arm): bilancio's
// layout, the arms' registries, pairs sharing seeds and parameters, and a
// resume after an interruption that runs nothing twice.
func TestPairedComparisonLocal(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cmp")
	spec := smallPaired(dir, KindComparison)
	control, treatment := newFlaky(nil), newFlaky(nil)
	ctx, cancel := context.WithCancel(context.Background())
	var once sync.Once
	opts := quick(control.opener(), nil)
	opts.ArmOpen[1] = treatment.opener()
	finished := map[string]bool{} // runs done by the first invocation
	opts.Events = func(ev Event) {
		if ev.Type == EventRunFinished {
			finished[ev.Run.ID] = true
			once.Do(cancel)
		}
	}
	sum, err := Run(ctx, spec, opts)
	if !errors.Is(err, context.Canceled) || sum == nil || sum.Status != StatusInterrupted {
		t.Fatalf("interrupted run: %v, %+v", err, sum)
	}
	first := sum.Progress.Done

	log := &eventLog{}
	opts = quick(control.opener(), log)
	opts.ArmOpen[1] = treatment.opener()
	sum = mustRun(t, spec, opts)
	if len(finished) != first || first == 0 {
		t.Errorf("the first invocation finished %d runs, reported %d", len(finished), first)
	}
	if sum.Status != StatusCompleted || sum.Progress.Done != 8 || sum.Progress.Reused != first || sum.Ran != 8-first {
		t.Fatalf("resumed run: %+v (first invocation finished %d)", sum.Progress, first)
	}
	if n := len(log.of(EventSweepStarted)); n != 1 {
		t.Errorf("%d sweep_started events, want 1", n)
	}
	if n := len(log.of(EventSweepSummary)); n != 1 {
		t.Errorf("%d sweep_summary events, want 1", n)
	}

	ids := regexp.MustCompile(`^comparison_(control|treatment)_[0-9a-f]{12}$`)
	regs := map[string]map[string]string{}
	for i, arm := range []string{ArmControl, ArmTreatment} {
		rows := armRows(t, dir, arm)
		if len(rows) != 4 {
			t.Fatalf("%s registry: %d rows, want 4", arm, len(rows))
		}
		ex := []*flakyExecutor{control, treatment}[i]
		for j, r := range rows {
			if !ids.MatchString(r["run_id"]) || r["phase"] != "comparison_"+arm || r["status"] != "completed" {
				t.Errorf("%s row %d: %v", arm, j, r)
			}
			if want := []string{"False", "True"}[i]; r["dealer_enabled"] != want {
				t.Errorf("%s: dealer_enabled %s", r["run_id"], r["dealer_enabled"])
			}
			// A run interrupted half-way runs again; one done does not.
			if n := ex.runCount(r["run_id"]); n < 1 || finished[r["run_id"]] && n != 1 {
				t.Errorf("%s ran %d times on its arm's executor (done in the first invocation: %v)", r["run_id"], n, finished[r["run_id"]])
			}
			if _, err := os.Stat(filepath.Join(dir, arm, "registry", r["scenario_yaml"])); err != nil {
				t.Error(err)
			}
			regs[r["run_id"]] = r
		}
	}
	for _, id := range treatment.executed {
		if !strings.HasPrefix(id, "comparison_treatment_") {
			t.Errorf("the treatment executor ran %s", id)
		}
	}
	for _, id := range control.executed {
		if !strings.HasPrefix(id, "comparison_control_") {
			t.Errorf("the control executor ran %s", id)
		}
	}
	// sweep plan lists both arms' runs, all done.
	var listed []string
	l, err := ListPlan(context.Background(), spec, "", true, nil, func(pe PlanEntry) error {
		listed = append(listed, pe.ID)
		return nil
	})
	if err != nil || l.Runs != 8 || l.Done != 8 || !l.Exists || l.Grid != 8 {
		t.Errorf("plan listing %+v: %v", l, err)
	}
	for _, id := range listed {
		if regs[id] == nil {
			t.Errorf("listed run %s is not in the registries", id)
		}
	}
	rows := readCSV(t, filepath.Join(dir, store.ComparisonFile))
	if len(rows) != 4 {
		t.Fatalf("comparison.csv: %d rows, want 4", len(rows))
	}
	for i, r := range rows {
		c, tr := regs[r["control_run_id"]], regs[r["treatment_run_id"]]
		if c == nil || tr == nil {
			t.Fatalf("pair %d: runs %s %s not in the registries", i, r["control_run_id"], r["treatment_run_id"])
		}
		if want := []string{"42", "43", "44", "45"}[i]; r["seed"] != want || c["seed"] != want || tr["seed"] != want {
			t.Errorf("pair %d: seeds %s %s %s, want %s", i, r["seed"], c["seed"], tr["seed"], want)
		}
		for _, col := range []string{"kappa", "concentration", "mu", "monotonicity"} {
			if c[col] != r[col] || tr[col] != r[col] {
				t.Errorf("pair %d: %s %s / %s / %s", i, col, r[col], c[col], tr[col])
			}
		}
		if r["delta_control"] != c["delta_total"] || r["delta_treatment"] != tr["delta_total"] || r["control_status"] != "completed" || r["treatment_status"] != "completed" {
			t.Errorf("pair %d: %v", i, r)
		}
		scenario, err := os.ReadFile(filepath.Join(dir, ArmTreatment, "registry", tr["scenario_yaml"]))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(string(scenario), "dealer:\n  enabled: true\n  ticket_size: 1\n  dealer_share: '0.25'\n  vbt_share: '0.5'\n") {
			t.Errorf("%s has no dealer block at its end", tr["run_id"])
		}
		if !strings.Contains(string(scenario), "\nname: Dealer Comparison (Treatment) (n=5, ") {
			t.Errorf("%s is not named as bilancio's treatment runs", tr["run_id"])
		}
	}
	var summary map[string]any
	b, err := os.ReadFile(filepath.Join(dir, store.SummaryFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &summary); err != nil {
		t.Fatal(err)
	}
	if summary["total_pairs"] != 4.0 || summary["completed_pairs"] != 4.0 {
		t.Errorf("summary.json: %s", b)
	}
	m, err := ReadPairedMeta(dir)
	if err != nil || m.Kind != KindComparison || m.Arms != [2]string{ArmControl, ArmTreatment} || m.ExperimentID != "cmp" {
		t.Errorf("paired.json: %+v, %v", m, err)
	}
	for _, f := range []string{"runs", "registry"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			t.Errorf("the paired folder has a %s folder of its own", f)
		}
	}
	// The comparison files are views: AggregatePaired rebuilds them.
	want := map[string][]byte{}
	for _, f := range []string{store.ComparisonFile, store.SummaryFile} {
		path := filepath.Join(dir, filepath.FromSlash(f))
		if want[f], err = os.ReadFile(path); err != nil {
			t.Fatal(err)
		}
		if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
	}
	ps, err := AggregatePaired(context.Background(), dir, false)
	if err != nil || ps.Pairs != 4 || ps.Arms[0].Done != 4 || ps.Arms[1].Done != 4 {
		t.Fatalf("AggregatePaired: %+v, %v", ps, err)
	}
	for f, w := range want {
		got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f)))
		if err != nil || string(got) != string(w) {
			t.Errorf("%s rebuilt as\n%s\nwant\n%s (%v)", f, got, w, err)
		}
	}
}

// A balanced sweep: passive and active arms of the balanced ring, with the
// active arm's detailed logging, and the 21-column comparison.
func TestPairedBalancedLocal(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "bal")
	spec := smallPaired(dir, KindBalanced)
	sum := mustRun(t, spec, quick(inProcess(t), nil))
	// The active runs' outcome is the dealer engine's business; every run
	// ends, and the passive ones complete.
	if sum.Progress.Done+sum.Progress.Failed != 8 {
		t.Fatalf("summary %+v", sum.Progress)
	}
	status := map[string]string{}
	for i, arm := range []string{ArmPassive, ArmActive} {
		rows := armRows(t, dir, arm)
		if len(rows) != 4 {
			t.Fatalf("%s: %d rows", arm, len(rows))
		}
		for _, r := range rows {
			status[r["run_id"]] = r["status"]
			if r["status"] != "completed" {
				if i == 0 || r["status"] != "failed" {
					t.Errorf("%s is %s: %s", r["run_id"], r["status"], r["error"])
				}
				t.Logf("%s failed: %s", r["run_id"], r["error"])
				continue
			}
			if !strings.HasPrefix(r["run_id"], "balanced_"+arm+"_") || r["dealer_enabled"] != []string{"False", "True"}[i] || r["Q_total"] != "10000" || r["default_handling"] != "fail-fast" {
				t.Errorf("%s row %v", arm, r)
			}
			scenario, err := os.ReadFile(filepath.Join(dir, arm, "registry", r["scenario_yaml"]))
			if err != nil {
				t.Fatal(err)
			}
			hasDealer := strings.Contains(string(scenario), "\ndealer:\n  enabled: true\n  ticket_size: 20\n  dealer_share: '0'\n  vbt_share: '0.50'\n")
			if hasDealer != (i == 1) || !strings.Contains(string(scenario), "big_short") {
				t.Errorf("%s: dealer block %v, want %v", r["run_id"], hasDealer, i == 1)
			}
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, store.ComparisonFile))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\r\n"), "\r\n")
	if len(lines) != 5 || lines[0] != strings.Join(BalancedColumns(), ",") {
		t.Fatalf("comparison.csv:\n%s", b)
	}
	rows := readCSV(t, filepath.Join(dir, store.ComparisonFile))
	for i, r := range rows {
		if r["face_value"] != "20" || r["outside_mid_ratio"] != "0.75" || r["big_entity_share"] != "0.25" || r["seed"] != []string{"42", "43", "44", "45"}[i] {
			t.Errorf("pair %d: %v", i, r)
		}
		if r["passive_status"] != status[r["passive_run_id"]] || r["active_status"] != status[r["active_run_id"]] {
			t.Errorf("pair %d: statuses %s %s, registries %s %s", i, r["passive_status"], r["active_status"], status[r["passive_run_id"]], status[r["active_run_id"]])
		}
	}
	var summary struct {
		Config struct {
			Rhos []string `json:"outside_mid_ratios"`
		} `json:"config"`
	}
	sb, err := os.ReadFile(filepath.Join(dir, store.SummaryFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(sb, &summary); err != nil || !slices.Equal(summary.Config.Rhos, []string{"0.75"}) {
		t.Errorf("summary.json %s: %v", sb, err)
	}
}

// With fail_fast, a run failed for good in one arm stops both arms; the
// sweep is failed, and the pair shows the failed run.
func TestPairedFailFast(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ff")
	spec := smallPaired(dir, KindComparison)
	spec.FailFast = true
	spec.Parallel = 1
	bad := newFlaky(func(id string, attempt int) bool { return true })
	opts := quick(inProcess(t), nil)
	opts.ArmOpen[1] = bad.opener()
	opts.BatchSize = 1
	sum, err := Run(context.Background(), spec, opts)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Status != StatusFailed || sum.Progress.Failed == 0 {
		t.Fatalf("summary %+v", sum)
	}
	if n := len(bad.executed); n != 0 {
		t.Errorf("the failing executor ran %d runs", n)
	}
	if len(bad.attempts) > 1 {
		t.Errorf("the treatment arm went on after its first failure: %v", bad.attempts)
	}
}

// Paired specs are checked before anything runs.
func TestPairedSpecErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*Spec)
		want   string
	}{
		{"kind", func(s *Spec) { s.Paired.Kind = "triple" }, "unknown paired sweep kind"},
		{"lhs", func(s *Spec) {
			s.LHS = &LHS{Count: 3, Ranges: map[string]Range{"kappa": {"1", "2"}, "concentration": {"1", "2"}, "mu": {"0", "1"}}}
		}, "grid only"},
		{"ticket", func(s *Spec) { s.Paired.TicketSize = "0" }, "ticket_size"},
		{"rho", func(s *Spec) { s.Paired.Kind = KindBalanced; s.Paired.OutsideMidRatios = nil }, "outside_mid_ratios"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := smallPaired(t.TempDir(), KindComparison)
			tc.change(s)
			_, err := Run(context.Background(), s, quick(inProcess(t), nil))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}

// A treatment run that fails once is retried on its arm's executor and its
// pair completes.
func TestPairedRetries(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "retry")
	spec := smallPaired(dir, KindComparison)
	spec.Retries = 1
	var victim string
	var mu sync.Mutex
	flaky := newFlaky(func(id string, attempt int) bool {
		mu.Lock()
		defer mu.Unlock()
		if victim == "" {
			victim = id
		}
		return id == victim && attempt == 1
	})
	opts := quick(inProcess(t), nil)
	opts.ArmOpen[1] = flaky.opener()
	sum := mustRun(t, spec, opts)
	if sum.Status != StatusCompleted || sum.Progress.Done != 8 || sum.Attempts != 9 {
		t.Fatalf("summary %+v (attempts %d)", sum.Progress, sum.Attempts)
	}
	if n := flaky.runCount(victim); n != 2 {
		t.Errorf("%s tried %d times, want 2", victim, n)
	}
	rows := readCSV(t, filepath.Join(dir, store.ComparisonFile))
	if len(rows) != 4 {
		t.Fatalf("%d pairs", len(rows))
	}
	for _, r := range rows {
		if r["treatment_status"] != "completed" {
			t.Errorf("pair %v", r)
		}
	}
}
