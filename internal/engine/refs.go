package engine

// Loading resolves once what every run would otherwise look up by name:
// the agent each action names (an index into Scenario.Agents) and the alias
// each action creates or refers to (a slot of the scenario's alias table).
// A run then finds an agent or an alias with one comparison instead of a
// map lookup, and builds no map of either. The resolved indices are hints:
// the engine takes one only when it still names the same id or alias, and
// looks the name up otherwise (see system.agentRef and system.aliasSlot), so
// a scenario built or edited by hand after loading runs as it always did.

// scenarioRefs is what resolveRefs records for a scenario besides the
// actions' hints.
type scenarioRefs struct {
	// agentIDs are the agents' ids as they were when loading found them
	// distinct: while Scenario.Agents still has exactly these ids, a run
	// need not check them again.
	agentIDs []string
	// aliases is the alias table: each alias the actions create or refer
	// to, once, in order of first appearance (initial actions, then
	// scheduled ones, in file order). An action's aliasAt is its slot.
	aliases []string
}

// agentFields returns the action's agent fields, in the order of
// Action.agentAt, and how many of the two it has.
func (a *Action) agentFields() (ids [2]*string, n int) {
	switch a.Kind {
	case ActMintReserves, ActMintCash:
		return [2]*string{&a.To}, 1
	case ActTransferReserves:
		return [2]*string{&a.FromBank, &a.ToBank}, 2
	case ActTransferCash, ActTransferStock:
		return [2]*string{&a.FromAgent, &a.ToAgent}, 2
	case ActDepositCash, ActWithdrawCash:
		return [2]*string{&a.Customer, &a.Bank}, 2
	case ActClientPayment:
		return [2]*string{&a.Payer, &a.Payee}, 2
	case ActCreateStock:
		return [2]*string{&a.Owner}, 1
	case ActCreateDeliveryObligation, ActCreatePayable:
		return [2]*string{&a.From, &a.To}, 2
	case ActTransferClaim:
		return [2]*string{&a.ToAgent}, 1
	}
	return [2]*string{}, 0
}

// createdAlias returns the alias the action creates (bilancio registers
// only a non-empty one).
func (a *Action) createdAlias() (string, bool) {
	if a.Kind == ActTransferClaim || !a.HasAlias || a.Alias == "" {
		return "", false
	}
	return a.Alias, true
}

// namedAlias returns the alias whose slot is the action's aliasAt: the
// alias it creates, or the one transfer_claim refers to.
func (a *Action) namedAlias() (string, bool) {
	if a.Kind == ActTransferClaim {
		return a.ContractAlias, a.ContractAlias != ""
	}
	return a.createdAlias()
}

// resolveRefs records in sc the index of every agent an action names and
// the slot of every alias, for the engine, and makes each of those names the
// very string of the agent's id or of the alias table (equal texts: the
// engine's check of a hint then compares a string with itself, which takes
// no look at its bytes). It reports false, changing nothing, when the agents' ids are not distinct, an action names an
// unknown agent, or two actions create the same alias: what validation
// refuses.
func resolveRefs(sc *Scenario) bool {
	agents := make(map[string]int32, len(sc.Agents))
	ids := make([]string, len(sc.Agents))
	for i := range sc.Agents {
		id := sc.Agents[i].ID
		if _, dup := agents[id]; dup {
			return false
		}
		agents[id] = int32(i)
		ids[i] = id
	}
	n := len(sc.InitialActions) + len(sc.ScheduledActions)
	slots := make(map[string]int32, n)
	aliases := make([]string, 0, n)
	created := make([]bool, 0, n)
	// Resolved into a copy of each hint first: nothing changes unless all
	// of them resolve.
	agentAt := make([][2]int32, 0, n)
	aliasAt := make([]int32, 0, n)
	resolve := func(a *Action) bool {
		fields, nf := a.agentFields()
		var at [2]int32
		for k := range nf {
			i, ok := agents[*fields[k]]
			if !ok {
				return false
			}
			at[k] = i
		}
		agentAt = append(agentAt, at)
		slot := int32(-1)
		if alias, ok := a.namedAlias(); ok {
			var seen bool
			if slot, seen = slots[alias]; !seen {
				slot = int32(len(aliases))
				slots[alias] = slot
				aliases = append(aliases, alias)
				created = append(created, false)
			}
			if _, creates := a.createdAlias(); creates {
				if created[slot] {
					return false
				}
				created[slot] = true
			}
		}
		aliasAt = append(aliasAt, slot)
		return true
	}
	for i := range sc.InitialActions {
		if !resolve(&sc.InitialActions[i]) {
			return false
		}
	}
	for i := range sc.ScheduledActions {
		if !resolve(&sc.ScheduledActions[i].Action) {
			return false
		}
	}
	set := func(a *Action, k int) {
		a.agentAt, a.aliasAt = agentAt[k], aliasAt[k]
		fields, nf := a.agentFields()
		for j := range nf {
			*fields[j] = ids[a.agentAt[j]]
		}
		if a.aliasAt < 0 {
			return
		}
		if a.Kind == ActTransferClaim {
			a.ContractAlias = aliases[a.aliasAt]
		} else {
			a.Alias = aliases[a.aliasAt]
		}
	}
	for i := range sc.InitialActions {
		set(&sc.InitialActions[i], i)
	}
	for i := range sc.ScheduledActions {
		set(&sc.ScheduledActions[i].Action, len(sc.InitialActions)+i)
	}
	sc.refs = &scenarioRefs{agentIDs: ids, aliases: aliases}
	return true
}

// agentsChecked reports whether the agents' ids are those loading found
// distinct (the same strings: a string compares equal to itself at once).
func (r *scenarioRefs) agentsChecked(agents []AgentSpec) bool {
	if r == nil || len(r.agentIDs) != len(agents) {
		return false
	}
	for i := range agents {
		if agents[i].ID != r.agentIDs[i] {
			return false
		}
	}
	return true
}

// aliasTable returns the scenario's alias table (nil when not resolved).
func (r *scenarioRefs) aliasTable() []string {
	if r == nil {
		return nil
	}
	return r.aliases
}
