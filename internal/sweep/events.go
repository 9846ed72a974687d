package sweep

import "time"

// EventType is the kind of an Event.
type EventType string

// Event types, in the order a sweep emits them. They are the "type" of the
// `-json` output's lines (docs/json-output.md).
const (
	// EventSweepStarted: the plan is known and the executor is ready.
	EventSweepStarted EventType = "sweep_started"
	// EventRunStarted: a run was handed to the executor (Attempt counts).
	EventRunStarted EventType = "run_started"
	// EventRunFinished: a run completed and its folder verified.
	EventRunFinished EventType = "run_finished"
	// EventRunFailed: an attempt failed; Final says no retry is left.
	EventRunFailed EventType = "run_failed"
	// EventDiagnostic: a warning or an error that is not a run's.
	EventDiagnostic EventType = "diagnostic"
	// EventSweepSummary: the sweep ended (completed, failed or
	// interrupted); always the last event.
	EventSweepSummary EventType = "sweep_summary"
)

// Event is something that happened during a sweep. The views (a progress
// bar, plain lines, JSON lines) render the same events.
type Event struct {
	Type EventType
	Time time.Time
	// Progress is the state of the sweep after the event.
	Progress Progress
	// Run is set for run events.
	Run *RunEvent
	// Start is set for EventSweepStarted.
	Start *StartInfo
	// Summary is set for EventSweepSummary.
	Summary *Summary
	// Diagnostic is set for EventDiagnostic.
	Diagnostic *Diagnostic
}

// Progress counts the runs of a sweep.
type Progress struct {
	// Total is the number of runs planned so far: grid and LHS, plus the
	// frontier probes asked (Adaptive: more may come).
	Total    int  `json:"total"`
	Adaptive bool `json:"adaptive,omitempty"`
	// Done counts the runs complete, Reused those of them that were done
	// before this invocation (resumed, not run again).
	Done   int `json:"done"`
	Reused int `json:"reused"`
	// Failed counts the runs that failed for good; Running those handed to
	// the executor and not yet ended.
	Failed  int `json:"failed"`
	Running int `json:"running"`
	// Detached counts the runs handed to remote work that goes on without
	// this process (Options.Detach): the next sweep run (or sweep attach)
	// collects them.
	Detached int `json:"detached,omitempty"`
	// Cancelled counts the runs the executor cancelled without this
	// process asking (a `sweep cancel` from another shell); they stay
	// pending.
	Cancelled int `json:"cancelled,omitempty"`
	// Elapsed is the time since the sweep started; Rate the runs completed
	// per second by this invocation; ETA the expected time left (0 when
	// unknown).
	Elapsed time.Duration `json:"-"`
	Rate    float64       `json:"-"`
	ETA     time.Duration `json:"-"`
}

// Pending is the number of planned runs neither done nor failed.
func (p Progress) Pending() int { return max(p.Total-p.Done-p.Failed, 0) }

// RunEvent describes a run in an event.
type RunEvent struct {
	ID    string
	Index int
	Phase string
	Label string
	Seed  int64
	// Params are kappa, concentration, mu and monotonicity as printed.
	Params [4]string
	// Attempt counts this run's tries in this invocation, from 1; Attempts
	// is how many it may have (1 + retries).
	Attempt, Attempts int

	// run_finished.
	PhiTotal, DeltaTotal, TimeToStability string
	Duration                              time.Duration

	// run_failed.
	Error string
	// Final: no retry is left; RetryIn is the wait before the next attempt.
	Final   bool
	RetryIn time.Duration
}

// StartInfo describes a sweep that starts.
type StartInfo struct {
	ExperimentID string
	Dir          string
	// Executor describes where the runs execute ("local (in process)").
	Executor string
	Grid     int
	LHS      int
	// FrontierCells is the number of frontier cells (0 without a frontier).
	FrontierCells int
	SeedMode      string
	Parallel      int
	Retries       int
}

// Summary is how a sweep ended.
type Summary struct {
	ExperimentID string
	Dir          string
	// Status is "completed" (every run done), "failed" (some failed for
	// good, or -fail-fast stopped the sweep) or "interrupted".
	Status   string
	Progress Progress
	// Ran counts the runs completed by this invocation, Attempts the runs
	// handed to the executor (retries included).
	Ran      int
	Attempts int
	// Registry, Results, SummaryJSON and Dashboard are the files written
	// (each empty when it could not be written). For a paired sweep
	// Results is aggregate/comparison.csv and ArmRegistries holds the arms'
	// registries (Registry is the first).
	Registry, Results, SummaryJSON string
	ArmRegistries                  []string
	Dashboard                      string
	// Error says what stopped the sweep, when something other than runs
	// that failed did (an executor that cannot start, a full disk).
	Error string
	// Frontier is the outcome of each frontier cell.
	Frontier []FrontierPoint
	Elapsed  time.Duration
}

// Summary statuses.
const (
	StatusCompleted   = "completed"
	StatusFailed      = "failed"
	StatusInterrupted = "interrupted"
	// StatusDetached: the runs not done were handed to remote work
	// (Options.Detach) and none failed.
	StatusDetached = "detached"
	// StatusCancelled: the executor cancelled runs this process did not
	// ask it to (`sweep cancel` from another shell); they stay pending.
	StatusCancelled = "cancelled"
)

// Diagnostic is a message for the user.
type Diagnostic struct {
	// Severity is "warning" or "error".
	Severity string
	Summary  string
	Detail   string
}
