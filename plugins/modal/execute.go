package modal

import (
	"context"
	"crypto/rand"
	"debug/elf"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	modalsdk "github.com/modal-labs/modal-client/go"

	"github.com/bilancio-go/bilancio/sdk"
	"github.com/bilancio-go/bilancio/sdk/runfolder"
)

// batchRun is one Execute call in progress.
type batchRun struct {
	exec   *Executor
	batch  *sdk.Batch
	sess   *session
	emit   func(sdk.RunEvent) error
	cancel context.CancelCauseFunc
	// guard holds each run to one terminal event.
	guard *sdk.RunGuard
	// limit caps the sandboxes in flight, lower while Modal is exhausted.
	limit *limiter
	// detached: chunks are handed to Modal and not followed.
	detached bool

	mu sync.Mutex
	// emitErr is the first error returned by emit.
	emitErr error
	// usage holds the records of ended sandboxes until the next event that
	// reaches emit carries them (sdk.RunEvent.Usage).
	usage []sdk.SandboxUsage
	// spent is the cost of the sandboxes that ended.
	spent float64
	// lives are the chunks being followed.
	lives map[*live]time.Time
	// runSeconds and runCount average the runs' durations (for the budget).
	runSeconds float64
	runCount   int
	// stop, once set, keeps new chunks from starting (a fatal error, the
	// budget); halted is closed then.
	stop   error
	halted *closer
	// notStarted counts runs that did not start because of the budget.
	notStarted int
	// staging is the batch's staging (stageAndCollect), done or not.
	staging *staging
	// creating counts the sandboxes being created: Cancel waits for them
	// (each is stopped as soon as it exists), so that a Ctrl-C during a
	// creation leaves no sandbox running.
	creating int
}

// addUsage queues the usage record of an ended sandbox.
func (b *batchRun) addUsage(u sdk.SandboxUsage) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.usage = append(b.usage, u)
	b.spent += u.Cost
}

// observe records a completed run's duration, for the budget's forecast.
func (b *batchRun) observe(ms float64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.runSeconds += ms / 1000
	b.runCount++
}

// send emits an event unless the run already ended; it returns false when
// the event was dropped. Usage records queued so far ride on it.
func (b *batchRun) send(ev sdk.RunEvent) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if ev.Time.IsZero() {
		ev.Time = time.Now()
	}
	if b.emitErr != nil || !b.guard.Admit(ev) {
		return false
	}
	b.exec.record(b.batch.ExperimentID, ev)
	ev.Usage, b.usage = b.usage, nil
	if err := b.emit(ev); err != nil {
		b.emitErr = err
		b.cancel(err)
		return false
	}
	return true
}

// sendCompleted sends a completed run's event. When the run had ended
// meanwhile (cancelled while its folder was downloaded), the folder just
// written to OutRoot is removed: a run reported cancelled leaves nothing
// there.
func (b *batchRun) sendCompleted(ev sdk.RunEvent) bool {
	if b.send(ev) {
		return true
	}
	b.mu.Lock()
	emitFailed := b.emitErr != nil
	b.mu.Unlock()
	if !emitFailed && b.guard.Ended(ev.RunID) {
		_ = os.RemoveAll(filepath.Join(b.batch.OutRoot, ev.RunID))
	}
	return false
}

// fail ends runs with a failed event.
func (b *batchRun) fail(ids []string, attempt int, failure sdk.Failure, msg string) {
	for _, id := range ids {
		b.send(sdk.RunEvent{RunID: id, Type: sdk.EventFailed, Attempt: attempt, Failure: failure, Message: msg})
	}
}

// cancelled ends runs with a cancelled event.
func (b *batchRun) cancelled(ids []string) {
	for _, id := range ids {
		b.send(sdk.RunEvent{RunID: id, Type: sdk.EventCancelled, Message: "cancelled"})
	}
}

// open returns the runs of a chunk without a terminal event.
func (b *batchRun) open(c *chunk) []string {
	var ids []string
	for _, r := range c.runs {
		if !b.guard.Ended(r.RunID) {
			ids = append(ids, r.RunID)
		}
	}
	return ids
}

// stopped returns why no new chunk may start, or nil.
func (b *batchRun) stopped() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.stop
}

// halt keeps any new chunk from starting, for err (the first reason wins).
func (b *batchRun) halt(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.stop == nil {
		b.stop = err
		b.haltedOnce().close()
	}
}

// haltedOnce returns the channel closed when the batch halts; b.mu is
// held.
func (b *batchRun) haltedOnce() *closer {
	if b.halted == nil {
		b.halted = &closer{ch: make(chan struct{})}
	}
	return b.halted
}

// haltedChan is closed once the batch halts.
func (b *batchRun) haltedChan() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.haltedOnce().ch
}

// closer closes a channel once.
type closer struct {
	once sync.Once
	ch   chan struct{}
}

func (c *closer) close() { c.once.Do(func() { close(c.ch) }) }

// Execute implements sdk.Executor. It connects to Modal (the client is
// created here, never in Configure), finds the experiment's chunks still
// running on Modal (tags) and follows those covering runs of the batch,
// stages the worker and collects the batch's runs already finished in the
// volume, then runs the rest in chunks of runs_per_sandbox runs, at most
// max_parallel sandboxes at once (batch.Parallel, when set, caps the
// sandboxes instead; fewer while Modal reports no capacity).
//
// The end of ctx stops following: the sandboxes go on, finish their runs
// into the volume and end by themselves; only Cancel stops them (the host
// sends it on Ctrl-C). The next Execute of the experiment picks them up.
func (e *Executor) Execute(ctx context.Context, batch *sdk.Batch, emit func(sdk.RunEvent) error) error {
	cfg, _, err := e.config()
	if err != nil {
		return err
	}
	if err := checkBatch(batch); err != nil {
		return err
	}
	if len(batch.Runs) == 0 {
		return nil
	}
	guard, err := sdk.NewRunGuard(batch)
	if err != nil {
		return err
	}
	parent := ctx
	ctx, cancel := context.WithCancelCause(parent)
	defer cancel(nil)
	parallel := int(cfg.MaxParallel)
	if batch.Parallel > 0 {
		parallel = batch.Parallel
	}
	b := &batchRun{exec: e, batch: batch, emit: emit, cancel: cancel, guard: guard, limit: newLimiter(parallel), lives: map[*live]time.Time{}, detached: batch.Detach}
	e.register(b)
	defer e.unregister(b)
	for _, r := range batch.Runs {
		b.send(sdk.RunEvent{RunID: r.RunID, Type: sdk.EventQueued})
	}

	sess, err := e.connect(ctx)
	if err != nil {
		if ctx.Err() == nil {
			b.fail(guard.Open(), 1, sdk.FailureInfrastructure, err.Error())
		}
		return b.finish(parent)
	}
	defer sess.close()
	b.sess = sess

	// Chunks of this experiment already running on Modal.
	found, err := b.findLive(ctx)
	if err != nil {
		e.logger.Warn("listing the experiment's running sandboxes", "error", err)
	}
	covered := map[string]bool{}
	for _, f := range found {
		for _, r := range f.live.chunk.runs {
			covered[r.RunID] = true
		}
	}
	var rest []sdk.RunSpec
	for _, r := range batch.Runs {
		if !covered[r.RunID] {
			rest = append(rest, r)
		}
	}
	// The staging sandbox is paid for like any other: when max_cost does
	// not leave room even for its overhead, nothing starts (a fresh batch;
	// one with chunks running on Modal goes on following them).
	if len(found) == 0 {
		if err := b.budget(&chunk{}); err != nil {
			b.launchFailed(ctx, &chunk{runs: rest, attempt: 1}, err)
			return b.finish(parent)
		}
	}
	// Stage the worker (checked in the volume before any chunk's worker
	// starts) and collect what the volume already holds of the other runs.
	// When the batch looks fresh (nothing of it running on Modal, none of
	// its runs delivered yet, no budget to keep), the first chunks'
	// sandboxes are created meanwhile, so that their cold starts overlap
	// staging's (startChunk); otherwise (a resume, whose runs staging may
	// collect) chunks start after it.
	var wg sync.WaitGroup
	b.staging = newStaging()
	launchChunks := func() {
		// The runs staging did not collect (all of rest, when it has not
		// run yet).
		var todo []sdk.RunSpec
		for _, r := range rest {
			if !guard.Ended(r.RunID) {
				todo = append(todo, r)
			}
		}
		size := int(cfg.RunsPerSandbox)
		for i := 0; i*size < len(todo); i++ {
			c := &chunk{name: chunkName(i, 1), runs: todo[i*size : min((i+1)*size, len(todo))], attempt: 1}
			wg.Go(func() { b.runChunk(ctx, c) })
		}
	}
	overlap := len(found) == 0 && cfg.MaxCost <= 0 && noRunFolders(batch.OutRoot)
	if overlap {
		launchChunks()
	}
	uploaded, err := b.stageAndCollect(ctx, rest)
	b.staging.finish(uploaded, err)
	if err != nil {
		b.halt(err)
		if ctx.Err() == nil {
			b.fail(guard.Open(), 1, sdk.FailureInfrastructure, err.Error())
		}
		wg.Wait()
		return b.finish(parent)
	}

	if !overlap {
		launchChunks()
	}
	for _, f := range found {
		if b.detached {
			b.detach(f.live)
			continue
		}
		b.limit.force()
		b.track(f.live)
		wg.Go(func() {
			out := b.follow(ctx, f.live, f.done)
			b.untrack(f.live)
			b.limit.release()
			b.retry(ctx, f.live.chunk, out)
		})
	}
	wg.Wait()
	return b.finish(parent)
}

// noRunFolders reports whether dir (Batch.OutRoot) holds no run folder
// yet: a fresh batch, as far as this machine knows.
func noRunFolders(dir string) bool {
	f, err := os.Open(dir)
	if err != nil {
		return errors.Is(err, fs.ErrNotExist)
	}
	defer f.Close()
	for {
		ents, err := f.ReadDir(256)
		for _, e := range ents {
			if !runfolder.IsTemp(e.Name()) {
				return false
			}
		}
		if errors.Is(err, io.EOF) {
			return true
		}
		if err != nil {
			return false
		}
	}
}

// runChunk runs a chunk in a sandbox of its own, then again in a new one
// (up to cfg.Retries times, with backoff and jitter) for the runs an
// infrastructure failure left unfinished.
func (b *batchRun) runChunk(ctx context.Context, c *chunk) {
	l, err := b.launch(ctx, c)
	if errors.Is(err, errNoRuns) || errors.Is(err, errStaging) {
		// Staging collected them all from the volume, or failed (and
		// Execute failed the runs).
		return
	}
	if err != nil {
		b.launchFailed(ctx, c, err)
		return
	}
	if b.detached {
		b.untrack(l)
		b.limit.release()
		b.detach(l)
		return
	}
	out := b.follow(ctx, l, nil)
	b.untrack(l)
	b.limit.release()
	b.retry(ctx, c, out)
}

// retry handles what following a chunk left: nothing; a missing worker
// (the batch stops); or runs to try again in a new chunk, until the
// retries are spent.
func (b *batchRun) retry(ctx context.Context, c *chunk, out outcome) {
	if len(out.left) == 0 || ctx.Err() != nil {
		return
	}
	if out.noWorker {
		b.halt(errors.New(out.reason))
		b.fail(out.left, c.attempt, sdk.FailureInfrastructure, out.reason)
		return
	}
	if len(out.undownloaded) > 0 {
		// Completed in a sandbox that ended before they were downloaded:
		// its volume writes were committed, unless it crashed.
		b.collectLost(ctx, out.undownloaded)
		out.left = b.open(c)
		if len(out.left) == 0 {
			return
		}
	}
	if c.attempt > int(b.sess.cfg.Retries) {
		msg := out.reason
		if c.attempt > 1 {
			msg = fmt.Sprintf("%s (after %d attempts)", msg, c.attempt)
		}
		b.fail(out.left, c.attempt, sdk.FailureInfrastructure, msg)
		return
	}
	bo := backoff{base: time.Second, cap: time.Minute, coef: b.sess.cfg.Backoff, n: c.attempt - 1}
	d := bo.next()
	b.exec.logger.Info("retrying runs of a chunk", "chunk", c.name, "runs", len(out.left), "reason", out.reason, "in", d)
	if !sleep(ctx, d) {
		return
	}
	next := &chunk{attempt: c.attempt + 1}
	for _, r := range c.runs {
		if slices.Contains(out.left, r.RunID) && !b.guard.Ended(r.RunID) {
			next.runs = append(next.runs, r)
		}
	}
	if len(next.runs) == 0 {
		return
	}
	next.name = chunkName(chunkIndex(c.name), next.attempt)
	b.runChunk(ctx, next)
}

// detach reports the open runs of a chunk handed to Modal: its sandbox
// runs them without this process, into the volume, where a later Execute
// collects them (or follows the sandbox, if it still runs).
func (b *batchRun) detach(l *live) {
	for _, id := range b.open(l.chunk) {
		b.send(sdk.RunEvent{RunID: id, Type: sdk.EventDetached, Attempt: l.chunk.attempt,
			Message: fmt.Sprintf("running in Modal sandbox %s (%s)", l.SandboxID, l.chunk.name)})
	}
}

// collectLost collects runs from the volume, in the shared reader sandbox,
// reporting those found complete.
func (b *batchRun) collectLost(ctx context.Context, ids []string) {
	err := b.exec.withReader(ctx, true, func(sb *modalsdk.Sandbox) error {
		runs := make([]sdk.RunSpec, len(ids))
		for i, id := range ids {
			runs[i] = sdk.RunSpec{RunID: id}
		}
		return b.collect(ctx, sb, path.Join(mountPath, b.batch.ExperimentID), runs)
	})
	if err != nil {
		b.exec.logger.Warn("collecting runs from the volume", "error", err)
	}
}

// chunkIndex reads the index back from a chunk name.
func chunkIndex(name string) int {
	var i int
	_, _ = fmt.Sscanf(name, "chunk-%04d", &i)
	return i
}

// maxTransient is how many transient failures in a row the creation of
// one chunk's sandbox absorbs.
const maxTransient = 5

// budgetError is a chunk refused by the budget.
type budgetError struct{ msg string }

func (e *budgetError) Error() string { return e.msg }

// launch starts a chunk's sandbox once there is room: under the limit of
// sandboxes in flight, within the budget. Modal's answers are classified:
// no capacity (RESOURCE_EXHAUSTED) lowers the limit and waits (backoff with
// jitter) without counting against anything; a transient failure waits
// and tries again, up to maxTransient times; a fatal one (invalid request,
// permission, authentication) stops the batch at once.
func (b *batchRun) launch(ctx context.Context, c *chunk) (*live, error) {
	bo := backoff{base: 500 * time.Millisecond, cap: time.Minute, coef: 2}
	transient := 0
	for {
		if err := b.limit.acquire(ctx); err != nil {
			return nil, err
		}
		if err := b.stopped(); err != nil {
			b.limit.release()
			return nil, err
		}
		if err := b.budget(c); err != nil {
			b.limit.release()
			return nil, err
		}
		if b.staging.isStarved() && !b.staging.ready() {
			// Modal had no place for the staging sandbox: no spare takes
			// one before it is done.
			b.limit.release()
			if err := b.awaitStaging(ctx, false); err != nil {
				return nil, err
			}
			continue
		}
		b.creation(1)
		l, err := b.startChunk(ctx, c, b.detached)
		if err == nil {
			b.limit.started()
			if err := b.trackUnlessStopped(l); err != nil {
				// Cancelled (or stopped) while the sandbox was created.
				l.stop(false)
				b.creation(-1)
				b.limit.release()
				return nil, err
			}
			b.creation(-1)
			return l, nil
		}
		b.creation(-1)
		if errors.Is(err, errYield) {
			// Created again once staging is done (above).
			b.limit.release()
			b.exec.logger.Info("a spare sandbox gave its place up for staging", "chunk", c.name)
			continue
		}
		if stop := b.stopped(); errors.Is(err, errNoRuns) || errors.Is(err, errStaging) || stop != nil && errors.Is(err, stop) {
			b.limit.release()
			return nil, err
		}
		class := classify(err)
		if class == classFatal {
			// Halted before the place is given back: a chunk waiting for
			// it must find the batch stopped, not ask Modal again.
			err = fmt.Errorf("creating a sandbox: %w", err)
			b.halt(err)
		}
		b.limit.release()
		switch class {
		case classExhausted:
			b.limit.exhausted()
			d := bo.next()
			b.exec.logger.Info("Modal has no capacity for a sandbox now; waiting", "chunk", c.name, "in", d, "error", err)
			if !sleep(ctx, d) {
				return nil, ctx.Err()
			}
		case classTransient:
			transient++
			if transient > maxTransient {
				return nil, fmt.Errorf("creating a sandbox (%d attempts): %w", transient, err)
			}
			if !sleep(ctx, bo.next()) {
				return nil, ctx.Err()
			}
		default: // classCancelled, and classFatal (halted above)
			return nil, err
		}
	}
}

// launchFailed ends the runs of a chunk whose sandbox could not start.
func (b *batchRun) launchFailed(ctx context.Context, c *chunk, err error) {
	if ctx.Err() != nil {
		return
	}
	if errors.Is(err, errCancelled) {
		// A Cancel came first (the host's Cancel can overtake the end of
		// Execute's context): the chunk's runs were cancelled, not failed.
		b.cancelled(b.open(c))
		return
	}
	var be *budgetError
	if errors.As(err, &be) {
		left := b.open(c)
		b.mu.Lock()
		b.notStarted += len(left)
		b.mu.Unlock()
		b.fail(left, c.attempt, sdk.FailureRun, be.msg)
		return
	}
	b.fail(b.open(c), c.attempt, sdk.FailureInfrastructure, err.Error())
}

// errCancelled stops a batch whose open runs were all cancelled.
var errCancelled = errors.New("cancelled")

// budgetPrefix starts the message of every run the budget kept from
// starting (commands count them by it).
const budgetPrefix = "not started: "

// budget refuses a chunk when the cost spent, plus the cost of the chunks
// in flight, plus this chunk's would pass max_cost. A chunk in flight
// counts at the greater of its cost so far and its forecast (the sandbox
// overhead plus its runs at the average run time so far, parallelRuns at
// once); so does the new chunk.
func (b *batchRun) budget(c *chunk) error {
	cfg := b.sess.cfg
	if cfg.MaxCost <= 0 {
		return nil
	}
	perSecond, err := b.sess.rates.perSecond(cfg.CPU, cfg.Memory, cfg.GPU)
	if err != nil {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	avg := 0.0
	if b.runCount > 0 {
		avg = b.runSeconds / float64(b.runCount)
	}
	forecast := func(runs int) float64 {
		waves := math.Ceil(float64(runs) / float64(cfg.parallelRuns()))
		return (b.sess.rates.SandboxOverheadSeconds + waves*avg) * perSecond
	}
	inflight := 0.0
	for l, start := range b.lives {
		inflight += math.Max(time.Since(start).Seconds()*perSecond, forecast(len(l.chunk.runs)))
	}
	next := forecast(len(c.runs))
	if b.spent+inflight+next <= cfg.MaxCost {
		return nil
	}
	err = &budgetError{msg: fmt.Sprintf("%sthe sweep's max cost of %.4f %s would be passed (spent %.4f, in flight %.4f, this sandbox about %.4f)",
		budgetPrefix, cfg.MaxCost, b.sess.rates.Currency, b.spent, inflight, next)}
	if b.stop == nil {
		b.stop = err
		b.haltedOnce().close()
	}
	return err
}

// finish ends Execute: ctx's error when the caller cancelled the batch
// (the runs that had not ended are then recorded as cancelled, without an
// event), else the emit error if any, else nil (every run has ended).
func (b *batchRun) finish(ctx context.Context) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	// Sandboxes that ended after the last run event still have their usage
	// reported, while the caller listens.
	// After a cancel too: the caller reads on for a moment (sdk.CancelDrain).
	if len(b.usage) > 0 && b.emitErr == nil {
		if err := b.emit(sdk.RunEvent{Type: sdk.EventUsage, Time: time.Now(), Usage: b.usage}); err != nil {
			b.emitErr = err
		}
		b.usage = nil
	}
	if err := ctx.Err(); err != nil {
		for _, ev := range b.guard.Close(sdk.EventCancelled, "cancelled", sdk.FailureRun) {
			b.exec.record(b.batch.ExperimentID, ev)
		}
		return err
	}
	if b.emitErr != nil {
		return b.emitErr
	}
	if open := b.guard.Open(); len(open) > 0 {
		return fmt.Errorf("run %s ended without a result", open[0])
	}
	return nil
}

// checkBatch refuses a batch the executor cannot run, before any work: the
// worker must be a static linux/amd64 ELF binary, as Modal's sandboxes run
// linux/amd64 and its image has no promise of any shared library.
func checkBatch(b *sdk.Batch) error {
	if err := sdk.ValidateBatch(b); err != nil {
		return err
	}
	if id := b.ExperimentID; id == "" || strings.ContainsAny(id, `/\`) || !filepath.IsLocal(id) {
		return fmt.Errorf("experiment id %q is not a plain folder name", id)
	}
	if len(b.Runs) == 0 {
		return nil
	}
	w := b.Worker
	switch {
	case w == nil || w.Path == "":
		return errors.New("the modal executor needs the worker binary (Batch.Worker)")
	case len(w.SHA256) != 64:
		return fmt.Errorf("the worker binary %s has no valid sha256", w.Path)
	case w.OS != "linux" || w.Arch != "amd64":
		return fmt.Errorf("the worker binary %s is built for %s/%s; Modal sandboxes run linux/amd64 (`make build` makes bin/bilancio-worker-linux-amd64)", w.Path, w.OS, w.Arch)
	}
	return CheckStatic(w.Path)
}

// CheckStatic checks that path is a statically linked linux/amd64 ELF
// executable: no program interpreter and no shared library needed.
func CheckStatic(path string) error {
	f, err := elf.Open(path)
	if err != nil {
		return fmt.Errorf("the worker binary %s is not an ELF executable: %w", path, err)
	}
	defer f.Close()
	if f.Machine != elf.EM_X86_64 {
		return fmt.Errorf("the worker binary %s is built for %v, not x86-64", path, f.Machine)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return fmt.Errorf("the worker binary %s is dynamically linked (build it with CGO_ENABLED=0; `make build` does)", path)
		}
	}
	if libs, err := f.ImportedLibraries(); err == nil && len(libs) > 0 {
		return fmt.Errorf("the worker binary %s needs shared libraries %v (build it with CGO_ENABLED=0)", path, libs)
	}
	return nil
}

// randomSuffix is 4 random hex digits.
func randomSuffix() string {
	var b [2]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// creation counts a sandbox creation starting (+1) or settled (-1).
func (b *batchRun) creation(delta int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.creating += delta
}

// waitCreations waits, until ctx ends, for the sandboxes being created to
// be settled: tracked, or stopped when the batch was stopped meanwhile.
func (b *batchRun) waitCreations(ctx context.Context) {
	for {
		b.mu.Lock()
		n := b.creating
		b.mu.Unlock()
		if n == 0 || !sleep(ctx, 10*time.Millisecond) {
			return
		}
	}
}

// register records a running batch for Cancel.
func (e *Executor) register(b *batchRun) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.batches[b.batch.ExperimentID] = append(e.batches[b.batch.ExperimentID], b)
}

// unregister forgets a batch that ended.
func (e *Executor) unregister(b *batchRun) {
	e.mu.Lock()
	defer e.mu.Unlock()
	list := slices.DeleteFunc(e.batches[b.batch.ExperimentID], func(x *batchRun) bool { return x == b })
	if len(list) == 0 {
		delete(e.batches, b.batch.ExperimentID)
	} else {
		e.batches[b.batch.ExperimentID] = list
	}
}

// track adds a live chunk to the batch's set (for the budget and Cancel).
func (b *batchRun) track(l *live) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.lives[l] = l.start
}

// trackUnlessStopped tracks a live chunk, unless the batch was stopped
// (then it returns why).
func (b *batchRun) trackUnlessStopped(l *live) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.stop != nil {
		return b.stop
	}
	b.lives[l] = l.start
	return nil
}

// untrack removes a live chunk that ended.
func (b *batchRun) untrack(l *live) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.lives, l)
}

// Cancel implements sdk.Executor: the named runs (all runs of the
// experiment when RunIDs is empty) that have not ended are reported
// cancelled at once, and every sandbox of the batch whose runs have all
// ended is terminated. Without run ids it also terminates every sandbox of
// the experiment still running on Modal, found by its tags, so that it
// works from any process.
func (e *Executor) Cancel(ctx context.Context, req *sdk.CancelRequest) error {
	if req == nil {
		return errors.New("cancel: no request")
	}
	e.mu.Lock()
	batches := slices.Clone(e.batches[req.ExperimentID])
	e.mu.Unlock()
	wanted := func(id string) bool { return len(req.RunIDs) == 0 || slices.Contains(req.RunIDs, id) }
	for _, b := range batches {
		// The sandboxes left with nothing wanted end first, so that their
		// usage rides on the cancelled events.
		var wg sync.WaitGroup
		all := !slices.ContainsFunc(b.guard.Open(), func(id string) bool { return !wanted(id) })
		if all {
			// Every open run is cancelled: no new chunk starts.
			b.halt(errCancelled)
		}
		b.mu.Lock()
		for l := range b.lives {
			if !slices.ContainsFunc(b.openLocked(l.chunk), func(id string) bool { return !wanted(id) }) {
				wg.Go(func() { l.stop(l.workerDone.Load()) })
			}
		}
		b.mu.Unlock()
		if all {
			// A sandbox created meanwhile is stopped by its launch.
			b.waitCreations(ctx)
		}
		wg.Wait()
		var ids []string
		for _, r := range b.batch.Runs {
			if wanted(r.RunID) {
				ids = append(ids, r.RunID)
			}
		}
		b.cancelled(ids)
	}
	if len(req.RunIDs) == 0 {
		return e.cancelRemote(ctx, req.ExperimentID)
	}
	return nil
}

// openLocked is open with b.mu held (the guard has its own lock).
func (b *batchRun) openLocked(c *chunk) []string { return b.open(c) }

// Status implements sdk.Executor: the last state of each run of the
// experiment that this process has executed and, when req.Remote, the
// experiment's chunks as Modal and the volume know them (remoteUnits),
// from any process.
func (e *Executor) Status(ctx context.Context, req *sdk.StatusRequest) (*sdk.StatusReply, error) {
	if req == nil {
		return nil, errors.New("status: no request")
	}
	reply := e.status.Status(req.ExperimentID)
	if !req.Remote {
		return reply, nil
	}
	units, err := e.remoteUnits(ctx, req.ExperimentID)
	if err != nil {
		return nil, fmt.Errorf("remote status: %w", err)
	}
	for _, u := range units {
		reply.WorkUnits = append(reply.WorkUnits, sdk.WorkUnit{
			ID: u.ID, Name: u.Name, State: sdk.WorkState(u.State), Reason: u.Reason,
			RunIDs: u.RunIDs, Started: u.Started, Ended: u.Ended,
		})
	}
	return reply, nil
}
