package experiment

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/bilancio-go/bilancio/internal/conformance"
	"github.com/bilancio-go/bilancio/internal/report"
	"github.com/bilancio-go/bilancio/internal/store"
)

// testOptions are the options the commands pass: a sweep without an
// executor block ran on the local executor.
func testOptions() Options { return Options{DefaultExecutor: "local"} }

// pdashSet is a recorded conformance set of paired runs: its
// comparison.csv, and its dealer runs under runs/.
type pdashSet struct {
	name   string
	layout report.PairedLayout
	rows   int
	rhos   int
}

func pdashSets() []pdashSet {
	return []pdashSet{
		{"dealer-expel-n100", report.PairedComparison, 25, 1},
		{"dealer-balanced-n100", report.PairedBalanced, 25, 1},
		{"dealer-detailed-n5", report.PairedBalanced, 19, 5},
	}
}

// pdashReadCSV reads a whole CSV file.
func pdashReadCSV(t *testing.T, path string) [][]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return recs
}

func pdashWriteCSV(t *testing.T, path string, recs [][]string) {
	t.Helper()
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	if err := w.WriteAll(recs); err != nil {
		t.Fatal(err)
	}
	pdashWriteTestFile(t, path, buf.Bytes())
}

func pdashWriteTestFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// pairedExperiment builds a paired experiment folder in a temporary
// directory from a conformance set: aggregate/comparison.csv (the recorded
// one, its records passed through edit), both arm folders, the dealer
// runs' out/dealer_metrics.json and a run.html for the control run of the
// first pair. It returns the folder and the recorded records.
func pdashExperiment(t *testing.T, set pdashSet, edit func(header []string, rec []string)) (string, [][]string) {
	t.Helper()
	root := conformance.Require(t)
	src := filepath.Join(root, set.name)
	recs := pdashReadCSV(t, filepath.Join(src, "comparison.csv"))
	dir := filepath.Join(t.TempDir(), set.name)
	base, dealer := set.layout.Arms()
	edited := make([][]string, len(recs))
	for i, r := range recs {
		edited[i] = append([]string(nil), r...)
		if i > 0 && edit != nil {
			edit(recs[0], edited[i])
		}
	}
	pdashWriteCSV(t, filepath.Join(dir, "aggregate", "comparison.csv"), edited)
	col := func(name string) int {
		for i, h := range recs[0] {
			if h == name {
				return i
			}
		}
		t.Fatalf("%s has no column %s", set.name, name)
		return -1
	}
	for _, arm := range []string{base, dealer} {
		if err := os.MkdirAll(filepath.Join(dir, arm, "runs"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range recs[1:] {
		id := r[col(dealer+"_run_id")]
		b, err := os.ReadFile(filepath.Join(src, "runs", id, "out", "dealer_metrics.json"))
		if errors.Is(err, os.ErrNotExist) {
			continue // data-era runs have none
		}
		if err != nil {
			t.Fatal(err)
		}
		pdashWriteTestFile(t, filepath.Join(dir, dealer, "runs", id, "out", "dealer_metrics.json"), b)
	}
	first := recs[1][col(base+"_run_id")]
	pdashWriteTestFile(t, filepath.Join(dir, base, "runs", first, "run.html"), []byte("<!DOCTYPE html><title>run</title>"))
	return dir, recs
}

func TestLoadPairedDashboardConformance(t *testing.T) {
	for _, tt := range []struct {
		set pdashSet
		// blank clears the dealer columns of comparison.csv, so that the
		// loader reads each dealer run's dealer_metrics.json instead.
		blank      bool
		wantSource string
	}{
		{pdashSets()[0], false, ""},
		{pdashSets()[1], false, "comparison.csv"},
		{pdashSets()[1], true, "dealer_metrics.json"},
		{pdashSets()[2], false, "comparison.csv"},
		{pdashSets()[2], true, "dealer_metrics.json"},
	} {
		name := tt.set.name
		if tt.blank {
			name += "/from-dealer-metrics"
		}
		t.Run(name, func(t *testing.T) {
			blank := func(header, rec []string) {
				for i, h := range header {
					switch h {
					case "dealer_total_pnl", "dealer_total_return", "total_trades":
						rec[i] = ""
					}
				}
			}
			if !tt.blank {
				blank = nil
			}
			dir, recs := pdashExperiment(t, tt.set, blank)
			if !IsPaired(dir) {
				t.Fatal("not detected as a paired experiment")
			}
			d, err := testOptions().LoadPaired(context.Background(), dir)
			if err != nil {
				t.Fatal(err)
			}
			if d.Layout != tt.set.layout || len(d.Pairs) != tt.set.rows || d.ExperimentID != tt.set.name {
				t.Fatalf("layout %v, %d pairs, id %q; want %v, %d, %q", d.Layout, len(d.Pairs), d.ExperimentID, tt.set.layout, tt.set.rows, tt.set.name)
			}
			header := recs[0]
			get := func(rec []string, name string) string {
				for i, h := range header {
					if h == name {
						return rec[i]
					}
				}
				return ""
			}
			base, dealer := tt.set.layout.Arms()
			effectCol := "delta_reduction"
			if tt.set.layout == report.PairedBalanced {
				effectCol = "trading_effect"
			}
			rhos := map[string]bool{}
			for i, p := range d.Pairs {
				rec := recs[i+1]
				rhos[p.OutsideMidRatio] = true
				if p.Kappa != get(rec, "kappa") || p.Seed != get(rec, "seed") || p.Effect != get(rec, effectCol) ||
					p.DeltaControl != get(rec, "delta_"+base) || p.TreatmentRunID != get(rec, dealer+"_run_id") {
					t.Errorf("pair %d: %+v does not match its record %v", i, p, rec)
				}
				// The dealer values are the recorded ones, wherever they come from.
				if p.DealerPnL != get(rec, "dealer_total_pnl") || p.DealerReturn != get(rec, "dealer_total_return") || p.Trades != get(rec, "total_trades") {
					t.Errorf("pair %d: dealer %q %q %q, recorded %q %q %q", i, p.DealerPnL, p.DealerReturn, p.Trades,
						get(rec, "dealer_total_pnl"), get(rec, "dealer_total_return"), get(rec, "total_trades"))
				}
				if p.DealerSource != tt.wantSource {
					t.Errorf("pair %d: dealer values from %q, want %q", i, p.DealerSource, tt.wantSource)
				}
				// A run.html where the fixture has one; else the run's
				// folder when it exists (a run that did not keep its page),
				// else no link.
				wantLink := ""
				if i == 0 {
					wantLink = "../" + base + "/runs/" + p.ControlRunID + "/run.html"
				}
				wantDealer := ""
				if st, err := os.Stat(filepath.Join(dir, dealer, "runs", p.TreatmentRunID)); err == nil && st.IsDir() {
					wantDealer = "../" + dealer + "/runs/" + p.TreatmentRunID + "/"
				}
				if p.ControlHTML != wantLink || p.TreatmentHTML != wantDealer {
					t.Errorf("pair %d: links %q, %q; want %q and %q", i, p.ControlHTML, p.TreatmentHTML, wantLink, wantDealer)
				}
			}
			if len(rhos) != tt.set.rhos {
				t.Errorf("%d ρ values, want %d", len(rhos), tt.set.rhos)
			}
		})
	}
}

// The dashboard of a recorded set has a relief heatmap per (ρ,) μ with a
// cell per (κ, c) of that (ρ,) μ, and the recorded numbers.
func TestWritePairedDashboardConformance(t *testing.T) {
	for _, set := range pdashSets() {
		t.Run(set.name, func(t *testing.T) {
			dir, recs := pdashExperiment(t, set, nil)
			if err := testOptions().writePairedDashboardDir(context.Background(), dir); err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(store.DashboardFile)))
			if err != nil {
				t.Fatal(err)
			}
			page := string(b)
			header := recs[0]
			idx := map[string]int{}
			for i, h := range header {
				idx[h] = i
			}
			// Expected cells: distinct (κ, c) per (ρ, μ); ρ only counts when it varies.
			want := map[string]map[string]bool{}
			for _, r := range recs[1:] {
				rho := ""
				if set.rhos > 1 {
					rho = r[idx["outside_mid_ratio"]]
				}
				k := rho + "/" + r[idx["mu"]]
				if want[k] == nil {
					want[k] = map[string]bool{}
				}
				want[k][r[idx["kappa"]]+" "+r[idx["concentration"]]] = true
			}
			re := regexp.MustCompile(`<figure class="heatmap" data-metric="relief" data-rho="([^"]*)" data-mu="([^"]*)"`)
			got := map[string]int{}
			for _, loc := range re.FindAllStringSubmatchIndex(page, -1) {
				rest := page[loc[1]:]
				rest = rest[:strings.Index(rest, "</figure>")]
				got[page[loc[2]:loc[3]]+"/"+page[loc[4]:loc[5]]] = strings.Count(rest, `<rect class="cell"`)
			}
			if len(got) != len(want) {
				t.Errorf("relief heatmaps %v, want one per (ρ,) μ of %d", got, len(want))
			}
			for k, cells := range want {
				if got[k] != len(cells) {
					t.Errorf("relief heatmap %s: %d cells, want %d", k, got[k], len(cells))
				}
			}
			// Every run id and the link to the run.html that exists.
			for _, r := range recs[1:] {
				for c, h := range header {
					if strings.HasSuffix(h, "_run_id") && !strings.Contains(page, r[c]) {
						t.Errorf("the page lacks run %s", r[c])
					}
				}
			}
			base, _ := set.layout.Arms()
			if link := "../" + base + "/runs/" + recs[1][idx[base+"_run_id"]] + "/run.html"; !strings.Contains(page, link) {
				t.Errorf("the page lacks the link %s", link)
			}
			if pairs := regexp.MustCompile(`data-key="pairs"><div class="label">Pairs</div><div class="value">(\d+)<`).FindStringSubmatch(page); pairs == nil || pairs[1] != strconv.Itoa(set.rows) {
				t.Errorf("pairs card %v, want %d", pairs, set.rows)
			}
			if set.layout == report.PairedBalanced && !strings.Contains(page, `data-metric="trades"`) {
				t.Error("a balanced sweep's page has trade heatmaps")
			}
			left, _ := filepath.Glob(filepath.Join(dir, "aggregate", ".*tmp*"))
			if len(left) != 0 {
				t.Errorf("temporary files left: %v", left)
			}
		})
	}
}

// syntheticPaired writes a small comparison-layout experiment (no
// conformance data needed): 2 κ × 1 c × 2 μ, the treatment runs with
// dealer_metrics.json, one failed treatment run in the registry, and a
// summary.json.
func pdashSynthetic(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "synthetic")
	recs := [][]string{report.ComparisonColumns()}
	type pair struct{ kappa, mu, dc, dt, red, rel, tStatus string }
	for i, p := range []pair{
		{"0.5", "0", "0.5", "0.25", "0.25", "0.5", "completed"},
		{"2", "0", "0.25", "0.25", "0E-28", "0", "completed"},
		{"0.5", "1", "0.5", "0.75", "-0.25", "-0.5", "completed"},
		{"2", "1", "0.5", "", "", "", "failed"},
	} {
		seed := strconv.Itoa(42 + i)
		recs = append(recs, []string{p.kappa, "1", p.mu, "0", seed, p.dc, p.dt, p.red, p.rel, "0.5", "0.5",
			"comparison_control_" + seed, "completed", "comparison_treatment_" + seed, p.tStatus})
		if p.tStatus == "completed" {
			pdashWriteTestFile(t, filepath.Join(dir, "treatment", "runs", "comparison_treatment_"+seed, "out", "dealer_metrics.json"),
				[]byte(`{"dealer_total_pnl": -1.5, "dealer_total_return": -0.01, "dealer_profitable": false, "total_trades": `+strconv.Itoa(10+i)+`, "mean_margin_at_default": null}`))
			pdashWriteTestFile(t, filepath.Join(dir, "treatment", "runs", "comparison_treatment_"+seed, "run.html"), []byte("<!DOCTYPE html>"))
		}
		pdashWriteTestFile(t, filepath.Join(dir, "control", "runs", "comparison_control_"+seed, "run.html"), []byte("<!DOCTYPE html>"))
	}
	pdashWriteCSV(t, filepath.Join(dir, "aggregate", "comparison.csv"), recs)
	pdashWriteTestFile(t, filepath.Join(dir, "treatment", "registry", "experiments.csv"), []byte(
		"run_id,phase,seed,run_html,status,error\r\n"+
			"comparison_treatment_42,comparison_treatment,42,../runs/comparison_treatment_42/run.html,completed,\r\n"+
			"comparison_treatment_45,comparison_treatment,45,,failed,the simulation failed: boom\r\n"))
	pdashWriteTestFile(t, filepath.Join(dir, "aggregate", "summary.json"), []byte(`{
  "total_pairs": 4,
  "config": {"n_agents": 5, "maturity_days": 3, "Q_total": "500", "base_seed": 42, "kappas": ["0.5", "2"], "concentrations": ["1"], "mus": ["0", "1"]}
}`))
	return dir
}

func TestLoadPairedDashboardSynthetic(t *testing.T) {
	dir := pdashSynthetic(t)
	d, err := testOptions().LoadPaired(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if d.Layout != report.PairedComparison || len(d.Pairs) != 4 || d.ExperimentID != "synthetic" {
		t.Fatalf("layout %v, %d pairs, id %q", d.Layout, len(d.Pairs), d.ExperimentID)
	}
	for i, want := range []struct{ trades, source, tLink, tErr string }{
		{"10", "dealer_metrics.json", "../treatment/runs/comparison_treatment_42/run.html", ""},
		{"11", "dealer_metrics.json", "../treatment/runs/comparison_treatment_43/run.html", ""},
		{"12", "dealer_metrics.json", "../treatment/runs/comparison_treatment_44/run.html", ""},
		{"", "", "", "the simulation failed: boom"},
	} {
		p := d.Pairs[i]
		if p.Trades != want.trades || p.DealerSource != want.source || p.TreatmentHTML != want.tLink || p.TreatmentError != want.tErr {
			t.Errorf("pair %d: trades %q from %q, link %q, error %q; want %+v", i, p.Trades, p.DealerSource, p.TreatmentHTML, p.TreatmentError, want)
		}
		if want.trades != "" && (p.DealerPnL != "-1.5" || p.DealerReturn != "-0.01") {
			t.Errorf("pair %d: PnL %q return %q", i, p.DealerPnL, p.DealerReturn)
		}
		if p.ControlHTML != "../control/runs/"+p.ControlRunID+"/run.html" {
			t.Errorf("pair %d: control link %q", i, p.ControlHTML)
		}
	}
	cfg := map[string]string{}
	var keys []string
	for _, c := range d.Config {
		cfg[c.Key] = c.Value
		keys = append(keys, c.Key)
	}
	if strings.Join(keys, ",") != "n_agents,maturity_days,Q_total,base_seed,kappas,concentrations,mus" || cfg["kappas"] != "0.5, 2" || cfg["Q_total"] != "500" {
		t.Errorf("config %v", d.Config)
	}
	s := report.SummarizePairs(d.Pairs)
	if s.Improved != 1 || s.Unchanged != 1 || s.Worsened != 1 || s.FailedTreatment != 1 || s.Trades != 33 || s.Profitable != 0 || s.WithDealer != 3 {
		t.Errorf("stats %+v", s)
	}

	// The written page and figures.
	dash, figs, err := testOptions().writePairedReport(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if dash != filepath.Join(dir, "aggregate", "dashboard.html") || len(figs) != 14 {
		t.Errorf("report %s, figures %v", dash, figs)
	}
	b, err := os.ReadFile(dash)
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	for _, s := range []string{`data-metric="relief" data-rho="" data-mu="0"`, `data-metric="trades" data-rho="" data-mu="1"`,
		`data-metric="pnl"`, "comparison_treatment_45", "boom", `<dt>kappas</dt><dd>0.5, 2</dd>`} {
		if !strings.Contains(page, s) {
			t.Errorf("the page lacks %q", s)
		}
	}
}

func TestPairedDashboardErrors(t *testing.T) {
	for _, tt := range []struct {
		name  string
		setup func(t *testing.T, dir string)
		err   string
	}{
		{"no comparison.csv", func(t *testing.T, dir string) {
			for _, a := range []string{"control", "treatment"} {
				if err := os.MkdirAll(filepath.Join(dir, a), 0o755); err != nil {
					t.Fatal(err)
				}
			}
		}, "comparison.csv"},
		{"empty comparison.csv", func(t *testing.T, dir string) {
			pdashWriteTestFile(t, filepath.Join(dir, "aggregate", "comparison.csv"), nil)
		}, "empty"},
		{"plain results", func(t *testing.T, dir string) {
			pdashWriteTestFile(t, filepath.Join(dir, "aggregate", "comparison.csv"), []byte("run_id,kappa,delta_total\r\nx,1,0\r\n"))
		}, "neither"},
		{"bad dealer metrics", func(t *testing.T, dir string) {
			recs := [][]string{report.ComparisonColumns(), {"1", "1", "0", "0", "42", "0.5", "0.25", "0.25", "0.5", "0.5", "0.75", "c", "completed", "t", "completed"}}
			pdashWriteCSV(t, filepath.Join(dir, "aggregate", "comparison.csv"), recs)
			pdashWriteTestFile(t, filepath.Join(dir, "treatment", "runs", "t", "out", "dealer_metrics.json"), []byte("{not json"))
		}, "dealer_metrics.json"},
		{"bad summary", func(t *testing.T, dir string) {
			pdashWriteCSV(t, filepath.Join(dir, "aggregate", "comparison.csv"), [][]string{report.ComparisonColumns()})
			pdashWriteTestFile(t, filepath.Join(dir, "aggregate", "summary.json"), []byte("[1"))
		}, "summary.json"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			tt.setup(t, dir)
			_, err := testOptions().LoadPaired(context.Background(), dir)
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("LoadPaired: %v, want an error with %q", err, tt.err)
			}
			if err := testOptions().writePairedDashboardDir(context.Background(), dir); err == nil {
				t.Fatal("WritePairedDashboard wrote a page")
			}
			if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(store.DashboardFile))); err == nil {
				t.Error("a dashboard was written")
			}
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := testOptions().writePairedDashboardDir(ctx, pdashSynthetic(t)); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestIsPairedExperimentDir(t *testing.T) {
	mk := func(t *testing.T, files ...string) string {
		dir := t.TempDir()
		for _, f := range files {
			if strings.HasSuffix(f, "/") {
				if err := os.MkdirAll(filepath.Join(dir, f), 0o755); err != nil {
					t.Fatal(err)
				}
				continue
			}
			pdashWriteTestFile(t, filepath.Join(dir, f), []byte("x"))
		}
		return dir
	}
	for _, tt := range []struct {
		name  string
		files []string
		want  bool
	}{
		{"comparison sweep", []string{"control/", "treatment/", "aggregate/comparison.csv"}, true},
		{"balanced sweep", []string{"passive/", "active/", "aggregate/comparison.csv"}, true},
		{"arms before the first pair", []string{"passive/", "active/"}, true},
		{"plain with sweep compare output", []string{"experiment.json", "runs/", "aggregate/comparison.csv"}, false},
		{"plain", []string{"experiment.json", "registry/experiments.csv"}, false},
		{"one arm", []string{"control/", "aggregate/comparison.csv"}, false},
		{"mixed arms", []string{"control/", "active/", "aggregate/comparison.csv"}, false},
		{"plain experiment with arm-named folders", []string{"experiment.json", "control/", "treatment/"}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsPaired(mk(t, tt.files...)); got != tt.want {
				t.Errorf("IsPaired = %v, want %v", got, tt.want)
			}
		})
	}
}
