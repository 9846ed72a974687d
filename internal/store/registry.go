package store

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strconv"

	"github.com/bilancio-go/bilancio/internal/artifacts"
	"github.com/bilancio-go/bilancio/internal/atomicfile"
	"github.com/bilancio-go/bilancio/internal/metrics"
	"github.com/bilancio-go/bilancio/internal/parallel"
	"github.com/bilancio-go/bilancio/internal/pynum"
	"github.com/bilancio-go/bilancio/sdk/runfolder"
)

// RegistryColumns are the columns of registry/experiments.csv: bilancio's
// data-era registry (spec/engine.md §9.2).
func RegistryColumns() []string {
	return []string{
		"run_id", "phase", "seed", "n_agents", "kappa", "concentration", "mu", "monotonicity",
		"maturity_days", "Q_total", "S1", "L0", "scenario_yaml", "events_jsonl", "balances_csv",
		"metrics_csv", "metrics_html", "run_html", "default_handling", "dealer_enabled", "status",
		"time_to_stability", "phi_total", "delta_total", "error",
	}
}

// ResultsColumns are the columns of aggregate/results.csv: bilancio's
// aggregate_runs (spec/engine.md §9.5).
func ResultsColumns() []string {
	return []string{
		"run_id", "phase", "seed", "n_agents", "kappa", "concentration", "mu", "monotonicity",
		"S1", "L0", "phi_total", "delta_total", "max_G_t", "alpha_1", "Mpeak_1", "v_1",
		"HHIplus_1", "time_to_stability", "metrics_csv",
	}
}

// Registry statuses.
const (
	RowCompleted = "completed"
	RowFailed    = "failed"
)

// Constants are the registry columns every run of an experiment shares,
// as bilancio prints them.
type Constants struct {
	NAgents, MaturityDays, QTotal, DefaultHandling, DealerEnabled string
	// SummaryRule is what results.csv's phi_total and delta_total are when
	// their weighted sum is zero (the bilancio revision's rule).
	SummaryRule metrics.ZeroRule
	// Replicates says the plan runs replicates of its points: results.csv
	// then ends with a "replicate" column (absent otherwise, as bilancio's).
	Replicates bool
}

// registryPaths maps registry columns to run files, as bilancio lays them
// out.
func registryPaths() [][2]string {
	return [][2]string{
		{"scenario_yaml", runfolder.ScenarioFile},
		{"events_jsonl", runfolder.EventsFile},
		{"balances_csv", runfolder.BalancesFile},
		{"metrics_csv", runfolder.MetricsCSVFile},
		{"metrics_html", "out/metrics.html"},
		{"run_html", runfolder.RunHTMLFile},
	}
}

// Damage is a run the journal called done whose folder no longer verifies.
type Damage struct {
	RunID  string
	Reason string
}

// MaxNamed bounds the runs a report lists by name (damaged or failed); the
// counts are always whole.
const MaxNamed = 1000

// Views are what Rebuild found and wrote.
type Views struct {
	// Completed and Failed count the registry rows by status.
	Completed, Failed int
	// Recovered counts the runs found complete on disk that the journal
	// did not know were done (a sweep killed between the two); they are
	// journaled as done.
	Recovered int
	// Damaged counts the runs the journal called done whose folders no
	// longer verify; DamagedRuns names them (at most MaxNamed). They are
	// journaled as pending, so that the next sweep run runs them again.
	Damaged     int
	DamagedRuns []Damage
	// Means are the Python float means over the completed rows.
	Means Means
}

// row is a run's rows in the registry and the aggregate.
type row struct {
	entry    Entry
	rec      Record
	err      error // reading the journal
	done     *runfolder.Sealed
	damage   string // the journal said done, the folder does not verify
	registry []string
	results  []string // nil: not aggregated
}

// Rebuild rewrites registry/experiments.csv and aggregate/results.csv from
// the runs of the plan, as streams: a row per run in plan order that is
// complete on disk (its folder verifies as how says; status completed, the
// summary values from the manifest) or that failed for good (status
// failed, with the reason). The aggregate reads each completed run's
// metrics.csv as bilancio's aggregate_runs does. Runs are checked on every
// CPU. With a journal opened for writing, runs found complete that the
// journal did not know are journaled done, and damaged runs pending.
func (s *Store) Rebuild(ctx context.Context, j *Journal, plan string, c Constants, how Check) (*Views, error) {
	entries := j.InPlan(plan)
	reg, err := atomicfile.Create(s.Path(RegistryFile), 0o644)
	if err != nil {
		return nil, err
	}
	defer reg.Abort()
	res, err := atomicfile.Create(s.Path(ResultsFile), 0o644)
	if err != nil {
		return nil, err
	}
	defer res.Abort()
	regW, resW := bufio.NewWriterSize(reg, 256<<10), bufio.NewWriterSize(res, 256<<10)
	var line []byte
	put := func(w *bufio.Writer, rec []string) {
		line = artifacts.AppendCSVRecord(line[:0], rec)
		w.Write(line)
	}
	put(regW, RegistryColumns())
	if c.Replicates {
		put(resW, append(ResultsColumns(), "replicate"))
	} else {
		put(resW, ResultsColumns())
	}
	v := &Views{}
	var pending []Record
	var failure error
	flush := func() {
		if len(pending) > 0 && j.write && failure == nil {
			failure = j.Append(pending...)
		}
		pending = pending[:0]
	}
	err = parallel.Ordered(ctx, entries.Len(), func(i int) *row {
		return s.buildRow(entries.At(i), c, how)
	}, func(i int, r *row) {
		if failure != nil {
			return
		}
		if r.err != nil {
			failure = r.err
			return
		}
		if r.damage != "" {
			v.Damaged++
			if len(v.DamagedRuns) < MaxNamed {
				v.DamagedRuns = append(v.DamagedRuns, Damage{RunID: r.rec.Run, Reason: r.damage})
			}
			pending = append(pending, Record{Kind: KindDamaged, Run: r.rec.Run, Error: r.damage})
		}
		if r.registry == nil {
			return
		}
		put(regW, r.registry)
		switch {
		case r.done != nil:
			v.Completed++
			if r.entry.State() != Done || r.rec.Manifest != r.done.SHA256 || r.rec.Fingerprint != r.done.Fingerprint {
				if r.entry.State() != Done {
					v.Recovered++
				}
				pending = append(pending, DoneRecord(r.rec.Run, r.done))
			}
			if r.results != nil {
				put(resW, r.results)
			}
			m := r.done.Manifest
			v.Means.Add(m.PhiTotal, m.DeltaTotal)
		default:
			v.Failed++
		}
		if len(pending) >= 1024 {
			flush()
		}
	})
	flush()
	if err != nil {
		return nil, fmt.Errorf("rebuilding the registry: %w", err)
	}
	if failure != nil {
		return nil, failure
	}
	if err := regW.Flush(); err != nil {
		return nil, fmt.Errorf("writing %s: %w", RegistryFile, err)
	}
	if err := resW.Flush(); err != nil {
		return nil, fmt.Errorf("writing %s: %w", ResultsFile, err)
	}
	if err := reg.Commit(true); err != nil {
		return nil, err
	}
	if err := res.Commit(true); err != nil {
		return nil, err
	}
	return v, nil
}

// DoneRecord is the journal's "done" record of a verified run.
func DoneRecord(id string, d *runfolder.Sealed) Record {
	m := d.Manifest
	return Record{Kind: KindDone, Run: id, Manifest: d.SHA256, Fingerprint: d.Fingerprint, Phi: m.PhiTotal, Delta: m.DeltaTotal, TTS: m.TimeToStability}
}

// registryFiles says which of registryPaths() a run folder has: bit k for
// registryPaths()[k].
func registryFiles(m *runfolder.Manifest) uint8 {
	var files uint8
	for _, f := range m.Files {
		for k, cp := range registryPaths() {
			if f.Name == cp[1] {
				files |= 1 << k
			}
		}
	}
	return files
}

// metricsCSVBit is metrics.csv's bit in registryFiles.
const metricsCSVBit = 1 << 3

// buildRow checks one run and returns its rows (registry nil when it has
// none: it is pending). A run this process checked and journaled done
// (Journal.Sealed) is not checked again: its rows come from its done
// record, which holds what the manifest said.
func (s *Store) buildRow(e Entry, c Constants, how Check) *row {
	r := &row{entry: e}
	if r.rec, r.err = e.Record(); r.err != nil {
		return r
	}
	rec := &r.rec
	var d *runfolder.Sealed
	var files uint8
	var err error
	if f, ok := e.sealedFiles(); ok && how == CheckQuick {
		d = &runfolder.Sealed{Dir: s.RunDir(rec.Run), SHA256: rec.Manifest, Fingerprint: rec.Fingerprint,
			Manifest: &runfolder.Manifest{PhiTotal: rec.Phi, DeltaTotal: rec.Delta, TimeToStability: rec.TTS}}
		files = f
	} else if d, err = s.CheckRun(rec.Run, Known{rec.Manifest, rec.Fingerprint}, how); err == nil {
		files = registryFiles(d.Manifest)
	}
	if err == nil {
		r.done = d
		m := d.Manifest
		paths := map[string]string{}
		for k, cp := range registryPaths() {
			if files&(1<<k) != 0 {
				paths[cp[0]] = "../" + RunsDir + "/" + rec.Run + "/" + cp[1]
			}
		}
		r.registry = registryRecord(rec, c, paths, RowCompleted, m.TimeToStability, m.PhiTotal, m.DeltaTotal, "")
		if files&metricsCSVBit != 0 {
			metricsPath := filepath.Join(s.RunDir(rec.Run), filepath.FromSlash(runfolder.MetricsCSVFile))
			r.results = resultsRecord(rec, c, metricsPath, m.TimeToStability, paths["metrics_csv"])
		}
		return r
	}
	if e.State() == Done {
		r.damage = DamageReason(err)
	}
	if e.State() == Failed {
		r.registry = registryRecord(rec, c, nil, RowFailed, "", "", "", rec.Error)
	}
	return r
}

// registryRecord is a run's registry row.
func registryRecord(rec *Record, c Constants, paths map[string]string, status, tts, phi, delta, errMsg string) []string {
	dh := c.DefaultHandling
	if dh == "" {
		dh = "fail-fast"
	}
	return []string{
		rec.Run, rec.Phase, strconv.FormatInt(rec.Seed, 10), c.NAgents,
		rec.Params[0], rec.Params[1], rec.Params[2], rec.Params[3],
		c.MaturityDays, c.QTotal, rec.S1, rec.L0,
		paths["scenario_yaml"], paths["events_jsonl"], paths["balances_csv"],
		paths["metrics_csv"], paths["metrics_html"], paths["run_html"],
		dh, c.DealerEnabled, status, tts, phi, delta, errMsg,
	}
}

// resultsRecord is a completed run's results.csv row, as aggregate_runs
// computes it: the summary recomputed from the run's metrics.csv (whose
// cells are printed floats, so phi_total may differ from the registry's in
// the last digits), printed with at most six decimals; nil when the file
// cannot be read or has no rows (aggregate_runs skips the run).
func resultsRecord(rec *Record, c Constants, metricsPath, tts, metricsRel string) []string {
	b, err := readFile(metricsPath)
	if err != nil {
		return nil
	}
	days, ok := parseMetricsCSV(b)
	if !ok {
		return nil
	}
	sum := metrics.Summarize(days)
	sum.Apply(c.SummaryRule)
	if tts == "" {
		tts = strconv.Itoa(sum.MaxDay)
	}
	row := []string{
		rec.Run, rec.Phase, strconv.FormatInt(rec.Seed, 10), c.NAgents,
		rec.Params[0], rec.Params[1], rec.Params[2], rec.Params[3],
		rec.S1, rec.L0,
		resultsCell(sum.PhiTotal), resultsCell(sum.DeltaTotal), resultsCell(sum.MaxG),
		resultsCell(sum.Alpha1), resultsCell(sum.Mpeak1), resultsCell(sum.V1), resultsCell(sum.HHIPlus1),
		tts, metricsRel,
	}
	if c.Replicates {
		row = append(row, strconv.Itoa(rec.Replicate))
	}
	return row
}

// resultsCell prints a summary value as aggregate_runs does; None is empty.
func resultsCell(d *pynum.Amount) string {
	if d == nil {
		return ""
	}
	return pynum.ResultsCell(*d)
}

// parseMetricsCSV reads metrics.csv as summarize_day_metrics sees it through
// csv.DictReader: the day as an int, the other cells as Decimals (None when
// empty or not a number). ok is false without rows or with a day that is
// not an integer (where aggregate_runs would skip or fail).
func parseMetricsCSV(b []byte) ([]metrics.DayRow, bool) {
	if days, ok, plain := parsePlainMetricsCSV(b); plain {
		return days, ok
	}
	return parseMetricsCSVDicts(b)
}

// parseMetricsCSVDicts is parseMetricsCSV through csv.Reader, for any file.
func parseMetricsCSVDicts(b []byte) ([]metrics.DayRow, bool) {
	rows, err := artifacts.ReadCSVDicts(bytes.NewReader(b))
	if err != nil || len(rows) == 0 {
		return nil, false
	}
	days := make([]metrics.DayRow, 0, len(rows))
	for _, r := range rows {
		var d metrics.DayRow
		if t, ok := r["day"]; ok {
			n, err := strconv.Atoi(t)
			if err != nil {
				return nil, false
			}
			d.Day = n
		}
		d.S, d.Phi, d.Delta, d.G = DecimalOrNone(r["S_t"]), DecimalOrNone(r["phi_t"]), DecimalOrNone(r["delta_t"]), DecimalOrNone(r["G_t"])
		d.Alpha, d.Mpeak, d.V, d.HHIPlus = DecimalOrNone(r["alpha_t"]), DecimalOrNone(r["Mpeak_t"]), DecimalOrNone(r["v_t"]), DecimalOrNone(r["HHIplus_t"])
		days = append(days, d)
	}
	return days, true
}

// parsePlainMetricsCSV is parseMetricsCSV for a file without lone carriage
// returns, quoted fields other than simple ones (a quote at the start of a
// field and one at its end, none between: the engine's notes column), or
// rows of another length than the header's (every metrics.csv this engine
// writes): the fields are the texts between commas, as csv.Reader reads
// them, without building a map per row. plain is false for any other file,
// which parseMetricsCSV reads with csv.Reader.
func parsePlainMetricsCSV(b []byte) (days []metrics.DayRow, ok, plain bool) {
	// The columns read, in DayRow's order after the day.
	metricsColumns := [...]string{"day", "S_t", "phi_t", "delta_t", "G_t", "alpha_t", "Mpeak_t", "v_t", "HHIplus_t"}
	var col [len(metricsColumns)]int // index of each column; -1 when absent
	var fields [][]byte
	width := -1
	for rest := b; len(rest) > 0; {
		line := rest
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line, rest = bytes.TrimSuffix(rest[:i], []byte{'\r'}), rest[i+1:]
		} else {
			rest = nil
		}
		if bytes.IndexByte(line, '\r') >= 0 {
			return nil, false, false
		}
		if len(line) == 0 {
			continue // csv.Reader skips empty lines
		}
		if fields, ok = splitPlainCSVLine(line, fields[:0]); !ok {
			return nil, false, false
		}
		if width < 0 {
			width = len(fields)
			for k, name := range metricsColumns {
				col[k] = -1
				for i, field := range fields {
					if string(field) == name {
						col[k] = i // the last one wins, as in the map
					}
				}
			}
			days = make([]metrics.DayRow, 0, 32)
			continue
		}
		if len(fields) != width {
			return nil, false, false
		}
		var cells [len(metricsColumns)]string
		for k, i := range col {
			if i >= 0 {
				cells[k] = string(fields[i])
			}
		}
		var d metrics.DayRow
		if col[0] >= 0 {
			n, err := strconv.Atoi(cells[0])
			if err != nil {
				return nil, false, true
			}
			d.Day = n
		}
		d.S, d.Phi, d.Delta, d.G = DecimalOrNone(cells[1]), DecimalOrNone(cells[2]), DecimalOrNone(cells[3]), DecimalOrNone(cells[4])
		d.Alpha, d.Mpeak, d.V, d.HHIPlus = DecimalOrNone(cells[5]), DecimalOrNone(cells[6]), DecimalOrNone(cells[7]), DecimalOrNone(cells[8])
		days = append(days, d)
	}
	return days, len(days) > 0, true
}

// splitPlainCSVLine appends the fields of line (one whole line, without its
// end) to dst as csv.Reader reads them: the texts between commas, a field
// quoted as "text" without a quote in its text read as that text. ok is
// false when the line has any other quote (doubled, inside a field, or one
// not closed on this line), left to csv.Reader.
func splitPlainCSVLine(line []byte, dst [][]byte) (fields [][]byte, ok bool) {
	for {
		if len(line) > 0 && line[0] == '"' {
			end := bytes.IndexByte(line[1:], '"') + 1
			if end == 0 || (end+1 < len(line) && line[end+1] != ',') {
				return dst, false
			}
			dst = append(dst, line[1:end])
			if end+1 == len(line) {
				return dst, true
			}
			line = line[end+2:]
			continue
		}
		field, tail, more := bytes.Cut(line, []byte{','})
		if bytes.IndexByte(field, '"') >= 0 {
			return dst, false
		}
		dst = append(dst, field)
		if !more {
			return dst, true
		}
		line = tail
	}
}

// DecimalOrNone is bilancio's _decimal_or_none.
func DecimalOrNone(s string) *pynum.Amount {
	if s == "" {
		return nil
	}
	a, err := pynum.ParseDecimal(s)
	if err != nil {
		return nil
	}
	return &a
}
