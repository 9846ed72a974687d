package engine

import (
	"context"
	"testing"

	"github.com/bilancio-go/bilancio/internal/pynum"
)

// TestCheckInvariants breaks the double entry of a small state in each way
// checkInvariants looks for, one break and two at once, and checks the rule
// it reports: the first missing entry in contract order, then the first
// duplicate in agent and list order, then a negative amount, then the
// central bank's totals.
func TestCheckInvariants(t *testing.T) {
	// Contracts 0 (H1's cash), 1 (H2's cash) and 2 (payable H1 → H2).
	setup := func(t *testing.T) *system {
		t.Helper()
		sc := newScenario(ExpelAgent, "CB:central_bank", "H1:household", "H2:household")
		sc.InitialActions = []Action{
			act(ActMintCash, "to", "H1", "amount", "50"),
			act(ActMintCash, "to", "H2", "amount", "40"),
			act(ActCreatePayable, "from", "H1", "to", "H2", "amount", "60", "due_day", "1"),
		}
		s, err := newSystem(sc, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.setup(context.Background(), sc); err != nil {
			t.Fatal(err)
		}
		return s
	}
	const cb, h1, h2 = 0, 1, 2
	drop := func(l *[]int32, v int32) {
		for i, x := range *l {
			if x == v {
				*l = append((*l)[:i:i], (*l)[i+1:]...)
				return
			}
		}
	}
	tests := []struct {
		name   string
		break_ func(s *system)
		want   string
	}{
		{"intact", func(*system) {}, ""},
		{"missing asset", func(s *system) { drop(&s.st.agents[h2].assets, 2) },
			"invariant violated: PAY_000000000003 missing on asset holder H2"},
		{"missing liability", func(s *system) { drop(&s.st.agents[cb].liabilities, 1) },
			"invariant violated: C_000000000002 missing on issuer CB"},
		{"on the wrong agent", func(s *system) {
			drop(&s.st.agents[h1].assets, 0)
			s.st.agents[h2].assets = append(s.st.agents[h2].assets, 0)
		}, "invariant violated: C_000000000001 missing on asset holder H1"},
		{"first missing wins", func(s *system) {
			drop(&s.st.agents[h1].liabilities, 2)
			drop(&s.st.agents[h1].assets, 0)
		}, "invariant violated: C_000000000001 missing on asset holder H1"},
		{"duplicate asset", func(s *system) { s.st.agents[h2].assets = append(s.st.agents[h2].assets, 1) },
			"invariant violated: duplicate asset ref C_000000000002 on H2"},
		{"duplicate liability", func(s *system) {
			s.st.agents[cb].liabilities = append(s.st.agents[cb].liabilities, 0)
		}, "invariant violated: duplicate liability ref C_000000000001 on CB"},
		{"first agent's duplicate wins", func(s *system) {
			s.st.agents[h2].assets = append(s.st.agents[h2].assets, 1)
			s.st.agents[h1].liabilities = append(s.st.agents[h1].liabilities, 2)
		}, "invariant violated: duplicate liability ref PAY_000000000003 on H1"},
		{"missing before duplicate", func(s *system) {
			s.st.agents[h1].assets = append(s.st.agents[h1].assets, 0)
			drop(&s.st.agents[h2].assets, 2)
		}, "invariant violated: PAY_000000000003 missing on asset holder H2"},
		{"same contract on two agents is no duplicate", func(s *system) {
			s.st.agents[h1].assets = append(s.st.agents[h1].assets, 2)
		}, ""},
		{"negative amount", func(s *system) { s.st.contracts[2].amount = pynum.Int(-1) },
			"invariant violated: negative amount on PAY_000000000003"},
		{"duplicate before negative amount", func(s *system) {
			s.st.contracts[2].amount = pynum.Int(-1)
			s.st.agents[h2].assets = append(s.st.agents[h2].assets, 1)
		}, "invariant violated: duplicate asset ref C_000000000002 on H2"},
		{"cash outstanding", func(s *system) { s.st.cbCash = pynum.Int(91) },
			"invariant violated: CB cash mismatch: instruments 90, outstanding 91"},
		{"removed contracts are not checked", func(s *system) {
			s.st.contracts[2].removed = true
			drop(&s.st.agents[h2].assets, 2)
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := setup(t)
			tt.break_(s)
			got := ""
			if err := s.checkInvariants(); err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("checkInvariants() = %q, want %q", got, tt.want)
			}
		})
	}
}
