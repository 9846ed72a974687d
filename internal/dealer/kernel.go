package dealer

import "github.com/bilancio-go/bilancio/internal/pynum"

// Recompute runs the pricing kernel (spec §3.2): it derives a, x, V, K*, X*,
// N, λ, I, the midline, the clipped quotes and the pin flags from the
// dealer's inventory and cash, the bucket VBT's anchors and quotes and the
// ticket size s. Each operation rounds to 28 digits in bilancio's order:
//
//	V = M·a + cash;  K* = floor(V/M);  X* = S·K*;  λ = S/(X*+S);  I = λ·O
//	midline = M − (O/(X*+2S))·(x − X*/2)
//	ask = min(A, midline + I/2);  bid = max(B, midline − I/2)
//
// The kernel is a pure function of (a, cash, M, O, A, B, S): when none of
// them changed since the last run, the quotes are kept as they are.
func (d *Dealer) Recompute(v *VBT, s pynum.Amount) {
	in := kernelInputs{a: len(d.Inventory), cash: d.Cash, m: v.M, o: v.O, va: v.A, vb: v.B, s: s}
	if d.computed && d.last == in {
		return
	}
	d.computed, d.last = true, in
	m, o := v.M, v.O
	d.A = len(d.Inventory)
	d.X = pynum.Mul(s, pynum.Int(int64(d.A)))
	if pynum.Cmp(m, guardM()) <= 0 {
		d.V = d.Cash
		d.KStar, d.XStar, d.N = pynum.Int(0), decZero(), pynum.Int(1)
		d.Lambda, d.I = decOne(), o
		d.Midline, d.Bid, d.Ask = m, v.B, v.A
		d.PinnedBid, d.PinnedAsk = true, true
		return
	}
	d.V = pynum.Add(pynum.Mul(m, pynum.Int(int64(d.A))), d.Cash)
	if pynum.Cmp(m, decOne()) == 0 {
		// V has at most 28 digits, so V/1 rounds to V itself: only the
		// printed exponent of the quotient differs, and floor ignores it.
		d.KStar = floorInt(d.V)
	} else {
		d.KStar = floorInt(pynum.Quo(d.V, m))
	}
	d.XStar = pynum.Mul(s, d.KStar)
	d.N = pynum.Add(d.KStar, pynum.Int(1))
	if xs := pynum.Add(d.XStar, s); xs.Sign() > 0 {
		d.Lambda = pynum.Quo(s, xs)
	} else {
		d.Lambda = decOne()
	}
	d.I = pynum.Mul(d.Lambda, o)
	if den := pynum.Add(d.XStar, pynum.Mul(pynum.Int(2), s)); den.Sign() > 0 {
		slope := pynum.Quo(o, den)
		off := pynum.Sub(d.X, pynum.Quo(d.XStar, pynum.Int(2)))
		d.Midline = pynum.Sub(m, pynum.Mul(slope, off))
	} else {
		d.Midline = m
	}
	half := pynum.Quo(d.I, pynum.Int(2))
	d.Ask = pynum.Min(v.A, pynum.Add(d.Midline, half))
	d.Bid = pyMax(v.B, pynum.Sub(d.Midline, half))
	d.PinnedAsk = pynum.Cmp(d.Ask, v.A) == 0
	d.PinnedBid = pynum.Cmp(d.Bid, v.B) == 0
}

// CanInteriorBuy reports whether the dealer can buy one ticket from a
// customer itself (spec §3.3): x + S ≤ X* and cash ≥ bid. Otherwise the
// sale passes through to the VBT.
func (d *Dealer) CanInteriorBuy(s pynum.Amount) bool {
	return pynum.Cmp(pynum.Add(d.X, s), d.XStar) <= 0 && pynum.Cmp(d.Cash, d.Bid) >= 0
}

// CanInteriorSell reports whether the dealer can sell one ticket to a
// customer itself (spec §3.3): x ≥ S and X* > 0. Otherwise the purchase
// passes through to the VBT.
func (d *Dealer) CanInteriorSell(s pynum.Amount) bool {
	return pynum.Cmp(d.X, s) >= 0 && d.XStar.Sign() > 0
}
