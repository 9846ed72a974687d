package ring

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/bilancio-go/bilancio/internal/pynum"
)

// Helpers shared by the generator's tests, inside the package and (through
// export_test.go) outside it.

// mustDec parses a Decimal in a test.
func mustDec(t *testing.T, s string) *pynum.Amount {
	t.Helper()
	d, err := ParseDecimal(s)
	if err != nil {
		t.Fatal(err)
	}
	return &d
}

// yamlDiff is how a generated scenario.yaml compares with a recorded one.
type yamlDiff struct {
	Identical bool
	Amounts   int // payable amounts that differ (each within 2 ulp)
}

// compareYAML compares two scenario texts line by line: every line must be
// byte-Identical except the amount of a create_payable, whose floats may
// differ by at most 2 ulp without changing their integer part (spec §10.7).
func compareYAML(got, want []byte) (yamlDiff, error) {
	if string(got) == string(want) {
		return yamlDiff{Identical: true}, nil
	}
	gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	if len(gl) != len(wl) {
		return yamlDiff{}, fmt.Errorf("%d lines, want %d", len(gl), len(wl))
	}
	var d yamlDiff
	for i := range gl {
		if gl[i] == wl[i] {
			continue
		}
		g, gok := strings.CutPrefix(gl[i], "    amount: ")
		w, wok := strings.CutPrefix(wl[i], "    amount: ")
		if !gok || !wok || i < 3 || wl[i-3] != "- create_payable:" {
			return d, fmt.Errorf("line %d: %q, want %q", i+1, gl[i], wl[i])
		}
		gf, err1 := strconv.ParseFloat(g, 64)
		wf, err2 := strconv.ParseFloat(w, 64)
		if err1 != nil || err2 != nil {
			return d, fmt.Errorf("line %d: amount %q, want %q: not floats", i+1, g, w)
		}
		if u := ulpDistance(gf, wf); u > 2 || math.Trunc(gf) != math.Trunc(wf) {
			return d, fmt.Errorf("line %d: amount %s, want %s (%d ulp)", i+1, g, w, u)
		}
		d.Amounts++
	}
	return d, nil
}

// ulpDistance counts the floats between two positive floats.
func ulpDistance(a, b float64) int64 {
	d := int64(math.Float64bits(a)) - int64(math.Float64bits(b))
	return max(d, -d)
}
