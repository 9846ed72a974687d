package report

import (
	"bytes"
	"io"
	"math"
)

// Per-point statistics: a sweep may run several replicates (seeds) of a
// parameter point. results.csv keeps one row per run; the points table
// has one row per point with the mean of δ and φ over its completed runs,
// their 95% intervals (Student's t over the replicates) and the counts.

// PointsColumns are the columns of the points table (aggregate/points.csv).
func PointsColumns() []string {
	return []string{"phase", "kappa", "concentration", "mu", "monotonicity", "runs", "completed",
		"delta_mean", "delta_ci95_low", "delta_ci95_high", "phi_mean", "phi_ci95_low", "phi_ci95_high"}
}

// t95 are Student's t quantiles for a two-sided 95% interval, by degrees of
// freedom (1–30); beyond, the normal's 1.96.
var t95 = [...]float64{0, 12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
	2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
	2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042}

// MeanCI is the mean of xs and its 95% interval (NaN ends with fewer than
// two values; NaN mean without any).
func MeanCI(xs []float64) (mean, lo, hi float64) {
	n := len(xs)
	if n == 0 {
		return math.NaN(), math.NaN(), math.NaN()
	}
	for _, x := range xs {
		mean += x
	}
	mean /= float64(n)
	if n < 2 {
		return mean, math.NaN(), math.NaN()
	}
	ss := 0.0
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	lo, hi = interval95(mean, ss, n)
	return mean, lo, hi
}

// interval95 is the 95% interval around the mean of n ≥ 2 values whose
// squared deviations from the mean sum to ss: Student's t for n−1 degrees
// of freedom times the standard error.
func interval95(mean, ss float64, n int) (lo, hi float64) {
	t := 1.96
	if n-1 < len(t95) {
		t = t95[n-1]
	}
	h := t * math.Sqrt(ss/float64(n-1)) / math.Sqrt(float64(n))
	return mean - h, mean + h
}

// PointsCSV is the points table of d's runs, a row per parameter point —
// its phase (design), κ, c, μ and monotonicity, as the registry writes
// them, so that the replicates of a point share a row — in that order.
func PointsCSV(d *Dashboard) []byte {
	var buf bytes.Buffer
	WritePoints(&buf, d)
	return buf.Bytes()
}

// WritePoints writes the points table of d (PointsCSV): of every run of
// the sweep when d summarizes more runs than it lists (its summary's
// table), else of d's runs.
func WritePoints(w io.Writer, d *Dashboard) error {
	if d.Summary != nil && d.Summary.Points != nil {
		return d.Summary.Points.WriteCSV(w)
	}
	t := &PointsTable{chunk: math.MaxInt}
	for i := range d.Runs {
		t.Add(&d.Runs[i])
	}
	return t.WriteCSV(w)
}
