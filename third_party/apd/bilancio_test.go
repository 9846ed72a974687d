// Copyright 2026 The bilancio-go Authors (a test of bilancio's changes to
// apd; see BILANCIO.md).

package apd

import "testing"

// TestTablesAsUpstream: the tables built at init hold what upstream's init
// computed (10^i by exponentiation; the digits of 2^(i-1) by formatting).
func TestTablesAsUpstream(t *testing.T) {
	for i := int64(0); i <= powerTenTableSize; i++ {
		var want BigInt
		setBigWithPow(&want, i)
		if pow10LookupTable[i].Cmp(&want) != 0 {
			t.Errorf("pow10LookupTable[%d] = %v, want %v", i, &pow10LookupTable[i], &want)
		}
	}
	curVal := NewBigInt(1)
	for i := 1; i <= digitsTableSize; i++ {
		if i > 1 {
			curVal.Lsh(curVal, 1)
		}
		elem := &digitsLookupTable[i]
		digits := int64(len(curVal.String()))
		var border, nborder BigInt
		setBigWithPow(&border, digits)
		nborder.Neg(&border)
		if elem.digits != digits || elem.border.Cmp(&border) != 0 || elem.nborder.Cmp(&nborder) != 0 {
			t.Errorf("digitsLookupTable[%d] = {%d %v %v}, want {%d %v %v}", i, elem.digits, &elem.border, &elem.nborder, digits, &border, &nborder)
		}
	}
}

// TestLazyConstants: ln(10) and 1/ln(10), built on first use, are the
// constants upstream built at init, at every precision.
func TestLazyConstants(t *testing.T) {
	for _, c := range []struct {
		name string
		got  *constWithPrecision
		str  string
	}{{"ln10", decimalLn10(), strLn10}, {"invLn10", decimalInvLn10(), strInvLn10}} {
		want := makeConstWithPrecision(c.str)
		if c.got.unrounded.Cmp(&want.unrounded) != 0 || len(c.got.vals) != len(want.vals) {
			t.Fatalf("%s: got %d precisions, want %d", c.name, len(c.got.vals), len(want.vals))
		}
		for i := range want.vals {
			if c.got.vals[i].Cmp(&want.vals[i]) != 0 {
				t.Errorf("%s at precision index %d: %v, want %v", c.name, i, &c.got.vals[i], &want.vals[i])
			}
		}
		if c.got != map[string]*constWithPrecision{"ln10": decimalLn10(), "invLn10": decimalInvLn10()}[c.name] {
			t.Errorf("%s: built twice", c.name)
		}
	}
}
