package engine

import (
	"iter"
	"sync"
)

// Invariant checking modes (bilancio's --check-invariants).
const (
	CheckSetup = "setup" // after setup only
	CheckDaily = "daily" // after setup and after every day
	CheckNone  = "none"
)

// Options adjust a run. The zero value runs the scenario as written.
type Options struct {
	// MaxDays overrides run.max_days when > 0.
	MaxDays int
	// QuietDays overrides run.quiet_days when non-nil.
	QuietDays *int
	// DefaultHandling overrides run.default_handling when not empty.
	DefaultHandling string
	// CheckInvariants is setup (the default when empty), daily or none.
	CheckInvariants string
	// Snapshots asks for a StateView after setup and after every simulated day
	// (for reports); it costs a copy of the state per day.
	Snapshots bool
	// DetailedLogging asks a dealer run for the records behind bilancio's
	// detailed CSV files (trades, inventory and system-state time series,
	// repayment events).
	DetailedLogging bool
	// DealerEra is the bilancio revision whose dealer instrumentation a
	// dealer run reproduces ("" is DealerDecember).
	DealerEra DealerEra
	// EmulateDisplayTruncation reproduces a bilancio bug, for regenerating
	// its damaged files only (spec/dealer.md §14): after a day d ≥ 1 that
	// ended without a default, the run stops if an agent listed in
	// run.show.balances that has not defaulted holds or owes an instrument
	// the dealer's silent burn deleted. Off by default: the Go engine runs
	// every scenario to the end of its stop rule.
	EmulateDisplayTruncation bool
}

// StopReason says why a run ended.
type StopReason string

// Stop reasons.
const (
	// StopStable: quiet_days quiet days in a row and no open obligation.
	StopStable StopReason = "stable"
	// StopMaxDays: max_days days simulated without stabilising.
	StopMaxDays StopReason = "max_days"
	// StopDefault: a fail-fast default ended the run.
	StopDefault StopReason = "default"
	// StopAllDefaulted: in expel-agent mode every non-central-bank agent
	// would have defaulted; the last default was rolled back.
	StopAllDefaulted StopReason = "all_defaulted"
	// StopDisplayTruncated: Options.EmulateDisplayTruncation stopped the
	// run where bilancio's display code would have cut it short.
	StopDisplayTruncated StopReason = "display_truncated"
)

// Result is what a run produced.
type Result struct {
	// events is the event log, turned into Events on first use (Events).
	events *loggedEvents
	// final is the state when the run ended, copied on first use (Final).
	final *finalView
	// Snapshots holds the state after setup (Day 0) and after each simulated
	// day, when Options.Snapshots was set. They are read-only: a snapshot
	// shares with the one before it (and Final with the last) the agent and
	// contract lists, id lists and leading contracts that did not change, so
	// a reader may take the same backing array as "unchanged".
	Snapshots []StateView
	// DaysSimulated counts run_day calls, including a day cut short by a
	// default.
	DaysSimulated int
	Stop          StopReason
	// StopMessage is bilancio's DefaultError text for StopDefault and
	// StopAllDefaulted ("Insufficient funds to settle payable …: n still owed",
	// "All non-central-bank agents have defaulted").
	StopMessage string
	// DefaultHandling, MaxDays and QuietDays are the settings the run used.
	DefaultHandling string
	MaxDays         int
	QuietDays       int
	// Dealer is the dealer subsystem's record of the run, nil without one.
	Dealer *DealerRun
	// Warnings are the daily invariant checks a dealer run failed: its
	// silent burns leave the central bank's bookkeeping inconsistent, which
	// bilancio reports without stopping.
	Warnings []string
}

// DefaultedAgents returns the ids of the agents expelled during the run, in
// the order they defaulted.
func (r *Result) DefaultedAgents() []string {
	var ids []string
	for e := range r.EachEvent() {
		if e.Kind == "AgentDefaulted" {
			ids = append(ids, e.GetString("agent"))
		}
	}
	return ids
}

// Events returns the event log: {kind, day, phase, payload} records in the
// order bilancio logs them. The engine keeps the log compact while it runs
// and builds these on the first call; the slice is shared, not to be changed.
func (r *Result) Events() []Event {
	if r.events == nil {
		return nil
	}
	return r.events.get()
}

// EventCount returns the number of events of the log.
func (r *Result) EventCount() int {
	switch {
	case r.events == nil:
		return 0
	case r.events.log != nil:
		return len(r.events.log.recs)
	}
	return len(r.events.events)
}

// CountEvents returns the number of events of kind, without building
// them.
func (r *Result) CountEvents(kind string) int {
	switch {
	case r.events == nil:
		return 0
	case r.events.log != nil:
		return r.events.log.count(kind)
	}
	n := 0
	for i := range r.events.events {
		if r.events.events[i].Kind == kind {
			n++
		}
	}
	return n
}

// EachEvent returns the events of the log in order, as Events does, without
// building them all: each is built in turn in the same Event and payload,
// valid until the next one (the values' strings and amounts stay valid).
// For a reader that goes through the log once, such as an encoder.
func (r *Result) EachEvent() iter.Seq[*Event] {
	return func(yield func(*Event) bool) {
		switch {
		case r.events == nil:
		case r.events.log != nil:
			r.events.log.each(&r.events.tables, yield)
		default:
			for i := range r.events.events {
				if !yield(&r.events.events[i]) {
					return
				}
			}
		}
	}
}

// Final returns the state when the run ended (after any rollback). The
// engine copies it out of the finished simulation on the first call; the
// view is shared, not to be changed.
func (r *Result) Final() *StateView {
	if r.final == nil {
		return &StateView{}
	}
	f := r.final
	f.once.Do(func() {
		f.view = f.s.view()
		f.s = nil
	})
	return &f.view
}

// SetFinal replaces the final state with v (for results put together by
// hand, such as a report's tests).
func (r *Result) SetFinal(v StateView) {
	f := &finalView{view: v}
	f.once.Do(func() {})
	r.final = f
}

// finalView is a finished simulation's state, copied into a StateView once.
type finalView struct {
	once sync.Once
	s    *system
	view StateView
}

// SetEvents replaces the event log with events (for results put together by
// hand, such as a report's tests).
func (r *Result) SetEvents(events []Event) {
	e := &loggedEvents{events: events}
	e.once.Do(func() {})
	r.events = e
}
