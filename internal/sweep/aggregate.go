package sweep

import (
	"bytes"
	"os"
	"strconv"

	"github.com/cockroachdb/apd/v3"

	"github.com/bilancio-go/bilancio/internal/artifacts"
	"github.com/bilancio-go/bilancio/internal/metrics"
	"github.com/bilancio-go/bilancio/internal/pynum"
)

// ResultsColumns are the columns of aggregate/results.csv: bilancio's
// aggregate_runs (spec/engine.md §9.5).
func ResultsColumns() []string {
	return []string{
		"run_id", "phase", "seed", "n_agents", "kappa", "concentration", "mu", "monotonicity",
		"S1", "L0", "phi_total", "delta_total", "max_G_t", "alpha_1", "Mpeak_1", "v_1",
		"HHIplus_1", "time_to_stability", "metrics_csv",
	}
}

// resultsRecord is a completed run's results.csv row, as aggregate_runs
// computes it: the summary recomputed from the run's metrics.csv (whose
// cells are printed floats, so phi_total may differ from the registry's in
// the last digits), printed with at most six decimals; nil when the file
// cannot be read or has no rows (aggregate_runs skips the run).
func (s *Store) resultsRecord(p *Plan, r *row) []string {
	b, err := os.ReadFile(r.metrics)
	if err != nil {
		return nil
	}
	days, ok := parseMetricsCSV(b)
	if !ok {
		return nil
	}
	sum := metrics.Summarize(days)
	sum.Apply(metrics.ZeroRule(p.ring.options.SummaryRule))
	e := r.entry
	tts := r.tts
	if tts == "" {
		tts = strconv.Itoa(sum.MaxDay)
	}
	return []string{
		e.Run, e.Phase, strconv.FormatInt(e.Seed, 10), strconv.Itoa(p.ring.NAgents),
		e.Params[0], e.Params[1], e.Params[2], e.Params[3],
		e.S1, e.L0,
		resultsCell(sum.PhiTotal), resultsCell(sum.DeltaTotal), resultsCell(sum.MaxG),
		resultsCell(sum.Alpha1), resultsCell(sum.Mpeak1), resultsCell(sum.V1), resultsCell(sum.HHIPlus1),
		tts, r.paths["metrics_csv"],
	}
}

// resultsCell prints a summary value as aggregate_runs does; None is empty.
func resultsCell(d *apd.Decimal) string {
	if d == nil {
		return ""
	}
	return pynum.ResultsCell(d)
}

// parseMetricsCSV reads metrics.csv as summarize_day_metrics sees it through
// csv.DictReader: the day as an int, the other cells as Decimals (None when
// empty or not a number). ok is false without rows or with a day that is
// not an integer (where aggregate_runs would skip or fail).
func parseMetricsCSV(b []byte) ([]metrics.DayRow, bool) {
	rows, err := artifacts.ReadCSVDicts(bytes.NewReader(b))
	if err != nil || len(rows) == 0 {
		return nil, false
	}
	days := make([]metrics.DayRow, 0, len(rows))
	for _, r := range rows {
		var d metrics.DayRow
		if t, ok := r["day"]; ok {
			n, err := strconv.Atoi(t)
			if err != nil {
				return nil, false
			}
			d.Day = n
		}
		d.S, d.Phi, d.Delta, d.G = decimalOrNone(r["S_t"]), decimalOrNone(r["phi_t"]), decimalOrNone(r["delta_t"]), decimalOrNone(r["G_t"])
		d.Alpha, d.Mpeak, d.V, d.HHIPlus = decimalOrNone(r["alpha_t"]), decimalOrNone(r["Mpeak_t"]), decimalOrNone(r["v_t"]), decimalOrNone(r["HHIplus_t"])
		days = append(days, d)
	}
	return days, true
}

// decimalOrNone is bilancio's _decimal_or_none.
func decimalOrNone(s string) *apd.Decimal {
	if s == "" {
		return nil
	}
	a, err := pynum.ParseDecimal(s)
	if err != nil {
		return nil
	}
	return a.Decimal()
}
