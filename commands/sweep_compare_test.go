package commands

import (
	"encoding/xml"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/bilancio-go/bilancio/internal/report"
	"github.com/bilancio-go/bilancio/internal/store"
)

// tinySweep runs a 2 κ × 2 c ring sweep of 5 agents into out/<name> and
// returns its folder.
func tinySweep(t *testing.T, out, name, handling string) string {
	t.Helper()
	dir := filepath.Join(out, name)
	stdout, stderr, code := sweepCmd(t, "ring", "-kappas", "0.5,2", "-concentrations", "0.5,2", "-mus", "0",
		"-n-agents", "5", "-maturity-days", "4", "-q-total", "500", "-liquidity-mode", "uniform",
		"-default-handling", handling, "-out-dir", dir)
	if code != 0 {
		t.Fatalf("sweep ring: %d\n%s%s", code, stdout, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(store.DashboardFile))); err != nil {
		t.Fatalf("sweep did not write its dashboard: %v", err)
	}
	return dir
}

func TestSweepReport(t *testing.T) {
	dir := tinySweep(t, t.TempDir(), "a", "expel-agent")
	stdout, stderr, code := sweepCmd(t, "report", dir)
	if code != 0 || !strings.Contains(stdout, "dashboard.html") {
		t.Fatalf("report: %d\n%s%s", code, stdout, stderr)
	}
	b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(store.DashboardFile)))
	if err != nil {
		t.Fatal(err)
	}
	// The page's script draws the cells from the runs in its data (the
	// browser tests check the drawing); the SVG namespace is a name.
	page := strings.ReplaceAll(string(b), "http://www.w3.org/2000/svg", "")
	if strings.Count(page, `/run.html"`) != 4 || strings.Contains(page, "http://") || strings.Contains(page, "https://") {
		t.Error("dashboard must link the 4 run.html files and nothing on the network")
	}
	points, err := os.ReadFile(filepath.Join(dir, "aggregate", "points.csv"))
	if err != nil || strings.Count(string(points), "\n") != 5 {
		t.Errorf("points.csv: want a header and 4 points: %q %v", points, err)
	}
	figs, err := filepath.Glob(filepath.Join(dir, filepath.FromSlash(store.FiguresDir), "*"))
	if err != nil || len(figs) != 4 {
		t.Fatalf("figures: %v %v", figs, err)
	}
	for _, f := range figs {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		switch filepath.Ext(f) {
		case ".png":
			if cfg, err := png.DecodeConfig(fh); err != nil || cfg.Width < 800 || cfg.Height < 500 {
				t.Errorf("%s: %v %dx%d", f, err, cfg.Width, cfg.Height)
			}
		case ".svg":
			dec := xml.NewDecoder(fh)
			for {
				if _, err := dec.Token(); err == io.EOF {
					break
				} else if err != nil {
					t.Errorf("%s: %v", f, err)
					break
				}
			}
		}
		fh.Close()
	}
	if _, stderr, code := sweepCmd(t, "report", t.TempDir()); code != 1 || !strings.Contains(stderr, "not an experiment folder") {
		t.Errorf("report of a folder that is not an experiment: %d %q", code, stderr)
	}
}

func TestSweepCompare(t *testing.T) {
	tmp := t.TempDir()
	a := tinySweep(t, tmp, "a", "expel-agent")
	b := tinySweep(t, tmp, "b", "fail-fast")
	tests := []struct {
		name       string
		control    string
		treatment  string
		selfCheck  bool
		wantRows   int
		wantOutput string
	}{
		{name: "self", control: a, treatment: a, selfCheck: true, wantRows: 4, wantOutput: "4 rows"},
		{name: "a vs b", control: a, treatment: b, wantRows: 4, wantOutput: "4 rows"},
	}
	zero := regexp.MustCompile(`^0(\.0*)?(E-\d+)?$`)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "cmp")
			stdout, stderr, code := sweepCmd(t, "compare", tc.control, tc.treatment, "-out", out)
			if code != 0 || !strings.Contains(stdout, tc.wantOutput) {
				t.Fatalf("compare: %d\n%s%s", code, stdout, stderr)
			}
			got, err := os.ReadFile(filepath.Join(out, "comparison.csv"))
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSuffix(string(got), "\r\n"), "\r\n")
			if lines[0] != strings.Join(report.ComparisonColumns(), ",") {
				t.Errorf("header %q", lines[0])
			}
			if len(lines)-1 != tc.wantRows {
				t.Fatalf("%d rows, want %d", len(lines)-1, tc.wantRows)
			}
			reg, err := readRegistry(filepath.Join(tc.control, store.RegistryFile))
			if err != nil {
				t.Fatal(err)
			}
			for i, line := range lines[1:] {
				f := strings.Split(line, ",")
				r := reg[i]
				want := []string{r["kappa"], r["concentration"], r["mu"], r["monotonicity"], r["seed"], r["delta_total"]}
				if strings.Join(f[:6], ",") != strings.Join(want, ",") || f[11] != r["run_id"] {
					t.Errorf("row %d = %q, want it to start %q and name run %s", i, line, want, r["run_id"])
				}
				if tc.selfCheck {
					wantSelf := strings.Join([]string{f[5], f[5], f[7], "0", f[9], f[9], f[11], "completed", f[11], "completed"}, ",")
					if strings.Join(f[5:], ",") != wantSelf || !zero.MatchString(f[7]) {
						t.Errorf("self-comparison row %q", line)
					}
				}
			}
			if _, err := os.Stat(filepath.Join(out, "comparison.html")); err != nil {
				t.Error(err)
			}
		})
	}
	if stdout, _, code := sweepCmd(t, "compare", a, b, "-out", t.TempDir(), "-json"); code != 0 || strings.Count(stdout, `"delta_reduction"`) != 4 {
		t.Errorf("compare -json: %d %q", code, stdout)
	}
	if _, stderr, code := sweepCmd(t, "compare", a); code != 1 || !strings.Contains(stderr, "two experiment folders") {
		t.Errorf("compare with one folder: %d %q", code, stderr)
	}
}
