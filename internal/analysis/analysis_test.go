package analysis

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/bilancio-go/bilancio/internal/conformance"
	"github.com/bilancio-go/bilancio/internal/pynum"
)

// readVectors reads a testdata file of space-separated fields, skipping #
// comments.
func readVectors(t *testing.T, name string) [][]string {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out [][]string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if line := sc.Text(); line != "" && !strings.HasPrefix(line, "#") {
			out = append(out, strings.Fields(line))
		}
	}
	return out
}

func parseHex(t *testing.T, s string) float64 {
	t.Helper()
	x, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// Cells read as pandas 1.5's read_csv reads them (vectors written by pandas
// itself): at most 17 digits, leading zeros included, then a power of ten,
// so not always the correctly rounded float.
func TestPreciseXstrtod(t *testing.T) {
	vecs := readVectors(t, "read_csv_floats.txt")
	if len(vecs) < 15 {
		t.Fatalf("%d vectors", len(vecs))
	}
	for _, v := range vecs {
		got, ok := preciseXstrtod(v[0])
		want := parseHex(t, v[1])
		if !ok || got != want || pynum.FloatRepr(got) != v[2] {
			t.Errorf("%s: %v (%s, ok %v), want %v (%s)", v[0], got, pynum.FloatRepr(got), ok, want, v[2])
		}
	}
	for _, s := range []string{"", "abc", "1.2.3", "1e", "--1", "True", "1,5"} {
		if x, ok := preciseXstrtod(s); ok && s != "1e" {
			t.Errorf("%q read as a number %v", s, x)
		}
	}
}

// numpy's sum of float64 arrays (vectors written by numpy 1.24).
func TestPairwiseSum(t *testing.T) {
	for _, v := range readVectors(t, "pairwise_sums.txt") {
		xs := make([]float64, len(v)-1)
		for i, s := range v[1:] {
			xs[i] = parseHex(t, s)
		}
		if got, want := pairwiseSum(xs), parseHex(t, v[0]); got != want {
			t.Errorf("sum of %d values: %x, want %x", len(xs), got, want)
		}
	}
}

func TestReadCSVTypes(t *testing.T) {
	f, err := parseCSV([]byte("i,f,b,s,n,m\n1,1,True,a,,1\n2,2.5,False,b,,\n"))
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]kind{"i": kInt, "f": kFloat, "b": kBool, "s": kStr, "n": kFloat, "m": kFloat} {
		if got := f.col(name).kind; got != want {
			t.Errorf("column %s: kind %d, want %d", name, got, want)
		}
	}
	rows := []*record{newRecord(), newRecord()}
	rows[0].set("x", intV(1))
	rows[0].set("y", floatV(0.5))
	rows[0].set("z", noneV())
	rows[1].set("x", noneV())
	rows[1].set("y", strV("a,b"))
	rows[1].set("z", noneV())
	path := filepath.Join(t.TempDir(), "out.csv")
	if err := writeCSV(path, rows); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	if want := "x,y,z\n1.0,0.5,\n,\"a,b\",\n"; string(got) != want {
		t.Errorf("written %q, want %q", got, want)
	}
}

// recordedExperiment lays the dealer-detailed-n5 conformance set out as the
// experiment folder bilancio's analyses read: aggregate/comparison.csv and
// active/runs/<id> (linked, not copied).
func recordedExperiment(t *testing.T) (dir, set string) {
	t.Helper()
	set = conformance.Require(t, "dealer-detailed-n5")
	dir = t.TempDir()
	if err := conformance.LayOutActiveExperiment(filepath.Dir(set), "dealer-detailed-n5", dir); err != nil {
		t.Fatal(err)
	}
	return dir, set
}

// compareLines compares a written CSV with the one bilancio committed for
// the whole sweep: the same header, and every written line equal to the
// recorded line of the same key (the recorded file covers 625 runs, the
// conformance set 19 of them).
func compareLines(t *testing.T, gotPath, wantPath string, keyCols int, wantRows int) {
	t.Helper()
	got, err := os.ReadFile(gotPath)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(wantPath)
	if err != nil {
		t.Fatal(err)
	}
	gl := strings.Split(strings.TrimSuffix(string(got), "\n"), "\n")
	wl := strings.Split(strings.TrimSuffix(string(want), "\n"), "\n")
	if gl[0] != wl[0] {
		t.Fatalf("%s: header\n%s\nwant\n%s", filepath.Base(gotPath), gl[0], wl[0])
	}
	key := func(line string) string {
		f := strings.SplitN(line, ",", keyCols+1)
		return strings.Join(f[:keyCols], ",")
	}
	recorded := map[string]string{}
	for _, l := range wl[1:] {
		recorded[key(l)] = l
	}
	matched := 0
	for _, l := range gl[1:] {
		if w, ok := recorded[key(l)]; !ok {
			t.Errorf("%s: no recorded row for %s", filepath.Base(gotPath), key(l))
		} else if w != l {
			t.Errorf("%s: row\n%s\nwant\n%s", filepath.Base(gotPath), l, w)
		} else {
			matched++
		}
	}
	if len(gl)-1 != wantRows || matched != wantRows {
		t.Errorf("%s: %d rows, %d equal to bilancio's; want %d", filepath.Base(gotPath), len(gl)-1, matched, wantRows)
	}
	t.Logf("%s: %d of %d rows byte-identical to bilancio's", filepath.Base(gotPath), matched, len(gl)-1)
}

// The analyses of the 19 recorded active runs of detailed_instrumentation_sweep
// give the rows bilancio committed for them under its aggregate/: 12 runs
// with repayment events (strategy outcomes by run, and 4 strategies each in
// the overall table, whose groups hold one run each), and all 19 for dealer
// usage.
func TestRecordedAnalyses(t *testing.T) {
	dir, set := recordedExperiment(t)
	byRun, overall, err := StrategyOutcomes(dir)
	if err != nil {
		t.Fatal(err)
	}
	compareLines(t, byRun, filepath.Join(set, "aggregate", "strategy_outcomes_by_run.csv"), 1, 12)
	compareLines(t, overall, filepath.Join(set, "aggregate", "strategy_outcomes_overall.csv"), 5, 48)
	usage, err := DealerUsage(dir)
	if err != nil {
		t.Fatal(err)
	}
	compareLines(t, usage, filepath.Join(set, "aggregate", "dealer_usage_by_run.csv"), 1, 19)
}

func TestAnalysesWithoutData(t *testing.T) {
	dir := t.TempDir()
	if _, _, err := StrategyOutcomes(dir); err == nil || !strings.Contains(err.Error(), "comparison.csv not found") {
		t.Errorf("no comparison.csv: %v", err)
	}
	os.MkdirAll(filepath.Join(dir, "aggregate"), 0o755)
	os.WriteFile(filepath.Join(dir, filepath.FromSlash(ComparisonFile)), []byte("kappa,active_run_id\n1,balanced_active_x\n"), 0o644)
	if _, _, err := StrategyOutcomes(dir); err != ErrNoData {
		t.Errorf("no runs: %v, want ErrNoData", err)
	}
	if _, err := DealerUsage(dir); err != ErrNoData {
		t.Errorf("no runs: %v, want ErrNoData", err)
	}
	if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(DealerUsageFile))); !os.IsNotExist(err) {
		t.Errorf("a file was written without data")
	}
}
