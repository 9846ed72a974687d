// Package export writes an experiment's results as tidy tables for the
// tools researchers analyse them with (DuckDB, pandas, R, Polars): runs
// (one row per run: its parameters, seed, replicate, status, executor,
// duration, cost and every summary metric), days (each run's day metrics,
// one row per run and day), on request events (every event of every run),
// for a paired sweep pairs (one row per pair, as comparison.csv), and for
// an experiment whose executor reported the machines it used, usage (one
// row per machine, as usage.csv). Each table is one
// Parquet file (github.com/parquet-go/parquet-go; numbers as DOUBLE or
// BIGINT, missing values as NULL) or one CSV file (the texts as the
// experiment holds them).
//
// It reads the experiment folder only: the registry, aggregate/results.csv
// and each run's out/ files.
package export

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bilancio-go/bilancio/internal/artifacts"
	"github.com/bilancio-go/bilancio/internal/store"
	"github.com/bilancio-go/bilancio/internal/usage"
)

// Formats.
const (
	Parquet = "parquet"
	CSV     = "csv"
)

// Options say what to export.
type Options struct {
	Format string // Parquet or CSV
	Events bool   // also the events table (large)
	Out    string // the folder the tables go to (default <experiment>/export)
	// LocalExecutor is the name the local executor writes in a run's
	// manifest (the commands pass pluginhost.LocalExecutor): its runs
	// used no reported machine and get no share of their cost.
	LocalExecutor string
}

// Table is a written table.
type Table struct {
	Name string
	Path string
	Rows int
}

// Export writes the tables of the experiment in dir (a plain one, or a
// paired one: then the runs, days and events of both arms, with an arm
// column, and the pairs).
func Export(ctx context.Context, dir string, o Options) ([]Table, error) {
	if o.Format != Parquet && o.Format != CSV {
		return nil, fmt.Errorf("unknown format %q (parquet or csv)", o.Format)
	}
	if o.Out == "" {
		o.Out = filepath.Join(dir, "export")
	}
	arms, paired, err := armsOf(dir)
	if err != nil {
		return nil, err
	}
	var runs, days, events, machines table
	runs.cols, days.cols, events.cols, machines.cols = runColumns(), nil, eventColumns(), usageColumns()
	for _, arm := range arms {
		if err := readArm(ctx, filepath.Join(dir, arm), arm, o, &runs, &days, &events, &machines); err != nil {
			return nil, err
		}
	}
	if !paired { // a plain experiment: no arm column
		for _, t := range []*table{&runs, &days, &events, &machines} {
			dropFirst(t)
		}
	}
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return nil, fmt.Errorf("creating %s: %w", o.Out, err)
	}
	tables := []*table{&runs, &days}
	runs.name, days.name, events.name, machines.name = "runs", "days", "events", "usage"
	if o.Events {
		tables = append(tables, &events)
	}
	if len(machines.rows) > 0 {
		tables = append(tables, &machines)
	}
	if paired {
		pairs, err := readPairs(dir)
		if err != nil {
			return nil, err
		}
		tables = append(tables, pairs)
	}
	var out []Table
	for _, t := range tables {
		p := filepath.Join(o.Out, t.name+"."+o.Format)
		if err := t.write(p, o.Format); err != nil {
			return nil, fmt.Errorf("writing %s: %w", p, err)
		}
		out = append(out, Table{Name: t.name, Path: p, Rows: len(t.rows)})
	}
	return out, nil
}

// armsOf returns the experiment folders to read: "" for a plain
// experiment, the two arm folders of a paired one.
func armsOf(dir string) (arms []string, paired bool, err error) {
	if _, err := os.Stat(filepath.Join(dir, store.MetaFile)); err == nil {
		return []string{""}, false, nil
	}
	if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(store.ComparisonFile))); err != nil {
		return nil, false, fmt.Errorf("%s is not an experiment folder (no %s, no %s)", dir, store.MetaFile, store.ComparisonFile)
	}
	for _, pair := range [][2]string{{"control", "treatment"}, {"passive", "active"}} {
		a, errA := os.Stat(filepath.Join(dir, pair[0]))
		b, errB := os.Stat(filepath.Join(dir, pair[1]))
		if errA == nil && errB == nil && a.IsDir() && b.IsDir() {
			return pair[:], true, nil
		}
	}
	return nil, false, fmt.Errorf("%s: a paired experiment without its two arm folders", dir)
}

// kind is a column's type.
type kind int

const (
	text kind = iota
	real
	integer
)

type column struct {
	name string
	kind kind
}

// table is a table being built: its rows as the texts the experiment holds
// ("" is missing).
type table struct {
	name string
	cols []column
	rows [][]string
}

// runColumns are the columns of the runs table. The registry gives the
// parameters and status, the manifest the executor and timing, results.csv
// the replicate and the summary metrics, usage.csv the cost (shareCost).
func runColumns() []column {
	return []column{
		{"arm", text}, {"run_id", text}, {"phase", text}, {"seed", integer}, {"replicate", integer}, {"status", text}, {"executor", text},
		{"n_agents", integer}, {"kappa", real}, {"concentration", real}, {"mu", real}, {"monotonicity", real},
		{"maturity_days", integer}, {"q_total", real}, {"s1", real}, {"l0", real}, {"default_handling", text}, {"dealer_enabled", text},
		{"stop_reason", text}, {"days_simulated", integer}, {"defaults", integer}, {"duration_ms", real}, {"cost", real}, {"cost_currency", text},
		{"phi_total", real}, {"delta_total", real}, {"max_g_t", real}, {"alpha_1", real}, {"mpeak_1", real}, {"v_1", real},
		{"hhiplus_1", real}, {"time_to_stability", integer}, {"error", text},
	}
}

// usageColumns are the columns of the usage table: usage.csv's.
func usageColumns() []column {
	cols := []column{{"arm", text}}
	for _, c := range usage.Columns() {
		k := text
		switch c {
		case "duration_s", "cpu", "memory_mib", "cost":
			k = real
		case "runs":
			k = integer
		}
		cols = append(cols, column{c, k})
	}
	return cols
}

// eventColumns are the columns of the events table: the event's place and
// kind, and its whole record as JSON (events.jsonl's line).
func eventColumns() []column {
	return []column{{"arm", text}, {"run_id", text}, {"seq", integer}, {"day", integer}, {"phase", text}, {"kind", text}, {"event", text}}
}

// readArm adds the runs of one experiment folder to the tables, and the
// machines its executor reported to usage.
func readArm(ctx context.Context, dir, arm string, o Options, runs, days, events, machines *table) error {
	reg, err := readCSVFile(filepath.Join(dir, filepath.FromSlash(store.RegistryFile)))
	if err != nil {
		return err
	}
	res, err := readCSVFile(filepath.Join(dir, filepath.FromSlash(store.ResultsFile)))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	results := map[string]map[string]string{}
	for _, r := range res {
		results[r["run_id"]] = r
	}
	// results.csv has a replicate column only for a sweep with replicates;
	// without, every run is its point's replicate 0.
	replicates := len(res) > 0 && slices.ContainsFunc(res, func(r map[string]string) bool { _, ok := r["replicate"]; return ok })
	first := len(runs.rows)
	for _, r := range reg {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("exporting: %w", err)
		}
		id := r["run_id"]
		if id == "" || strings.ContainsAny(id, `/\`) || id == "." || id == ".." {
			continue
		}
		runDir := filepath.Join(dir, store.RunsDir, id)
		man, err := readManifest(runDir)
		if err != nil {
			return err
		}
		m := results[id]
		// The registry's decimals are whole (results.csv rounds them to six
		// digits); the other metrics are results.csv's.
		get := func(key string) string {
			if v := r[key]; v != "" {
				return v
			}
			return m[key]
		}
		replicate := m["replicate"]
		if !replicates {
			replicate = "0"
		}
		runs.rows = append(runs.rows, []string{
			arm, id, r["phase"], r["seed"], replicate, r["status"], man.Executor,
			r["n_agents"], r["kappa"], r["concentration"], r["mu"], r["monotonicity"],
			r["maturity_days"], r["Q_total"], r["S1"], r["L0"], r["default_handling"], r["dealer_enabled"],
			man.StopReason, intText(man.DaysSimulated), intText(man.Defaults), man.Duration, "", "",
			get("phi_total"), get("delta_total"), m["max_G_t"], m["alpha_1"], m["Mpeak_1"], m["v_1"],
			m["HHIplus_1"], get("time_to_stability"), r["error"],
		})
		if r["status"] != "completed" {
			continue
		}
		if err := readDays(runDir, arm, id, days); err != nil {
			return err
		}
		if o.Events {
			if err := readEvents(runDir, arm, id, events); err != nil {
				return err
			}
		}
	}
	recs, err := usage.Read(filepath.Join(dir, usage.File))
	if err != nil {
		return err
	}
	for i := range recs {
		u := &recs[i]
		f := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
		machines.rows = append(machines.rows, []string{arm, u.SandboxID, u.Purpose, u.Start.UTC().Format(time.RFC3339Nano), u.End.UTC().Format(time.RFC3339Nano),
			strconv.FormatFloat(u.Seconds, 'f', 3, 64), f(u.CPU), f(u.MemoryMiB), u.GPU, strconv.Itoa(u.Runs), f(u.Cost), u.Currency})
	}
	shareCost(runs, runs.rows[first:], recs, o.LocalExecutor)
	return nil
}

// shareCost sets the cost of an experiment's runs from the machines its
// executor reported in usage.csv: no executor reports what one run cost,
// so the measured total (every machine, staging included) is shared among
// the completed runs not made by the local executor (whose name is local),
// in proportion to their duration_ms (equally when none has one). The
// costs of an experiment's runs add up to its measured cost. Runs made
// locally (a part resumed there) keep an empty cost, as do all runs when
// the machines are priced in different currencies.
func shareCost(t *table, rows [][]string, recs []usage.Record, local string) {
	tot := usage.Sum(recs)
	if len(recs) == 0 || tot.Currency == "mixed" {
		return
	}
	col := func(name string) int {
		return slices.IndexFunc(t.cols, func(c column) bool { return c.name == name })
	}
	status, exec, dur, cost, cur := col("status"), col("executor"), col("duration_ms"), col("cost"), col("cost_currency")
	var share []int
	total := 0.0
	for i, r := range rows {
		if r[status] == "completed" && (local == "" || r[exec] != local) {
			share = append(share, i)
			if d, err := strconv.ParseFloat(r[dur], 64); err == nil && d > 0 {
				total += d
			}
		}
	}
	for _, i := range share {
		w := 1 / float64(len(share))
		if total > 0 {
			d, _ := strconv.ParseFloat(rows[i][dur], 64)
			w = max(d, 0) / total
		}
		rows[i][cost] = strconv.FormatFloat(tot.Cost*w, 'g', -1, 64)
		rows[i][cur] = tot.Currency
	}
}

// dropFirst removes a table's first column (arm).
func dropFirst(t *table) {
	if len(t.cols) > 0 && t.cols[0].name == "arm" {
		t.cols = t.cols[1:]
		for i := range t.rows {
			t.rows[i] = t.rows[i][1:]
		}
	}
}

// manifest is what the runs table takes from a run's manifest.json.
type manifest struct {
	Executor      string
	StopReason    string
	DaysSimulated *int
	Defaults      *int
	Duration      string
}

func readManifest(runDir string) (manifest, error) {
	var m manifest
	b, err := os.ReadFile(filepath.Join(runDir, "manifest.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return m, nil // a run that never finished
	}
	if err != nil {
		return m, fmt.Errorf("reading a manifest: %w", err)
	}
	var raw struct {
		Executor      string       `json:"executor"`
		StopReason    string       `json:"stop_reason"`
		DaysSimulated *int         `json:"days_simulated"`
		Defaults      *int         `json:"defaults"`
		DurationMS    *jsonNumText `json:"duration_ms"`
	}
	if err := jsonUnmarshal(b, &raw); err != nil {
		return m, fmt.Errorf("reading %s: %w", filepath.Join(runDir, "manifest.json"), err)
	}
	m = manifest{Executor: raw.Executor, StopReason: raw.StopReason, DaysSimulated: raw.DaysSimulated, Defaults: raw.Defaults}
	if raw.DurationMS != nil {
		m.Duration = string(*raw.DurationMS)
	}
	return m, nil
}

func intText(n *int) string {
	if n == nil {
		return ""
	}
	return strconv.Itoa(*n)
}

// readDays adds a run's out/metrics.csv to the days table; its columns are
// the first run's, and a run with other columns is an error.
func readDays(runDir, arm, id string, days *table) error {
	p := filepath.Join(runDir, filepath.FromSlash(artifacts.MetricsCSVFile))
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading day metrics: %w", err)
	}
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		return fmt.Errorf("reading %s: %w", p, err)
	}
	if len(recs) == 0 {
		return nil
	}
	header := recs[0]
	if days.cols == nil {
		days.cols = []column{{"arm", text}, {"run_id", text}}
		for _, h := range header {
			k := real
			switch h {
			case "day", "n_debtors", "n_creditors":
				k = integer
			case "notes":
				k = text
			}
			days.cols = append(days.cols, column{strings.ToLower(h), k})
		}
	}
	if len(header)+2 != len(days.cols) {
		return fmt.Errorf("%s: %d columns, the first run's metrics.csv had %d", p, len(header), len(days.cols)-2)
	}
	for i, h := range header {
		if !strings.EqualFold(days.cols[i+2].name, h) {
			return fmt.Errorf("%s: column %d is %q, the first run's was %q", p, i+1, h, days.cols[i+2].name)
		}
	}
	for _, rec := range recs[1:] {
		days.rows = append(days.rows, append([]string{arm, id}, rec...))
	}
	return nil
}

// readEvents adds a run's out/events.jsonl to the events table.
func readEvents(runDir, arm, id string, events *table) error {
	p := filepath.Join(runDir, filepath.FromSlash(artifacts.EventsFile))
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading events: %w", err)
	}
	seq := 0
	for line := range bytes.Lines(b) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		var head struct {
			Kind  string `json:"kind"`
			Day   *int   `json:"day"`
			Phase string `json:"phase"`
		}
		if err := jsonUnmarshal(line, &head); err != nil {
			return fmt.Errorf("%s: event %d: %w", p, seq+1, err)
		}
		events.rows = append(events.rows, []string{arm, id, strconv.Itoa(seq), intText(head.Day), head.Phase, head.Kind, string(line)})
		seq++
	}
	return nil
}

// readPairs reads aggregate/comparison.csv as the pairs table: the run ids
// and texts as text, everything else numeric.
func readPairs(dir string) (*table, error) {
	p := filepath.Join(dir, filepath.FromSlash(store.ComparisonFile))
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("reading the pairs: %w", err)
	}
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", p, err)
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("%s is empty", p)
	}
	t := &table{name: "pairs"}
	for j, h := range recs[0] {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		k := real
		if strings.HasSuffix(h, "run_id") || strings.HasSuffix(h, "_status") || h == "outcome" || h == "status" {
			k = text
		}
		for _, rec := range recs[1:] { // a column with a non-number is text
			if k == real && j < len(rec) && rec[j] != "" {
				if _, err := strconv.ParseFloat(rec[j], 64); err != nil {
					k = text
				}
			}
		}
		t.cols = append(t.cols, column{h, k})
	}
	for _, rec := range recs[1:] {
		row := make([]string, len(t.cols))
		copy(row, rec)
		t.rows = append(t.rows, row)
	}
	return t, nil
}

// readCSVFile reads a CSV file with a header as maps.
func readCSVFile(p string) ([]map[string]string, error) {
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", p, err)
	}
	rows, err := artifacts.ReadCSVDicts(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", p, err)
	}
	return rows, nil
}

// write writes the table as Parquet or CSV.
func (t *table) write(p, format string) error {
	var buf bytes.Buffer
	var err error
	if format == CSV {
		err = t.writeCSV(&buf)
	} else {
		err = t.writeParquet(&buf)
	}
	if err != nil {
		return err
	}
	return os.WriteFile(p, buf.Bytes(), 0o644)
}

func (t *table) writeCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	names := make([]string, len(t.cols))
	for i, c := range t.cols {
		names[i] = c.name
	}
	if err := cw.Write(names); err != nil {
		return err
	}
	if err := cw.WriteAll(t.rows); err != nil {
		return err
	}
	return cw.Error()
}
