package report

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"image/png"
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

func TestDashboardStructure(t *testing.T) {
	tests := []struct {
		name      string
		d         *Dashboard
		cells     int
		contains  []string
		forbidden []string
	}{
		{
			name:  "tiny grid",
			d:     tinyDashboard(),
			cells: 8,
			contains: []string{`<table id="runs">`, `data-key="delta_total"`, `data-key="kappa"`,
				`../runs/grid_001/run.html`, `μ = 0`, `μ = 1`, `id="summary"`},
			forbidden: []string{"http://", "https://", "<b>"},
		},
		{
			name: "frontier",
			d: func() *Dashboard {
				d := tinyDashboard()
				d.Frontier = []FrontierCell{{Concentration: "0.5", Mu: "0", Monotonicity: "0", Kappa: "0.75", Probes: 4}, {Concentration: "2", Mu: "0", Monotonicity: "0", Probes: 6}}
				return d
			}(),
			cells:     8,
			contains:  []string{`id="frontier"`, "0.75", "not found"},
			forbidden: []string{"http://", "https://"},
		},
		{
			name:      "empty",
			d:         &Dashboard{ExperimentID: "empty"},
			cells:     0,
			contains:  []string{`<table id="runs">`},
			forbidden: []string{"http://", "https://"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteDashboard(&buf, tc.d); err != nil {
				t.Fatal(err)
			}
			s := buf.String()
			if got := strings.Count(s, `<rect class="cell"`); got != tc.cells {
				t.Errorf("rect.cell count = %d, want %d", got, tc.cells)
			}
			for _, want := range tc.contains {
				if !strings.Contains(s, want) {
					t.Errorf("dashboard lacks %q", want)
				}
			}
			for _, bad := range tc.forbidden {
				if strings.Contains(s, bad) {
					t.Errorf("dashboard contains %q", bad)
				}
			}
		})
	}
}

func TestFigures(t *testing.T) {
	files, err := Figures(tinyDashboard())
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 8 {
		t.Fatalf("got %d figures, want 8 (2 panels × heatmap/lines × svg/png)", len(files))
	}
	for _, f := range files {
		t.Run(f.Name, func(t *testing.T) {
			switch {
			case strings.HasSuffix(f.Name, ".png"):
				img, err := png.Decode(bytes.NewReader(f.Data))
				if err != nil {
					t.Fatal(err)
				}
				b := img.Bounds()
				if b.Dx() < 800 || b.Dy() < 500 || b.Dx() > 3000 || b.Dy() > 3000 {
					t.Errorf("PNG is %d×%d", b.Dx(), b.Dy())
				}
			case strings.HasSuffix(f.Name, ".svg"):
				dec := xml.NewDecoder(bytes.NewReader(f.Data))
				for {
					_, err := dec.Token()
					if err == io.EOF {
						break
					}
					if err != nil {
						t.Fatalf("SVG does not parse: %v", err)
					}
				}
				if strings.HasPrefix(f.Name, "heatmap") && strings.Count(string(f.Data), `class="cell"`) != 4 {
					t.Error("heatmap SVG should have 4 cells")
				}
			default:
				t.Errorf("unexpected figure %s", f.Name)
			}
		})
	}
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
	if got := strings.Count(buf.String(), `<rect class="cell"`); got != 1000 {
		t.Errorf("rect.cell count = %d, want 1000", got)
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
		{Scale{0, 1}, "[0 0.2 0.4 0.6 0.8 1]"},
		{Scale{0, 0.9}, "[0 0.2 0.4 0.6 0.8]"},
		{Scale{-0.2, 0.6}, "[-0.2 0 0.2 0.4 0.6]"},
		{Scale{0, 0.05}, "[0 0.01 0.02 0.03 0.04 0.05]"},
	}
	for _, tc := range tests {
		if got := fmt.Sprint(tc.sc.Ticks()); got != tc.want {
			t.Errorf("%v.Ticks() = %s, want %s", tc.sc, got, tc.want)
		}
	}
}
