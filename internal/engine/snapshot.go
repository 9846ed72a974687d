package engine

// view copies the current state into a StateView. The id lists of all
// agents share one block.
func (s *system) view() StateView {
	st := &s.st
	v := StateView{Day: st.day, Agents: make([]AgentView, len(st.agents))}
	n, live, lots := 0, 0, 0
	for i := range st.agents {
		a := &st.agents[i]
		n += len(a.assets) + len(a.liabilities) + len(a.stocks)
	}
	for _, c := range st.contracts {
		if !c.removed {
			live++
		}
	}
	for _, l := range st.stocks {
		if !l.removed {
			lots++
		}
	}
	ids := make([]string, 0, n)
	for i := range st.agents {
		a := &st.agents[i]
		av := AgentView{ID: a.id, Name: a.name, Kind: a.kind, Defaulted: a.defaulted}
		ids, av.AssetIDs = s.contractIDs(ids, a.assets)
		ids, av.LiabilityIDs = s.contractIDs(ids, a.liabilities)
		ids, av.StockIDs = s.stockIDs(ids, a.stocks)
		v.Agents[i] = av
	}
	if live > 0 {
		v.Contracts = make([]ContractView, 0, live)
	}
	for _, c := range st.contracts {
		if c.removed {
			continue
		}
		v.Contracts = append(v.Contracts, ContractView{
			ID: c.id, Kind: c.kind, Amount: c.amount, Denomination: c.denom(),
			Holder: st.agents[c.effectiveHolder()].id, Issuer: st.agents[c.issuer].id,
			DueDay: c.dueDay, HasDueDay: c.hasDueDay, SKU: c.sku(), UnitPrice: c.unitPrice(),
		})
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
	return v
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
