package metrics

import (
	"github.com/bilancio-go/bilancio/internal/pynum"
)

// decimalBlock is how many report values share one allocation.
const decimalBlock = 64

// decimals hands out the *pynum.Amount values of a report (a nil one is
// Python's None), copies of the amounts it is computed with, from shared
// blocks: one allocation per block rather than one per value.
type decimals struct{ free []pynum.Amount }

// of returns a new Amount holding a's value.
func (p *decimals) of(a pynum.Amount) *pynum.Amount {
	if len(p.free) == 0 {
		p.free = make([]pynum.Amount, decimalBlock)
	}
	d := &p.free[0]
	p.free = p.free[1:]
	*d = a
	return d
}
