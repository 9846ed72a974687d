package sweep

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/bilancio-go/bilancio/internal/ring"
	"github.com/bilancio-go/bilancio/internal/store"
	"github.com/bilancio-go/bilancio/sdk/runfolder"
)

// A paired sweep's folder, in bilancio's layout:
//
//	<dir>/paired.json                  what the sweep is (kind, arms, spec)
//	<dir>/sweep.hcl                    the sweep file as run
//	<dir>/<arm>/                       each arm, an experiment folder of its own:
//	<dir>/<arm>/registry/experiments.csv   engine §9.2 columns, dealer_enabled False/True
//	<dir>/<arm>/runs/<run_id>/
//	<dir>/aggregate/comparison.csv     a row per pair whose two runs ended
//	<dir>/aggregate/summary.json
//
// The arms are control and treatment (comparison) or passive and active
// (balanced).

// PairedMeta is paired.json.
type PairedMeta struct {
	Format       int       `json:"format"`
	Kind         string    `json:"kind"`
	ExperimentID string    `json:"experiment_id"`
	Arms         [2]string `json:"arms"`
	Spec         *Spec     `json:"spec"`
	Created      time.Time `json:"created"`
	Updated      time.Time `json:"updated"`
}

// ReadPairedMeta reads dir's paired.json; the error wraps ErrNoExperiment
// when dir is not a paired sweep's folder.
func ReadPairedMeta(dir string) (*PairedMeta, error) {
	b, err := os.ReadFile(filepath.Join(dir, store.PairedMetaFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w (no %s)", dir, store.ErrNoExperiment, store.PairedMetaFile)
	}
	if err != nil {
		return nil, fmt.Errorf("reading the paired sweep: %w", err)
	}
	var m PairedMeta
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("reading %s: %w", filepath.Join(dir, store.PairedMetaFile), err)
	}
	if m.Format != store.Format {
		return nil, fmt.Errorf("%s: paired format %d, this bilancio reads format %d", dir, m.Format, store.Format)
	}
	return &m, nil
}

// pairedConfig is the summary's configuration of a paired sweep.
func pairedConfig(s *Spec, p *Plan) *PairedConfig {
	texts := func(axis int) []string {
		out := make([]string, len(p.grid[axis]))
		for i, d := range p.grid[axis] {
			out[i] = d.String()
		}
		return out
	}
	cfg := &PairedConfig{
		Kind: s.Paired.Kind, NAgents: p.ring.NAgents, MaturityDays: p.ring.MaturityDays,
		QTotal: p.ring.qTotal.String(), BaseSeed: p.ring.BaseSeed,
		Kappas: texts(ring.SweptKappa), Concentrations: texts(ring.SweptConcentration), Mus: texts(ring.SweptMu),
	}
	if a := p.arm; a != nil && a.balanced {
		cfg.FaceValue, cfg.BigEntityShare = a.face.String(), a.beta.String()
		for _, r := range a.rhos {
			cfg.Rhos = append(cfg.Rhos, r.String())
		}
	}
	return cfg
}

// pairTable collects the pairs' results as the arms report them.
type pairTable struct {
	kind   string
	cfg    *PairedConfig
	dir    string
	stores [2]*store.Store

	mu    sync.Mutex
	order []int // plan indexes, in plan order
	slots map[int]*pairSlot
	// dealer caches the active runs' dealer summaries by run id.
	dealer map[string][3]string
	dirty  chan struct{}
}

// pairSlot is one grid point's pair.
type pairSlot struct {
	pair Pair
	have [2]bool
}

// newPairTable holds a slot for every point of the plan (those select
// keeps).
func newPairTable(ctx context.Context, kind string, cfg *PairedConfig, dir string, p *Plan, sel func(*Point) bool) *pairTable {
	t := &pairTable{kind: kind, cfg: cfg, dir: dir, slots: map[int]*pairSlot{}, dealer: map[string][3]string{}, dirty: make(chan struct{}, 1)}
	for pt := range p.Static(ctx) {
		if sel != nil && !sel(&pt) {
			continue
		}
		pr := Pair{Params: pt.Texts(), Seed: pt.Seed}
		if rho := pt.Values[ring.SweptRho]; rho != nil {
			pr.Rho = rho.String()
		}
		t.order = append(t.order, pt.Index)
		t.slots[pt.Index] = &pairSlot{pair: pr}
	}
	return t
}

// record notes how an arm's run ended (d nil: failed for good).
func (t *pairTable) record(arm int, run *PlannedRun, d *runfolder.Sealed) {
	res := ArmResult{RunID: run.ID}
	if d != nil {
		res.Phi, res.Delta = d.Manifest.PhiTotal, d.Manifest.DeltaTotal
	}
	t.set(arm, run.Index, res)
}

// set stores the result of the run of arm at plan index i.
func (t *pairTable) set(arm, i int, res ArmResult) {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.slots[i]
	if s == nil {
		return
	}
	s.pair.Arms[arm], s.have[arm] = res, true
	select {
	case t.dirty <- struct{}{}:
	default:
	}
}

// pairs returns the pairs whose two runs ended, in plan order, with the
// active runs' dealer values of a balanced sweep.
func (t *pairTable) pairs() ([]Pair, error) {
	t.mu.Lock()
	var out []Pair
	for _, i := range t.order {
		if s := t.slots[i]; s.have[0] && s.have[1] {
			out = append(out, s.pair)
		}
	}
	t.mu.Unlock()
	if t.kind != KindBalanced {
		return out, nil
	}
	for i := range out {
		a := &out[i].Arms[1]
		if a.Delta == "" && a.Phi == "" {
			continue
		}
		t.mu.Lock()
		v, ok := t.dealer[a.RunID]
		t.mu.Unlock()
		if !ok {
			var err error
			if v, err = ReadDealerSummary(filepath.Join(t.stores[1].RunDir(a.RunID), filepath.FromSlash(DealerMetricsFile))); err != nil {
				return nil, err
			}
			t.mu.Lock()
			t.dealer[a.RunID] = v
			t.mu.Unlock()
		}
		a.Dealer = v
	}
	return out, nil
}

// write rewrites aggregate/comparison.csv and aggregate/summary.json.
func (t *pairTable) write() error {
	pairs, err := t.pairs()
	if err != nil {
		return err
	}
	csv, err := ComparisonCSV(t.kind, t.cfg, pairs)
	if err != nil {
		return err
	}
	js, err := ComparisonSummaryJSON(t.kind, t.cfg, pairs)
	if err != nil {
		return err
	}
	if err := store.WriteFile(filepath.Join(t.dir, filepath.FromSlash(store.ComparisonFile)), csv); err != nil {
		return err
	}
	return store.WriteFile(filepath.Join(t.dir, filepath.FromSlash(store.SummaryFile)), js)
}

// pairedRun is one invocation of a paired sweep.
type pairedRun struct {
	spec  *Spec
	opts  Options
	start time.Time
	now   func() time.Time

	mu       sync.Mutex
	progress [2]Progress
	failFast bool // -fail-fast stopped the sweep
}

// runPaired runs a paired sweep: its two arms at once, each an experiment
// folder of its own with its executor, resumed, retried and journaled as a
// plain sweep is; the runs of a grid point pair up by the point, whichever
// arm ends first, and the comparison files are rewritten as pairs complete.
func runPaired(ctx context.Context, spec *Spec, opts Options) (*Summary, error) {
	if opts.Open == nil {
		return nil, errors.New("sweep: no executor")
	}
	dir, arms, err := ArmSpecs(spec, opts.OutDir)
	if err != nil {
		return nil, fmt.Errorf("invalid sweep: %w", err)
	}
	var plans [2]*Plan
	for i, a := range arms {
		if plans[i], err = NewPlan(a); err != nil {
			return nil, fmt.Errorf("%s arm: %w", a.Arm.Role, err)
		}
	}
	pr := &pairedRun{spec: spec, opts: opts, now: opts.Now}
	if pr.now == nil {
		pr.now = time.Now
	}
	pr.start = pr.now()
	top := &store.Store{Dir: dir, ID: PairedExperimentID(spec, plans[0])}
	if err := os.MkdirAll(top.Path("aggregate"), 0o755); err != nil {
		return nil, fmt.Errorf("creating the experiment folder: %w", err)
	}
	unlock, err := top.Lock()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	defer unlock()
	if err := pr.writeMeta(top, arms); err != nil {
		return nil, err
	}
	if err := top.WriteSource(source(spec, opts.Origin)); err != nil {
		return nil, err
	}
	table := newPairTable(ctx, spec.Paired.Kind, pairedConfig(spec, plans[0]), dir, plans[0], opts.Select)
	var runners [2]*runner
	for i := range arms {
		o := opts
		o.OutDir = ""
		if opts.ArmOpen[i] != nil {
			o.Open = opts.ArmOpen[i]
		}
		if opts.ArmExecutor[i] != "" {
			o.Executor = opts.ArmExecutor[i]
		}
		o.Events = pr.armEvents(i)
		runners[i] = newRunner(plans[i], o)
		table.stores[i] = &store.Store{Dir: arms[i].ExperimentDir, ID: arms[i].Arm.ExperimentID}
	}
	actx, cancel := context.WithCancel(ctx)
	defer cancel()
	for i, r := range runners {
		r.onResult = func(run *PlannedRun, d *runfolder.Sealed) {
			table.record(i, run, d)
			if d == nil && spec.FailFast {
				pr.mu.Lock()
				pr.failFast = true
				pr.mu.Unlock()
				cancel()
			}
		}
	}
	total := 0
	for i, r := range runners {
		n := r.countStatic(ctx)
		pr.progress[i].Total = n
		total += n
	}
	pr.emit(Event{Type: EventSweepStarted, Start: &StartInfo{
		ExperimentID: top.ID, Dir: dir, Executor: pairedExecutor(opts),
		Grid: total, SeedMode: plans[0].SeedMode(), Parallel: spec.Parallel, Retries: spec.Retries,
	}})

	// The comparison files are rewritten whenever pairs complete.
	var (
		wg       sync.WaitGroup
		writeErr error
	)
	writerDone := make(chan struct{})
	wg.Go(func() {
		for {
			select {
			case <-table.dirty:
				if err := table.write(); err != nil && writeErr == nil {
					writeErr = err
				}
			case <-writerDone:
				return
			}
		}
	})
	var (
		sums [2]*Summary
		errs [2]error
		aw   sync.WaitGroup
	)
	for i, r := range runners {
		aw.Go(func() { sums[i], errs[i] = r.run(actx) })
	}
	aw.Wait()
	close(writerDone)
	wg.Wait()
	err = table.write()
	wrote := err == nil
	if err != nil && writeErr == nil {
		writeErr = err
	}
	if writeErr == nil {
		writeErr = pr.writeMeta(top, arms)
	}
	dashboard := false
	if pairs, err := table.pairs(); writeErr == nil && err == nil && len(pairs) > 0 && pr.opts.Dashboard != nil && ctx.Err() == nil {
		// The dashboard (relief heatmaps, trading effect, dealer PnL and
		// trades), from the files just written. The comparison is
		// complete without it, so a failure is a warning. An interrupted
		// sweep leaves it to the next run (see runner.finish).
		if err := pr.opts.Dashboard(context.WithoutCancel(ctx), dir); err != nil {
			pr.emit(Event{Type: EventDiagnostic, Diagnostic: &Diagnostic{Severity: "warning", Summary: "Cannot write the paired dashboard", Detail: err.Error()}})
		} else {
			dashboard = true
		}
	}
	s := &Summary{ExperimentID: top.ID, Dir: top.Dir}
	if wrote {
		s.Results, s.SummaryJSON = top.Path(store.ComparisonFile), top.Path(store.SummaryFile)
	}
	if dashboard {
		s.Dashboard = top.Path(store.DashboardFile)
	}
	return pr.finish(ctx, s, sums, errs, writeErr)
}

// pairedExecutor describes the arms' executors for the start event.
func pairedExecutor(opts Options) string {
	names := [2]string{opts.Executor, opts.Executor}
	for i, e := range opts.ArmExecutor {
		if e != "" {
			names[i] = e
		}
	}
	if names[0] == names[1] {
		return names[0]
	}
	return names[0] + " / " + names[1]
}

// writeMeta writes paired.json.
func (pr *pairedRun) writeMeta(top *store.Store, arms [2]*Spec) error {
	created := pr.start
	if m, err := ReadPairedMeta(top.Dir); err == nil && !m.Created.IsZero() {
		created = m.Created
	}
	spec := *pr.spec
	spec.Source = nil
	m := PairedMeta{
		Format: store.Format, Kind: spec.Paired.Kind, ExperimentID: top.ID,
		Arms: [2]string{arms[0].Arm.Role, arms[1].Arm.Role}, Spec: &spec,
		Created: created, Updated: pr.now(),
	}
	b, err := json.MarshalIndent(&m, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding %s: %w", store.PairedMetaFile, err)
	}
	return store.WriteFile(top.Path(store.PairedMetaFile), append(b, '\n'))
}

// armEvents forwards an arm's events with the progress of both arms; the
// arms' own start and summary events give way to the paired sweep's.
func (pr *pairedRun) armEvents(arm int) func(Event) {
	return func(ev Event) {
		pr.mu.Lock()
		pr.progress[arm] = ev.Progress
		pr.mu.Unlock()
		switch ev.Type {
		case EventSweepStarted, EventSweepSummary:
			return
		}
		pr.emit(ev)
	}
}

// combined is the progress of both arms.
func (pr *pairedRun) combined() Progress {
	var p Progress
	for _, a := range pr.progress {
		p.Total += a.Total
		p.Done += a.Done
		p.Reused += a.Reused
		p.Failed += a.Failed
		p.Running += a.Running
		p.Rate += a.Rate
	}
	p.Elapsed = pr.now().Sub(pr.start)
	if p.Rate > 0 {
		p.ETA = time.Duration(float64(p.Pending()) / p.Rate * float64(time.Second))
	}
	return p
}

// emit hands an event with the combined progress to the view, one at a
// time.
func (pr *pairedRun) emit(ev Event) {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	ev.Time = pr.now()
	ev.Progress = pr.combined()
	if pr.opts.Events != nil {
		pr.opts.Events(ev)
	}
}

// finish sums up the arms and emits the paired sweep's summary s (whose
// comparison and dashboard paths are set when they were written).
func (pr *pairedRun) finish(ctx context.Context, s *Summary, sums [2]*Summary, errs [2]error, writeErr error) (*Summary, error) {
	interrupted := ctx.Err() != nil
	s.Elapsed = pr.now().Sub(pr.start)
	for _, a := range sums {
		if a != nil && a.Registry != "" {
			s.ArmRegistries = append(s.ArmRegistries, a.Registry)
		}
	}
	if len(s.ArmRegistries) > 0 {
		s.Registry = s.ArmRegistries[0]
	}
	pr.mu.Lock()
	failFast := pr.failFast
	for i, a := range sums {
		if a == nil {
			continue
		}
		pr.progress[i] = a.Progress
		s.Ran += a.Ran
		s.Attempts += a.Attempts
	}
	s.Progress = pr.combined()
	pr.mu.Unlock()
	var runErr error
	failed := failFast || writeErr != nil
	for i, err := range errs {
		if sums[i] == nil || sums[i].Status == StatusFailed {
			failed = true
		}
		if err == nil || errors.Is(err, context.Canceled) && !interrupted {
			continue // an arm stopped by the other's -fail-fast
		}
		if runErr == nil && !interrupted {
			runErr = err
		}
	}
	if runErr == nil {
		runErr = writeErr
	}
	switch {
	case interrupted:
		s.Status = StatusInterrupted
	case failed || runErr != nil || s.Progress.Failed > 0:
		s.Status = StatusFailed
	default:
		s.Status = StatusCompleted
	}
	if runErr != nil && !interrupted {
		s.Error = runErr.Error()
		pr.emit(Event{Type: EventDiagnostic, Diagnostic: &Diagnostic{Severity: "error", Summary: "The sweep stopped", Detail: runErr.Error()}})
	}
	pr.emit(Event{Type: EventSweepSummary, Summary: s})
	if interrupted {
		return s, fmt.Errorf("sweep %s interrupted: %w", s.ExperimentID, ctx.Err())
	}
	if sums[0] == nil && sums[1] == nil && runErr != nil {
		return nil, runErr
	}
	return s, runErr
}

// PairedStatus is the state of a paired sweep's folder: each arm's status
// and the pairs in its comparison.
type PairedStatus struct {
	Meta *PairedMeta
	Arms [2]*store.Status
	// Views are what AggregatePaired found in each arm (nil for status).
	Views [2]*store.Views
	// Pairs counts the rows of aggregate/comparison.csv.
	Pairs int
}

// ReadPairedStatus reports what a paired sweep's folder holds (see
// ReadStatus for each arm).
func ReadPairedStatus(ctx context.Context, dir string, verify bool) (*PairedStatus, error) {
	m, err := ReadPairedMeta(dir)
	if err != nil {
		return nil, err
	}
	ps := &PairedStatus{Meta: m}
	for i, arm := range m.Arms {
		if ps.Arms[i], err = store.ReadStatus(ctx, filepath.Join(dir, arm), verify); err != nil {
			return nil, fmt.Errorf("%s arm: %w", arm, err)
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(store.ComparisonFile)))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("reading the comparison: %w", err)
	}
	if n := bytes.Count(b, []byte("\r\n")); n > 0 {
		ps.Pairs = n - 1
	}
	return ps, nil
}

// AggregatePaired rebuilds a paired sweep's files from its runs: each arm's
// registry and aggregate files (see Aggregate), then aggregate/comparison.csv
// and summary.json from the arms' journals, taking the folder's lock.
func AggregatePaired(ctx context.Context, dir string, verify bool) (*PairedStatus, error) {
	m, err := ReadPairedMeta(dir)
	if err != nil {
		return nil, err
	}
	if m.Spec == nil || m.Spec.Paired == nil {
		return nil, fmt.Errorf("%s: %s has no paired sweep", dir, store.PairedMetaFile)
	}
	spec := *m.Spec
	spec.ExperimentDir, spec.OutDir = dir, ""
	_, arms, err := ArmSpecs(&spec, "")
	if err != nil {
		return nil, fmt.Errorf("%s: the recorded sweep: %w", dir, err)
	}
	var plans [2]*Plan
	for i, a := range arms {
		if plans[i], err = NewPlan(a); err != nil {
			return nil, fmt.Errorf("%s arm: %w", a.Arm.Role, err)
		}
	}
	top := &store.Store{Dir: dir, ID: m.ExperimentID}
	unlock, err := top.Lock()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	defer unlock()
	table := newPairTable(ctx, spec.Paired.Kind, pairedConfig(&spec, plans[0]), dir, plans[0], nil)
	var views [2]*store.Views
	for i, a := range arms {
		if _, views[i], err = Aggregate(ctx, a.ExperimentDir, verify); err != nil {
			return nil, fmt.Errorf("%s arm: %w", a.Arm.Role, err)
		}
		st := &store.Store{Dir: a.ExperimentDir, ID: a.Arm.ExperimentID}
		table.stores[i] = st
		if err := armResults(ctx, st, plans[i], func(index int, res ArmResult) { table.set(i, index, res) }); err != nil {
			return nil, err
		}
	}
	if err := table.write(); err != nil {
		return nil, err
	}
	unlock()
	ps, err := ReadPairedStatus(ctx, dir, false)
	if ps != nil {
		ps.Views = views
	}
	return ps, err
}

// armResults reports the runs of an arm's plan that ended (done with their
// values, or failed for good), by plan index, from its journal.
func armResults(ctx context.Context, st *store.Store, p *Plan, set func(index int, res ArmResult)) error {
	j, err := st.ReadJournal(ctx)
	if err != nil {
		return err
	}
	defer j.Close()
	for e := range j.InPlan(p.Fingerprint()).All() {
		switch e.State() {
		case store.Done:
			id := e.ID()
			if !st.HasManifest(id) {
				continue
			}
			rec, err := e.Record()
			if err != nil {
				return err
			}
			set(e.Index(), ArmResult{RunID: id, Phi: rec.Phi, Delta: rec.Delta})
		case store.Failed:
			set(e.Index(), ArmResult{RunID: e.ID()})
		}
	}
	return nil
}
