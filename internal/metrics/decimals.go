package metrics

import (
	"github.com/bilancio-go/bilancio/internal/pynum"
	"github.com/bilancio-go/bilancio/internal/pynum/pyapd"
	"github.com/cockroachdb/apd/v3"
)

// decimalBlock is how many report values share one allocation.
const decimalBlock = 64

// decimals hands out the *apd.Decimal values of a report, copies of the
// amounts it is computed with, from shared blocks: one allocation per block
// rather than one per value.
type decimals struct{ free []apd.Decimal }

// of returns a new decimal holding a's value.
func (p *decimals) of(a pynum.Amount) *apd.Decimal {
	if len(p.free) == 0 {
		p.free = make([]apd.Decimal, decimalBlock)
	}
	d := &p.free[0]
	p.free = p.free[1:]
	return pyapd.DecimalTo(a, d)
}
