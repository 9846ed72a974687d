package sdk

import (
	"errors"
	"strings"
	"sync"
	"testing"
)

func TestValidateBatch(t *testing.T) {
	runs := func(ids ...string) []RunSpec {
		out := make([]RunSpec, len(ids))
		for i, id := range ids {
			out[i] = RunSpec{RunID: id}
		}
		return out
	}
	cases := []struct {
		name  string
		batch *Batch
		err   string
	}{
		{"ok", &Batch{ExperimentID: "exp", OutRoot: "/o", Runs: runs("a", "b")}, ""},
		{"no experiment id", &Batch{OutRoot: "/o", Runs: runs("a")}, ""},
		{"empty", &Batch{OutRoot: "/o"}, ""},
		{"nil", nil, "no batch"},
		{"no out root", &Batch{Runs: runs("a")}, "out_root"},
		{"negative parallel", &Batch{OutRoot: "/o", Parallel: -1}, "parallel must be >= 0"},
		{"experiment path", &Batch{ExperimentID: "../x", OutRoot: "/o"}, `experiment id "../x"`},
		{"empty run id", &Batch{OutRoot: "/o", Runs: runs("a", "")}, "runs[1]: empty run id"},
		{"run id path", &Batch{OutRoot: "/o", Runs: runs("a/b")}, `runs[0]: run id "a/b"`},
		{"dot dot", &Batch{OutRoot: "/o", Runs: runs("..")}, `run id ".."`},
		{"twice", &Batch{OutRoot: "/o", Runs: runs("a", "b", "a")}, `runs[2]: run id "a" already used by runs[0]`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := ValidateBatch(c.batch)
			if c.err == "" {
				if err != nil {
					t.Fatalf("ValidateBatch = %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Fatalf("ValidateBatch = %v, want %q", err, c.err)
			}
		})
	}
}

// TestRunGuard: events pass up to each run's terminal one, others are
// dropped (their usage kept), Finish owes a terminal event to every open
// run, once, in batch order, with the last attempt.
func TestRunGuard(t *testing.T) {
	b := &Batch{OutRoot: "/o", Runs: []RunSpec{{RunID: "a"}, {RunID: "b"}, {RunID: "c"}}}
	g, err := NewRunGuard(b)
	if err != nil {
		t.Fatal(err)
	}
	var got []RunEvent
	emit := func(ev RunEvent) error { got = append(got, ev); return nil }
	fwd := g.Forward(emit)
	use := []SandboxUsage{{ID: "sb"}}
	for _, ev := range []RunEvent{
		{RunID: "a", Type: EventStarted, Attempt: 2},
		{RunID: "a", Type: EventCompleted},
		{RunID: "a", Type: EventFailed},                    // after the terminal one: dropped
		{RunID: "x", Type: EventCompleted, Usage: use},     // not in the batch: only its usage
		{RunID: "b", Type: EventStarted, Attempt: 3},       // b stays open
		{Type: EventHeartbeat},                             // names no run: passed
		{Type: EventUsage},                                 // empty usage: dropped
		{RunID: "c", Type: EventCancelled, Message: "bye"}, // c ends
	} {
		if err := fwd(ev); err != nil {
			t.Fatal(err)
		}
	}
	if g.Left() != 1 || strings.Join(g.Open(), ",") != "b" || !g.Ended("a") || g.Ended("b") || g.Ended("x") {
		t.Fatalf("left %d, open %v", g.Left(), g.Open())
	}
	if n := g.Finish(emit, EventFailed, "gone", FailurePluginCrashed); n != 1 {
		t.Fatalf("Finish emitted %d", n)
	}
	if n := g.Finish(emit, EventFailed, "again", FailureRun); n != 0 {
		t.Fatalf("a second Finish emitted %d", n)
	}
	if err := fwd(RunEvent{RunID: "b", Type: EventCompleted}); !errors.Is(err, ErrBatchOver) {
		t.Fatalf("an event after Finish: %v", err)
	}
	var kinds []string
	for _, ev := range got {
		kinds = append(kinds, ev.RunID+":"+string(ev.Type))
	}
	if want := "a:started,a:completed,:usage,b:started,:heartbeat,c:cancelled,b:failed"; strings.Join(kinds, ",") != want {
		t.Fatalf("events %s, want %s", strings.Join(kinds, ","), want)
	}
	last := got[len(got)-1]
	if last.Message != "gone" || last.Failure != FailurePluginCrashed || last.Attempt != 3 || last.Time.IsZero() {
		t.Errorf("owed event %+v", last)
	}
	if len(got[2].Usage) != 1 {
		t.Errorf("the dropped event's usage was lost: %+v", got[2])
	}
	if _, err := NewRunGuard(&Batch{Runs: []RunSpec{{RunID: "a"}, {RunID: "a"}}}); err == nil {
		t.Error("a batch with a run twice was guarded")
	}
}

// TestRunGuardConcurrent: whatever the interleaving, every run gets exactly
// one terminal event and nothing follows it.
func TestRunGuardConcurrent(t *testing.T) {
	var b Batch
	for i := range 50 {
		b.Runs = append(b.Runs, RunSpec{RunID: "r" + string(rune('A'+i%26)) + string(rune('a'+i/26))})
	}
	g, err := NewRunGuard(&b)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	terminal := map[string]int{}
	after := 0
	emit := func(ev RunEvent) error {
		mu.Lock()
		defer mu.Unlock()
		if terminal[ev.RunID] > 0 {
			after++
		}
		if ev.Type.Terminal() {
			terminal[ev.RunID]++
		}
		return nil
	}
	fwd := g.Forward(emit)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i, r := range b.Runs {
				typ := EventProgress
				if (i+w)%3 == 0 {
					typ = EventCompleted
				}
				_ = fwd(RunEvent{RunID: r.RunID, Type: typ})
			}
		})
	}
	wg.Go(func() { g.Finish(emit, EventCancelled, "stop", FailureRun) })
	wg.Wait()
	for _, r := range b.Runs {
		if terminal[r.RunID] != 1 {
			t.Errorf("run %s had %d terminal events", r.RunID, terminal[r.RunID])
		}
	}
	if after != 0 {
		t.Errorf("%d events followed a terminal one", after)
	}
}
