package dealer

import (
	"github.com/bilancio-go/bilancio/internal/pynum"
)

// pyMax returns Python's max(a, b): a unless b > a, so on equal values the
// first argument, with its exponent, wins.
func pyMax(a, b pynum.Amount) pynum.Amount {
	if pynum.Cmp(b, a) > 0 {
		return b
	}
	return a
}

// floorInt returns Python's math.floor(d) for a Decimal: an int of any size.
func floorInt(d pynum.Amount) pynum.Amount { return pynum.Floor(d) }

// decZero returns Decimal(0).
func decZero() pynum.Amount { return pynum.Dec(0, 0) }

// decOne returns Decimal(1).
func decOne() pynum.Amount { return pynum.Dec(1, 0) }

// guardM is the kernel's guard threshold Decimal("0.02") (spec §3.2): at or
// below it a dealer pins both quotes to its VBT. It is a constant, not the
// configured M_min.
func guardM() pynum.Amount { return pynum.Dec(2, -2) }
