package ring

import (
	"math"

	"github.com/bilancio-go/bilancio/internal/pynum"
)

// dueDays returns the due day of each payable under bilancio's lead-lag rule
// (spec §10.5): with lead = round(mu·(days−1)) (half to even), payable i
// (0-based) falls due on ((days + (i·lead mod days) − lead) mod days) + 1;
// everything falls due on day 1 when days ≤ 1 or lead is 0.
func dueDays(n, days int, mu pynum.Amount) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = 1
	}
	if days <= 1 {
		return out
	}
	maxShift := days - 1
	lead := int(math.RoundToEven(mu.Float64() * float64(maxShift)))
	lead = max(0, min(maxShift, lead))
	if lead == 0 {
		return out
	}
	for i := range out {
		phase := (i * lead) % days
		out[i] = (days+phase-lead)%days + 1
	}
	return out
}
