// Package worker executes batches of runs on this machine. It is the one code
// path behind both the local executor plugin (plugins/local) and the
// `bilancio worker` command that remote executors run: a bounded pool of
// goroutines takes the runs of a batch in order, simulates each through
// internal/runner into OutRoot/<run_id> (the folder written by
// internal/artifacts through sdk/runfolder, manifest last) and reports every state change of every
// run as an sdk.RunEvent.
//
// Cancellation is prompt: when the batch's context is cancelled, runs not yet
// started are reported cancelled at once, running ones stop at the engine's
// next simulated day and are reported cancelled, and Execute returns the
// context's error. Single runs are cancelled through Pool.Cancel. A panic in
// one run fails that run, not the process.
package worker

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sync"
	"time"

	"github.com/bilancio-go/bilancio/internal/engine"
	"github.com/bilancio-go/bilancio/internal/metrics"
	"github.com/bilancio-go/bilancio/internal/runner"
	"github.com/bilancio-go/bilancio/sdk"
	"github.com/bilancio-go/bilancio/sdk/runfolder"
)

// Config sets up a Pool.
type Config struct {
	// Parallel is how many runs execute at once when a batch does not say
	// (runtime.NumCPU() when <= 0).
	Parallel int
	// Engine is the bilancio version recorded in each run's manifest.
	Engine string
	// Executor names the executor in each run's manifest and RunResult.
	Executor string
	// Archive writes each run as the archive OutRoot/<run_id>.tar
	// (runfolder.CreateArchive) instead of the folder OutRoot/<run_id>:
	// `bilancio worker -archive`, for remote executors that ship runs from
	// their storage. The event's result names the archive.
	Archive bool
}

// errCancelRequested is the cause of a run stopped by Pool.Cancel.
var errCancelRequested = errors.New("cancelled on request")

// Pool executes batches of runs. It is safe for concurrent use: several
// batches may run at once, sharing nothing but the status table (each batch
// has its own bound on parallelism).
type Pool struct {
	cfg Config
	// simulate runs one run; runner.Run except in tests.
	simulate func(context.Context, runner.Request) (*runner.Outcome, error)

	mu sync.Mutex
	// batches are the batches in progress, for Cancel.
	batches map[*batch]struct{}
	// status is the last state of each run, by experiment then run id.
	status sdk.RunStates
}

// New returns a pool configured by cfg.
func New(cfg Config) *Pool {
	if cfg.Parallel <= 0 {
		cfg.Parallel = runtime.NumCPU()
	}
	return &Pool{
		cfg:      cfg,
		simulate: runner.Run,
		batches:  make(map[*batch]struct{}),
	}
}

// Parallel is the number of runs executed at once when a batch does not say.
func (p *Pool) Parallel() int { return p.cfg.Parallel }

// Execute runs batch and calls emit for every state change of every run:
// queued for all runs first, then started and one terminal event per run
// (completed with its Result, failed with the reason, or cancelled), each
// as it happens. Calls to emit are serialised. An error from emit aborts the
// batch: the runs in progress are cancelled, nothing more is emitted and
// Execute returns that error.
//
// Execute returns nil when every run has ended, even if some failed or were
// cancelled through Cancel; ctx.Err() when ctx was cancelled (after the
// cancelled events of the runs that had not ended); an error without
// emitting anything when the batch is invalid (see sdk.ValidateBatch).
func (p *Pool) Execute(ctx context.Context, b *sdk.Batch, emit func(sdk.RunEvent) error) error {
	if err := sdk.ValidateBatch(b); err != nil {
		return fmt.Errorf("invalid batch: %w", err)
	}
	guard, err := sdk.NewRunGuard(b)
	if err != nil {
		return fmt.Errorf("invalid batch: %w", err)
	}
	parallel := b.Parallel
	if parallel == 0 {
		parallel = p.cfg.Parallel
	}
	bctx, abort := context.WithCancelCause(ctx)
	defer abort(nil)
	// The runs folder is held open for the batch: each run's folder is
	// made, written and moved into place relative to it. If it cannot be
	// opened, each run opens it itself (and fails saying why).
	runs, err := runfolder.OpenRuns(b.OutRoot)
	if err == nil {
		defer runs.Close()
	}
	bt := &batch{
		pool: p, spec: b, experiment: b.ExperimentID, runs: runs,
		jobs: make([]*job, len(b.Runs)),
		em:   &emitter{pool: p, experiment: b.ExperimentID, emit: emit, abort: abort, guard: guard},
	}
	for i := range b.Runs {
		jctx, cancel := context.WithCancelCause(bctx)
		bt.jobs[i] = &job{spec: &b.Runs[i], ctx: jctx, cancel: cancel}
	}
	// The batch is cancellable from the start; holding its lock while the
	// queued events go out keeps a Cancel's cancelled events after them.
	p.mu.Lock()
	p.batches[bt] = struct{}{}
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		delete(p.batches, bt)
		p.mu.Unlock()
	}()
	bt.mu.Lock()
	for _, j := range bt.jobs {
		bt.em.send(j.event(sdk.EventQueued, ""))
	}
	bt.mu.Unlock()

	bt.dispatch(bctx, parallel)
	// A run a Cancel dropped while queued is done for dispatch as soon as
	// it is marked; its cancelled event may still be on its way.
	bt.reporting.Wait()

	if err := bt.em.failure(); err != nil {
		return fmt.Errorf("reporting run events: %w", err)
	}
	return ctx.Err()
}

// Cancel stops the runs of an experiment that are queued or running in this
// pool: all of them when req.RunIDs is empty. Queued runs are reported
// cancelled at once; running ones when the engine notices (at its next
// simulated day). Unknown or finished runs are ignored, so Cancel is
// idempotent.
func (p *Pool) Cancel(ctx context.Context, req *sdk.CancelRequest) error {
	if req == nil {
		return errors.New("no cancel request")
	}
	p.mu.Lock()
	var targets []*batch
	for bt := range p.batches {
		if bt.experiment == req.ExperimentID {
			targets = append(targets, bt)
		}
	}
	p.mu.Unlock()
	for _, bt := range targets {
		bt.cancel(req.RunIDs)
	}
	return nil
}

// Status returns the last known state of each run of an experiment that this
// pool has executed, sorted by run id; no runs for an unknown experiment.
func (p *Pool) Status(ctx context.Context, req *sdk.StatusRequest) (*sdk.StatusReply, error) {
	if req == nil {
		return nil, errors.New("no status request")
	}
	return p.status.Status(req.ExperimentID), nil
}

// record keeps ev as the last state of its run.
func (p *Pool) record(experiment string, ev sdk.RunEvent) { p.status.Record(experiment, ev) }

// jobState is where a run of a batch stands.
type jobState int

const (
	jobQueued jobState = iota
	jobRunning
	jobDone
)

// job is one run of a batch.
type job struct {
	spec   *sdk.RunSpec
	ctx    context.Context
	cancel context.CancelCauseFunc
	// state is guarded by the batch's mu. Whoever moves it to jobDone
	// emits the run's terminal event, so there is exactly one.
	state jobState
}

// event returns an event of the job's run.
func (j *job) event(t sdk.EventType, msg string) sdk.RunEvent {
	return sdk.RunEvent{RunID: j.spec.RunID, Type: t, Time: time.Now(), Message: msg, Attempt: 1}
}

// batch is a batch in progress.
type batch struct {
	pool       *Pool
	spec       *sdk.Batch
	experiment string
	// runs is the batch's OutRoot held open; nil if it could not be
	// opened.
	runs *runfolder.Runs
	jobs []*job
	em   *emitter

	// mu guards the jobs' state. Lock order: batch.mu, then emitter.mu,
	// then Pool.mu.
	mu sync.Mutex
	// reporting counts the Cancel calls still sending the cancelled events
	// of the queued runs they dropped: Execute waits for them, so that
	// every run has its terminal event before Execute returns. A Cancel
	// adds to it under mu, as it marks the runs done.
	reporting sync.WaitGroup
}

// dispatch starts the queued jobs in order, at most parallel at once, until
// they are all started or ctx is done; then reports the jobs never started
// as cancelled and waits for the running ones. The jobs run on parallel
// goroutines that take them one after the other (a run's goroutine keeps
// the stack the previous run grew).
func (bt *batch) dispatch(ctx context.Context, parallel int) {
	next := make(chan *job)
	var wg sync.WaitGroup
	for range min(parallel, len(bt.jobs)) {
		wg.Go(func() {
			for j := range next {
				// A job handed over as ctx ended stays queued: it is
				// reported cancelled below, never started.
				if ctx.Err() == nil && bt.transition(j, jobQueued, jobRunning) {
					bt.run(j)
				}
			}
		})
	}
	for _, j := range bt.jobs {
		if !bt.queued(j) {
			continue // cancelled while queued: its Cancel reports it (Execute waits)
		}
		select {
		case next <- j:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
	}
	close(next)
	if ctx.Err() != nil {
		bt.cancelQueued(ctx) // at once, while the running ones stop
	}
	wg.Wait()
	bt.cancelQueued(ctx) // those handed over as ctx ended
}

// cancelQueued reports the jobs still queued as cancelled by ctx.
func (bt *batch) cancelQueued(ctx context.Context) {
	for _, j := range bt.jobs {
		if bt.transition(j, jobQueued, jobDone) {
			j.cancel(context.Cause(ctx))
			bt.em.send(j.event(sdk.EventCancelled, context.Cause(j.ctx).Error()))
		}
	}
}

// queued reports whether j is still queued.
func (bt *batch) queued(j *job) bool {
	bt.mu.Lock()
	defer bt.mu.Unlock()
	return j.state == jobQueued
}

// transition moves j from one state to another, if it is in the first.
func (bt *batch) transition(j *job, from, to jobState) bool {
	bt.mu.Lock()
	defer bt.mu.Unlock()
	if j.state != from {
		return false
	}
	j.state = to
	return true
}

// cancel cancels the named runs of the batch (all of them when ids is
// empty): queued ones are reported cancelled now, running ones through
// their context.
func (bt *batch) cancel(ids []string) {
	want := func(string) bool { return true }
	if len(ids) > 0 {
		set := make(map[string]bool, len(ids))
		for _, id := range ids {
			set[id] = true
		}
		want = func(id string) bool { return set[id] }
	}
	var dropped []*job
	bt.mu.Lock()
	for _, j := range bt.jobs {
		if !want(j.spec.RunID) {
			continue
		}
		switch j.state {
		case jobQueued:
			j.state = jobDone
			dropped = append(dropped, j)
			j.cancel(errCancelRequested)
		case jobRunning:
			j.cancel(errCancelRequested)
		}
	}
	if len(dropped) > 0 {
		bt.reporting.Add(1)
		defer bt.reporting.Done()
	}
	bt.mu.Unlock()
	for _, j := range dropped {
		bt.em.send(j.event(sdk.EventCancelled, errCancelRequested.Error()))
	}
}

// run executes one started job and reports it.
func (bt *batch) run(j *job) {
	defer j.cancel(nil)
	bt.em.send(j.event(sdk.EventStarted, ""))
	ev := bt.execute(j)
	bt.transition(j, jobRunning, jobDone)
	bt.em.send(ev)
}

// execute simulates one run into its folder and returns its terminal event.
// A panic becomes a failed event.
func (bt *batch) execute(j *job) (ev sdk.RunEvent) {
	defer func() {
		if r := recover(); r != nil {
			ev = j.event(sdk.EventFailed, fmt.Sprintf("panic: %v\n\n%s", r, debug.Stack()))
		}
	}()
	if err := j.ctx.Err(); err != nil {
		return j.event(sdk.EventCancelled, context.Cause(j.ctx).Error())
	}
	spec := j.spec
	name := spec.ScenarioName
	if name == "" {
		name = spec.RunID + ".yaml"
	}
	opts := engine.Options{
		MaxDays:                  spec.Options.MaxDays,
		DefaultHandling:          spec.Options.DefaultHandling,
		CheckInvariants:          spec.Options.CheckInvariants,
		DetailedLogging:          spec.Options.DetailedLogging,
		EmulateDisplayTruncation: spec.Options.EmulateDisplayTruncation,
		DealerEra:                engine.DealerEra(spec.Options.DealerEra),
	}
	if spec.Options.HasQuietDays {
		q := spec.Options.QuietDays
		opts.QuietDays = &q
	}
	dir := filepath.Join(bt.spec.OutRoot, spec.RunID)
	cfg := bt.pool.cfg
	// A manifest left by an earlier attempt would make a run that fails
	// or is cancelled now look complete. A run without a folder (a
	// sweep's usual run) has none, and its folder is new. (An archive is
	// replaced whole, only once complete.)
	fresh := true
	switch {
	case cfg.Archive:
	case bt.runs != nil:
		found, err := bt.runs.Exists(spec.RunID)
		if err != nil {
			return j.event(sdk.EventFailed, err.Error())
		}
		fresh = !found
	default:
		_, err := os.Lstat(dir)
		fresh = errors.Is(err, fs.ErrNotExist)
	}
	if !fresh {
		if err := os.Remove(filepath.Join(dir, runfolder.ManifestFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return j.event(sdk.EventFailed, fmt.Sprintf("removing the old manifest of run %s: %v", spec.RunID, err))
		}
	}
	out, err := bt.pool.simulate(j.ctx, runner.Request{
		ScenarioName: name, Scenario: spec.Scenario, OutDir: dir, Options: opts,
		HTML: spec.Options.HTML, Artifacts: spec.Options.Artifacts, RunID: spec.RunID, Engine: cfg.Engine, Executor: cfg.Executor,
		SummaryRule: metrics.ZeroRule(spec.Options.SummaryRule), ReplaceFolder: fresh, Runs: bt.runs, Archive: cfg.Archive,
	})
	if err != nil {
		if j.ctx.Err() != nil {
			return j.event(sdk.EventCancelled, context.Cause(j.ctx).Error())
		}
		return j.event(sdk.EventFailed, err.Error())
	}
	ev = j.event(sdk.EventCompleted, "")
	ev.Result = sdk.ResultOf(out.Folder)
	return ev
}

// emitter serialises a batch's calls to emit, records each event in the
// pool's status table, and aborts the batch on the first emit error.
type emitter struct {
	pool       *Pool
	experiment string
	emit       func(sdk.RunEvent) error
	abort      context.CancelCauseFunc
	// guard holds the batch to one terminal event per run.
	guard *sdk.RunGuard

	mu  sync.Mutex
	err error
}

// send records ev and emits it, unless an earlier emit failed or the
// guard refuses it.
func (e *emitter) send(ev sdk.RunEvent) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.guard.Admit(ev) {
		return
	}
	e.pool.record(e.experiment, ev)
	if e.err != nil {
		return
	}
	if err := e.emit(ev); err != nil {
		e.err = err
		e.abort(fmt.Errorf("reporting run events: %w", err))
	}
}

// failure is the first emit error.
func (e *emitter) failure() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.err
}
