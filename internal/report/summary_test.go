package report

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// bigRuns are the runs of a sweep of more than MaxListed runs: a grid of
// 20 κ (a continuous axis, binned) × 4 c × 3 μ, five replicates, some
// failures and runs without values, and a few frontier probes.
func bigRuns() []DashboardRun {
	rng := rand.New(rand.NewPCG(7, 7))
	var runs []DashboardRun
	for rep := range 5 {
		for k := range 20 {
			for c := range 4 {
				for mu := range 3 {
					for x := range 10 {
						r := DashboardRun{ID: fmt.Sprintf("grid_%06d", len(runs)), Phase: "grid", Seed: strconv.Itoa(rep*1000 + x),
							Kappa: strconv.FormatFloat(0.1*float64(k+1), 'f', -1, 64), Concentration: strconv.Itoa(c + 1),
							Mu: strconv.FormatFloat(0.5*float64(mu), 'f', -1, 64), Monotonicity: "0", Status: "completed",
							Delta: strconv.FormatFloat(math.Min(1, rng.Float64()*float64(20-k)/10), 'g', -1, 64),
							Phi:   strconv.FormatFloat(rng.Float64(), 'g', -1, 64), TimeToStability: strconv.Itoa(rng.IntN(9))}
						switch rng.IntN(50) {
						case 0:
							r.Status, r.Delta, r.Phi, r.TimeToStability, r.Error = "failed", "", "", "", "it broke"
						case 1:
							r.Delta = ""
						}
						runs = append(runs, r)
					}
				}
			}
		}
	}
	for i := range 30 {
		runs = append(runs, DashboardRun{ID: fmt.Sprintf("frontier_%06d", i), Phase: "frontier", Kappa: strconv.Itoa(i + 1), Concentration: "1",
			Mu: "0", Monotonicity: "0", Status: "completed", Delta: "0.5", Phi: "0.5"})
	}
	return runs
}

// summarize runs the two passes of a Summarizer over runs.
func summarize(t *testing.T, runs []DashboardRun) (*RunsSummary, []DashboardRun) {
	t.Helper()
	z := NewSummarizer()
	for i := range runs {
		z.Scan(&runs[i])
	}
	z.Second(NewPointsTable(t.TempDir()))
	for i := range runs {
		r := runs[i]
		if err := z.Add(&r); err != nil {
			t.Fatal(err)
		}
	}
	return z.Done()
}

// A sweep of more runs than the page lists says the same of them — cards,
// finding, warnings, figures, points table — from its summary as the
// same sweep listed whole; the page embeds a bounded sample of the runs and
// the cells' statistics, the same as the page computes from every run.
func TestSummaryMatchesRuns(t *testing.T) {
	runs := bigRuns()
	if len(runs) <= MaxListed {
		t.Fatalf("%d runs: not more than MaxListed", len(runs))
	}
	cfg := []ConfigItem{{Key: "kappa_rule", Value: "debt_over_liquidity"}}
	whole := &Dashboard{ExperimentID: "big", Total: len(runs) + 7, Runs: runs, Config: cfg}
	s, sample := summarize(t, runs)
	sum := &Dashboard{ExperimentID: "big", Total: len(runs) + 7, Runs: sample, Summary: s, Config: cfg}

	if got, want := dashboardCards(sum), dashboardCards(whole); !reflect.DeepEqual(got, want) {
		t.Errorf("cards:\n%+v\nwant\n%+v", got, want)
	}
	if got, want := sum.Warnings(), whole.Warnings(); !reflect.DeepEqual(got, want) || len(want) == 0 {
		t.Errorf("warnings:\n%q\nwant\n%q", got, want)
	}
	if got, want := sum.Finding(), whole.Finding(); got != want || want == "" {
		t.Errorf("finding:\n%q\nwant\n%q", got, want)
	}
	gp, gm := Panels(designPoints(sum))
	wp, wm := Panels(designPoints(whole))
	if gm != wm || len(gp) != len(wp) {
		t.Fatalf("panels: %d (mono %v), want %d (mono %v)", len(gp), gm, len(wp), wm)
	}
	for i := range wp {
		g, w := gp[i], wp[i]
		if g.Mu != w.Mu || !reflect.DeepEqual(g.Kappas, w.Kappas) || !reflect.DeepEqual(g.Concentrations, w.Concentrations) || len(g.Cells) != len(w.Cells) {
			t.Fatalf("panel %d:\n%+v\nwant\n%+v", i, g, w)
		}
		for k := range w.Cells {
			gc, wc := g.Cells[k], w.Cells[k]
			if gc.Kappa != wc.Kappa || gc.Concentration != wc.Concentration || gc.N != wc.N || gc.Runs != wc.Runs || math.Abs(gc.Mean-wc.Mean) > 1e-12 {
				t.Errorf("panel %d cell %d: %+v, want %+v", i, k, gc, wc)
			}
		}
	}
	var points bytes.Buffer
	if err := WritePoints(&points, sum); err != nil {
		t.Fatal(err)
	}
	if want := PointsCSV(whole); !bytes.Equal(points.Bytes(), want) {
		t.Errorf("points table differs from the whole sweep's (%d and %d bytes)", points.Len(), len(want))
	}

	// The sample: bounded, every failed run and frontier probe in it, and
	// one run in Every, picked by id.
	if len(sample) > MaxListed || len(sample) < MaxListed/4 {
		t.Errorf("a sample of %d runs", len(sample))
	}
	in := map[string]bool{}
	for _, r := range sample {
		in[r.ID] = true
	}
	for i, r := range runs {
		if (r.Status == "failed" || r.Phase == "frontier" || Sampled(r.ID, s.Every)) != in[r.ID] {
			t.Errorf("run %d (%s, %s): in the sample %v (one in %d)", i, r.Status, r.Phase, in[r.ID], s.Every)
		}
	}

	// The page's cells are the statistics of every run of the cell, as
	// the page computes them for a sweep it lists whole.
	for _, c := range s.Cells {
		var vals [3][]float64
		n := 0
		for _, r := range runs {
			if (r.Phase == "frontier") != c.Frontier || s.Axes[0].Bin(r.Kappa) != c.Kappa || s.Axes[1].Bin(r.Concentration) != c.C ||
				s.Axes[2].Bin(r.Mu) != c.Mu || s.Axes[3].Bin(r.Monotonicity) != c.Mono {
				continue
			}
			n++
			if r.Status != "completed" {
				continue
			}
			for m, v := range []string{r.Delta, r.Phi, r.TimeToStability} {
				if f := ParamValue(v); !math.IsNaN(f) {
					vals[m] = append(vals[m], f)
				}
			}
		}
		if n != c.Runs {
			t.Errorf("cell %+v: %d runs, want %d", c, c.Runs, n)
		}
		for m := range vals {
			gm, gl, gh := c.Metrics[m].Mean()
			wm, wl, wh := MeanCI(vals[m])
			if c.Metrics[m].N != len(vals[m]) || !near(gm, wm) || !near(gl, wl) || !near(gh, wh) {
				t.Errorf("cell %+v metric %d: %v %v %v, want %v %v %v", c, m, gm, gl, gh, wm, wl, wh)
			}
		}
	}
	var page bytes.Buffer
	if err := WriteDashboard(&page, sum); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(page.String(), `"agg":{"listed":`+strconv.Itoa(len(runs))) || !strings.Contains(page.String(), `id="runs-sample"`) {
		t.Error("the page has no summary of the runs")
	}
	if page.Len() > 3<<20 {
		t.Errorf("the page weighs %d bytes", page.Len())
	}
}

func near(a, b float64) bool {
	return math.IsNaN(a) && math.IsNaN(b) || math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b))
}
