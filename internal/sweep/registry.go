package sweep

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"

	"github.com/bilancio-go/bilancio/internal/artifacts"
	"github.com/bilancio-go/bilancio/internal/pynum"
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

// Registry statuses.
const (
	rowCompleted = "completed"
	rowFailed    = "failed"
)

// row is a registry row, field by field.
type row struct {
	entry    *entry
	done     *doneRun
	status   string
	paths    map[string]string // column → path relative to registry/
	metrics  string            // metrics.csv on disk, for the aggregate
	results  []string          // the aggregate's row (nil: not aggregated)
	phi      string
	delta    string
	tts      string
	errorMsg string
}

// registryPaths maps registry columns to run files, as bilancio lays them out.
func registryPaths() [][2]string {
	return [][2]string{
		{"scenario_yaml", artifacts.ScenarioFile},
		{"events_jsonl", artifacts.EventsFile},
		{"balances_csv", artifacts.BalancesFile},
		{"metrics_csv", artifacts.MetricsCSVFile},
		{"metrics_html", "out/metrics.html"},
		{"run_html", artifacts.RunHTMLFile},
	}
}

// views are the registry and aggregate files rebuilt from the runs.
type views struct {
	// Completed, Failed: registry rows by status.
	Completed, Failed int
	// Recovered lists runs found complete on disk that the journal did not
	// know were done (a sweep killed between the two).
	Recovered []*entry
	// PhiMean and DeltaMean are Python float means over the completed rows
	// with a value (nil when none).
	PhiMean, DeltaMean *float64
	Cleared            int
}

// rebuildViews rewrites registry/experiments.csv and aggregate/results.csv
// from the runs of the plan: a row per run in plan order that is complete on
// disk (its manifest verifies: status completed, the summary values from the
// manifest) or that failed for good (status failed, with the reason). The
// aggregate reads each completed run's metrics.csv as bilancio's
// aggregate_runs does. Runs are checked on every CPU.
func (s *Store) rebuildViews(ctx context.Context, p *Plan, ix *journalIndex) (*views, error) {
	entries := ix.inPlan(p.Fingerprint())
	reg := artifacts.AppendCSVRecord(nil, RegistryColumns())
	res := artifacts.AppendCSVRecord(nil, ResultsColumns())
	v := &views{}
	var means outcomeMeans
	err := orderedEach(ctx, len(entries), func(i int) *row {
		return s.buildRow(p, entries[i])
	}, func(i int, r *row) {
		if r == nil {
			return
		}
		reg = artifacts.AppendCSVRecord(reg, s.registryRecord(p, r))
		switch r.status {
		case rowCompleted:
			v.Completed++
			if r.entry.state != stateDone {
				v.Recovered = append(v.Recovered, r.entry)
			}
			if r.results != nil {
				res = artifacts.AppendCSVRecord(res, r.results)
			}
			means.add(r.phi, r.delta)
		case rowFailed:
			v.Failed++
		}
	})
	if err != nil {
		return nil, err
	}
	v.PhiMean, v.DeltaMean = means.means()
	v.Cleared = means.cleared
	if err := writeFileAtomic(s.Path(RegistryFile), reg); err != nil {
		return nil, err
	}
	if err := writeFileAtomic(s.Path(ResultsFile), res); err != nil {
		return nil, err
	}
	return v, nil
}

// buildRow checks one run and returns its rows, nil if it has none (it is
// pending).
func (s *Store) buildRow(p *Plan, e *entry) *row {
	r := &row{entry: e}
	known := ""
	if e.state == stateDone {
		known = e.manifest
	}
	if d, ok := s.checkRun(e.Run, known); ok {
		r.done, r.status = d, rowCompleted
		m := d.Manifest
		r.phi, r.delta, r.tts = m.PhiTotal, m.DeltaTotal, m.TimeToStability
		r.paths = map[string]string{}
		have := map[string]bool{}
		for _, f := range m.Files {
			have[f.Name] = true
		}
		for _, cp := range registryPaths() {
			if have[cp[1]] {
				r.paths[cp[0]] = "../" + RunsDir + "/" + e.Run + "/" + cp[1]
			}
		}
		if have[artifacts.MetricsCSVFile] {
			r.metrics = filepath.Join(s.RunDir(e.Run), filepath.FromSlash(artifacts.MetricsCSVFile))
			r.results = s.resultsRecord(p, r)
		}
		return r
	}
	if e.state == stateFailed {
		r.status, r.errorMsg = rowFailed, e.err
		return r
	}
	return nil
}

// registryRecord is a row's registry fields.
func (s *Store) registryRecord(p *Plan, r *row) []string {
	e, ring := r.entry, &p.ring
	dh := ring.DefaultHandling
	if dh == "" {
		dh = "fail-fast"
	}
	paths := r.paths
	return []string{
		e.Run, e.Phase, strconv.FormatInt(e.Seed, 10), strconv.Itoa(ring.NAgents),
		e.Params[0], e.Params[1], e.Params[2], e.Params[3],
		strconv.Itoa(ring.MaturityDays), pynum.Str(ring.qTotal), e.S1, e.L0,
		paths["scenario_yaml"], paths["events_jsonl"], paths["balances_csv"],
		paths["metrics_csv"], paths["metrics_html"], paths["run_html"],
		dh, p.dealerEnabled(), r.status, r.tts, r.phi, r.delta, r.errorMsg,
	}
}

// orderedEach computes work(i) for i in [0, n) on every CPU, in chunks, and
// calls emit(i, result) in order from the calling goroutine. It stops early
// when ctx is cancelled.
func orderedEach[T any](ctx context.Context, n int, work func(int) T, emit func(int, T)) error {
	const chunk = 512
	workers := runtime.GOMAXPROCS(0)
	out := make([]T, chunk)
	for lo := 0; lo < n; lo += chunk {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("rebuilding the registry: %w", err)
		}
		hi := min(lo+chunk, n)
		var wg sync.WaitGroup
		next := make(chan int, hi-lo)
		for i := lo; i < hi; i++ {
			next <- i
		}
		close(next)
		for range min(workers, hi-lo) {
			wg.Go(func() {
				for i := range next {
					out[i-lo] = work(i)
				}
			})
		}
		wg.Wait()
		for i := lo; i < hi; i++ {
			emit(i, out[i-lo])
		}
	}
	return nil
}
