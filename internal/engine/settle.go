package engine

import (
	"errors"
	"fmt"
	"slices"

	"github.com/bilancio-go/bilancio/internal/pynum"
)

// settleDue settles the payables due on day, in contract insertion order, one
// pass, then the delivery obligations due that day (bilancio's settle_due).
//
// The payables come from s.pending, which it leaves with those due later:
// days only move forward, and bilancio never settles a payable after its due
// day. It runs outside any atomic block (see addContract's undo).
func (s *system) settleDue(day int) error {
	due, later := s.due[:0], s.pending[:0]
	for _, p := range s.pending {
		switch {
		case p.day == int64(day):
			due = append(due, p.idx)
		case p.day > int64(day):
			later = append(later, p)
		}
	}
	s.due, s.pending = due, later
	for _, idx := range due {
		if err := s.settlePayable(idx); err != nil {
			return err
		}
	}
	return s.settleDueDeliveries(day)
}

// payment is one entry of a PartialSettlement's distribution.
type payment struct {
	method string
	amount pynum.Amount
}

func (s *system) settlePayable(idx int32) error {
	p := s.st.contracts[idx]
	if p.removed {
		return nil
	}
	debtor := p.issuer
	if s.st.agents[debtor].defaulted {
		return nil
	}
	creditor := p.effectiveHolder()
	order := s.mopOrder(s.st.agents[debtor].kind)
	return s.atomic(func() error {
		remaining := p.amount
		var buf [4]payment
		paid := buf[:0]
		for _, method := range order {
			if remaining.IsZero() {
				break
			}
			var now pynum.Amount
			var err error
			switch method {
			case KindBankDeposit:
				now, err = s.payWithDeposits(debtor, creditor, remaining)
			case KindCash:
				now, err = s.payWithCash(debtor, creditor, remaining)
			case KindReserveDeposit:
				now, err = s.payWithReserves(debtor, creditor, remaining)
			default:
				err = validationf("unknown payment method %s", method)
			}
			if err != nil {
				return err
			}
			remaining = pynum.Sub(remaining, now)
			if now.Sign() > 0 {
				paid = append(paid, payment{method, now})
			}
		}
		if !remaining.IsZero() {
			return s.defaultOnPayable(idx, remaining, paid)
		}
		s.removeContract(idx)
		id := cContract(idx)
		s.emit(evPayableSettled, allKeys, id, id, s.cAlias(p), cAgent(debtor), cAgent(creditor), s.cAmount(p.amount))
		return nil
	})
}

// mopOrder returns the means of payment of an agent of kind, in bilancio's
// order of preference. It keeps its last answer: settlement asks for one
// kind (a ring's households) again and again.
func (s *system) mopOrder(kind string) []string {
	if kind != s.mopKind || s.mop == nil {
		mop, ok := s.st.mopOverrides[kind]
		if !ok {
			mop = defaultMop(kind)
		}
		s.mopKind, s.mop = kind, mop
	}
	return s.mop
}

// holdings returns how many instruments of kind the agent holds, the first
// of them in asset order, and their sum (a Python sum: int 0 when there are
// none).
func (s *system) holdings(agent int32, kind string) (n int, first int32, sum pynum.Amount) {
	sum = pynum.Int(0)
	for _, idx := range s.st.agents[agent].assets {
		c := s.st.contracts[idx]
		if c.kind == kind {
			if n == 0 {
				first = idx
			}
			n++
			sum = pynum.Add(sum, c.amount)
		}
	}
	return n, first, sum
}

// payWithCash pays up to amount in cash; a refused transfer pays nothing.
func (s *system) payWithCash(debtor, creditor int32, amount pynum.Amount) (pynum.Amount, error) {
	n, _, available := s.holdings(debtor, KindCash)
	if n == 0 || available.IsZero() {
		return pynum.Int(0), nil
	}
	pay := pynum.Min(amount, available)
	if err := s.transferCash(debtor, creditor, pay); err != nil {
		if isValidation(err) {
			return pynum.Int(0), nil
		}
		return pynum.Int(0), err
	}
	return pay, nil
}

// defaultOnPayable handles a payable that could not be paid in full: fail-fast
// stops the run; expel-agent records the partial payment, writes the payable
// off and expels the debtor.
func (s *system) defaultOnPayable(idx int32, remaining pynum.Amount, paid []payment) error {
	p := s.st.contracts[idx]
	if s.defaultMode != ExpelAgent {
		return &DefaultError{Msg: fmt.Sprintf("Insufficient funds to settle payable %s: %s still owed", p.id, remaining)}
	}
	id, debtor, creditor := cContract(idx), cAgent(p.issuer), cAgent(p.effectiveHolder())
	aliasV := s.cAlias(p)
	amountPaid := pynum.Sub(p.amount, remaining)
	kind := s.cStr(p.kind)
	paidV, remainingV, originalV := s.cAmount(amountPaid), s.cAmount(remaining), s.cAmount(p.amount)
	if amountPaid.Sign() > 0 {
		var buf [10 + 2*4]cval
		f := append(buf[:0], id, aliasV, debtor, creditor, kind, s.cStr("payable"), paidV, remainingV, originalV)
		mask := uint16(1<<distributionKey - 1)
		if len(paid) > 0 {
			mask |= 1 << distributionKey
			f = append(f, s.cInt(int64(len(paid))))
			for _, pm := range paid {
				f = append(f, s.cStr(pm.method), s.cAmount(pm.amount))
			}
		}
		s.emit(evPartialSettlement, mask, f...)
	}
	s.emit(evObligationDefaulted, allKeys, id, aliasV, debtor, creditor, kind, remainingV, paidV, originalV, remainingV)
	s.removeContract(idx)
	return s.expel(p.issuer, idx, p.kind, AmountV(remaining))
}

// errAllDefaulted is the DefaultError bilancio raises when every
// non-central-bank agent has defaulted.
const errAllDefaulted = "All non-central-bank agents have defaulted"

// expel marks agent i as defaulted, writes off its other liabilities and
// cancels the scheduled actions that involve it (bilancio's _expel_agent).
// trigger is the contract it defaulted on (or -1), which its caller has
// removed; its id and alias are cancelled with the agent's.
func (s *system) expel(i, trigger int32, triggerKind string, shortfall Value) error {
	if s.defaultMode != ExpelAgent {
		return nil
	}
	a := &s.st.agents[i]
	if a.defaulted {
		return nil
	}
	if a.kind == "central_bank" {
		return &DefaultError{Msg: "Central bank cannot default"}
	}
	s.setDefaulted(i)
	triggerID := cval(0) // null
	if trigger >= 0 {
		triggerID = cContract(trigger)
	}
	s.emit(evAgentDefaulted, allKeys, cAgent(i), cAgent(i), triggerID,
		s.cStrOrNull(triggerKind, triggerKind != ""), s.cValue(shortfall), s.cStr(s.defaultMode))
	var cancelledIDs, cancelledAliases []string
	if trigger >= 0 {
		c := s.st.contracts[trigger]
		cancelledIDs = append(cancelledIDs, c.id)
		if e := s.st.aliasEntry(c); e >= 0 {
			cancelledAliases = append(cancelledAliases, s.st.aliasName(e))
			s.dropAliasEntry(e)
		}
	}
	// The agent's liabilities, in contract insertion order, are exactly the
	// contracts bilancio's scan of the registry finds issued by it.
	var buf [16]int32
	owed := append(buf[:0], a.liabilities...)
	slices.Sort(owed)
	for _, idx := range owed {
		c := s.st.contracts[idx]
		if c.removed || idx == trigger {
			continue
		}
		alias := s.st.aliasEntry(c)
		if alias >= 0 {
			cancelledAliases = append(cancelledAliases, s.st.aliasName(alias))
		}
		var fb [8]cval
		f := append(fb[:0], cContract(idx), s.cAlias(c), cAgent(i), cAgent(c.holder), s.cStr(c.kind), s.cAmount(c.amount))
		mask := uint16(0b111111)
		if c.hasDueDay {
			mask |= 1 << 6
			f = append(f, s.cInt(c.dueDay))
		}
		if c.kind == KindDeliveryObligation {
			mask |= 1 << 7
			f = append(f, s.cStr(c.sku()))
		}
		s.emit(evObligationWrittenOff, mask, f...)
		s.removeContract(idx)
		cancelledIDs = append(cancelledIDs, c.id)
		if alias >= 0 {
			s.dropAliasEntry(alias)
		}
	}
	s.cancelScheduled(a.id, cancelledIDs, cancelledAliases)
	if s.live > 0 {
		return nil
	}
	return &DefaultError{Msg: errAllDefaulted}
}

// cancelScheduled drops the scheduled actions that reference the expelled
// agent or a cancelled contract or alias, logging each.
func (s *system) cancelScheduled(agentID string, ids, aliases []string) {
	if len(s.st.scheduled) == 0 {
		return
	}
	for _, day := range s.st.scheduledDays {
		actions, ok := s.st.scheduled[day]
		if !ok {
			continue
		}
		var keep []Action
		for _, act := range actions {
			if actionReferencesAgent(&act, agentID) || actionReferencesContract(&act, ids, aliases) {
				s.log("ScheduledActionCancelled", Field{"agent", Str(agentID)}, Field{"scheduled_day", IntV(day)},
					Field{"action", Str(act.Kind)}, Field{"mode", Str(s.defaultMode)})
				continue
			}
			keep = append(keep, act)
		}
		if len(keep) == len(actions) {
			continue
		}
		s.setScheduled(day, keep)
	}
}

// setScheduled replaces the actions of day (deleting the day when empty), journaled.
func (s *system) setScheduled(day int64, actions []Action) {
	old, had := s.st.scheduled[day]
	if len(actions) == 0 {
		delete(s.st.scheduled, day)
	} else {
		s.st.scheduled[day] = actions
	}
	s.onUndo(func() {
		if had {
			s.st.scheduled[day] = old
		} else {
			delete(s.st.scheduled, day)
		}
	})
}

// actionReferencesAgent reports whether an action names the agent in one of
// its agent fields.
func actionReferencesAgent(a *Action, id string) bool {
	fields, n := a.agentFields()
	for _, f := range fields[:n] {
		if *f != "" && *f == id {
			return true
		}
	}
	return false
}

// actionReferencesContract reports whether an action names one of the
// cancelled contracts or aliases.
func actionReferencesContract(a *Action, ids, aliases []string) bool {
	if len(ids) == 0 && len(aliases) == 0 {
		return false
	}
	var values []string
	if a.HasAlias {
		values = append(values, a.Alias)
	}
	values = append(values, a.ContractID, a.ContractAlias)
	for _, v := range values {
		if v == "" {
			continue
		}
		for _, x := range ids {
			if v == x {
				return true
			}
		}
		for _, x := range aliases {
			if v == x {
				return true
			}
		}
	}
	return false
}

// isDefaultError reports whether err stops the simulation as a default.
func isDefaultError(err error) (*DefaultError, bool) {
	var d *DefaultError
	ok := errors.As(err, &d)
	return d, ok
}
