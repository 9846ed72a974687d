package sdk

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"
)

// alive is a fake that implements Liveness: it vouches only for run "a".
type alive struct{ *fake }

func (alive) Alive(_ string, running []string) []string {
	return slices.DeleteFunc(slices.Clone(running), func(id string) bool { return id != "a" })
}

// TestHeartbeats: while a batch that asked for heartbeats runs, the SDK's
// server sends them on its own — naming the runs started and not ended (or
// those a Liveness executor vouches for) — even while the executor emits
// nothing; a batch that did not ask gets none.
func TestHeartbeats(t *testing.T) {
	for _, tc := range []struct {
		name     string
		every    time.Duration
		liveness bool
		// want is the Running list of the heartbeats sent while a and b run.
		want []string
	}{
		{"asked", 20 * time.Millisecond, false, []string{"a", "b"}},
		{"liveness", 20 * time.Millisecond, true, []string{"a"}},
		{"not asked", 0, false, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The executor stays silent until the host has seen three
			// heartbeats naming the runs in flight (or, when none were asked for, for 200 ms): no
			// assumption about how promptly a loaded machine schedules them.
			enough := make(chan struct{})
			f := &fake{onExecute: func(ctx context.Context, b *Batch, emit func(RunEvent) error) error {
				for _, id := range []string{"a", "b", "c"} {
					if err := emit(RunEvent{RunID: id, Type: EventStarted}); err != nil {
						return err
					}
				}
				_ = emit(RunEvent{RunID: "c", Type: EventCompleted})
				// computing, silently
				if tc.every == 0 {
					time.Sleep(200 * time.Millisecond)
				} else {
					select {
					case <-enough:
					case <-time.After(30 * time.Second):
						t.Error("no three heartbeats within 30 s")
					}
				}
				_ = emit(RunEvent{RunID: "a", Type: EventCompleted})
				_ = emit(RunEvent{RunID: "b", Type: EventCompleted})
				return nil
			}}
			var impl Executor = f
			if tc.liveness {
				impl = alive{f}
			}
			ex, _ := connect(t, impl)
			b := &Batch{ExperimentID: "e", OutRoot: "/o", HeartbeatInterval: tc.every,
				Runs: []RunSpec{{RunID: "a"}, {RunID: "b"}, {RunID: "c"}}}
			var (
				mu       sync.Mutex
				beats    [][]string
				matching int
			)
			err := ex.Execute(context.Background(), b, func(ev RunEvent) error {
				mu.Lock()
				defer mu.Unlock()
				if ev.Type == EventHeartbeat {
					if ev.RunID != "" || ev.Time.IsZero() {
						t.Errorf("heartbeat %+v", ev)
					}
					beats = append(beats, ev.Running)
					if slices.Equal(ev.Running, tc.want) {
						if matching++; matching == 3 {
							close(enough)
						}
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if tc.every == 0 {
				if len(beats) != 0 {
					t.Fatalf("%d heartbeats without asking", len(beats))
				}
				return
			}
			// The beats sent during the silence name the runs in flight
			// (c ended at once).
			n := 0
			for _, r := range beats {
				if slices.Equal(r, tc.want) {
					n++
				}
			}
			if n < 3 {
				t.Errorf("heartbeats %v: want at least 3 naming %v", beats, tc.want)
			}
		})
	}
}

// TestFailureOnTheWire: a plugin cannot pass its own failure off as the
// host's verdict (a crash, silence): such kinds arrive as infrastructure.
func TestFailureOnTheWire(t *testing.T) {
	for _, tc := range []struct{ sent, got Failure }{
		{FailureRun, FailureRun},
		{FailureInfrastructure, FailureInfrastructure},
		{FailurePluginCrashed, FailureInfrastructure},
		{FailureUnresponsive, FailureInfrastructure},
		{"something new", FailureInfrastructure},
	} {
		m, err := eventToProto(&RunEvent{RunID: "a", Type: EventFailed, Failure: tc.sent})
		if err != nil {
			t.Fatal(err)
		}
		ev, err := eventFromProto(m)
		if err != nil || ev.Failure != tc.got {
			t.Errorf("sent %q: got %q, %v; want %q", tc.sent, ev.Failure, err, tc.got)
		}
	}
}
