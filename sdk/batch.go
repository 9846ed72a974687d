package sdk

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/bilancio-go/bilancio/sdk/runfolder"
)

// ValidateBatch checks that a batch can be executed: it has an output
// directory, parallel is not negative, the experiment id (when set) and
// every run id are plain folder names, and no run id appears twice. Every
// executor calls it (or NewRunGuard, which does) before any work; the
// error names the offending run by its index.
func ValidateBatch(b *Batch) error {
	if b == nil {
		return errors.New("no batch")
	}
	if b.OutRoot == "" {
		return errors.New("the batch has no output directory (out_root)")
	}
	if b.Parallel < 0 {
		return fmt.Errorf("parallel must be >= 0, got %d", b.Parallel)
	}
	if id := b.ExperimentID; id != "" && (id == "." || id == ".." || strings.ContainsAny(id, `/\`) || !filepath.IsLocal(id)) {
		return fmt.Errorf("experiment id %q is not a plain folder name", id)
	}
	seen := make(map[string]int, len(b.Runs))
	for i, r := range b.Runs {
		if err := runfolder.ValidRunID(r.RunID); err != nil {
			return fmt.Errorf("runs[%d]: %w", i, err)
		}
		if j, ok := seen[r.RunID]; ok {
			return fmt.Errorf("runs[%d]: run id %q already used by runs[%d]", i, r.RunID, j)
		}
		seen[r.RunID] = i
	}
	return nil
}

// Failure says why a run failed, on failed events: whether the run itself
// is at fault (running it again gives the same failure) or what ran it.
type Failure string

// Kinds of failure.
const (
	// FailureRun (the zero value): the run itself failed — a broken
	// scenario, an error of the simulation. Retrying gives the same result.
	FailureRun Failure = ""
	// FailureInfrastructure: the machine or service running the run failed
	// (a sandbox or node died, was preempted or timed out, a download
	// failed); the run may succeed when tried again. Executors set it.
	FailureInfrastructure Failure = "infrastructure"
	// FailurePluginCrashed: the executor plugin died mid-batch; the host
	// sets it on the runs the plugin left unfinished.
	FailurePluginCrashed Failure = "plugin_crashed"
	// FailureUnresponsive: the executor plugin, or the run, was silent past
	// the host's liveness timeout (no heartbeat); the host stopped waiting
	// for it (and killed the plugin, when the plugin was silent).
	FailureUnresponsive Failure = "unresponsive"
)

// Retryable reports whether a failure of this kind may go away when the run
// is tried again: any failure but the run's own.
func (f Failure) Retryable() bool { return f != FailureRun }

// RunGuard enforces the protocol's rule that every run of a batch gets
// exactly one terminal event (or, in a detached batch, EventDetached): it lets through the events of the batch's
// runs up to and including each one's terminal event, drops the others,
// and at the end owes a terminal event to every run that had none. Every
// party that passes run events on uses it: executors, the sdk's client and
// the host. It is safe for concurrent use.
type RunGuard struct {
	// emitMu serialises Forward's and Finish's calls to emit (taken before mu).
	emitMu sync.Mutex
	mu     sync.Mutex
	order  []string
	runs   map[string]*guardedRun
	open   int
	closed bool
}

type guardedRun struct {
	ended   bool
	attempt int
}

// NewRunGuard validates the batch's runs (their ids, see ValidateBatch)
// and returns a guard for them, every run open.
func NewRunGuard(b *Batch) (*RunGuard, error) {
	if b == nil {
		return nil, errors.New("no batch")
	}
	g := &RunGuard{runs: make(map[string]*guardedRun, len(b.Runs)), order: make([]string, 0, len(b.Runs))}
	for i, r := range b.Runs {
		if err := runfolder.ValidRunID(r.RunID); err != nil {
			return nil, fmt.Errorf("runs[%d]: %w", i, err)
		}
		if g.runs[r.RunID] != nil {
			return nil, fmt.Errorf("runs[%d]: run id %q appears twice in the batch", i, r.RunID)
		}
		g.runs[r.RunID] = &guardedRun{}
		g.order = append(g.order, r.RunID)
	}
	g.open = len(g.order)
	return g, nil
}

// Admit reports whether ev may be passed on: it is an event of one of the
// batch's runs that has not ended, and the guard is not closed. A final
// event it admits (terminal, or EventDetached) ends its run. Events that name no run (usage,
// heartbeats) are not admitted: callers pass them on as they see fit.
func (g *RunGuard) Admit(ev RunEvent) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	r := g.runs[ev.RunID]
	if g.closed || r == nil || r.ended {
		return false
	}
	if ev.Attempt > 0 {
		r.attempt = ev.Attempt
	}
	if ev.Type.Final() {
		r.ended = true
		g.open--
	}
	return true
}

// Ended reports whether the run has had its terminal event (false for a
// run not in the batch).
func (g *RunGuard) Ended(id string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	r := g.runs[id]
	return r != nil && r.ended
}

// Open returns the runs without a terminal event, in the batch's order.
func (g *RunGuard) Open() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make([]string, 0, g.open)
	for _, id := range g.order {
		if !g.runs[id].ended {
			out = append(out, id)
		}
	}
	return out
}

// Left is how many runs have no terminal event.
func (g *RunGuard) Left() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.open
}

// Close ends the batch: it returns the terminal event owed to every run
// without one — of type typ (a terminal type), with the message and the
// failure kind given, and the run's last attempt — in the batch's order,
// and marks them ended. Nothing is admitted after Close; a second Close
// returns nothing.
func (g *RunGuard) Close(typ EventType, message string, failure Failure) []RunEvent {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.closed = true
	if g.open == 0 {
		return nil
	}
	now := time.Now()
	owed := make([]RunEvent, 0, g.open)
	for _, id := range g.order {
		r := g.runs[id]
		if r.ended {
			continue
		}
		r.ended = true
		ev := RunEvent{RunID: id, Type: typ, Time: now, Message: message, Attempt: r.attempt}
		if typ == EventFailed {
			ev.Failure = failure
		}
		owed = append(owed, ev)
	}
	g.open = 0
	return owed
}

// ErrBatchOver is what Forward's emit returns once the guard is closed.
var ErrBatchOver = errors.New("the batch is over: no more events are taken")

// Forward wraps emit with the guard, for an executor's emit: calls to emit
// are serialised; the batch's run events are passed up to each run's
// terminal event; a run event that is not admitted is dropped, but for its
// usage records, passed on in a usage event; events that name no run
// (usage, heartbeat) are passed on. Once the guard is closed it returns
// ErrBatchOver and emits nothing.
func (g *RunGuard) Forward(emit func(RunEvent) error) func(RunEvent) error {
	return func(ev RunEvent) error {
		g.emitMu.Lock()
		defer g.emitMu.Unlock()
		if g.isClosed() {
			return ErrBatchOver
		}
		if ev.RunID != "" && ev.Type != EventUsage && ev.Type != EventHeartbeat {
			if g.Admit(ev) {
				return emit(ev)
			}
			if len(ev.Usage) == 0 {
				return nil
			}
			ev = RunEvent{Type: EventUsage, Time: ev.Time, Usage: ev.Usage}
		}
		if ev.Type == EventUsage && len(ev.Usage) == 0 {
			return nil
		}
		return emit(ev)
	}
}

// Finish closes the guard and emits the terminal event owed to each run
// that had none (see Close), after any event Forward is passing on; it
// returns how many it emitted. Errors of emit are ignored: the events are
// owed whatever emit said before.
func (g *RunGuard) Finish(emit func(RunEvent) error, typ EventType, message string, failure Failure) int {
	g.emitMu.Lock()
	defer g.emitMu.Unlock()
	owed := g.Close(typ, message, failure)
	for _, ev := range owed {
		_ = emit(ev)
	}
	return len(owed)
}

func (g *RunGuard) isClosed() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.closed
}
