package engine

import (
	"fmt"
)

// ActionError is an action that could not be applied; the run stops with it.
type ActionError struct {
	Action Action
	Err    error
}

func (e *ActionError) Error() string {
	return fmt.Sprintf("line %d: failed to apply %s: %v", e.Action.Pos.Line, e.Action.Kind, e.Err)
}

func (e *ActionError) Unwrap() error { return e.Err }

// apply runs one initial or scheduled action (bilancio's apply_action).
func (s *system) apply(a *Action) error {
	if err := s.applyAction(a); err != nil {
		return &ActionError{Action: *a, Err: err}
	}
	return nil
}

func (s *system) applyAction(a *Action) error {
	switch a.Kind {
	case ActMintCash:
		to, err := s.agentRef(a.To, a.agentAt[0])
		if err != nil {
			return err
		}
		c, err := s.mint(KindCash, "C", evCashMinted, to, a.Amount, s.actionAlias(a), a.HasAlias)
		if err != nil {
			return err
		}
		return s.captureAlias(a, c)
	case ActCreatePayable:
		return s.createPayable(a)
	case ActTransferCash:
		frm, err := s.agentRef(a.FromAgent, a.agentAt[0])
		if err != nil {
			return err
		}
		to, err := s.agentRef(a.ToAgent, a.agentAt[1])
		if err != nil {
			return err
		}
		return s.transferCash(frm, to, a.Amount)
	case ActTransferClaim:
		return s.transferClaim(a)
	case ActMintReserves, ActTransferReserves, ActDepositCash, ActWithdrawCash,
		ActClientPayment, ActCreateStock, ActTransferStock, ActCreateDeliveryObligation:
		return s.applyOther(a)
	}
	return fmt.Errorf("unknown action %q", a.Kind)
}

// agentRef resolves an agent id; hint is the index loading resolved for it
// (see resolveRefs), or noAgent. A hint is taken when it names the agent:
// ids are distinct.
func (s *system) agentRef(id string, hint int32) (int32, error) {
	if uint32(hint) < uint32(len(s.st.agents)) && s.st.agents[hint].id == id {
		return hint, nil
	}
	i := s.st.agentByID(id)
	if i == noAgent {
		return noAgent, fmt.Errorf("unknown agent %q", id)
	}
	return i, nil
}

// actionAlias is the event value of the alias an action gives
// (a.HasAlias): by its slot, or the empty alias bilancio logs but never
// binds.
func (s *system) actionAlias(a *Action) cval {
	if !a.HasAlias {
		return 0
	}
	if a.Alias == "" {
		return s.cStr("")
	}
	return mkCval(cvAliasName, int64(s.st.aliasSlot(a.Alias, a.aliasAt)))
}

// captureAlias binds the action's alias to the contract it created.
func (s *system) captureAlias(a *Action, c *contract) error {
	if !a.HasAlias || a.Alias == "" {
		return nil
	}
	slot := s.st.aliasSlot(a.Alias, a.aliasAt)
	if _, bound := s.st.boundAlias(slot); bound {
		return fmt.Errorf("alias already exists: %s", a.Alias)
	}
	s.setAlias(slot, c)
	return nil
}

// createPayable is bilancio's create_payable action: the amount is int(amount).
func (s *system) createPayable(a *Action) error {
	debtor, err := s.agentRef(a.From, a.agentAt[0])
	if err != nil {
		return err
	}
	creditor, err := s.agentRef(a.To, a.agentAt[1])
	if err != nil {
		return err
	}
	amount := a.Amount.Trunc()
	c := s.newContract(s.newID("PAY"), KindPayable, amount, creditor, debtor)
	// (maturity_distance is accepted and not kept: nothing reads it.)
	c.dueDay, c.hasDueDay = a.DueDay, true
	if a.DueDay < 0 {
		return fmt.Errorf("payable must have due_day >= 0")
	}
	if err := s.addContract(c); err != nil {
		return err
	}
	if err := s.captureAlias(a, c); err != nil {
		return err
	}
	s.emit(evPayableCreated, allKeys, cAgent(debtor), cAgent(creditor), s.cAmount(amount),
		s.cInt(a.DueDay), cContract(c.index), s.cAlias(c))
	return nil
}

// transferClaim reassigns the holder of a contract (bilancio's transfer_claim,
// data-era behaviour).
func (s *system) transferClaim(a *Action) error {
	var fromAlias string
	hasAlias := a.ContractAlias != ""
	if hasAlias {
		id, ok := s.aliasTarget(s.st.aliasSlot(a.ContractAlias, a.aliasAt))
		if !ok {
			return fmt.Errorf("unknown alias: %s", a.ContractAlias)
		}
		fromAlias = id
	}
	if hasAlias && a.ContractID != "" && fromAlias != a.ContractID {
		return fmt.Errorf("alias %s and contract_id %s refer to different contracts", a.ContractAlias, a.ContractID)
	}
	id := a.ContractID
	if id == "" {
		id = fromAlias
	}
	if id == "" {
		return fmt.Errorf("transfer_claim requires contract_alias or contract_id to resolve a contract")
	}
	c, idx := s.st.liveContract(id)
	if c == nil {
		return fmt.Errorf("contract not found: %s", id)
	}
	to, err := s.agentRef(a.ToAgent, a.agentAt[0])
	if err != nil {
		return err
	}
	return s.atomic(func() error {
		old := c.holder
		if !s.removeID(old, assetList, idx) {
			return fmt.Errorf("contract %s not in old holder's assets", id)
		}
		s.appendID(to, assetList, idx)
		c.holder = to
		s.onUndo(func() { c.holder = old })
		due := Null()
		if c.hasDueDay {
			due = IntV(c.dueDay)
		}
		sku := Null()
		if c.kind == KindDeliveryObligation {
			sku = Str(c.sku())
		}
		s.log("ClaimTransferred",
			Field{"contract_id", Str(id)}, Field{"frm", Str(s.st.agents[old].id)}, Field{"to", Str(a.ToAgent)},
			Field{"contract_kind", Str(c.kind)}, Field{"amount", AmountV(c.amount)}, Field{"due_day", due},
			Field{"sku", sku}, Field{"alias", StrOrNull(a.ContractAlias, hasAlias)})
		return nil
	})
}
