package sdk

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeExecutor runs Execute with a function; its other methods do nothing.
type fakeExecutor struct {
	execute func(ctx context.Context, b *Batch, emit func(RunEvent) error) error
}

func (f *fakeExecutor) Describe(context.Context) (*Info, error)  { return &Info{}, nil }
func (f *fakeExecutor) Configure(context.Context, *Config) error { return nil }
func (f *fakeExecutor) Execute(ctx context.Context, b *Batch, emit func(RunEvent) error) error {
	return f.execute(ctx, b, emit)
}
func (f *fakeExecutor) Cancel(context.Context, *CancelRequest) error { return nil }
func (f *fakeExecutor) Status(context.Context, *StatusRequest) (*StatusReply, error) {
	return nil, nil
}
func (f *fakeExecutor) Estimate(context.Context, *EstimateRequest) (*EstimateReply, error) {
	return nil, nil
}
func (f *fakeExecutor) List(context.Context, *ListRequest) ([]Entry, error)   { return nil, nil }
func (f *fakeExecutor) Fetch(context.Context, *FetchRequest, io.Writer) error { return nil }
func (f *fakeExecutor) Remove(context.Context, *RemoveRequest) error          { return nil }

func ev(id string, typ EventType) RunEvent { return RunEvent{RunID: id, Type: typ} }

func TestExecuteOneTerminalEventPerRun(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name    string
		execute func(ctx context.Context, b *Batch, emit func(RunEvent) error) error
		want    map[string]EventType
		wantErr string
		reason  string // of the made-up events
	}{
		{
			name: "duplicates and strangers dropped",
			execute: func(_ context.Context, _ *Batch, emit func(RunEvent) error) error {
				for _, e := range []RunEvent{ev("r0", EventStarted), ev("r0", EventCompleted), ev("r0", EventFailed),
					ev("r0", EventProgress), ev("zz", EventCompleted), ev("r1", EventCancelled), ev("r1", EventCompleted)} {
					if err := emit(e); err != nil {
						return err
					}
				}
				return nil
			},
			want: map[string]EventType{"r0": EventCompleted, "r1": EventCancelled},
		},
		{
			name: "error: the rest failed with it",
			execute: func(_ context.Context, _ *Batch, emit func(RunEvent) error) error {
				_ = emit(ev("r0", EventCompleted))
				return boom
			},
			want: map[string]EventType{"r0": EventCompleted, "r1": EventFailed}, wantErr: "boom", reason: "boom",
		},
		{
			name: "nil without reporting every run",
			execute: func(_ context.Context, _ *Batch, emit func(RunEvent) error) error {
				return emit(ev("r1", EventFailed))
			},
			want:    map[string]EventType{"r0": EventFailed, "r1": EventFailed},
			wantErr: "returned without reporting 1 of its 2 runs", reason: "without reporting this run",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events, err := executeCollect(context.Background(), t, &fakeExecutor{execute: tt.execute}, executeBatch(0, "a", "b"))
			if (err == nil) != (tt.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("Execute = %v, want %q", err, tt.wantErr)
			}
			for id, typ := range tt.want {
				term := executeTerminal(t, events, id)
				if term.Type != typ {
					t.Errorf("%s: %+v, want %s", id, term, typ)
				}
				if !term.Time.IsZero() && tt.reason != "" && !strings.Contains(term.Message, tt.reason) {
					t.Errorf("%s: reason %q, want %q", id, term.Message, tt.reason)
				}
			}
			if _, ok := events["zz"]; ok {
				t.Error("an event of a run outside the batch was passed on")
			}
		})
	}
}

func TestExecuteCancelDoesNotWaitForAStuckExecutor(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	stuck := &fakeExecutor{execute: func(_ context.Context, _ *Batch, emit func(RunEvent) error) error {
		_ = emit(ev("r0", EventCompleted))
		<-release // ignores its context
		_ = emit(ev("r1", EventCompleted))
		return nil
	}}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	events, err := executeCollect(ctx, t, stuck, executeBatch(0, "a", "b"))
	if d := time.Since(start); d > time.Second {
		t.Errorf("Execute took %s", d)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Execute = %v", err)
	}
	if executeTerminal(t, events, "r0").Type != EventCompleted || executeTerminal(t, events, "r1").Type != EventCancelled {
		t.Errorf("events %+v", events)
	}
}

func TestExecuteRefusesBadBatches(t *testing.T) {
	ex := &fakeExecutor{execute: func(context.Context, *Batch, func(RunEvent) error) error { return nil }}
	emit := func(RunEvent) error { return nil }
	if err := Execute(context.Background(), ex, nil, emit); err == nil {
		t.Error("nil batch accepted")
	}
	b := executeBatch(0, "a", "b")
	b.Runs[1].RunID = b.Runs[0].RunID
	if err := Execute(context.Background(), ex, b, emit); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("duplicate run id: %v", err)
	}
}

// Usage records pass on even when the event carrying them is dropped (a
// stranger's, or one after its run's terminal event), and usage events
// name no run.
func TestExecuteKeepsUsage(t *testing.T) {
	u := func(id string) []SandboxUsage { return []SandboxUsage{{ID: id, Purpose: "runs"}} }
	ex := &fakeExecutor{execute: func(_ context.Context, b *Batch, emit func(RunEvent) error) error {
		for _, e := range []RunEvent{
			{RunID: "r0", Type: EventCompleted, Usage: u("sb-1")},
			{RunID: "r0", Type: EventProgress, Usage: u("sb-2")},
			{RunID: "zz", Type: EventStarted, Usage: u("sb-3")},
			{RunID: "r1", Type: EventCompleted},
			{Type: EventUsage, Usage: u("sb-4")},
			{Type: EventUsage},
		} {
			if err := emit(e); err != nil {
				return err
			}
		}
		return nil
	}}
	events, err := executeCollect(context.Background(), t, ex, executeBatch(0, "a", "b"))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, evs := range events {
		for _, e := range evs {
			for _, x := range e.Usage {
				ids = append(ids, x.ID)
			}
		}
	}
	slices.Sort(ids)
	if strings.Join(ids, " ") != "sb-1 sb-2 sb-3 sb-4" {
		t.Errorf("usage passed on: %v", ids)
	}
	if n := len(events[""]); n != 3 {
		t.Errorf("%d usage events, want 3: %+v", n, events[""])
	}
	for _, e := range events[""] {
		if e.Type != EventUsage {
			t.Errorf("an event naming no run of type %s", e.Type)
		}
	}
}

// executeCollect runs a batch through Execute and returns the events per
// run.
func executeCollect(ctx context.Context, t *testing.T, ex Executor, b *Batch) (map[string][]RunEvent, error) {
	t.Helper()
	var mu sync.Mutex
	got := map[string][]RunEvent{}
	err := Execute(ctx, ex, b, func(ev RunEvent) error {
		mu.Lock()
		defer mu.Unlock()
		got[ev.RunID] = append(got[ev.RunID], ev)
		return nil
	})
	return got, err
}

// executeBatch is a batch of runs r0, r1, ... whose scenario names say what
// a test executor does with them.
func executeBatch(parallel int, runs ...string) *Batch {
	b := &Batch{ExperimentID: "exp", Parallel: parallel}
	for i, what := range runs {
		b.Runs = append(b.Runs, RunSpec{RunID: fmt.Sprintf("r%d", i), ScenarioName: what})
	}
	return b
}

// executeTerminal returns a run's only terminal event, failing the test if
// it has none or several.
func executeTerminal(t *testing.T, events map[string][]RunEvent, id string) RunEvent {
	t.Helper()
	var term []RunEvent
	for _, ev := range events[id] {
		if ev.Type.Terminal() {
			term = append(term, ev)
		}
	}
	if len(term) != 1 {
		t.Fatalf("run %s has %d terminal events: %+v", id, len(term), events[id])
	}
	return term[0]
}
