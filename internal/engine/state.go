package engine

import (
	"github.com/bilancio-go/bilancio/internal/pynum"
)

// noAgent marks an unset agent reference.
const noAgent = -1

// agent is one agent of the simulation. Its asset, liability and stock lists
// hold indices into state.contracts / state.stocks, in bilancio's order.
type agent struct {
	id        string
	name      string
	kind      string
	defaulted bool

	// moved is set by every change to one of the agent's lists (idList)
	// and to the amount of an instrument it holds (setAmount): its cash
	// may have changed. (An instrument is deleted only after it left its
	// holder's list.) The dealer's cash refresh clears it (dealerPhase);
	// the rest of the engine does not read it; a rollback leaves it set.
	moved bool

	assets      []int32
	liabilities []int32
	stocks      []int32
}

// contract is one instrument. Removed contracts stay in state.contracts as
// tombstones so that the slice keeps bilancio's insertion order.
type contract struct {
	id     string
	kind   string
	amount pynum.Amount
	dueDay int64
	// goods holds a delivery obligation's terms (nil for any other
	// contract, which keeps the frequent ones small).
	goods  *goodsTerms
	holder int32 // asset_holder_id
	issuer int32 // liability_issuer_id
	// secondaryHolder is the holder set by a secondary-market transfer
	// (bilancio's holder_id); noAgent when the original creditor holds it.
	secondaryHolder int32
	// alias is 1 + the index of the first alias entry that ever named the
	// contract (0: none): bilancio's get_alias_for_id starts there.
	alias int32
	// index is the contract's place in state.contracts, once added.
	index     int32
	hasDueDay bool
	removed   bool
}

// denom is the contract's denomination: a delivery obligation's is "N/A",
// every other one's "X" (the engine creates no other).
func (c *contract) denom() string {
	if c.kind == KindDeliveryObligation {
		return "N/A"
	}
	return "X"
}

// goodsTerms are a delivery obligation's goods: what and at what price.
type goodsTerms struct {
	sku       string
	unitPrice pynum.Amount
}

// sku is a delivery obligation's sku ("" for other contracts).
func (c *contract) sku() string {
	if c.goods == nil {
		return ""
	}
	return c.goods.sku
}

// unitPrice is a delivery obligation's unit price (zero for other contracts).
func (c *contract) unitPrice() pynum.Amount {
	if c.goods == nil {
		return pynum.Amount{}
	}
	return c.goods.unitPrice
}

// effectiveHolder is the agent a payment on c goes to.
func (c *contract) effectiveHolder() int32 {
	if c.secondaryHolder != noAgent {
		return c.secondaryHolder
	}
	return c.holder
}

// stockLot is one inventory lot.
type stockLot struct {
	id        string
	sku       string
	quantity  int64
	unitPrice pynum.Amount
	owner     int32
	divisible bool
	removed   bool
}

// aliasEntry is one alias → contract binding. Entries are never reordered;
// a removed alias is marked dead, and adding it again appends a new entry, as
// a Python dict does after a pop.
type aliasEntry struct {
	slot     int32 // the alias's slot: its text is state.aliasNames[slot]
	contract int32 // the contract's index in state.contracts
	next     int32 // the next entry naming the same contract, or -1
	live     bool
}

// state is everything an atomic block restores on failure, but for the
// event log (system.ev), which it cuts back as well.
type state struct {
	agents []agent
	// agentIndex finds an agent by id. It is built on first use (see
	// agentByID): a run whose actions' agents loading resolved needs none.
	agentIndex map[string]int32
	cbIndex    int32 // the first central bank, or noAgent

	contracts []*contract
	// contractIndex finds a live contract by id. Only transfer_claim looks
	// contracts up by id, so it is built on first use (see liveContract)
	// and kept up to date from then on (nil until then).
	contractIndex map[string]int32

	stocks []*stockLot

	aliases []aliasEntry
	// aliasLast holds, by alias slot (see aliasSlot), 1 + the index of the
	// alias's last entry (0: none): the alias is bound when that entry is
	// live (a dropped alias keeps pointing at its dead entry).
	aliasLast []int32
	// aliasNames are the aliases of the slots: the scenario's alias table
	// (see resolveRefs), then any alias it does not hold. aliasSlots finds
	// a slot by alias; it is built only when a hint fails (see aliasSlot).
	// A slot outlives a rollback (unbound), which is as good as none.
	aliasNames []string
	aliasSlots map[string]int32

	day int

	cbCash     pynum.Amount
	cbReserves pynum.Amount

	// scheduled holds the scheduled actions by day, in file order.
	scheduled map[int64][]Action
	// scheduledDays lists the days of scheduled in the order they first
	// appear in the scenario (the order of bilancio's dict).
	scheduledDays []int64
	// defaultedOrder lists expelled agents in the order they defaulted.
	defaultedOrder []int32

	// mopOverrides are the scenario's means-of-payment rankings by agent
	// kind, which replace defaultMop's (the scenario's map, read-only).
	mopOverrides map[string][]string
}

// The default means-of-payment rankings (read-only).
var (
	mopDepositsFirst = []string{KindBankDeposit, KindCash}
	mopCashFirst     = []string{KindCash, KindBankDeposit}
	mopReserves      = []string{KindReserveDeposit}
)

// defaultMop is bilancio's means-of-payment ranking of an agent kind (nil:
// none).
func defaultMop(kind string) []string {
	switch kind {
	case "household":
		return mopDepositsFirst
	case "firm":
		return mopCashFirst
	case "bank", "treasury", "central_bank":
		return mopReserves
	}
	return nil
}

// liveContract returns the contract with id, or nil if it does not exist (any more).
func (s *state) liveContract(id string) (*contract, int32) {
	if s.contractIndex == nil {
		s.contractIndex = make(map[string]int32, len(s.contracts))
		for i, c := range s.contracts {
			if !c.removed {
				s.contractIndex[c.id] = int32(i)
			}
		}
	}
	i, ok := s.contractIndex[id]
	if !ok {
		return nil, -1
	}
	return s.contracts[i], i
}

// agentByID returns the index of agent id, or noAgent. The index is built
// on first use; after it, agentIndex is never nil.
func (s *state) agentByID(id string) int32 {
	if s.agentIndex == nil {
		s.agentIndex = make(map[string]int32, len(s.agents))
		for i := range s.agents {
			s.agentIndex[s.agents[i].id] = int32(i)
		}
	}
	i, ok := s.agentIndex[id]
	if !ok {
		return noAgent
	}
	return i
}

// aliasFor returns the first live alias naming contract c (bilancio's
// get_alias_for_id), and whether there is one.
func (s *state) aliasFor(c *contract) (string, bool) {
	if i := s.aliasEntry(c); i >= 0 {
		return s.aliasName(i), true
	}
	return "", false
}

// aliasName is the alias of entry i.
func (s *state) aliasName(i int32) string { return s.aliasNames[s.aliases[i].slot] }

// aliasSlot returns the slot of alias; hint is the slot loading resolved
// for it (see resolveRefs), used when it holds that alias. An alias the
// scenario's table does not hold gets a new slot.
func (s *state) aliasSlot(alias string, hint int32) int32 {
	if uint32(hint) < uint32(len(s.aliasNames)) && s.aliasNames[hint] == alias {
		return hint
	}
	if s.aliasSlots == nil {
		s.aliasSlots = make(map[string]int32, len(s.aliasNames))
		for i, a := range s.aliasNames {
			s.aliasSlots[a] = int32(i)
		}
	}
	if i, ok := s.aliasSlots[alias]; ok {
		return i
	}
	// A new slot. aliasNames starts as the scenario's table, clipped: this
	// append copies it rather than writing into it.
	i := int32(len(s.aliasNames))
	s.aliasNames = append(s.aliasNames, alias)
	s.aliasSlots[alias] = i
	s.aliasLast = append(s.aliasLast, 0)
	return i
}

// aliasEntry returns the index of the first live alias entry naming
// contract c, or -1.
func (s *state) aliasEntry(c *contract) int32 {
	for i := c.alias - 1; i != -1; i = s.aliases[i].next {
		if s.aliases[i].live {
			return i
		}
	}
	return -1
}

// boundAlias returns the index of the live entry of the alias in slot, if
// the alias is bound.
func (s *state) boundAlias(slot int32) (int32, bool) {
	i := s.aliasLast[slot] - 1
	return i, i >= 0 && s.aliases[i].live
}
