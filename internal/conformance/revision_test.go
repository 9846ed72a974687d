package conformance

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/cockroachdb/apd/v3"
)

// The bilancio binary the revision tests run, built once.
var (
	bilancioOnce sync.Once
	bilancioBin  string
	bilancioErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if bilancioBin != "" {
		os.RemoveAll(filepath.Dir(bilancioBin))
	}
	os.Exit(code)
}

// bilancio builds the binary (once per test process) and returns its path.
func bilancio(t *testing.T) string {
	t.Helper()
	bilancioOnce.Do(func() {
		dir, err := os.MkdirTemp("", "bilancio-conformance-")
		if err != nil {
			bilancioErr = err
			return
		}
		// bilancio and bilancio-sweep, which serves its sweep commands.
		bilancioBin = filepath.Join(dir, "bilancio")
		if out, err := exec.Command("go", "build", "-o", dir+string(filepath.Separator), "../..", "../../cmd/bilancio-sweep").CombinedOutput(); err != nil {
			bilancioErr = fmt.Errorf("building bilancio: %v\n%s", err, out)
		}
	})
	if bilancioErr != nil {
		t.Fatal(bilancioErr)
	}
	return bilancioBin
}

// runSweep runs `bilancio sweep run CONFIG args…` in dir and returns the
// experiment's results.csv and registry rows.
func runSweep(t *testing.T, dir, config string, args ...string) (results, registry []map[string]string) {
	t.Helper()
	cmd := exec.Command(bilancio(t), append([]string{"sweep", "run", "-yes", "-json", config}, args...)...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("bilancio sweep run: %v\n%s", err, stderr.String())
	}
	exp := filepath.Join(dir, "out", "experiments", "expel_ring_sweep")
	return readRows(t, filepath.Join(exp, "aggregate", "results.csv")), readRows(t, filepath.Join(exp, "registry", "experiments.csv"))
}

// readRows reads a CSV file with a header.
func readRows(t *testing.T, path string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var rows []map[string]string
	for _, rec := range recs[1:] {
		row := map[string]string{}
		for i, h := range recs[0] {
			row[h] = rec[i]
		}
		rows = append(rows, row)
	}
	return rows
}

// resultsKey identifies a results.csv row across runs whose ids differ.
func resultsKey(r map[string]string) string {
	return strings.Join([]string{r["seed"], r["kappa"], r["concentration"], r["mu"], r["monotonicity"]}, " ")
}

// compareResults compares results.csv rows by parameter point on every
// column but run_id and metrics_csv (paths of runs whose ids are random in
// bilancio). S1 may differ in its last digits (< 1e-20) where the recording
// machine's libm drew a gamma variate 1 ulp apart (spec/engine.md §10.7).
// It returns how many recorded rows match, how many of those are exact,
// and a description of the first mismatches.
func compareResults(recorded, got []map[string]string) (matched, exact int, diffs []string) {
	byKey := map[string]map[string]string{}
	for _, r := range got {
		byKey[resultsKey(r)] = r
	}
	for _, r := range recorded {
		g, ok := byKey[resultsKey(r)]
		if !ok {
			diffs = append(diffs, resultsKey(r)+": no such row")
			continue
		}
		ok, same := true, true
		for col, want := range r {
			if col == "run_id" || col == "metrics_csv" || g[col] == want {
				continue
			}
			same = false
			if col == "S1" && s1Close(g[col], want) {
				continue
			}
			ok = false
			diffs = append(diffs, fmt.Sprintf("%s: %s = %q, want %q", resultsKey(r), col, g[col], want))
		}
		if ok {
			matched++
		}
		if same {
			exact++
		}
	}
	return matched, exact, diffs
}

// s1Close reports whether two S1 strings differ only beyond their 18th
// significant digit: where a gamma variate of the recording machine's libm
// was 1 or 2 ulp from this one's, the payables' Decimal dust changes S1
// there (bilancio's own code on this machine's glibc gives S1 strings that
// differ from the recorded ones in 21 of the 13,500 rows, by up to 1.6e-19).
func s1Close(a, b string) bool {
	x, _, err1 := apd.NewFromString(a)
	y, _, err2 := apd.NewFromString(b)
	if err1 != nil || err2 != nil {
		return false
	}
	var d apd.Decimal
	if _, err := apd.BaseContext.WithPrecision(50).Sub(&d, x, y); err != nil {
		return false
	}
	d.Abs(&d)
	var bound apd.Decimal
	if _, err := apd.BaseContext.WithPrecision(50).Mul(&bound, x, apd.New(1, -18)); err != nil {
		return false
	}
	bound.Abs(&bound)
	return d.Cmp(&bound) <= 0
}

// bilancio of October 2025 wrote an empty phi_total (delta_total) when its
// weighted sum was zero; from 2025-11-28 on it wrote 0. The first 9 rows of
// bilancio's largest recorded table (expel_ring_sweep_clean, 13,500 rows)
// hold both cases: `-bilancio-revision 2025-10` reproduces them exactly, the
// default revision writes 0 in the empty cells and nothing else changes.
func TestRevisionSummaryRule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds bilancio and runs two small sweeps (-short)")
	}
	config, err := filepath.Abs(filepath.Join("testdata", "revision", "ring_sweep_first9.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	recorded := readRows(t, filepath.Join("testdata", "revision", "expel_ring_sweep_clean_first9.csv"))
	empties := 0
	for _, r := range recorded {
		if r["phi_total"] == "" || r["delta_total"] == "" {
			empties++
		}
	}
	if empties != 4 {
		t.Fatalf("the recorded rows have %d empty totals, want 4 (seeds 42, 44, 49: phi; 50: delta)", empties)
	}

	results, registry := runSweep(t, t.TempDir(), config, "-bilancio-revision", "2025-10")
	if matched, exact, diffs := compareResults(recorded, results); matched != 9 || exact != 9 {
		t.Errorf("2025-10: %d of 9 rows match (%d exactly): %v", matched, exact, diffs)
	}
	for _, r := range registry {
		if r["seed"] == "42" && (r["phi_total"] != "" || r["delta_total"] != "1") {
			t.Errorf("2025-10 registry, seed 42: phi_total %q, delta_total %q; want empty and 1", r["phi_total"], r["delta_total"])
		}
	}

	results, _ = runSweep(t, t.TempDir(), config)
	matched, _, diffs := compareResults(recorded, results)
	if matched != 5 || len(diffs) != 4 {
		t.Fatalf("default revision: %d of 9 rows match, want the 5 without an empty total; differences: %v", matched, diffs)
	}
	for _, d := range diffs {
		if !strings.HasSuffix(d, `= "0", want ""`) {
			t.Errorf("default revision: %s; want only 0 for an empty total", d)
		}
	}
}

// TestReproduceRingSweepClean re-runs bilancio's
// examples/kalecki/ring_sweep_config.yaml (13,500 runs) under
// -bilancio-revision 2025-10 and compares every row of the results.csv
// bilancio committed for it (out/experiments/expel_ring_sweep_clean).
// It needs bilancio's repository (a checkout, or a git directory read at
// HEAD): `make reproduce-ring-sweep BILANCIO=PATH` runs it; it takes a few
// minutes and about 1.2 GB of disk for the run folders.
func TestReproduceRingSweepClean(t *testing.T) {
	src := os.Getenv("BILANCIO_SOURCE")
	if src == "" {
		t.Skip("set BILANCIO_SOURCE to a checkout or git directory of bilancio (make reproduce-ring-sweep BILANCIO=PATH)")
	}
	dir := t.TempDir()
	config := filepath.Join(dir, "ring_sweep_config.yaml")
	if err := os.WriteFile(config, bilancioFile(t, src, "examples/kalecki/ring_sweep_config.yaml"), 0o644); err != nil {
		t.Fatal(err)
	}
	recordedPath := filepath.Join(dir, "recorded_results.csv")
	if err := os.WriteFile(recordedPath, bilancioFile(t, src, "out/experiments/expel_ring_sweep_clean/aggregate/results.csv"), 0o644); err != nil {
		t.Fatal(err)
	}
	recorded := readRows(t, recordedPath)
	results, _ := runSweep(t, dir, config, "-bilancio-revision", "2025-10")
	matched, exact, diffs := compareResults(recorded, results)
	t.Logf("expel_ring_sweep_clean: %d of %d recorded rows reproduced (%d byte for byte, the others within the S1 libm tolerance); %d rows written",
		matched, len(recorded), exact, len(results))
	if matched != len(recorded) || len(recorded) != 13500 {
		t.Errorf("%d of %d rows match; first differences: %v", matched, len(recorded), diffs[:min(len(diffs), 20)])
	}
}

// bilancioFile reads a file of bilancio's repository: from a checkout, or
// at HEAD of a git directory.
func bilancioFile(t *testing.T, src, path string) []byte {
	t.Helper()
	if b, err := os.ReadFile(filepath.Join(src, filepath.FromSlash(path))); err == nil {
		return b
	}
	out, err := exec.Command("git", "--git-dir", src, "show", "HEAD:"+path).Output()
	if err != nil {
		t.Fatalf("reading %s from %s: %v", path, src, err)
	}
	return out
}
