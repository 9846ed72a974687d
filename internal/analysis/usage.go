package analysis

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// DealerUsage is `bilancio sweep dealer-usage`: for each active run with an
// out/ folder, how much the dealers were used and what came of it
// (dealer_usage_by_run.csv): trades by the ring's traders, the days the
// dealer held inventory or was empty, the debt-to-money ratio, and the
// share of repaid and defaulted face value that had traded. It returns the
// path, or ErrNoData when no run had an out/ folder.
func DealerUsage(dir string) (string, error) {
	comp, err := comparisonRows(dir)
	if err != nil {
		return "", err
	}
	var rows []*record
	for i := range comp.rows {
		id := activeRun(comp, i)
		if id == "" {
			continue
		}
		run := filepath.Join(dir, activeRunsDir, id)
		if st, err := os.Stat(filepath.Join(run, "out")); err != nil || !st.IsDir() {
			continue
		}
		r := newRecord()
		r.set("run_id", strV(id))
		for _, k := range []string{"kappa", "concentration", "mu", "outside_mid_ratio",
			"delta_passive", "delta_active", "trading_effect", "trading_relief_ratio"} {
			r.set(k, get(comp, i, k))
		}
		tradeMetrics(r, run)
		inventoryMetrics(r, run)
		systemMetrics(r, run)
		repaymentMetrics(r, run)
		rows = append(rows, r)
	}
	if len(rows) == 0 {
		return "", ErrNoData
	}
	path := filepath.Join(dir, filepath.FromSlash(DealerUsageFile))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", err
	}
	return path, writeCSV(path, rows)
}

// readRunCSV reads a run's CSV file; ok is false when it is missing or
// unreadable (bilancio then records the empty metrics).
func readRunCSV(run, name string) (*frame, bool) {
	f, err := readCSV(filepath.Join(run, filepath.FromSlash(name)))
	return f, err == nil
}

// tradeMetrics are the trades of trades.csv.
func tradeMetrics(r *record, run string) {
	empty := func() {
		r.set("dealer_trade_count", intV(0))
		r.set("trader_dealer_trade_count", intV(0))
		r.set("n_traders_using_dealer", intV(0))
		r.set("total_face_traded", floatV(0))
		r.set("total_cash_volume", floatV(0))
	}
	trades, ok := readRunCSV(run, tradesFile)
	if !ok || trades.rows == 0 {
		empty()
		return
	}
	var traders []int
	if c := trades.col("trader_id"); c != nil {
		for i, v := range c.vals {
			if v.kind == kStr && strings.HasPrefix(v.s, "H") {
				traders = append(traders, i)
			}
		}
	}
	distinct := map[string]bool{}
	for _, i := range traders {
		distinct[trades.col("trader_id").vals[i].s] = true
	}
	face, cash := 0.0, 0.0
	if len(traders) > 0 {
		face = numericSum(trades.col("face_value"), traders)
		cash = numericSum(trades.col("price"), traders)
	}
	r.set("dealer_trade_count", intV(int64(trades.rows)))
	r.set("trader_dealer_trade_count", intV(int64(len(traders))))
	r.set("n_traders_using_dealer", intV(int64(len(distinct))))
	r.set("total_face_traded", floatV(face))
	r.set("total_cash_volume", floatV(cash))
}

// numericSum is float(pd.to_numeric(col, errors="coerce").sum()) over rows
// (0 when the column is absent).
func numericSum(c *column, rows []int) float64 {
	if c == nil {
		return 0
	}
	if c.kind == kInt || c.kind == kBool {
		return c.sum(rows).float()
	}
	vals := make([]value, len(c.vals))
	for i, v := range c.vals {
		vals[i] = floatV(numeric(v))
	}
	return nanSum(vals, rows)
}

// inventoryMetrics are the per-day fractions of inventory_timeseries.csv:
// days on which some bucket's dealer held inventory, days on which every
// bucket's dealer was empty, days on which a trade went to the VBT.
func inventoryMetrics(r *record, run string) {
	empty := func() {
		r.set("dealer_active_fraction", noneV())
		r.set("dealer_empty_fraction", noneV())
		r.set("vbt_usage_fraction", noneV())
	}
	inv, ok := readRunCSV(run, inventoryFile)
	if !ok || inv.rows == 0 || inv.col("day") == nil {
		empty()
		return
	}
	// astype(str).str.lower() == "true": a bool prints True, a string as
	// itself, NaN as nan.
	isTrue := func(col string, i int) bool {
		c := inv.col(col)
		return c != nil && !c.vals[i].missing() && strings.ToLower(formatCell(c.vals[i], c.vals[i].kind)) == "true"
	}
	positive := func(i int) bool {
		c := inv.col("dealer_inventory")
		if c == nil {
			return false
		}
		return numeric(c.vals[i]) > 0
	}
	type day struct{ anyPositive, allZero, anyVBT bool }
	days := map[string]*day{}
	var keys []value
	dayCol := inv.col("day")
	for i := range inv.rows {
		k := dayCol.vals[i]
		if k.missing() {
			continue // groupby drops missing keys
		}
		id := formatCell(k, k.kind)
		d, seen := days[id]
		if !seen {
			d = &day{allZero: true}
			days[id] = d
			keys = append(keys, k)
		}
		d.anyPositive = d.anyPositive || positive(i)
		d.allZero = d.allZero && isTrue("is_at_zero", i)
		d.anyVBT = d.anyVBT || isTrue("hit_vbt_this_step", i)
	}
	if len(days) == 0 {
		empty()
		return
	}
	slices.SortFunc(keys, compareValues)
	var active, allEmpty, vbt []float64
	for _, k := range keys {
		d := days[formatCell(k, k.kind)]
		active = append(active, boolFloat(d.anyPositive))
		allEmpty = append(allEmpty, boolFloat(d.allZero))
		vbt = append(vbt, boolFloat(d.anyVBT))
	}
	n := float64(len(keys))
	r.set("dealer_active_fraction", floatV(pairwiseSum(active)/n))
	r.set("dealer_empty_fraction", floatV(pairwiseSum(allEmpty)/n))
	r.set("vbt_usage_fraction", floatV(pairwiseSum(vbt)/n))
}

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// systemMetrics are the debt-to-money ratio of system_state_timeseries.csv
// (mean and last) and how much the total face value shrank.
func systemMetrics(r *record, run string) {
	sys, ok := readRunCSV(run, systemStateFile)
	if !ok || sys.rows == 0 {
		r.set("mean_debt_to_money", noneV())
		r.set("final_debt_to_money", noneV())
		r.set("debt_shrink_rate", noneV())
		return
	}
	if c := sys.col("debt_to_money"); c != nil {
		n := numericColumn(c)
		r.set("mean_debt_to_money", floatV(n.mean(allRows(sys.rows))))
		r.set("final_debt_to_money", floatV(n.vals[sys.rows-1].float()))
	} else {
		r.set("mean_debt_to_money", noneV())
		r.set("final_debt_to_money", noneV())
	}
	if c := sys.col("total_face_value"); c != nil {
		n := numericColumn(c)
		f0, fT := n.vals[0].float(), n.vals[sys.rows-1].float()
		rate := 0.0
		if f0 > 0 {
			rate = (f0 - fT) / f0
		}
		r.set("debt_shrink_rate", floatV(rate))
	} else {
		r.set("debt_shrink_rate", noneV())
	}
}

// numericColumn is pd.to_numeric(col, errors="coerce").
func numericColumn(c *column) *column {
	if c.kind != kStr {
		return c
	}
	out := &column{name: c.name, kind: kFloat, vals: make([]value, len(c.vals))}
	for i, v := range c.vals {
		out.vals[i] = floatV(numeric(v))
	}
	return out
}

// repaymentMetrics are, per outcome (repaid, defaulted), the share of face
// value of repayment_events.csv whose trader had traded with the dealer.
func repaymentMetrics(r *record, run string) {
	empty := func() {
		r.set("frac_defaulted_that_traded", noneV())
		r.set("frac_repaid_that_traded", noneV())
	}
	rep, ok := readRunCSV(run, repaymentEventsFile)
	if !ok || rep.rows == 0 {
		empty()
		return
	}
	for _, c := range []string{"buy_count", "sell_count", "outcome", "face_value"} {
		if rep.col(c) == nil {
			empty()
			return
		}
	}
	face := numericFace(rep)
	fill := func(name string) []float64 {
		c := numericColumn(rep.col(name))
		out := make([]float64, rep.rows)
		for i, v := range c.vals {
			if x := v.float(); !math.IsNaN(x) {
				out[i] = x
			}
		}
		return out
	}
	buys, sells := fill("buy_count"), fill("sell_count")
	fracUsed := func(outcome string) value {
		sub := rowsWhere(rep, "outcome", outcome, allRows(rep.rows))
		if len(sub) == 0 {
			return noneV()
		}
		total := face.sum(sub)
		if total.float() == 0 {
			return floatV(0)
		}
		var used []int
		for _, i := range sub {
			if buys[i]+sells[i] > 0 {
				used = append(used, i)
			}
		}
		return floatV(ratio(face.sum(used), total))
	}
	r.set("frac_defaulted_that_traded", fracUsed("defaulted"))
	r.set("frac_repaid_that_traded", fracUsed("repaid"))
}
