package engine

// view copies the current state into a StateView.
func (s *system) view() StateView {
	st := &s.st
	v := StateView{Day: st.day, Agents: make([]AgentView, len(st.agents))}
	for i := range st.agents {
		a := &st.agents[i]
		v.Agents[i] = AgentView{
			ID: a.id, Name: a.name, Kind: a.kind, Defaulted: a.defaulted,
			AssetIDs:     s.contractIDs(a.assets),
			LiabilityIDs: s.contractIDs(a.liabilities),
			StockIDs:     s.stockIDs(a.stocks),
		}
	}
	for _, c := range st.contracts {
		if c.removed {
			continue
		}
		v.Contracts = append(v.Contracts, ContractView{
			ID: c.id, Kind: c.kind, Amount: c.amount, Denomination: c.denom,
			Holder: st.agents[c.effectiveHolder()].id, Issuer: st.agents[c.issuer].id,
			DueDay: c.dueDay, HasDueDay: c.hasDueDay, SKU: c.sku, UnitPrice: c.unitPrice,
		})
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
	return v
}

func (s *system) contractIDs(idx []int32) []string {
	ids := make([]string, len(idx))
	for i, x := range idx {
		ids[i] = s.st.contracts[x].id
	}
	return ids
}

func (s *system) stockIDs(idx []int32) []string {
	ids := make([]string, len(idx))
	for i, x := range idx {
		ids[i] = s.st.stocks[x].id
	}
	return ids
}
