package dealer

import "github.com/bilancio-go/bilancio/internal/pynum"

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
func (t *Trader) IsSeller(d int) bool {
	worst := decZero()
	for k := 0; k <= LookAheadDays; k++ {
		worst = pyMax(worst, t.Shortfall(d+k))
	}
	return worst.Sign() > 0 && len(t.TicketsOwned) > 0
}

// IsBuyer reports whether the trader is an eligible buyer on day d: its cash
// less the largest amount due over days d … d+LookAheadDays exceeds
// BuyerSurplus. There is no check that it can afford a ticket.
func (t *Trader) IsBuyer(d int) bool {
	dues := decZero()
	for k := 0; k <= LookAheadDays; k++ {
		dues = pyMax(dues, t.PaymentDue(d+k))
	}
	return pynum.Cmp(pynum.Sub(t.Cash, dues), pynum.Dec(BuyerSurplus, 0)) > 0
}
