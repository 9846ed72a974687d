package sdk

import (
	"fmt"
	"sync"
	"testing"
)

func TestRunStates(t *testing.T) {
	var s RunStates
	if got := s.Status("e"); len(got.Runs) != 0 {
		t.Errorf("empty: %+v", got)
	}
	s.Record("e", RunEvent{RunID: "b", Type: EventStarted})
	s.Record("e", RunEvent{RunID: "a", Type: EventQueued})
	s.Record("e", RunEvent{RunID: "b", Type: EventFailed, Message: "boom"})
	s.Record("other", RunEvent{RunID: "c", Type: EventCompleted})
	s.Record("e", RunEvent{Type: EventUsage, Usage: []SandboxUsage{{ID: "sb"}}})
	got := s.Status("e").Runs
	want := []RunStatus{{RunID: "a", State: EventQueued}, {RunID: "b", State: EventFailed, Message: "boom"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Status(e) = %+v, want %+v", got, want)
	}
	// Concurrent use (run with -race).
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			s.Record("p", RunEvent{RunID: fmt.Sprint(i), Type: EventStarted})
			_ = s.Status("p")
		})
	}
	wg.Wait()
	if n := len(s.Status("p").Runs); n != 8 {
		t.Errorf("%d runs after concurrent records, want 8", n)
	}
}
