package config

import (
	"context"
	"fmt"
	"math/big"
	"slices"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// evalNumber evaluates an HCL expression to a number, as sweep files do.
func evalNumber(t *testing.T, src string) *big.Float {
	t.Helper()
	expr, diags := hclsyntax.ParseExpression([]byte(src), "n.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	v, diags := expr.Value(&hcl.EvalContext{Functions: functions()})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return v.AsBigFloat()
}

// A number's text is the shortest decimal that identifies it, without an
// exponent; results of inexact arithmetic are rounded to 28 digits.
func TestNumberText(t *testing.T) {
	cases := []struct{ expr, want string }{
		{"0.25", "0.25"},
		{"0.1", "0.1"},
		{"10000", "10000"},
		{"10000.0", "10000"},
		{"1e-7", "0.0000001"},
		{"1e20", "100000000000000000000"},
		{"1.5e3", "1500"},
		{"-0.5", "-0.5"},
		{"0", "0"},
		{"-0", "0"},
		{"0.1 + 0.2", "0.3"},
		{"2 / 10", "0.2"},
		{"1 / 3", "0.3333333333333333333333333333"},
		{"2 / 3", "0.6666666666666666666666666667"},
		{"range(0, 1, 0.1)[7]", "0.7"},
		{"range(0, 1, 0.1)[9]", "0.9"},
		{"sum([0.1, 0.2, 0.3])", "0.6"},
		{"123456789012345678901234567890", "123456789012345678901234567900"},
		{"0.1234567890123456789012345678", "0.1234567890123456789012345678"},
		// pow and log compute in float64: the shortest text of that float.
		{"pow(2, 70)", "1180591620717411300000"},
		{"pow(2, 0.5)", "1.4142135623730951"},
	}
	for _, c := range cases {
		got, err := numberText(evalNumber(t, c.expr))
		if err != nil || got != c.want {
			t.Errorf("%s: got %q (%v), want %q", c.expr, got, err, c.want)
		}
	}
	if _, err := numberText(new(big.Float).SetInf(false)); err == nil {
		t.Error("infinity formatted")
	}
}

// The float rule is bilancio's Decimal(str(float(x))).
func TestCLIFloatText(t *testing.T) {
	cases := []struct{ in, want string }{
		{"10000", "10000.0"},
		{"10000.5", "10000.5"},
		{"0.1", "0.1"},
		{"4", "4.0"},
		{"0", "0.0"},
		{"1000000", "1000000.0"},
		{"1e16", "1E+16"},
		{"0.0001", "0.0001"},
		{"0.00001", "0.00001"},
		{"0.1000000000000000055511151231257827", "0.1"},
	}
	for _, c := range cases {
		if got, err := cliFloatText(c.in); err != nil || got != c.want {
			t.Errorf("%s: got %q (%v), want %q", c.in, got, err, c.want)
		}
	}
}

// End to end: grid lists keep the shortest text, q_total and the other
// float-rule values get bilancio's float texts, strings stay as written.
func TestSweepNumberTexts(t *testing.T) {
	src := `
locals {
  steps = range(0.5, 2.5, 0.5)
}
sweep "numbers" {
  n_agents      = 10
  maturity_days = 5
  q_total       = %s
  grid {
    kappas         = concat(local.steps, ["0.50", "1E+1"], [1e-7, 1/4])
    concentrations = [for c in [1, 2, 5] : c / 10]
    mus            = ["0.0", 0, 1.0]
    monotonicities = [-1, 0.5]
  }
  lhs {
    count         = 3
    kappa         = [0.1, "6"]
    concentration = [1, 1e1]
    mu            = ["0", 1]
  }
  frontier {
    kappa_low      = 0.1
    kappa_high     = 4
    tolerance      = 0.02
    max_iterations = 6
  }
}
`
	load := func(q string) *sweepSpecView {
		opts := testOptions()
		spec, diags := Load(context.Background(), "numbers.hcl", []byte(fmt.Sprintf(src, q)), opts)
		if diags.HasErrors() {
			t.Fatalf("q_total = %s:\n%s", q, DiagnosticsText(opts.Files, diags))
		}
		return &sweepSpecView{spec.Ring.QTotal, spec.Grid["kappas"], spec.Grid["concentrations"], spec.Grid["mus"], spec.Grid["monotonicities"],
			[]string{spec.LHS.Ranges["kappa"].Min, spec.LHS.Ranges["kappa"].Max, spec.LHS.Ranges["concentration"].Min, spec.LHS.Ranges["concentration"].Max, spec.LHS.Ranges["mu"].Min, spec.LHS.Ranges["mu"].Max},
			[]string{spec.Frontier.KappaLow, spec.Frontier.KappaHigh, spec.Frontier.Tolerance},
			spec.Frontier.Cells["concentrations"]}
	}
	v := load("10000")
	check := func(what string, got, want []string) {
		t.Helper()
		if !slices.Equal(got, want) {
			t.Errorf("%s: got %q, want %q", what, got, want)
		}
	}
	check("q_total", []string{v.q}, []string{"10000.0"})
	check("kappas", v.kappas, []string{"0.5", "1", "1.5", "2", "0.50", "1E+1", "0.0000001", "0.25"})
	check("concentrations", v.concentrations, []string{"0.1", "0.2", "0.5"})
	check("mus", v.mus, []string{"0.0", "0", "1"})
	check("monotonicities", v.monotonicities, []string{"-1", "0.5"})
	check("lhs", v.lhs, []string{"0.1", "6", "1.0", "10.0", "0", "1.0"})
	check("frontier", v.frontier, []string{"0.1", "4.0", "0.02"})
	check("frontier cells default to the grid's", v.frontierCells, []string{"0.1", "0.2", "0.5"})
	for q, want := range map[string]string{`"10000"`: "10000", "10000.5": "10000.5", "1e6": "1000000.0", `"1E+4"`: "1E+4", "2500 * 4": "10000.0"} {
		if got := load(q).q; got != want {
			t.Errorf("q_total = %s: got %q, want %q", q, got, want)
		}
	}
}

// sweepSpecView gathers the decimal texts TestSweepNumberTexts checks.
type sweepSpecView struct {
	q                                           string
	kappas, concentrations, mus, monotonicities []string
	lhs, frontier, frontierCells                []string
}
