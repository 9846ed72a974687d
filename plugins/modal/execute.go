package modal

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	modalsdk "github.com/modal-labs/libmodal/modal-go"

	"github.com/bilancio-go/bilancio/sdk"
)

// Paths inside a sandbox (spec/modal.md §4, §5.1). The results volume is
// mounted at mountPath; the worker binary is cached in it under its sha256,
// run folders live at <experiment>/runs/<run_id> and chunk manifests at
// <experiment>/chunks/<chunk>.json.
const (
	mountPath = "/mnt/results"
	// workerDir is the folder of staged worker binaries.
	workerDir = mountPath + "/.bilancio/workers"
	// image is the sandbox image: the worker is a static Go binary.
	image = "debian:bookworm-slim"
	// sandboxMargin is added to a sandbox's timeout for staging the
	// manifest and reading results back.
	sandboxMargin = 5 * time.Minute
	// maxSandboxTimeout is Modal's longest sandbox lifetime.
	maxSandboxTimeout = 24 * time.Hour
	// taskStartTimeout bounds the wait for a new sandbox's task id.
	taskStartTimeout = 2 * time.Minute
)

// stagedWorker is where the worker binary with this sha256 is kept.
func stagedWorker(sha string) string { return workerDir + "/" + sha + "/bilancio" }

// resources are the Modal objects a batch uses.
type resources struct {
	client *modalsdk.Client
	app    *modalsdk.App
	volume *modalsdk.Volume
	image  *modalsdk.Image
	cfg    *Config
	rates  *RateCard
}

// batchRun is one Execute call in progress.
type batchRun struct {
	exec   *Executor
	batch  *sdk.Batch
	emit   func(sdk.RunEvent) error
	cancel context.CancelCauseFunc

	mu sync.Mutex
	// guard holds each run to one terminal event.
	guard *sdk.RunGuard
	// emitErr is the first error returned by emit.
	emitErr error
	// chunks are the cancel functions of the running chunks, with their runs.
	chunks map[*chunk]context.CancelFunc
	// usage holds the records of terminated sandboxes until the next event
	// that reaches emit carries them (sdk.RunEvent.Usage).
	usage []sdk.SandboxUsage
}

// addUsage queues the usage record of a terminated sandbox.
func (b *batchRun) addUsage(u sdk.SandboxUsage) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.usage = append(b.usage, u)
}

// chunk is a set of runs executed by one sandbox.
type chunk struct {
	index int
	runs  []sdk.RunSpec
}

// send emits an event unless the run already ended; it returns false when
// the event was dropped. Terminal events mark the run ended.
func (b *batchRun) send(ev sdk.RunEvent) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.emitErr != nil || !b.guard.Admit(ev) {
		return false
	}
	if ev.Time.IsZero() {
		ev.Time = time.Now()
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

// Execute implements sdk.Executor. It connects to Modal (the client is
// created here, never in Configure), stages the worker binary, then runs
// the batch in chunks of runs_per_sandbox runs, at most max_parallel
// sandboxes at once (batch.Parallel, when set, caps the sandboxes instead).
func (e *Executor) Execute(ctx context.Context, batch *sdk.Batch, emit func(sdk.RunEvent) error) error {
	cfg, err := e.config()
	if err != nil {
		return err
	}
	if err := checkBatch(batch); err != nil {
		return err
	}
	if len(batch.Runs) == 0 {
		return nil
	}
	parent := ctx
	ctx, cancel := context.WithCancelCause(parent)
	defer cancel(nil)
	guard, err := sdk.NewRunGuard(batch)
	if err != nil {
		return err
	}
	b := &batchRun{exec: e, batch: batch, emit: emit, cancel: cancel, guard: guard, chunks: make(map[*chunk]context.CancelFunc)}
	e.register(b)
	defer e.unregister(b)
	for _, r := range batch.Runs {
		b.send(sdk.RunEvent{RunID: r.RunID, Type: sdk.EventQueued})
	}

	res, err := e.connect(ctx, cfg)
	if err == nil {
		defer res.client.Close()
		err = retry(ctx, cfg, func(int) error { return e.stage(ctx, res, batch.Worker, b.addUsage) })
	}
	if err != nil {
		if ctx.Err() == nil {
			for _, r := range batch.Runs {
				b.send(sdk.RunEvent{RunID: r.RunID, Type: sdk.EventFailed, Attempt: 1, Message: err.Error()})
			}
		}
		return b.finish(parent)
	}

	parallel := int(cfg.MaxParallel)
	if batch.Parallel > 0 {
		parallel = batch.Parallel
	}
	size := int(cfg.RunsPerSandbox)
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for i := 0; i*size < len(batch.Runs); i++ {
		c := &chunk{index: i, runs: batch.Runs[i*size : min((i+1)*size, len(batch.Runs))]}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			b.runChunk(ctx, res, c)
		}()
	}
	wg.Wait()
	return b.finish(parent)
}

// finish ends Execute: ctx's error when the caller cancelled the batch (the
// runs that had not ended are then recorded as cancelled, without an
// event), else the emit error if any, else nil (every run has ended).
func (b *batchRun) finish(ctx context.Context) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	// Sandboxes that ended after the last run event (a cancelled batch's)
	// still have their usage reported, while the caller listens.
	if len(b.usage) > 0 && b.emitErr == nil && ctx.Err() == nil {
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

// checkBatch refuses a batch the executor cannot run, before any work.
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
		return fmt.Errorf("the worker binary %s is built for %s/%s; Modal sandboxes run linux/amd64 (build it with GOOS=linux GOARCH=amd64 CGO_ENABLED=0)", w.Path, w.OS, w.Arch)
	}
	return nil
}

// connect creates the Modal client and looks up the app, volume and image.
func (e *Executor) connect(ctx context.Context, cfg *Config) (*resources, error) {
	client, err := modalsdk.NewClient()
	if err != nil {
		return nil, fmt.Errorf("connecting to Modal: %w", err)
	}
	app, err := client.Apps.FromName(ctx, cfg.App, &modalsdk.AppFromNameParams{CreateIfMissing: true})
	if err != nil {
		client.Close()
		return nil, fmt.Errorf("looking up the Modal app %q: %w", cfg.App, err)
	}
	vol, err := client.Volumes.FromName(ctx, cfg.Volume, &modalsdk.VolumeFromNameParams{CreateIfMissing: true})
	if err != nil {
		client.Close()
		return nil, fmt.Errorf("looking up the Modal volume %q: %w", cfg.Volume, err)
	}
	img := client.Images.FromRegistry(image, nil)
	rates, err := e.rateCard()
	if err != nil {
		client.Close()
		return nil, err
	}
	return &resources{client: client, app: app, volume: vol, image: img, cfg: cfg, rates: rates}, nil
}

// box is a sandbox this process created, with what its usage record
// needs: when it was requested, what for, and how many runs it got.
type box struct {
	*modalsdk.Sandbox
	res     *resources
	start   time.Time
	purpose string
	runs    int
	// onEnd receives the usage record once the sandbox is terminated
	// (nil: not recorded, as for the volume commands' readers).
	onEnd func(sdk.SandboxUsage)
	once  sync.Once
	// done is closed by terminate; it stops the lease renewal.
	done chan struct{}
}

// The lease (orphan_timeout): a sandbox's command is a shell loop that
// exits, ending the sandbox and everything in it, once the lease file has
// not been touched for orphan_timeout seconds; the plugin touches it
// every quarter of that. When bilancio is killed the plugin dies with it
// (pluginhost's Pdeathsig) and cannot terminate its sandboxes: the lease
// ends them instead of their timeout (timeout × runs + 5 min).
const (
	leaseDir  = "/tmp"
	leaseFile = ".bilancio-lease"
)

// leaseCommand is the sandbox command that holds the lease: it checks the
// file's age every few seconds.
func leaseCommand(orphan float64) []string {
	check := min(max(int(orphan/4), 1), 10)
	script := fmt.Sprintf("touch %[1]s; while [ $(( $(date +%%s) - $(stat -c %%Y %[1]s) )) -lt %[2]d ]; do sleep %[3]d; done",
		leaseFile, int(orphan), check)
	return []string{"sh", "-c", script}
}

// renewLease touches the lease file every quarter of the orphan timeout
// until the sandbox is terminated.
func (x *box) renewLease(orphan float64) {
	every := time.Duration(orphan / 4 * float64(time.Second))
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-x.done:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), 2*every)
			_, _ = run(ctx, x.Sandbox, "touch", leaseDir+"/"+leaseFile)
			cancel()
		}
	}
}

// Purposes of a sandbox in the usage record.
const (
	purposeRuns  = "runs"
	purposeStage = "stage"
)

// terminate ends the sandbox, even when the batch's context is cancelled,
// and hands its usage record to onEnd; only the first call does anything.
func (x *box) terminate() {
	x.once.Do(func() {
		close(x.done)
		terminate(x.Sandbox)
		if x.onEnd != nil {
			x.onEnd(x.res.usage(x, time.Now()))
		}
	})
}

// usage is the usage record of a sandbox that ended at end, priced with the
// rate card (a price that cannot be computed is recorded as 0).
func (r *resources) usage(x *box, end time.Time) sdk.SandboxUsage {
	u := sdk.SandboxUsage{
		ID: x.SandboxID, Purpose: x.purpose, Start: x.start, End: end,
		CPU: r.cfg.CPU, MemoryMiB: r.cfg.Memory, GPU: r.cfg.GPU, Runs: x.runs,
		Currency: r.rates.Currency,
	}
	if ps, err := r.rates.perSecond(r.cfg.CPU, r.cfg.Memory, r.cfg.GPU); err == nil {
		u.Cost = end.Sub(x.start).Seconds() * ps
	}
	return u
}

// newSandbox creates a sandbox with the results volume mounted, idle but
// for its lease (orphan_timeout), which lives at most timeout (plus a
// margin), and waits until it can run
// commands (spec/modal.md §3.3: retry "no task id" on v0.6.3). A sandbox
// that was created but never started is terminated, and recorded through
// onEnd all the same (it may have been billed).
//
// probe is the first command run in it, which tells it started ("true"
// when empty): a caller that needs a command run first saves a round trip.
func (r *resources) newSandbox(ctx context.Context, timeout time.Duration, purpose string, runs int, onEnd func(sdk.SandboxUsage), probe ...string) (*box, error) {
	if len(probe) == 0 {
		probe = []string{"true"}
	}
	timeout = min((timeout + sandboxMargin).Truncate(time.Second), maxSandboxTimeout)
	params := &modalsdk.SandboxCreateParams{
		CPU:       r.cfg.CPU,
		MemoryMiB: int(r.cfg.Memory),
		GPU:       r.cfg.GPU,
		Timeout:   timeout,
		Volumes:   map[string]*modalsdk.Volume{mountPath: r.volume},
	}
	orphan := r.cfg.OrphanTimeout
	if orphan > 0 {
		params.Command, params.Workdir = leaseCommand(orphan), leaseDir
	}
	start := time.Now()
	sb, err := r.client.Sandboxes.Create(ctx, r.app, r.image, params)
	if err != nil {
		return nil, fmt.Errorf("creating a sandbox: %w", err)
	}
	x := &box{Sandbox: sb, res: r, start: start, purpose: purpose, runs: runs, onEnd: onEnd, done: make(chan struct{})}
	deadline := time.Now().Add(taskStartTimeout)
	for delay := 100 * time.Millisecond; ; delay = min(2*delay, 2*time.Second) {
		_, err = run(ctx, sb, probe...)
		if err == nil || !strings.Contains(err.Error(), "does not have a task ID") || time.Now().After(deadline) {
			break
		}
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			err = ctx.Err()
		}
		if ctx.Err() != nil {
			break
		}
	}
	if err != nil {
		x.terminate()
		return nil, fmt.Errorf("starting sandbox %s: %w", sb.SandboxID, err)
	}
	if orphan > 0 {
		go x.renewLease(orphan)
	}
	return x, nil
}

// terminate ends a sandbox, even when the batch's context is cancelled.
func terminate(sb *modalsdk.Sandbox) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = sb.Terminate(ctx)
}

// stage puts the worker binary into the volume under its sha256 unless it
// is there already (probed with `test -x` in a short-lived sandbox, which
// commits the volume when it terminates, spec/modal.md §4.3 (b), §5.2).
func (e *Executor) stage(ctx context.Context, r *resources, w *sdk.WorkerBinary, onEnd func(sdk.SandboxUsage)) error {
	e.mu.Lock()
	done := e.staged[w.SHA256]
	e.mu.Unlock()
	if done {
		return nil
	}
	x, err := r.newSandbox(ctx, time.Duration(0), purposeStage, 0, onEnd)
	if err != nil {
		return fmt.Errorf("staging the worker binary: %w", err)
	}
	defer x.terminate()
	defer context.AfterFunc(ctx, x.terminate)()
	sb := x.Sandbox
	dst := stagedWorker(w.SHA256)
	if code, err := run(ctx, sb, "test", "-x", dst); err != nil && code < 0 {
		return fmt.Errorf("staging the worker binary: %w", err)
	} else if code != 0 {
		if err := uploadWorker(ctx, sb, w, dst); err != nil {
			return fmt.Errorf("staging the worker binary: %w", err)
		}
	}
	e.mu.Lock()
	e.staged[w.SHA256] = true
	e.mu.Unlock()
	return nil
}

// runChunk executes one chunk in its own sandbox, and again in a new
// sandbox (up to cfg.Retries times, with exponential backoff) for the runs
// left unreported by an infrastructure failure (spec/modal.md §6). Runs of
// the chunk without a terminal event at the end fail with the reason; when
// the whole batch was cancelled they are left to Execute, which returns
// ctx's error.
func (b *batchRun) runChunk(ctx context.Context, r *resources, c *chunk) {
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	b.mu.Lock()
	b.chunks[c] = cancel
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		delete(b.chunks, c)
		b.mu.Unlock()
	}()
	attempt := 0
	err := retry(cctx, r.cfg, func(a int) error {
		attempt = a
		return b.execChunk(cctx, r, c, a)
	})
	if ctx.Err() != nil || err == nil {
		return
	}
	if attempt > 1 {
		err = fmt.Errorf("%w (after %d attempts)", err, attempt)
	}
	for _, run := range c.runs {
		b.send(sdk.RunEvent{RunID: run.RunID, Type: sdk.EventFailed, Attempt: attempt, Message: err.Error()})
	}
}

// retry calls fn (with the attempt number, from 1) until it succeeds, fails
// for a reason not worth retrying, ctx is done, or cfg.Retries retries are
// spent; the delay before retry n is cfg.Backoff^(n-1) seconds.
func retry(ctx context.Context, cfg *Config, fn func(attempt int) error) error {
	delay := time.Second
	for attempt := 1; ; attempt++ {
		err := fn(attempt)
		if err == nil || attempt > int(cfg.Retries) || !retryable(err) || ctx.Err() != nil {
			return err
		}
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return err
		}
		delay = time.Duration(float64(delay) * cfg.Backoff)
	}
}

// retryable tells infrastructure failures (sandbox died or timed out, gRPC
// errors after the SDK's own retries) from deterministic ones: an invalid
// request, or an object that does not exist.
func retryable(err error) bool {
	var (
		invalid  modalsdk.InvalidError
		notFound modalsdk.NotFoundError
		exists   modalsdk.AlreadyExistsError
	)
	return !errors.As(err, &invalid) && !errors.As(err, &notFound) && !errors.As(err, &exists) &&
		!errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
}

// execChunk writes the chunk's worker manifest into the volume, runs the
// staged worker in a new sandbox and follows its events, downloading and
// verifying each completed run before emitting it. Only the runs of the
// chunk that have not ended yet go to the worker; it returns nil when all of
// them were reported, else the reason for the others. The last run's
// terminal event is held until the sandbox is terminated, so that it
// carries the sandbox's usage record.
func (b *batchRun) execChunk(ctx context.Context, r *resources, c *chunk, attempt int) error {
	runs := b.pending(c)
	if len(runs) == 0 {
		return nil
	}
	c = &chunk{index: c.index, runs: runs}
	timeout := time.Duration(r.cfg.Timeout) * time.Second * time.Duration(len(c.runs))
	// The sandbox's first command makes the chunk's folders.
	expDir := path.Join(mountPath, b.batch.ExperimentID)
	x, err := r.newSandbox(ctx, timeout, purposeRuns, len(c.runs), b.addUsage, "mkdir", "-p", path.Join(expDir, "chunks"), path.Join(expDir, "runs"))
	if err != nil {
		return err
	}
	defer x.terminate()
	// The SDK's output streams do not watch ctx: terminating the sandbox
	// as soon as ctx is done ends the worker and its streams at once
	// (each chunk's Terminate in its own goroutine).
	defer context.AfterFunc(ctx, x.terminate)()
	held, err := b.runWorker(ctx, x, c, timeout, attempt)
	x.terminate()
	if held != nil {
		b.send(*held)
	}
	return err
}

// runWorker runs the worker over the chunk's runs in the sandbox and
// reports their events, except the terminal event of the run reported
// last, which it returns for the caller to send.
func (b *batchRun) runWorker(ctx context.Context, x *box, c *chunk, timeout time.Duration, attempt int) (*sdk.RunEvent, error) {
	sb := x.Sandbox
	exp := b.batch.ExperimentID
	expDir := path.Join(mountPath, exp)
	outDir := path.Join(expDir, "runs")
	manifestPath := path.Join(expDir, "chunks", sb.SandboxID+".json")
	m, err := json.Marshal(sdk.WorkerManifest{Version: sdk.WorkerManifestVersion, ExperimentID: exp, Runs: c.runs})
	if err != nil {
		return nil, fmt.Errorf("encoding the worker manifest: %w", err)
	}
	if err := writeFile(ctx, sb, manifestPath, m); err != nil {
		return nil, fmt.Errorf("writing the worker manifest into sandbox %s: %w", sb.SandboxID, err)
	}
	p, err := sb.Exec(ctx, []string{stagedWorker(b.batch.Worker.SHA256), "worker", "-manifest", manifestPath, "-out", outDir},
		&modalsdk.SandboxExecParams{Timeout: timeout})
	if err != nil {
		return nil, fmt.Errorf("starting the worker in sandbox %s: %w", sb.SandboxID, err)
	}
	defer p.Stdout.Close()
	defer p.Stderr.Close()
	for _, run := range c.runs {
		b.send(sdk.RunEvent{RunID: run.RunID, Type: sdk.EventStarted, Attempt: attempt})
	}
	stderr := make(chan string, 1)
	go func() { stderr <- tail(p.Stderr, 2048) }()

	// Lines are read in a goroutine so that the runs reported while a
	// download is under way go out together in the next one.
	lines := make(chan sdk.RunEvent, maxGroup)
	var scanErr error
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(p.Stdout)
		sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
		for sc.Scan() {
			var ev sdk.RunEvent
			if err := json.Unmarshal(sc.Bytes(), &ev); err != nil || !inChunk(c, ev.RunID) || !ev.Type.Terminal() {
				b.exec.logger.Warn("unexpected worker output", "sandbox", sb.SandboxID, "line", truncate(sc.Text(), 200))
				continue
			}
			lines <- ev
		}
		scanErr = sc.Err()
	}()
	var held *sdk.RunEvent
	for ev := range lines {
		group := []sdk.RunEvent{ev}
	more:
		for len(group) < maxGroup {
			select {
			case e, ok := <-lines:
				if !ok {
					break more
				}
				group = append(group, e)
			default:
				break more
			}
		}
		for _, e := range b.report(ctx, sb, outDir, group, attempt) {
			if held != nil {
				b.send(*held)
			}
			held = &e
		}
	}
	code, err := p.Wait(ctx)
	msg := <-stderr
	left := 0
	for _, r := range b.pending(c) {
		if held == nil || r.RunID != held.RunID {
			left++
		}
	}
	switch {
	case left == 0:
		return held, nil
	case err != nil:
		return held, fmt.Errorf("waiting for the worker in sandbox %s: %w", sb.SandboxID, err)
	case scanErr != nil:
		return held, fmt.Errorf("reading the worker's output in sandbox %s: %v", sb.SandboxID, scanErr)
	case code == 124:
		return held, fmt.Errorf("sandbox %s timed out after %s", sb.SandboxID, timeout)
	case code == 137:
		return held, fmt.Errorf("sandbox %s was terminated (exit code 137)", sb.SandboxID)
	}
	return held, fmt.Errorf("the worker in sandbox %s exited with code %d without reporting the run: %s", sb.SandboxID, code, msg)
}

// report turns terminal events printed by the worker into the events to
// send, in order: the completed runs are downloaded together (one tar
// exec) to Batch.OutRoot/<run_id> and verified first, and a run whose
// download fails is reported failed.
func (b *batchRun) report(ctx context.Context, sb *modalsdk.Sandbox, outDir string, evs []sdk.RunEvent, attempt int) []sdk.RunEvent {
	now := time.Now()
	var completed []string
	for i := range evs {
		ev := &evs[i]
		ev.Attempt, ev.Time, ev.Usage = attempt, now, nil
		switch ev.Type {
		case sdk.EventCompleted:
			completed = append(completed, ev.RunID)
		default:
			ev.Type = sdk.EventFailed
		}
	}
	if len(completed) == 0 {
		return evs
	}
	sealed, errs := downloadRuns(ctx, sb, outDir, completed, b.batch.OutRoot)
	for i := range evs {
		ev := &evs[i]
		if ev.Type != sdk.EventCompleted {
			continue
		}
		if err := errs[ev.RunID]; err != nil {
			*ev = sdk.RunEvent{RunID: ev.RunID, Type: sdk.EventFailed, Attempt: attempt, Time: ev.Time,
				Message: fmt.Sprintf("the run completed on Modal but its folder could not be downloaded: %v", err)}
			continue
		}
		if ev.Result == nil {
			ev.Result = &sdk.RunResult{RunID: ev.RunID}
		}
		ev.Result.Dir = filepath.Join(b.batch.OutRoot, ev.RunID)
		ev.Result.ManifestSHA256 = sealed[ev.RunID].SHA256
		ev.Result.Fingerprint = sealed[ev.RunID].Fingerprint
		ev.Result.Executor = Name
	}
	return evs
}

// pending returns the runs of a chunk without a terminal event.
func (b *batchRun) pending(c *chunk) []sdk.RunSpec {
	b.mu.Lock()
	defer b.mu.Unlock()
	var runs []sdk.RunSpec
	for _, r := range c.runs {
		if !b.guard.Ended(r.RunID) {
			runs = append(runs, r)
		}
	}
	return runs
}

// inChunk reports whether a run id belongs to the chunk.
func inChunk(c *chunk, id string) bool {
	for _, r := range c.runs {
		if r.RunID == id {
			return true
		}
	}
	return false
}

// truncate shortens s to at most n bytes for a log line.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
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
	list := e.batches[b.batch.ExperimentID]
	for i, x := range list {
		if x == b {
			list = append(list[:i], list[i+1:]...)
			break
		}
	}
	if len(list) == 0 {
		delete(e.batches, b.batch.ExperimentID)
	} else {
		e.batches[b.batch.ExperimentID] = list
	}
}

// Cancel implements sdk.Executor: the named runs (all runs of the
// experiment when RunIDs is empty) that have not ended are reported
// cancelled at once; a sandbox whose runs have all ended is terminated, and
// chunks not started yet are skipped. Runs sharing a sandbox with runs still
// wanted keep computing there, but their results are dropped.
func (e *Executor) Cancel(ctx context.Context, req *sdk.CancelRequest) error {
	if req == nil {
		return errors.New("cancel: no request")
	}
	e.mu.Lock()
	batches := append([]*batchRun(nil), e.batches[req.ExperimentID]...)
	e.mu.Unlock()
	for _, b := range batches {
		for _, r := range b.batch.Runs {
			if len(req.RunIDs) == 0 || slices.Contains(req.RunIDs, r.RunID) {
				b.send(sdk.RunEvent{RunID: r.RunID, Type: sdk.EventCancelled, Message: "cancelled"})
			}
		}
		b.mu.Lock()
		for c, cancel := range b.chunks {
			done := true
			for _, r := range c.runs {
				done = done && b.guard.Ended(r.RunID)
			}
			if done {
				cancel()
			}
		}
		b.mu.Unlock()
	}
	return nil
}
