package engine

import (
	"errors"
	"fmt"
	"unsafe"

	"github.com/bilancio-go/bilancio/internal/pynum"
)

// system is one simulation: its state, the undo journal of the atomic block
// in progress, and the id sequence.
type system struct {
	st          state
	defaultMode string

	// journal holds undo steps while an atomic block runs (depth > 0),
	// undoFns and undoBig what its steps cannot hold (see undoStep).
	journal []undoStep
	undoFns []func()
	undoBig []*pynum.Big
	depth   int

	// idDigits are the 12 hex digits of the last instrument id (zero bytes
	// before the first). They are not part of the state: ids used inside a
	// rolled-back block are not reused, as bilancio's random ids are not.
	idDigits [12]byte

	// ev is the event log, and setupPhase tells that events are logged
	// in phase setup (else simulation).
	ev         eventLog
	setupPhase bool

	// fields is an arena the payloads of generic events are cut from.
	fields []Field
	// ids is an arena the instrument ids are cut from (see newID), and
	// slab one the contracts are (see newContract): a run creates hundreds
	// of each, and one allocation per block of them is cheaper for both the
	// allocator and the collector.
	ids  []byte
	slab []contract
	// pending lists the payables that are not yet due, in insertion order
	// (removed ones stay until their day): settleDue looks at nothing else.
	// due is settleDue's list of the day's payables, kept for the next day.
	pending []duePayable
	due     []int32
	// live counts the agents that are neither a central bank nor
	// defaulted, so that an expulsion knows at once whether it was the last.
	live int
	// deliveries tells that a delivery obligation was created (and may
	// fall due): the days of a run without one skip looking for them. A
	// rolled-back creation leaves it set, which costs only the search.
	deliveries bool

	// mop is mopOrder's last answer: the means of payment of mopKind.
	mopKind string
	mop     []string

	// dealer is the dealer subsystem, when the scenario enables one.
	dealer *dealerSubsystem

	// lastView is the state view made last: the next one shares with it
	// what has not changed (see view); changed is view's scratch list.
	lastView StateView
	changed  []uint8
}

// duePayable is a payable of system.pending: its index and due day.
type duePayable struct {
	day int64
	idx int32
}

// ValidationError is bilancio's ValidationError: an operation refused.
type ValidationError struct{ Msg string }

func (e *ValidationError) Error() string { return e.Msg }

// DefaultError is bilancio's DefaultError: it stops the simulation.
type DefaultError struct{ Msg string }

func (e *DefaultError) Error() string { return e.Msg }

func validationf(format string, args ...any) error {
	return &ValidationError{Msg: fmt.Sprintf(format, args...)}
}

// isValidation reports whether err is a ValidationError.
func isValidation(err error) bool {
	var v *ValidationError
	return errors.As(err, &v)
}

// newID returns a new instrument id in bilancio's shape: prefix, underscore,
// 12 lowercase hex digits. Ids are sequential, so runs are reproducible.
func (s *system) newID(prefix string) string {
	// The digits of the previous id, plus one.
	d := &s.idDigits
	for i := len(d) - 1; i >= 0; i-- {
		switch d[i] {
		case '9':
			d[i] = 'a'
		case 'f':
			d[i] = '0'
			continue
		case 0: // the first id of the run
			*d = [12]byte{'0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '1'}
		default:
			d[i]++
		}
		break
	}
	n := len(prefix) + 1 + len(d)
	if cap(s.ids)-len(s.ids) < n {
		s.ids = make([]byte, 0, max(idArena, n))
	}
	start := len(s.ids)
	b := s.ids[:start+n]
	copy(b[start:], prefix)
	b[start+len(prefix)] = '_'
	*(*[12]byte)(b[start+n-len(d):]) = *d
	s.ids = b
	// The bytes of b[start:] are never written again: the arena only grows
	// past them, and a full arena is replaced, not reused.
	return unsafe.String(&b[start], n)
}

// idArena is the size of a block of instrument ids: 256 of the shortest.
const idArena = 256 * idBytes

// idBytes is the length of the shortest instrument id ("C_" and 12 digits).
const idBytes = 14

// newContract returns a new contract that lives as long as the run, with
// the fields every contract has; the caller sets the others. The contracts
// are cut from blocks, which is why state.contracts holds pointers: a block
// is never moved. They are filled in place, field by field: copying a whole
// contract into the block would cost a bulk write barrier while the
// collector runs.
func (s *system) newContract(id, kind string, amount pynum.Amount, holder, issuer int32) *contract {
	if len(s.slab) == cap(s.slab) {
		s.slab = make([]contract, 0, contractSlab)
	}
	s.slab = s.slab[:len(s.slab)+1]
	c := &s.slab[len(s.slab)-1]
	c.id, c.kind = id, kind
	c.amount = amount
	c.holder, c.issuer = holder, issuer
	return c
}

// contractSlab is the number of contracts of a block.
const contractSlab = 128

// atomic runs fn; if fn fails, every change fn made to the state (including
// the events it logged) is undone before the error is returned.
func (s *system) atomic(fn func() error) error {
	mark := len(s.journal)
	events := s.ev.mark()
	s.depth++
	err := fn()
	s.depth--
	if err != nil {
		for i := len(s.journal) - 1; i >= mark; i-- {
			s.journal[i].undo(s)
		}
		s.ev.truncate(events)
		s.journal = s.journal[:mark]
	}
	if s.depth == 0 {
		// The outermost block is over: nothing can undo it any more. An
		// inner block's steps stay, so that a failing outer block undoes them.
		s.journal = s.journal[:0]
		if len(s.undoFns) > 0 || len(s.undoBig) > 0 {
			clear(s.undoFns)
			clear(s.undoBig)
			s.undoFns, s.undoBig = s.undoFns[:0], s.undoBig[:0]
		}
	}
	return err
}

// onUndo records a function that reverts a change, when inside an atomic
// block. The frequent changes have typed steps instead (see undo.go), which
// cost no allocation.
func (s *system) onUndo(f func()) {
	if s.depth > 0 {
		s.undoFns = append(s.undoFns, f)
		s.journal = append(s.journal, undoStep{op: undoFunc, x: int32(len(s.undoFns) - 1)})
	}
}

// record adds a typed undo step, when inside an atomic block.
func (s *system) record(u undoStep) {
	if s.depth > 0 {
		s.journal = append(s.journal, u)
	}
}

// log appends an event with the current day and phase, kept whole (the
// frequent events are compact: see emit).
func (s *system) log(kind string, fields ...Field) {
	var payload []Field
	if n := len(fields); n > 0 {
		payload = s.cut(n)
		copy(payload, fields)
	}
	l := &s.ev
	l.recs = append(l.recs, rec{off: int32(len(l.gen)), day: int32(s.st.day), mask: allKeys, kind: evGeneric, setup: s.setupPhase})
	l.gen = append(l.gen, Event{Kind: kind, Day: s.st.day, Phase: phaseName(s.setupPhase), Fields: payload})
	if impact(kind) {
		l.impacts++
	}
}

// setAmount changes a contract's amount, journaled.
func (s *system) setAmount(c *contract, a pynum.Amount) {
	if s.depth > 0 {
		u := undoStep{op: undoAmount, x: c.index}
		s.setStepAmount(&u, c.amount)
		s.journal = append(s.journal, u)
	}
	c.amount = a
	s.st.agents[c.holder].moved = true
}

// addCBCash adjusts the central bank's cash outstanding, journaled.
func (s *system) addCBCash(delta pynum.Amount) {
	s.recordAmount(undoCBCash, s.st.cbCash)
	s.st.cbCash = pynum.Add(s.st.cbCash, delta)
}

// recordAmount adds a step of op that restores amount a, when inside an
// atomic block.
func (s *system) recordAmount(op undoOp, a pynum.Amount) {
	if s.depth > 0 {
		u := undoStep{op: op}
		s.setStepAmount(&u, a)
		s.journal = append(s.journal, u)
	}
}

// addCBReserves adjusts the central bank's reserves outstanding, journaled.
func (s *system) addCBReserves(delta pynum.Amount) {
	s.recordAmount(undoCBReserves, s.st.cbReserves)
	s.st.cbReserves = pynum.Add(s.st.cbReserves, delta)
}

// appendID appends v to agent a's list k, journaled.
func (s *system) appendID(a int32, k listKind, v int32) {
	list := s.idList(a, k)
	*list = append(*list, v)
	s.record(undoStep{op: undoAppend, x: a, list: k})
}

// removeID removes the first v from *list (Python's list.remove), journaled.
// It reports whether v was there.
//
// A list holds an id at most once (see checkInvariants), so the first v is
// the last one, and the search starts from the end: what is removed is
// mostly what was added last (a cash piece split off and merged back), and
// the central bank's liabilities list every cash instrument, which would
// make a search from the front quadratic in the ring's size.
func (s *system) removeID(a int32, k listKind, v int32) bool {
	list := s.idList(a, k)
	l := *list
	for i := len(l) - 1; i >= 0; i-- {
		if l[i] != v {
			continue
		}
		copy(l[i:], l[i+1:])
		*list = (*list)[:len(l)-1] // only the length changes
		s.record(undoStep{op: undoRemove, x: a, list: k, pos: int32(i), v: v})
		return true
	}
	return false
}

// canHold and canIssue are bilancio's policy: who may hold and issue what.
func canHold(agentKind, contractKind string) bool {
	switch contractKind {
	case KindBankDeposit:
		return agentKind == "household" || agentKind == "firm" || agentKind == "treasury" || agentKind == "bank"
	case KindReserveDeposit:
		return agentKind == "bank" || agentKind == "treasury"
	}
	return true
}

func canIssue(agentKind, contractKind string) bool {
	switch contractKind {
	case KindCash, KindReserveDeposit:
		return agentKind == "central_bank"
	case KindBankDeposit:
		return agentKind == "bank"
	}
	return true
}

// addContract registers c and attaches it to its holder's assets and its
// issuer's liabilities (bilancio's System.add_contract).
func (s *system) addContract(c *contract) error {
	if c.amount.Sign() < 0 {
		return fmt.Errorf("add %s %s: amount must be non-negative", c.kind, c.id)
	}
	if c.holder == c.issuer {
		return fmt.Errorf("add %s %s: self-counterparty forbidden", c.kind, c.id)
	}
	holder, issuer := &s.st.agents[c.holder], &s.st.agents[c.issuer]
	if !canHold(holder.kind, c.kind) {
		return validationf("%s cannot hold %s", holder.kind, c.kind)
	}
	if !canIssue(issuer.kind, c.kind) {
		return validationf("%s cannot issue %s", issuer.kind, c.kind)
	}
	c.secondaryHolder = noAgent
	idx := int32(len(s.st.contracts))
	c.index = idx
	s.st.contracts = append(s.st.contracts, c)
	if s.st.contractIndex != nil {
		s.st.contractIndex[c.id] = idx
	}
	if c.kind == KindPayable && c.hasDueDay {
		s.pending = append(s.pending, duePayable{c.dueDay, idx})
	}
	// One step undoes it all: the lists too (see undoAddContract).
	s.record(undoStep{op: undoAddContract, v: idx})
	holder.assets = append(holder.assets, idx)
	issuer.liabilities = append(issuer.liabilities, idx)
	holder.moved, issuer.moved = true, true
	return nil
}

// deleteContract removes contract idx from the registry (not from agents' lists).
func (s *system) deleteContract(idx int32) {
	c := s.st.contracts[idx]
	c.removed = true
	if s.st.contractIndex != nil {
		delete(s.st.contractIndex, c.id)
	}
	s.record(undoStep{op: undoDeleteContract, v: idx})
}

// removeContract removes a settled or defaulted contract from its holders,
// its issuer and the registry, and adjusts the central bank's outstanding
// amounts (bilancio's _remove_contract).
func (s *system) removeContract(idx int32) {
	c := s.st.contracts[idx]
	eff := c.effectiveHolder()
	s.removeID(eff, assetList, idx)
	if eff != c.holder {
		s.removeID(c.holder, assetList, idx)
	}
	s.removeID(c.issuer, liabilityList, idx)
	s.deleteContract(idx)
	switch c.kind {
	case KindCash:
		s.addCBCash(neg(c.amount))
	case KindReserveDeposit:
		s.addCBReserves(neg(c.amount))
	}
}

func neg(a pynum.Amount) pynum.Amount { return pynum.Sub(pynum.Int(0), a) }

// setAlias binds the alias in slot to contract c, journaled.
func (s *system) setAlias(slot int32, c *contract) {
	i := int32(len(s.st.aliases))
	s.st.aliases = append(s.st.aliases, aliasEntry{})
	e := &s.st.aliases[i] // filled in place: see newContract
	e.slot, e.contract, e.next, e.live = slot, c.index, -1, true
	s.st.aliasLast[slot] = i + 1
	// Link the entry at the end of the contract's chain.
	tail := int32(-1)
	if c.alias != 0 {
		for tail = c.alias - 1; s.st.aliases[tail].next != -1; tail = s.st.aliases[tail].next {
		}
		s.st.aliases[tail].next = i
	} else {
		c.alias = i + 1
	}
	s.record(undoStep{op: undoSetAlias, pos: i, v: tail, x: c.index})
}

// dropAliasEntry removes the live alias entry i, journaled (Python's
// dict.pop of its alias). Its key stays
// in the index, naming a dead entry, which is as good as no key.
func (s *system) dropAliasEntry(i int32) {
	s.st.aliases[i].live = false
	s.record(undoStep{op: undoDropAlias, pos: i})
}

// aliasTarget returns the contract id the alias in slot names.
func (s *system) aliasTarget(slot int32) (string, bool) {
	i, ok := s.st.boundAlias(slot)
	if !ok {
		return "", false
	}
	return s.st.contracts[s.st.aliases[i].contract].id, true
}

// aliasValue is the alias as an event value: the alias, or null.
func (s *system) aliasValue(c *contract) Value {
	a, ok := s.st.aliasFor(c)
	return StrOrNull(a, ok)
}

// setDefaulted marks agent i as expelled, journaled.
func (s *system) setDefaulted(i int32) {
	s.st.agents[i].defaulted = true
	s.live--
	s.st.defaultedOrder = append(s.st.defaultedOrder, i)
	s.record(undoStep{op: undoDefaulted, v: i})
}

// cut returns n fields of the payload arena, for the lists and objects
// nested in an event's payload.
func (s *system) cut(n int) []Field {
	if cap(s.fields)-len(s.fields) < n {
		s.fields = make([]Field, 0, max(fieldArena, n))
	}
	start := len(s.fields)
	s.fields = s.fields[:start+n]
	return s.fields[start : start+n : start+n]
}

// fieldArena is the size of a block of the payload arena: under 32 KB, so
// that a block is a small object for the allocator (a large one costs a
// lock and a fresh span each time).
const fieldArena = 32 << 10 / int(unsafe.Sizeof(Field{}))
