package commands

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	sbusage "github.com/bilancio-go/bilancio/internal/usage"
)

// duckDBNode returns the node_modules folder holding DuckDB's node package
// (@duckdb/node-api, which .ci/run installs and names in
// BILANCIO_DUCKDB_NODE): an independent reader of the Parquet files. Under
// CI it must be there; elsewhere the test skips, saying how to run it.
func duckDBNode(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("BILANCIO_DUCKDB_NODE")
	_, nodeErr := exec.LookPath("node")
	_, modErr := os.Stat(filepath.Join(dir, "@duckdb", "node-api"))
	if dir == "" || nodeErr != nil || modErr != nil {
		msg := "DuckDB's node package is not installed: npm install --prefix DIR @duckdb/node-api, then set BILANCIO_DUCKDB_NODE=DIR/node_modules (.ci/run does)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip("SKIPPING the Parquet read-back test: " + msg)
	}
	return dir
}

// duckDBQuery runs SQL in DuckDB (node) and returns the rows as objects.
func duckDBQuery(t *testing.T, modules, sql string) []map[string]any {
	t.Helper()
	script := filepath.Join(t.TempDir(), "q.js")
	const js = `const { DuckDBInstance } = require("@duckdb/node-api");
(async () => {
  const db = await DuckDBInstance.create(":memory:");
  const con = await db.connect();
  const r = await con.runAndReadAll(process.argv[2]);
  process.stdout.write(JSON.stringify(r.getRowObjectsJson()));
})().catch((e) => { console.error(String(e)); process.exit(1); });
`
	if err := os.WriteFile(script, []byte(js), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", script, sql)
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("duckdb: %v\n%s", err, errb.String())
	}
	var rows []map[string]any
	if err := json.Unmarshal(out.Bytes(), &rows); err != nil {
		t.Fatalf("duckdb output: %v\n%s", err, out.String())
	}
	return rows
}

func readCSVRecords(t *testing.T, path string) [][]string {
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

// asFloat reads a DuckDB JSON value (numbers, or BIGINTs as strings).
func asFloat(v any) float64 {
	switch v := v.(type) {
	case float64:
		return v
	case string:
		f, err := strconv.ParseFloat(v, 64)
		if err == nil {
			return f
		}
	}
	return math.NaN()
}

// TestSweepExport exports a small sweep as Parquet and CSV, reads the
// Parquet files back with DuckDB, and checks every run against
// results.csv and the days against the runs' metrics.csv.
func TestSweepExport(t *testing.T) {
	dir := tinySweep(t, t.TempDir(), "exp", "expel-agent")
	for _, format := range []string{"csv", "parquet"} {
		stdout, stderr, code := sweepCmd(t, "export", "-format", format, "-events", dir)
		if code != 0 || !strings.Contains(stdout, "runs.") || !strings.Contains(stdout, "events.") {
			t.Fatalf("export %s: %d\n%s%s", format, code, stdout, stderr)
		}
	}
	if _, stderr, code := sweepCmd(t, "export", "-format", "xlsx", dir); code == 0 || !strings.Contains(stderr, "parquet or csv") {
		t.Errorf("an unknown format: exit %d, %s", code, stderr)
	}
	results := readCSVRecords(t, filepath.Join(dir, "aggregate", "results.csv"))
	col := map[string]int{}
	for i, h := range results[0] {
		col[h] = i
	}
	want := map[string][]string{}
	for _, r := range results[1:] {
		want[r[col["run_id"]]] = r
	}
	days := 0
	for id := range want {
		days += len(readCSVRecords(t, filepath.Join(dir, "runs", id, "out", "metrics.csv"))) - 1
	}
	// The CSV tables.
	runsCSV := readCSVRecords(t, filepath.Join(dir, "export", "runs.csv"))
	if len(runsCSV) != len(want)+1 || runsCSV[0][0] != "run_id" {
		t.Errorf("runs.csv: %d rows, header %v", len(runsCSV)-1, runsCSV[0])
	}
	if n := len(readCSVRecords(t, filepath.Join(dir, "export", "days.csv"))) - 1; n != days {
		t.Errorf("days.csv: %d rows, want %d", n, days)
	}

	// The Parquet tables, read by DuckDB.
	modules := duckDBNode(t)
	runs := duckDBQuery(t, modules, "SELECT * FROM read_parquet('"+filepath.Join(dir, "export", "runs.parquet")+"') ORDER BY run_id")
	if len(runs) != len(want) {
		t.Fatalf("DuckDB reads %d runs, results.csv has %d", len(runs), len(want))
	}
	ids := make([]string, 0, len(runs))
	for _, r := range runs {
		id, _ := r["run_id"].(string)
		ids = append(ids, id)
		w, ok := want[id]
		if !ok {
			t.Errorf("run %q is not in results.csv", id)
			continue
		}
		for _, c := range []struct {
			name, csvName string
			tol           float64
		}{
			{"kappa", "kappa", 0}, {"concentration", "concentration", 0}, {"mu", "mu", 0}, {"seed", "seed", 0},
			{"n_agents", "n_agents", 0}, {"l0", "L0", 1e-9}, {"time_to_stability", "time_to_stability", 0},
			{"phi_total", "phi_total", 5e-7}, {"delta_total", "delta_total", 5e-7}, {"hhiplus_1", "HHIplus_1", 0}, {"mpeak_1", "Mpeak_1", 0},
		} {
			got, exp := asFloat(r[c.name]), asFloat(w[col[c.csvName]])
			if w[col[c.csvName]] == "" {
				if r[c.name] != nil {
					t.Errorf("%s %s: %v, want NULL (empty in results.csv)", id, c.name, r[c.name])
				}
				continue
			}
			if math.IsNaN(got) || math.Abs(got-exp) > c.tol*math.Max(1, math.Abs(exp)) {
				t.Errorf("%s %s: DuckDB reads %v, results.csv has %s", id, c.name, r[c.name], w[col[c.csvName]])
			}
		}
		if r["status"] != "completed" || r["executor"] == "" {
			t.Errorf("%s: status %v, executor %v", id, r["status"], r["executor"])
		}
		// Without replicates every run is its point's replicate 0; the
		// local executor reports no machines, so no cost.
		if asFloat(r["replicate"]) != 0 || r["cost"] != nil || r["cost_currency"] != nil {
			t.Errorf("%s: replicate %v, cost %v %v; want 0 and NULL", id, r["replicate"], r["cost"], r["cost_currency"])
		}
	}
	if !sort.StringsAreSorted(ids) {
		t.Errorf("ORDER BY run_id: %v", ids)
	}
	n := duckDBQuery(t, modules, "SELECT count(*) AS n, count(DISTINCT run_id) AS runs, min(day) AS first FROM read_parquet('"+filepath.Join(dir, "export", "days.parquet")+"')")
	if asFloat(n[0]["n"]) != float64(days) || asFloat(n[0]["runs"]) != float64(len(want)) {
		t.Errorf("days.parquet: %v, want %d rows of %d runs", n, days, len(want))
	}
	ev := duckDBQuery(t, modules, "SELECT kind, count(*) AS n FROM read_parquet('"+filepath.Join(dir, "export", "events.parquet")+"') WHERE phase = 'setup' GROUP BY kind ORDER BY kind")
	if len(ev) == 0 || ev[0]["kind"] != "CashMinted" {
		t.Errorf("events.parquet setup kinds: %v", ev)
	}
}

// TestSweepExportPaired exports a comparison sweep: both arms' runs with
// an arm column, and the pairs.
func TestSweepExportPaired(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cmp")
	if stdout, stderr, code := sweepCmd(t, "comparison", "-n-agents", "5", "-maturity-days", "3", "-q-total", "500", "-kappas", "0.5,2", "-concentrations", "1", "-mus", "0", "-out-dir", dir); code != 0 {
		t.Fatalf("comparison: %d\n%s%s", code, stdout, stderr)
	}
	stdout, stderr, code := sweepCmd(t, "export", "-format", "csv", dir)
	if code != 0 || !strings.Contains(stdout, "pairs") {
		t.Fatalf("export: %d\n%s%s", code, stdout, stderr)
	}
	runs := readCSVRecords(t, filepath.Join(dir, "export", "runs.csv"))
	arms := map[string]int{}
	for _, r := range runs[1:] {
		arms[r[0]]++
	}
	if runs[0][0] != "arm" || arms["control"] != 2 || arms["treatment"] != 2 {
		t.Errorf("runs.csv arms %v (header %v)", arms, runs[0][:3])
	}
	pairs := readCSVRecords(t, filepath.Join(dir, "export", "pairs.csv"))
	cmp := readCSVRecords(t, filepath.Join(dir, "aggregate", "comparison.csv"))
	if len(pairs) != len(cmp) || len(pairs) != 3 {
		t.Errorf("pairs.csv has %d rows, comparison.csv %d", len(pairs)-1, len(cmp)-1)
	}
	if _, _, code := sweepCmd(t, "export", dir); code != 0 {
		t.Errorf("parquet export of a paired sweep: exit %d", code)
	}
	modules := duckDBNode(t)
	rows := duckDBQuery(t, modules, "SELECT count(*) AS n FROM read_parquet('"+filepath.Join(dir, "export", "pairs.parquet")+"')")
	if asFloat(rows[0]["n"]) != 2 {
		t.Errorf("pairs.parquet: %v", rows)
	}
}

// TestSweepExportReplicates: the runs table carries each run's replicate
// as results.csv has it.
func TestSweepExportReplicates(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "reps")
	if stdout, stderr, code := sweepCmd(t, "ring", "-n-agents", "5", "-maturity-days", "3", "-kappas", "0.5,2", "-concentrations", "1", "-mus", "0",
		"-replicates", "3", "-out-dir", dir); code != 0 {
		t.Fatalf("sweep ring -replicates 3: %d\n%s%s", code, stdout, stderr)
	}
	if stdout, stderr, code := sweepCmd(t, "export", "-format", "csv", dir); code != 0 {
		t.Fatalf("export: %d\n%s%s", code, stdout, stderr)
	}
	want := map[string]string{}
	results := readCSVRecords(t, filepath.Join(dir, "aggregate", "results.csv"))
	id, rep := slices.Index(results[0], "run_id"), slices.Index(results[0], "replicate")
	if rep < 0 {
		t.Fatalf("results.csv of a replicates sweep has no replicate column: %v", results[0])
	}
	for _, r := range results[1:] {
		want[r[id]] = r[rep]
	}
	runs := readCSVRecords(t, filepath.Join(dir, "export", "runs.csv"))
	id, rep = slices.Index(runs[0], "run_id"), slices.Index(runs[0], "replicate")
	seen := map[string]int{}
	for _, r := range runs[1:] {
		if r[rep] != want[r[id]] {
			t.Errorf("%s: replicate %q, results.csv %q", r[id], r[rep], want[r[id]])
		}
		seen[r[rep]]++
	}
	if len(runs)-1 != 6 || seen["0"] != 2 || seen["1"] != 2 || seen["2"] != 2 {
		t.Errorf("%d runs, replicates %v; want 6 runs, two of each of 0, 1, 2", len(runs)-1, seen)
	}
}

// TestSweepExportModalCost: a sweep on the modal executor (the real Modal
// Go SDK against the in-repo emulator) exports the machines it used as the
// usage table, and each run's share of their cost, the shares adding up to
// the measured total.
func TestSweepExportModalCost(t *testing.T) {
	pluginDir, env, _ := modalSweepEmulator(t)
	out := t.TempDir()
	example := filepath.Join("..", "examples", "sweeps", "ring_modal.hcl")
	if text, code := runBilancio(t, env, "sweep", "run", "-plugin-dir", pluginDir, "-out", out, "-yes", example); code != 0 {
		t.Fatalf("exit %d:\n%s", code, text)
	}
	dir := experimentDir(out, time.Now())
	recs, err := sbusage.Read(filepath.Join(dir, sbusage.File))
	if err != nil || len(recs) == 0 {
		t.Fatalf("usage.csv: %d records, %v", len(recs), err)
	}
	total := sbusage.Sum(recs)
	if text, code := runBilancio(t, env, "sweep", "export", "-format", "csv", dir); code != 0 {
		t.Fatalf("export: exit %d\n%s", code, text)
	}
	machines := readCSVRecords(t, filepath.Join(dir, "export", "usage.csv"))
	if len(machines)-1 != len(recs) || machines[0][0] != "sandbox_id" {
		t.Errorf("export/usage.csv: %d rows (header %v), usage.csv %d", len(machines)-1, machines[0], len(recs))
	}
	runs := readCSVRecords(t, filepath.Join(dir, "export", "runs.csv"))
	col := func(name string) int { return slices.Index(runs[0], name) }
	sum, durations := 0.0, map[string]float64{}
	for _, r := range runs[1:] {
		c, err := strconv.ParseFloat(r[col("cost")], 64)
		if err != nil || c <= 0 || r[col("cost_currency")] != total.Currency || r[col("executor")] == "local" {
			t.Errorf("%s: cost %q %q, executor %q", r[col("run_id")], r[col("cost")], r[col("cost_currency")], r[col("executor")])
			continue
		}
		sum += c
		d, _ := strconv.ParseFloat(r[col("duration_ms")], 64)
		durations[r[col("run_id")]] = c / d // the cost per millisecond: the same for every run
	}
	if len(runs)-1 != 4 || math.Abs(sum-total.Cost) > 1e-9*math.Max(1, total.Cost) {
		t.Errorf("%d runs cost %v in all, usage.csv %v", len(runs)-1, sum, total.Cost)
	}
	var rate float64
	for id, r := range durations {
		if rate == 0 {
			rate = r
		}
		if math.Abs(r-rate) > 1e-9*rate {
			t.Errorf("%s: %v per ms, another run %v: the cost is not shared by duration", id, r, rate)
		}
	}
}
