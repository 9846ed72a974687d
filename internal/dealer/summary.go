package dealer

import "github.com/bilancio-go/bilancio/internal/pynum"

// Summary is the content of dealer_metrics.json (spec §10.2), as Decimals
// and ints; the file prints every Decimal as a Python float.
type Summary struct {
	TotalPnL, TotalReturn pynum.Amount
	Profitable            bool
	// PnLByBucket and ReturnByBucket are in bucket order (Buckets).
	Buckets                     []string
	PnLByBucket, ReturnByBucket []pynum.Amount
	SpreadIncome                pynum.Amount
	InteriorTrades              int
	PassthroughTrades           int
	MeanTraderReturn            pynum.Amount
	FractionProfitableTraders   pynum.Amount
	LiquidityDrivenSales        int
	RescueEvents                int
	UnsafeBuys                  int
	FractionUnsafeBuys          pynum.Amount
	// MeanMarginAtDefault is always absent (null): bilancio never marks a
	// trader defaulted.
	TotalTrades, SellTrades, BuyTrades  int
	InitialTotalDebt, InitialTotalMoney pynum.Amount
	DebtToMoney                         pynum.Amount
	// The *Final slices follow FinalBuckets: the buckets with a snapshot, in
	// bucket order, each from its last snapshot.
	FinalBuckets                              []string
	DealerMidFinal, VBTMidFinal               []pynum.Amount
	DealerPremiumFinalPct, VBTPremiumFinalPct []pynum.Amount
}

// Summarize computes the dealer metrics of a run from its trades and
// instrumentation (bilancio's DealerMetrics.summary, December era).
func (st *State) Summarize() Summary {
	in := &st.Instruments
	s := Summary{TotalPnL: pynum.Int(0)}
	initial := pynum.Int(0)
	for i, m := range st.Markets {
		b := m.Bucket.Name
		e0 := in.InitialEquity[i]
		pnl := pynum.Dec(0, 0)
		ret := pynum.Dec(0, 0)
		if snap, ok := st.lastSnapshot(b); ok {
			eT := pynum.Add(snap.Cash, pynum.Mul(pynum.Mul(snap.VBTMid, pynum.Int(int64(snap.Inventory))), st.Config.TicketSize))
			pnl = pynum.Sub(eT, e0)
			s.FinalBuckets = append(s.FinalBuckets, b)
			one := pynum.Dec(1, 0)
			s.DealerMidFinal = append(s.DealerMidFinal, snap.Midline)
			s.VBTMidFinal = append(s.VBTMidFinal, snap.VBTMid)
			s.DealerPremiumFinalPct = append(s.DealerPremiumFinalPct, pynum.Mul(pynum.Sub(snap.Midline, one), pynum.Int(100)))
			s.VBTPremiumFinalPct = append(s.VBTPremiumFinalPct, pynum.Mul(pynum.Sub(snap.VBTMid, one), pynum.Int(100)))
		}
		if e0.Sign() > 0 {
			ret = pynum.Quo(pnl, e0)
		}
		s.Buckets = append(s.Buckets, b)
		s.PnLByBucket = append(s.PnLByBucket, pnl)
		s.ReturnByBucket = append(s.ReturnByBucket, ret)
		s.TotalPnL = pynum.Add(s.TotalPnL, pnl)
		initial = pynum.Add(initial, e0)
	}
	s.TotalReturn = pynum.Dec(0, 0)
	if initial.Sign() > 0 {
		s.TotalReturn = pynum.Quo(s.TotalPnL, initial)
	}
	s.Profitable = s.TotalPnL.Sign() >= 0

	s.SpreadIncome = pynum.Dec(0, 0)
	two := pynum.Int(2)
	buys, unsafe := 0, 0
	for i := range st.Trades {
		x := &st.Trades[i]
		s.TotalTrades++
		if x.Side == Sell {
			s.SellTrades++
		} else {
			s.BuyTrades++
			buys++
		}
		if x.Passthrough {
			s.PassthroughTrades++
		} else {
			s.InteriorTrades++
			mid := pynum.Quo(pynum.Add(x.BidBefore, x.AskBefore), two)
			if x.Side == Sell {
				s.SpreadIncome = pynum.Add(s.SpreadIncome, pynum.Mul(pynum.Sub(mid, x.BidBefore), x.Ticket.Face))
			} else {
				s.SpreadIncome = pynum.Add(s.SpreadIncome, pynum.Mul(pynum.Sub(x.AskBefore, mid), x.Ticket.Face))
			}
		}
		if x.Side == Sell && x.LiquidityDriven {
			s.LiquidityDrivenSales++
			if x.MarginBefore.Sign() < 0 && x.MarginAfter.Sign() >= 0 {
				s.RescueEvents++
			}
		}
		if x.ReducesMarginBelowZero {
			s.UnsafeBuys++
			if x.Side == Buy {
				unsafe++
			}
		}
	}
	s.FractionUnsafeBuys = pynum.Dec(0, 0)
	if buys > 0 {
		s.FractionUnsafeBuys = pynum.Quo(pynum.Dec(int64(unsafe), 0), pynum.Int(int64(buys)))
	}
	s.MeanTraderReturn, s.FractionProfitableTraders = st.traderReturns()
	s.InitialTotalDebt, s.InitialTotalMoney = in.InitialTotalDebt, in.InitialTotalMoney
	s.DebtToMoney = pynum.Dec(0, 0)
	if in.InitialTotalMoney.Sign() > 0 {
		s.DebtToMoney = pynum.Quo(in.InitialTotalDebt, in.InitialTotalMoney)
	}
	return s
}

// lastSnapshot returns bucket's snapshot of the latest day (the first of
// them on a tie, as Python's max).
func (st *State) lastSnapshot(bucket string) (BucketSnapshot, bool) {
	var best BucketSnapshot
	found := false
	for _, b := range st.Instruments.Buckets {
		if b.Bucket == bucket && (!found || b.Day > best.Day) {
			best, found = b, true
		}
	}
	return best, found
}

// ticketOutcome is what the trades did to one ticket: its latest purchase
// by a trader and latest sale by a trader.
type ticketOutcome struct {
	purchased, sold          bool
	purchasePrice, salePrice pynum.Amount
	purchaser                string
}

// traderReturns is the mean over purchasers of their mean realized return
// R = (sale − purchase)/purchase, over the tickets they bought that were
// also sold by a trader, and the share of purchasers with a mean above 0
// (spec §10.2).
func (st *State) traderReturns() (mean, profitable pynum.Amount) {
	var order []string
	outcomes := map[string]*ticketOutcome{}
	for i := range st.Trades {
		x := &st.Trades[i]
		o, ok := outcomes[x.Ticket.ID]
		if !ok {
			o = &ticketOutcome{}
			outcomes[x.Ticket.ID] = o
			order = append(order, x.Ticket.ID)
		}
		if x.Side == Sell {
			o.sold, o.salePrice = true, x.Price
		} else {
			o.purchased, o.purchasePrice, o.purchaser = true, x.Price, x.Trader
		}
	}
	var traders []string
	returns := map[string][]pynum.Amount{}
	for _, id := range order {
		o := outcomes[id]
		if !o.purchased || !o.sold || o.purchasePrice.IsZero() {
			continue
		}
		r := pynum.Quo(pynum.Sub(o.salePrice, o.purchasePrice), o.purchasePrice)
		if _, ok := returns[o.purchaser]; !ok {
			traders = append(traders, o.purchaser)
		}
		returns[o.purchaser] = append(returns[o.purchaser], r)
	}
	if len(traders) == 0 {
		return pynum.Dec(0, 0), pynum.Dec(0, 0)
	}
	total := pynum.Int(0)
	winners := 0
	for _, t := range traders {
		sum := pynum.Int(0)
		for _, r := range returns[t] {
			sum = pynum.Add(sum, r)
		}
		m := pynum.Quo(sum, pynum.Int(int64(len(returns[t]))))
		if m.Sign() > 0 {
			winners++
		}
		total = pynum.Add(total, m)
	}
	n := pynum.Int(int64(len(traders)))
	return pynum.Quo(total, n), pynum.Quo(pynum.Dec(int64(winners), 0), n)
}
