package dealer

import "github.com/bilancio-go/bilancio/internal/pynum"

// VBT is a bucket's value-based trader, the outside market (spec §2.1,
// §3.1). Its anchors never change in the engine integration.
type VBT struct {
	// Bucket is the bucket name; AgentID is vbt_<Bucket>.
	Bucket, AgentID string
	// M and O are the outside mid and spread anchors.
	M, O pynum.Amount
	// A and B are the outside ask and bid, derived by RecomputeQuotes.
	A, B pynum.Amount
	// OMin is the minimum spread (Decimal 0); ClipNonNegB clips B at 0 (on in
	// the engine integration).
	OMin        pynum.Amount
	ClipNonNegB bool
	// Inventory is the VBT's tickets in arrival order.
	Inventory []*Ticket
	// Cash is subsystem bookkeeping only; it may go negative (spec §5.1).
	Cash pynum.Amount
}

// NewVBT returns a bucket's VBT with anchors (m, o), the engine
// integration's clip settings, an empty inventory and the given cash, its
// quotes computed.
func NewVBT(bucket string, m, o, cash pynum.Amount) *VBT {
	v := &VBT{Bucket: bucket, AgentID: VBTAgentID(bucket), M: m, O: o, OMin: decZero(), ClipNonNegB: true, Cash: cash}
	v.RecomputeQuotes()
	return v
}

// RecomputeQuotes sets A = M + max(O, OMin)/2 and B = M − max(O, OMin)/2,
// B clipped below at Decimal 0 when ClipNonNegB (spec §3.1).
func (v *VBT) RecomputeQuotes() {
	half := pynum.Quo(pyMax(v.O, v.OMin), pynum.Int(2))
	v.A = pynum.Add(v.M, half)
	v.B = pynum.Sub(v.M, half)
	if v.ClipNonNegB {
		v.B = pyMax(v.B, decZero())
	}
}
