package sweep

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sync"
	"time"

	"github.com/bilancio-go/bilancio/internal/parallel"
	"github.com/bilancio-go/bilancio/internal/pynum"
	"github.com/bilancio-go/bilancio/internal/store"
	"github.com/bilancio-go/bilancio/sdk"
	"github.com/bilancio-go/bilancio/sdk/runfolder"
)

// Options configure a sweep run.
type Options struct {
	// Open starts the executor (the commands choose it: pluginhost's
	// Choice.Opener). Required.
	Open ExecutorOpener
	// Executor describes the executor for the events ("local (in process)").
	Executor string
	// OutDir overrides Spec.OutDir (the -out flag).
	OutDir string
	// Events receives every event, from one goroutine at a time. Optional.
	Events func(Event)
	// BatchSize is the number of runs handed to the executor at once
	// (default: 8 × parallel, at least 32).
	BatchSize int
	// RetryDelay is the wait before the first retry of a failed run; it
	// doubles with every further attempt (backoff base 2.0), up to
	// RetryMaxDelay. Defaults: 1 s and 1 min.
	RetryDelay, RetryMaxDelay time.Duration
	// Select, when set, keeps only the static runs it accepts (tests use it
	// to run a part of a recorded sweep with the seeds of the whole).
	Select func(*Point) bool
	// Origin describes where the spec came from, for sweep.hcl when the
	// spec has no source (the `sweep ring` command line).
	Origin string
	// Worker locates the bilancio binary for executors that run it
	// elsewhere (Capabilities.Remote, such as Modal); it is called once,
	// when such an executor is first opened. Nil sends no worker.
	Worker func() (*sdk.WorkerBinary, error)
	// Verify makes the runs found done in the experiment folder count only
	// after every file is hashed against its manifest (by default a done
	// run whose files have the sizes and modification times the journal
	// recorded is trusted, and only the others are hashed).
	Verify bool
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Detach hands the runs to an executor with Capabilities.Detach and
	// returns once they are submitted (sdk.Batch.Detach): they run without
	// this process, and the next Run of the sweep collects them.
	Detach bool
	// ArmOpen and ArmExecutor, for a paired sweep, open and describe the
	// executor of each arm (without dealer first) when it is not the
	// sweep's: an arm whose opener is nil runs on Open.
	ArmOpen     [2]ExecutorOpener
	ArmExecutor [2]string
	// Dashboard, when set, (re)writes the dashboard of the experiment in
	// dir once its aggregate files are written: each plain experiment's
	// (a paired sweep's arms too) and a paired sweep's own. The report
	// package provides it (experiment.Options.WriteDashboard); nil writes
	// none.
	Dashboard func(ctx context.Context, dir string) error
}

// ExecutorOpener starts an executor, configured and ready for batches, and
// returns the function that stops it. The runner calls it when it first
// needs the executor, and again after the executor crashed.
type ExecutorOpener func(ctx context.Context) (sdk.Executor, func() error, error)

// Run runs a sweep: it plans it, opens (or creates) its experiment folder,
// skips the runs already done there, executes the others in batches on the
// executor, retries the failed ones, and rebuilds the registry and the
// aggregate files. It returns how the sweep ended; the error is for what
// stopped it other than failed runs (a bad spec, an executor that cannot
// start, a store that cannot be written, or ctx's error when interrupted,
// in which case the summary is returned too).
func Run(ctx context.Context, spec *Spec, opts Options) (*Summary, error) {
	if spec != nil && spec.Paired != nil {
		return runPaired(ctx, spec, opts)
	}
	plan, err := NewPlan(spec)
	if err != nil {
		return nil, err
	}
	if opts.Open == nil {
		return nil, errors.New("sweep: no executor")
	}
	r := newRunner(plan, opts)
	return r.run(ctx)
}

// runner is one invocation of Run.
type runner struct {
	opts  Options
	plan  *Plan
	spec  *Spec
	store *store.Store
	now   func() time.Time
	start time.Time

	// ex is the executor, opened when first needed; worker is the worker
	// binary handed to a remote executor with every batch.
	ex      sdk.Executor
	closeEx func() error
	worker  *sdk.WorkerBinary

	// j is the experiment's journal (safe for concurrent use).
	j *store.Journal

	// usageMu serialises the writes of usage.csv.
	usageMu sync.Mutex

	// mu guards the progress and the events.
	mu       sync.Mutex
	events   chan Event
	prog     Progress
	ran      int
	attempts int
	static   int
	frontier *FrontierSearch

	// stop is set when -fail-fast stops the sweep.
	stop bool

	// onResult, for an arm of a paired sweep, hears of every run of the
	// plan that ends, in this invocation or an earlier one: d is nil for a
	// run failed for good. It is called with mu held.
	onResult func(run *PlannedRun, d *runfolder.Sealed)

	// afterInterrupt bounds the rebuild of the registry and the aggregate
	// once the sweep was interrupted (InterruptBudget; tests shorten it).
	afterInterrupt time.Duration

	// fresh is set when the runs folder held nothing once the leftovers
	// were removed: a run this process has not journaled has no folder
	// then (see unwritten).
	fresh bool
}

// InterruptBudget is how long an interrupted sweep may spend bringing its
// registry and aggregate files up to date before it exits: a small
// experiment's are rebuilt, a large one's (every run is checked again) are
// left as they were, for `sweep aggregate` or the next `sweep run`. Ctrl-C
// stops a sweep within about this long, whatever its size.
const InterruptBudget = 500 * time.Millisecond

func newRunner(plan *Plan, opts Options) *runner {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	if opts.RetryDelay <= 0 {
		opts.RetryDelay = time.Second
	}
	if opts.RetryMaxDelay <= 0 {
		opts.RetryMaxDelay = time.Minute
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = max(32, 8*plan.spec.Parallel)
	}
	return &runner{opts: opts, plan: plan, spec: plan.spec, now: now, afterInterrupt: InterruptBudget}
}

// run is Run after the checks.
func (r *runner) run(ctx context.Context) (sum *Summary, err error) {
	r.start = r.now()
	defer r.startEvents()()
	dir := ExperimentDir(r.spec, r.plan, r.opts.OutDir)
	st, err := store.Create(dir, ExperimentID(r.spec, r.plan))
	if err != nil {
		return nil, err
	}
	r.store = st
	unlock, err := st.Lock()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	defer unlock()
	if r.j, err = st.OpenJournal(ctx); err != nil {
		return nil, err
	}
	defer r.j.Close()
	if err := r.removeLeftovers(ctx); err != nil {
		return nil, err
	}
	r.fresh = emptyDir(st.RunsDir())
	defer func() {
		if r.closeEx != nil {
			if cerr := r.closeEx(); cerr != nil && err == nil {
				err = fmt.Errorf("stopping the executor: %w", cerr)
			}
		}
	}()

	r.static = r.countStatic(ctx)
	r.frontier = r.plan.Frontier()
	r.prog.Total = r.static
	r.prog.Adaptive = r.frontier != nil
	if err := r.writeMeta(); err != nil {
		return nil, err
	}
	if err := st.WriteSource(source(r.spec, r.opts.Origin)); err != nil {
		return nil, err
	}
	r.emit(Event{Type: EventSweepStarted, Start: &StartInfo{
		ExperimentID: st.ID, Dir: st.Dir, Executor: r.opts.Executor,
		Grid: r.plan.GridCount(), LHS: r.plan.LHSCount(), FrontierCells: r.plan.FrontierCells(),
		SeedMode: r.plan.SeedMode(), Parallel: r.spec.Parallel, Retries: r.spec.Retries,
	}})

	runErr := r.runStatic(ctx)
	if runErr == nil && !r.stopped() && r.frontier != nil {
		runErr = r.runFrontier(ctx)
	}
	return r.finish(ctx, runErr)
}

// removeLeftovers removes the temporary files a killed sweep left: in the
// store's own folders, and in the folders of the runs it was executing
// (those the journal says were handed to an executor and did not end).
func (r *runner) removeLeftovers(ctx context.Context) error {
	var inFlight []string
	for e := range r.j.InPlan(r.plan.Fingerprint()).All() {
		if e.State() == store.Pending && e.Exec() {
			inFlight = append(inFlight, e.ID())
		}
	}
	_, err := r.store.RemoveTemp(ctx, inFlight...)
	return err
}

// countStatic counts the static runs (those Select keeps).
func (r *runner) countStatic(ctx context.Context) int {
	if r.opts.Select == nil {
		return r.plan.StaticCount()
	}
	n := 0
	for pt := range r.plan.Static(ctx) {
		if r.opts.Select(&pt) {
			n++
		}
	}
	return n
}

// stopped reports whether -fail-fast stopped the sweep.
func (r *runner) stopped() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stop
}

// writeMeta writes experiment.json with the current counts.
func (r *runner) writeMeta() error {
	m, err := r.store.ReadMeta()
	created := r.start
	if err == nil && !m.Created.IsZero() {
		created = m.Created
	}
	spec, err := specJSON(r.spec)
	if err != nil {
		return fmt.Errorf("encoding %s: %w", store.MetaFile, err)
	}
	r.mu.Lock()
	meta := &store.Meta{
		Format: store.Format, ExperimentID: r.store.ID, Engine: EngineVersion,
		Plan: r.plan.Fingerprint(), SeedMode: r.plan.SeedMode(),
		Static: r.static, FrontierDone: r.frontier == nil || r.frontier.Done(),
		Spec: spec, Created: created, Updated: r.now(),
	}
	if r.frontier != nil {
		meta.FrontierProbes = r.frontier.Asked()
	}
	r.mu.Unlock()
	return r.store.WriteMeta(meta)
}

// emit stamps an event with the time and the progress and hands it to the
// views. The caller holds no lock.
func (r *runner) emit(ev Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.emitLocked(ev)
}

// emitLocked is emit with r.mu held.
func (r *runner) emitLocked(ev Event) {
	now := r.now()
	ev.Time = now
	r.prog.Elapsed = now.Sub(r.start)
	r.prog.Rate, r.prog.ETA = 0, 0
	if secs := r.prog.Elapsed.Seconds(); secs > 0 && r.ran > 0 {
		r.prog.Rate = float64(r.ran) / secs
		if left := r.prog.Pending(); left > 0 && !r.prog.Adaptive {
			r.prog.ETA = time.Duration(float64(left) / r.prog.Rate * float64(time.Second))
		}
	}
	ev.Progress = r.prog
	if r.events != nil {
		r.events <- ev
	}
}

// eventQueue is how many events may wait for the view: events are handed
// to Options.Events by a goroutine of their own, so that a view writing to
// a slow terminal or pipe does not hold up the executor's workers (whose
// events pass through the runner) until that many are waiting.
const eventQueue = 4096

// startEvents starts the goroutine that hands events to Options.Events,
// and returns the function that waits for the last one.
func (r *runner) startEvents() (stop func()) {
	if r.opts.Events == nil {
		return func() {}
	}
	events := make(chan Event, eventQueue)
	r.events = events
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev := range events {
			r.opts.Events(ev)
		}
	}()
	return func() {
		r.mu.Lock()
		close(r.events)
		r.events = nil
		r.mu.Unlock()
		<-done
	}
}

// item is a point resolved against the store: its run, and whether it is
// already done; damage says why a run the journal called done no longer
// counts.
type item struct {
	run    *PlannedRun
	done   *runfolder.Sealed
	damage string
	err    error
}

// check is how the runs found in the experiment folder are checked.
func (r *runner) check() store.Check {
	if r.opts.Verify {
		return store.CheckFull
	}
	return store.CheckQuick
}

// resolve finds a point's run: from the journal when it knows the point
// (no generation needed if the run is done), else by generating it. A run
// whose folder is complete is done, whatever the journal says; a run the
// journal calls done whose folder does not verify is not.
func (r *runner) resolve(pt Point) item {
	key := r.plan.pointKey(&pt)
	var it item
	var known store.Record
	e, ok := r.j.LookupKey(key)
	if ok {
		rec, err := e.Record()
		if err != nil {
			return item{err: err}
		}
		known = rec
		d, err := r.store.CheckRun(rec.Run, store.Known{Manifest: rec.Manifest, Fingerprint: rec.Fingerprint}, r.check())
		if err == nil {
			return item{run: &PlannedRun{Point: pt, ID: rec.Run, Key: key, S1: rec.S1, L0: rec.L0}, done: d}
		}
		if e.State() == store.Done {
			it.damage = store.DamageReason(err)
		}
	}
	run, err := r.plan.Materialize(pt)
	if err != nil {
		return item{err: err}
	}
	it.run = run
	if (!ok || run.ID != known.Run) && !r.unwritten(run.ID) {
		if d, err := r.store.CheckRun(run.ID, store.Known{}, store.CheckFull); err == nil {
			it.done, it.damage = d, ""
		}
	}
	return it
}

// unwritten reports whether run id surely has no folder: the runs folder
// was empty when this process took the experiment's lock, and the run has
// not been journaled since (every run is journaled before it is handed to
// an executor). Such a run needs neither a look for a folder done by
// someone else nor a clearing before it runs.
func (r *runner) unwritten(id string) bool {
	if !r.fresh {
		return false
	}
	_, known := r.j.Lookup(id)
	return !known
}

// emptyDir reports whether dir is absent or holds nothing.
func emptyDir(dir string) bool {
	f, err := os.Open(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return true
	}
	if err != nil {
		return false
	}
	defer f.Close()
	_, err = f.Readdirnames(1)
	return err == io.EOF
}

// resolveAll resolves points on every CPU, keeping their order.
func (r *runner) resolveAll(ctx context.Context, pts []Point) ([]item, error) {
	items := make([]item, len(pts))
	err := parallel.Ordered(ctx, len(pts), func(i int) item { return r.resolve(pts[i]) }, func(i int, it item) { items[i] = it })
	return items, err
}

// damaged records that a run the journal called done no longer verifies:
// it is named, journaled as pending, and runs again.
func (r *runner) damaged(it item) error {
	if err := r.j.Append(store.Record{Kind: store.KindDamaged, Run: it.run.ID, Error: it.damage}); err != nil {
		return err
	}
	r.emit(Event{Type: EventDiagnostic, Diagnostic: &Diagnostic{
		Severity: "warning", Summary: "Run " + it.run.ID + " was done, but its folder no longer verifies; it runs again",
		Detail: it.damage,
	}})
	return nil
}

// runStatic runs the grid and LHS runs. A goroutine reads the plan and
// resolves the next batch of points while the current one executes; at most
// three batches are in memory at once.
func (r *runner) runStatic(ctx context.Context) error {
	pctx, cancel := context.WithCancel(ctx)
	type chunk struct {
		items []item
		err   error
	}
	chunks := make(chan chunk, 1)
	defer func() {
		// Stop the planning goroutine and wait for it.
		cancel()
		for range chunks {
		}
	}()
	go func() {
		defer close(chunks)
		pts := make([]Point, 0, r.opts.BatchSize)
		send := func() bool {
			items, err := r.resolveAll(pctx, pts)
			pts = pts[:0]
			select {
			case chunks <- chunk{items, err}:
				return err == nil
			case <-pctx.Done():
				return false
			}
		}
		for pt := range r.plan.Static(pctx) {
			if r.opts.Select != nil && !r.opts.Select(&pt) {
				continue
			}
			pts = append(pts, pt)
			if len(pts) == cap(pts) && !send() {
				return
			}
		}
		if len(pts) > 0 {
			send()
		}
	}()
	for c := range chunks {
		if c.err != nil {
			return c.err
		}
		pending, err := r.admit(c.items, nil)
		if err != nil {
			return err
		}
		if len(pending) > 0 {
			if _, err := r.execute(ctx, pending); err != nil {
				return err
			}
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if r.stopped() {
			return nil
		}
	}
	return nil
}

// admit takes resolved items: runs found done are counted (and reported
// to done, when set), damaged ones named, and the runs left to execute
// returned.
func (r *runner) admit(items []item, done func(item) error) ([]*PlannedRun, error) {
	var pending []*PlannedRun
	for _, it := range items {
		if it.err != nil {
			return nil, it.err
		}
		if it.damage != "" {
			if err := r.damaged(it); err != nil {
				return nil, err
			}
		}
		if it.done == nil {
			pending = append(pending, it.run)
			continue
		}
		if err := r.reuse(it); err != nil {
			return nil, err
		}
		if done != nil {
			if err := done(it); err != nil {
				return nil, err
			}
		}
	}
	return pending, nil
}

// reuse counts a run found done, registering it under this plan if the
// journal does not have it there.
func (r *runner) reuse(it item) error {
	run := it.run
	e, ok := r.j.Lookup(run.ID)
	var recs []store.Record
	if !ok || e.Plan() != r.plan.Fingerprint() || e.Index() != run.Index || e.Key() != run.Key {
		recs = append(recs, r.runRecord(run, false))
	}
	if !ok || e.State() != store.Done || !e.Verified(it.done) {
		recs = append(recs, store.DoneRecord(run.ID, it.done))
	}
	if len(recs) > 0 {
		if err := r.j.Append(recs...); err != nil {
			return err
		}
	}
	// The journal's done record now describes the folder just checked:
	// the rebuild at the end need not check it again.
	r.j.Sealed(run.ID, it.done)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.prog.Done++
	r.prog.Reused++
	if r.onResult != nil {
		r.onResult(run, it.done)
	}
	return nil
}

// runRecord is the journal's "run" record of a run.
func (r *runner) runRecord(run *PlannedRun, exec bool) store.Record {
	return store.Record{
		Kind: store.KindRun, Run: run.ID, Plan: r.plan.Fingerprint(), Index: run.Index, Key: run.Key,
		Phase: run.Phase, Label: run.Label, Cell: run.Cell, Seed: run.Seed, Params: run.Texts(),
		S1: run.S1, L0: run.L0, Exec: exec, Replicate: run.Replicate,
	}
}

// outcome is how a run ended in this invocation.
type outcome struct {
	done   *runfolder.Sealed
	failed bool // for good
}

// execute runs a batch, retrying failed runs with backoff until they
// complete or their retries are spent, and returns each run's outcome (runs
// left without one were cancelled). Its error is ctx's, or one that stops
// the sweep (the executor cannot start, the journal cannot be written).
func (r *runner) execute(ctx context.Context, runs []*PlannedRun) (map[string]outcome, error) {
	out := make(map[string]outcome, len(runs))
	// The same run asked twice in a batch (equal points) runs once.
	seen := make(map[string]bool, len(runs))
	todo := runs[:0:0]
	for _, run := range runs {
		if !seen[run.ID] {
			seen[run.ID] = true
			todo = append(todo, run)
		}
	}
	attempts := 1 + r.spec.Retries
	for attempt := 1; len(todo) > 0; attempt++ {
		failed, err := r.executeOnce(ctx, todo, attempt, attempts, out)
		if err != nil {
			return out, err
		}
		if ctx.Err() != nil || r.stopped() || len(failed) == 0 || attempt >= attempts {
			return out, nil
		}
		delay := r.backoff(attempt)
		select {
		case <-ctx.Done():
			return out, nil
		case <-time.After(delay):
		}
		todo = failed
	}
	return out, nil
}

// reported is the folder of a run that ev says completed, as the executor
// reported it: the manifest it wrote, having hashed each file as it wrote
// it (sdk.RunResult.Manifest). Its folder verified when it was sealed, so
// it is taken as done without being read back (runfolder.Reported); the
// checks of a later sweep run, status and resume read it as usual. An
// error when the event carries no such report (an executor of protocol
// x1.1, a failed run) or one that does not hold together: the folder is
// then checked.
func (r *runner) reported(run *PlannedRun, ev sdk.RunEvent) (*runfolder.Sealed, error) {
	res := ev.Result
	if ev.Type != sdk.EventCompleted || res == nil || len(res.Manifest) == 0 {
		return nil, errors.New("no manifest reported")
	}
	d, err := runfolder.Reported(r.store.RunDir(run.ID), res.Manifest, res.ManifestSHA256, res.Fingerprint)
	if err != nil {
		return nil, err
	}
	if d.Manifest.RunID != run.ID {
		return nil, fmt.Errorf("the manifest reported is run %s's", d.Manifest.RunID)
	}
	return d, nil
}

// backoff is the wait after a run's attempt-th failure: RetryDelay ×
// 2^(attempt−1), at most RetryMaxDelay.
func (r *runner) backoff(attempt int) time.Duration {
	d := r.opts.RetryDelay
	for i := 1; i < attempt && d < r.opts.RetryMaxDelay; i++ {
		d *= 2
	}
	return min(d, r.opts.RetryMaxDelay)
}

// executeOnce hands runs to the executor once and returns those that failed
// and may be retried.
func (r *runner) executeOnce(ctx context.Context, runs []*PlannedRun, attempt, attempts int, out map[string]outcome) ([]*PlannedRun, error) {
	if r.ex == nil {
		if err := r.open(ctx); err != nil {
			return nil, err
		}
	}
	byID := make(map[string]*PlannedRun, len(runs))
	batch := &sdk.Batch{ExperimentID: r.store.ID, OutRoot: r.store.RunsDir(), Parallel: r.spec.Parallel, Worker: r.worker, Detach: r.opts.Detach}
	recs := make([]store.Record, 0, len(runs))
	for _, run := range runs {
		if run.Spec == nil {
			m, err := r.plan.Materialize(run.Point)
			if err != nil {
				return nil, err
			}
			*run = *m
		}
		// The run is not done: whatever its folder holds (an earlier
		// attempt's files, a killed run's temporary files) goes.
		if !r.unwritten(run.ID) {
			if err := r.store.RemoveRun(run.ID); err != nil {
				return nil, err
			}
		}
		byID[run.ID] = run
		batch.Runs = append(batch.Runs, *run.Spec)
		recs = append(recs, r.runRecord(run, true))
	}
	if err := r.j.Append(recs...); err != nil {
		return nil, err
	}

	bctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		retry []*PlannedRun
		fatal error
		wg    sync.WaitGroup
		fmu   sync.Mutex
	)
	// finish records a run that completed and verified; an error stops
	// the batch.
	finish := func(run *PlannedRun, d *runfolder.Sealed, ev sdk.RunEvent) {
		if err := r.finished(run, d, attempt, attempts, ev, out); err != nil {
			fmu.Lock()
			fatal = err
			fmu.Unlock()
			cancel()
		}
	}
	// Runs that ended are checked off the event stream: a completed run's
	// folder must be complete; a failed one whose folder is complete all
	// the same (a plugin that died after writing it) counts as done. A run
	// the executor reported with its manifest is recorded at once, as its
	// event comes in (no file is read); the others are checked on disk on
	// two goroutines of their own, off the event stream.
	ended := make(chan sdk.RunEvent, len(runs))
	for range 2 {
		wg.Go(func() {
			for ev := range ended {
				run := byID[ev.RunID]
				var known store.Known
				if ev.Result != nil {
					known = store.Known{Manifest: ev.Result.ManifestSHA256, Fingerprint: ev.Result.Fingerprint}
				}
				d, err := r.store.CheckRun(run.ID, known, store.CheckQuick)
				if err == nil && known.Manifest != "" && known.Manifest != d.SHA256 {
					err = fmt.Errorf("its manifest is not the one the executor reported")
				}
				if err == nil {
					finish(run, d, ev)
					continue
				}
				msg := ev.Message
				if ev.Type == sdk.EventCompleted {
					msg = "the run folder does not verify after completion: " + store.DamageReason(err)
				}
				if r.failedAttempt(run, msg, attempt, attempts, cancel, out) {
					fmu.Lock()
					retry = append(retry, run)
					fmu.Unlock()
				}
			}
		})
	}
	emit := func(ev sdk.RunEvent) error {
		r.recordUsage(ev.Usage)
		run := byID[ev.RunID]
		if run == nil {
			return nil
		}
		switch ev.Type {
		case sdk.EventStarted:
			r.mu.Lock()
			r.prog.Running++
			r.attempts++
			r.emitLocked(Event{Type: EventRunStarted, Run: runEvent(run, attempt, attempts)})
			r.mu.Unlock()
		case sdk.EventCompleted:
			if d, err := r.reported(run, ev); err == nil {
				finish(run, d, ev)
				return nil
			}
			ended <- ev
		case sdk.EventFailed:
			ended <- ev
		case sdk.EventDetached:
			r.mu.Lock()
			r.prog.Detached++
			r.prog.Running = max(r.prog.Running-1, 0)
			r.mu.Unlock()
		case sdk.EventCancelled:
			if bctx.Err() != nil {
				return nil // this process cancelled the batch
			}
			// Cancelled at the executor without this process asking (a
			// `sweep cancel` from another shell): the run stays pending,
			// and the sweep must not end as if complete.
			r.mu.Lock()
			r.prog.Cancelled++
			r.prog.Running = max(r.prog.Running-1, 0)
			r.mu.Unlock()
		}
		return nil
	}
	execErr := sdk.Execute(bctx, r.ex, batch, emit)
	close(ended)
	wg.Wait()
	r.mu.Lock()
	r.prog.Running = 0
	r.mu.Unlock()
	if fatal != nil {
		return nil, fatal
	}
	if execErr != nil && errors.Is(execErr, sdk.ErrPluginCrashed) {
		// The next attempt needs a new plugin process.
		summary := "The executor crashed; it will be restarted"
		var fe interface{ Failure() sdk.Failure }
		if errors.As(execErr, &fe) && fe.Failure() == sdk.FailureUnresponsive {
			summary = "The executor stopped answering; it was stopped and will be restarted"
		}
		r.emit(Event{Type: EventDiagnostic, Diagnostic: &Diagnostic{Severity: "warning", Summary: summary, Detail: execErr.Error()}})
		if r.closeEx != nil {
			r.closeEx()
		}
		r.ex, r.closeEx = nil, nil
		// The dead plugin may have left the folders of the runs it was
		// writing beside their places; the retries write them afresh.
		if _, err := r.store.RemoveTempRuns(ctx); err != nil && ctx.Err() == nil {
			r.emit(Event{Type: EventDiagnostic, Diagnostic: &Diagnostic{Severity: "warning", Summary: "Cannot remove the folders the crashed executor left", Detail: err.Error()}})
		}
	}
	return retry, nil
}

// open starts the executor and, for a remote one, locates the worker
// binary it needs.
func (r *runner) open(ctx context.Context) error {
	ex, closeFn, err := r.opts.Open(ctx)
	if err != nil {
		return err
	}
	r.ex, r.closeEx = ex, closeFn
	if r.worker != nil || r.opts.Worker == nil {
		return nil
	}
	info, err := ex.Describe(ctx)
	if err != nil {
		return fmt.Errorf("describing the executor: %w", err)
	}
	if info.Capabilities.Remote {
		if r.worker, err = r.opts.Worker(); err != nil {
			return fmt.Errorf("locating the worker binary for the %s executor: %w", info.Name, err)
		}
	}
	return nil
}

// finished records a run that completed and verified.
func (r *runner) finished(run *PlannedRun, d *runfolder.Sealed, attempt, attempts int, ev sdk.RunEvent, out map[string]outcome) error {
	if err := r.j.Append(store.DoneRecord(run.ID, d)); err != nil {
		return err
	}
	r.j.Sealed(run.ID, d)
	r.mu.Lock()
	defer r.mu.Unlock()
	out[run.ID] = outcome{done: d}
	r.prog.Done++
	r.prog.Running = max(r.prog.Running-1, 0)
	r.ran++
	if r.onResult != nil {
		r.onResult(run, d)
	}
	re := runEvent(run, attempt, attempts)
	m := d.Manifest
	re.PhiTotal, re.DeltaTotal, re.TimeToStability = m.PhiTotal, m.DeltaTotal, m.TimeToStability
	re.Duration = time.Duration(m.DurationMS * float64(time.Millisecond))
	if ev.Result != nil && ev.Result.DurationMS > 0 {
		re.Duration = time.Duration(ev.Result.DurationMS * float64(time.Millisecond))
	}
	r.emitLocked(Event{Type: EventRunFinished, Run: re})
	return nil
}

// failedAttempt records a failed attempt and reports whether the run may be
// tried again. A run out of retries is failed for good: it is journaled,
// and with -fail-fast it stops the sweep (cancelling the batch).
func (r *runner) failedAttempt(run *PlannedRun, msg string, attempt, attempts int, cancel context.CancelFunc, out map[string]outcome) bool {
	if msg == "" {
		msg = "the run failed (the executor gave no reason)"
	}
	r.mu.Lock()
	final := attempt >= attempts || r.stop
	r.mu.Unlock()
	var journalErr error
	if final {
		journalErr = r.j.Append(store.Record{Kind: store.KindFailed, Run: run.ID, Error: msg, Attempts: attempt})
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.prog.Running = max(r.prog.Running-1, 0)
	re := runEvent(run, attempt, attempts)
	re.Error, re.Final = msg, final
	if !final {
		re.RetryIn = r.backoff(attempt)
	}
	if final {
		if journalErr != nil {
			// Not recorded: the run counts as pending, as the journal,
			// status and the next run see it.
			r.emitLocked(Event{Type: EventDiagnostic, Diagnostic: &Diagnostic{Severity: "warning", Summary: "Cannot journal the failure of " + run.ID + "; it stays pending", Detail: journalErr.Error()}})
		} else {
			r.prog.Failed++
		}
		out[run.ID] = outcome{failed: true}
		if r.onResult != nil {
			r.onResult(run, nil)
		}
		if r.spec.FailFast && !r.stop {
			r.stop = true
			cancel()
		}
	}
	r.emitLocked(Event{Type: EventRunFailed, Run: re})
	return !final
}

// runEvent describes a run for an event.
func runEvent(run *PlannedRun, attempt, attempts int) *RunEvent {
	return &RunEvent{
		ID: run.ID, Index: run.Index, Phase: run.Phase, Label: run.Label, Seed: run.Seed,
		Params: run.Texts(), Attempt: attempt, Attempts: attempts,
	}
}

// runFrontier drives the frontier search: each round resolves the probes
// the search asks for, reports those already done, executes the others and
// reports their delta_total (a run failed for good reports None).
func (r *runner) runFrontier(ctx context.Context) error {
	f := r.frontier
	for !f.Done() {
		probes := f.Next()
		if len(probes) == 0 {
			return errors.New("frontier: the search asked for no probe before it ended")
		}
		r.mu.Lock()
		r.prog.Total += len(probes)
		r.mu.Unlock()
		items, err := r.resolveAll(ctx, probes)
		if err != nil {
			return err
		}
		pending, err := r.admit(items, func(it item) error { return f.Report(it.run.Point, manifestDelta(it.done)) })
		if err != nil {
			return err
		}
		if len(pending) == 0 {
			continue
		}
		out, err := r.execute(ctx, pending)
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if r.stopped() {
			return nil
		}
		for _, run := range pending {
			o, ok := out[run.ID]
			if !ok {
				return fmt.Errorf("frontier: run %s ended without an outcome", run.ID)
			}
			var delta *pynum.Amount
			if o.done != nil {
				delta = manifestDelta(o.done)
			}
			if err := f.Report(run.Point, delta); err != nil {
				return err
			}
		}
	}
	r.mu.Lock()
	r.prog.Adaptive = false
	r.mu.Unlock()
	return nil
}

// manifestDelta is a done run's delta_total (nil when None).
func manifestDelta(d *runfolder.Sealed) *pynum.Amount {
	if d.Manifest.DeltaTotal == "" {
		return nil
	}
	a, err := pynum.ParseDecimal(d.Manifest.DeltaTotal)
	if err != nil {
		return nil
	}
	return &a
}

// finish rebuilds the registry and the aggregate files, compacts the
// journal, writes experiment.json, and emits the summary. It runs even when
// the sweep was interrupted, so that the folder is consistent for status
// and for the next run; but then within InterruptBudget: a rebuild that
// takes longer is abandoned (the files stay as they were, and say nothing
// false: they are an earlier rebuild's, atomically written), the journal
// is not compacted and the dashboard not rewritten, so that Ctrl-C stops
// a sweep of any size at once. The summary's counts are the registry's
// (runs the executor reported failed whose folders are complete count as
// done, as the registry, summary.json and sweep status count them), or the
// journal's when the rebuild was abandoned; the paths it gives are those
// of the files written.
func (r *runner) finish(ctx context.Context, runErr error) (*Summary, error) {
	interrupted := ctx.Err() != nil
	fctx := context.WithoutCancel(ctx)
	if interrupted {
		var cancel context.CancelFunc
		fctx, cancel = context.WithTimeout(fctx, r.afterInterrupt)
		defer cancel()
	}
	r.mu.Lock()
	r.prog.Running = 0
	total := r.prog.Total
	r.mu.Unlock()
	var frontier []FrontierPoint
	if r.frontier != nil {
		frontier = r.frontier.Results()
	}
	s := &Summary{ExperimentID: r.store.ID, Dir: r.store.Dir, Frontier: frontier}
	v, err := r.store.Rebuild(fctx, r.j, r.plan.Fingerprint(), r.plan.constants(), store.CheckQuick)
	if err != nil && interrupted && fctx.Err() != nil {
		r.viewsLeft()
		err = nil
	} else if err == nil {
		s.Registry, s.Results = r.store.Path(store.RegistryFile), r.store.Path(store.ResultsFile)
		r.mu.Lock()
		r.ran += v.Recovered
		r.prog.Done, r.prog.Failed = v.Completed, v.Failed
		r.prog.Reused = max(v.Completed-r.ran, 0)
		r.mu.Unlock()
		for _, d := range v.DamagedRuns {
			r.emit(Event{Type: EventDiagnostic, Diagnostic: &Diagnostic{
				Severity: "warning", Summary: "Run " + d.RunID + " was done, but its folder no longer verifies; the next sweep run runs it again",
				Detail: d.Reason,
			}})
		}
		if n := v.Damaged - len(v.DamagedRuns); n > 0 {
			r.emit(Event{Type: EventDiagnostic, Diagnostic: &Diagnostic{
				Severity: "warning", Summary: fmt.Sprintf("%d more runs were done, but their folders no longer verify", n),
			}})
		}
		err = r.store.WriteSummary(store.SummaryCounts{Total: total, Completed: v.Completed, Failed: v.Failed, Means: v.Means},
			frontierJSON(frontier), r.plan.configJSON())
		if err == nil {
			s.SummaryJSON = r.store.Path(store.SummaryFile)
		}
	}
	if err == nil && !interrupted {
		err = r.j.Compact()
	}
	if err == nil {
		err = r.writeMeta()
	}
	if !interrupted {
		// Nothing reads the journal from here on: let its index go
		// before the dashboard is read and drawn.
		r.j.Close()
	}
	if err == nil && r.opts.Dashboard != nil && !interrupted {
		if err = r.opts.Dashboard(context.WithoutCancel(ctx), r.store.Dir); err == nil {
			s.Dashboard = r.store.Path(store.DashboardFile)
		}
	}
	r.mu.Lock()
	s.Progress, s.Ran, s.Attempts, s.Elapsed = r.prog, r.ran, r.attempts, r.now().Sub(r.start)
	r.mu.Unlock()
	if runErr == nil {
		runErr = err
	}
	switch {
	case interrupted:
		s.Status = StatusInterrupted
	case runErr == nil && s.Progress.Cancelled > 0:
		s.Status = StatusCancelled
	case runErr != nil || r.stopped() || s.Progress.Failed > 0:
		s.Status = StatusFailed
	case s.Progress.Detached > 0:
		s.Status = StatusDetached
	default:
		s.Status = StatusCompleted
	}
	if runErr != nil && !interrupted {
		s.Error = runErr.Error()
		r.emit(Event{Type: EventDiagnostic, Diagnostic: &Diagnostic{Severity: "error", Summary: "The sweep stopped", Detail: runErr.Error()}})
	}
	r.emit(Event{Type: EventSweepSummary, Summary: s})
	if interrupted {
		return s, fmt.Errorf("sweep %s interrupted: %w", r.store.ID, ctx.Err())
	}
	return s, runErr
}

// viewsLeft, when an interrupted sweep's rebuild ran out of time, counts
// the runs from the journal (every run it calls done was checked when it
// ended or when this sweep found it) and says that the registry and the
// aggregate were left as they were.
func (r *runner) viewsLeft() {
	runs, done, failed := r.j.Counts(r.plan.Fingerprint())
	r.mu.Lock()
	r.prog.Done, r.prog.Failed = done, failed
	r.prog.Reused = max(done-r.ran, 0)
	r.mu.Unlock()
	r.emit(Event{Type: EventDiagnostic, Diagnostic: &Diagnostic{
		Severity: "warning",
		Summary: fmt.Sprintf("The registry and aggregate files were left as they were: checking the %d runs again takes longer than an interrupted sweep waits (%s)",
			runs, r.afterInterrupt),
		Detail: "bilancio sweep aggregate " + r.store.Dir + " rebuilds them (the next sweep run does too); sweep status counts the runs from the journal.",
	}})
}
