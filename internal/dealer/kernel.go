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
	k := d.capacityTerms(d.KStar, s, o)
	d.XStar, d.N, d.Lambda, d.I = k.xStar, k.n, k.lambda, k.i
	if k.sloped {
		off := pynum.Sub(d.X, k.halfXStar)
		d.Midline = pynum.Sub(m, pynum.Mul(k.slope, off))
	} else {
		d.Midline = m
	}
	// ask = min(A, up) is A itself unless up < A, and bid = max(B, down)
	// is B itself unless down > B: a quote is pinned (equal to the VBT's)
	// exactly when the VBT's was taken or the other equals it, so one
	// comparison decides both the quote and its pin.
	half := k.halfI
	up, down := pynum.Add(d.Midline, half), pynum.Sub(d.Midline, half)
	c := pynum.Cmp(up, v.A)
	d.Ask, d.PinnedAsk = v.A, c >= 0
	if c < 0 {
		d.Ask = up
	}
	c = pynum.Cmp(down, v.B)
	d.Bid, d.PinnedBid = v.B, c <= 0
	if c > 0 {
		d.Bid = down
	}
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

// capacityTerms are the kernel's quantities that depend only on K*, S and
// O: X* = S·K*, N = K* + 1, λ = S/(X*+S), I = λ·O, the midline's slope
// O/(X*+2S) (sloped is false when X*+2S ≤ 0) and the halves X*/2 and I/2.
// K* rarely changes between trades, so a dealer keeps the last ones.
type capacityTerms struct {
	kStar, s, o             pynum.Amount
	xStar, n, lambda, i     pynum.Amount
	slope, halfXStar, halfI pynum.Amount
	sloped                  bool
}

// capacityTerms returns the capacity terms of (kStar, s, o), computed in
// bilancio's order of operations or kept from the last call with the same
// inputs.
func (d *Dealer) capacityTerms(kStar, s, o pynum.Amount) *capacityTerms {
	k := &d.terms
	if d.termsSet && k.kStar == kStar && k.s == s && k.o == o {
		return k
	}
	d.termsSet = true
	*k = capacityTerms{kStar: kStar, s: s, o: o}
	k.xStar = pynum.Mul(s, kStar)
	k.n = pynum.Add(kStar, pynum.Int(1))
	if xs := pynum.Add(k.xStar, s); xs.Sign() > 0 {
		k.lambda = pynum.Quo(s, xs)
	} else {
		k.lambda = decOne()
	}
	k.i = pynum.Mul(k.lambda, o)
	if den := pynum.Add(k.xStar, pynum.Mul(pynum.Int(2), s)); den.Sign() > 0 {
		k.sloped = true
		k.slope = pynum.Quo(o, den)
		k.halfXStar = pynum.Quo(k.xStar, pynum.Int(2))
	}
	k.halfI = pynum.Quo(k.i, pynum.Int(2))
	return k
}
