package dealer

import "github.com/bilancio-go/bilancio/internal/pynum"

// Ticket is the dealer subsystem's view of one payable (spec §2.1). Tickets
// are unique and compared by identity, so collections hold *Ticket.
type Ticket struct {
	// ID is "TKT_" + the payable id.
	ID string
	// Issuer is the payable's debtor.
	Issuer string
	// Owner is the ticket's current holder: a trader, dealer_<b> or vbt_<b>.
	Owner string
	// Face is Decimal(payable.amount): integer-valued, possibly 0.
	Face pynum.Amount
	// MaturityDay is the payable's due day.
	MaturityDay int
	// RemainingTau is max(0, MaturityDay − current day), refreshed daily.
	RemainingTau int
	// Bucket is the name of the maturity bucket the ticket is in.
	Bucket string
	// Serial is the ticket's index in payable creation order (0, 1, …); it
	// breaks ties between equal maturities.
	Serial int

	// market is 1 + the index of Bucket's market (the first of that name),
	// set by the first look-up and by Mature; 0 when not known yet.
	market int
	// owner and issuer are 1 + the index in State.Traders of the trader
	// last found for Owner and Issuer (0: none yet); a hint, checked
	// against the id before use.
	owner, issuer int32
}

// TicketIDPrefix starts every ticket id.
const TicketIDPrefix = "TKT_"

// TicketID returns the ticket id bilancio derives from a payable id.
func TicketID(payableID string) string { return TicketIDPrefix + payableID }

// NewTicket returns the ticket of a payable as initialisation builds it
// (spec §2.2 step 2): remaining maturity counted from day, bucket assigned
// from it.
func NewTicket(payableID, issuer, owner string, face pynum.Amount, dueDay, day, serial int, buckets []Bucket) *Ticket {
	t := MakeTicket(TicketID(payableID), issuer, owner, face, dueDay, day, serial, buckets)
	return &t
}

// MakeTicket is NewTicket as a value, given the ticket's id (TicketID of the
// payable id), so that a caller can allocate many tickets and their ids at
// once.
func MakeTicket(id, issuer, owner string, face pynum.Amount, dueDay, day, serial int, buckets []Bucket) Ticket {
	tau := RemainingTau(dueDay, day)
	return Ticket{
		ID:           id,
		Issuer:       issuer,
		Owner:        owner,
		Face:         face,
		MaturityDay:  dueDay,
		RemainingTau: tau,
		Bucket:       AssignBucket(tau, buckets),
		Serial:       serial,
	}
}

// RemainingTau returns max(0, dueDay − day).
func RemainingTau(dueDay, day int) int { return max(0, dueDay-day) }

// less reports whether t comes before u in the order dealers and VBTs sell
// from: smallest (maturity day, serial) first.
func (t *Ticket) less(u *Ticket) bool {
	if t.MaturityDay != u.MaturityDay {
		return t.MaturityDay < u.MaturityDay
	}
	return t.Serial < u.Serial
}

// EarliestTicket returns the index of the ticket with the smallest
// (maturity day, serial) in inv, the first such on ties, or −1 when inv is
// empty (spec §5.2).
func EarliestTicket(inv []*Ticket) int {
	best := -1
	for i, t := range inv {
		if best < 0 || t.less(inv[best]) {
			best = i
		}
	}
	return best
}
