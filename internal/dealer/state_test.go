package dealer

import (
	"math"
	"slices"
	"testing"

	"github.com/bilancio-go/bilancio/internal/pynum"
)

// TestNewState rebuilds the data-era start of spec §3.4: total cash 5000,
// dealer_share 0.25, vbt_share 0.5, default buckets. Bids from
// /tmp/dv/gen.py (bilancio's recompute_dealer_state on that state).
func TestNewState(t *testing.T) {
	cfg := DefaultConfig()
	cfg.VBTShare = pynum.Dec(5, -1)
	st := NewState(cfg, pynum.Dec(5000, 0))
	want := map[string]string{
		"short": "1.099281722947001250674101867",
		"mid":   "1.148922584420501876011152801",
		"long":  "1.198563445894002501348203733",
	}
	for name, bid := range want {
		m := st.Market(name)
		if m == nil {
			t.Fatalf("no market %s", name)
		}
		if m.Dealer.Cash.String() != "416.6666666666666666666666667" || m.VBT.Cash.String() != "833.3333333333333333333333333" {
			t.Errorf("%s: cash %s / %s", name, m.Dealer.Cash, m.VBT.Cash)
		}
		if m.Dealer.Bid.String() != bid {
			t.Errorf("%s: bid %s, want %s", name, m.Dealer.Bid, bid)
		}
		if m.Dealer.AgentID != "dealer_"+name || m.VBT.AgentID != "vbt_"+name {
			t.Errorf("%s: agent ids %s %s", name, m.Dealer.AgentID, m.VBT.AgentID)
		}
	}
	if st.Market("none") != nil {
		t.Error("Market(none) != nil")
	}
}

// TestStateRNG checks the dealer stream against the vectors of spec §8
// (CPython's random.Random(42).shuffle).
func TestStateRNG(t *testing.T) {
	st := NewState(DefaultConfig(), pynum.Dec(0, 0))
	xs := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	st.RNG.Shuffle(len(xs), func(i, j int) { xs[i], xs[j] = xs[j], xs[i] })
	if want := []int{7, 3, 2, 8, 5, 6, 9, 4, 0, 1}; !slices.Equal(xs, want) {
		t.Errorf("shuffle = %v, want %v", xs, want)
	}
	hs := []string{"H1", "H2", "H3", "H4", "H5"}
	st = NewState(DefaultConfig(), pynum.Dec(0, 0))
	st.RNG.Shuffle(len(hs), func(i, j int) { hs[i], hs[j] = hs[j], hs[i] })
	if want := []string{"H4", "H2", "H3", "H5", "H1"}; !slices.Equal(hs, want) {
		t.Errorf("shuffle = %v, want %v", hs, want)
	}
}

// repeatedSum gives what adding S one ticket at a time gives, exponent
// included, for ticket sizes on and off its closed form.
func TestRepeatedSum(t *testing.T) {
	for _, text := range []string{"1", "20", "0.5", "2E+1", "0.1234567890123456789012345678", "999999999999999999", "7.25"} {
		s, err := pynum.ParseDecimal(text)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range []int{0, 1, 2, 3, 100, 1001, 100000} {
			want := pynum.Dec(0, 0)
			for range n {
				want = pynum.Add(want, s)
			}
			if got := repeatedSum(n, s); got.String() != want.String() || !got.IsDecimal() {
				t.Errorf("repeatedSum(%d, %s) = %s, want %s", n, s, got, want)
			}
		}
	}
}

// traderCash is Decimal(0) plus the traders' cash term by term: whole
// numbers, a fraction, an int64 overflow, negative amounts, no traders.
func TestTraderCash(t *testing.T) {
	big := pynum.Dec(math.MaxInt64-5, 0)
	for _, cash := range [][]pynum.Amount{
		nil,
		{pynum.Dec(5, 0), pynum.Int(7), pynum.Dec(0, 0)},
		{pynum.Dec(5, 0), pynum.Dec(15, -1), pynum.Int(7)},
		{big, pynum.Dec(3, 0), pynum.Dec(9, 0), pynum.Dec(-20, 0)},
		{pynum.Dec(-4, 0), big, pynum.Dec(-7, 0)},
		{big, big, pynum.Dec(1, 0)},
		{pynum.Quo(pynum.Int(2), pynum.Int(3)), pynum.Dec(1, 0)},
	} {
		st := &State{}
		var want pynum.DecimalSum
		for _, c := range cash {
			st.Traders = append(st.Traders, &Trader{Cash: c})
			want.Add(c)
		}
		got := st.traderCash()
		// And the DecimalSum goes on the same way.
		got.Add(pynum.Dec(25, -1))
		want.Add(pynum.Dec(25, -1))
		if g, w := got.Value(), want.Value(); g != w || g.String() != w.String() {
			t.Errorf("traders' cash %v: %s, want %s", cash, g, w)
		}
	}
}

// RemoveTicket takes a ticket out of its owner's list when the owner is a
// trader, also a trader whose id is a market maker's (a household named
// dealer_short), and out of the market maker's inventory.
func TestRemoveTicketOwners(t *testing.T) {
	for _, owner := range []string{"H1", "dealer_short", "vbt_short"} {
		st := NewState(DefaultConfig(), pynum.Dec(1000, 0))
		tk := NewTicket("P1", "H2", owner, pynum.Dec(10, 0), 2, 0, 0, st.Config.Buckets)
		other := NewTicket("P2", "H2", owner, pynum.Dec(10, 0), 3, 0, 1, st.Config.Buckets)
		holder := &Trader{AgentID: owner, TicketsOwned: []*Ticket{tk, other}}
		issuer := &Trader{AgentID: "H2", Obligations: []*Ticket{tk, other}}
		st.SetTraders([]*Trader{holder, issuer})
		m := st.Market(tk.Bucket)
		m.Dealer.Inventory = []*Ticket{tk}
		st.Tickets = []*Ticket{tk, other}
		st.RemoveTicket(tk)
		if len(holder.TicketsOwned) != 1 || holder.TicketsOwned[0] != other || len(issuer.Obligations) != 1 || len(m.Dealer.Inventory) != 0 {
			t.Errorf("owner %s: owned %d, obligations %d, dealer inventory %d after RemoveTicket", owner,
				len(holder.TicketsOwned), len(issuer.Obligations), len(m.Dealer.Inventory))
		}
	}
}
