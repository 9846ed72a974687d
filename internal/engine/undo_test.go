package engine

import (
	"context"
	"errors"
	"testing"

	"github.com/bilancio-go/bilancio/internal/pynum"
)

// TestRollbackRestoresEverything fails an atomic block after changes of
// every kind the journal records — contracts added, split, moved, merged and
// removed, amounts too large for an inline coefficient, the central bank's
// outstanding cash, an alias, a payable, a default, a change undone by a
// function — and checks that the state, the event log, the pending payables
// and the central bank's totals are as they were, and that a later block
// still works. It runs on the scenario as built by hand and as loading
// leaves it (agents and aliases resolved: see resolveRefs).
func TestRollbackRestoresEverything(t *testing.T) {
	for _, resolved := range []bool{false, true} {
		t.Run(map[bool]string{false: "by hand", true: "resolved"}[resolved], func(t *testing.T) {
			testRollback(t, resolved)
		})
	}
}

func testRollback(t *testing.T, resolved bool) {
	big := "833.3333333333333333333333333" // 28 digits: kept as a large amount
	sc := newScenario(ExpelAgent, "CB:central_bank", "H1:household", "H2:household", "H3:household")
	sc.InitialActions = []Action{
		act(ActMintCash, "to", "H1", "amount", big, "alias", "LIQ_H1"),
		act(ActMintCash, "to", "H2", "amount", "40"),
		act(ActCreatePayable, "from", "H1", "to", "H2", "amount", "60", "due_day", "1", "alias", "P1"),
	}
	if resolved && !resolveRefs(sc) {
		t.Fatal("resolveRefs refused the scenario")
	}
	s, err := newSystem(sc, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.setup(context.Background(), sc); err != nil {
		t.Fatal(err)
	}
	if got := s.st.agentIndex == nil; got != resolved {
		t.Errorf("no agent index after setup: %v, want %v", got, resolved)
	}
	bound := func(alias string) bool {
		_, ok := s.st.boundAlias(s.st.aliasSlot(alias, -1))
		return ok
	}
	before := s.view()
	events, cbCash, pending := len(s.ev.recs), s.st.cbCash, len(s.pending)
	h1, h2, h3 := s.st.agentByID("H1"), s.st.agentByID("H2"), s.st.agentByID("H3")
	undone := false
	fail := errors.New("fail")
	err = s.atomic(func() error {
		if err := s.transferCash(h1, h3, pynum.Int(100)); err != nil { // splits H1's large cash
			return err
		}
		if err := s.transferCash(h2, h3, pynum.Int(40)); err != nil { // moves, then merges at H3
			return err
		}
		if _, err := s.mintCash(h2, mustDecimal("1234567890123456789012.345678"), "X", true); err != nil {
			return err
		}
		pay := act(ActCreatePayable, "from", "H2", "to", "H3", "amount", "5", "due_day", "2")
		if err := s.apply(&pay); err != nil {
			return err
		}
		s.setAlias(s.st.aliasSlot("P1b", -1), s.st.contracts[2])
		s.onUndo(func() { undone = true })
		if err := s.atomic(func() error { return s.expel(h1, -1, "", Null()) }); err != nil {
			return err
		}
		s.removeContract(2)
		return fail
	})
	if !errors.Is(err, fail) {
		t.Fatalf("atomic returned %v", err)
	}
	after := s.view()
	if got, want := renderState(&after), renderState(&before); got != want {
		t.Errorf("state after rollback:\n%s\nwant\n%s", got, want)
	}
	if len(s.ev.recs) != events || pynum.Cmp(s.st.cbCash, cbCash) != 0 || s.st.cbCash.String() != cbCash.String() {
		t.Errorf("%d events and %s cash outstanding after rollback, want %d and %s", len(s.ev.recs), s.st.cbCash, events, cbCash)
	}
	if !undone || s.live != 3 || s.st.agents[h1].defaulted || bound("P1b") || !bound("P1") || !bound("LIQ_H1") {
		t.Errorf("undone %v, %d live agents, H1 defaulted %v, P1b %v", undone, s.live, s.st.agents[h1].defaulted, bound("P1b"))
	}
	if len(s.pending) != pending {
		t.Errorf("%d payables pending after rollback, want %d", len(s.pending), pending)
	}
	if len(s.journal) != 0 || len(s.undoFns) != 0 || len(s.undoBig) != 0 {
		t.Errorf("journal %d steps, %d functions, %d amounts after the outermost block", len(s.journal), len(s.undoFns), len(s.undoBig))
	}
	if err := s.checkInvariants(); err != nil {
		t.Error(err)
	}
	if err := s.transferCash(h1, h2, pynum.Int(5)); err != nil {
		t.Fatal(err)
	}
	if got := s.view().Contracts; len(got) != 3 {
		t.Errorf("%d contracts after a transfer, want 3 (the piece merged into H2's cash)", len(got))
	}
}
