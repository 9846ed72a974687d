package report

import (
	"math"
	"strconv"
	"testing"
)

func TestFmtVal(t *testing.T) {
	for _, c := range []struct {
		v    float64
		want string
	}{
		{0, "0"}, {math.Copysign(0, -1), "0"}, {1, "1"}, {0.5, "0.5"}, {0.1707, "0.1707"},
		{0.17062827309236947, "0.1706"}, {-12.4366, "-12.44"}, {1234.5678, "1235"}, {98765.4, "98770"},
		{4.49685e-8, "4.497e-8"}, {0.000123, "1.23e-4"}, {2.5e6, "2.5e6"}, {math.NaN(), "—"},
	} {
		if got := fmtVal(c.v); got != c.want {
			t.Errorf("fmtVal(%v) = %q, want %q", c.v, got, c.want)
		}
	}
	for _, c := range []struct {
		in, want string
		rounded  bool
	}{
		{"0E-28", "0", true}, {"0.0", "0", true}, {"0", "0", false}, {"500", "500", false},
		{"0.8293172690763052208835341365", "0.8293", true}, {"", "—", false}, {"n/a", "n/a", false},
	} {
		got, r := fmtText(c.in)
		if got != c.want || r != c.rounded {
			t.Errorf("fmtText(%q) = %q, %v; want %q, %v", c.in, got, r, c.want, c.rounded)
		}
	}
}

// TestAssetsMinify checks that every asset minifies (a syntax error would
// ship the readable source) and that the packed script round-trips.
func TestAssetsMinify(t *testing.T) {
	a := pageAssets()
	for name, pair := range map[string][2]string{"run.css": {runCSS, a.runCSS}} {
		if len(pair[1]) >= len(pair[0]) {
			t.Errorf("%s was not minified (%d → %d bytes)", name, len(pair[0]), len(pair[1]))
		}
	}
	for _, src := range []string{runJS, runDealerJS, runDrawnCSS, runCSS} {
		mime := "text/javascript"
		if src == runCSS || src == runDrawnCSS {
			mime = "text/css"
		}
		if _, err := minifier().String(mime, src); err != nil {
			t.Errorf("minify: %v", err)
		}
	}
	if len(a.runDealerLoader) <= len(a.runLoader) {
		t.Error("the dealer page's script does not carry run_dealer.js")
	}
}

func TestPointsCSV(t *testing.T) {
	d := &Dashboard{}
	for i, delta := range []string{"0.2", "0.4", "0.6", ""} {
		st := "completed"
		if delta == "" {
			st = "failed"
		}
		d.Runs = append(d.Runs, DashboardRun{ID: string(rune('a' + i)), Kappa: "2", Concentration: "1", Mu: "0", Monotonicity: "0", Status: st, Delta: delta, Phi: delta})
	}
	d.Runs = append(d.Runs, DashboardRun{ID: "e", Kappa: "0.5", Concentration: "1", Mu: "0", Monotonicity: "0", Status: "completed", Delta: "0.1", Phi: "0.9"})
	got := string(PointsCSV(d))
	// Three replicates of κ 2: mean 0.4, sd 0.2, t(2) = 4.303, half-width 4.303·0.2/√3.
	xs := []float64{0.2, 0.4, 0.6}
	m := (xs[0] + xs[1] + xs[2]) / 3
	sd := math.Sqrt(((xs[0]-m)*(xs[0]-m) + (xs[1]-m)*(xs[1]-m) + (xs[2]-m)*(xs[2]-m)) / 2)
	h := 4.303 * sd / math.Sqrt(3)
	if math.Abs(sd-0.2) > 1e-12 {
		t.Fatalf("sd %v", sd)
	}
	row := fmtG(m) + "," + fmtG(m-h) + "," + fmtG(m+h)
	want := "phase,kappa,concentration,mu,monotonicity,runs,completed,delta_mean,delta_ci95_low,delta_ci95_high,phi_mean,phi_ci95_low,phi_ci95_high\n" +
		",0.5,1,0,0,1,1,0.1,,,0.9,,\n" +
		",2,1,0,0,4,3," + row + "," + row + "\n"
	if got != want {
		t.Errorf("points:\n%s\nwant\n%s", got, want)
	}
}

func fmtG(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
