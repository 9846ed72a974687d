package commands

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/bilancio-go/bilancio/internal/conformance"
	"github.com/bilancio-go/bilancio/internal/report"
	"github.com/bilancio-go/bilancio/internal/store"
)

// reportWriteFile writes a test file, making its folder.
func reportWriteFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// reportCSV encodes records as CSV.
func reportCSV(t *testing.T, recs [][]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	if err := w.WriteAll(recs); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// pairedReportDir builds a paired experiment folder: a synthetic
// comparison sweep of 2 κ × 3 μ, or a balanced one from the conformance
// set dealer-balanced-n100. It returns the folder and its μ values.
func pairedReportDir(t *testing.T, recorded bool) (string, map[string]bool) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "paired")
	var recs [][]string
	arms := [2]string{"control", "treatment"}
	if recorded {
		root := conformance.Require(t)
		b, err := os.ReadFile(filepath.Join(root, "dealer-balanced-n100", "comparison.csv"))
		if err != nil {
			t.Fatal(err)
		}
		if recs, err = csv.NewReader(bytes.NewReader(b)).ReadAll(); err != nil {
			t.Fatal(err)
		}
		arms = [2]string{"passive", "active"}
	} else {
		recs = [][]string{report.ComparisonColumns()}
		for i, p := range [][2]string{{"1", "0"}, {"2", "0"}, {"1", "0.5"}, {"2", "0.5"}, {"1", "1"}, {"2", "1"}} {
			s := strconv.Itoa(42 + i)
			recs = append(recs, []string{p[0], "1", p[1], "0", s, "0.5", "0.25", "0.25", "0.5", "0.5", "0.75",
				"comparison_control_" + s, "completed", "comparison_treatment_" + s, "completed"})
			reportWriteFile(t, filepath.Join(dir, "treatment", "runs", "comparison_treatment_"+s, "out", "dealer_metrics.json"),
				[]byte(`{"dealer_total_pnl": 0.5, "dealer_total_return": 0.001, "total_trades": 3}`))
		}
	}
	reportWriteFile(t, filepath.Join(dir, filepath.FromSlash("aggregate/comparison.csv")), reportCSV(t, recs))
	for _, a := range arms {
		if err := os.MkdirAll(filepath.Join(dir, a, "runs"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	mus := map[string]bool{}
	for _, r := range recs[1:] {
		mus[r[2]] = true
	}
	return dir, mus
}

// `sweep report` on a paired experiment writes the paired dashboard and a
// relief heatmap per μ (SVG and PNG), with the other figures.
func TestSweepReportPaired(t *testing.T) {
	for _, tt := range []struct {
		name     string
		recorded bool
		kind     string
	}{
		{"synthetic comparison", false, "comparison sweep"},
		{"recorded balanced", true, "balanced sweep"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir, mus := pairedReportDir(t, tt.recorded)
			stdout, stderr, code := sweepCmd(t, "report", dir)
			if code != 0 || !strings.Contains(stdout, "dashboard.html") {
				t.Fatalf("report: %d\n%s%s", code, stdout, stderr)
			}
			// The relief, trades (and, with some PnL, pnl) heatmaps per μ and
			// the δ scatter, each as SVG and PNG: as many as the output says.
			figs, err := os.ReadDir(filepath.Join(dir, filepath.FromSlash(store.FiguresDir)))
			if err != nil {
				t.Fatal(err)
			}
			if want := strconv.Itoa(len(figs)) + " files"; len(figs) < 2*len(mus)+2 || !strings.Contains(stdout, want) {
				t.Errorf("output %q does not report %s (at least %d)", stdout, want, 2*len(mus)+2)
			}
			b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(store.DashboardFile)))
			if err != nil {
				t.Fatal(err)
			}
			page := string(b)
			if !strings.Contains(page, tt.kind) || !strings.Contains(page, `id="relief"`) {
				t.Error("the page is not the paired dashboard")
			}
			if n := strings.Count(page, `class="heatmap" data-metric="relief"`); n != len(mus) {
				t.Errorf("%d relief heatmaps, want one per μ (%d)", n, len(mus))
			}
			if !strings.Contains(page, `data-key="trades"`) {
				t.Error("the page shows no trade count")
			}
			for mu := range mus {
				for _, ext := range []string{".svg", ".png"} {
					f := filepath.Join(dir, filepath.FromSlash(store.FiguresDir), "relief_mu_"+mu+ext)
					if st, err := os.Stat(f); err != nil || st.Size() == 0 {
						t.Errorf("figure %s: %v", f, err)
					}
				}
			}
		})
	}
}

// A plain experiment stays plain even with `sweep compare`'s output in its
// aggregate folder; a paired folder without comparison.csv is an error.
func TestSweepReportPlainAndErrors(t *testing.T) {
	tmp := t.TempDir()
	a := tinySweep(t, tmp, "a", "expel-agent")
	if stdout, stderr, code := sweepCmd(t, "compare", a, a); code != 0 {
		t.Fatalf("compare: %d\n%s%s", code, stdout, stderr)
	}
	if _, err := os.Stat(filepath.Join(a, "aggregate", "comparison.csv")); err != nil {
		t.Fatal(err)
	}
	if stdout, stderr, code := sweepCmd(t, "report", a); code != 0 {
		t.Fatalf("report: %d\n%s%s", code, stdout, stderr)
	}
	b, err := os.ReadFile(filepath.Join(a, filepath.FromSlash(store.DashboardFile)))
	if err != nil {
		t.Fatal(err)
	}
	if page := string(b); !strings.Contains(page, "sweep dashboard") || strings.Contains(page, `id="relief"`) {
		t.Error("a plain experiment got the paired dashboard")
	}

	empty := filepath.Join(tmp, "empty-pair")
	for _, arm := range []string{"passive", "active"} {
		if err := os.MkdirAll(filepath.Join(empty, arm), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if _, stderr, code := sweepCmd(t, "report", empty); code != 1 || !strings.Contains(stderr, "paired experiment") || !strings.Contains(stderr, "comparison.csv") {
		t.Errorf("report of a paired folder without comparison.csv: %d %q", code, stderr)
	}
}
