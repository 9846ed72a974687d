package sweep

import (
	"context"
	"testing"
	"time"

	"github.com/bilancio-go/bilancio/internal/store"
	"github.com/bilancio-go/bilancio/sdk"
)

// cancellingExecutor reports some runs cancelled without being asked, as
// an executor does when `sweep cancel` reaches its remote work from
// another shell.
type cancellingExecutor struct {
	*flakyExecutor
	cancel func(id string) bool
}

func (c *cancellingExecutor) Execute(ctx context.Context, b *sdk.Batch, emit func(sdk.RunEvent) error) error {
	inner := *b
	inner.Runs = nil
	for _, r := range b.Runs {
		if c.cancel(r.RunID) {
			emit(sdk.RunEvent{RunID: r.RunID, Type: sdk.EventStarted, Time: time.Now()})
			emit(sdk.RunEvent{RunID: r.RunID, Type: sdk.EventCancelled, Time: time.Now(), Message: "cancelled"})
			continue
		}
		inner.Runs = append(inner.Runs, r)
	}
	return c.flakyExecutor.Execute(ctx, &inner, emit)
}

// Runs the executor cancelled on its own stay pending, and the sweep ends
// "cancelled" — not "completed" with runs silently left over.
func TestRunsCancelledAtTheExecutor(t *testing.T) {
	dir := t.TempDir() + "/exp"
	spec := smallSpec(dir, 5)
	spec.Retries = 2
	n := 0
	victims := map[string]bool{}
	ex := &cancellingExecutor{flakyExecutor: newFlaky(nil), cancel: func(id string) bool {
		if n < 3 && !victims[id] {
			n++
			victims[id] = true
		}
		return victims[id]
	}}
	f := ex.flakyExecutor
	sum := mustRun(t, spec, quick(func(ctx context.Context) (sdk.Executor, func() error, error) {
		return ex, func() error { return nil }, nil
	}, nil))
	if sum.Status != StatusCancelled || sum.Progress.Cancelled != 3 || sum.Progress.Done != 9 || sum.Progress.Failed != 0 || sum.Progress.Pending() != 3 {
		t.Fatalf("summary %s %+v, want cancelled with 3 runs cancelled and pending", sum.Status, sum.Progress)
	}
	for id := range victims {
		if f.runCount(id) != 0 {
			t.Errorf("cancelled run %s was retried", id)
		}
	}
	st, err := store.ReadStatus(context.Background(), dir, false)
	if err != nil {
		t.Fatal(err)
	}
	if st.Done != 9 || st.Failed != 0 || st.Pending != 3 {
		t.Errorf("status %+v, want 9 done, 3 pending", st)
	}
	again := mustRun(t, spec, quick(newFlaky(nil).opener(), nil))
	if again.Status != StatusCompleted || again.Ran != 3 {
		t.Errorf("the next run: %s, ran %d; want completed, 3", again.Status, again.Ran)
	}
}
