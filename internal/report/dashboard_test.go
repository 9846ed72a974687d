package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
)

// tinyDashboard is a 2 κ × 2 c × 2 μ experiment with two seeds per point
// and one failed run.
func tinyDashboard() *Dashboard {
	d := &Dashboard{ExperimentID: "tiny", Executor: "local", Created: "2026-01-01 00:00 UTC", Updated: "2026-01-01 00:01 UTC"}
	n := 0
	for _, mu := range []string{"0", "1"} {
		for _, c := range []string{"0.5", "2"} {
			for _, k := range []string{"0.5", "2"} {
				for _, seed := range []string{"1", "2"} {
					n++
					id := fmt.Sprintf("grid_%03d", n)
					r := DashboardRun{ID: id, Phase: "grid", Seed: seed, Kappa: k, Concentration: c, Mu: mu, Monotonicity: "0",
						Status: "completed", Delta: fmt.Sprintf("0.%d", n%10), Phi: fmt.Sprintf("0.%d", 9-n%10),
						TimeToStability: "3", RunHTML: "../runs/" + id + "/run.html"}
					if n == 5 {
						r.Status, r.Delta, r.Phi, r.Error = "failed", "", "", "boom <b>"
					}
					d.Runs = append(d.Runs, r)
				}
			}
		}
	}
	return d
}

// dashDoc decodes a dashboard's data document.
func dashDoc(t *testing.T, page string) (runs [][]string, front []any, cfg map[string]any) {
	t.Helper()
	const open = `<script type="application/json" id="dash-data">`
	i := strings.Index(page, open)
	if i < 0 {
		t.Fatal("no data document")
	}
	data := page[i+len(open):]
	data = data[:strings.Index(data, "</script>")]
	var doc struct {
		Runs  [][]string     `json:"runs"`
		Front []any          `json:"front"`
		Cfg   map[string]any `json:"cfg"`
	}
	if err := json.Unmarshal([]byte(data), &doc); err != nil {
		t.Fatalf("data: %v", err)
	}
	return doc.Runs, doc.Front, doc.Cfg
}

func TestDashboardStructure(t *testing.T) {
	tests := []struct {
		name      string
		d         *Dashboard
		runs      int
		contains  []string
		forbidden []string
	}{
		{
			name:     "tiny grid",
			d:        tinyDashboard(),
			runs:     16,
			contains: []string{`<table id="runs" class="data">`, `id="summary"`, `id="metric"`, "<noscript>", `"../runs/grid_001/run.html"`, "1 run failed"},
		},
		{
			name: "frontier",
			d: func() *Dashboard {
				d := tinyDashboard()
				d.Config = []ConfigItem{{"kappa_rule", "debt_over_liquidity"}, {"frontier.kappa_low", "0.1"}, {"frontier.kappa_high", "4.0"}, {"frontier.tolerance", "0.02"}}
				d.Frontier = []FrontierCell{{Concentration: "0.5", Mu: "0", Monotonicity: "0", Kappa: "0.1", Probes: 1, Bound: "clears_at_least_liquid"},
					{Concentration: "2", Mu: "0", Monotonicity: "0", Probes: 6, Bound: "never_clears"},
					{Concentration: "2", Mu: "1", Monotonicity: "0", Kappa: "1.5", Probes: 6, Low: "1.5", High: "1.75"}}
				return d
			}(),
			runs: 16,
			contains: []string{`id="frontier"`, `id="config"`, "κ = S₁ / L₀", "ended at a bound in 1 cell (c = 0.5, μ = 0)",
				"No frontier found in 1 cell (c = 2, μ = 0)", `["2","1","0","1.5",6,"1.5","1.75",""]`},
		},
		{
			name:     "empty",
			d:        &Dashboard{ExperimentID: "empty"},
			contains: []string{`<table id="runs" class="data">`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteDashboard(&buf, tc.d); err != nil {
				t.Fatal(err)
			}
			s := buf.String()
			runs, _, _ := dashDoc(t, s)
			if len(runs) != tc.runs {
				t.Errorf("%d runs in the data, want %d", len(runs), tc.runs)
			}
			for _, want := range tc.contains {
				if !strings.Contains(s, want) {
					t.Errorf("dashboard lacks %q", want)
				}
			}
			// The SVG namespace is a name, not a resource.
			page := strings.ReplaceAll(s, "http://www.w3.org/2000/svg", "")
			for _, bad := range append(tc.forbidden, "http://", "https://", "<b>boom", "{{") {
				if strings.Contains(page, bad) {
					t.Errorf("dashboard contains %q", bad)
				}
			}
		})
	}
}

// TestDashboardFinding checks the one-line finding and the saturation
// warning computed from the data.
func TestDashboardFinding(t *testing.T) {
	d := &Dashboard{ExperimentID: "f", Config: []ConfigItem{{"kappa_rule", "debt_over_liquidity"}}}
	add := func(k, c, delta string) {
		d.Runs = append(d.Runs, DashboardRun{ID: k + c, Kappa: k, Concentration: c, Mu: "0", Monotonicity: "0", Status: "completed", Delta: delta})
	}
	// c = 0.5 crosses between κ 1 (0.2) and 2 (0.6): at 1.75; c = 2 stays below.
	add("1", "0.5", "0.2")
	add("2", "0.5", "0.6")
	add("4", "0.5", "0.9")
	add("1", "2", "0.1")
	add("2", "2", "0.2")
	add("4", "2", "0.3")
	want := "Along κ, the default rate δ crosses ½ at κ ≈ 1.75 for c = 0.5. δ stays below ½ at every κ for c = 2. Here κ = S₁ / L₀"
	if got := d.Finding(); !strings.HasPrefix(got, want) {
		t.Errorf("finding:\n got %s\nwant %s…", got, want)
	}
	if w := d.Warnings(); len(w) != 0 {
		t.Errorf("warnings %v", w)
	}
	for i := range d.Runs {
		d.Runs[i].Delta = "0.97"
	}
	if w := d.Warnings(); len(w) != 1 || !strings.Contains(w[0], "Saturated: 6 of 6 runs") || !strings.Contains(w[0], "Try smaller κ") {
		t.Errorf("saturated results: warnings %v", w)
	}
}

// TestDesignPointsLHS checks that a continuous design's draws are binned:
// a thousand distinct μ make three panels, not a thousand.
func TestDesignPointsLHS(t *testing.T) {
	d := lhsDashboard()
	panels, showMono := Panels(designPoints(d))
	if len(panels) != binsFacet || showMono {
		t.Fatalf("%d panels (show monotonicity %v), want %d", len(panels), showMono, binsFacet)
	}
	for _, p := range panels {
		if len(p.Kappas) > binsPerAxis || len(p.Concentrations) > binsPerAxis || p.Monotonicity != "0" {
			t.Errorf("panel μ %s: %d κ × %d c, monotonicity %q", p.Mu, len(p.Kappas), len(p.Concentrations), p.Monotonicity)
		}
	}
}

// lhsDashboard is a continuous design: a thousand distinct draws.
func lhsDashboard() *Dashboard {
	d := &Dashboard{ExperimentID: "lhs"}
	for i := range 1000 {
		x := float64(i) / 999
		d.Runs = append(d.Runs, DashboardRun{ID: fmt.Sprint(i), Kappa: fmt.Sprint(0.1 + 5.9*x), Concentration: fmt.Sprint(6 - 5.9*x*x),
			Mu: fmt.Sprint(x * x * x), Monotonicity: "0E-19", Status: "completed", Delta: fmt.Sprint(x)})
	}
	return d
}

func TestViridis(t *testing.T) {
	tests := []struct {
		t    float64
		want string
	}{{0, "#440154"}, {1, "#fde725"}, {-1, "#440154"}, {2, "#fde725"}}
	for _, tc := range tests {
		if got := Viridis(tc.t); got != tc.want {
			t.Errorf("Viridis(%g) = %s, want %s", tc.t, got, tc.want)
		}
	}
}

// largeDashboard is a 10,000-run experiment: 10 κ × 10 c × 5 μ × 2
// monotonicities × 10 seeds.
func largeDashboard() *Dashboard {
	d := &Dashboard{ExperimentID: "large"}
	n := 0
	for mono := range 2 {
		for mu := range 5 {
			for c := range 10 {
				for k := range 10 {
					for seed := range 10 {
						n++
						id := fmt.Sprintf("grid_%012x", n*7919)
						d.Runs = append(d.Runs, DashboardRun{ID: id, Phase: "grid", Seed: fmt.Sprint(seed),
							Kappa: fmt.Sprint(0.25 * float64(k+1)), Concentration: fmt.Sprint(0.2 * float64(c+1)),
							Mu: fmt.Sprint(0.25 * float64(mu)), Monotonicity: fmt.Sprint(mono), Status: "completed",
							Delta: "0.1093357451512410812983619737", Phi: "0.8906642548487589187016380263",
							TimeToStability: "10", RunHTML: "../runs/" + id + "/run.html"})
					}
				}
			}
		}
	}
	return d
}

// TestDashboardLarge measures the dashboard of a 10,000-run experiment.
func TestDashboardLarge(t *testing.T) {
	d := largeDashboard()
	var buf bytes.Buffer
	start := time.Now()
	if err := WriteDashboard(&buf, d); err != nil {
		t.Fatal(err)
	}
	t.Logf("10,000 runs: %d bytes in %v", buf.Len(), time.Since(start))
	if runs, _, _ := dashDoc(t, buf.String()); len(runs) != 10000 {
		t.Errorf("%d runs in the data, want 10000", len(runs))
	}
	if buf.Len() > 8<<20 {
		t.Errorf("dashboard is %d bytes, over 8 MiB", buf.Len())
	}
}

func BenchmarkDashboard10k(b *testing.B) {
	d := largeDashboard()
	for b.Loop() {
		if err := WriteDashboard(io.Discard, d); err != nil {
			b.Fatal(err)
		}
	}
}

func TestScaleTicks(t *testing.T) {
	tests := []struct {
		sc   Scale
		want string
	}{
		{Scale{Lo: 0, Hi: 1}, "[0 0.2 0.4 0.6 0.8 1]"},
		{Scale{Lo: 0, Hi: 0.9}, "[0 0.2 0.4 0.6 0.8]"},
		{Scale{Lo: -0.2, Hi: 0.6}, "[-0.2 0 0.2 0.4 0.6]"},
		{Scale{Lo: 0, Hi: 0.05}, "[0 0.01 0.02 0.03 0.04 0.05]"},
	}
	for _, tc := range tests {
		if got := fmt.Sprint(tc.sc.Ticks()); got != tc.want {
			t.Errorf("%v.Ticks() = %s, want %s", tc.sc, got, tc.want)
		}
	}
}
