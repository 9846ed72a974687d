package engine

import "unsafe"

// view copies the current state into a StateView. A view is read-only, so
// it shares with the view made before it (system.lastView) whatever has not
// changed since: the whole agent or contract list when nothing in it
// changed (a quiet day), an agent's unchanged id lists, and the leading
// contracts that are the same. The id lists that did change share one block.
func (s *system) view() StateView {
	st := &s.st
	prev := &s.lastView
	v := StateView{Day: st.day, Agents: s.agentViews(prev.Agents), Contracts: s.contractViews(prev.Contracts)}
	lots := 0
	for _, l := range st.stocks {
		if !l.removed {
			lots++
		}
	}
	if lots > 0 {
		v.Stocks = make([]StockView, 0, lots)
	}
	for _, l := range st.stocks {
		if l.removed {
			continue
		}
		v.Stocks = append(v.Stocks, StockView{
			ID: l.id, SKU: l.sku, Quantity: l.quantity, UnitPrice: l.unitPrice,
			Owner: st.agents[l.owner].id, Divisible: l.divisible,
		})
	}
	s.lastView = v
	return v
}

// Which id lists of an agent changed since the last view.
const (
	changedAssets uint8 = 1 << iota
	changedLiabilities
	changedStocks
)

// agentViews returns the agents' views, prev (the last view's) when none
// changed.
func (s *system) agentViews(prev []AgentView) []AgentView {
	agents := s.st.agents
	if cap(s.changed) < len(agents) {
		s.changed = make([]uint8, len(agents))
	}
	changed := s.changed[:len(agents)]
	same := len(prev) == len(agents)
	n := 0 // the ids of the lists that changed
	for i := range agents {
		a := &agents[i]
		ch := changedAssets | changedLiabilities | changedStocks
		if i < len(prev) {
			p := &prev[i]
			ch = 0
			if !s.sameContractIDs(p.AssetIDs, a.assets) {
				ch |= changedAssets
			}
			if !s.sameContractIDs(p.LiabilityIDs, a.liabilities) {
				ch |= changedLiabilities
			}
			if !s.sameStockIDs(p.StockIDs, a.stocks) {
				ch |= changedStocks
			}
			if same && (ch != 0 || !sameText(p.ID, a.id) || !sameText(p.Name, a.name) || !sameText(p.Kind, a.kind) || p.Defaulted != a.defaulted) {
				same = false
			}
		}
		if ch&changedAssets != 0 {
			n += len(a.assets)
		}
		if ch&changedLiabilities != 0 {
			n += len(a.liabilities)
		}
		if ch&changedStocks != 0 {
			n += len(a.stocks)
		}
		changed[i] = ch
	}
	if same {
		return prev
	}
	out := make([]AgentView, len(agents))
	ids := make([]string, 0, n)
	for i := range agents {
		a := &agents[i]
		av := &out[i]
		av.ID, av.Name, av.Kind, av.Defaulted = a.id, a.name, a.kind, a.defaulted
		ch := changed[i]
		if ch&changedAssets != 0 {
			ids, av.AssetIDs = s.contractIDs(ids, a.assets)
		} else {
			av.AssetIDs = prev[i].AssetIDs
		}
		if ch&changedLiabilities != 0 {
			ids, av.LiabilityIDs = s.contractIDs(ids, a.liabilities)
		} else {
			av.LiabilityIDs = prev[i].LiabilityIDs
		}
		if ch&changedStocks != 0 {
			ids, av.StockIDs = s.stockIDs(ids, a.stocks)
		} else {
			av.StockIDs = prev[i].StockIDs
		}
	}
	return out
}

// contractViews returns the live contracts' views, prev (the last view's)
// when none changed; the leading ones that did not change are copied from
// prev.
func (s *system) contractViews(prev []ContractView) []ContractView {
	cs := s.st.contracts
	live := 0
	from, kept := len(cs), 0 // the first contract that differs from prev, and the views before it
	for k, c := range cs {
		if c.removed {
			continue
		}
		if from == len(cs) {
			if kept < len(prev) && s.sameContract(c, &prev[kept]) {
				kept++
			} else {
				from = k
			}
		}
		live++
	}
	if kept == live && live == len(prev) {
		return prev
	}
	if live == 0 {
		return nil
	}
	out := make([]ContractView, kept, live)
	copy(out, prev[:kept])
	for _, c := range cs[from:] {
		if !c.removed {
			out = append(out, s.contractView(c))
		}
	}
	return out
}

// contractView is c's view.
func (s *system) contractView(c *contract) ContractView {
	st := &s.st
	return ContractView{
		ID: c.id, Kind: c.kind, Amount: c.amount, Denomination: c.denom(),
		Holder: st.agents[c.effectiveHolder()].id, Issuer: st.agents[c.issuer].id,
		DueDay: c.dueDay, HasDueDay: c.hasDueDay, SKU: c.sku(), UnitPrice: c.unitPrice(),
	}
}

// sameContract reports whether p is surely c's view (see sameText).
func (s *system) sameContract(c *contract, p *ContractView) bool {
	st := &s.st
	return sameText(c.id, p.ID) && c.amount == p.Amount && c.dueDay == p.DueDay && c.hasDueDay == p.HasDueDay &&
		sameText(st.agents[c.effectiveHolder()].id, p.Holder) && sameText(st.agents[c.issuer].id, p.Issuer) &&
		sameText(c.kind, p.Kind) && sameText(c.denom(), p.Denomination) && sameText(c.sku(), p.SKU) && c.unitPrice() == p.UnitPrice
}

// sameText reports whether a and b are surely the same text: both empty,
// or the same bytes in memory — a view's texts are the state's own, so an
// unchanged one is where it was. Equal texts elsewhere count as changed,
// which costs only a copy. (An amount compares by representation, the same
// way: equal values written differently count as changed.)
func sameText(a, b string) bool {
	return len(a) == len(b) && (len(a) == 0 || unsafe.StringData(a) == unsafe.StringData(b))
}

// sameContractIDs reports whether ids are surely the ids of the contracts idx.
func (s *system) sameContractIDs(ids []string, idx []int32) bool {
	if len(ids) != len(idx) {
		return false
	}
	for k, x := range idx {
		if !sameText(s.st.contracts[x].id, ids[k]) {
			return false
		}
	}
	return true
}

// sameStockIDs reports whether ids are surely the ids of the stock lots idx.
func (s *system) sameStockIDs(ids []string, idx []int32) bool {
	if len(ids) != len(idx) {
		return false
	}
	for k, x := range idx {
		if !sameText(s.st.stocks[x].id, ids[k]) {
			return false
		}
	}
	return true
}

// contractIDs appends the ids of the contracts idx to block and returns
// block and the part of it they fill (never nil, as a list of the state is
// never nil in bilancio).
func (s *system) contractIDs(block []string, idx []int32) ([]string, []string) {
	start := len(block)
	for _, x := range idx {
		block = append(block, s.st.contracts[x].id)
	}
	return block, block[start:len(block):len(block)]
}

func (s *system) stockIDs(block []string, idx []int32) ([]string, []string) {
	start := len(block)
	for _, x := range idx {
		block = append(block, s.st.stocks[x].id)
	}
	return block, block[start:len(block):len(block)]
}
