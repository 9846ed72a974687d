package report

import (
	"math"
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
