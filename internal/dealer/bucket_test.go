package dealer

import (
	"fmt"
	"slices"
	"testing"

	"github.com/bilancio-go/bilancio/internal/pynum"
)

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
	// assignIndex is the same rule as an index.
	for _, bs := range [][]Bucket{bs, gap, nil} {
		for tau := range 1002 {
			i, got := assignIndex(tau, bs), "default"
			if i >= 0 {
				got = bs[i].Name
			}
			if want := AssignBucket(tau, bs); got != want {
				t.Errorf("assignIndex(%d) = %d (%s), AssignBucket %s", tau, i, got, want)
			}
		}
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

// Tickets keep the index of their bucket's market through Mature: with
// gaps, with two buckets of one name (one market: the first), and with
// dealer- and VBT-held tickets migrating; the index always names the
// market Market(t.Bucket) finds.
func TestTicketMarketIndex(t *testing.T) {
	one := pynum.Dec(10, -1)
	for name, buckets := range map[string][]Bucket{
		"default": DefaultBuckets(),
		"gaps":    {{Name: "a", TauMin: 2, TauMax: 3, M: one, O: one}, {Name: "b", TauMin: 6, TauMax: 7, M: one, O: one}},
		"same name": {{Name: "a", TauMin: 1, TauMax: 2, M: one, O: one}, {Name: "b", TauMin: 3, TauMax: 4, M: one, O: one},
			{Name: "a", TauMin: 5, TauMax: 999, M: one, O: one}},
	} {
		t.Run(name, func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.Buckets = buckets
			st := NewState(cfg, pynum.Int(1000))
			for k := range 12 {
				tk := NewTicket(fmt.Sprint("P", k), "X", "Y", pynum.Int(10), k+1, 0, k, buckets)
				if m := st.Market(tk.Bucket); m != nil && k%3 != 0 {
					tk.Owner = m.Dealer.AgentID
					m.Dealer.Inventory = append(m.Dealer.Inventory, tk)
					if k%3 == 2 {
						m.Dealer.Inventory = m.Dealer.Inventory[:len(m.Dealer.Inventory)-1]
						tk.Owner = m.VBT.AgentID
						m.VBT.Inventory = append(m.VBT.Inventory, tk)
					}
				}
				st.Tickets = append(st.Tickets, tk)
			}
			for day := range 14 {
				st.Mature(day)
				for _, tk := range st.Tickets {
					if want := AssignBucket(tk.RemainingTau, buckets); tk.Bucket != want {
						t.Fatalf("day %d: %s in %s, want %s", day, tk.ID, tk.Bucket, want)
					}
					if got, want := st.marketOf(tk), st.Market(tk.Bucket); got != want || got == nil || tk.market == 0 || &st.Markets[tk.market-1] != want {
						t.Fatalf("day %d: %s (bucket %s) has market %p (index %d), want %p", day, tk.ID, tk.Bucket, got, tk.market, want)
					}
					m := st.Market(tk.Bucket)
					inDealer, inVBT := slices.Contains(m.Dealer.Inventory, tk), slices.Contains(m.VBT.Inventory, tk)
					if inDealer != (tk.Owner == m.Dealer.AgentID) || inVBT != (tk.Owner == m.VBT.AgentID) {
						t.Fatalf("day %d: %s owned by %s, in the dealer's inventory %v, the VBT's %v", day, tk.ID, tk.Owner, inDealer, inVBT)
					}
				}
			}
			if len(st.Tickets) != 0 {
				t.Errorf("%d tickets left after every maturity", len(st.Tickets))
			}
		})
	}
}
