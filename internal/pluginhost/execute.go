package pluginhost

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/bilancio-go/bilancio/sdk"
)

// cancelGrace is how long Execute waits, once its context is done, for the
// executor to return before it stops waiting for it.
const cancelGrace = 500 * time.Millisecond

// Execute runs a batch on ex and guarantees that emit sees exactly one
// terminal event (completed, failed or cancelled) for every run of the
// batch, whatever happens to the executor:
//
//   - events of runs not in the batch, and events after a run's terminal
//     one, are dropped, but for their usage records, passed on in a usage
//     event (sdk.EventUsage);
//   - when ctx is cancelled, Execute returns within cancelGrace (0.5 s) even
//     if the executor does not, and the runs that had not ended are
//     reported cancelled;
//   - when the executor fails (a plugin crash: a *CrashError), the runs that
//     had not ended are reported failed with the error's message;
//   - when it returns nil without ending every run, those runs are reported
//     failed and Execute returns an error.
//
// emit is called from one goroutine at a time and never after Execute
// returns. An error from emit aborts the batch (the remaining runs are still
// reported, as failed). Execute returns the executor's error, or ctx's error
// if runs were cut short by the cancellation.
func Execute(ctx context.Context, ex sdk.Executor, batch *sdk.Batch, emit func(sdk.RunEvent) error) error {
	if batch == nil {
		return errors.New("executing a batch: no batch")
	}
	t, err := newRunTracker(batch)
	if err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- ex.Execute(ctx, batch, t.forward(emit)) }()
	var execErr error
	select {
	case execErr = <-done:
	case <-ctx.Done():
		grace := time.NewTimer(cancelGrace)
		defer grace.Stop()
		select {
		case execErr = <-done:
		case <-grace.C:
			execErr = ctx.Err()
		}
	}

	typ, reason := sdk.EventFailed, ""
	switch {
	case ctx.Err() != nil:
		typ, reason = sdk.EventCancelled, "cancelled: "+ctx.Err().Error()
	case execErr != nil:
		reason = execErr.Error()
	default:
		reason = "the executor ended the batch without reporting this run"
	}
	left := t.finish(emit, typ, reason)
	switch {
	case left == 0 || execErr != nil:
		return execErr
	case ctx.Err() != nil:
		return fmt.Errorf("executing the batch of experiment %s: %w", batch.ExperimentID, ctx.Err())
	default:
		return fmt.Errorf("executing the batch of experiment %s: the executor returned without reporting %d of its %d runs", batch.ExperimentID, left, len(batch.Runs))
	}
}

// runTracker follows the runs of a batch to their terminal events.
type runTracker struct {
	mu     sync.Mutex
	order  []string
	runs   map[string]*trackedRun
	closed bool
}

type trackedRun struct {
	ended   bool
	attempt int
}

func newRunTracker(b *sdk.Batch) (*runTracker, error) {
	t := &runTracker{runs: make(map[string]*trackedRun, len(b.Runs))}
	for _, r := range b.Runs {
		if r.RunID == "" {
			return nil, fmt.Errorf("executing the batch of experiment %s: a run has no id", b.ExperimentID)
		}
		if t.runs[r.RunID] != nil {
			return nil, fmt.Errorf("executing the batch of experiment %s: run %s appears twice", b.ExperimentID, r.RunID)
		}
		t.runs[r.RunID] = &trackedRun{}
		t.order = append(t.order, r.RunID)
	}
	return t, nil
}

// forward wraps emit for the executor: one call at a time, only events of
// the batch's runs up to their terminal one, nothing once finish has run.
func (t *runTracker) forward(emit func(sdk.RunEvent) error) func(sdk.RunEvent) error {
	return func(ev sdk.RunEvent) error {
		t.mu.Lock()
		defer t.mu.Unlock()
		if t.closed {
			return errors.New("the batch is over")
		}
		r := t.runs[ev.RunID]
		if ev.Type == sdk.EventUsage || r == nil || r.ended {
			// Not a run event of the batch (any more): only its usage
			// records, if any, go on.
			if len(ev.Usage) == 0 {
				return nil
			}
			return emit(sdk.RunEvent{Type: sdk.EventUsage, Time: ev.Time, Usage: ev.Usage})
		}
		if ev.Attempt > 0 {
			r.attempt = ev.Attempt
		}
		if ev.Type.Terminal() {
			r.ended = true
		}
		return emit(ev)
	}
}

// finish reports every run without a terminal event as typ with reason,
// stops forwarding, and returns how many runs it reported.
func (t *runTracker) finish(emit func(sdk.RunEvent) error, typ sdk.EventType, reason string) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.closed = true
	now := time.Now()
	n := 0
	for _, id := range t.order {
		r := t.runs[id]
		if r.ended {
			continue
		}
		r.ended = true
		n++
		// The event is owed whatever emit said before.
		_ = emit(sdk.RunEvent{RunID: id, Type: typ, Time: now, Message: reason, Attempt: r.attempt})
	}
	return n
}
