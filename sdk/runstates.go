package sdk

import (
	"slices"
	"strings"
	"sync"
)

// RunStates keeps the last state of each run an executor reported, by
// experiment, to answer Status. The zero value is ready to use and it is
// safe for concurrent use.
type RunStates struct {
	mu   sync.Mutex
	runs map[string]map[string]RunStatus // experiment → run id → last state
}

// Record keeps ev as the last state of its run in experiment; events that
// name no run (EventUsage) are ignored.
func (s *RunStates) Record(experiment string, ev RunEvent) {
	if ev.RunID == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.runs == nil {
		s.runs = map[string]map[string]RunStatus{}
	}
	runs := s.runs[experiment]
	if runs == nil {
		runs = map[string]RunStatus{}
		s.runs[experiment] = runs
	}
	runs[ev.RunID] = RunStatus{RunID: ev.RunID, State: ev.Type, Message: ev.Message}
}

// Status returns the last state of each run of experiment, sorted by run
// id; no runs for an experiment it never saw.
func (s *RunStates) Status(experiment string) *StatusReply {
	s.mu.Lock()
	runs := make([]RunStatus, 0, len(s.runs[experiment]))
	for _, st := range s.runs[experiment] {
		runs = append(runs, st)
	}
	s.mu.Unlock()
	slices.SortFunc(runs, func(a, b RunStatus) int { return strings.Compare(a.RunID, b.RunID) })
	return &StatusReply{Runs: runs}
}
