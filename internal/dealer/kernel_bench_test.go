package dealer

import (
	"testing"

	"github.com/bilancio-go/bilancio/internal/pynum"
)

// BenchmarkRecompute is one kernel run of a dealer that just traded a
// ticket: its cash a new 28-digit Decimal, its capacity K* unchanged (the
// usual case between trades).
func BenchmarkRecompute(b *testing.B) {
	st := NewState(DefaultConfig(), pynum.Dec(5000, 0))
	m := st.Markets[0]
	m.Dealer.Inventory = []*Ticket{{}}
	cash := [2]pynum.Amount{pynum.Sub(m.Dealer.Cash, m.Dealer.Bid), pynum.Sub(m.Dealer.Cash, m.Dealer.Ask)}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		m.Dealer.Cash = cash[i%2]
		m.Dealer.Recompute(m.VBT, st.Config.TicketSize)
	}
}
