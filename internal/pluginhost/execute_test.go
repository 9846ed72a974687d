package pluginhost

import (
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bilancio-go/bilancio/sdk"
)

// fakeExecutor runs Execute with a function; its other methods do nothing.
type fakeExecutor struct {
	execute func(ctx context.Context, b *sdk.Batch, emit func(sdk.RunEvent) error) error
}

func (f *fakeExecutor) Describe(context.Context) (*sdk.Info, error)  { return &sdk.Info{}, nil }
func (f *fakeExecutor) Configure(context.Context, *sdk.Config) error { return nil }
func (f *fakeExecutor) Execute(ctx context.Context, b *sdk.Batch, emit func(sdk.RunEvent) error) error {
	return f.execute(ctx, b, emit)
}
func (f *fakeExecutor) Cancel(context.Context, *sdk.CancelRequest) error { return nil }
func (f *fakeExecutor) Status(context.Context, *sdk.StatusRequest) (*sdk.StatusReply, error) {
	return nil, nil
}
func (f *fakeExecutor) Estimate(context.Context, *sdk.EstimateRequest) (*sdk.EstimateReply, error) {
	return nil, nil
}
func (f *fakeExecutor) List(context.Context, *sdk.ListRequest) ([]sdk.Entry, error) { return nil, nil }
func (f *fakeExecutor) Fetch(context.Context, *sdk.FetchRequest, io.Writer) error   { return nil }
func (f *fakeExecutor) Remove(context.Context, *sdk.RemoveRequest) error            { return nil }

func ev(id string, typ sdk.EventType) sdk.RunEvent { return sdk.RunEvent{RunID: id, Type: typ} }

func TestExecuteOneTerminalEventPerRun(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name    string
		execute func(ctx context.Context, b *sdk.Batch, emit func(sdk.RunEvent) error) error
		want    map[string]sdk.EventType
		wantErr string
		reason  string // of the made-up events
	}{
		{
			name: "duplicates and strangers dropped",
			execute: func(_ context.Context, _ *sdk.Batch, emit func(sdk.RunEvent) error) error {
				for _, e := range []sdk.RunEvent{ev("r0", sdk.EventStarted), ev("r0", sdk.EventCompleted), ev("r0", sdk.EventFailed),
					ev("r0", sdk.EventProgress), ev("zz", sdk.EventCompleted), ev("r1", sdk.EventCancelled), ev("r1", sdk.EventCompleted)} {
					if err := emit(e); err != nil {
						return err
					}
				}
				return nil
			},
			want: map[string]sdk.EventType{"r0": sdk.EventCompleted, "r1": sdk.EventCancelled},
		},
		{
			name: "error: the rest failed with it",
			execute: func(_ context.Context, _ *sdk.Batch, emit func(sdk.RunEvent) error) error {
				_ = emit(ev("r0", sdk.EventCompleted))
				return boom
			},
			want: map[string]sdk.EventType{"r0": sdk.EventCompleted, "r1": sdk.EventFailed}, wantErr: "boom", reason: "boom",
		},
		{
			name: "nil without reporting every run",
			execute: func(_ context.Context, _ *sdk.Batch, emit func(sdk.RunEvent) error) error {
				return emit(ev("r1", sdk.EventFailed))
			},
			want:    map[string]sdk.EventType{"r0": sdk.EventFailed, "r1": sdk.EventFailed},
			wantErr: "returned without reporting 1 of its 2 runs", reason: "without reporting this run",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events, err := collect(context.Background(), t, &fakeExecutor{execute: tt.execute}, batch(0, "a", "b"))
			if (err == nil) != (tt.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("Execute = %v, want %q", err, tt.wantErr)
			}
			for id, typ := range tt.want {
				term := terminal(t, events, id)
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
	stuck := &fakeExecutor{execute: func(_ context.Context, _ *sdk.Batch, emit func(sdk.RunEvent) error) error {
		_ = emit(ev("r0", sdk.EventCompleted))
		<-release // ignores its context
		_ = emit(ev("r1", sdk.EventCompleted))
		return nil
	}}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	events, err := collect(ctx, t, stuck, batch(0, "a", "b"))
	if d := time.Since(start); d > time.Second {
		t.Errorf("Execute took %s", d)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Execute = %v", err)
	}
	if terminal(t, events, "r0").Type != sdk.EventCompleted || terminal(t, events, "r1").Type != sdk.EventCancelled {
		t.Errorf("events %+v", events)
	}
}

func TestExecuteRefusesBadBatches(t *testing.T) {
	ex := &fakeExecutor{execute: func(context.Context, *sdk.Batch, func(sdk.RunEvent) error) error { return nil }}
	emit := func(sdk.RunEvent) error { return nil }
	if err := Execute(context.Background(), ex, nil, emit); err == nil {
		t.Error("nil batch accepted")
	}
	b := batch(0, "a", "b")
	b.Runs[1].RunID = b.Runs[0].RunID
	if err := Execute(context.Background(), ex, b, emit); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("duplicate run id: %v", err)
	}
}

// Usage records pass on even when the event carrying them is dropped (a
// stranger's, or one after its run's terminal event), and usage events
// name no run.
func TestExecuteKeepsUsage(t *testing.T) {
	u := func(id string) []sdk.SandboxUsage { return []sdk.SandboxUsage{{ID: id, Purpose: "runs"}} }
	ex := &fakeExecutor{execute: func(_ context.Context, b *sdk.Batch, emit func(sdk.RunEvent) error) error {
		for _, e := range []sdk.RunEvent{
			{RunID: "r0", Type: sdk.EventCompleted, Usage: u("sb-1")},
			{RunID: "r0", Type: sdk.EventProgress, Usage: u("sb-2")},
			{RunID: "zz", Type: sdk.EventStarted, Usage: u("sb-3")},
			{RunID: "r1", Type: sdk.EventCompleted},
			{Type: sdk.EventUsage, Usage: u("sb-4")},
			{Type: sdk.EventUsage},
		} {
			if err := emit(e); err != nil {
				return err
			}
		}
		return nil
	}}
	events, err := collect(context.Background(), t, ex, batch(0, "a", "b"))
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
		if e.Type != sdk.EventUsage {
			t.Errorf("an event naming no run of type %s", e.Type)
		}
	}
}
