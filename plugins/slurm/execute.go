package slurm

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bilancio-go/bilancio/sdk"
	"github.com/bilancio-go/bilancio/sdk/runfolder"
)

// Timings of a batch in flight.
const (
	// stopWait bounds the wait, after a scancel, for the cancelled tasks to
	// stop before their last events are read.
	stopWait = 500 * time.Millisecond
	// stopPoll is how often squeue is asked meanwhile.
	stopPoll = 150 * time.Millisecond
	// squeueGiveUp is how long squeue may fail in a row before the batch
	// gives up on Slurm.
	squeueGiveUp = 10 * time.Minute
	// cleanupTimeout bounds the scancel of a cancelled batch (its context is
	// already done).
	cleanupTimeout = 10 * time.Second
	// maxArrayTasks is the most tasks of one array (Slurm's default
	// MaxArraySize is 1001, for indexes 0..1000).
	maxArrayTasks = 1000
	// missingPolls is how many polls in a row a task seen before may be
	// absent from squeue before it counts as gone (a pending task that is
	// cancelled leaves no record), and notSeenPolls the same for a task
	// never seen.
	missingPolls, notSeenPolls = 2, 3
)

// Execute implements sdk.Executor: it submits the batch's runs as a job
// array (after following the live tasks that already hold some of them and
// reporting the runs already complete) and reports each run from the
// task's event file and squeue until every run has ended.
func (e *Executor) Execute(ctx context.Context, b *sdk.Batch, emit func(sdk.RunEvent) error) error {
	cfg, err := e.config()
	if err != nil {
		return err
	}
	if err := checkBatch(b); err != nil {
		return fmt.Errorf("invalid batch: %w", err)
	}
	if len(b.Runs) == 0 {
		return nil
	}
	binary := cfg.Binary
	if binary == "" {
		if b.Worker == nil || b.Worker.Path == "" {
			return errors.New("the slurm executor needs the bilancio binary the compute nodes run: the batch names none, and bilancio_binary is not set")
		}
		binary = b.Worker.Path
	}
	if st, err := os.Stat(binary); err != nil || st.IsDir() || st.Mode().Perm()&0o111 == 0 {
		return fmt.Errorf("the bilancio binary %s (%s) is not an executable file on this machine: the compute nodes run it from the shared file system, so it must be there", binary, binarySource(cfg))
	}
	outRoot, err := filepath.Abs(b.OutRoot)
	if err != nil {
		return fmt.Errorf("invalid batch: %w", err)
	}
	br := &batchRun{
		e: e, cfg: cfg, batch: b, emitFn: emit, binary: binary, outRoot: outRoot,
		root:    scratchRoot(cfg, b.ExperimentID, outRoot),
		jobName: JobName(b.ExperimentID),
		runs:    make(map[string]*runState, len(b.Runs)),
		wake:    make(chan struct{}, 1),
	}
	for i := range b.Runs {
		br.runs[b.Runs[i].RunID] = &runState{spec: &b.Runs[i]}
	}
	if br.guard, err = sdk.NewRunGuard(b); err != nil {
		return fmt.Errorf("invalid batch: %w", err)
	}
	defer e.track(br)()
	return br.execute(ctx)
}

// binarySource says where the bilancio binary's path came from.
func binarySource(cfg *Config) string {
	if cfg.Binary != "" {
		return attrBinary
	}
	return "the bilancio running the sweep; set " + attrBinary + " to run another"
}

// checkBatch checks the batch's experiment id and run ids, which become
// names of jobs and folders.
func checkBatch(b *sdk.Batch) error {
	if err := sdk.ValidateBatch(b); err != nil {
		return err
	}
	// The experiment id names the jobs (squeue --name takes a
	// comma-separated list) and appears in the job script's comment.
	if b.ExperimentID == "" || strings.ContainsAny(b.ExperimentID, ", \t\r\n'\"$`") {
		return fmt.Errorf("experiment id %q cannot name Slurm jobs: it must be a plain name without spaces, commas or quotes", b.ExperimentID)
	}
	return nil
}

// batchRun is one Execute in flight. Its state belongs to the goroutine of
// Execute; Cancel only queues requests (cancelMu) and wakes it.
type batchRun struct {
	e       *Executor
	cfg     *Config
	batch   *sdk.Batch
	emitFn  func(sdk.RunEvent) error
	binary  string
	outRoot string
	root    string
	jobName string

	runs map[string]*runState
	// guard lets through each run's events up to its terminal one.
	guard *sdk.RunGuard
	tasks []*task
	// emitErr is the first error of emitFn: it aborts the batch.
	emitErr error
	// squeueFailing is when squeue started failing (zero: it works).
	squeueFailing time.Time

	cancelMu sync.Mutex
	// cancelReqs are the run ids Cancel asked for (an empty list: all).
	cancelReqs [][]string
	wake       chan struct{}
}

// runState is where a run of the batch stands.
type runState struct {
	spec    *sdk.RunSpec
	task    *task
	started bool
	// cancelled: Cancel asked for it.
	cancelled bool
}

// task is an array task that holds runs of the batch.
type task struct {
	sub      *submission
	index    int
	arrayJob string
	// runs are the ids of the batch's runs the task holds.
	runs []string
	tail tailer
	// state is squeue's last word on the task (nil before the first).
	state *TaskState
	// seen: squeue listed it at least once; missing counts the polls in a
	// row that did not.
	seen    bool
	missing int
	// done: nothing more is expected from it.
	done bool
	// scancelled: this batch cancelled it.
	scancelled bool
	adopted    bool
}

func (t *task) id() string { return t.arrayJob + "_" + strconv.Itoa(t.index) }

// execute is Execute once the batch is checked.
func (br *batchRun) execute(ctx context.Context) error {
	for _, r := range br.batch.Runs {
		br.send(sdk.RunEvent{RunID: r.RunID, Type: sdk.EventQueued})
	}
	if err := br.adopt(ctx); err != nil {
		return err
	}
	br.collectComplete()
	if err := br.submit(ctx); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return err
	}
	if br.batch.Detach {
		// Every run is complete or held by a task: the work goes on
		// without bilancio, to be followed by a later Execute.
		for _, r := range br.batch.Runs {
			if t := br.runs[r.RunID].task; t != nil {
				br.send(sdk.RunEvent{RunID: r.RunID, Type: sdk.EventDetached, Message: "held by Slurm job " + t.id()})
			}
		}
		return br.emitErr
	}
	return br.watch(ctx)
}

// send emits ev (stamped with the time) and records it for Status; the
// guard drops the events of a run after its terminal one. A terminal event
// of a run never reported started is preceded by its started event. Nothing
// is emitted after emitFn failed.
func (br *batchRun) send(ev sdk.RunEvent) {
	rs := br.runs[ev.RunID]
	if rs == nil || br.guard.Ended(ev.RunID) {
		return
	}
	if ev.Time.IsZero() {
		ev.Time = time.Now()
	}
	if ev.Attempt == 0 {
		ev.Attempt = 1
	}
	if ev.Type.Terminal() && ev.Type != sdk.EventCancelled && !rs.started {
		br.send(sdk.RunEvent{RunID: ev.RunID, Type: sdk.EventStarted, Time: ev.Time})
	}
	if !br.guard.Admit(ev) {
		return
	}
	if ev.Type == sdk.EventStarted {
		rs.started = true
	}
	br.e.status.Record(br.batch.ExperimentID, ev)
	if br.emitErr == nil {
		if err := br.emitFn(ev); err != nil {
			br.emitErr = fmt.Errorf("reporting run events: %w", err)
		}
	}
}

// runEnded reports whether a run has had its terminal event.
func (br *batchRun) runEnded(id string) bool { return br.guard.Ended(id) }

// adopt finds the live array tasks of the experiment (in this scratch
// root, writing into this output folder) that hold runs of the batch, left
// by an earlier bilancio that is gone: the batch follows them instead of
// submitting their runs again.
func (br *batchRun) adopt(ctx context.Context) error {
	tasks, err := br.e.remoteTasks(ctx, br.batch.ExperimentID, br.root)
	if err != nil {
		return fmt.Errorf("asking Slurm about the experiment's jobs: %w", err)
	}
	for _, rt := range tasks {
		if !rt.Live() || rt.sub.OutRoot != br.outRoot {
			continue
		}
		st := rt.TaskState
		t := &task{sub: rt.sub, index: st.Index, arrayJob: st.ArrayJobID, seen: true, adopted: true, state: &st}
		t.tail.path = rt.sub.eventsFile(st.Index)
		for _, id := range rt.runs {
			if rs := br.runs[id]; rs != nil && rs.task == nil {
				rs.task = t
				t.runs = append(t.runs, id)
			}
		}
		if len(t.runs) > 0 {
			br.tasks = append(br.tasks, t)
			br.e.logger.Info("following a live task of an earlier submission", "job", t.id(), "state", st.State, "runs", len(t.runs))
		}
	}
	return nil
}

// collectComplete reports completed the runs no live task holds whose
// folder is complete already: in the output folder, or in the submission of
// a task that finished while no bilancio was following it (collected now).
func (br *batchRun) collectComplete() {
	x := br.e.index(br.root)
	for _, r := range br.batch.Runs {
		rs := br.runs[r.RunID]
		if rs.task != nil || br.runEnded(r.RunID) {
			continue
		}
		if sealed, err := runfolder.Check(filepath.Join(br.outRoot, r.RunID), "", ""); err == nil {
			br.send(sdk.RunEvent{RunID: r.RunID, Type: sdk.EventCompleted, Result: resultOf(r.RunID, sealed)})
			continue
		}
		dirs := x.lookup(br.root, r.RunID)
		for i := len(dirs) - 1; i >= 0; i-- {
			sub, err := readSubmission(dirs[i])
			if err != nil || sub.OutRoot != br.outRoot {
				continue
			}
			if res, err := br.collect(sub, r.RunID, "", ""); err == nil {
				br.send(sdk.RunEvent{RunID: r.RunID, Type: sdk.EventCompleted, Result: res})
				break
			}
		}
	}
}

// submit submits the runs no task holds as one job array: chunks of at
// most runs_per_task runs (fewer when the batch is small, so that every
// task allowed at once has work), at most parallel / cpus_per_task tasks
// running at once.
func (br *batchRun) submit(ctx context.Context) error {
	var todo []sdk.RunSpec
	for _, r := range br.batch.Runs {
		if rs := br.runs[r.RunID]; rs.task == nil && !br.runEnded(r.RunID) {
			todo = append(todo, r)
		}
	}
	if len(todo) == 0 {
		return nil
	}
	parallel := br.batch.Parallel
	if parallel == 0 {
		parallel = defaultParallel
	}
	throttle := max(1, parallel/int(br.cfg.CPUsPerTask))
	size := min(int(br.cfg.RunsPerTask), ceilDiv(len(todo), throttle))
	size = max(size, ceilDiv(len(todo), maxArrayTasks))
	var chunks [][]sdk.RunSpec
	for len(todo) > 0 {
		n := min(size, len(todo))
		chunks = append(chunks, todo[:n])
		todo = todo[n:]
	}
	now := time.Now()
	dir, err := newSubmissionDir(br.root, now)
	if err != nil {
		return err
	}
	sub := &submission{
		Version: submissionVersion, ExperimentID: br.batch.ExperimentID, OutRoot: br.outRoot,
		Created: now.UTC(), JobName: br.jobName, dir: dir,
	}
	if err := writeSubmission(sub, chunks, jobScript(br.cfg, sub, br.binary)); err != nil {
		os.RemoveAll(dir)
		return fmt.Errorf("preparing the Slurm jobs: %w", err)
	}
	jobID, err := br.e.slurm.sbatch(ctx, filepath.Join(dir, scriptFile), sbatchArgs(sub, len(chunks), throttle)...)
	if err != nil {
		if ctx.Err() == nil {
			os.RemoveAll(dir)
		}
		return fmt.Errorf("submitting %d runs to Slurm: %w", countRuns(chunks), err)
	}
	br.e.index(br.root).add(sub)
	br.e.logger.Info("submitted a job array", "job", jobID, "tasks", len(chunks), "runs_per_task", size, "at_once", throttle, "dir", dir)
	for i, chunk := range chunks {
		t := &task{sub: sub, index: i, arrayJob: jobID}
		t.tail.path = sub.eventsFile(i)
		for _, r := range chunk {
			br.runs[r.RunID].task = t
			t.runs = append(t.runs, r.RunID)
		}
		br.tasks = append(br.tasks, t)
	}
	return nil
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

func countRuns(chunks [][]sdk.RunSpec) int {
	n := 0
	for _, c := range chunks {
		n += len(c)
	}
	return n
}

// watch follows the tasks until every run of the batch has ended: their
// event files every tail interval, squeue every poll interval.
func (br *batchRun) watch(ctx context.Context) error {
	poll := time.Duration(br.cfg.PollInterval * float64(time.Second))
	tailEvery := min(max(poll/5, 100*time.Millisecond), time.Second)
	tick := time.NewTicker(tailEvery)
	defer tick.Stop()
	// The first look at the queue comes soon: a short task may be over
	// before the first poll interval.
	nextPoll := time.Now().Add(min(poll, time.Second))
	for br.guard.Left() > 0 && br.emitErr == nil {
		select {
		case <-ctx.Done():
			// The end of the call only stops the following: the jobs run
			// on (Cancel stops them), whether bilancio was interrupted
			// (its client sends Cancel first) or killed.
			return ctx.Err()
		case <-br.wake:
			br.handleCancels()
		case <-tick.C:
		}
		br.readAll()
		if now := time.Now(); !now.Before(nextPoll) && br.guard.Left() > 0 {
			if err := br.poll(ctx); err != nil {
				return err
			}
			nextPoll = time.Now().Add(poll)
		}
	}
	if br.emitErr == nil && ctx.Err() != nil {
		// The batch ended (a Cancel came with the context's end) but
		// Execute's context is done all the same.
		return ctx.Err()
	}
	return br.emitErr
}

// readAll reads the new events of every task that may have some.
func (br *batchRun) readAll() {
	for _, t := range br.tasks {
		if !t.done && (t.state == nil || t.state.Running() || !t.state.Live()) {
			br.read(t)
		}
	}
}

// read reads a task's new events and reports its runs.
func (br *batchRun) read(t *task) {
	events, bad, err := t.tail.read()
	if err != nil {
		br.e.logger.Warn("cannot read a task's events", "job", t.id(), "file", t.tail.path, "error", err)
		return
	}
	for _, line := range bad {
		br.e.logger.Warn("a line of a task's event file is not a run event", "job", t.id(), "line", line)
	}
	for _, ev := range events {
		rs := br.runs[ev.RunID]
		if rs == nil || br.runEnded(ev.RunID) {
			continue
		}
		switch ev.Type {
		case sdk.EventCompleted:
			var want, fp string
			if ev.Result != nil {
				want, fp = ev.Result.ManifestSHA256, ev.Result.Fingerprint
			}
			res, err := br.collect(t.sub, ev.RunID, want, fp)
			if err != nil {
				br.send(sdk.RunEvent{RunID: ev.RunID, Type: sdk.EventFailed, Failure: sdk.FailureInfrastructure,
					Message: fmt.Sprintf("Slurm job %s reported the run completed, but its folder does not verify: %v", t.id(), err)})
				continue
			}
			if ev.Result != nil && ev.Result.DurationMS > 0 {
				res.DurationMS = ev.Result.DurationMS
			}
			br.send(sdk.RunEvent{RunID: ev.RunID, Type: sdk.EventCompleted, Time: ev.Time, Result: res})
		case sdk.EventFailed:
			br.send(sdk.RunEvent{RunID: ev.RunID, Type: sdk.EventFailed, Time: ev.Time, Message: ev.Message, Failure: ev.Failure})
		}
	}
	if br.taskOpen(t) == 0 {
		t.done = true
	}
}

// taskOpen counts the task's runs that have not ended.
func (br *batchRun) taskOpen(t *task) int {
	n := 0
	for _, id := range t.runs {
		if rs := br.runs[id]; !br.runEnded(id) && rs.task == t {
			n++
		}
	}
	return n
}

// poll asks squeue how the tasks stand: a task seen running has its runs
// reported started; a task that ended (or that Slurm no longer knows) has
// its last events read and its unreported runs failed with Slurm's reason.
func (br *batchRun) poll(ctx context.Context) error {
	states, err := br.e.slurm.squeue(ctx, br.jobName)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		if br.squeueFailing.IsZero() {
			br.squeueFailing = time.Now()
		}
		if time.Since(br.squeueFailing) > squeueGiveUp {
			return fmt.Errorf("following the Slurm jobs: squeue has failed for %v: %w", squeueGiveUp, err)
		}
		br.e.logger.Warn("squeue failed; trying again at the next poll", "error", err)
		return nil
	}
	br.squeueFailing = time.Time{}
	// Cancel queues its runs before it scancels their jobs: the requests
	// queued by now are carried out before the states are read, so that a
	// task a Cancel ended is not taken for a failed one.
	br.handleCancels()
	byID := make(map[string]*TaskState, len(states))
	for i := range states {
		byID[states[i].ID] = &states[i]
	}
	for _, t := range br.tasks {
		if t.done {
			continue
		}
		st := byID[t.id()]
		if st == nil {
			t.missing++
			if (t.seen && t.missing >= missingPolls) || (!t.seen && t.missing >= notSeenPolls) {
				br.ended(t, fmt.Sprintf("Slurm job %s is no longer known to Slurm (cancelled while pending, or ended more than MinJobAge ago)", t.id()))
			}
			continue
		}
		t.seen, t.missing, t.state = true, 0, st
		if st.Running() {
			for _, id := range t.runs {
				if rs := br.runs[id]; !rs.started && !br.runEnded(id) && rs.task == t {
					br.send(sdk.RunEvent{RunID: id, Type: sdk.EventStarted, Message: "Slurm job " + t.id() + " is running"})
				}
			}
		}
		if !st.Live() {
			br.ended(t, fmt.Sprintf("Slurm job %s ended %s", t.id(), st.Describe()))
		}
	}
	return nil
}

// ended handles a task that will report nothing more: its last events are
// read, and its runs still unreported fail with why.
func (br *batchRun) ended(t *task, why string) {
	br.read(t)
	t.done = true
	if br.taskOpen(t) == 0 {
		return
	}
	if (t.state == nil || t.state.State != stateCompleted) && t.sub.cancelled() {
		// `sweep cancel` (a Cancel of the experiment, maybe from another
		// process) stopped the task: its runs are cancelled, not failed.
		for _, id := range t.runs {
			if rs := br.runs[id]; !br.runEnded(id) && rs.task == t {
				br.send(sdk.RunEvent{RunID: id, Type: sdk.EventCancelled, Message: why + " after a cancellation of the experiment (sweep cancel)"})
			}
		}
		return
	}
	msg := why + ", before this run finished"
	if t.state != nil && t.state.State == stateCompleted {
		msg = why + ", but its worker did not report this run"
	}
	if tail := logTail(t.sub.logFile(t.index), 3); tail != "" {
		msg += "; its log " + t.sub.logFile(t.index) + " ends: " + tail
	} else {
		msg += " (log: " + t.sub.logFile(t.index) + ")"
	}
	for _, id := range t.runs {
		if rs := br.runs[id]; !br.runEnded(id) && rs.task == t {
			br.send(sdk.RunEvent{RunID: id, Type: sdk.EventFailed, Message: msg, Failure: sdk.FailureInfrastructure})
		}
	}
}

// cancel queues a cancellation of the named runs (all when ids is empty);
// Execute's goroutine carries it out.
func (br *batchRun) cancel(ids []string) {
	br.cancelMu.Lock()
	br.cancelReqs = append(br.cancelReqs, slices.Clone(ids))
	br.cancelMu.Unlock()
	select {
	case br.wake <- struct{}{}:
	default:
	}
}

// handleCancels carries out the queued cancellations: the tasks all of
// whose open runs are cancelled are scancelled, and the cancelled runs are
// reported so.
func (br *batchRun) handleCancels() {
	br.cancelMu.Lock()
	reqs := br.cancelReqs
	br.cancelReqs = nil
	br.cancelMu.Unlock()
	if len(reqs) == 0 {
		return
	}
	for _, ids := range reqs {
		if len(ids) == 0 {
			for _, rs := range br.runs {
				rs.cancelled = true
			}
			continue
		}
		for _, id := range ids {
			if rs := br.runs[id]; rs != nil {
				rs.cancelled = true
			}
		}
	}
	var stop []*task
	for _, t := range br.tasks {
		if t.done || t.scancelled {
			continue
		}
		all := true
		for _, id := range t.runs {
			if rs := br.runs[id]; !br.runEnded(id) && rs.task == t && !rs.cancelled {
				all = false
				break
			}
		}
		if all {
			stop = append(stop, t)
		}
	}
	br.cancelTasks(stop, "cancelled on request")
	// Runs whose task goes on with other runs are reported cancelled now;
	// what their task says of them later is ignored.
	for _, r := range br.batch.Runs {
		if rs := br.runs[r.RunID]; rs.cancelled && !br.runEnded(r.RunID) {
			br.send(sdk.RunEvent{RunID: r.RunID, Type: sdk.EventCancelled, Message: "cancelled on request"})
		}
	}
}

// cancelTasks scancels tasks (whole arrays when the batch cancels all of
// their tasks), waits briefly for them to stop, reads their last events
// and reports their other runs cancelled, or completed when their folder
// is complete after all.
func (br *batchRun) cancelTasks(tasks []*task, reason string) {
	if len(tasks) == 0 {
		return
	}
	byArray := map[string][]*task{}
	for _, t := range tasks {
		t.scancelled = true
		byArray[t.arrayJob] = append(byArray[t.arrayJob], t)
	}
	var ids []string
	for job, ts := range byArray {
		whole := true
		for _, t := range br.tasks {
			if t.arrayJob == job && !t.scancelled && !t.done {
				whole = false
			}
		}
		if whole && !ts[0].adopted {
			ids = append(ids, job)
			continue
		}
		for _, t := range ts {
			ids = append(ids, t.id())
		}
	}
	slices.Sort(ids)
	ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
	defer cancel()
	if err := br.e.slurm.scancel(ctx, ids...); err != nil {
		br.e.logger.Error("scancel failed", "jobs", ids, "error", err)
	} else {
		br.e.logger.Info("cancelled Slurm jobs", "jobs", ids)
	}
	br.waitStopped(ctx, tasks)
	for _, t := range tasks {
		br.read(t)
		t.done = true
		for _, id := range t.runs {
			rs := br.runs[id]
			if br.runEnded(id) || rs.task != t {
				continue
			}
			// A run that finished as the task was stopped keeps its result.
			if res, err := br.collect(t.sub, id, "", ""); err == nil {
				br.send(sdk.RunEvent{RunID: id, Type: sdk.EventCompleted, Result: res})
				continue
			}
			br.send(sdk.RunEvent{RunID: id, Type: sdk.EventCancelled, Message: reason})
		}
	}
}

// waitStopped waits up to stopWait for the tasks to leave the running
// states (their workers stop at Slurm's SIGTERM).
func (br *batchRun) waitStopped(ctx context.Context, tasks []*task) {
	deadline := time.Now().Add(stopWait)
	for first := true; time.Now().Before(deadline); first = false {
		if !first {
			time.Sleep(stopPoll)
		}
		states, err := br.e.slurm.squeue(ctx, br.jobName)
		if err != nil {
			return
		}
		byID := make(map[string]TaskState, len(states))
		for _, st := range states {
			byID[st.ID] = st
		}
		busy := false
		for _, t := range tasks {
			if st, ok := byID[t.id()]; ok && st.Running() {
				busy = true
				break
			}
		}
		if !busy {
			return
		}
	}
}

// within reports whether path is root or inside it.
func within(root, path string) bool {
	rel, err := filepath.Rel(root, path)
	return err == nil && filepath.IsLocal(rel)
}
