package pynum

import "math"

// DecimalSum is bilancio's `total = Decimal(0)` followed by `total += x`
// for each x in turn. While every term is a whole number at exponent 0 (an
// int, or a Decimal such as Decimal('50') — cash and face amounts), the
// running total is kept in an int64, where it is exact as Python's is; from
// the first other term on, the terms are added with Add, each sum rounded as
// Python rounds it. The zero value is Decimal(0).
type DecimalSum struct {
	whole int64
	sum   Amount
	slow  bool
}

// Add adds x to the total.
func (s *DecimalSum) Add(x Amount) {
	if !s.slow {
		if n, ok := x.Whole(); ok && n > -wholeSumLimit && n < wholeSumLimit && s.whole > -wholeSumLimit && s.whole < wholeSumLimit {
			s.whole += n
			return
		}
		s.sum, s.slow = Dec(s.whole, 0), true
	}
	s.sum = Add(s.sum, x)
}

// Value returns the total: a Decimal.
func (s *DecimalSum) Value() Amount {
	if s.slow {
		return s.sum
	}
	return Dec(s.whole, 0)
}

// wholeSumLimit bounds a DecimalSum's int64 total and terms so that adding
// a term cannot overflow.
const wholeSumLimit = math.MaxInt64 / 2
