package dealer

import (
	"testing"

	"github.com/bilancio-go/bilancio/internal/pynum"
)

// TestTraderEligibility checks payment_due, shortfall and the seller and
// buyer rules of spec §4.3. Vectors from /tmp/dv/gen2.py: bilancio's
// TraderState.payment_due and shortfall under python3, and the eligibility
// loops of engines/dealer_integration.py (horizon 10, surplus > 500)
// transcribed into the script. due and short are for the first obligation's
// maturity day (or day when there is none).
func TestTraderEligibility(t *testing.T) {
	for i, c := range []struct {
		cash          string
		obl           [][2]int // face, maturity day
		owned, day    int
		due, short    string
		seller, buyer bool
	}{
		{"50", [][2]int{{100, 5}}, 1, 0, "100", "50", true, false},
		{"50", [][2]int{{100, 11}}, 1, 0, "100", "50", false, false},
		{"50", [][2]int{{100, 12}}, 1, 0, "100", "50", false, false},
		{"50", [][2]int{{100, 5}}, 0, 0, "100", "50", false, false},
		{"600", [][2]int{{99, 3}}, 1, 0, "99", "0", false, true},
		{"600", [][2]int{{100, 3}}, 1, 0, "100", "0", false, false},
		{"601", [][2]int{{100, 3}, {50, 3}}, 0, 2, "150", "0", false, false},
		{"700", [][2]int{}, 0, 0, "0", "0", false, true},
		{"500.01", [][2]int{}, 0, 0, "0", "0", false, true},
		{"500", [][2]int{}, 1, 0, "0", "0", false, false},
		{"100", [][2]int{{100, 4}}, 1, 0, "100", "0", false, false},
		{"99.5", [][2]int{{100, 4}, {0, 4}}, 1, 3, "100", "0.5", true, false},
	} {
		tr := &Trader{AgentID: "H", Cash: dec(t, c.cash)}
		for _, o := range c.obl {
			tr.Obligations = append(tr.Obligations, &Ticket{Issuer: "H", Face: pynum.Dec(int64(o[0]), 0), MaturityDay: o[1]})
		}
		for range c.owned {
			tr.TicketsOwned = append(tr.TicketsOwned, &Ticket{Issuer: "Y", Owner: "H", Face: pynum.Dec(1, 0), MaturityDay: 1})
		}
		first := c.day
		if len(c.obl) > 0 {
			first = c.obl[0][1]
		}
		if got := tr.PaymentDue(first).String(); got != c.due {
			t.Errorf("case %d: PaymentDue = %s, want %s", i, got, c.due)
		}
		if got := tr.Shortfall(first).String(); got != c.short {
			t.Errorf("case %d: Shortfall = %s, want %s", i, got, c.short)
		}
		if got := tr.IsSeller(c.day); got != c.seller {
			t.Errorf("case %d: IsSeller = %v, want %v", i, got, c.seller)
		}
		if got := tr.IsBuyer(c.day); got != c.buyer {
			t.Errorf("case %d: IsBuyer = %v, want %v", i, got, c.buyer)
		}
	}
}

// eligibility agrees with IsSeller and IsBuyer, on whole numbers (its
// int64 path) and on others.
func TestEligibility(t *testing.T) {
	faces := []pynum.Amount{pynum.Dec(99, 0), pynum.Dec(400, 0), pynum.Dec(0, 0), pynum.Dec(995, -1), pynum.Int(600), pynum.Dec(-7, 0)}
	cashes := []pynum.Amount{pynum.Dec(0, 0), pynum.Dec(99, 0), pynum.Dec(98, 0), pynum.Dec(599, 0), pynum.Dec(1000, 0),
		pynum.Dec(1099, 0), pynum.Dec(1100, 0), pynum.Quo(pynum.Int(2000), pynum.Int(3)), pynum.Dec(-5, 0), pynum.Dec(10995, -1),
		// Fractions (cash after a trade) at and around the thresholds:
		// dues 99, 400, 499.5, 600 against cash and cash − 500.
		pynum.Dec(5990, -1), pynum.Dec(5995, -1), pynum.Dec(59900001, -5), pynum.Dec(5989999, -4), pynum.Dec(9000, -1),
		pynum.Dec(11000, -1), pynum.Dec(11001, -1), pynum.Dec(10999, -1), pynum.Dec(-55, -1), pynum.Dec(985, -1), pynum.Dec(995, -1), pynum.Dec(40025, -2), pynum.Dec(5, -1),
		pynum.Add(pynum.Int(599), pynum.Quo(pynum.Int(1), pynum.Int(3))), pynum.Sub(pynum.Int(1100), pynum.Quo(pynum.Int(1), pynum.Int(7))),
		pynum.Add(pynum.Int(98), pynum.Quo(pynum.Int(1), pynum.Int(3))),
		// More than 28 digits: no shortcut.
		mustParse(t, "1099.00000000000000000000000000001"), mustParse(t, "599.00000000000000000000000000001")}
	n := 0
	for _, cash := range cashes {
		for i, f := range faces {
			for _, g := range faces[i:] {
				for k, owns := range []bool{false, true, false, true} {
					tr := &Trader{Cash: cash, Obligations: []*Ticket{{Face: f, MaturityDay: 3}, {Face: g, MaturityDay: 5}, {Face: f, MaturityDay: 5}, {Face: g, MaturityDay: 20}}}
					if k >= 2 {
						// One obligation, as a ring's household has.
						tr.Obligations = []*Ticket{{Face: g, MaturityDay: 5}}
					}
					if owns {
						tr.TicketsOwned = []*Ticket{{Face: f}}
					}
					for day := 0; day <= 12; day++ {
						sells, buys := tr.eligibility(day)
						if sells != tr.IsSeller(day) || buys != tr.IsBuyer(day) {
							t.Fatalf("cash %s, faces %s %s, day %d: eligibility %v %v, IsSeller %v IsBuyer %v",
								cash, f, g, day, sells, buys, tr.IsSeller(day), tr.IsBuyer(day))
						}
						n++
					}
				}
			}
		}
	}
	if n < 1000 {
		t.Fatalf("only %d cases", n)
	}
}

func mustParse(t *testing.T, s string) pynum.Amount {
	t.Helper()
	a, err := pynum.ParseDecimal(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
