package report

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"
)

func TestPairedLayoutOf(t *testing.T) {
	withDealer := append(ComparisonColumns(), "dealer_total_pnl", "dealer_total_return", "dealer_profitable", "total_trades")
	for _, tt := range []struct {
		name   string
		header []string
		want   PairedLayout
		err    string
	}{
		{"comparison", ComparisonColumns(), PairedComparison, ""},
		{"comparison with dealer columns", withDealer, PairedComparison, ""},
		{"balanced", BalancedComparisonColumns(), PairedBalanced, ""},
		{"balanced with BOM", append([]string{"\ufeffkappa"}, BalancedComparisonColumns()[1:]...), PairedBalanced, ""},
		{"comparison lacking a column", ComparisonColumns()[:14], 0, "lacks treatment_status"},
		{"balanced lacking columns", BalancedComparisonColumns()[:18], 0, "lacks dealer_total_pnl, dealer_total_return, total_trades"},
		{"plain results", []string{"run_id", "kappa", "phi_total", "delta_total"}, 0, "neither"},
		{"empty", nil, 0, "neither"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := PairedLayoutOf(tt.header)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("PairedLayoutOf: %v, want an error with %q", err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("PairedLayoutOf = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
	if b, d := PairedBalanced.Arms(); b != "passive" || d != "active" {
		t.Errorf("balanced arms %s, %s", b, d)
	}
	if b, d := PairedComparison.Arms(); b != "control" || d != "treatment" {
		t.Errorf("comparison arms %s, %s", b, d)
	}
}

func TestPairedRowOf(t *testing.T) {
	rec := map[string]string{}
	for i, c := range BalancedComparisonColumns() {
		rec[c] = fmt.Sprintf("v%d", i)
	}
	r := PairedRowOf(PairedBalanced, rec)
	want := PairedRow{
		Kappa: "v0", Concentration: "v1", Mu: "v2", Monotonicity: "v3", Seed: "v4",
		FaceValue: "v5", OutsideMidRatio: "v6", BigEntityShare: "v7",
		DeltaControl: "v8", DeltaTreatment: "v9", Effect: "v10", ReliefRatio: "v11", PhiControl: "v12", PhiTreatment: "v13",
		ControlRunID: "v14", ControlStatus: "v15", TreatmentRunID: "v16", TreatmentStatus: "v17",
		DealerPnL: "v18", DealerReturn: "v19", Trades: "v20", DealerSource: "comparison.csv",
	}
	if r != want {
		t.Errorf("balanced row\n got %+v\nwant %+v", r, want)
	}
	rec = map[string]string{}
	for i, c := range ComparisonColumns() {
		rec[c] = fmt.Sprintf("c%d", i)
	}
	r = PairedRowOf(PairedComparison, rec)
	want = PairedRow{
		Kappa: "c0", Concentration: "c1", Mu: "c2", Monotonicity: "c3", Seed: "c4",
		DeltaControl: "c5", DeltaTreatment: "c6", Effect: "c7", ReliefRatio: "c8", PhiControl: "c9", PhiTreatment: "c10",
		ControlRunID: "c11", ControlStatus: "c12", TreatmentRunID: "c13", TreatmentStatus: "c14",
	}
	if r != want {
		t.Errorf("comparison row\n got %+v\nwant %+v", r, want)
	}
}

func TestPairedOutcome(t *testing.T) {
	for effect, want := range map[string]string{
		"0.2075168324791478243392623857": "improved", "0E-28": "unchanged", "0": "unchanged",
		"-0.01": "worsened", "": "", "nan?": "", "1E-28": "improved",
	} {
		r := PairedRow{Effect: effect}
		if got := r.Outcome(); got != want {
			t.Errorf("Outcome(%q) = %q, want %q", effect, got, want)
		}
	}
}

// syntheticPairs is a comparison sweep over μ ∈ {0, 1} × κ ∈ {0.5, 2} ×
// c ∈ {1, 5}: δ control 0.5 and treatment 0.25 everywhere except one
// unchanged pair, one worsened pair and one whose treatment run failed.
func syntheticPairs(trades bool) []PairedRow {
	var rows []PairedRow
	seed := 42
	for _, kappa := range []string{"0.5", "2"} {
		for _, c := range []string{"1", "5"} {
			for _, mu := range []string{"0", "1"} {
				r := PairedRow{
					Kappa: kappa, Concentration: c, Mu: mu, Monotonicity: "0", Seed: fmt.Sprint(seed),
					DeltaControl: "0.5", DeltaTreatment: "0.25", Effect: "0.25", ReliefRatio: "0.5", PhiControl: "0.5", PhiTreatment: "0.75",
					ControlRunID: fmt.Sprintf("comparison_control_%012d", seed), ControlStatus: "completed",
					TreatmentRunID: fmt.Sprintf("comparison_treatment_%012d", seed), TreatmentStatus: "completed",
				}
				r.ControlHTML = "../control/runs/" + r.ControlRunID + "/run.html"
				if trades {
					r.DealerPnL, r.DealerReturn, r.Trades, r.DealerSource = "2.5", "0.01", fmt.Sprint(seed-40), "dealer_metrics.json"
				}
				rows = append(rows, r)
				seed++
			}
		}
	}
	rows[1].DeltaTreatment, rows[1].Effect, rows[1].ReliefRatio = "0.5", "0E-28", "0E-28"
	rows[2].DeltaTreatment, rows[2].Effect, rows[2].ReliefRatio = "0.625", "-0.125", "-0.25"
	rows[3].DeltaTreatment, rows[3].Effect, rows[3].ReliefRatio, rows[3].PhiTreatment, rows[3].TreatmentStatus = "", "", "", "", "failed"
	rows[3].TreatmentError = "the simulation failed: <boom>"
	if trades {
		rows[3].DealerPnL, rows[3].DealerReturn, rows[3].Trades, rows[3].DealerSource = "", "", "", ""
	}
	return rows
}

// cardValue returns the value of the summary card key.
func cardValue(t *testing.T, page, key string) string {
	t.Helper()
	m := regexp.MustCompile(`data-key="` + regexp.QuoteMeta(key) + `"><div class="label">[^<]*</div><div class="value">([^<]*)</div>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no card %q", key)
	}
	return m[1]
}

// figureCells counts the rect.cell of each figure.heatmap of a metric, by
// its data-rho/data-mu.
func figureCells(page, metric string) map[string]int {
	out := map[string]int{}
	re := regexp.MustCompile(`<figure class="heatmap" data-metric="` + metric + `" data-rho="([^"]*)" data-mu="([^"]*)" data-cells="(\d+)"[^>]*>`)
	for _, loc := range re.FindAllStringSubmatchIndex(page, -1) {
		rest := page[loc[1]:]
		rest = rest[:strings.Index(rest, "</figure>")]
		key := page[loc[2]:loc[3]] + "/" + page[loc[4]:loc[5]]
		out[key] = strings.Count(rest, `<rect class="cell"`)
	}
	return out
}

func renderPaired(t *testing.T, d *PairedDashboard) string {
	t.Helper()
	var buf bytes.Buffer
	if err := WritePairedDashboard(&buf, d); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestWritePairedDashboard(t *testing.T) {
	d := &PairedDashboard{ExperimentID: "synthetic <x>", Layout: PairedComparison, Pairs: syntheticPairs(true),
		Config: []ConfigItem{{"n_agents", "5"}, {"kappas", "0.5, 2"}}}
	page := renderPaired(t, d)
	for key, want := range map[string]string{
		"pairs": "8", "improved": "5", "unchanged": "1", "worsened": "1", "failed": "0 / 1",
		"mean-delta-base":   "0.5",
		"mean-delta-dealer": fmtVal((0.25*5 + 0.5 + 0.625) / 7),
		"mean-effect":       fmtVal((0.25*5 - 0.125) / 7),
		"mean-relief":       fmtVal((0.5*5 - 0.25) / 7),
		"mean-pnl":          "2.5",
		"mean-return":       "0.01",
		"trades":            fmt.Sprint(2 + 3 + 4 + 5 + 6 + 7 + 8 + 9 - 5),
	} {
		if got := cardValue(t, page, key); got != want {
			t.Errorf("card %s = %q, want %q", key, got, want)
		}
	}
	// A relief heatmap per μ with a cell per (κ, c), and the same for trades.
	for _, metric := range []string{"relief", "trades"} {
		cells := figureCells(page, metric)
		if len(cells) != 2 || cells["/0"] != 4 || cells["/1"] != 4 {
			t.Errorf("%s heatmaps: cells by ρ/μ %v, want 4 for each of μ 0 and 1", metric, cells)
		}
	}
	// PnL is the same everywhere but not zero: its heatmaps are shown.
	if cells := figureCells(page, "pnl"); len(cells) != 2 {
		t.Errorf("PnL heatmaps %v", cells)
	}
	// The relief of κ 0.5, c 5, μ 0 is the mean of one worsened pair.
	if !strings.Contains(page, `data-kappa="0.5" data-concentration="5" data-value="-0.125"`) {
		t.Error("no relief cell of -0.125 at κ 0.5, c 5")
	}
	if n := strings.Count(page, `<circle class="pt"`); n != 7 {
		t.Errorf("scatter has %d points, want 7 (the pairs with both deltas)", n)
	}
	for _, s := range []string{
		"synthetic &lt;x&gt;", "comparison sweep", `"../control/runs/comparison_control_000000000042/run.html"`,
		"the simulation failed: \\u003cboom\\u003e", `<dt>n_agents</dt><dd>5</dd>`, "delta_reduction", "dealer_metrics.json (7 pairs)",
	} {
		if !strings.Contains(page, s) {
			t.Errorf("page lacks %q", s)
		}
	}
	if s := strings.ReplaceAll(page, "http://www.w3.org/2000/svg", ""); strings.Contains(s, "http://") || strings.Contains(s, "https://") || strings.Contains(page, "<boom>") {
		t.Error("the page must be self-contained and escaped")
	}
	// The table by μ: a header and a row per μ.
	groups := page[strings.Index(page, `id="groups"`):]
	groups = groups[:strings.Index(groups, "</table>")]
	if n := strings.Count(groups, "<tr>"); n != 3 {
		t.Errorf("the table by μ has %d rows with its header, want 3", n)
	}
}

func TestWritePairedDashboardNoDealer(t *testing.T) {
	page := renderPaired(t, &PairedDashboard{ExperimentID: "x", Layout: PairedComparison, Pairs: syntheticPairs(false)})
	if !strings.Contains(page, `id="no-dealer"`) || strings.Contains(page, `data-key="trades"`) || len(figureCells(page, "trades")) != 0 {
		t.Error("without dealer metrics the page must say so and show no trade cards or heatmaps")
	}
	if len(figureCells(page, "relief")) != 2 {
		t.Error("relief heatmaps missing")
	}
}

func TestWritePairedDashboardBalancedRhos(t *testing.T) {
	var rows []PairedRow
	for _, rho := range []string{"1.0", "0.5", "0.75"} {
		for _, r := range syntheticPairs(true) {
			r.OutsideMidRatio, r.FaceValue, r.BigEntityShare = rho, "20", "0.25"
			r.DealerPnL, r.DealerReturn = "0.0", "0.0"
			rows = append(rows, r)
		}
	}
	page := renderPaired(t, &PairedDashboard{ExperimentID: "b", Layout: PairedBalanced, Pairs: rows})
	cells := figureCells(page, "relief")
	if len(cells) != 6 {
		t.Fatalf("relief heatmaps by ρ/μ: %v, want 3 ρ × 2 μ", cells)
	}
	for _, rho := range []string{"0.5", "0.75", "1.0"} {
		for _, mu := range []string{"0", "1"} {
			if cells[rho+"/"+mu] != 4 {
				t.Errorf("ρ %s μ %s: %d cells, want 4", rho, mu, cells[rho+"/"+mu])
			}
		}
	}
	if i, j := strings.Index(page, `data-rho="0.5" data-mu="0"`), strings.Index(page, `data-rho="1.0" data-mu="0"`); i < 0 || j < i {
		t.Error("ρ panels are not in ascending order")
	}
	if len(figureCells(page, "pnl")) != 0 {
		t.Error("a zero PnL everywhere needs no heatmap")
	}
	for _, s := range []string{"balanced sweep", "trading_effect", "delta_passive", "active_run_id", "ρ = 0.75, μ = 1"} {
		if !strings.Contains(page, s) {
			t.Errorf("page lacks %q", s)
		}
	}
	if got := cardValue(t, page, "rho"); got != "0.5, 0.75, 1.0" {
		t.Errorf("ρ card %q", got)
	}
	if got := cardValue(t, page, "pairs"); got != "24" {
		t.Errorf("pairs %s", got)
	}
}

func TestWritePairedDashboardNil(t *testing.T) {
	if err := WritePairedDashboard(&bytes.Buffer{}, nil); err == nil {
		t.Error("a nil dashboard must be an error")
	}
}

// TestPairedFinding checks the finding's sentence for effects that lower,
// raise and keep the default rate (a negative mean read "on average by
// -0.07625" after "rose in 3").
func TestPairedFinding(t *testing.T) {
	pair := func(base, dealer, effect string) PairedRow {
		return PairedRow{Kappa: "1", Concentration: "1", Mu: "0", Monotonicity: "0", DeltaControl: base, DeltaTreatment: dealer, Effect: effect}
	}
	for _, c := range []struct {
		name   string
		layout PairedLayout
		pairs  []PairedRow
		want   string
	}{
		{"fell", PairedComparison, []PairedRow{pair("0.5", "0.25", "0.25"), pair("0.5", "0.5", "0")},
			"With dealer trading the default rate fell in 1 of 2 pairs, stayed the same in 1 and rose in 0; on average it fell by 0.125 (mean δ control 0.5, treatment 0.375)."},
		{"rose", PairedBalanced, []PairedRow{pair("0.5", "0.75", "-0.25"), pair("0.5", "0.5", "0")},
			"With active trading the default rate fell in 0 of 2 pairs, stayed the same in 1 and rose in 1; on average it rose by 0.125 (mean δ passive 0.5, active 0.625)."},
		{"unchanged", PairedComparison, []PairedRow{pair("0.5", "0.5", "0")},
			"With dealer trading the default rate fell in 0 of 1 pairs, stayed the same in 1 and rose in 0; on average it did not change (mean δ control 0.5, treatment 0.5)."},
	} {
		d := &PairedDashboard{Layout: c.layout, Pairs: c.pairs}
		if got := d.Finding(); got != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.name, got, c.want)
		}
	}
}
