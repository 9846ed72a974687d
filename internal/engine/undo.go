package engine

import (
	"github.com/bilancio-go/bilancio/internal/pynum"
)

// undoOp says which change an undoStep reverts.
type undoOp uint8

const (
	undoFunc           undoOp = iota // call system.undoFns[x]
	undoAppend                       // drop the last element of agent x's list
	undoRemove                       // put v back at pos in agent x's list
	undoAmount                       // contract x's amount = the step's amount
	undoHolder                       // contract x's holder = v
	undoCBCash                       // cbCash = the step's amount
	undoCBReserves                   // cbReserves = the step's amount
	undoAddContract                  // forget contract v, the last one added: off its lists, pending payables, registry
	undoDeleteContract               // bring contract v back
	undoDefaulted                    // agent v is not defaulted after all
	undoSetAlias                     // forget alias entry pos, the last one, of contract x; v is the tail it was linked to
	undoDropAlias                    // alias entry pos is live again
)

// listKind names one of an agent's lists.
type listKind uint8

const (
	assetList listKind = iota
	liabilityList
	stockList
)

// idList returns agent a's list k, to be changed: it marks the agent as
// moved (see agent.moved).
func (s *system) idList(a int32, k listKind) *[]int32 {
	ag := &s.st.agents[a]
	ag.moved = true
	switch k {
	case liabilityList:
		return &ag.liabilities
	case stockList:
		return &ag.stocks
	}
	return &ag.assets
}

// undoStep is one entry of the atomic block's journal. The frequent changes
// are typed steps that hold no pointer (contracts and agents by index, an
// amount by its parts), so that recording them costs neither an allocation
// nor a write barrier; a large amount and the rare changes that carry a
// function keep those in side tables (system.undoBig, system.undoFns).
type undoStep struct {
	coef int64
	exp  int32
	pos  int32
	v    int32
	x    int32
	// big is 1 + the index of a large amount in system.undoBig (0: none).
	big  int32
	op   undoOp
	list listKind
	dec  bool
}

// setAmount makes u carry amount a.
func (s *system) setStepAmount(u *undoStep, a pynum.Amount) {
	var big *pynum.Big
	u.coef, u.exp, u.dec, big = a.Parts()
	if big != nil {
		s.undoBig = append(s.undoBig, big)
		u.big = int32(len(s.undoBig))
	}
}

// stepAmount is the amount u carries.
func (s *system) stepAmount(u *undoStep) pynum.Amount {
	var big *pynum.Big
	if u.big > 0 {
		big = s.undoBig[u.big-1]
	}
	return pynum.FromParts(u.coef, u.exp, u.dec, big)
}

// undo reverts the step.
func (u *undoStep) undo(s *system) {
	switch u.op {
	case undoFunc:
		s.undoFns[u.x]()
	case undoAppend:
		l := s.idList(u.x, u.list)
		*l = (*l)[:len(*l)-1]
	case undoRemove:
		p := s.idList(u.x, u.list)
		l := append(*p, 0)
		copy(l[u.pos+1:], l[u.pos:])
		l[u.pos] = u.v
		*p = l
	case undoAmount:
		s.st.contracts[u.x].amount = s.stepAmount(u)
	case undoHolder:
		s.st.contracts[u.x].holder = u.v
	case undoCBCash:
		s.st.cbCash = s.stepAmount(u)
	case undoCBReserves:
		s.st.cbReserves = s.stepAmount(u)
	case undoAddContract:
		// The later steps are undone: c is the last entry of its holder's
		// assets and of its issuer's liabilities again.
		c := s.st.contracts[u.v]
		l := s.idList(c.issuer, liabilityList)
		*l = (*l)[:len(*l)-1]
		l = s.idList(c.holder, assetList)
		*l = (*l)[:len(*l)-1]
		s.st.contracts = s.st.contracts[:u.v]
		if c.kind == KindPayable && c.hasDueDay {
			// The last pending payable: settleDue, the only other
			// change to the list, runs outside atomic blocks.
			s.pending = s.pending[:len(s.pending)-1]
		}
		if s.st.contractIndex != nil {
			delete(s.st.contractIndex, c.id)
		}
	case undoDeleteContract:
		c := s.st.contracts[u.v]
		c.removed = false
		if s.st.contractIndex != nil {
			s.st.contractIndex[c.id] = u.v
		}
	case undoDefaulted:
		s.st.agents[u.v].defaulted = false
		s.live++
		s.st.defaultedOrder = s.st.defaultedOrder[:len(s.st.defaultedOrder)-1]
	case undoSetAlias:
		e := s.st.aliases[u.pos]
		s.st.aliases = s.st.aliases[:u.pos]
		s.st.aliasLast[e.slot] = 0
		if u.v == -1 {
			s.st.contracts[u.x].alias = 0
		} else {
			s.st.aliases[u.v].next = -1
		}
	case undoDropAlias:
		e := &s.st.aliases[u.pos]
		e.live = true
		s.st.aliasLast[e.slot] = u.pos + 1
	}
}
