// Package analysis holds bilancio's post-hoc analyses of a balanced
// comparison experiment (its analysis/strategy_outcomes.py and
// analysis/dealer_usage_summary.py, 2025-12-08): what the traders' trading
// strategies led to, and how much the dealers were used. They read the
// experiment's aggregate/comparison.csv and its active runs' CSV files and
// write CSV files into aggregate/, byte for byte as bilancio's pandas code
// writes them, so this package also emulates the parts of pandas they rely
// on (read_csv's typing and number parsing, numpy's pairwise sums, to_csv's
// printing).
package analysis

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
)

// Files the analyses read and write, relative to the experiment folder or
// to a run's folder.
const (
	ComparisonFile       = "aggregate/comparison.csv"
	StrategyByRunFile    = "aggregate/strategy_outcomes_by_run.csv"
	StrategyOverallFile  = "aggregate/strategy_outcomes_overall.csv"
	DealerUsageFile      = "aggregate/dealer_usage_by_run.csv"
	activeRunsDir        = "active/runs"
	repaymentEventsFile  = "out/repayment_events.csv"
	tradesFile           = "out/trades.csv"
	inventoryFile        = "out/inventory_timeseries.csv"
	systemStateFile      = "out/system_state_timeseries.csv"
	comparisonMissingMsg = "comparison.csv not found"
)

// ErrNoData is returned when an analysis found nothing to analyse (bilancio
// then writes no file and says so).
var ErrNoData = errors.New("no data found")

// strategies are the trading strategies of repayment_events.csv.
func strategies() []string {
	return []string{"no_trade", "hold_to_maturity", "sell_before", "round_trip"}
}

// comparisonRows reads aggregate/comparison.csv and returns the frame and,
// per row, the active run's id (rows without one are skipped by both
// analyses).
func comparisonRows(dir string) (*frame, error) {
	f, err := readCSV(filepath.Join(dir, filepath.FromSlash(ComparisonFile)))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s at %s", comparisonMissingMsg, filepath.Join(dir, filepath.FromSlash(ComparisonFile)))
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", ComparisonFile, err)
	}
	return f, nil
}

// get is row.get(name, "") on a comparison row.
func get(f *frame, row int, name string) value {
	if c := f.col(name); c != nil {
		return c.vals[row]
	}
	return strV("")
}

// activeRun returns the active run id of a comparison row ("" when none).
func activeRun(f *frame, row int) string {
	v := get(f, row, "active_run_id")
	if v.kind != kStr {
		return ""
	}
	return v.s
}

// StrategyOutcomes is `bilancio sweep strategy-outcomes`: for each active run
// with a repayment_events.csv, the count, face value and defaults of each
// trading strategy (strategy_outcomes_by_run.csv), and the same per grid
// point and strategy (strategy_outcomes_overall.csv). It returns the two
// paths, or ErrNoData when no run had repayment events.
func StrategyOutcomes(dir string) (byRun, overall string, err error) {
	comp, err := comparisonRows(dir)
	if err != nil {
		return "", "", err
	}
	var rows []*record
	for i := range comp.rows {
		id := activeRun(comp, i)
		if id == "" {
			continue
		}
		rep, err := readCSV(filepath.Join(dir, activeRunsDir, id, filepath.FromSlash(repaymentEventsFile)))
		if err != nil || rep.rows == 0 {
			continue // bilancio skips a run whose file is missing, unreadable or empty
		}
		if r := strategyRow(comp, i, id, rep); r != nil {
			rows = append(rows, r)
		}
	}
	if len(rows) == 0 {
		return "", "", ErrNoData
	}
	byRun = filepath.Join(dir, filepath.FromSlash(StrategyByRunFile))
	overall = filepath.Join(dir, filepath.FromSlash(StrategyOverallFile))
	if err := os.MkdirAll(filepath.Dir(byRun), 0o755); err != nil {
		return "", "", err
	}
	if err := writeCSV(byRun, rows); err != nil {
		return "", "", err
	}
	if err := writeCSV(overall, strategyOverall(rows)); err != nil {
		return "", "", err
	}
	return byRun, overall, nil
}

// numericFace is pd.to_numeric(rep["face_value"], errors="coerce").fillna(0).
func numericFace(rep *frame) *column {
	c := rep.col("face_value")
	if c == nil {
		return nil
	}
	out := &column{name: c.name, kind: c.kind, vals: make([]value, len(c.vals))}
	if c.kind == kStr {
		out.kind = kFloat
	}
	for i, v := range c.vals {
		switch {
		case v.kind == kStr:
			x, ok := preciseXstrtod(v.s)
			if !ok {
				x = math.NaN()
			}
			v = floatV(x)
		}
		if v.missing() {
			v = floatV(0)
			if out.kind == kInt {
				v = intV(0)
			}
		}
		out.vals[i] = v
	}
	return out
}

// rowsWhere lists the rows whose string column equals want.
func rowsWhere(f *frame, col, want string, within []int) []int {
	c := f.col(col)
	var out []int
	for _, r := range within {
		if c != nil && c.vals[r].kind == kStr && c.vals[r].s == want {
			out = append(out, r)
		}
	}
	return out
}

// ratio is float(a / b) for numpy scalars: a true division.
func ratio(a, b value) float64 { return a.float() / b.float() }

// strategyRow is one row of strategy_outcomes_by_run.csv.
func strategyRow(comp *frame, i int, id string, rep *frame) *record {
	face := numericFace(rep)
	if face == nil {
		return nil // bilancio fails on such a file; nothing to count
	}
	all := allRows(rep.rows)
	totalFace := face.sum(all)
	defaulted := rowsWhere(rep, "outcome", "defaulted", all)
	defaultFace := face.sum(defaulted)
	r := newRecord()
	r.set("run_id", strV(id))
	for _, k := range []string{"kappa", "concentration", "mu", "outside_mid_ratio", "seed", "face_value",
		"delta_passive", "delta_active", "trading_effect", "trading_relief_ratio"} {
		r.set(k, get(comp, i, k))
	}
	r.set("total_liabilities", intV(int64(rep.rows)))
	r.set("total_face_value", floatV(totalFace.float()))
	r.set("default_count_total", intV(int64(len(defaulted))))
	r.set("default_face_total", floatV(defaultFace.float()))
	rate := 0.0
	if totalFace.float() > 0 {
		rate = ratio(defaultFace, totalFace)
	}
	r.set("default_rate_total", floatV(rate))
	for _, s := range strategies() {
		rows := rowsWhere(rep, "strategy", s, all)
		fs := face.sum(rows)
		dr := rowsWhere(rep, "outcome", "defaulted", rows)
		df := face.sum(dr)
		r.set("count_"+s, intV(int64(len(rows))))
		r.set("face_"+s, floatV(fs.float()))
		r.set("default_count_"+s, intV(int64(len(dr))))
		r.set("default_face_"+s, floatV(df.float()))
		rate := 0.0
		if fs.float() > 0 {
			rate = ratio(df, fs)
		}
		r.set("default_rate_"+s, floatV(rate))
	}
	return r
}

// groupKeys are the parameters strategy_outcomes_overall.csv groups by.
func groupKeys() []string { return []string{"kappa", "concentration", "mu", "outside_mid_ratio"} }

// strategyOverall is build_strategy_outcomes_overall: the by-run rows
// grouped by parameters (pandas groupby: sorted keys, missing keys last),
// one row per group and strategy.
func strategyOverall(rows []*record) []*record {
	keys := groupKeys()
	groups := map[string][]*record{}
	var order []*record // one representative per group
	for _, r := range rows {
		k := groupKey(r, keys)
		if _, ok := groups[k]; !ok {
			order = append(order, r)
		}
		groups[k] = append(groups[k], r)
	}
	slices.SortStableFunc(order, func(a, b *record) int {
		for _, k := range keys {
			if c := compareValues(a.vals[k], b.vals[k]); c != 0 {
				return c
			}
		}
		return 0
	})
	var out []*record
	for _, rep := range order {
		g := groups[groupKey(rep, keys)]
		for _, s := range strategies() {
			faceTotal := sumFloat(g, "face_"+s)
			defaultFace := sumFloat(g, "default_face_"+s)
			used := 0
			var effects []value
			for _, r := range g {
				if r.vals["count_"+s].i > 0 {
					used++
					effects = append(effects, floatV(numeric(r.vals["trading_effect"])))
				}
			}
			mean := 0.0
			if len(effects) > 0 {
				c := &column{kind: kFloat, vals: effects}
				if m := c.mean(allRows(len(effects))); !math.IsNaN(m) {
					mean = m
				}
			}
			o := newRecord()
			o.set("strategy", strV(s))
			for _, k := range keys {
				o.set(k, rep.vals[k])
			}
			o.set("total_face", floatV(faceTotal))
			o.set("default_face", floatV(defaultFace))
			rate := 0.0
			if faceTotal > 0 {
				rate = defaultFace / faceTotal
			}
			o.set("default_rate", floatV(rate))
			o.set("runs_using_strategy", intV(int64(used)))
			o.set("mean_trading_effect", floatV(mean))
			out = append(out, o)
		}
	}
	return out
}

// sumFloat is group[col].sum() of a float column.
func sumFloat(g []*record, col string) float64 {
	vals := make([]value, len(g))
	for i, r := range g {
		vals[i] = r.vals[col]
	}
	return nanSum(vals, allRows(len(g)))
}

// numeric is pd.to_numeric(x, errors="coerce") of one value.
func numeric(v value) float64 {
	if v.kind == kStr {
		if x, ok := preciseXstrtod(v.s); ok {
			return x
		}
		return math.NaN()
	}
	return v.float()
}

// groupKey identifies a group by its key values.
func groupKey(r *record, keys []string) string {
	s := ""
	for _, k := range keys {
		v := r.vals[k]
		s += fmt.Sprintf("%d|%s\x00", v.kind, formatCell(v, v.kind))
	}
	return s
}

// compareValues orders group keys as pandas sorts them: numbers by value,
// strings as strings, missing last.
func compareValues(a, b value) int {
	am, bm := a.missing(), b.missing()
	switch {
	case am && bm:
		return 0
	case am:
		return 1
	case bm:
		return -1
	}
	if a.kind == kStr || b.kind == kStr {
		return cmp.Compare(formatCell(a, a.kind), formatCell(b, b.kind))
	}
	return cmp.Compare(a.float(), b.float())
}
