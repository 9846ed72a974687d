package engine

import (
	"sort"
)

// validate checks what bilancio would only find while running the
// scenario: agents named by actions exist, a central bank exists to issue
// minted cash and reserves, aliases are unique and the contract aliases of
// transfer_claim refer to an alias created earlier. Actions are checked in
// execution order: initial actions in file order, then scheduled actions by
// day (file order within a day), so the error reported is the one bilancio
// would meet first.
func (l *scenarioLoader) validate(sc *Scenario) error {
	hasCB := false
	for _, a := range sc.Agents {
		if a.Kind == "central_bank" {
			hasCB = true
			break
		}
	}
	order := make([]*loadedAction, len(l.actions))
	copy(order, l.actions)
	sort.SliceStable(order, func(i, j int) bool {
		a, b := order[i], order[j]
		if a.scheduled != b.scheduled {
			return !a.scheduled
		}
		return a.day < b.day
	})
	aliases := map[string]string{} // alias -> path of the action that created it
	for _, info := range order {
		for _, r := range info.refs {
			if _, ok := l.agents[r.id]; !ok {
				return l.fail(r.at, pathKey(info.path, r.key), "unknown agent %q", r.id)
			}
		}
		a := info.action
		if !hasCB && (a.Kind == ActMintCash || a.Kind == ActMintReserves) {
			what := "cash"
			if a.Kind == ActMintReserves {
				what = "reserves"
			}
			return l.fail(info.kindAt, info.path, "%s needs a central_bank agent to issue the %s, and the scenario has none", a.Kind, what)
		}
		if info.claimAt != nil {
			if _, ok := aliases[a.ContractAlias]; !ok {
				return l.fail(info.claimAt, pathKey(info.path, "contract_alias"), "unknown alias %q (no earlier action creates it)", a.ContractAlias)
			}
		}
		if info.aliasAt != nil {
			if first, dup := aliases[a.Alias]; dup {
				return l.fail(info.aliasAt, pathKey(info.path, "alias"), "duplicate alias %q (already created by %s)", a.Alias, first)
			}
			aliases[a.Alias] = info.path
		}
	}
	return nil
}
