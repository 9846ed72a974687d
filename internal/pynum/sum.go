package pynum

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
	if t := s.whole + x.coef; !s.slow && x.big == nil && !x.wide() && x.exp() == 0 && (t^s.whole)&(t^x.coef) >= 0 {
		s.whole = t // no overflow: t has the sign of an operand
		return
	}
	s.add(x)
}

// add is Add from the first term that is not a whole number at exponent 0
// (or that would take the int64 total too far) on.
func (s *DecimalSum) add(x Amount) {
	if !s.slow {
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
