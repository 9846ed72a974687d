package sweep

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/bilancio-go/bilancio/internal/conformance"
)

// recordedRows reads a recorded comparison.csv: its header line, its data
// lines as written (CRLF included) and the same rows parsed.
func recordedRows(t *testing.T, path string) (header []byte, lines [][]byte, rows []map[string]string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	raw := bytes.SplitAfter(b, []byte("\r\n"))
	if len(raw[len(raw)-1]) == 0 {
		raw = raw[:len(raw)-1]
	}
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != len(raw) {
		t.Fatalf("%s: %d CRLF lines, %d records", path, len(raw), len(recs))
	}
	for _, rec := range recs[1:] {
		row := map[string]string{}
		for i, h := range recs[0] {
			row[h] = rec[i]
		}
		rows = append(rows, row)
	}
	return raw[0], raw[1:], rows
}

// Every recorded comparison.csv row follows from the two registries (and,
// for the balanced layout, the active run's dealer_metrics.json): built by
// ComparisonCSV, it is byte-identical to the recorded line.
func TestComparisonCSVRecordedRows(t *testing.T) {
	root := conformance.Require(t)
	for _, tc := range []struct {
		kind             string
		rows             string // the set holding comparison.csv
		without, with    string // the arms' registries
		armIDs           [2]string
		face, beta       string
		dealerMetricsSet string
	}{
		{kind: KindComparison, rows: "dealer-expel-n100", without: "ring-expel-n100", with: "dealer-expel-n100",
			armIDs: [2]string{"control_run_id", "treatment_run_id"}},
		{kind: KindBalanced, rows: "dealer-balanced-n100", without: "balanced-passive-n100", with: "dealer-balanced-n100",
			armIDs: [2]string{"passive_run_id", "active_run_id"}, face: "20", beta: "0.25", dealerMetricsSet: "dealer-balanced-n100"},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			header, lines, rows := recordedRows(t, filepath.Join(root, tc.rows, "comparison.csv"))
			var regs [2]map[string]map[string]string
			for i, set := range []string{tc.without, tc.with} {
				r, err := conformance.Registry(root, set)
				if err != nil {
					t.Fatal(err)
				}
				regs[i] = r
			}
			cfg := &PairedConfig{Kind: tc.kind, FaceValue: tc.face, BigEntityShare: tc.beta}
			empty, err := ComparisonCSV(tc.kind, cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(empty, header) {
				t.Errorf("header\n got %q\nwant %q", empty, header)
			}
			if len(rows) == 0 {
				t.Fatal("no recorded rows")
			}
			matched := 0
			for i, row := range rows {
				seed, err := strconv.ParseInt(row["seed"], 10, 64)
				if err != nil {
					t.Fatal(err)
				}
				pr := Pair{Params: [4]string{row["kappa"], row["concentration"], row["mu"], row["monotonicity"]}, Seed: seed, Rho: row["outside_mid_ratio"]}
				for a := range 2 {
					id := row[tc.armIDs[a]]
					reg := regs[a][id]
					if reg == nil {
						t.Fatalf("row %d: run %s is not in the registry", i+1, id)
					}
					pr.Arms[a] = ArmResult{RunID: id, Phi: reg["phi_total"], Delta: reg["delta_total"]}
				}
				if tc.dealerMetricsSet != "" {
					d, err := ReadDealerSummary(filepath.Join(root, tc.dealerMetricsSet, "runs", pr.Arms[1].RunID, filepath.FromSlash(DealerMetricsFile)))
					if err != nil {
						t.Fatal(err)
					}
					pr.Arms[1].Dealer = d
				}
				got, err := ComparisonCSV(tc.kind, cfg, []Pair{pr})
				if err != nil {
					t.Fatal(err)
				}
				got = got[len(header):]
				if !bytes.Equal(got, lines[i]) {
					t.Errorf("row %d\n got %q\nwant %q", i+1, got, lines[i])
					continue
				}
				matched++
			}
			t.Logf("%s: %d of %d recorded rows rebuilt byte for byte", tc.rows, matched, len(rows))
		})
	}
}

// summary.json of both layouts, against the text Python's json.dump(...,
// indent=2) writes for the same pairs (computed with bilancio's formulas).
func TestComparisonSummaryJSON(t *testing.T) {
	pairs := []Pair{
		{Params: [4]string{"0.25", "0.2", "0", "0"}, Seed: 42, Rho: "0.75", Arms: [2]ArmResult{
			{RunID: "a0", Phi: "0.5", Delta: "0.5"}, {RunID: "b0", Phi: "0.75", Delta: "0.25"}}},
		{Params: [4]string{"0.25", "0.2", "0.5", "0"}, Seed: 43, Rho: "0.75", Arms: [2]ArmResult{
			{RunID: "a1", Phi: "0.6666666666666666666666666667", Delta: "0.3333333333333333333333333333"},
			{RunID: "b1", Phi: "0.6666666666666666666666666667", Delta: "0.3333333333333333333333333333"}}},
		{Params: [4]string{"0.25", "0.2", "1", "0"}, Seed: 44, Rho: "0.75", Arms: [2]ArmResult{
			{RunID: "a2", Phi: "1", Delta: "0"}, {RunID: "b2", Phi: "0.9", Delta: "0.1"}}},
		{Params: [4]string{"0.5", "0.2", "0", "0"}, Seed: 45, Rho: "0.75", Arms: [2]ArmResult{
			{RunID: "a3", Phi: "0.5", Delta: "0.5"}, {RunID: "b3"}}},
	}
	cfg := &PairedConfig{
		NAgents: 100, MaturityDays: 10, QTotal: "10000.0", BaseSeed: 42, FaceValue: "20", BigEntityShare: "0.25",
		Kappas: []string{"0.25", "0.5"}, Concentrations: []string{"0.2"}, Mus: []string{"0", "0.5", "1"}, Rhos: []string{"0.75"},
	}
	for _, tc := range []struct {
		kind, want string
	}{
		{KindComparison, `{
  "total_pairs": 4,
  "completed_pairs": 3,
  "failed_control_runs": 0,
  "failed_treatment_runs": 1,
  "mean_delta_control": 0.27777777777777773,
  "mean_delta_treatment": 0.22777777777777775,
  "mean_relief_ratio": 0.16666666666666666,
  "pairs_with_improvement": 1,
  "pairs_unchanged": 1,
  "pairs_worsened": 1,
  "config": {
    "n_agents": 100,
    "maturity_days": 10,
    "Q_total": "10000.0",
    "base_seed": 42,
    "kappas": [
      "0.25",
      "0.5"
    ],
    "concentrations": [
      "0.2"
    ],
    "mus": [
      "0",
      "0.5",
      "1"
    ]
  }
}`},
		{KindBalanced, `{
  "total_pairs": 4,
  "completed_pairs": 3,
  "mean_delta_passive": 0.27777777777777773,
  "mean_delta_active": 0.22777777777777775,
  "mean_trading_effect": 0.049999999999999996,
  "mean_relief_ratio": 0.16666666666666666,
  "pairs_with_improvement": 1,
  "pairs_unchanged": 1,
  "pairs_worsened": 1,
  "config": {
    "n_agents": 100,
    "maturity_days": 10,
    "Q_total": "10000.0",
    "base_seed": 42,
    "face_value": "20",
    "big_entity_share": "0.25",
    "kappas": [
      "0.25",
      "0.5"
    ],
    "concentrations": [
      "0.2"
    ],
    "mus": [
      "0",
      "0.5",
      "1"
    ],
    "outside_mid_ratios": [
      "0.75"
    ]
  }
}`},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			got, err := ComparisonSummaryJSON(tc.kind, cfg, pairs)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("summary.json\n got %s\nwant %s", got, tc.want)
			}
		})
	}
}

// The derived columns of the edge cases: equal deltas with 28 decimals give
// 0E-28, a control delta of 0 gives relief 0, a failed run empty fields.
func TestComparisonCSVEdgeCases(t *testing.T) {
	d := "0.1150211140156846973657751860"
	for _, tc := range []struct {
		name             string
		control, treated ArmResult
		want             string
	}{
		{"equal", ArmResult{RunID: "c", Phi: "0.9", Delta: d}, ArmResult{RunID: "t", Phi: "0.9", Delta: d},
			"1,1,0,0,7," + d + "," + d + ",0E-28,0,0.9,0.9,c,completed,t,completed\r\n"},
		{"zero control", ArmResult{RunID: "c", Phi: "1", Delta: "0"}, ArmResult{RunID: "t", Phi: "1", Delta: "0"},
			"1,1,0,0,7,0,0,0,0,1,1,c,completed,t,completed\r\n"},
		{"worse", ArmResult{RunID: "c", Phi: "0.75", Delta: "0.25"}, ArmResult{RunID: "t", Phi: "0.5", Delta: "0.5"},
			"1,1,0,0,7,0.25,0.5,-0.25,-1,0.75,0.5,c,completed,t,completed\r\n"},
		{"failed", ArmResult{RunID: "c", Phi: "0.75", Delta: "0.25"}, ArmResult{RunID: "t"},
			"1,1,0,0,7,0.25,,,,0.75,,c,completed,t,failed\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := ComparisonCSV(KindComparison, &PairedConfig{}, []Pair{{Params: [4]string{"1", "1", "0", "0"}, Seed: 7, Arms: [2]ArmResult{tc.control, tc.treated}}})
			if err != nil {
				t.Fatal(err)
			}
			if got := string(b[bytes.Index(b, []byte("\r\n"))+2:]); got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

// The dealer columns are Python's str() of the JSON values: numbers as
// written, null and absent keys empty, no file no values.
func TestReadDealerSummary(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, json string
		want       [3]string
	}{
		{"recorded", `{"dealer_total_pnl": 0.0, "dealer_total_return": -0.018181818181818184, "dealer_profitable": true, "total_trades": 11}`, [3]string{"0.0", "-0.018181818181818184", "11"}},
		{"null", `{"dealer_total_pnl": null, "total_trades": 0}`, [3]string{"", "", "0"}},
		{"no file", "", [3]string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name+".json")
			if tc.json != "" {
				if err := os.WriteFile(path, []byte(tc.json), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, err := ReadDealerSummary(path)
			if err != nil || got != tc.want {
				t.Errorf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
	if err := os.WriteFile(filepath.Join(dir, "bad.json"), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadDealerSummary(filepath.Join(dir, "bad.json")); err == nil {
		t.Error("a torn dealer_metrics.json was read")
	}
}
