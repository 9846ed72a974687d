package commands

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/bilancio-go/bilancio/internal/sweep"
)

// The paired commands without options are bilancio's: its defaults, its
// floats (comparison) and Decimals (balanced).
func TestPairedCommandDefaults(t *testing.T) {
	grid := sweep.Grid{"kappas": []string{"0.25", "0.5", "1", "2", "4"}, "concentrations": []string{"0.2", "0.5", "1", "2", "5"},
		"mus": []string{"0", "0.25", "0.5", "0.75", "1"}, "monotonicities": []string{"0"}}
	for _, tc := range []struct {
		kind  string
		flags func(*pairedFlags) interface{ Parse([]string) error }
		args  []string
		want  *sweep.Spec
	}{
		{sweep.KindComparison, func(f *pairedFlags) interface{ Parse([]string) error } { return (&SweepComparisonCommand{}).flags(f) }, nil,
			&sweep.Spec{SeedMode: sweep.SeedCounter, Grid: grid,
				Ring: sweep.RingParams{NAgents: 100, MaturityDays: 10, QTotal: "10000.0", LiquidityMode: "uniform",
					DefaultHandling: "fail-fast", BaseSeed: 42, NamePrefix: "Dealer Comparison"},
				Paired: &sweep.Paired{Kind: sweep.KindComparison, TicketSize: "1.0", DealerShare: "0.25", VBTShare: "0.5"}}},
		{sweep.KindBalanced, func(f *pairedFlags) interface{ Parse([]string) error } { return (&SweepBalancedCommand{}).flags(f) }, nil,
			&sweep.Spec{SeedMode: sweep.SeedCounter, Grid: grid,
				Ring: sweep.RingParams{NAgents: 100, MaturityDays: 10, QTotal: "10000", LiquidityMode: "uniform",
					DefaultHandling: "fail-fast", BaseSeed: 42, NamePrefix: "Balanced Comparison"},
				Paired: &sweep.Paired{Kind: sweep.KindBalanced, FaceValue: "20", BigEntityShare: "0.25",
					OutsideMidRatios: []string{"1.0", "0.9", "0.8", "0.75", "0.5"}, DetailedLogging: true}}},
		{sweep.KindBalanced, func(f *pairedFlags) interface{ Parse([]string) error } { return (&SweepBalancedCommand{}).flags(f) },
			[]string{"-outside-mid-ratios", "0.75", "-detailed-logging=false", "-out-dir", "x", "-q-total", "500.0"},
			&sweep.Spec{SeedMode: sweep.SeedCounter, Grid: grid, ExperimentDir: "x",
				Ring: sweep.RingParams{NAgents: 100, MaturityDays: 10, QTotal: "500.0", LiquidityMode: "uniform",
					DefaultHandling: "fail-fast", BaseSeed: 42, NamePrefix: "Balanced Comparison"},
				Paired: &sweep.Paired{Kind: sweep.KindBalanced, FaceValue: "20", BigEntityShare: "0.25", OutsideMidRatios: []string{"0.75"}}}},
	} {
		t.Run(tc.kind+strings.Join(tc.args, " "), func(t *testing.T) {
			var f pairedFlags
			if err := tc.flags(&f).Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			spec, err := f.spec(tc.kind)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(spec, tc.want) {
				t.Errorf("spec\n%+v\n%+v\nwant\n%+v\n%+v", spec, spec.Paired, tc.want, tc.want.Paired)
			}
		})
	}
}

// `sweep comparison` runs a small sweep into -out-dir in bilancio's layout,
// and `sweep status` reads it; running it again runs nothing.
func TestSweepComparisonCommand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cmp")
	args := []string{"-n-agents", "5", "-maturity-days", "3", "-q-total", "500", "-kappas", "0.5,2", "-concentrations", "1", "-mus", "0,1", "-out-dir", dir}
	stdout, stderr, code := sweepCmd(t, "comparison", args...)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, f := range []string{"control/registry/experiments.csv", "treatment/registry/experiments.csv", "aggregate/comparison.csv", "aggregate/summary.json", "paired.json", "sweep.hcl"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "aggregate/comparison.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(b), "\r\n"); n != 5 {
		t.Errorf("comparison.csv has %d lines, want 5:\n%s", n, b)
	}
	src, err := os.ReadFile(filepath.Join(dir, "sweep.hcl"))
	if err != nil || !strings.Contains(string(src), "bilancio sweep comparison -n-agents 5") {
		t.Errorf("sweep.hcl %q: %v", src, err)
	}
	stdout, stderr, code = sweepCmd(t, "status", dir)
	if code != 0 || !strings.Contains(stdout, "4 pairs complete") || !strings.Contains(stdout, "cmp_treatment") {
		t.Errorf("status: exit %d\n%s\n%s", code, stdout, stderr)
	}
	stdout, _, code = sweepCmd(t, "comparison", args...)
	if code != 0 || !strings.Contains(stdout, "(0 now, 8 earlier)") {
		t.Errorf("again: exit %d\n%s", code, stdout)
	}
}

// `sweep compare DIR` prints a paired sweep's table; `sweep aggregate DIR`
// rebuilds its comparison from the arms' runs byte for byte.
func TestPairedCompareAndAggregate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cmp")
	args := []string{"-n-agents", "5", "-maturity-days", "3", "-q-total", "500", "-kappas", "0.5,2", "-concentrations", "1", "-mus", "0,1", "-out-dir", dir}
	if stdout, stderr, code := sweepCmd(t, "comparison", args...); code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	stdout, stderr, code := sweepCmd(t, "compare", dir)
	if code != 0 {
		t.Fatalf("compare: exit %d\n%s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 6 || !strings.Contains(lines[0], "delta control") || !strings.Contains(lines[5], "4 pairs (4 complete)") {
		t.Errorf("compare printed:\n%s", stdout)
	}
	stdout, _, code = sweepCmd(t, "compare", "-json", dir)
	if code != 0 || strings.Count(stdout, `"delta_reduction":`) != 4 {
		t.Errorf("compare -json: exit %d\n%s", code, stdout)
	}
	comparison := filepath.Join(dir, "aggregate", "comparison.csv")
	before, err := os.ReadFile(comparison)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(comparison); err != nil {
		t.Fatal(err)
	}
	if stdout, stderr, code := sweepCmd(t, "aggregate", dir); code != 0 || !strings.Contains(stdout, "4 pairs") {
		t.Fatalf("aggregate: exit %d\n%s\n%s", code, stdout, stderr)
	}
	after, err := os.ReadFile(comparison)
	if err != nil || string(after) != string(before) {
		t.Errorf("aggregate rebuilt\n%s\nwant\n%s (%v)", after, before, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "aggregate", "dashboard.html")); err != nil {
		t.Errorf("no dashboard: %v", err)
	}
	if _, stderr, code := sweepCmd(t, "compare", filepath.Join(dir, "control")); code != 1 || !strings.Contains(stderr, "not a paired sweep") {
		t.Errorf("compare of one arm: exit %d, %q", code, stderr)
	}
}
