package slurm

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"time"

	"github.com/bilancio-go/bilancio/sdk"
)

// An experiment's jobs are found from Slurm alone, so that any process can
// report or cancel them: squeue lists the user's jobs named after the
// experiment (JobName), each task's working directory is its submission
// folder, and the submission says which runs the task holds.

// remoteTask is one array task of an experiment, with its runs.
type remoteTask struct {
	TaskState
	sub  *submission
	runs []string
}

// remoteTasks lists the array tasks of an experiment that squeue knows
// (ended ones for MinJobAge): those working in a submission of the
// experiment, under root when root is not empty.
func (e *Executor) remoteTasks(ctx context.Context, experimentID, root string) ([]remoteTask, error) {
	states, err := e.slurm.squeue(ctx, JobName(experimentID))
	if err != nil {
		return nil, fmt.Errorf("listing the jobs of experiment %s: %w", experimentID, err)
	}
	subs := map[string]*submission{}
	var tasks []remoteTask
	for _, st := range states {
		if root != "" && !within(root, st.WorkDir) {
			continue
		}
		sub, ok := subs[st.WorkDir]
		if !ok {
			sub, _ = readSubmission(st.WorkDir)
			subs[st.WorkDir] = sub
		}
		if sub == nil || sub.ExperimentID != experimentID || st.Index >= len(sub.Tasks) {
			continue
		}
		tasks = append(tasks, remoteTask{TaskState: st, sub: sub, runs: sub.Tasks[st.Index]})
	}
	return tasks, nil
}

// knownRoot is the scratch root of an experiment's submissions when this
// process can tell: scratch_dir's, or that of a batch it runs. Empty, the
// experiment's jobs are told apart by their submission alone.
func (e *Executor) knownRoot(experimentID string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.cfg != nil && e.cfg.ScratchDir != "" {
		return filepath.Join(e.cfg.ScratchDir, experimentID)
	}
	if brs := e.batches[experimentID]; len(brs) > 0 {
		return brs[0].root
	}
	return ""
}

// Cancel implements sdk.Executor. The batches of this process report the
// named runs (all of the experiment's when none is named) cancelled, and
// Slurm's live tasks holding them are scancelled: with no run named, every
// live job of the experiment (from any process: the jobs are found from
// Slurm); with runs named, the tasks whose other runs are all finished or
// named too. With no run named, each submission whose jobs it scancels is
// marked cancelled first, so that a bilancio following them (in another
// process) reports their unfinished runs cancelled instead of failed, and
// does not retry them.
func (e *Executor) Cancel(ctx context.Context, req *sdk.CancelRequest) error {
	if req == nil {
		return fmt.Errorf("cancel: no request")
	}
	e.mu.Lock()
	batches := append([]*batchRun(nil), e.batches[req.ExperimentID]...)
	e.mu.Unlock()
	for _, br := range batches {
		br.cancel(req.RunIDs)
	}
	tasks, err := e.remoteTasks(ctx, req.ExperimentID, e.knownRoot(req.ExperimentID))
	if err != nil {
		return err
	}
	named := make(map[string]bool, len(req.RunIDs))
	for _, id := range req.RunIDs {
		named[id] = true
	}
	var ids []string
	whole := map[string]bool{}
	for _, t := range tasks {
		if !t.Live() || whole[t.ArrayJobID] {
			continue
		}
		if len(named) == 0 {
			whole[t.ArrayJobID] = true
			ids = append(ids, t.ArrayJobID)
			// Marked before the scancel: a bilancio following the
			// jobs reads the mark when it sees them end.
			if err := t.sub.markCancelled(time.Now()); err != nil {
				e.logger.Warn("cannot mark a submission cancelled: a bilancio following its jobs will take them for failed", "dir", t.sub.dir, "error", err)
			}
			continue
		}
		if holdsOnly(t, named) {
			ids = append(ids, t.ID)
		}
	}
	if err := e.slurm.scancel(ctx, ids...); err != nil {
		return fmt.Errorf("cancelling the jobs of experiment %s: %w", req.ExperimentID, err)
	}
	if len(ids) > 0 {
		e.logger.Info("cancelled the experiment's jobs", "experiment", req.ExperimentID, "jobs", ids)
	}
	// Runs this process saw and no batch follows any more stand cancelled.
	for _, st := range e.status.Status(req.ExperimentID).Runs {
		if !st.State.Terminal() && (len(named) == 0 || named[st.RunID]) {
			e.status.Record(req.ExperimentID, sdk.RunEvent{RunID: st.RunID, Type: sdk.EventCancelled, Message: "cancelled on request"})
		}
	}
	return nil
}

// holdsOnly reports whether a task holds a named run, and no run that is
// neither named nor reported finished in its event file.
func holdsOnly(t remoteTask, named map[string]bool) bool {
	any := false
	var finished map[string]bool
	for _, id := range t.runs {
		if named[id] {
			any = true
			continue
		}
		if finished == nil {
			finished = map[string]bool{}
			tl := &tailer{path: t.sub.eventsFile(t.Index)}
			evs, _, _ := tl.read()
			for _, ev := range evs {
				finished[ev.RunID] = true
			}
		}
		if !finished[id] {
			return false
		}
	}
	return any
}

// Status implements sdk.Executor: the last state of each run of the
// experiment that this process has executed, and with Remote the
// experiment's array tasks that Slurm knows (live ones, and those that
// ended within MinJobAge), from any process.
func (e *Executor) Status(ctx context.Context, req *sdk.StatusRequest) (*sdk.StatusReply, error) {
	if req == nil {
		return nil, fmt.Errorf("status: no request")
	}
	reply := e.status.Status(req.ExperimentID)
	if !req.Remote {
		return reply, nil
	}
	tasks, err := e.remoteTasks(ctx, req.ExperimentID, e.knownRoot(req.ExperimentID))
	if err != nil {
		return nil, err
	}
	for _, t := range tasks {
		u := sdk.WorkUnit{
			ID: t.ID, Name: filepath.Base(t.sub.dir) + " task " + strconv.Itoa(t.Index), State: workState(t.State),
			RunIDs: t.runs, Started: t.Started, Ended: t.Ended,
		}
		if d := t.Describe(); d != t.State {
			u.Reason = d
		}
		reply.WorkUnits = append(reply.WorkUnits, u)
	}
	return reply, nil
}

// workState maps a Slurm job state to a work unit's.
func workState(state string) sdk.WorkState {
	switch {
	case runningStates[state]:
		return sdk.WorkRunning
	case liveStates[state]:
		return sdk.WorkPending
	case state == stateCompleted:
		return sdk.WorkFinished
	case state == stateCancelled:
		return sdk.WorkCancelled
	}
	return sdk.WorkFailed
}
