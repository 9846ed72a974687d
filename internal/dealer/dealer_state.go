package dealer

import "github.com/bilancio-go/bilancio/internal/pynum"

// Dealer is a bucket's market maker (spec §2.1): an inventory of tickets,
// subsystem cash, and the quantities the kernel derives from them (§3.2).
type Dealer struct {
	// Bucket is the bucket name; AgentID is dealer_<Bucket>.
	Bucket, AgentID string
	// Inventory is the dealer's tickets in arrival order.
	Inventory []*Ticket
	// Cash is subsystem bookkeeping, separate from the main system's cash.
	Cash pynum.Amount

	// A is the number of tickets held (a Python int); X = S·A.
	A int
	X pynum.Amount
	// V = M·A + Cash, the inventory valued at the VBT mid.
	V pynum.Amount
	// KStar = floor(V/M) and N = KStar + 1 are Python ints (of any size);
	// XStar = S·KStar.
	KStar pynum.Amount
	XStar pynum.Amount
	N     pynum.Amount
	// Lambda = S/(XStar + S), the layoff probability; I = Lambda·O.
	Lambda, I pynum.Amount
	// Midline is the inventory-sensitive mid p(x); Bid and Ask the clipped
	// quotes.
	Midline, Bid, Ask pynum.Amount
	// PinnedBid and PinnedAsk report Bid == VBT.B and Ask == VBT.A.
	PinnedBid, PinnedAsk bool

	// computed and last remember the inputs of the last kernel run.
	computed bool
	last     kernelInputs
	// terms are the capacity terms of the last K* (termsSet once computed).
	terms    capacityTerms
	termsSet bool
}

// NewDealer returns a bucket's dealer with an empty inventory, the given
// cash and bilancio's initial derived values; run Recompute before quoting.
func NewDealer(bucket string, cash pynum.Amount) *Dealer {
	return &Dealer{
		Bucket: bucket, AgentID: DealerAgentID(bucket), Cash: cash,
		X: decZero(), V: decZero(), KStar: pynum.Int(0), XStar: decZero(), N: pynum.Int(1),
		Lambda: decOne(), I: decZero(), Midline: decZero(), Bid: decZero(), Ask: decZero(),
	}
}

// kernelInputs are what the kernel's result depends on. Amounts compare
// by identity of representation, so equal inputs are the very same values.
type kernelInputs struct {
	a                  int
	cash, m, o, va, vb pynum.Amount
	s                  pynum.Amount
}
