package engine

import (
	"strings"

	"go.yaml.in/yaml/v3"
)

// loadedAction is what validation needs to know about a loaded action.
type loadedAction struct {
	action    *Action
	path      string     // e.g. initial_actions[3].mint_cash
	scheduled bool       // a scheduled action (else an initial one)
	day       int64      // scheduled actions: the day
	kindAt    *yaml.Node // the action's key
	refs      []agentFieldRef
	aliasAt   *yaml.Node // alias value, when the kind has an alias and it is set
	claimAt   *yaml.Node // transfer_claim: contract_alias value, when set
}

// initialActions reads `initial_actions`.
func (l *scenarioLoader) initialActions(at *yaml.Node) ([]Action, error) {
	items, err := l.list(at, "initial_actions")
	if err != nil {
		return nil, err
	}
	out := make([]Action, len(items))
	for i, it := range items {
		info, err := l.action(it, pathIndex("initial_actions", i), &out[i])
		if err != nil {
			return nil, err
		}
		l.actions = append(l.actions, info)
	}
	return out, nil
}

// scheduledActions reads `scheduled_actions`.
func (l *scenarioLoader) scheduledActions(at *yaml.Node) ([]ScheduledAction, error) {
	items, err := l.list(at, "scheduled_actions")
	if err != nil {
		return nil, err
	}
	out := make([]ScheduledAction, len(items))
	for i, it := range items {
		path := pathIndex("scheduled_actions", i)
		o, err := l.objectAt(it, path)
		if err != nil {
			return nil, err
		}
		f := &modelFields{yamlObject: o}
		out[i].Day = f.intMin("day", true, 0, 1)
		e, _ := f.lookup("action", true)
		if f.err != nil {
			return nil, f.err
		}
		info, err := l.action(e.val, pathKey(path, "action"), &out[i].Action)
		if err != nil {
			return nil, err
		}
		info.scheduled, info.day = true, out[i].Day
		l.actions = append(l.actions, info)
	}
	return out, nil
}

// action reads one action: a mapping whose first key in ActionKinds order
// names the action, with the action's fields under it.
func (l *scenarioLoader) action(at *yaml.Node, path string, a *Action) (*loadedAction, error) {
	o, err := l.objectAt(at, path)
	if err != nil {
		return nil, err
	}
	if err := o.stringKeys(); err != nil {
		return nil, err
	}
	var kind mapEntry
	found := false
	for _, k := range ActionKinds {
		if kind, found = o.get(k); found {
			break
		}
	}
	if !found {
		keys := make([]string, 0, len(o.es))
		for _, e := range o.es {
			keys = append(keys, e.keyStr)
		}
		got := "an empty mapping"
		if len(keys) > 0 {
			got = "key " + quotedList(keys)
			if len(keys) > 1 {
				got = "keys " + quotedList(keys)
			}
		}
		return nil, l.fail(at, path, "unknown action: expected one of %s, got %s", strings.Join(ActionKinds, ", "), got)
	}
	a.Kind = kind.keyStr
	a.Pos = Pos{Line: kind.keyAt.Line, Col: kind.keyAt.Column}
	path = pathKey(path, a.Kind)
	body, err := l.objectAt(kind.val, path)
	if err != nil {
		return nil, err
	}
	if err := body.stringKeys(); err != nil {
		return nil, err
	}
	f := &modelFields{yamlObject: body}
	info := &loadedAction{action: a, path: path, kindAt: kind.keyAt}

	// Each model has an `action` field fixed to its own kind.
	f.literal("action", []string{a.Kind}, a.Kind)

	alias := func() {
		a.Alias, a.HasAlias = f.optStr("alias")
		if a.HasAlias && a.Alias != "" {
			e, _ := f.get("alias")
			info.aliasAt = e.val
		}
	}
	switch a.Kind {
	case ActMintReserves, ActMintCash:
		a.To = f.agent("to")
		a.Amount = f.amount("amount")
		alias()
	case ActTransferReserves:
		a.FromBank = f.agent("from_bank")
		a.ToBank = f.agent("to_bank")
		a.Amount = f.amount("amount")
	case ActTransferCash:
		a.FromAgent = f.agent("from_agent")
		a.ToAgent = f.agent("to_agent")
		a.Amount = f.amount("amount")
	case ActDepositCash, ActWithdrawCash:
		a.Customer = f.agent("customer")
		a.Bank = f.agent("bank")
		a.Amount = f.amount("amount")
	case ActClientPayment:
		a.Payer = f.agent("payer")
		a.Payee = f.agent("payee")
		a.Amount = f.amount("amount")
	case ActCreateStock:
		a.Owner = f.agent("owner")
		a.SKU = f.str("sku")
		a.Quantity = f.intMin("quantity", true, 0, 1)
		a.UnitPrice = f.decimal("unit_price", true, a.UnitPrice, mustBeNonNegative)
	case ActTransferStock:
		a.FromAgent = f.agent("from_agent")
		a.ToAgent = f.agent("to_agent")
		a.SKU = f.str("sku")
		a.Quantity = f.intMin("quantity", true, 0, 1)
	case ActCreateDeliveryObligation:
		a.From = f.agent("from")
		a.To = f.agent("to")
		a.SKU = f.str("sku")
		a.Quantity = f.intMin("quantity", true, 0, 1)
		a.UnitPrice = f.decimal("unit_price", true, a.UnitPrice, mustBeNonNegative)
		a.DueDay = f.intMin("due_day", true, 0, 0)
		alias()
	case ActCreatePayable:
		a.From = f.agent("from")
		a.To = f.agent("to")
		a.Amount = f.amount("amount")
		a.DueDay = f.intMin("due_day", true, 0, 0)
		alias()
		a.MaturityDistance = f.optInt("maturity_distance")
		l.maturityDistance(f, a)
	case ActTransferClaim:
		a.ContractAlias, _ = f.optStr("contract_alias")
		a.ContractID, _ = f.optStr("contract_id")
		a.ToAgent = f.agent("to_agent")
		if f.err == nil && a.ToAgent == "" {
			e, _ := f.get("to_agent")
			f.failAt(e.val, "to_agent", "to_agent must not be empty")
		}
		if f.err == nil && a.ContractAlias == "" && a.ContractID == "" {
			f.failAt(body.at, "", "transfer_claim needs contract_alias or contract_id")
		}
		if f.err == nil && a.ContractAlias != "" {
			e, _ := f.get("contract_alias")
			info.claimAt = e.val
		}
	}
	if f.err != nil {
		return nil, f.err
	}
	info.refs = f.refs
	return info, nil
}
