package metrics

import (
	"fmt"
	"testing"

	"github.com/bilancio-go/bilancio/internal/pynum"
)

// replayRows renders what a replay produced, to compare two of them.
func replayRows(r *Report, gross, peak pynum.Amount) string {
	s := fmt.Sprintf("gross %s (%v) peak %s (%v)\n", gross, gross.IsDecimal(), peak, peak.IsDecimal())
	for _, x := range r.Intraday {
		s += fmt.Sprintf("%d %d %s %s %s %s\n", x.Day, x.Step, x.Payer, x.Payee, x.Amount.String(), x.PPrefix.String())
	}
	return s
}

// FuzzReplay: the integer replay gives the Decimal replay's rows, gross and
// peak exactly, and declines the days it cannot do exactly.
func FuzzReplay(f *testing.F) {
	f.Add([]byte{1, 2, 50, 2, 3, 20, 3, 1, 70, 1, 2, 0}, false)
	f.Add([]byte{0, 1, 255, 1, 0, 255, 2, 2, 1}, true)
	f.Fuzz(func(t *testing.T, data []byte, decimals bool) {
		agents := []string{"", "H1", "H2", "H3", "H4", "H5"}
		var settled []settlement
		for i := 0; i+2 < len(data); i += 3 {
			amount := pynum.Int(int64(data[i+2]) * int64(1+data[i]%7) * 1000)
			switch {
			case decimals && data[i]%5 == 0:
				amount = pynum.Dec(int64(data[i+2])*10, -1) // Decimal('x.0'): not whole with exponent 0
			case data[i]%3 == 0:
				amount = pynum.Dec(int64(data[i+2]), 0)
			}
			settled = append(settled, settlement{payer: agents[int(data[i])%len(agents)], payee: agents[int(data[i+1])%len(agents)], amount: amount})
		}
		var slow, fast Report
		var ws, wf dayWork
		g1, p1 := slow.replayDecimal(3, settled, &ws)
		g2, p2, ok := fast.replayWhole(3, settled, &wf)
		if !ok {
			if len(fast.Intraday) != 0 {
				t.Fatal("a declined replay appended rows")
			}
			for _, s := range settled {
				if _, whole := s.amount.Whole(); !whole {
					return
				}
			}
			t.Fatal("a day of whole amounts was declined")
		}
		if a, b := replayRows(&slow, g1, p1), replayRows(&fast, g2, p2); a != b {
			t.Fatalf("replays differ:\ndecimal:\n%s\nwhole:\n%s", a, b)
		}
	})
}
