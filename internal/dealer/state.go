package dealer

import (
	"github.com/bilancio-go/bilancio/internal/pynum"
	"github.com/bilancio-go/bilancio/internal/pyrandom"
)

// Market is one bucket's pair of market makers: its dealer and its VBT.
type Market struct {
	Bucket Bucket
	Dealer *Dealer
	VBT    *VBT
}

// State is the dealer subsystem's state next to the main system (spec
// §2.1). Orders matter everywhere: markets are in bucket order, tickets in
// payable creation order, traders in agent order.
type State struct {
	// Config is the parsed dealer block.
	Config Config
	// Markets holds one entry per bucket, in Config.Buckets order.
	Markets []Market
	// Tickets are the live tickets in insertion (payable creation) order.
	Tickets []*Ticket
	// Traders are the households, in agent order.
	Traders []*Trader
	// RNG is the run's single random.Random(Seed) stream, kept across days
	// for the two daily shuffles (spec §8).
	RNG *pyrandom.Random

	// Trades are every executed trade of the run, in execution order.
	Trades []Trade
	// Instrumented turns on the December-era instrumentation: safety
	// margins in trades, daily snapshots (spec §10.2–§10.5).
	Instrumented bool
	// Detailed keeps, with Instrumented, what only the detailed CSV files
	// read: the daily system snapshots (Instruments.System) and the bucket
	// snapshots' TotalSystemFace and DealerSharePct, which are zero
	// without it (spec §10.4, §10.5).
	Detailed bool
	// Instruments holds what the instrumentation recorded.
	Instruments Instruments

	// traderIndex finds traders by agent id; built at the first look-up by
	// name (tickets and trades find theirs by index hints).
	traderIndex map[string]int
	// makerTraders is set when some trader's id is a market's dealer or VBT
	// id: then a ticket held by a market maker may still be a trader's.
	makerTraders bool
	// sellers and buyers are Trade's scratch lists, kept between days.
	sellers, buyers []*Trader
	// counts is snapshot's scratch list of tickets per market.
	counts []int
	// faces is the block the snapshots' FaceByBucket lists are cut from.
	faces []pynum.Amount
}

// NewState returns the subsystem's markets as initialisation builds them
// (spec §2.2 steps 3–4) from the parsed configuration and the total cash of
// the non-dealer, non-VBT agents: every dealer gets CapitalPerBucket of
// dealer_share, every VBT that of vbt_share, and the kernel runs once per
// bucket. Tickets and traders are left for the caller, which reads them from
// the main system.
func NewState(cfg Config, totalCash pynum.Amount) *State {
	st := &State{Config: cfg, RNG: pyrandom.New(Seed)}
	n := len(cfg.Buckets)
	dealerCap := CapitalPerBucket(totalCash, cfg.DealerShare, n)
	vbtCap := CapitalPerBucket(totalCash, cfg.VBTShare, n)
	for _, b := range cfg.Buckets {
		m := Market{Bucket: b, Dealer: NewDealer(b.Name, dealerCap), VBT: NewVBT(b.Name, b.M, b.O, vbtCap)}
		m.Dealer.Recompute(m.VBT, cfg.TicketSize)
		st.Markets = append(st.Markets, m)
	}
	return st
}

// marketOf returns the market of t's bucket, or nil.
func (st *State) marketOf(t *Ticket) *Market {
	if i := st.marketIndexOf(t); i >= 0 {
		return &st.Markets[i]
	}
	return nil
}

// marketIndexOf returns the index of t's bucket's market, or -1: the
// index the ticket keeps when it still names that market, else the first
// market of that name, which the ticket then keeps.
func (st *State) marketIndexOf(t *Ticket) int {
	if i := t.market - 1; i >= 0 && i < len(st.Markets) && st.Markets[i].Bucket.Name == t.Bucket {
		return i
	}
	return st.findMarket(t)
}

// findMarket is marketIndexOf's look-up by name.
func (st *State) findMarket(t *Ticket) int {
	i := st.marketIndex(t.Bucket)
	t.market = i + 1
	return i
}

// Market returns the market of the named bucket, or nil.
func (st *State) Market(bucket string) *Market {
	if i := st.marketIndex(bucket); i >= 0 {
		return &st.Markets[i]
	}
	return nil
}

// marketIndex returns the index of the first market of the named bucket,
// or -1.
func (st *State) marketIndex(bucket string) int {
	for i := range st.Markets {
		if st.Markets[i].Bucket.Name == bucket {
			return i
		}
	}
	return -1
}

// RecomputeAll runs the kernel for every bucket in order (P2 of spec §4.2).
func (st *State) RecomputeAll() {
	for _, m := range st.Markets {
		m.Dealer.Recompute(m.VBT, st.Config.TicketSize)
	}
}
