package sdk

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// cancelGrace is how long Execute waits, once its context is done, for the
// executor to return before it stops waiting for it.
const cancelGrace = 500 * time.Millisecond

// Execute runs a batch on ex, as a host does (the sweep runner, the
// commands), and guarantees that emit sees exactly one
// terminal event (completed, failed or cancelled) for every run of the
// batch, whatever happens to the executor:
//
//   - events of runs not in the batch, and events after a run's terminal
//     one, are dropped, but for their usage records, passed on in a usage
//     event (EventUsage);
//   - when ctx is cancelled, Execute returns within cancelGrace (0.5 s) even
//     if the executor does not, and the runs that had not ended are
//     reported cancelled;
//   - when the executor fails, the runs that had not ended are reported
//     failed with the error's message (and, when the error says why with a
//     Failure() method, as a plugin host's crash errors do, that failure;
//     ErrPluginCrashed alone means FailurePluginCrashed);
//   - when it returns nil without ending every run, those runs are reported
//     failed and Execute returns an error.
//
// emit is called from one goroutine at a time and never after Execute
// returns. An error from emit aborts the batch (the remaining runs are still
// reported, as failed). Execute returns the executor's error, or ctx's error
// if runs were cut short by the cancellation.
func Execute(ctx context.Context, ex Executor, batch *Batch, emit func(RunEvent) error) error {
	if batch == nil {
		return errors.New("executing a batch: no batch")
	}
	guard, err := NewRunGuard(batch)
	if err != nil {
		return fmt.Errorf("executing the batch of experiment %s: %w", batch.ExperimentID, err)
	}
	done := make(chan error, 1)
	go func() { done <- ex.Execute(ctx, batch, guard.Forward(emit)) }()
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

	typ, reason, failure := EventFailed, "", FailureRun
	var fe interface{ Failure() Failure }
	switch {
	case ctx.Err() != nil:
		typ, reason = EventCancelled, "cancelled: "+ctx.Err().Error()
	case errors.As(execErr, &fe):
		reason, failure = execErr.Error(), fe.Failure()
	case errors.Is(execErr, ErrPluginCrashed):
		reason, failure = execErr.Error(), FailurePluginCrashed
	case execErr != nil:
		reason = execErr.Error()
	default:
		reason = "the executor ended the batch without reporting this run"
	}
	left := guard.Finish(emit, typ, reason, failure)
	switch {
	case left == 0 || execErr != nil:
		return execErr
	case ctx.Err() != nil:
		return fmt.Errorf("executing the batch of experiment %s: %w", batch.ExperimentID, ctx.Err())
	default:
		return fmt.Errorf("executing the batch of experiment %s: the executor returned without reporting %d of its %d runs", batch.ExperimentID, left, len(batch.Runs))
	}
}
