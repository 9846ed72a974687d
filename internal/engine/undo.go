package engine

import "github.com/bilancio-go/bilancio/internal/pynum"

// undoOp says which change an undoStep reverts.
type undoOp uint8

const (
	undoFunc           undoOp = iota // call fn
	undoAppend                       // drop the last element of *list
	undoRemove                       // put v back at pos in *list
	undoAmount                       // c.amount = amount
	undoHolder                       // c.holder = v
	undoCBCash                       // cbCash = amount
	undoCBReserves                   // cbReserves = amount
	undoAddContract                  // forget contract v, the last one added
	undoDeleteContract               // bring contract v back
	undoDefaulted                    // agent v is not defaulted after all
	undoSetAlias                     // forget alias entry pos, the last one, of contract c; v is the tail it was linked to
	undoDropAlias                    // alias entry pos is live again
)

// undoStep is one entry of the atomic block's journal. The frequent changes
// are typed so that recording them allocates nothing; the rare ones carry a
// function.
type undoStep struct {
	op     undoOp
	pos    int32
	v      int32
	list   *[]int32
	c      *contract
	amount pynum.Amount
	fn     func()
}

// undo reverts the step.
func (u *undoStep) undo(s *system) {
	switch u.op {
	case undoFunc:
		u.fn()
	case undoAppend:
		*u.list = (*u.list)[:len(*u.list)-1]
	case undoRemove:
		l := append(*u.list, 0)
		copy(l[u.pos+1:], l[u.pos:])
		l[u.pos] = u.v
		*u.list = l
	case undoAmount:
		u.c.amount = u.amount
	case undoHolder:
		u.c.holder = u.v
	case undoCBCash:
		s.st.cbCash = u.amount
	case undoCBReserves:
		s.st.cbReserves = u.amount
	case undoAddContract:
		c := s.st.contracts[u.v]
		s.st.contracts = s.st.contracts[:u.v]
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
		delete(s.st.aliasIndex, e.alias)
		if u.v == -1 {
			u.c.alias = 0
		} else {
			s.st.aliases[u.v].next = -1
		}
	case undoDropAlias:
		e := &s.st.aliases[u.pos]
		e.live = true
		s.st.aliasIndex[e.alias] = int(u.pos)
	}
}
