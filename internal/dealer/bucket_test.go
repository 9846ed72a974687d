package dealer

import "testing"

// TestAssignBucket follows bilancio's _assign_bucket
// (engines/dealer_integration.py): τ 0 and τ > 999 fall through to the last
// bucket; values checked against its doctest ('short' for 2, 'long' for 15)
// and spec §2.2.
func TestAssignBucket(t *testing.T) {
	bs := DefaultBuckets()
	for tau, want := range map[int]string{0: "long", 1: "short", 2: "short", 3: "short", 4: "mid", 8: "mid", 9: "long", 15: "long", 999: "long", 1000: "long"} {
		if got := AssignBucket(tau, bs); got != want {
			t.Errorf("AssignBucket(%d) = %s, want %s", tau, got, want)
		}
	}
	gap := []Bucket{{Name: "a", TauMin: 2, TauMax: 3}, {Name: "b", TauMin: 6, TauMax: 7}}
	for tau, want := range map[int]string{1: "b", 2: "a", 4: "b", 5: "b", 6: "b", 8: "b"} {
		if got := AssignBucket(tau, gap); got != want {
			t.Errorf("AssignBucket(%d) with gaps = %s, want %s", tau, got, want)
		}
	}
	if got := AssignBucket(1, nil); got != "default" {
		t.Errorf("AssignBucket without buckets = %s", got)
	}
}

func TestDefaultBucketAnchors(t *testing.T) {
	want := [][3]string{{"short", "1.0", "0.20"}, {"mid", "1.0", "0.30"}, {"long", "1.0", "0.40"}}
	for i, b := range DefaultBuckets() {
		if b.Name != want[i][0] || b.M.String() != want[i][1] || b.O.String() != want[i][2] {
			t.Errorf("bucket %d = %s %s %s, want %v", i, b.Name, b.M, b.O, want[i])
		}
	}
}

func TestDefaultBucketCount(t *testing.T) {
	if n := len(DefaultBuckets()); n != DefaultBucketCount {
		t.Errorf("len(DefaultBuckets()) = %d, DefaultBucketCount = %d", n, DefaultBucketCount)
	}
}
