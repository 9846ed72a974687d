package commands

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/bilancio-go/bilancio/internal/pynum"
	"github.com/bilancio-go/bilancio/internal/ring"
	"github.com/bilancio-go/bilancio/internal/sweep"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files of the sweep views")

// viewEvents is a short sweep as the runner reports it: three runs, one
// reused from an earlier invocation, one failing once and retried, one
// failing for good, and a frontier cell.
func viewEvents() []sweep.Event {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	prog := func(done, reused, failed, running int, ms int) sweep.Progress {
		p := sweep.Progress{Total: 4, Done: done, Reused: reused, Failed: failed, Running: running, Elapsed: time.Duration(ms) * time.Millisecond}
		if ran := done - reused; ran > 0 {
			p.Rate = float64(ran) / p.Elapsed.Seconds()
			p.ETA = time.Duration(float64(p.Pending()) / p.Rate * float64(time.Second))
		}
		return p
	}
	run := func(id string, index int, seed int64, kappa string, attempt int) *sweep.RunEvent {
		return &sweep.RunEvent{ID: id, Index: index, Phase: sweep.PhaseGrid, Seed: seed, Params: [4]string{kappa, "1", "0.5", "0"}, Attempt: attempt, Attempts: 2}
	}
	finished := func(r *sweep.RunEvent, phi, delta string) *sweep.RunEvent {
		r.PhiTotal, r.DeltaTotal, r.TimeToStability, r.Duration = phi, delta, "10", 12*time.Millisecond
		return r
	}
	failed := func(r *sweep.RunEvent, final bool) *sweep.RunEvent {
		r.Error, r.Final = "the simulation failed: boom\n(detail)", final
		if !final {
			r.RetryIn = time.Second
		}
		return r
	}
	dec := func(s string) *pynum.Amount {
		d, _ := pynum.ParseDecimal(s)
		return &d
	}
	return []sweep.Event{
		{Type: sweep.EventSweepStarted, Time: at(0), Progress: prog(0, 0, 0, 0, 0), Start: &sweep.StartInfo{
			ExperimentID: "demo", Dir: "out/experiments/demo", Executor: "local (in process)", Grid: 4, SeedMode: "counter", Parallel: 2, Retries: 1,
		}},
		{Type: sweep.EventRunStarted, Time: at(20), Progress: prog(1, 1, 0, 1, 20), Run: run("grid_aaaaaaaaaaaa", 1, 43, "0.5", 1)},
		{Type: sweep.EventRunStarted, Time: at(21), Progress: prog(1, 1, 0, 2, 21), Run: run("grid_bbbbbbbbbbbb", 2, 44, "1", 1)},
		{Type: sweep.EventRunFinished, Time: at(300), Progress: prog(2, 1, 0, 1, 300), Run: finished(run("grid_aaaaaaaaaaaa", 1, 43, "0.5", 1), "0.1093357451512410812983619737", "0.8906642548487589187016380263")},
		{Type: sweep.EventRunFailed, Time: at(310), Progress: prog(2, 1, 0, 0, 310), Run: failed(run("grid_bbbbbbbbbbbb", 2, 44, "1", 1), false)},
		{Type: sweep.EventRunStarted, Time: at(1320), Progress: prog(2, 1, 0, 1, 1320), Run: run("grid_bbbbbbbbbbbb", 2, 44, "1", 2)},
		{Type: sweep.EventRunStarted, Time: at(1321), Progress: prog(2, 1, 0, 2, 1321), Run: run("grid_cccccccccccc", 3, 45, "2", 1)},
		{Type: sweep.EventRunFailed, Time: at(1400), Progress: prog(2, 1, 1, 1, 1400), Run: failed(run("grid_bbbbbbbbbbbb", 2, 44, "1", 2), true)},
		{Type: sweep.EventRunFinished, Time: at(1500), Progress: prog(3, 1, 1, 0, 1500), Run: finished(run("grid_cccccccccccc", 3, 45, "2", 1), "1", "0")},
		{Type: sweep.EventDiagnostic, Time: at(1501), Progress: prog(3, 1, 1, 0, 1501), Diagnostic: &sweep.Diagnostic{Severity: "warning", Summary: "The executor crashed; it will be restarted", Detail: "the local executor plugin crashed: exit status 3"}},
		{Type: sweep.EventSweepSummary, Time: at(1600), Progress: prog(3, 1, 1, 0, 1600), Summary: &sweep.Summary{
			ExperimentID: "demo", Dir: "out/experiments/demo", Status: sweep.StatusFailed, Progress: prog(3, 1, 1, 0, 1600),
			Ran: 2, Attempts: 4, Registry: "out/experiments/demo/registry/experiments.csv",
			Results: "out/experiments/demo/aggregate/results.csv", SummaryJSON: "out/experiments/demo/aggregate/summary.json",
			Frontier: []sweep.FrontierPoint{{Cell: frontierCell(dec("1"), dec("0.5"), dec("0")), Kappa: dec("2.05"), Probes: 7}},
			Elapsed:  1600 * time.Millisecond,
		}},
	}
}

// The three views render the same events as their golden files.
func TestSweepViewsGolden(t *testing.T) {
	for _, tt := range []struct {
		name string
		mode viewMode
	}{{"plain", viewPlain}, {"tty", viewTTY}, {"json", viewJSON}} {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			v := makeSweepView(tt.mode, &out, &errOut, func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) })
			for _, ev := range viewEvents() {
				v.Event(ev)
			}
			v.Close()
			got := out.String()
			if errOut.Len() > 0 {
				got += "--- stderr ---\n" + errOut.String()
			}
			golden := filepath.Join("testdata", "sweep", tt.name+".golden")
			if *updateGolden {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -run TestSweepViewsGolden -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("output differs from %s:\n--- got ---\n%s\n--- want ---\n%s", golden, got, want)
			}
		})
	}
}

// The progress line: a bar, done/total, failures, rate and ETA.
func TestProgressLine(t *testing.T) {
	for _, tt := range []struct {
		p    sweep.Progress
		want string
	}{
		{sweep.Progress{Total: 10}, "[>                             ] 0/10 done"},
		{sweep.Progress{Total: 10, Done: 5, Failed: 1, Running: 2, Rate: 12.34, ETA: 4 * time.Second}, "[==================>           ] 5/10 done, 1 failed, 2 running · 12.3 runs/s · ETA 4s"},
		{sweep.Progress{Total: 4, Done: 4, Adaptive: true}, "[==============================] 4/4+ done"},
	} {
		if got := progressLine(tt.p); got != tt.want {
			t.Errorf("progressLine(%+v) = %q, want %q", tt.p, got, tt.want)
		}
	}
}

// frontierCell is a frontier cell's values of concentration, mu and
// monotonicity.
func frontierCell(c, mu, m *pynum.Amount) [ring.NumSwept]*pynum.Amount {
	var cell [ring.NumSwept]*pynum.Amount
	cell[ring.SweptConcentration], cell[ring.SweptMu], cell[ring.SweptMonotonicity] = c, mu, m
	return cell
}
