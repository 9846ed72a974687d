package commands

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/bilancio-go/bilancio/internal/sweep"
)

// The summary of a sweep that an executor's cost limit cut short says how
// many runs were not started for -max-cost; that of a detached sweep says
// how many runs run remotely and which commands reach them.
func TestSweepViewBudgetAndDetached(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	refused := func(id string) sweep.Event {
		return sweep.Event{Type: sweep.EventRunFailed, Time: t0, Run: &sweep.RunEvent{ID: id, Attempt: 1, Attempts: 1, Final: true,
			Error: notStartedPrefix + "the sweep's max cost of 0.0100 USD would be passed"}}
	}
	var out bytes.Buffer
	v := makeSweepView(viewPlain, &out, &out, nil)
	v.Event(refused("grid_a"))
	v.Event(refused("grid_b"))
	v.Event(sweep.Event{Type: sweep.EventSweepSummary, Time: t0, Summary: &sweep.Summary{
		ExperimentID: "demo", Dir: "out/demo", Status: sweep.StatusFailed,
		Progress: sweep.Progress{Total: 4, Done: 2, Failed: 2},
	}})
	v.Close()
	if !strings.Contains(out.String(), "2 runs were not started: the sweep's cost would have passed -max-cost.") {
		t.Errorf("the summary does not count the runs the budget kept from starting:\n%s", out.String())
	}

	out.Reset()
	v = makeSweepView(viewPlain, &out, &out, nil)
	v.Event(sweep.Event{Type: sweep.EventSweepSummary, Time: t0, Summary: &sweep.Summary{
		ExperimentID: "demo", Dir: "out/demo", Status: sweep.StatusDetached,
		Progress: sweep.Progress{Total: 4, Done: 1, Detached: 3},
	}})
	v.Close()
	for _, want := range []string{"Sweep demo detached", "3 runs are running remotely", "bilancio sweep status out/demo -remote", "bilancio sweep attach out/demo", "bilancio sweep cancel out/demo"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the detached summary lacks %q:\n%s", want, out.String())
		}
	}
}
