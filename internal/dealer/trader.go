package dealer

import (
	"math"

	"github.com/bilancio-go/bilancio/internal/pynum"
)

// LookAheadDays is the fixed eligibility horizon: days d … d+10 are checked
// (spec §4.3); the configured trader_policy.horizon_H is not used.
const LookAheadDays = 10

// BuyerSurplus is the fixed surplus a buyer's cash must exceed, strictly,
// over its largest due amount in the look-ahead (spec §4.3).
const BuyerSurplus = 500

// Trader is a household's state in the dealer subsystem (spec §2.1).
type Trader struct {
	// AgentID is the household's main-system id.
	AgentID string
	// Cash is refreshed from the main system every day (P0).
	Cash pynum.Amount
	// TicketsOwned are the tickets it holds, in order; sales take the first.
	TicketsOwned []*Ticket
	// Obligations are the tickets it issued, in ticket order.
	Obligations []*Ticket
	// AssetIssuer is recorded on a purchase and never used ("" when unset).
	AssetIssuer string
	// Defaulted is never set by the engine integration.
	Defaulted bool
	// index is 1 + the trader's index in State.Traders (0 until added).
	index int32
}

// PaymentDue returns the sum of the faces of the obligations maturing on
// day, a Python sum starting from int 0.
func (t *Trader) PaymentDue(day int) pynum.Amount {
	s := pynum.Int(0)
	for _, o := range t.Obligations {
		if o.MaturityDay == day {
			s = pynum.Add(s, o.Face)
		}
	}
	return s
}

// Shortfall returns max(Decimal(0), PaymentDue(day) − Cash).
func (t *Trader) Shortfall(day int) pynum.Amount {
	return pyMax(decZero(), pynum.Sub(t.PaymentDue(day), t.Cash))
}

// IsSeller reports whether the trader is an eligible seller on day d: some
// shortfall over days d … d+LookAheadDays is positive and it owns a ticket.
// Only the sign matters, so it is the same as: some day's dues exceed cash.
func (t *Trader) IsSeller(d int) bool {
	if len(t.TicketsOwned) == 0 {
		return false
	}
	return pynum.Cmp(t.maxDues(d), t.Cash) > 0
}

// IsBuyer reports whether the trader is an eligible buyer on day d: cash
// minus the largest day's dues over days d … d+LookAheadDays exceeds
// BuyerSurplus (no check that it can afford a ticket).
func (t *Trader) IsBuyer(d int) bool {
	return pynum.Cmp(pynum.Sub(t.Cash, t.maxDues(d)), pynum.Dec(BuyerSurplus, 0)) > 0
}

// maxDues is max over k = 0 … LookAheadDays of PaymentDue(d+k), and 0 when
// nothing falls due: each obligation's day is summed once, the others are
// zero days.
func (t *Trader) maxDues(d int) pynum.Amount {
	best := decZero()
	for i, o := range t.Obligations {
		if t.firstDueAhead(i, d) {
			best = pyMax(best, t.PaymentDue(o.MaturityDay))
		}
	}
	return best
}

// firstDueAhead reports whether obligation i falls due in d …
// d+LookAheadDays and is the first of the trader's obligations due that day
// (so each due day is counted once).
func (t *Trader) firstDueAhead(i, d int) bool {
	day := t.Obligations[i].MaturityDay
	if day < d || day > d+LookAheadDays {
		return false
	}
	for _, p := range t.Obligations[:i] {
		if p.MaturityDay == day {
			return false
		}
	}
	return true
}

// eligibility returns IsSeller(d) and IsBuyer(d) at once, from one look at
// the dues. When the cash and the faces are whole numbers (the usual case:
// cash as the main system holds it, integer faces) it compares in int64,
// exactly as the Decimals compare; otherwise it is IsSeller and IsBuyer.
func (t *Trader) eligibility(d int) (sells, buys bool) {
	if cash, ok := t.Cash.Whole(); ok && cash > -wholeLimit && cash < wholeLimit {
		if dues, ok := t.maxDuesWhole(d); ok {
			return len(t.TicketsOwned) > 0 && dues > cash, cash-dues > BuyerSurplus
		}
	}
	if floor, whole, ok := pynum.FloorInt64(t.Cash); ok && floor > -wholeLimit && floor < wholeLimit {
		// Cash with a fraction (after a trade): with dues D ≥ 0 whole,
		// D > cash ⟺ D > ⌊cash⌋, and cash − D (exact when positive: it
		// has no more digits than cash) > 500 ⟺ cash > D + 500.
		if dues, ok := t.maxDuesWhole(d); ok {
			n := dues + BuyerSurplus
			return len(t.TicketsOwned) > 0 && dues > floor, floor > n || floor == n && !whole
		}
	}
	dues := t.maxDues(d)
	return len(t.TicketsOwned) > 0 && pynum.Cmp(dues, t.Cash) > 0,
		pynum.Cmp(pynum.Sub(t.Cash, dues), pynum.Dec(BuyerSurplus, 0)) > 0
}

// wholeLimit bounds the whole numbers eligibility adds and subtracts in
// int64, far from overflow.
const wholeLimit = math.MaxInt64 / 4

// maxDuesWhole is maxDues in int64, with ok false when a face in the
// look-ahead is not a whole number below wholeLimit in size, or a day's dues
// reach it.
func (t *Trader) maxDuesWhole(d int) (best int64, ok bool) {
	if len(t.Obligations) == 1 {
		// The usual case (a ring's household owes one payable): its face,
		// when it falls due in the look-ahead.
		o := t.Obligations[0]
		if o.MaturityDay < d || o.MaturityDay > d+LookAheadDays {
			return 0, true
		}
		f, ok := o.Face.Whole()
		if !ok || f <= -wholeLimit || f >= wholeLimit {
			return 0, false
		}
		return max(0, f), true
	}
	for i, o := range t.Obligations {
		if !t.firstDueAhead(i, d) {
			continue
		}
		var due int64
		for _, p := range t.Obligations[i:] {
			if p.MaturityDay != o.MaturityDay {
				continue
			}
			f, ok := p.Face.Whole()
			if !ok || f <= -wholeLimit || f >= wholeLimit {
				return 0, false
			}
			if due += f; due <= -wholeLimit || due >= wholeLimit {
				return 0, false
			}
		}
		best = max(best, due)
	}
	return best, true
}
