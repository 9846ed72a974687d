package dealer

import "github.com/bilancio-go/bilancio/internal/pynum"

// Bucket is a maturity bucket with its VBT anchors (spec §1.1, §1.3).
type Bucket struct {
	// Name identifies the bucket ("short", "mid", "long" by default); agent
	// ids are dealer_<Name> and vbt_<Name>.
	Name string
	// TauMin and TauMax bound the remaining maturities, inclusive.
	TauMin, TauMax int
	// M is the VBT's outside mid price, O its outside spread.
	M, O pynum.Amount
}

// DefaultBucketCount is len(DefaultBuckets()).
const DefaultBucketCount = 3

// DefaultBuckets returns bilancio's buckets for a dealer block without
// `buckets`, anchors with their exact exponents ("1.0", "0.20", …).
func DefaultBuckets() []Bucket {
	one := pynum.Dec(10, -1)
	return []Bucket{
		{Name: "short", TauMin: 1, TauMax: 3, M: one, O: pynum.Dec(20, -2)},
		{Name: "mid", TauMin: 4, TauMax: 8, M: one, O: pynum.Dec(30, -2)},
		{Name: "long", TauMin: 9, TauMax: 999, M: one, O: pynum.Dec(40, -2)},
	}
}

// AssignBucket returns the bucket of a remaining maturity tau (spec §2.2):
// walking buckets in order, skip one when tau < TauMin, take it when
// tau ≤ TauMax; when none matches, the last bucket ("default" when there
// are none). So tau 0 and tau > 999 land in "long" by default.
func AssignBucket(tau int, buckets []Bucket) string {
	for _, b := range buckets {
		if tau < b.TauMin {
			continue
		}
		if tau <= b.TauMax {
			return b.Name
		}
	}
	if len(buckets) == 0 {
		return "default"
	}
	return buckets[len(buckets)-1].Name
}

// assignIndex is AssignBucket as the index of the bucket it picks, or -1
// for "default" (TestAssignBucket holds the two together).
func assignIndex(tau int, buckets []Bucket) int {
	for k := range buckets {
		if b := &buckets[k]; tau >= b.TauMin && tau <= b.TauMax {
			return k
		}
	}
	return len(buckets) - 1
}

// firstOfName returns, for each bucket, the index of the first bucket of
// its name (whose market Market finds), in dst's storage; nil when every
// bucket is the first of its name.
func firstOfName(dst []int, buckets []Bucket) []int {
	dst = dst[:0]
	unique := true
	for i := range buckets {
		k := 0
		for buckets[k].Name != buckets[i].Name {
			k++
		}
		dst = append(dst, k)
		unique = unique && k == i
	}
	if unique {
		return nil
	}
	return dst
}

// DealerAgentID returns the main-system agent id of a bucket's dealer.
func DealerAgentID(bucket string) string { return "dealer_" + bucket }

// VBTAgentID returns the main-system agent id of a bucket's VBT.
func VBTAgentID(bucket string) string { return "vbt_" + bucket }
