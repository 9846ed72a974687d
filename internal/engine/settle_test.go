package engine

import (
	"context"
	"fmt"
	"slices"
	"testing"
)

// TestSettleDueOrder checks that the payables of a day are settled in the
// order they were created, whatever order their days came in — those of the
// setup and those that scheduled actions add later, due before or after the
// ones waiting — and that a payable is settled on its day only.
func TestSettleDueOrder(t *testing.T) {
	sc := newScenario(ExpelAgent, "CB:central_bank", "H1:household", "H2:household")
	sc.Run.MaxDays = 6
	payable := func(alias, due string) Action {
		return act(ActCreatePayable, "from", "H1", "to", "H2", "amount", "1", "due_day", due, "alias", alias)
	}
	sc.InitialActions = []Action{act(ActMintCash, "to", "H1", "amount", "100"),
		payable("A3", "3"), payable("B1", "1"), payable("C2", "2"), payable("D1", "1"), payable("E4", "4")}
	sc.ScheduledActions = []ScheduledAction{
		at(1, payable("F1", "1")), // due the day it is made
		at(1, payable("G4", "4")), // after everything waiting
		at(2, payable("H2", "2")),
		at(2, payable("I3", "3")), // before E4, which waits
		at(2, payable("J1", "1")), // overdue when made: never settled
	}
	res, err := Run(context.Background(), sc, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range res.Events() {
		if e.Kind == "PayableSettled" {
			got = append(got, fmt.Sprintf("%d:%s", e.Day, e.GetString("alias")))
		}
	}
	want := []string{"1:B1", "1:D1", "1:F1", "2:C2", "2:H2", "3:A3", "3:I3", "4:E4", "4:G4"}
	if !slices.Equal(got, want) {
		t.Errorf("settled %v, want %v", got, want)
	}
}
