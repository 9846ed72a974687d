package modal

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/bilancio-go/bilancio/sdk"
)

// chunkScript is the main process of a chunk sandbox. Its arguments are
// separate argv elements (so that the emulator can map them, spec/modal.md
// §8.9): the staged worker, the experiment's folder in the volume, the
// chunk's name, the runs to execute at once and the seconds to linger. It
// runs in /tmp. Its stdin carries the sandbox's id on a first line, then
// the worker manifest (the plugin writes it right after the create, or
// once staging is done: startChunk).
//
// With its manifest, it checks the worker is there (a chunk that finds
// none says so at once: that is a staging fault, not a run failure), keeps
// the manifest in /tmp and in the volume (chunks/NAME.json), runs the
// worker over it (GOMAXPROCS set to the sandbox's CPUs: Go would size
// itself to the host's CPU count, which a container need not limit; each
// run written as one archive, runs/<id>.tar: `worker -archive`),
// writes chunks/NAME.end (the worker's exit code, times, use of CPU and
// memory: what remote status reads) and prints a last line saying the
// worker is done, then lingers (the seconds in /tmp/linger when a process that
// re-attached wrote it there, else the argument; read again at the end of
// each wait, so that a longer linger written meanwhile extends it) for the
// plugin to collect the runs and end the sandbox. Every command it forks
// is a process in the sandbox, so it reads files with the shell's read.
//
// A sandbox's usage is recorded once, by whoever claims it first (mkdir
// /tmp/claimed): the plugin that follows it, when it ends it; or the
// sandbox itself, when it ends by itself after the linger (nobody
// followed it), or a remote cancel ended it: sealScript then writes its
// usage record to chunks/NAME.exit, for the next Execute to record
// (stage.go). The plugin's claim leaves a record there too (claimScript),
// in case the plugin dies before its own reaches the host. Its volume
// writes are committed when it ends.
const chunkScript = `W=$1 D=$2 C=$3 P=$4 L=$5
( sleep 300; kill $$ ) & watchdog=$!
read -r SB NRUNS || exit 72
cat > chunk.json || exit 72
kill $watchdog 2>/dev/null
mkdir -p "$D/chunks" "$D/runs" || exit 70
if [ ! -x "$W" ]; then echo '{"bilancio_chunk":"no_worker"}'; exit 71; fi
cp chunk.json "$D/chunks/$C.json"
start=$(date +%s.%N)
rec="\"sandbox\":\"$SB\",\"runs\":$NRUNS,\"start\":$start"
echo "$D/chunks/$C.exit" > recpath
echo "$rec,\"code\":-1" > rec
echo "{$rec}" > "$D/chunks/$C.start"
echo '{"bilancio_chunk":"started"}'
GOMAXPROCS=$P "$W" worker -manifest chunk.json -out "$D/runs" -archive -parallel "$P" -usage use.json
code=$?
end=$(date +%s.%N)
use=
{ read -r use < use.json; } 2>/dev/null
[ -n "$use" ] || use=null
echo "$rec,\"code\":$code,\"use\":$use" > rec
echo "{$rec,\"code\":$code,\"end\":$end,\"use\":$use}" > "$D/chunks/$C.end"
echo "{\"bilancio_chunk\":\"exit\",\"code\":$code,\"start\":$start,\"end\":$end,\"use\":$use}"
n=0
while { read -r lim < linger || lim=$L; } 2>/dev/null; [ "$n" -lt "$lim" ]; do sleep $((lim-n)); n=$lim; done
sh -c "$6"
exit $code`

// sealScript claims a chunk sandbox's usage for the sandbox itself and
// writes its usage record (chunks/NAME.exit) as of now; it exits 1 when
// the sandbox was claimed already. It runs in /tmp, as the chunk script's
// last step or in an exec of a remote cancel (the sandbox's working
// folder is /tmp; the paths are relative, so that the emulator's mapped
// runtime needs no translation inside a shell string).
const sealScript = `[ -f recpath ] && mkdir claimed 2>/dev/null || exit 1
printf '{%s,"end":%s}\n' "$(cat rec)" "$(date +%s.%N)" > "$(cat recpath)"`

// claimScript claims a chunk sandbox's usage for the plugin that follows
// it; it exits 1 when the sandbox claimed it already (it runs in /tmp).
// It also leaves the sandbox's usage record in the volume, as of $1 (the
// plugin's clock): the plugin's own record reaches the host with a later
// event, and a host killed meanwhile (SIGKILL takes the plugin with it)
// would lose it; the next Execute reports the volume's record instead
// (recordDetachedUsage), and usage.csv keeps one row per sandbox (the
// first reported).
const claimScript = `mkdir claimed 2>/dev/null || exit 1
[ -f recpath ] || exit 0
read -r r < rec; read -r p < recpath; printf '{%s,"end":%s}\n' "$r" "$1" > "$p"`

// Exit codes of the chunk script's own failures.
const (
	exitNoFolder   = 70
	exitNoWorker   = 71
	exitNoManifest = 72
)

// chunkLine is a line of a chunk's stdout that is not a run event: the
// script's word on the chunk.
type chunkLine struct {
	State string     `json:"bilancio_chunk"`
	Code  int        `json:"code"`
	Start float64    `json:"start"`
	Use   *workerUse `json:"use"`
}

// chunkExit is a chunk's record in the volume: its worker's end
// (chunks/NAME.end) or its usage record (chunks/NAME.exit, with the
// sandbox's end; code -1 when its worker had not ended).
type chunkExit struct {
	Sandbox string     `json:"sandbox"`
	Runs    int        `json:"runs"`
	Code    int        `json:"code"`
	Start   float64    `json:"start"`
	End     float64    `json:"end"`
	Use     *workerUse `json:"use"`
}

// chunk is a set of runs executed by one sandbox.
type chunk struct {
	name    string
	runs    []sdk.RunSpec
	attempt int
}

// ids returns the chunk's run ids.
func (c *chunk) ids() []string {
	ids := make([]string, len(c.runs))
	for i, r := range c.runs {
		ids[i] = r.RunID
	}
	return ids
}

// chunkName names a chunk uniquely within an experiment: its index, its
// attempt and a random suffix (a resubmission never overwrites the
// records of an earlier one).
func chunkName(index, attempt int) string {
	return fmt.Sprintf("chunk-%04d-a%d-%s", index, attempt, randomSuffix())
}

// live is a chunk sandbox this process follows: one it started, or one it
// found running (re-attached).
type live struct {
	*box
	chunk *chunk
	// expDir is the experiment's folder in the volume.
	expDir string
	// workerDone: the sandbox said its worker is done (it lingers).
	workerDone atomic.Bool
}

// errNoRuns: a chunk has no run left to execute (staging collected them
// all from the volume).
var errNoRuns = errors.New("no run left to execute")

// startChunk creates a chunk's sandbox and hands it its manifest: the
// sandbox starts the worker on its own. Creation errors come back as the
// SDK gives them, for classify.
//
// A sandbox created while the batch is being staged (the first chunks:
// their cold starts overlap the staging sandbox's) is a spare until then:
// tagged as one, with no manifest. Once staging is done, it gets the
// chunk's runs that staging did not collect (none: it is ended, errNoRuns),
// its volumes reloaded when staging uploaded the worker (a sandbox sees
// the volume as of its mount, or its last reload: modal.com/docs/guide/volumes),
// its chunk tags, then its manifest. So no worker starts before the worker
// is committed in the volume, and no run collected from the volume runs
// again.
func (b *batchRun) startChunk(ctx context.Context, c *chunk, detached bool) (*live, error) {
	s, cfg := b.sess, b.sess.cfg
	expDir := path.Join(mountPath, b.batch.ExperimentID)
	linger := int(cfg.Linger)
	if detached {
		linger = 0
	}
	spare := !b.staging.ready()
	if !spare {
		if c.runs = b.openSpecs(c); len(c.runs) == 0 {
			return nil, errNoRuns
		}
	}
	// Every run may take the timeout; the worker runs parallelRuns at once.
	waves := (len(c.runs) + cfg.parallelRuns() - 1) / cfg.parallelRuns()
	timeout := time.Duration(cfg.Timeout)*time.Second*time.Duration(waves) + sandboxMargin + time.Duration(linger)*time.Second
	tags := func() map[string]string {
		return map[string]string{tagKind: kindChunk, tagExperiment: b.batch.ExperimentID, tagChunk: c.name, tagRuns: strconv.Itoa(len(c.runs))}
	}
	t := tags()
	if spare {
		t = map[string]string{tagKind: kindSpare, tagExperiment: b.batch.ExperimentID}
	}
	params := s.sandboxParams(timeout, t, false)
	params.Command = []string{"sh", "-c", chunkScript, "sh",
		stagedWorker(b.batch.Worker.SHA256), expDir, c.name, strconv.Itoa(cfg.parallelRuns()), strconv.Itoa(linger), sealScript}
	params.Workdir = "/tmp"
	purpose := purposeRuns
	if spare {
		purpose = purposeSpare
	}
	x, err := s.create(ctx, params, purpose, len(c.runs), b.addUsage)
	if err != nil {
		return nil, err
	}
	if spare {
		if err := b.enlist(ctx, x, c, tags); err != nil {
			x.runs = 0
			x.terminate()
			return nil, err
		}
	}
	m, err := json.Marshal(sdk.WorkerManifest{Version: sdk.WorkerManifestVersion, ExperimentID: b.batch.ExperimentID, Parallel: cfg.parallelRuns(), Runs: c.runs, Executor: Name})
	if err != nil {
		x.terminate()
		return nil, err
	}
	if err := handOver(x, append(fmt.Appendf(nil, "%s %d\n", x.SandboxID, len(c.runs)), m...)); err != nil {
		x.terminate()
		return nil, &handOverError{fmt.Errorf("handing the manifest to sandbox %s: %w", x.SandboxID, err)}
	}
	return &live{box: x, chunk: c, expDir: expDir}, nil
}

// enlist makes a spare sandbox the chunk's, once staging is done: its
// runs are those staging left, its volumes are reloaded when staging
// uploaded the worker, and it gets the chunk's tags.
//
// When Modal has no place for the staging sandbox meanwhile, a spare gives
// its place up (errYield): with every place taken by spares waiting for
// staging, staging would wait for a place until their watchdog ended them.
func (b *batchRun) enlist(ctx context.Context, x *box, c *chunk, tags func() map[string]string) error {
	if err := b.awaitStaging(ctx, true); err != nil {
		return err
	}
	if c.runs = b.openSpecs(c); len(c.runs) == 0 {
		return errNoRuns
	}
	if b.staging.uploaded {
		if err := x.ReloadVolumes(ctx, nil); err != nil {
			return &handOverError{fmt.Errorf("reloading the volume in sandbox %s: %w", x.SandboxID, err)}
		}
	}
	if err := x.SetTags(ctx, tags(), nil); err != nil {
		return &handOverError{fmt.Errorf("tagging sandbox %s: %w", x.SandboxID, err)}
	}
	x.purpose, x.runs = purposeRuns, len(c.runs)
	return nil
}

// errYield: a spare gave its place up for the staging sandbox, which
// Modal had no place for (enlist); its chunk is created again once staging
// is done.
var errYield = errors.New("a spare sandbox gave its place up for staging")

// awaitStaging waits until staging is done: errStaging when it failed, the
// batch's stop or ctx's error when they come first, and errYield when
// yield and Modal had no place for the staging sandbox before it was done.
func (b *batchRun) awaitStaging(ctx context.Context, yield bool) error {
	starved := b.staging.starved
	if !yield {
		starved = nil
	}
	select {
	case <-b.staging.done:
	case <-starved:
		if !b.staging.ready() {
			return errYield
		}
	case <-ctx.Done():
		return ctx.Err()
	case <-b.haltedChan():
		return b.stopped()
	}
	if b.staging.err != nil {
		return errStaging
	}
	return nil
}

// openSpecs returns the runs of a chunk without a terminal event.
func (b *batchRun) openSpecs(c *chunk) []sdk.RunSpec {
	var runs []sdk.RunSpec
	for _, r := range c.runs {
		if !b.guard.Ended(r.RunID) {
			runs = append(runs, r)
		}
	}
	return runs
}

// handOverTimeout bounds the writing of a chunk's manifest to its sandbox.
const handOverTimeout = time.Minute

// handOver writes data to the sandbox's stdin and closes it, within
// handOverTimeout (the SDK's stdin calls take no context).
func handOver(x *box, data []byte) error {
	done := make(chan error, 1)
	go func() {
		_, err := x.Stdin.Write(data)
		if err == nil {
			err = x.Stdin.Close()
		}
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(handOverTimeout):
		return fmt.Errorf("no answer in %s", handOverTimeout)
	}
}

// handOverError is a sandbox that could not be given its manifest: an
// infrastructure failure, worth another sandbox.
type handOverError struct{ err error }

func (e *handOverError) Error() string { return e.err.Error() }
func (e *handOverError) Unwrap() error { return e.err }

// outcome is how following a chunk ended.
type outcome struct {
	// left are the chunk's runs that got no terminal event.
	left []string
	// reason says why they were left, for their failed events.
	reason string
	// noWorker: the sandbox found no worker in the volume.
	noWorker bool
	// undownloaded are runs the worker reported completed whose folder
	// could not be downloaded from the sandbox (it ended first): they may
	// be in the volume.
	undownloaded []string
}

// follow reports a live chunk's runs as its worker ends them: each line of
// the worker's stdout names a run; completed runs are downloaded from the
// live sandbox in groups (one tar stream per group, while the next group
// gathers) and verified, then reported. When the worker is done the
// sandbox is terminated, with its usage recorded. Runs it left without an
// event come back in the outcome, with the reason.
//
// done are runs of the chunk already finished in the sandbox (found when
// re-attaching); they are collected first.
func (b *batchRun) follow(ctx context.Context, l *live, done []string) outcome {
	for _, r := range l.chunk.runs {
		b.send(sdk.RunEvent{RunID: r.RunID, Type: sdk.EventStarted, Attempt: l.chunk.attempt})
	}
	events := make(chan sdk.RunEvent, maxGroup)
	lines := make(chan chunkLine, 4)
	var readErr error
	go func() {
		defer close(events)
		defer l.Stdout.Close()
		sc := bufio.NewScanner(l.Stdout)
		sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
		for sc.Scan() {
			var cl chunkLine
			if json.Unmarshal(sc.Bytes(), &cl) == nil && cl.State != "" {
				lines <- cl
				if cl.State == "exit" || cl.State == "no_worker" {
					return
				}
				continue
			}
			var ev sdk.RunEvent
			if err := json.Unmarshal(sc.Bytes(), &ev); err != nil || !inChunk(l.chunk, ev.RunID) || !ev.Type.Terminal() {
				b.exec.logger.Warn("unexpected worker output", "sandbox", l.SandboxID, "line", truncate(sc.Text(), 200))
				continue
			}
			events <- ev
		}
		readErr = sc.Err()
	}()
	var exit *chunkLine
	noWorker := false
	pending := slices.Clone(done)
	var undownloaded []string
	report := func(group []sdk.RunEvent) {
		for _, ev := range b.report(ctx, l, group) {
			if ev.Type == "" {
				undownloaded = append(undownloaded, ev.RunID)
				continue
			}
			if ev.Type == sdk.EventCompleted {
				b.sendCompleted(ev)
			} else {
				b.send(ev)
			}
		}
	}
	if len(pending) > 0 {
		var group []sdk.RunEvent
		for _, id := range pending {
			group = append(group, sdk.RunEvent{RunID: id, Type: sdk.EventCompleted})
		}
		report(group)
	}
	// A sandbox in which no run ends for longer than a run may take is
	// hung (its worker or its machine): a watchdog ends it (which also ends
	// a download stuck in it), and its runs are retried.
	quiet := hangAfter(b.sess.cfg)
	progress := make(chan struct{}, 1)
	alive := func() {
		select {
		case progress <- struct{}{}:
		default:
		}
	}
	var hung atomic.Bool
	stopWatch := make(chan struct{})
	defer close(stopWatch)
	go func() {
		t := time.NewTimer(quiet)
		defer t.Stop()
		for {
			select {
			case <-progress:
				t.Reset(quiet)
			case <-t.C:
				hung.Store(true)
				b.exec.logger.Warn("no run ended in the sandbox for too long; ending it", "sandbox", l.SandboxID, "quiet", quiet)
				l.terminate()
				return
			case <-stopWatch:
				return
			}
		}
	}()
loop:
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				break loop
			}
			alive()
			group := []sdk.RunEvent{ev}
		more:
			for len(group) < maxGroup {
				select {
				case e, ok := <-events:
					if !ok {
						break more
					}
					group = append(group, e)
				default:
					break more
				}
			}
			report(group)
			alive()
		case cl := <-lines:
			alive()
			switch cl.State {
			case "no_worker":
				noWorker = true
			case "exit":
				exit = &cl
				l.workerDone.Store(true)
			}
		case <-ctx.Done():
			// Following stops; the sandbox goes on (only Cancel stops it).
			return outcome{left: b.open(l.chunk), reason: "cancelled"}
		}
	}
	// The reader sent its last lines before it closed events.
drain:
	for {
		select {
		case cl := <-lines:
			switch cl.State {
			case "exit":
				exit = &cl
			case "no_worker":
				noWorker = true
			}
		default:
			break drain
		}
	}
	var reason string
	switch {
	case hung.Load():
		reason = fmt.Sprintf("sandbox %s hung: no run ended in it for %s", l.SandboxID, quiet)
	case noWorker:
		l.terminate()
		return outcome{left: b.open(l.chunk), noWorker: true,
			reason: fmt.Sprintf("sandbox %s found no worker at %s in the volume (staging did not reach it)", l.SandboxID, stagedWorker(b.batch.Worker.SHA256))}
	case exit != nil:
		if l.attached && exit.Start > 0 {
			// Found running: its life is timed from its worker's start.
			l.start = unixTime(exit.Start)
		}
		// Its usage is this process's to record unless the sandbox claimed
		// it (it ended by itself after lingering, and wrote its record to
		// the volume); when it cannot be asked, unless it ended by itself
		// (not killed: exit code other than 137).
		mine, err := l.claim(ctx)
		l.terminateRecording(func(code int) bool { return mine || err != nil && (code == 137 || code < 0) })
		b.recordUse(l, exit.Use)
		reason = fmt.Sprintf("the worker in sandbox %s exited with code %d without reporting the run", l.SandboxID, exit.Code)
	default:
		// The sandbox ended before its worker did: it died, timed out, was
		// preempted or terminated.
		code, err := l.Wait(context.WithoutCancel(ctx), nil)
		l.finish(code, time.Now())
		reason = describeEnd(l.SandboxID, code, err, readErr)
	}
	return outcome{left: b.open(l.chunk), reason: reason, undownloaded: undownloaded}
}

// hangAfter is how long a sandbox may go without any run ending before it
// counts as hung: a run's timeout, plus half of it (at least 5 s) for the
// sandbox's own delays.
func hangAfter(cfg *Config) time.Duration {
	t := time.Duration(cfg.Timeout * float64(time.Second))
	return t + max(5*time.Second, t/2)
}

// describeEnd says why a sandbox ended before its worker was done.
func describeEnd(id string, code int, waitErr, readErr error) string {
	switch {
	case waitErr != nil:
		return fmt.Sprintf("lost sandbox %s: %v", id, waitErr)
	case code == 124:
		return fmt.Sprintf("sandbox %s timed out (exit code 124)", id)
	case code == 137:
		return fmt.Sprintf("sandbox %s was terminated or killed (exit code 137)", id)
	case code == exitNoManifest:
		return fmt.Sprintf("sandbox %s never received its manifest", id)
	case readErr != nil:
		return fmt.Sprintf("sandbox %s ended (exit code %d) and its output broke off: %v", id, code, readErr)
	}
	return fmt.Sprintf("sandbox %s ended with exit code %d before its worker was done", id, code)
}

// recordUse prices the chunk's sandbox again with the worker's measured
// use, now that it is known (its usage record was queued at terminate).
func (b *batchRun) recordUse(l *live, use *workerUse) {
	if use == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for i := range b.usage {
		if u := &b.usage[i]; u.ID == l.SandboxID {
			if c, err := b.sess.rates.cost(b.sess.cfg, u.End.Sub(u.Start).Seconds(), use); err == nil {
				b.spent += c - u.Cost
				u.Cost = c
			}
		}
	}
}

// report turns terminal events printed by the worker into the events to
// send: the completed runs are downloaded together (one tar exec) to
// Batch.OutRoot/<run_id> and checked first, and a run whose download fails
// is reported failed (an infrastructure failure: it may be retried).
func (b *batchRun) report(ctx context.Context, l *live, evs []sdk.RunEvent) []sdk.RunEvent {
	now := time.Now()
	var completed []string
	for i := range evs {
		ev := &evs[i]
		ev.Attempt, ev.Time, ev.Usage = l.chunk.attempt, now, nil
		switch ev.Type {
		case sdk.EventCompleted:
			if b.guard.Ended(ev.RunID) {
				// Cancelled meanwhile: not downloaded, not reported.
				ev.Type = sdk.EventCancelled
				continue
			}
			completed = append(completed, ev.RunID)
		default:
			ev.Type = sdk.EventFailed
		}
	}
	if len(completed) == 0 {
		return evs
	}
	// The worker writes each run as an archive (chunkScript). (A sandbox
	// re-attached from an earlier version wrote folders: its downloads
	// fail, and the runs are collected from the volume: retry.)
	sealed, errs := downloadRuns(ctx, l.Sandbox, path.Join(l.expDir, "runs"), completed, b.batch.OutRoot, true)
	for i := range evs {
		ev := &evs[i]
		if ev.Type != sdk.EventCompleted {
			continue
		}
		if err := errs[ev.RunID]; err != nil {
			// Not reported: the run is left to be collected from the
			// volume, or run again (follow's outcome).
			b.exec.logger.Warn("downloading a completed run", "run", ev.RunID, "sandbox", l.SandboxID, "error", err)
			ev.Type = ""
			continue
		}
		ev.Result = resultOf(ev.RunID, sealed[ev.RunID])
		b.observe(ev.Result.DurationMS)
	}
	return evs
}

// inChunk reports whether a run id belongs to the chunk.
func inChunk(c *chunk, id string) bool {
	return slices.ContainsFunc(c.runs, func(r sdk.RunSpec) bool { return r.RunID == id })
}

// truncate shortens s to at most n bytes for a log line.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
