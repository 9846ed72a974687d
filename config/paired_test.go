package config

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/bilancio-go/bilancio/internal/conformance"
	"github.com/bilancio-go/bilancio/internal/sweep"
)

// The paired examples say what bilancio's recorded sweeps were: the
// comparison with the data-era CLI's floats, the balanced one with its
// Decimals, and every recorded pair a point of the grid.
func TestPairedExamples(t *testing.T) {
	for _, tc := range []struct {
		file, kind, q, rowsSet string
		paired                 sweep.Paired
	}{
		{"dealer_comparison_100.hcl", sweep.KindComparison, "10000.0", "dealer-expel-n100",
			sweep.Paired{Kind: sweep.KindComparison, TicketSize: "1.0", DealerShare: "0.25", VBTShare: "0.5"}},
		{"balanced_100.hcl", sweep.KindBalanced, "10000", "dealer-balanced-n100",
			sweep.Paired{Kind: sweep.KindBalanced, FaceValue: "20", BigEntityShare: "0.25", VBTShare: "0.50",
				OutsideMidRatios: []string{"0.75"}, DetailedLogging: true}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			spec := loadExample(t, tc.file, testOptions())
			p := spec.Paired
			if p == nil || p.Kind != tc.kind || p.TicketSize != tc.paired.TicketSize || p.DealerShare != tc.paired.DealerShare ||
				p.VBTShare != tc.paired.VBTShare || p.FaceValue != tc.paired.FaceValue || p.BigEntityShare != tc.paired.BigEntityShare ||
				!slices.Equal(p.OutsideMidRatios, tc.paired.OutsideMidRatios) || p.DetailedLogging != tc.paired.DetailedLogging {
				t.Fatalf("paired %+v", p)
			}
			if spec.Ring.QTotal != tc.q || spec.Ring.NAgents != 100 || spec.Ring.LiquidityMode != "uniform" || spec.Grid == nil {
				t.Fatalf("ring %+v", spec.Ring)
			}
			root := conformance.Require(t)
			reg, err := conformance.Registry(root, tc.rowsSet)
			if err != nil {
				t.Fatal(err)
			}
			g := spec.Grid
			for id, row := range reg {
				k, c, mu := slices.Index(g["kappas"], row["kappa"]), slices.Index(g["concentrations"], row["concentration"]), slices.Index(g["mus"], row["mu"])
				if k < 0 || c < 0 || mu < 0 {
					t.Errorf("%s: %s/%s/%s is not on the grid", id, row["kappa"], row["concentration"], row["mu"])
					continue
				}
				if want := 42 + (k*len(g["concentrations"])+c)*len(g["mus"]) + mu; row["seed"] != strconv.Itoa(want) {
					t.Errorf("%s: seed %s, the grid gives %d", id, row["seed"], want)
				}
				if row["Q_total"] != tc.q {
					t.Errorf("%s: Q_total %s", id, row["Q_total"])
				}
			}
		})
	}
}

// How a sweep block's kind is decided, and the arms' executors.
func TestPairedKinds(t *testing.T) {
	const ring = `
  n_agents      = 5
  maturity_days = 5
  q_total       = 1000
  grid {
    kappas         = [1]
    concentrations = [1]
    mus            = [0]
  }
`
	for _, tc := range []struct {
		name, src, kind string
		executors       [2]string
		main            string
	}{
		{"plain", `sweep "ring" {` + ring + `}`, "", [2]string{}, "local"},
		{"label comparison", `sweep "comparison" {` + ring + `}`, sweep.KindComparison, [2]string{}, "local"},
		{"label balanced", `sweep "balanced" {` + ring + `}`, sweep.KindBalanced, [2]string{}, "local"},
		{"kind ring wins over the label", `sweep "comparison" {` + ring + ` kind = "ring"
}`, "", [2]string{}, "local"},
		{"dealer block", `sweep "x" {` + ring + ` dealer {}
}`, sweep.KindComparison, [2]string{}, "local"},
		{"passive block", `sweep "x" {` + ring + ` passive {}
}`, sweep.KindBalanced, [2]string{}, "local"},
		{"emulating bilancio's truncation", `sweep "balanced" {` + ring + ` emulate_display_truncation = true
}`, sweep.KindBalanced, [2]string{}, "local"},
		{"arm executors", `executor "local" {}
executor "modal" { token = "t" }
sweep "x" {` + ring + ` control { executor = executor.local }
 treatment { executor = executor.modal }
}`, sweep.KindComparison, [2]string{"local", "modal"}, "local"},
		{"one arm elsewhere", `executor "local" {}
executor "modal" { token = "t" }
sweep "x" {` + ring + ` executor = executor.local
 active { executor = executor.modal }
}`, sweep.KindBalanced, [2]string{"", "modal"}, "local"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := testOptions()
			opts.Files = map[string]*hcl.File{}
			spec, diags := Load(context.Background(), "t.hcl", []byte(tc.src), opts)
			if diags.HasErrors() {
				t.Fatal(DiagnosticsText(opts.Files, diags))
			}
			if spec.Executor.Name != tc.main {
				t.Errorf("executor %q, want %q", spec.Executor.Name, tc.main)
			}
			if tc.kind == "" {
				if spec.Paired != nil {
					t.Errorf("a plain sweep became %+v", spec.Paired)
				}
				return
			}
			if spec.Paired == nil || spec.Paired.Kind != tc.kind {
				t.Fatalf("paired %+v, want kind %s", spec.Paired, tc.kind)
			}
			for i, want := range tc.executors {
				if got := spec.Paired.Executors[i].Name; got != want {
					t.Errorf("arm %d executor %q, want %q", i, got, want)
				}
			}
			if tc.kind == sweep.KindBalanced && (!spec.Paired.DetailedLogging || len(spec.Paired.OutsideMidRatios) != 5 || spec.Ring.QTotal != "1000") {
				t.Errorf("balanced defaults: %+v, q_total %s", spec.Paired, spec.Ring.QTotal)
			}
			if want := strings.Contains(tc.src, "emulate_display_truncation = true"); spec.Paired.EmulateDisplayTruncation != want {
				t.Errorf("EmulateDisplayTruncation %v, want %v", spec.Paired.EmulateDisplayTruncation, want)
			}
			if tc.kind == sweep.KindComparison && spec.Ring.QTotal != "1000.0" {
				t.Errorf("q_total %s", spec.Ring.QTotal)
			}
		})
	}
}
