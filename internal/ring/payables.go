package ring

import (
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/bilancio-go/bilancio/internal/pynum"
	"github.com/bilancio-go/bilancio/internal/pynum/pyapd"
	"github.com/bilancio-go/bilancio/internal/pyrandom"
	"github.com/cockroachdb/apd/v3"
)

// drawPayables splits total into n payable amounts as bilancio's
// _draw_payables does (spec §10.4): n gamma(c, 1) weights from
// random.Random(seed), each taken as Decimal(repr(w)); amount_i =
// (total·W_i)/ΣW for i < n and the remainder for the last; then the clamp to
// at least 0.01 and the monotonicity ordering, which continues the same
// random stream. The Original revision stops before the clamp.
func drawPayables(n int, concentration, monotonicity, total *apd.Decimal, seed int64, rev Revision) ([]*apd.Decimal, error) {
	rng := pyrandom.New(seed)
	alpha := pyapd.DecimalFloat(concentration)
	if alpha <= 0 {
		return nil, errors.New("dirichlet concentration must be positive")
	}
	weights := make([]float64, n)
	sum := 0.0
	for i := range weights {
		w, err := rng.Gammavariate(alpha, 1.0)
		if err != nil {
			return nil, fmt.Errorf("draw weight %d: %w", i+1, err)
		}
		weights[i] = w
		sum += w
	}
	if !(sum > 0) {
		return nil, errors.New("failed to draw positive Dirichlet weights")
	}
	decimals := make([]*apd.Decimal, n)
	weightTotal := apd.New(0, 0) // Python's sum() starts from the int 0
	for i, w := range weights {
		d, err := pynum.FromFloat(w)
		if err != nil {
			return nil, fmt.Errorf("weight %d: %w", i+1, err)
		}
		decimals[i] = pyapd.Decimal(d)
		weightTotal = pyapd.DecAdd(weightTotal, decimals[i])
	}
	amounts := make([]*apd.Decimal, n)
	running := apd.New(0, 0)
	for i, w := range decimals {
		if i == n-1 {
			amounts[i] = pyapd.DecSub(total, running)
			break
		}
		amounts[i] = pyapd.DecQuo(pyapd.DecMul(total, w), weightTotal)
		running = pyapd.DecAdd(running, amounts[i])
	}
	if rev == Original {
		return amounts, nil
	}
	amounts = ensurePositive(amounts, total)
	return applyMonotonicity(amounts, pyapd.DecimalFloat(monotonicity), rng), nil
}

// minPayable is the smallest payable amount bilancio allows, Decimal("0.01").
func minPayable() *apd.Decimal { return apd.New(1, -2) }

// decSum is Python's sum() of Decimals: from the int 0, left to right.
func decSum(xs []*apd.Decimal) *apd.Decimal {
	s := apd.New(0, 0)
	for _, x := range xs {
		s = pyapd.DecAdd(s, x)
	}
	return s
}

// pyMin is Python's min(a, b): b only if it is strictly smaller (the
// exponent of the result shows in printed Decimals).
func pyMin(a, b *apd.Decimal) *apd.Decimal {
	if b.Cmp(a) < 0 {
		return b
	}
	return a
}

// largestFirst returns the indices of amounts by decreasing amount, ties in
// index order (Python's stable sorted(..., reverse=True)).
func largestFirst(amounts []*apd.Decimal) []int {
	order := make([]int, len(amounts))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool { return amounts[order[i]].Cmp(amounts[order[j]]) > 0 })
	return order
}

// takeFromLargest lowers the amounts, largest first and none below the
// minimum, by need in total or as much as they can give.
func takeFromLargest(amounts []*apd.Decimal, need, minimum *apd.Decimal) {
	for _, i := range largestFirst(amounts) {
		if need.Sign() <= 0 {
			return
		}
		available := pyapd.DecSub(amounts[i], minimum)
		if available.Sign() <= 0 {
			continue
		}
		take := pyMin(available, need)
		amounts[i] = pyapd.DecSub(amounts[i], take)
		need = pyapd.DecSub(need, take)
	}
}

// ensurePositive is bilancio's _ensure_positive_amounts (spec §10.4 step 4):
// it raises non-positive amounts to 0.01, takes the deficit from the largest
// ones, restores the total, and finally lifts anything still below 0.01 and
// puts any remaining difference on the last amount. It can leave the sum
// above total when the last amount is tiny, as bilancio does.
func ensurePositive(amounts []*apd.Decimal, total *apd.Decimal) []*apd.Decimal {
	minimum := minPayable()
	adjusted := append([]*apd.Decimal(nil), amounts...)
	deficit := apd.New(0, 0)
	for i, a := range adjusted {
		if a.Sign() <= 0 {
			deficit = pyapd.DecAdd(deficit, pyapd.DecSub(minimum, a))
			adjusted[i] = minimum
		}
	}
	if deficit.Sign() > 0 {
		takeFromLargest(adjusted, deficit, minimum)
	}
	diff := pyapd.DecSub(decSum(adjusted), total)
	switch diff.Sign() {
	case 1:
		takeFromLargest(adjusted, diff, minimum)
	case -1:
		last := len(adjusted) - 1
		adjusted[last] = pyapd.DecAdd(adjusted[last], new(apd.Decimal).Neg(diff))
	}
	for i, a := range adjusted {
		if a.Cmp(minimum) < 0 {
			adjusted[i] = minimum
		}
	}
	if final := decSum(adjusted); final.Cmp(total) != 0 {
		last := len(adjusted) - 1
		adjusted[last] = pyapd.DecAdd(adjusted[last], pyapd.DecSub(total, final))
		if adjusted[last].Cmp(minimum) < 0 {
			adjusted[last] = minimum
		}
	}
	return adjusted
}

// applyMonotonicity is bilancio's _apply_monotonicity (spec §10.4 step 5):
// for |m| ≥ 1e-9 the amounts are sorted (descending for m ≥ 0, stable), and
// unless |m| is 1 they are then mixed by round((1−|m|)·n·max(1, n−1)) random
// adjacent swaps, at most n(n−1).
func applyMonotonicity(amounts []*apd.Decimal, m float64, rng *pyrandom.Random) []*apd.Decimal {
	ordered := append([]*apd.Decimal(nil), amounts...)
	if len(ordered) <= 1 || math.Abs(m) < 1e-9 {
		return ordered
	}
	strength := max(0.0, min(math.Abs(m), 1.0))
	if m >= 0 {
		sort.SliceStable(ordered, func(i, j int) bool { return ordered[i].Cmp(ordered[j]) > 0 })
	} else {
		sort.SliceStable(ordered, func(i, j int) bool { return ordered[i].Cmp(ordered[j]) < 0 })
	}
	if strength >= 1.0-1e-9 {
		return ordered
	}
	swapFactor := 1.0 - strength
	if swapFactor <= 1e-9 {
		return ordered
	}
	n := len(ordered)
	swaps := int(math.RoundToEven(swapFactor * float64(n) * float64(max(1, n-1))))
	swaps = min(swaps, n*(n-1))
	for range swaps {
		k := rng.Randrange(n - 1)
		ordered[k], ordered[k+1] = ordered[k+1], ordered[k]
	}
	return ordered
}
