package dealer

import "github.com/bilancio-go/bilancio/internal/pynum"

// CapitalPerBucket returns (total·share)/nBuckets, two roundings, as
// bilancio splits new outside money between the buckets' dealers (share =
// dealer_share) or VBTs (share = vbt_share) (spec §2.2 step 3). total is the
// Decimal sum of the cash of every agent that is not a dealer or a VBT.
func CapitalPerBucket(total, share pynum.Amount, nBuckets int) pynum.Amount {
	return pynum.Quo(pynum.Mul(total, share), pynum.Int(int64(nBuckets)))
}
