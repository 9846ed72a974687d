package pynum

import (
	"errors"
	"math"
	"math/big"
	"strconv"
	"testing"

	"github.com/cockroachdb/apd/v3"
)

// FuzzAmountOps holds Amount's arithmetic — small (int64), wide (inline 128
// bits) and big (apd) forms alike — to apd in Python's contexts: every
// result prints exactly as apd's does, is of the same Python type, and has the
// one form its size calls for. Each input is two operands and a chain of
// three operations, each result becoming the next left operand.
func FuzzAmountOps(f *testing.F) {
	// Seeds: the dealer's kernel values (416.666…7 of capital, 28-digit bids),
	// 38- and 39-digit coefficients, ties, carries into a 29th digit.
	f.Add(uint64(0), uint64(4166666666666666666), int16(-25), uint8(0x83), uint64(0), uint64(10), int16(-1), uint8(0x81), uint32(0x00030201))
	f.Add(uint64(225875), uint64(12297829382473034411), int16(-25), uint8(0x82), uint64(0), uint64(99), int16(0), uint8(0x81), uint32(0x00040305))
	f.Add(uint64(math.MaxUint64), uint64(math.MaxUint64), int16(-38), uint8(0x83), uint64(0), uint64(2), int16(0), uint8(0x80), uint32(0x000a0908))
	f.Add(uint64(542101086), uint64(4477988020393345023), int16(0), uint8(0x83), uint64(0), uint64(5), int16(-1), uint8(0x81), uint32(0x00060707))
	f.Add(uint64(0), uint64(1), int16(0), uint8(0x00), uint64(0), uint64(3), int16(0), uint8(0x00), uint32(0x00010203))
	f.Add(uint64(1<<63), uint64(0), int16(-5), uint8(0x13), uint64(7), uint64(3), int16(-30), uint8(0x83), uint32(0x00050403))
	f.Fuzz(func(t *testing.T, ahi, alo uint64, aexp int16, aflags uint8, bhi, blo uint64, bexp int16, bflags uint8, ops uint32) {
		ra, rdecA := fuzzDecimal(ahi, alo, aexp, aflags)
		rb, rdecB := fuzzDecimal(bhi, blo, bexp, bflags)
		a, b := FromDecimal(ra, rdecA), FromDecimal(rb, rdecB)
		checkAmount(t, "a", a, ra, rdecA)
		checkAmount(t, "b", b, rb, rdecB)
		for i := range 3 {
			op := uint8(ops >> (8 * i))
			got, ref, refDec, ok := fuzzOp(t, op, a, b, ra, rdecA, rb, rdecB)
			if !ok {
				return
			}
			checkAmount(t, fuzzOpName(op)+"("+a.String()+", "+b.String()+")", got, ref, refDec)
			a, ra, rdecA = got, ref, refDec
		}
	})
}

// fuzzDecimal builds an operand from fuzz input without Amount's code: the
// low bits of flags choose the coefficient's width (up to 64, up to 96, up
// to 128 bits, or a 128-bit one times 10^20), bit 7 a Decimal (an int
// otherwise, at exponent 0), bit 4 the sign; the exponent is kept within
// ±64 unless bit 5 is set.
func fuzzDecimal(hi, lo uint64, exp int16, flags uint8) (*apd.Decimal, bool) {
	var c big.Int
	switch flags & 3 {
	case 0:
		c.SetUint64(lo)
	case 1:
		c.SetUint64(hi & (1<<32 - 1))
		c.Lsh(&c, 64)
		c.Or(&c, new(big.Int).SetUint64(lo))
	default:
		c.SetUint64(hi)
		c.Lsh(&c, 64)
		c.Or(&c, new(big.Int).SetUint64(lo))
		if flags&3 == 3 && flags&0x40 != 0 {
			c.Mul(&c, new(big.Int).Exp(big.NewInt(10), big.NewInt(20), nil))
		}
	}
	dec := flags&0x80 != 0
	e := int32(exp)
	if flags&0x20 == 0 {
		e %= 65
	}
	if !dec {
		e = 0
	}
	d := new(apd.Decimal)
	d.Coeff.SetMathBigInt(&c)
	d.Exponent = e
	d.Negative = flags&0x10 != 0 && c.Sign() != 0
	return d, dec
}

func fuzzOpName(op uint8) string {
	return [...]string{"Add", "Sub", "Mul", "Quo", "Cmp", "Trunc", "Round", "Floor", "Square", "Min", "Float64"}[op%11]
}

// fuzzOp applies op to the Amounts and the same operation to their apd
// references; ok is false when the reference itself cannot be computed (a
// division by zero, an int too large for the exact context).
func fuzzOp(t *testing.T, op uint8, a, b Amount, ra *apd.Decimal, decA bool, rb *apd.Decimal, decB bool) (got Amount, ref *apd.Decimal, refDec, ok bool) {
	dec := decA || decB
	ctx := exactContext()
	if dec {
		ctx = defaultContext()
	}
	ref = new(apd.Decimal)
	var err error
	var cond apd.Condition
	switch op % 11 {
	case 0:
		got = Add(a, b)
		cond, err = ctx.Add(ref, ra, rb)
	case 1:
		got = Sub(a, b)
		cond, err = ctx.Sub(ref, ra, rb)
	case 2:
		got = Mul(a, b)
		cond, err = ctx.Mul(ref, ra, rb)
	case 3:
		if rb.IsZero() {
			return Amount{}, nil, false, false
		}
		ref = DecQuo(ra, rb)
		if ref.NumDigits() > Precision {
			// apd's division can carry into a 29th digit (0.99…9|9 rounded
			// up gives 1.0000000000000000000000000000); Python's, and Quo,
			// give the 28-digit 1.000000000000000000000000000.
			ctx := defaultContext()
			if _, err := ctx.Round(ref, ref); err != nil {
				return Amount{}, nil, false, false
			}
		}
		return Quo(a, b), ref, true, true
	case 4:
		if g, w := Cmp(a, b), ra.Cmp(rb); g != w {
			t.Fatalf("Cmp(%s, %s) = %d, apd gives %d", a, b, g, w)
		}
		return a, ra, decA, true
	case 5, 6, 7:
		if !decA {
			return Amount{}, nil, false, false // int(int) is the int itself; Round and Floor of ints are not used
		}
		ctx := exactContext()
		ctx.Rounding = [...]apd.Rounder{apd.RoundDown, apd.RoundHalfEven, apd.RoundDown}[op%11-5]
		if _, err := ctx.Quantize(ref, ra, 0); err != nil {
			return Amount{}, nil, false, false
		}
		if op%11 == 7 && ra.Negative && ref.Cmp(ra) != 0 {
			// floor: one below the truncation of an inexact negative (apd's
			// RoundFloor quantizes -7.9E-10 to -0).
			if _, err := ctx.Sub(ref, ref, apd.New(1, 0)); err != nil {
				return Amount{}, nil, false, false
			}
		}
		switch op % 11 {
		case 5:
			got = a.Trunc()
		case 6:
			got = Round(a)
		default:
			got = Floor(a)
		}
		return got, ref, false, true
	case 8:
		if !decA {
			return Amount{}, nil, false, false
		}
		return Square(a), DecSquare(ra), true, true
	case 9:
		if ra.Cmp(rb) > 0 {
			return Min(a, b), rb, decB, true
		}
		return Min(a, b), ra, decA, true
	case 10:
		want, err := strconv.ParseFloat(ra.Text('E'), 64)
		if g := a.Float64(); g != want && !(err != nil && math.IsInf(g, 0)) {
			t.Fatalf("Float64(%s) = %v, want %v", a, g, want)
		}
		return a, ra, decA, true
	}
	if err != nil || !dec && cond.Rounded() {
		return Amount{}, nil, false, false // apd's exact context rounds ints beyond 1000 digits; Python's do not
	}
	return got, ref, dec, true
}

// checkAmount fails unless got is ref, of Python type dec, in the form its
// size calls for, and converts to and from apd and event payload parts.
func checkAmount(t *testing.T, what string, got Amount, ref *apd.Decimal, dec bool) {
	t.Helper()
	if got.IsDecimal() != dec {
		t.Fatalf("%s = %s is a Decimal: %v, want %v", what, got, got.IsDecimal(), dec)
	}
	w := *ref
	if w.IsZero() {
		w.Negative = false // an Amount has no negative zero, a Python int neither
	}
	want := w.Text('f')
	if dec {
		want = Str(&w)
	}
	if got.String() != want {
		t.Fatalf("%s = %s, apd gives %s", what, got, want)
	}
	switch {
	case got.wide():
		if _, c, _, _ := got.parts128(); c.hi == 0 && c.lo <= math.MaxInt64 || got.neg() && c == (u128{lo: 1 << 63}) {
			t.Fatalf("%s = %s is wide but fits int64", what, got)
		}
	case got.big != nil:
		if got.big.coef.BitLen() <= 128 {
			t.Fatalf("%s = %s is held in the big form but fits 128 bits", what, got)
		}
	}
	if back := FromParts(got.Parts()); back != got && (got.big == nil || back.big != got.big) {
		t.Fatalf("%s = %s: FromParts(Parts()) = %s in another form", what, got, back)
	}
	if c, e := got.Coefficient(); FromCoefficient(c, e, dec) != got && (got.big == nil || FromCoefficient(c, e, dec).String() != got.String()) {
		t.Fatalf("%s = %s: FromCoefficient(Coefficient()) differs", what, got)
	}
	var neg apd.Decimal
	neg.Neg(&w)
	if n := Neg(got); n.IsDecimal() != dec || !neg.IsZero() && n.String() != textOf(&neg, dec) || neg.IsZero() && !n.IsZero() {
		t.Fatalf("%s = %s: Neg gives %s, apd %s", what, got, n, textOf(&neg, dec))
	}
	if a := AsDecimal(got); !a.IsDecimal() || Cmp(a, got) != 0 || dec && a != got {
		t.Fatalf("%s = %s: AsDecimal gives %s", what, got, a)
	}
	if d := got.Decimal(); d.Cmp(ref) != 0 || d.Exponent != ref.Exponent {
		t.Fatalf("%s = %s: Decimal() = %s, want %s", what, got, Str(d), Str(ref))
	}
}

// FuzzParseDecimal holds ParseDecimal to apd's parser, which bilancio-go used
// before: the same strings are accepted (finite ones), with the same
// coefficient and exponent.
func FuzzParseDecimal(f *testing.F) {
	for _, s := range []string{"0", "-0", "+1.5", "1.", ".5", "1e5", "1E-5", "-1.23e+4", "0E-28", "10000.00000000000000000000000",
		"inf", "NaN", "1_000", " 1", "1e", "e5", ".", "-", "+-1", "1e+100000", "1e100001", "0.0e-100000", "123456789012345678901234567890123456789012345",
		"1e2147483648", "١", "0x10", "1.2.3", "1e1e1", "00012.3400"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseDecimal(s)
		want, _, werr := apd.NewFromString(s)
		if werr == nil && want.Form != apd.Finite {
			werr = errors.New("not finite")
		}
		if (err == nil) != (werr == nil) {
			t.Fatalf("ParseDecimal(%q): error %v, apd: %v", s, err, werr)
		}
		if err != nil {
			return
		}
		if !got.IsDecimal() {
			t.Fatalf("ParseDecimal(%q) is an int", s)
		}
		w := *want
		if w.IsZero() {
			w.Negative = false // an Amount has no negative zero
		}
		if g := got.Decimal(); g.Cmp(&w) != 0 || g.Exponent != w.Exponent || got.String() != Str(&w) {
			t.Fatalf("ParseDecimal(%q) = %s, apd gives %s", s, got, Str(&w))
		}
	})
}

// textOf prints d as an Amount of Python type dec prints.
func textOf(d *apd.Decimal, dec bool) string {
	if dec {
		return Str(d)
	}
	return d.Text('f')
}
