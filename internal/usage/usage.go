// Package usage keeps the record of what remote machines (Modal sandboxes)
// a sweep used: one row per sandbox in the experiment's usage.csv (start,
// end, duration, reserved resources and estimated cost), a summary of the
// measured sandbox-seconds and cost in aggregate/usage_summary.json, and
// the listing across experiments behind `bilancio usage`.
//
// usage.csv is append-only: rows are added as sandboxes stop, each in one
// write, so a sweep that is killed loses at most the rows not yet received.
// A torn last line (a write cut short) is ignored when reading.
package usage

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bilancio-go/bilancio/internal/atomicfile"
	"github.com/bilancio-go/bilancio/internal/version"
)

// File is the usage record of an experiment, at its folder's root;
// SummaryFile is the summary of the measured usage, next to bilancio's
// aggregate/summary.json (whose format is bilancio's and not extended).
const (
	File        = "usage.csv"
	SummaryFile = "aggregate/usage_summary.json"
)

// Columns returns the header of usage.csv: its columns, in order.
func Columns() []string {
	return []string{
		"sandbox_id", "purpose", "start", "end", "duration_s",
		"cpu", "memory_mib", "gpu", "runs", "cost", "currency",
	}
}

// Record is one sandbox: a row of usage.csv.
type Record struct {
	// Experiment is the experiment folder's name; it is not a column (the
	// file is inside the folder) and is set by Scan.
	Experiment string    `json:"experiment,omitempty"`
	SandboxID  string    `json:"sandbox_id"`
	Purpose    string    `json:"purpose"`
	Start      time.Time `json:"start"`
	End        time.Time `json:"end"`
	// Seconds is End - Start, in seconds.
	Seconds   float64 `json:"duration_s"`
	CPU       float64 `json:"cpu"`
	MemoryMiB float64 `json:"memory_mib"`
	GPU       string  `json:"gpu,omitempty"`
	Runs      int     `json:"runs"`
	Cost      float64 `json:"cost"`
	Currency  string  `json:"currency"`
}

// row renders a record as a CSV row.
func (r *Record) row() []string {
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	return []string{
		r.SandboxID, r.Purpose, r.Start.UTC().Format(time.RFC3339Nano), r.End.UTC().Format(time.RFC3339Nano),
		strconv.FormatFloat(r.Seconds, 'f', 3, 64), f(r.CPU), f(r.MemoryMiB), r.GPU, strconv.Itoa(r.Runs),
		strconv.FormatFloat(r.Cost, 'f', -1, 64), r.Currency,
	}
}

// parseRow reads a CSV row back.
func parseRow(row []string) (Record, error) {
	if n := len(Columns()); len(row) != n {
		return Record{}, fmt.Errorf("%d fields, want %d", len(row), n)
	}
	var (
		r    = Record{SandboxID: row[0], Purpose: row[1], GPU: row[7], Currency: row[10]}
		errs []error
	)
	tm := func(s string) time.Time {
		t, err := time.Parse(time.RFC3339Nano, s)
		errs = append(errs, err)
		return t
	}
	num := func(s string) float64 {
		v, err := strconv.ParseFloat(s, 64)
		errs = append(errs, err)
		return v
	}
	r.Start, r.End = tm(row[2]), tm(row[3])
	r.Seconds, r.CPU, r.MemoryMiB, r.Cost = num(row[4]), num(row[5]), num(row[6]), num(row[9])
	n, err := strconv.Atoi(row[8])
	r.Runs = n
	errs = append(errs, err)
	if err := errors.Join(errs...); err != nil {
		return Record{}, err
	}
	return r, nil
}

// Append adds records to the usage file at path, creating it with its
// header; the rows go out in a single write. The file has one row per
// sandbox: a record of a sandbox it already has (an executor may report a
// sandbox again, from a record it left on remote storage in case its own
// report was lost) is dropped.
func Append(path string, recs []Record) error {
	if len(recs) == 0 {
		return nil
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("recording sandbox usage: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("recording sandbox usage: %w", err)
	}
	if recs, err = unrecorded(f, st.Size(), recs); err != nil {
		return fmt.Errorf("recording sandbox usage in %s: %w", path, err)
	}
	if len(recs) == 0 {
		return nil
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	if st.Size() == 0 {
		_ = w.Write(Columns())
	}
	for i := range recs {
		r := recs[i]
		if r.Seconds == 0 && r.End.After(r.Start) {
			r.Seconds = r.End.Sub(r.Start).Seconds()
		}
		_ = w.Write(r.row())
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return fmt.Errorf("recording sandbox usage: %w", err)
	}
	if _, err := f.Write(b.Bytes()); err != nil {
		return fmt.Errorf("recording sandbox usage in %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("recording sandbox usage in %s: %w", path, err)
	}
	return nil
}

// unrecorded returns the records of recs whose sandbox is not in the
// usage file f (of size bytes) yet, each sandbox once. Rows it cannot
// read are no sandbox's (Read says what is wrong with them).
func unrecorded(f *os.File, size int64, recs []Record) ([]Record, error) {
	seen := map[string]bool{}
	if size > 0 {
		data := make([]byte, size)
		if _, err := f.ReadAt(data, 0); err != nil {
			return nil, err
		}
		cr := csv.NewReader(bytes.NewReader(data))
		cr.FieldsPerRecord = -1
		cr.ReuseRecord = true
		for {
			row, err := cr.Read()
			if err == io.EOF {
				break
			}
			if err == nil && len(row) > 0 {
				seen[row[0]] = true // sandbox_id, the first column
			}
		}
	}
	out := recs[:0:0]
	for _, r := range recs {
		if !seen[r.SandboxID] {
			seen[r.SandboxID] = true
			out = append(out, r)
		}
	}
	return out, nil
}

// Read reads a usage file; a missing file has no records. A malformed last
// line (a write cut short) is ignored; any other malformed row is an error.
func Read(path string) ([]Record, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading sandbox usage: %w", err)
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	var rows [][]string
	for {
		row, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			// Only a torn last line (no final newline) is tolerated.
			if bytes.HasSuffix(data, []byte("\n")) {
				return nil, fmt.Errorf("reading sandbox usage %s: %w", path, err)
			}
			break
		}
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	if want := Columns(); !slices.Equal(rows[0], want) {
		return nil, fmt.Errorf("reading sandbox usage %s: the header is %q, want %q", path, strings.Join(rows[0], ","), strings.Join(want, ","))
	}
	var out []Record
	for i, row := range rows[1:] {
		r, err := parseRow(row)
		if err != nil {
			if i == len(rows)-2 && !bytes.HasSuffix(data, []byte("\n")) {
				break // a torn last line
			}
			return nil, fmt.Errorf("reading sandbox usage %s, line %d: %w", path, i+2, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// Totals sums records.
type Totals struct {
	Sandboxes int `json:"sandboxes"`
	Runs      int `json:"runs"`
	// SandboxSeconds is the measured wall time of the sandboxes.
	SandboxSeconds float64 `json:"sandbox_seconds"`
	// CoreSeconds, GiBSeconds and GPUSeconds weigh it by the reservation.
	CoreSeconds float64 `json:"cpu_core_seconds"`
	GiBSeconds  float64 `json:"memory_gib_seconds"`
	GPUSeconds  float64 `json:"gpu_seconds"`
	Cost        float64 `json:"cost"`
	// Currency is the records' currency ("mixed" if they differ).
	Currency string    `json:"currency"`
	First    time.Time `json:"first_start"`
	Last     time.Time `json:"last_end"`
}

// Sum totals records.
func Sum(recs []Record) Totals {
	var t Totals
	for _, r := range recs {
		t.Sandboxes++
		t.Runs += r.Runs
		t.SandboxSeconds += r.Seconds
		t.CoreSeconds += r.Seconds * r.CPU
		t.GiBSeconds += r.Seconds * r.MemoryMiB / 1024
		t.GPUSeconds += r.Seconds * float64(gpuCount(r.GPU))
		t.Cost += r.Cost
		switch {
		case t.Currency == "":
			t.Currency = r.Currency
		case r.Currency != "" && r.Currency != t.Currency:
			t.Currency = "mixed"
		}
		if t.First.IsZero() || r.Start.Before(t.First) {
			t.First = r.Start
		}
		if r.End.After(t.Last) {
			t.Last = r.End
		}
	}
	return t
}

// Rounded rounds the sums to microseconds and the cost to 1e-12, hiding
// float noise in the summary file.
func (t Totals) Rounded() Totals {
	r := func(v, scale float64) float64 { return math.Round(v*scale) / scale }
	t.SandboxSeconds = r(t.SandboxSeconds, 1e6)
	t.CoreSeconds = r(t.CoreSeconds, 1e6)
	t.GiBSeconds = r(t.GiBSeconds, 1e6)
	t.GPUSeconds = r(t.GPUSeconds, 1e6)
	t.Cost = r(t.Cost, 1e12)
	return t
}

// gpuCount is the number of GPUs of a request such as "A100:2".
func gpuCount(gpu string) int {
	if gpu == "" {
		return 0
	}
	_, n, found := strings.Cut(gpu, ":")
	if !found {
		return 1
	}
	c, err := strconv.Atoi(n)
	if err != nil || c < 1 {
		return 1
	}
	return c
}

// Summary is aggregate/usage_summary.json: the measured usage of an
// experiment's sandboxes.
type Summary struct {
	ExperimentID string `json:"experiment_id"`
	// Bilancio is the version of the bilancio that wrote the summary.
	Bilancio string `json:"bilancio_version,omitempty"`
	Totals
	// ByPurpose splits the totals by what the sandboxes did.
	ByPurpose map[string]Totals `json:"by_purpose,omitempty"`
}

// WriteSummary (re)writes dir/aggregate/usage_summary.json from
// dir/usage.csv, atomically; without usage records it writes nothing.
func WriteSummary(dir, experimentID string) error {
	recs, err := Read(filepath.Join(dir, File))
	if err != nil || len(recs) == 0 {
		return err
	}
	s := Summary{ExperimentID: experimentID, Bilancio: version.Version(), Totals: Sum(recs), ByPurpose: map[string]Totals{}}
	byPurpose := map[string][]Record{}
	for _, r := range recs {
		byPurpose[r.Purpose] = append(byPurpose[r.Purpose], r)
	}
	for p, rs := range byPurpose {
		s.ByPurpose[p] = Sum(rs).Rounded()
	}
	s.Totals = s.Totals.Rounded()
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("writing the usage summary: %w", err)
	}
	return writeAtomic(filepath.Join(dir, SummaryFile), append(b, '\n'))
}

// ReadSummary reads an experiment's usage summary.
func ReadSummary(dir string) (*Summary, error) {
	b, err := os.ReadFile(filepath.Join(dir, SummaryFile))
	if err != nil {
		return nil, fmt.Errorf("reading the usage summary: %w", err)
	}
	var s Summary
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("reading the usage summary %s: %w", filepath.Join(dir, SummaryFile), err)
	}
	return &s, nil
}

// writeAtomic writes data to path through a temporary file renamed into
// place, creating the folder.
func writeAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return atomicfile.WriteFile(path, data, 0o644)
}

// Scan reads the usage records of every experiment folder under outDir
// (one level down) whose sandboxes started at or after since (every record
// when since is zero), sorted by start time. Experiments without a usage
// file are skipped.
func Scan(outDir string, since time.Time) ([]Record, error) {
	ents, err := os.ReadDir(outDir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("listing experiments: %w", err)
	}
	var out []Record
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		recs, err := Read(filepath.Join(outDir, e.Name(), File))
		if err != nil {
			return nil, err
		}
		for _, r := range recs {
			if !since.IsZero() && r.Start.Before(since) {
				continue
			}
			r.Experiment = e.Name()
			out = append(out, r)
		}
	}
	slices.SortStableFunc(out, func(a, b Record) int { return a.Start.Compare(b.Start) })
	return out, nil
}
