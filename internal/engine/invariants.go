package engine

import (
	"fmt"

	"github.com/bilancio-go/bilancio/internal/pynum"
)

// InvariantError is a broken accounting invariant (bilancio's assert_invariants).
type InvariantError struct{ Msg string }

func (e *InvariantError) Error() string { return "invariant violated: " + e.Msg }

func invariantf(format string, args ...any) error {
	return &InvariantError{Msg: fmt.Sprintf(format, args...)}
}

// checkInvariants verifies the double entry of the state: every contract sits
// on its holder's assets and its issuer's liabilities exactly once, the
// central bank's outstanding cash and reserves match the instruments, no
// amount or stock is negative, and every stock lot has exactly its owner.
// It reports the first broken rule in that order.
func (s *system) checkInvariants() error {
	st := &s.st
	// One pass over the agents' lists answers both questions: placed[i]
	// tells whether contract i is on its holder's assets (bit 0) and on its
	// issuer's liabilities (bit 1), and stamp[x] names the last list that
	// held x, so that a list holding x twice sees its own stamp.
	placed := make([]uint8, len(st.contracts))
	stamp := make([]int32, max(len(st.contracts), len(st.stocks)))
	var dup error
	for i := range st.agents {
		a := &st.agents[i]
		base := 3*int32(i) + 1
		for _, x := range a.assets {
			if stamp[x] == base && dup == nil {
				dup = invariantf("duplicate asset ref %s on %s", st.contracts[x].id, a.id)
			}
			stamp[x] = base
			if st.contracts[x].effectiveHolder() == int32(i) {
				placed[x] |= 1
			}
		}
		for _, x := range a.liabilities {
			if stamp[x] == base+1 && dup == nil {
				dup = invariantf("duplicate liability ref %s on %s", st.contracts[x].id, a.id)
			}
			stamp[x] = base + 1
			if st.contracts[x].issuer == int32(i) {
				placed[x] |= 2
			}
		}
		for _, x := range a.stocks {
			if stamp[x] == base+2 && dup == nil {
				dup = invariantf("duplicate stock ref %s on %s", st.stocks[x].id, a.id)
			}
			stamp[x] = base + 2
		}
	}
	cash, reserves := pynum.Int(0), pynum.Int(0)
	var negative error
	for i, c := range st.contracts {
		if c.removed {
			continue
		}
		if placed[i]&1 == 0 {
			return invariantf("%s missing on asset holder %s", c.id, st.agents[c.effectiveHolder()].id)
		}
		if placed[i]&2 == 0 {
			return invariantf("%s missing on issuer %s", c.id, st.agents[c.issuer].id)
		}
		switch c.kind {
		case KindCash:
			cash = pynum.Add(cash, c.amount)
		case KindReserveDeposit:
			reserves = pynum.Add(reserves, c.amount)
		}
		if c.amount.Sign() < 0 && negative == nil {
			negative = invariantf("negative amount on %s", c.id)
		}
	}
	if dup != nil {
		return dup
	}
	if negative != nil {
		return negative
	}
	if pynum.Cmp(cash, st.cbCash) != 0 {
		return invariantf("CB cash mismatch: instruments %s, outstanding %s", cash, st.cbCash)
	}
	if pynum.Cmp(reserves, st.cbReserves) != 0 {
		return invariantf("CB reserves mismatch: instruments %s, outstanding %s", reserves, st.cbReserves)
	}
	owners := map[int32]int32{}
	for i := range st.agents {
		for _, l := range st.agents[i].stocks {
			if o, ok := owners[l]; ok {
				return invariantf("stock %s owned by multiple agents: %s and %s", st.stocks[l].id, st.agents[o].id, st.agents[i].id)
			}
			owners[l] = int32(i)
		}
	}
	for i, l := range st.stocks {
		if l.removed {
			continue
		}
		o, ok := owners[int32(i)]
		if !ok {
			return invariantf("stock %s in registry but no agent owns it", l.id)
		}
		if o != l.owner {
			return invariantf("stock %s owner %s doesn't match owning agent %s", l.id, st.agents[l.owner].id, st.agents[o].id)
		}
		if l.quantity < 0 {
			return invariantf("stock %s has negative quantity: %d", l.id, l.quantity)
		}
	}
	return nil
}
