package pynum

import (
	"fmt"

	"github.com/cockroachdb/apd/v3"
)

// DecAdd returns x + y in Python's default context.
func DecAdd(x, y *apd.Decimal) *apd.Decimal {
	return op2("add", (*apd.Context).Add, x, y)
}

// DecSub returns x - y in Python's default context.
func DecSub(x, y *apd.Decimal) *apd.Decimal {
	return op2("subtract", (*apd.Context).Sub, x, y)
}

// DecMul returns x * y in Python's default context.
func DecMul(x, y *apd.Decimal) *apd.Decimal {
	return op2("multiply", (*apd.Context).Mul, x, y)
}

// DecQuo returns x / y as Python computes it: rounded to 28 digits when
// inexact, and at the ideal exponent (exp(x) - exp(y)) when exact, so that
// Decimal("10000.0") / Decimal("0.25") is 4.000E+4, not 40000.000…
// It panics on division by zero, which callers rule out first.
func DecQuo(x, y *apd.Decimal) *apd.Decimal {
	r := new(apd.Decimal)
	ctx := defaultContext()
	cond, err := ctx.Quo(r, x, y)
	if err != nil {
		panic(fmt.Sprintf("pynum: divide %s by %s: %v", Str(x), Str(y), err))
	}
	if cond.Inexact() {
		return r
	}
	ideal := x.Exponent - y.Exponent
	if r.IsZero() {
		r.Exponent = ideal
		return r
	}
	var ten, q, rem apd.BigInt
	ten.SetInt64(10)
	for r.Exponent < ideal {
		q.QuoRem(&r.Coeff, &ten, &rem)
		if rem.Sign() != 0 {
			break
		}
		r.Coeff.Set(&q)
		r.Exponent++
	}
	return r
}

func op2(what string, f func(*apd.Context, *apd.Decimal, *apd.Decimal, *apd.Decimal) (apd.Condition, error), x, y *apd.Decimal) *apd.Decimal {
	r := new(apd.Decimal)
	ctx := defaultContext()
	if _, err := f(&ctx, r, x, y); err != nil {
		panic(fmt.Sprintf("pynum: %s %s and %s: %v", what, Str(x), Str(y), err))
	}
	return r
}
