package engine

import (
	"fmt"
	"slices"
	"strings"

	"github.com/bilancio-go/bilancio/internal/dealer"
	"github.com/bilancio-go/bilancio/internal/pynum"
)

// DealerEra selects which bilancio revision's dealer instrumentation a run
// reproduces; the trading itself is the same in both (spec/dealer.md §13).
type DealerEra string

const (
	// DealerDecember is bilancio of December 2025 (the balanced sweeps):
	// dealer_trade events carry is_liquidity_driven / reduces_margin_below_zero
	// and the run records the data behind dealer_metrics.json. The default.
	DealerDecember DealerEra = "december"
	// DealerDataEra is bilancio of 2025-11-29 (dealer_comparison_100):
	// plain dealer_trade events and no dealer metrics.
	DealerDataEra DealerEra = "data"
)

// ParseDealerEra reads a DealerEra; "" is DealerDecember.
func ParseDealerEra(s string) (DealerEra, error) {
	switch DealerEra(s) {
	case "", DealerDecember:
		return DealerDecember, nil
	case DealerDataEra:
		return DealerDataEra, nil
	}
	return "", fmt.Errorf("unknown dealer era %q (want %s or %s)", s, DealerDecember, DealerDataEra)
}

// DealerRun is what a run's dealer subsystem leaves for its output files.
type DealerRun struct {
	// State is the subsystem at the end of the run: its trades and, in the
	// December era, its instrumentation.
	State *dealer.State
	// Era is the instrumentation the run reproduced.
	Era DealerEra
	// Detailed is set when the run kept what the detailed CSV files need.
	Detailed bool
}

// dealerLink is one entry of bilancio's ticket ↔ payable maps, with the
// main-system agent of the ticket's owner as last resolved.
type dealerLink struct {
	ticket  *dealer.Ticket
	payable int32
	// owner is the ticket owner ownerAgent was resolved for.
	owner      string
	ownerAgent int32
}

// dealerSubsystem is the dealer next to the main system.
type dealerSubsystem struct {
	st    *dealer.State
	era   DealerEra
	links []dealerLink
	// traders are the agent indices of st.Traders, in the same order, and
	// cash their main-system cash as the day's P0 read it.
	traders []int32
	cash    []pynum.Amount
	// live marks the tickets still in the subsystem's ticket map, by serial.
	live []bool
	// synced lists the traders the last sync visited, in trader order.
	synced []int
}

// The event log's room for a dealer run's events: a usual run's days, each
// with a few trades (dealer_trade: 9 values, 4 strings, 3 floats), their
// claim transfers (5 values) and cash syncs (CashMinted: 4 values).
const (
	dealerLogDays      = 16
	dealerTradesPerDay = 4
	dealerLogTrades    = dealerLogDays * dealerTradesPerDay
)

// dealerLogRoom is the room newSystem adds to the event log for sc's dealer
// events (none without a dealer), so that the log does not grow by doubling
// for the few events a dealer run adds.
func dealerLogRoom(sc *Scenario) (recs, vals, strs int) {
	if sc.Dealer == nil || !sc.Dealer.Enabled {
		return 0, 0, 0
	}
	return dealerLogDays + 3*dealerLogTrades, (9 + 5 + 4) * dealerLogTrades, 4 * dealerLogTrades
}

// dealerAgentRoom is the room newSystem leaves in the agents for sc's dealer
// and VBT agents (none without a dealer): two per default bucket.
// initDealer makes room for more when the scenario has more buckets.
func dealerAgentRoom(sc *Scenario) int {
	if sc.Dealer == nil || !sc.Dealer.Enabled {
		return 0
	}
	return 2 * dealer.DefaultBucketCount
}

// initDealer builds the dealer subsystem after setup (spec §2.2): the
// dealer and VBT agents, one ticket per payable, the capital, the traders.
func (s *system) initDealer(cfg dealer.Config, era DealerEra, detailed bool) {
	st := &s.st
	// Room for the new agents at once: one copy of the agents, not a
	// doubling of them.
	if need := len(st.agents) + 2*len(cfg.Buckets); cap(st.agents) < need {
		agents := make([]agent, len(st.agents), need)
		copy(agents, st.agents)
		st.agents = agents
	}
	for _, b := range cfg.Buckets {
		for _, a := range [2]struct{ id, kind, name string }{
			{dealer.DealerAgentID(b.Name), "dealer", "Dealer (" + b.Name + ")"},
			{dealer.VBTAgentID(b.Name), "vbt", "VBT (" + b.Name + ")"},
		} {
			if st.agentByID(a.id) != noAgent {
				continue
			}
			st.agentIndex[a.id] = int32(len(st.agents))
			st.agents = append(st.agents, agent{id: a.id, name: a.name, kind: a.kind})
			s.live++
		}
	}
	// The tickets and their ids, each in one allocation.
	n, idBytes := 0, 0
	for _, c := range st.contracts {
		if !c.removed && c.kind == KindPayable {
			n++
			idBytes += len(c.id)
		}
	}
	var idBuf strings.Builder
	idBuf.Grow(idBytes + n*len(dealer.TicketIDPrefix))
	for _, c := range st.contracts {
		if !c.removed && c.kind == KindPayable {
			idBuf.WriteString(dealer.TicketIDPrefix)
			idBuf.WriteString(c.id)
		}
	}
	ids := idBuf.String()
	block := make([]dealer.Ticket, 0, n)
	tickets := make([]*dealer.Ticket, 0, n)
	d := &dealerSubsystem{era: era, links: make([]dealerLink, 0, n), live: make([]bool, n),
		synced: make([]int, 0, dealer.MaxSellersPerDay+dealer.MaxBuyersPerDay)}
	s.ev.floatOf = make([]pynum.Amount, 0, 3*dealerLogTrades)
	debt := pynum.Int(0)
	for i, c := range st.contracts {
		if c.removed || c.kind != KindPayable {
			continue
		}
		idLen := len(dealer.TicketIDPrefix) + len(c.id)
		owner := st.agents[c.effectiveHolder()].id
		face := decimalOf(c.amount)
		block = append(block, dealer.MakeTicket(ids[:idLen], st.agents[c.issuer].id, owner,
			face, int(c.dueDay), st.day, len(tickets), cfg.Buckets))
		ids = ids[idLen:]
		t := &block[len(block)-1]
		tickets = append(tickets, t)
		d.links = append(d.links, dealerLink{ticket: t, payable: int32(i), owner: owner, ownerAgent: c.effectiveHolder()})
		d.live[t.Serial] = true
		debt = pynum.Add(debt, face)
	}
	// Every agent's cash but the dealers' and VBTs', summed; the traders'
	// (households', in agent order) kept.
	households := 0
	for i := range st.agents {
		if st.agents[i].kind == "household" {
			households++
		}
	}
	d.cash = make([]pynum.Amount, 0, households)
	var sum pynum.DecimalSum
	for i := range st.agents {
		switch st.agents[i].kind {
		case "dealer", "vbt":
			continue
		case "household":
			d.cash = append(d.cash, s.agentCash(int32(i)))
			sum.Add(d.cash[len(d.cash)-1])
			continue
		}
		sum.Add(s.agentCash(int32(i)))
	}
	total := sum.Value()
	d.st = dealer.NewState(cfg, total)
	d.st.Tickets = tickets
	if era == DealerDecember {
		d.st.Instrumented, d.st.Detailed = true, detailed
		d.st.RecordInitial(debt, total)
	}
	// One trader per household, in agent order, with the tickets it holds
	// and issued in ticket order (one pass over the tickets, not one per
	// household: that would be quadratic in the ring's size). Their ticket
	// lists share one block, each with the capacity of its initial length,
	// so that a later append moves the list instead of writing into the next.
	slot := make([]int32, len(st.agents))
	traders := make([]dealer.Trader, 0, households)
	for i := range st.agents {
		slot[i] = -1
		if st.agents[i].kind == "household" {
			slot[i] = int32(len(traders))
			traders = append(traders, dealer.Trader{AgentID: st.agents[i].id, Cash: d.cash[len(traders)]})
		}
	}
	// Ticket k is link k's: its owner and issuer are that payable's
	// holder and issuer.
	trader := func(a int32) int32 {
		if a != noAgent {
			return slot[a]
		}
		return -1
	}
	owned, issued := make([]int32, len(tickets)), make([]int32, len(tickets))
	counts := make([][2]int, len(traders))
	for k := range tickets {
		l := &d.links[k]
		owned[k], issued[k] = trader(l.ownerAgent), trader(st.contracts[l.payable].issuer)
		if o := owned[k]; o >= 0 {
			counts[o][0]++
		}
		if o := issued[k]; o >= 0 {
			counts[o][1]++
		}
	}
	lists := make([]*dealer.Ticket, 0, 2*len(tickets))
	for i := range traders {
		tr := &traders[i]
		tr.TicketsOwned = lists[len(lists) : len(lists) : len(lists)+counts[i][0]]
		lists = lists[:len(lists)+counts[i][0]]
		tr.Obligations = lists[len(lists) : len(lists) : len(lists)+counts[i][1]]
		lists = lists[:len(lists)+counts[i][1]]
	}
	for k, t := range tickets {
		if o := owned[k]; o >= 0 {
			tr := &traders[o]
			tr.TicketsOwned = append(tr.TicketsOwned, t)
			if tr.AssetIssuer == "" {
				tr.AssetIssuer = t.Issuer
			}
		}
		if o := issued[k]; o >= 0 {
			traders[o].Obligations = append(traders[o].Obligations, t)
		}
	}
	ptrs := make([]*dealer.Trader, 0, len(traders))
	d.traders = make([]int32, 0, len(traders))
	for i := range st.agents {
		if slot[i] >= 0 {
			ptrs = append(ptrs, &traders[slot[i]])
			d.traders = append(d.traders, int32(i))
		}
	}
	d.st.SetTraders(ptrs)
	// From here on, agent.moved tells which agents' cash P0 must read again.
	for i := range st.agents {
		st.agents[i].moved = false
	}
	s.dealer = d
}

// decimalOf is Python's Decimal(amount).
func decimalOf(a pynum.Amount) pynum.Amount {
	if a.IsDecimal() {
		return a
	}
	return pynum.Add(pynum.Dec(0, 0), a)
}

// agentCash is bilancio's _get_agent_cash: Decimal(0) plus every cash
// instrument the agent holds, in asset order.
func (s *system) agentCash(i int32) pynum.Amount {
	var sum pynum.DecimalSum
	for _, idx := range s.st.agents[i].assets {
		if c := s.st.contracts[idx]; !c.removed && c.kind == KindCash {
			sum.Add(c.amount)
		}
	}
	return sum.Value()
}

// dealerPhase is SubphaseB_Dealer (spec §4): the trading phase, its
// dealer_trade events, and the sync back to the main system.
func (s *system) dealerPhase(day int) error {
	d := s.dealer
	s.emit(evSubphaseBDealer, 0)
	// P0: cash refresh. Only the traders whose cash may have changed since
	// the last read (agent.moved) are read again; the traders the last sync
	// visited get back what was read, as their own may differ from it in
	// form (the sync moves the main system's cash only when the value
	// differs). The others' cash is still what was read.
	for i, a := range d.traders {
		if ag := &s.st.agents[a]; ag.moved {
			ag.moved = false
			d.cash[i] = s.agentCash(a)
			d.st.Traders[i].Cash = d.cash[i]
		}
	}
	for _, i := range d.synced {
		d.st.Traders[i].Cash = d.cash[i]
	}
	// P0.5: mappings whose payable is gone.
	// The kept mappings move up in place; a slot is written only when one
	// before it left (its pointers cost write barriers while the collector
	// marks).
	kept := 0
	for k := range d.links {
		l := &d.links[k]
		if c := s.st.contracts[l.payable]; c.removed || c.kind != KindPayable {
			if d.live[l.ticket.Serial] {
				d.st.DeleteTicket(l.ticket)
				d.live[l.ticket.Serial] = false
			}
			continue
		}
		if kept != k {
			d.links[kept] = *l
		}
		kept++
	}
	clear(d.links[kept:])
	d.links = d.links[:kept]
	// P1: maturities and bucket migration; tickets that leave the ticket
	// map keep their mapping entries until their payable is gone.
	before := len(d.st.Tickets)
	d.st.Mature(day)
	if len(d.st.Tickets) != before {
		clear(d.live)
		for _, t := range d.st.Tickets {
			d.live[t.Serial] = true
		}
	}
	// P2–P4.
	trades := d.st.Trade(day)
	for i := range trades {
		s.logTrade(&trades[i])
	}
	return s.syncDealer(trades)
}

// logTrade logs a dealer_trade event (spec §9).
func (s *system) logTrade(x *dealer.Trade) {
	const (
		plain           = 1<<8 - 1 // trader … is_passthrough
		liquidity       = 1 << 8   // is_liquidity_driven
		marginBelowZero = 1 << 9   // reduces_margin_below_zero
	)
	vals := [9]cval{s.cStr(x.Trader), s.cStr(string(x.Side)), s.cStr(x.Ticket.ID), s.cStr(x.Bucket),
		s.cFloatOf(x.Price), s.cFloatOf(x.UnitPrice), s.cFloatOf(x.Ticket.Face), cBool(x.Passthrough)}
	if s.dealer.era != DealerDecember {
		s.emit(evDealerTrade, plain, vals[:8]...)
		return
	}
	if x.Side == dealer.Sell {
		vals[8] = cBool(x.LiquidityDriven)
		s.emit(evDealerTrade, plain|liquidity, vals[:]...)
		return
	}
	vals[8] = cBool(x.ReducesMarginBelowZero)
	s.emit(evDealerTrade, plain|marginBelowZero, vals[:]...)
}

// syncDealer writes the day's trades back (spec §6): claim holders in
// ticket order, then each trader's cash, minted (rounded half to even) or
// silently burned.
func (s *system) syncDealer(trades []dealer.Trade) error {
	d := s.dealer
	st := &s.st
	for k := range d.links {
		l := &d.links[k]
		if !d.live[l.ticket.Serial] {
			continue
		}
		c := st.contracts[l.payable]
		cur := c.effectiveHolder()
		if l.ticket.Owner != l.owner {
			l.owner, l.ownerAgent = l.ticket.Owner, st.agentByID(l.ticket.Owner)
		}
		to := l.ownerAgent
		if to == noAgent {
			return fmt.Errorf("dealer sync: ticket %s is owned by unknown agent %q", l.ticket.ID, l.ticket.Owner)
		}
		if cur == to {
			continue
		}
		s.removeID(cur, assetList, l.payable)
		if !containsID(st.agents[to].assets, l.payable) {
			s.appendID(to, assetList, l.payable)
		}
		c.secondaryHolder = to
		s.emit(evClaimTransferredDealer, allKeys, cContract(l.payable), cAgent(cur), cAgent(to), s.cAmount(c.amount), s.cInt(c.dueDay))
	}
	// Each trader's main-system cash is still what P0 read (the day's
	// trading and the claim transfers above move no cash), so only the
	// day's traders can have anything to sync: they are visited in trader
	// order, as bilancio visits every trader.
	synced := d.synced[:0]
	for k := range trades {
		if i := d.st.TradeTraderIndex(&trades[k]); i >= 0 {
			synced = append(synced, i)
		}
	}
	slices.Sort(synced)
	synced = slices.Compact(synced)
	d.synced = synced
	for _, i := range synced {
		tr := d.st.Traders[i]
		if tr.Cash == d.cash[i] {
			continue
		}
		ai := d.traders[i]
		delta := pynum.Sub(tr.Cash, d.cash[i])
		switch delta.Sign() {
		case 1:
			if _, err := s.mintCash(ai, pynum.Round(delta), "", false); err != nil {
				return fmt.Errorf("dealer sync: mint to %s: %w", tr.AgentID, err)
			}
		case -1:
			s.burnCash(ai, pynum.Sub(pynum.Int(0), delta))
		}
	}
	return nil
}

// burnCash is the sync's silent burn (spec §6.3): whole instruments are
// deleted (their ids stay, stale, in the central bank's liabilities, and
// its outstanding cash is not reduced), the last one is cut by round(rem),
// and whatever the agent's cash does not cover is forgiven. No event.
func (s *system) burnCash(ai int32, rem pynum.Amount) {
	a := &s.st.agents[ai]
	for _, idx := range append([]int32(nil), a.assets...) {
		if rem.Sign() <= 0 {
			break
		}
		c := s.st.contracts[idx]
		if c.removed || c.kind != KindCash {
			continue
		}
		if pynum.Cmp(c.amount, rem) <= 0 {
			rem = pynum.Sub(rem, c.amount)
			s.removeID(ai, assetList, idx)
			s.deleteContract(idx)
			continue
		}
		s.setAmount(c, pynum.Sub(c.amount, pynum.Round(rem)))
		rem = pynum.Int(0)
	}
}

// containsID reports whether list holds v.
func containsID(list []int32, v int32) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// showsDeletedInstrument reports whether an agent of show that has not
// defaulted lists an instrument that is no longer in the contract map: the
// ids a whole-instrument burn leaves in the central bank's liabilities,
// on which bilancio's T-account display raises KeyError (spec/dealer.md
// §14.1).
func (s *system) showsDeletedInstrument(show []string) bool {
	for _, id := range show {
		i := s.st.agentByID(id)
		if i == noAgent || s.st.agents[i].defaulted {
			continue
		}
		a := &s.st.agents[i]
		for _, list := range [2][]int32{a.assets, a.liabilities} {
			for _, idx := range list {
				if s.st.contracts[idx].removed {
					return true
				}
			}
		}
	}
	return false
}
