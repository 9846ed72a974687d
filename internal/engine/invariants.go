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
func (s *system) checkInvariants() error {
	st := &s.st
	var lists listSets
	for i, c := range st.contracts {
		if c.removed {
			continue
		}
		if !lists.contains(st.agents[c.effectiveHolder()].assets, int32(i), len(st.contracts)) {
			return invariantf("%s missing on asset holder %s", c.id, st.agents[c.effectiveHolder()].id)
		}
		if !lists.contains(st.agents[c.issuer].liabilities, int32(i), len(st.contracts)) {
			return invariantf("%s missing on issuer %s", c.id, st.agents[c.issuer].id)
		}
	}
	for i := range st.agents {
		a := &st.agents[i]
		if dup, ok := firstDuplicate(a.assets); ok {
			return invariantf("duplicate asset ref %s on %s", st.contracts[dup].id, a.id)
		}
		if dup, ok := firstDuplicate(a.liabilities); ok {
			return invariantf("duplicate liability ref %s on %s", st.contracts[dup].id, a.id)
		}
		if dup, ok := firstDuplicate(a.stocks); ok {
			return invariantf("duplicate stock ref %s on %s", st.stocks[dup].id, a.id)
		}
	}
	cash, reserves := pynum.Int(0), pynum.Int(0)
	for _, c := range st.contracts {
		if c.removed {
			continue
		}
		switch c.kind {
		case KindCash:
			cash = pynum.Add(cash, c.amount)
		case KindReserveDeposit:
			reserves = pynum.Add(reserves, c.amount)
		}
		if c.amount.Sign() < 0 {
			return invariantf("negative amount on %s", c.id)
		}
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

// listSets answers membership questions on long id lists (the central
// bank's liabilities list every cash instrument) without a scan each: a
// list longer than a few entries gets a set, built on its first question.
type listSets struct {
	sets map[*int32][]bool
}

// contains reports whether l holds v, an index below n.
func (ls *listSets) contains(l []int32, v int32, n int) bool {
	if len(l) <= 16 {
		return contains(l, v)
	}
	set, ok := ls.sets[&l[0]]
	if !ok {
		set = make([]bool, n)
		for _, x := range l {
			set[x] = true
		}
		if ls.sets == nil {
			ls.sets = map[*int32][]bool{}
		}
		ls.sets[&l[0]] = set
	}
	return set[v]
}

func contains(l []int32, v int32) bool {
	for _, x := range l {
		if x == v {
			return true
		}
	}
	return false
}

// firstDuplicate returns the first id that appears twice in l.
func firstDuplicate(l []int32) (int32, bool) {
	if len(l) < 2 {
		return 0, false
	}
	if len(l) <= 16 {
		for i, x := range l {
			if contains(l[:i], x) {
				return x, true
			}
		}
		return 0, false
	}
	seen := make(map[int32]struct{}, len(l))
	for _, x := range l {
		if _, ok := seen[x]; ok {
			return x, true
		}
		seen[x] = struct{}{}
	}
	return 0, false
}
