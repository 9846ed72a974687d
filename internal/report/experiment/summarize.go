package experiment

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/bilancio-go/bilancio/internal/report"
	"github.com/bilancio-go/bilancio/internal/store"
)

// summarizeRuns reads the registry of the experiment in dir as a stream:
// when it holds more than report.MaxListed runs, d gets the summary of
// them all and a sample of them (with their links and replicates), and it
// returns true; otherwise d.Runs gets every run as the registry has it
// (the caller adds links and replicates, as for any small sweep) and it
// returns false. A big registry is read twice (see report.Summarizer);
// nothing grows with its number of runs.
func summarizeRuns(ctx context.Context, dir string, d *report.Dashboard) (bool, error) {
	z := report.NewSummarizer()
	// The first pass keeps the runs while they may all be listed, so that
	// a sweep of no more than MaxListed runs reads its registry once.
	var kept []report.DashboardRun
	err := eachRegistryRun(ctx, dir, func(r *report.DashboardRun) error {
		z.Scan(r)
		if len(kept) < report.MaxListed {
			kept = append(kept, *r)
		}
		return nil
	})
	if err != nil {
		return false, err
	}
	if s, _ := z.Done(); s.Listed <= report.MaxListed {
		d.Runs = kept
		return false, nil
	}
	kept = nil
	points := report.NewPointsTable(filepath.Join(dir, "aggregate"))
	if err := os.MkdirAll(filepath.Join(dir, "aggregate"), 0o755); err != nil {
		return false, fmt.Errorf("reading the runs: %w", err)
	}
	z.Second(points)
	reps, err := openReplicates(dir)
	if err != nil {
		points.Close()
		return false, err
	}
	defer reps.close()
	err = eachRegistryRun(ctx, dir, func(r *report.DashboardRun) error {
		r.Replicate = reps.of(r.ID)
		return z.Add(r)
	})
	if err != nil {
		points.Close()
		return false, err
	}
	s, runs := z.Done()
	for i := range runs {
		runs[i].RunHTML, runs[i].RunDir = runLinks(dir, runs[i].ID, runs[i].RunHTML)
	}
	d.Summary, d.Runs = s, runs
	return true, nil
}

// eachRegistryRun calls f with each run of the registry, in order (none
// when there is no registry). The run's RunHTML is the registry's run_html
// column (runLinks turns it into a link).
func eachRegistryRun(ctx context.Context, dir string, f func(*report.DashboardRun) error) error {
	file, err := os.Open(filepath.Join(dir, filepath.FromSlash(store.RegistryFile)))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading the registry: %w", err)
	}
	defer file.Close()
	cr := csv.NewReader(bufio.NewReaderSize(file, 1<<20))
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading %s: %w", store.RegistryFile, err)
	}
	names := []string{"run_id", "phase", "seed", "kappa", "concentration", "mu", "monotonicity", "status", "phi_total", "delta_total",
		"time_to_stability", "error", "run_html"}
	cols := make([]int, len(names))
	for i, n := range names {
		cols[i] = slices.Index(header, n)
	}
	var r report.DashboardRun
	field := func(rec []string, i int) string {
		if c := cols[i]; c >= 0 && c < len(rec) {
			return rec[c]
		}
		return ""
	}
	for n := 0; ; n++ {
		if n%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading %s: %w", store.RegistryFile, err)
		}
		r = report.DashboardRun{
			ID: field(rec, 0), Phase: field(rec, 1), Seed: field(rec, 2),
			Kappa: field(rec, 3), Concentration: field(rec, 4), Mu: field(rec, 5), Monotonicity: field(rec, 6),
			Status: field(rec, 7), Phi: field(rec, 8), Delta: field(rec, 9),
			TimeToStability: field(rec, 10), Error: field(rec, 11), RunHTML: field(rec, 12),
		}
		if err := f(&r); err != nil {
			return err
		}
	}
}

// replicates reads the replicate column of results.csv alongside the
// registry: results.csv has a row for each completed run, in the
// registry's order, so its rows are met in order.
type replicates struct {
	f       *os.File
	cr      *csv.Reader
	id, rep int
	cur     []string
}

// openReplicates opens results.csv for reading replicates (reading none
// when the file or its replicate column is absent).
func openReplicates(dir string) (*replicates, error) {
	r := &replicates{}
	f, err := os.Open(filepath.Join(dir, filepath.FromSlash(store.ResultsFile)))
	if errors.Is(err, fs.ErrNotExist) {
		return r, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the results: %w", err)
	}
	r.f = f
	r.cr = csv.NewReader(bufio.NewReaderSize(f, 256<<10))
	r.cr.FieldsPerRecord = -1
	header, err := r.cr.Read()
	if err != nil {
		r.cr = nil // empty: no runs yet
		return r, nil
	}
	r.id, r.rep = slices.Index(header, "run_id"), slices.Index(header, "replicate")
	if r.id < 0 || r.rep < 0 {
		r.cr = nil
		return r, nil
	}
	r.next()
	return r, nil
}

// next reads the next row (none at the end or on an error).
func (r *replicates) next() {
	rec, err := r.cr.Read()
	if err != nil || r.id >= len(rec) || r.rep >= len(rec) {
		r.cr, r.cur = nil, nil
		return
	}
	r.cur = rec
}

// of is the replicate of run id, the registry's next run ("" when
// results.csv has no row for it).
func (r *replicates) of(id string) string {
	if r.cr == nil || r.cur == nil || r.cur[r.id] != id {
		return ""
	}
	rep := r.cur[r.rep]
	r.next()
	return rep
}

func (r *replicates) close() {
	if r.f != nil {
		r.f.Close()
	}
}
