package ring

import (
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/bilancio-go/bilancio/internal/pynum"
	"github.com/bilancio-go/bilancio/internal/pyrandom"
)

// drawPayables splits total into n payable amounts as bilancio's
// _draw_payables does (spec §10.4): n gamma(c, 1) weights from
// random.Random(seed), each taken as Decimal(repr(w)); amount_i =
// (total·W_i)/ΣW for i < n and the remainder for the last; then the clamp to
// at least 0.01 and the monotonicity ordering, which continues the same
// random stream. The Original revision stops before the clamp.
func drawPayables(n int, concentration, monotonicity, total pynum.Amount, seed int64, rev Revision) ([]pynum.Amount, error) {
	rng := pyrandom.New(seed)
	alpha := concentration.Float64()
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
	decimals := make([]pynum.Amount, n)
	weightTotal := pynum.Int(0) // Python's sum() starts from the int 0
	for i, w := range weights {
		d, err := pynum.FromFloat(w)
		if err != nil {
			return nil, fmt.Errorf("weight %d: %w", i+1, err)
		}
		decimals[i] = d
		weightTotal = pynum.Add(weightTotal, decimals[i])
	}
	amounts := make([]pynum.Amount, n)
	running := pynum.Int(0)
	for i, w := range decimals {
		if i == n-1 {
			amounts[i] = pynum.Sub(total, running)
			break
		}
		amounts[i] = pynum.Quo(pynum.Mul(total, w), weightTotal)
		running = pynum.Add(running, amounts[i])
	}
	if rev == Original {
		return amounts, nil
	}
	amounts = ensurePositive(amounts, total)
	return applyMonotonicity(amounts, monotonicity.Float64(), rng), nil
}

// minPayable is the smallest payable amount bilancio allows, Decimal("0.01").
func minPayable() pynum.Amount { return pynum.Dec(1, -2) }

// decSum is Python's sum() of Decimals: from the int 0, left to right.
func decSum(xs []pynum.Amount) pynum.Amount { return pynum.Sum(xs...) }

// pyMin is Python's min(a, b): b only if it is strictly smaller (the
// exponent of the result shows in printed Decimals).
// largestFirst returns the indices of amounts by decreasing amount, ties in
// index order (Python's stable sorted(..., reverse=True)).
func largestFirst(amounts []pynum.Amount) []int {
	order := make([]int, len(amounts))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool { return pynum.Cmp(amounts[order[i]], amounts[order[j]]) > 0 })
	return order
}

// takeFromLargest lowers the amounts, largest first and none below the
// minimum, by need in total or as much as they can give.
func takeFromLargest(amounts []pynum.Amount, need, minimum pynum.Amount) {
	for _, i := range largestFirst(amounts) {
		if need.Sign() <= 0 {
			return
		}
		available := pynum.Sub(amounts[i], minimum)
		if available.Sign() <= 0 {
			continue
		}
		take := pynum.Min(available, need)
		amounts[i] = pynum.Sub(amounts[i], take)
		need = pynum.Sub(need, take)
	}
}

// ensurePositive is bilancio's _ensure_positive_amounts (spec §10.4 step 4):
// it raises non-positive amounts to 0.01, takes the deficit from the largest
// ones, restores the total, and finally lifts anything still below 0.01 and
// puts any remaining difference on the last amount. It can leave the sum
// above total when the last amount is tiny, as bilancio does.
func ensurePositive(amounts []pynum.Amount, total pynum.Amount) []pynum.Amount {
	minimum := minPayable()
	adjusted := append([]pynum.Amount(nil), amounts...)
	deficit := pynum.Dec(0, 0)
	for i, a := range adjusted {
		if a.Sign() <= 0 {
			deficit = pynum.Add(deficit, pynum.Sub(minimum, a))
			adjusted[i] = minimum
		}
	}
	if deficit.Sign() > 0 {
		takeFromLargest(adjusted, deficit, minimum)
	}
	diff := pynum.Sub(decSum(adjusted), total)
	switch diff.Sign() {
	case 1:
		takeFromLargest(adjusted, diff, minimum)
	case -1:
		last := len(adjusted) - 1
		adjusted[last] = pynum.Add(adjusted[last], pynum.Neg(diff))
	}
	for i, a := range adjusted {
		if pynum.Cmp(a, minimum) < 0 {
			adjusted[i] = minimum
		}
	}
	if final := decSum(adjusted); pynum.Cmp(final, total) != 0 {
		last := len(adjusted) - 1
		adjusted[last] = pynum.Add(adjusted[last], pynum.Sub(total, final))
		if pynum.Cmp(adjusted[last], minimum) < 0 {
			adjusted[last] = minimum
		}
	}
	return adjusted
}

// applyMonotonicity is bilancio's _apply_monotonicity (spec §10.4 step 5):
// for |m| ≥ 1e-9 the amounts are sorted (descending for m ≥ 0, stable), and
// unless |m| is 1 they are then mixed by round((1−|m|)·n·max(1, n−1)) random
// adjacent swaps, at most n(n−1).
func applyMonotonicity(amounts []pynum.Amount, m float64, rng *pyrandom.Random) []pynum.Amount {
	ordered := append([]pynum.Amount(nil), amounts...)
	if len(ordered) <= 1 || math.Abs(m) < 1e-9 {
		return ordered
	}
	strength := max(0.0, min(math.Abs(m), 1.0))
	if m >= 0 {
		sort.SliceStable(ordered, func(i, j int) bool { return pynum.Cmp(ordered[i], ordered[j]) > 0 })
	} else {
		sort.SliceStable(ordered, func(i, j int) bool { return pynum.Cmp(ordered[i], ordered[j]) < 0 })
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
