package dealer

import (
	"testing"

	"github.com/bilancio-go/bilancio/internal/pynum"
)

func TestNewTicket(t *testing.T) {
	tk := NewTicket("P_7", "H2", "H1", pynum.Dec(99, 0), 5, 0, 3, DefaultBuckets())
	if tk.ID != "TKT_P_7" || tk.RemainingTau != 5 || tk.Bucket != "mid" || tk.Serial != 3 || tk.Owner != "H1" || tk.Issuer != "H2" {
		t.Errorf("NewTicket = %+v", tk)
	}
	if late := NewTicket("P_8", "H2", "H1", pynum.Dec(1, 0), 2, 4, 0, DefaultBuckets()); late.RemainingTau != 0 || late.Bucket != "long" {
		t.Errorf("overdue ticket = %+v", late)
	}
}

// TestEarliestTicket: dealers and VBTs sell the smallest (maturity_day,
// serial), the first one on ties (Python's min over the inventory).
func TestEarliestTicket(t *testing.T) {
	inv := []*Ticket{{MaturityDay: 5, Serial: 1}, {MaturityDay: 3, Serial: 9}, {MaturityDay: 3, Serial: 2}, {MaturityDay: 4, Serial: 0}}
	if got := EarliestTicket(inv); got != 2 {
		t.Errorf("EarliestTicket = %d, want 2", got)
	}
	if got := EarliestTicket(nil); got != -1 {
		t.Errorf("EarliestTicket(nil) = %d, want -1", got)
	}
}
