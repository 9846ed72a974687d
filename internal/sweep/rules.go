package sweep

import (
	"fmt"

	"github.com/bilancio-go/bilancio/internal/pynum"
)

// The rules of a sweep's own settings (its ring's are package ring's).
// This is their one home: NewPlan checks a Spec with them, and every input
// format (sweep files, bilancio's YAML sweep configs, flags, the
// environment) checks a value with them, so that a value is accepted or
// refused alike wherever it comes from, with the same sentence. Each
// returns "" when the value is allowed, else a sentence with the value; the
// caller says where.

// Bounds of a sweep's settings.
const (
	MaxRetries       = 1000
	MaxParallel      = 1 << 31
	MaxReplicates    = 1 << 31
	MaxIterationsCap = 1000
)

// CheckSeedMode checks seed_mode.
func CheckSeedMode(s string) string {
	switch s {
	case SeedCounter, SeedDerived:
		return ""
	}
	return fmt.Sprintf("seed_mode must be %q (bilancio's: base_seed, then one more per run in loop order) or %q (each run's seed is a hash of its parameters), got %q", SeedCounter, SeedDerived, s)
}

// CheckRetries checks retries, how many times a failed run is tried again.
func CheckRetries(n int64) string {
	if n < 0 || n > MaxRetries {
		return fmt.Sprintf("retries must be between 0 and %d (how many times a failed run is tried again), got %d", MaxRetries, n)
	}
	return ""
}

// CheckParallel checks parallel, the runs at once (0: the executor's
// default).
func CheckParallel(n int64) string {
	if n < 0 || n > MaxParallel {
		return fmt.Sprintf("parallel must be between 0 (the executor's default) and %d runs at once, got %d", int64(MaxParallel), n)
	}
	return ""
}

// CheckReplicates checks replicates, the runs per grid and LHS point (0 is
// taken as 1).
func CheckReplicates(n int64) string {
	if n < 0 || n > MaxReplicates {
		return fmt.Sprintf("replicates must be between 0 and %d (runs per grid and lhs point, each with its own seed; 0 and 1 both mean one), got %d", int64(MaxReplicates), n)
	}
	return ""
}

// CheckMaxIterations checks a frontier's max_iterations.
func CheckMaxIterations(n int64) string {
	if n < 1 || n > MaxIterationsCap {
		return fmt.Sprintf("max_iterations must be between 1 and %d (bisection steps per cell), got %d", MaxIterationsCap, n)
	}
	return ""
}

// CheckFrontier checks a frontier's bounds, tolerance and iterations (nil
// decimals are not checked), every problem a sentence.
func CheckFrontier(low, high, tolerance *pynum.Amount, maxIterations int) []string {
	var out []string
	if low != nil && low.Sign() <= 0 {
		out = append(out, "kappa_low must be greater than 0 (the search's bounds are kappas), got "+low.String())
	}
	if low != nil && high != nil && pynum.Cmp(*high, *low) <= 0 {
		out = append(out, fmt.Sprintf("kappa_high must be greater than kappa_low (%s): the search bisects the bracket [kappa_low, kappa_high], got %s", low.String(), high.String()))
	}
	if tolerance != nil && tolerance.Sign() < 0 {
		out = append(out, "tolerance (on delta_total, the share of dues left unpaid) must be 0 or more, got "+tolerance.String())
	}
	if msg := CheckMaxIterations(int64(maxIterations)); msg != "" {
		out = append(out, msg)
	}
	return out
}
