package pynum

import "github.com/cockroachdb/apd/v3"

// Precision is the number of significant digits of Python's default decimal
// context, which bilancio uses for every Decimal operation.
const Precision = 28

// Context returns a new decimal context equal to Python's default one:
// precision 28, ROUND_HALF_EVEN. Every Decimal operation in bilancio rounds its
// result with it.
func Context() *apd.Context {
	c := defaultContext()
	return &c
}

// defaultContext is Context as a value. apd's operations do not retain their
// context, so a caller that keeps it in a local variable allocates nothing.
func defaultContext() apd.Context {
	c := apd.BaseContext
	c.Precision = Precision
	c.Rounding = apd.RoundHalfEven
	return c
}

// exactContext is used for Python int arithmetic that outgrows int64: ints are
// exact in Python, so it never rounds in practice. Like defaultContext it is a
// value.
func exactContext() apd.Context {
	c := apd.BaseContext
	c.Precision = 1000
	return c
}
