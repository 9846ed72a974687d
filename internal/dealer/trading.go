package dealer

import (
	"slices"
	"unsafe"

	"github.com/bilancio-go/bilancio/internal/pynum"
)

// MaxSellersPerDay is how many of the shuffled sellers act each day, and
// MaxBuyersPerDay how many buyers (spec §4.4).
const (
	MaxSellersPerDay = 10
	MaxBuyersPerDay  = 1
)

// Side is the customer's side of a trade.
type Side string

// Trade sides, as dealer_trade events spell them.
const (
	Sell Side = "sell" // the customer sells a ticket to the dealer or VBT
	Buy  Side = "buy"  // the customer buys a ticket from the dealer or VBT
)

// Trade is one executed customer trade: a dealer_trade event and, with
// detailed logging, a row of trades.csv (spec §9, §10.3). "Before" values
// are taken just before the execution, "after" values after the trader's
// cash update. Without State.Detailed the values only trades.csv prints are
// left zero: the inventories, cash and VBT mid before and after, the bid and
// ask after, and the margins of a sale that is not liquidity-driven.
type Trade struct {
	Day    int
	Bucket string
	Side   Side
	Trader string
	Ticket *Ticket
	// Price is the scaled price UnitPrice·face the trader paid or got;
	// UnitPrice the kernel's (or VBT's) quote.
	Price, UnitPrice pynum.Amount
	Passthrough      bool

	DealerInventoryBefore                  int
	DealerCashBefore, BidBefore, AskBefore pynum.Amount
	VBTMidBefore                           pynum.Amount
	TraderCashBefore, MarginBefore         pynum.Amount
	DealerInventoryAfter                   int
	DealerCashAfter, BidAfter, AskAfter    pynum.Amount
	TraderCashAfter, MarginAfter           pynum.Amount

	// LiquidityDriven (sells) is shortfall(day) > 0 before the sale;
	// ReducesMarginBelowZero (buys) is margin ≥ 0 before and < 0 after.
	LiquidityDriven, ReducesMarginBelowZero bool

	// trader is the Trader's index field (1 + its index in State.Traders).
	trader int32
}

// Trader returns the trader of agent id, or nil.
func (st *State) Trader(id string) *Trader {
	if i, ok := st.byID()[id]; ok {
		return st.Traders[i]
	}
	return nil
}

// TraderIndex returns the index in Traders of agent id's trader, or -1.
func (st *State) TraderIndex(id string) int {
	if i, ok := st.byID()[id]; ok {
		return i
	}
	return -1
}

// byID returns the traders' index by agent id, building it when needed (a
// later id replaces an earlier one, as in a dict).
func (st *State) byID() map[string]int {
	if st.traderIndex == nil {
		st.traderIndex = make(map[string]int, len(st.Traders))
		for i, t := range st.Traders {
			st.traderIndex[t.AgentID] = i
		}
	}
	return st.traderIndex
}

// TradeTraderIndex is TraderIndex(x.Trader) for one of st's trades,
// without a look-up by name while the trader is where the trade found it.
func (st *State) TradeTraderIndex(x *Trade) int {
	if i := int(x.trader) - 1; i >= 0 && i < len(st.Traders) && st.Traders[i].AgentID == x.Trader {
		return i
	}
	return st.TraderIndex(x.Trader)
}

// traderOf returns the trader of agent id, or nil; *hint is 1 + the index
// last found for id (0: none), tried first and updated.
func (st *State) traderOf(id string, hint *int32) *Trader {
	if i := int(*hint) - 1; i >= 0 && i < len(st.Traders) && st.Traders[i].AgentID == id {
		return st.Traders[i]
	}
	i, ok := st.byID()[id]
	if !ok {
		return nil
	}
	*hint = int32(i + 1)
	return st.Traders[i]
}

// AddTrader appends a trader (initialisation, spec §2.2 step 5).
func (st *State) AddTrader(t *Trader) {
	st.byID()[t.AgentID] = len(st.Traders)
	st.Traders = append(st.Traders, t)
	t.index = int32(len(st.Traders))
	st.makerTraders = st.makerTraders || st.isMakerID(t.AgentID)
}

// isMakerID reports whether id is a market's dealer or VBT id.
func (st *State) isMakerID(id string) bool {
	for _, m := range st.Markets {
		if id == m.Dealer.AgentID || id == m.VBT.AgentID {
			return true
		}
	}
	return false
}

// SetTraders sets the traders, in agent order, all at once (initialisation,
// spec §2.2 step 5); it keeps ts.
func (st *State) SetTraders(ts []*Trader) {
	st.Traders = ts
	st.traderIndex, st.makerTraders = nil, false
	for i, t := range ts {
		st.makerTraders = st.makerTraders || st.isMakerID(t.AgentID)
		t.index = int32(i + 1)
		for _, k := range t.TicketsOwned {
			k.owner = t.index
		}
		for _, k := range t.Obligations {
			k.issuer = t.index
		}
	}
}

// RemoveTicket takes t out of its bucket's dealer and VBT inventories and
// out of its owner's and issuer's trader lists (a ticket is only ever in
// its owner's tickets_owned and its issuer's obligations). It does not
// delete it from Tickets.
func (st *State) RemoveTicket(t *Ticket) {
	m := st.marketOf(t)
	if m != nil {
		m.Dealer.Inventory = removeTicket(m.Dealer.Inventory, t)
		m.VBT.Inventory = removeTicket(m.VBT.Inventory, t)
	}
	// A ticket its market's dealer or VBT holds is no trader's, unless a
	// trader has that id.
	if m == nil || st.makerTraders || t.Owner != m.Dealer.AgentID && t.Owner != m.VBT.AgentID {
		if tr := st.traderOf(t.Owner, &t.owner); tr != nil {
			tr.TicketsOwned = removeTicket(tr.TicketsOwned, t)
		}
	}
	if tr := st.traderOf(t.Issuer, &t.issuer); tr != nil {
		tr.Obligations = removeTicket(tr.Obligations, t)
	}
}

// DeleteTicket removes t everywhere, Tickets included (orphan clean-up, P0.5).
func (st *State) DeleteTicket(t *Ticket) {
	st.RemoveTicket(t)
	st.Tickets = removeTicket(st.Tickets, t)
}

// removeTicket is Python's list.remove for a ticket that may be absent.
func removeTicket(list []*Ticket, t *Ticket) []*Ticket {
	if i := slices.Index(list, t); i >= 0 {
		return slices.Delete(list, i, i+1)
	}
	return list
}

// Mature is P1 of the trading phase (spec §4.2): every ticket's remaining
// maturity is updated; matured tickets leave the subsystem, the others
// migrate to their new bucket, a dealer- or VBT-held one with its holder
// (no cash moves).
func (st *State) Mature(day int) {
	buckets := st.Config.Buckets
	var buf [8]int
	first := firstOfName(buf[:0], buckets)
	// The kept tickets move up in place; a slot is written only when a
	// ticket before it left (a pointer store costs a write barrier while
	// the collector marks).
	kept := 0
	for k, t := range st.Tickets {
		t.RemainingTau = RemainingTau(t.MaturityDay, day)
		if t.RemainingTau == 0 {
			st.RemoveTicket(t)
			continue
		}
		if kept != k {
			st.Tickets[kept] = t
		}
		kept++
		i := assignIndex(t.RemainingTau, buckets)
		if i >= 0 && first != nil {
			i = first[i]
		}
		if t.market != 0 && t.market == i+1 {
			continue // the same bucket, as the ticket keeps it
		}
		nb := "default"
		if i >= 0 {
			nb = buckets[i].Name
		}
		if nb == t.Bucket {
			t.market = i + 1
			continue
		}
		old := t.Bucket
		// The old bucket's dealer and VBT ids (no market: built as bilancio does).
		oldDealer, oldVBT := "", ""
		if m := st.marketOf(t); m != nil {
			m.Dealer.Inventory = removeTicket(m.Dealer.Inventory, t)
			m.VBT.Inventory = removeTicket(m.VBT.Inventory, t)
			oldDealer, oldVBT = m.Dealer.AgentID, m.VBT.AgentID
		}
		t.Bucket, t.market = nb, i+1
		if m := st.marketOf(t); m != nil {
			if oldDealer == "" {
				oldDealer, oldVBT = DealerAgentID(old), VBTAgentID(old)
			}
			switch t.Owner {
			case oldDealer:
				t.Owner = m.Dealer.AgentID
				m.Dealer.Inventory = append(m.Dealer.Inventory, t)
			case oldVBT:
				t.Owner = m.VBT.AgentID
				m.VBT.Inventory = append(m.VBT.Inventory, t)
			}
		}
	}
	clear(st.Tickets[kept:])
	st.Tickets = st.Tickets[:kept]
}

// SafetyMargin is a trader's m = cash + Σ owned bid·face − Σ obligations
// face (spec §10.3), a face counting as itself when its bucket has no dealer.
func (st *State) SafetyMargin(tr *Trader) pynum.Amount {
	m := tr.Cash
	for _, t := range tr.TicketsOwned {
		if mk := st.marketOf(t); mk != nil {
			m = pynum.Add(m, pynum.Mul(mk.Dealer.Bid, t.Face))
		} else {
			m = pynum.Add(m, t.Face)
		}
	}
	owed := pynum.Int(0)
	for _, t := range tr.Obligations {
		owed = pynum.Add(owed, t.Face)
	}
	return pynum.Sub(m, owed)
}

// Trade runs P2–P4 of the trading phase for day (spec §4.2–§4.4) after the
// caller refreshed the traders' cash (P0), cleaned up orphans (P0.5) and
// called Mature (P1). It returns the day's trades in execution order.
func (st *State) Trade(day int) []Trade {
	st.RecomputeAll()
	if st.Instrumented {
		st.snapshot(day)
	}
	// One pass: a trader's largest dues over the look-ahead decide both
	// whether it sells (IsSeller) and whether it buys (IsBuyer).
	sellers, buyers := st.sellers[:0], st.buyers[:0]
	for _, tr := range st.Traders {
		sells, buys := tr.eligibility(day)
		if sells {
			sellers = append(sellers, tr)
		}
		if buys {
			buyers = append(buyers, tr)
		}
	}
	st.sellers, st.buyers = sellers, buyers
	if st.Trades == nil {
		// Trades are large: room for a run's usual number at once rather
		// than copies at every doubling, in at most 32 KiB (a larger block
		// is a large object: whole pages, allocated apart).
		st.Trades = make([]Trade, 0, min(len(st.Traders), 32<<10/int(unsafe.Sizeof(Trade{}))))
	}
	start := len(st.Trades)
	st.RNG.Shuffle(len(sellers), func(i, j int) { sellers[i], sellers[j] = sellers[j], sellers[i] })
	for _, tr := range sellers[:min(len(sellers), MaxSellersPerDay)] {
		if len(tr.TicketsOwned) == 0 {
			continue
		}
		st.Trades = append(st.Trades, Trade{})
		st.customerSells(&st.Trades[len(st.Trades)-1], day, tr)
	}
	st.RNG.Shuffle(len(buyers), func(i, j int) { buyers[i], buyers[j] = buyers[j], buyers[i] })
	for _, tr := range buyers[:min(len(buyers), MaxBuyersPerDay)] {
		for i := range st.Markets {
			m := &st.Markets[i]
			if len(m.Dealer.Inventory) == 0 && len(m.VBT.Inventory) == 0 {
				continue
			}
			st.Trades = append(st.Trades, Trade{})
			st.customerBuys(&st.Trades[len(st.Trades)-1], day, tr, m)
			break
		}
	}
	return st.Trades[start:len(st.Trades):len(st.Trades)]
}

// detailOnly reports whether x's values that only trades.csv prints are
// left out: without Detailed, all of them but the bid and ask before (the
// dealer metrics' spread income) and the margins of a purchase and of a
// liquidity-driven sale (its unsafe buys and rescue events).
func (st *State) detailOnly(x *Trade) (values, margins bool) {
	if st.Detailed {
		return false, false
	}
	return true, x.Side == Sell && !x.LiquidityDriven
}

// before fills a trade's "before" values (see detailOnly).
func (st *State) before(tr *Trader, m *Market, x *Trade) {
	x.BidBefore, x.AskBefore = m.Dealer.Bid, m.Dealer.Ask
	values, margins := st.detailOnly(x)
	if !values {
		x.DealerInventoryBefore = len(m.Dealer.Inventory)
		x.DealerCashBefore = m.Dealer.Cash
		x.VBTMidBefore = m.VBT.M
		x.TraderCashBefore = tr.Cash
	}
	if st.Instrumented && !margins {
		x.MarginBefore = st.SafetyMargin(tr)
	}
}

// after fills a trade's "after" values (see detailOnly).
func (st *State) after(tr *Trader, m *Market, x *Trade) {
	values, margins := st.detailOnly(x)
	if !values {
		x.DealerInventoryAfter = len(m.Dealer.Inventory)
		x.DealerCashAfter, x.BidAfter, x.AskAfter = m.Dealer.Cash, m.Dealer.Bid, m.Dealer.Ask
		x.TraderCashAfter = tr.Cash
	}
	if st.Instrumented && !margins {
		x.MarginAfter = st.SafetyMargin(tr)
	}
}

// customerSells executes tr's sale of its first ticket in that ticket's
// bucket (spec §4.4, §5.1).
func (st *State) customerSells(x *Trade, day int, tr *Trader) {
	t := tr.TicketsOwned[0]
	m := st.marketOf(t)
	*x = Trade{Day: day, Bucket: t.Bucket, Side: Sell, Trader: tr.AgentID, Ticket: t, trader: tr.index}
	x.LiquidityDriven = tr.Shortfall(day).Sign() > 0
	st.before(tr, m, x)
	s := st.Config.TicketSize
	if m.Dealer.CanInteriorBuy(s) {
		x.UnitPrice = m.Dealer.Bid
		m.Dealer.Inventory = append(m.Dealer.Inventory, t)
		m.Dealer.Cash = pynum.Sub(m.Dealer.Cash, x.UnitPrice)
		t.Owner = m.Dealer.AgentID
	} else {
		x.UnitPrice, x.Passthrough = m.VBT.B, true
		m.VBT.Inventory = append(m.VBT.Inventory, t)
		m.VBT.Cash = pynum.Sub(m.VBT.Cash, x.UnitPrice)
		t.Owner = m.VBT.AgentID
	}
	m.Dealer.Recompute(m.VBT, s)
	x.Price = pynum.Mul(x.UnitPrice, t.Face)
	tr.TicketsOwned = removeTicket(tr.TicketsOwned, t)
	tr.Cash = pynum.Add(tr.Cash, x.Price)
	st.after(tr, m, x)
}

// customerBuys executes tr's purchase in market m, whose dealer or VBT has
// inventory (spec §4.4, §5.2).
func (st *State) customerBuys(x *Trade, day int, tr *Trader, m *Market) {
	*x = Trade{Day: day, Bucket: m.Bucket.Name, Side: Buy, Trader: tr.AgentID, trader: tr.index}
	st.before(tr, m, x)
	s := st.Config.TicketSize
	var t *Ticket
	if m.Dealer.CanInteriorSell(s) {
		x.UnitPrice = m.Dealer.Ask
		i := EarliestTicket(m.Dealer.Inventory)
		t = m.Dealer.Inventory[i]
		m.Dealer.Inventory = slices.Delete(m.Dealer.Inventory, i, i+1)
		m.Dealer.Cash = pynum.Add(m.Dealer.Cash, x.UnitPrice)
	} else {
		// A non-empty dealer inventory implies an interior sale, so the
		// VBT's inventory is the non-empty one here (spec §4.4).
		x.UnitPrice, x.Passthrough = m.VBT.A, true
		i := EarliestTicket(m.VBT.Inventory)
		t = m.VBT.Inventory[i]
		m.VBT.Inventory = slices.Delete(m.VBT.Inventory, i, i+1)
		m.VBT.Cash = pynum.Add(m.VBT.Cash, x.UnitPrice)
	}
	t.Owner, t.owner = tr.AgentID, tr.index
	m.Dealer.Recompute(m.VBT, s)
	x.Ticket = t
	x.Price = pynum.Mul(x.UnitPrice, t.Face)
	tr.TicketsOwned = append(tr.TicketsOwned, t)
	tr.Cash = pynum.Sub(tr.Cash, x.Price)
	if tr.AssetIssuer == "" {
		tr.AssetIssuer = t.Issuer
	}
	st.after(tr, m, x)
	x.ReducesMarginBelowZero = st.Instrumented && x.MarginBefore.Sign() >= 0 && x.MarginAfter.Sign() < 0
}
