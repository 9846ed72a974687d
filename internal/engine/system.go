package engine

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/bilancio-go/bilancio/internal/pynum"
)

// system is one simulation: its state, the undo journal of the atomic block
// in progress, and the id sequence.
type system struct {
	st          state
	defaultMode string

	// journal holds undo steps while an atomic block runs (depth > 0).
	journal []func()
	depth   int

	// nextID numbers new instrument ids. It is not part of the state: ids
	// used inside a rolled-back block are not reused, as bilancio's random
	// ids are not.
	nextID uint64

	// fields is an arena the event payloads are cut from.
	fields []Field
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
	s.nextID++
	var buf [24]byte
	b := append(buf[:0], prefix...)
	b = append(b, '_')
	hex := strconv.AppendUint(nil, s.nextID, 16)
	for i := len(hex); i < 12; i++ {
		b = append(b, '0')
	}
	b = append(b, hex...)
	return string(b)
}

// atomic runs fn; if fn fails, every change fn made to the state (including
// the events it logged) is undone before the error is returned.
func (s *system) atomic(fn func() error) error {
	mark := len(s.journal)
	events := len(s.st.events)
	s.depth++
	err := fn()
	s.depth--
	if err != nil {
		for i := len(s.journal) - 1; i >= mark; i-- {
			s.journal[i]()
		}
		s.st.events = s.st.events[:events]
		s.journal = s.journal[:mark]
		return err
	}
	if s.depth == 0 {
		// The outermost block succeeded: nothing can undo it any more. An
		// inner block's steps stay, so that a failing outer block undoes them.
		s.journal = s.journal[:0]
	}
	return nil
}

// onUndo records how to revert a change, when inside an atomic block.
func (s *system) onUndo(f func()) {
	if s.depth > 0 {
		s.journal = append(s.journal, f)
	}
}

// log appends an event with the current day and phase.
func (s *system) log(kind string, fields ...Field) {
	var payload []Field
	if n := len(fields); n > 0 {
		if cap(s.fields)-len(s.fields) < n {
			s.fields = make([]Field, 0, max(1024, n))
		}
		start := len(s.fields)
		s.fields = append(s.fields, fields...)
		payload = s.fields[start : start+n : start+n]
	}
	s.st.events = append(s.st.events, Event{Kind: kind, Day: s.st.day, Phase: s.st.phase, Fields: payload})
}

// setAmount changes a contract's amount, journaled.
func (s *system) setAmount(c *contract, a pynum.Amount) {
	old := c.amount
	c.amount = a
	s.onUndo(func() { c.amount = old })
}

// addCBCash adjusts the central bank's cash outstanding, journaled.
func (s *system) addCBCash(delta pynum.Amount) {
	old := s.st.cbCash
	s.st.cbCash = pynum.Add(old, delta)
	s.onUndo(func() { s.st.cbCash = old })
}

// addCBReserves adjusts the central bank's reserves outstanding, journaled.
func (s *system) addCBReserves(delta pynum.Amount) {
	old := s.st.cbReserves
	s.st.cbReserves = pynum.Add(old, delta)
	s.onUndo(func() { s.st.cbReserves = old })
}

// appendID appends v to *list, journaled.
func (s *system) appendID(list *[]int32, v int32) {
	*list = append(*list, v)
	s.onUndo(func() { *list = (*list)[:len(*list)-1] })
}

// removeID removes the first v from *list (Python's list.remove), journaled.
// It reports whether v was there.
func (s *system) removeID(list *[]int32, v int32) bool {
	l := *list
	for i, x := range l {
		if x != v {
			continue
		}
		copy(l[i:], l[i+1:])
		*list = l[:len(l)-1]
		s.onUndo(func() {
			l := append(*list, 0)
			copy(l[i+1:], l[i:])
			l[i] = v
			*list = l
		})
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
	s.st.contracts = append(s.st.contracts, c)
	s.st.contractIndex[c.id] = idx
	s.onUndo(func() {
		s.st.contracts = s.st.contracts[:idx]
		delete(s.st.contractIndex, c.id)
	})
	s.appendID(&holder.assets, idx)
	s.appendID(&issuer.liabilities, idx)
	return nil
}

// deleteContract removes contract idx from the registry (not from agents' lists).
func (s *system) deleteContract(idx int32) {
	c := s.st.contracts[idx]
	c.removed = true
	delete(s.st.contractIndex, c.id)
	s.onUndo(func() {
		c.removed = false
		s.st.contractIndex[c.id] = idx
	})
}

// removeContract removes a settled or defaulted contract from its holders,
// its issuer and the registry, and adjusts the central bank's outstanding
// amounts (bilancio's _remove_contract).
func (s *system) removeContract(idx int32) {
	c := s.st.contracts[idx]
	eff := c.effectiveHolder()
	s.removeID(&s.st.agents[eff].assets, idx)
	if eff != c.holder {
		s.removeID(&s.st.agents[c.holder].assets, idx)
	}
	s.removeID(&s.st.agents[c.issuer].liabilities, idx)
	s.deleteContract(idx)
	switch c.kind {
	case KindCash:
		s.addCBCash(neg(c.amount))
	case KindReserveDeposit:
		s.addCBReserves(neg(c.amount))
	}
}

func neg(a pynum.Amount) pynum.Amount { return pynum.Sub(pynum.Int(0), a) }

// setAlias binds alias to contract id, journaled.
func (s *system) setAlias(alias, id string) {
	i := len(s.st.aliases)
	s.st.aliases = append(s.st.aliases, aliasEntry{alias: alias, contract: id, live: true})
	s.st.aliasIndex[alias] = i
	s.st.aliasesForID[id] = append(s.st.aliasesForID[id], i)
	s.onUndo(func() {
		s.st.aliases = s.st.aliases[:i]
		delete(s.st.aliasIndex, alias)
		l := s.st.aliasesForID[id]
		s.st.aliasesForID[id] = l[:len(l)-1]
	})
}

// dropAlias removes alias if bound (Python's dict.pop(alias, None)), journaled.
func (s *system) dropAlias(alias string) {
	i, ok := s.st.aliasIndex[alias]
	if !ok {
		return
	}
	s.st.aliases[i].live = false
	delete(s.st.aliasIndex, alias)
	s.onUndo(func() {
		s.st.aliases[i].live = true
		s.st.aliasIndex[alias] = i
	})
}

// hasAlias reports whether alias is bound.
func (s *system) hasAlias(alias string) bool {
	_, ok := s.st.aliasIndex[alias]
	return ok
}

// aliasTarget returns the contract id alias names.
func (s *system) aliasTarget(alias string) (string, bool) {
	i, ok := s.st.aliasIndex[alias]
	if !ok {
		return "", false
	}
	return s.st.aliases[i].contract, true
}

// aliasValue is the alias as an event value: the alias, or null.
func (s *system) aliasValue(id string) Value {
	a, ok := s.st.aliasFor(id)
	return StrOrNull(a, ok)
}

// setDefaulted marks agent i as expelled, journaled.
func (s *system) setDefaulted(i int32) {
	a := &s.st.agents[i]
	a.defaulted = true
	s.st.defaultedOrder = append(s.st.defaultedOrder, i)
	s.onUndo(func() {
		a.defaulted = false
		s.st.defaultedOrder = s.st.defaultedOrder[:len(s.st.defaultedOrder)-1]
	})
}
