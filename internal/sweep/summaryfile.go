package sweep

import (
	"strconv"

	"github.com/bilancio-go/bilancio/internal/artifacts"
	"github.com/bilancio-go/bilancio/internal/metrics"
	"github.com/bilancio-go/bilancio/internal/pynum"
	"github.com/bilancio-go/bilancio/internal/ring"
	"github.com/bilancio-go/bilancio/internal/store"
)

// frontierJSON is summary.json's frontier, one object per cell: its
// concentration, mu and monotonicity; "kappa", the frontier (the probed
// kappa nearest the transition at which the ring cleared; null when none
// did); "probes"; "bracket", [low, high] the probed kappas on either side of
// the transition (null when the search ended at a bound); "bound", why it
// ended at one ("clears_at_least_liquid": it cleared already at the least
// liquid end of the range, so the transition lies beyond it; "never_clears":
// not even at the most liquid kappa reached; null when bracketed); and
// "done", whether the cell's search has ended. nil without a frontier.
func frontierJSON(frontier []FrontierPoint) *artifacts.JSON {
	if frontier == nil {
		return nil
	}
	cells := make([]artifacts.JSON, len(frontier))
	for i, f := range frontier {
		k := artifacts.JSONNull()
		if f.Kappa != nil {
			k = artifacts.JSONString(f.Kappa.String())
		}
		bracket, bound := artifacts.JSONNull(), artifacts.JSONNull()
		if f.Low != nil && f.High != nil {
			bracket = artifacts.JSONArray(artifacts.JSONString(f.Low.String()), artifacts.JSONString(f.High.String()))
		}
		if f.Bound != "" {
			bound = artifacts.JSONString(f.Bound)
		}
		var members []artifacts.Member
		for a, sp := range recordOrder() {
			if v := f.Cell[a]; v != nil && a != ring.SweptKappa {
				members = append(members, artifacts.Member{Key: sp.Name, Value: artifacts.JSONString(v.String())})
			}
		}
		cells[i] = artifacts.JSONObject(append(members,
			artifacts.Member{Key: "kappa", Value: k},
			artifacts.Member{Key: "probes", Value: artifacts.JSONInt(int64(f.Probes))},
			artifacts.Member{Key: "bracket", Value: bracket},
			artifacts.Member{Key: "bound", Value: bound},
			artifacts.Member{Key: "done", Value: artifacts.JSONBool(f.Done)},
		)...)
	}
	j := artifacts.JSONArray(cells...)
	return &j
}

// constants are the registry columns every run of the plan shares.
func (p *Plan) constants() store.Constants {
	return store.Constants{
		NAgents: strconv.Itoa(p.ring.NAgents), MaturityDays: strconv.Itoa(p.ring.MaturityDays),
		QTotal: p.ring.qTotal.String(), DefaultHandling: p.ring.DefaultHandling, DealerEnabled: p.dealerEnabled(),
		SummaryRule: metrics.ZeroRule(p.ring.options.SummaryRule),
		Replicates:  p.replicates > 1,
	}
}

// configJSON is summary.json's config: the ring settings and the designs,
// decimals as strings.
func (p *Plan) configJSON() artifacts.JSON {
	strs := func(ds []string) artifacts.JSON {
		items := make([]artifacts.JSON, len(ds))
		for i, d := range ds {
			items[i] = artifacts.JSONString(d)
		}
		return artifacts.JSONArray(items...)
	}
	r := &p.ring
	m := []artifacts.Member{
		{Key: "n_agents", Value: artifacts.JSONInt(int64(r.NAgents))},
		{Key: "maturity_days", Value: artifacts.JSONInt(int64(r.MaturityDays))},
		{Key: "Q_total", Value: artifacts.JSONString(r.qTotal.String())},
		{Key: "base_seed", Value: artifacts.JSONInt(r.BaseSeed)},
		{Key: "seed_mode", Value: artifacts.JSONString(p.seedMode)},
		{Key: "kappa_rule", Value: artifacts.JSONString(string(r.kappaRule))},
		{Key: "liquidity_mode", Value: artifacts.JSONString(r.LiquidityMode)},
		{Key: "default_handling", Value: artifacts.JSONString(r.DefaultHandling)},
	}
	if p.replicates > 1 {
		m = append(m, artifacts.Member{Key: "replicates", Value: artifacts.JSONInt(int64(p.replicates))})
	}
	// lists writes a design's lists: each swept parameter's values (but
	// skip's, and those the rings do not have or a paired sweep's arm
	// gives).
	lists := func(values *[ring.NumSwept][]*pynum.Amount, skip int) []artifacts.Member {
		var out []artifacts.Member
		for a, sp := range recordOrder() {
			if a == skip || sp.Balanced || values[a][0] == nil {
				continue
			}
			vals := make([]string, len(values[a]))
			for j, d := range values[a] {
				vals[j] = d.String()
			}
			out = append(out, artifacts.Member{Key: sp.Plural, Value: strs(vals)})
		}
		return out
	}
	if p.spec.Grid != nil {
		m = append(m, lists(&p.grid, -1)...)
	}
	if p.lhs != nil {
		lm := []artifacts.Member{{Key: "count", Value: artifacts.JSONInt(int64(p.lhs.count))}}
		for a, sp := range recordOrder() {
			if r := p.lhs.ranges[a]; r != nil {
				lm = append(lm, artifacts.Member{Key: sp.Name + "_range", Value: strs([]string{r[0].String(), r[1].String()})})
			}
		}
		m = append(m, artifacts.Member{Key: "lhs", Value: artifacts.JSONObject(lm...)})
	}
	if f := p.frontier; f != nil {
		fm := lists(&f.cells, ring.SweptKappa)
		fm = append(fm,
			artifacts.Member{Key: "kappa_low", Value: artifacts.JSONString(f.low.String())},
			artifacts.Member{Key: "kappa_high", Value: artifacts.JSONString(f.high.String())},
			artifacts.Member{Key: "tolerance", Value: artifacts.JSONString(f.tolerance.String())},
			artifacts.Member{Key: "max_iterations", Value: artifacts.JSONInt(int64(f.maxIterations))},
			artifacts.Member{Key: "more_liquidity_at", Value: artifacts.JSONString(map[bool]string{true: "higher_kappa", false: "lower_kappa"}[f.higherIsLiquid])},
		)
		m = append(m, artifacts.Member{Key: "frontier", Value: artifacts.JSONObject(fm...)})
	}
	return artifacts.JSONObject(m...)
}
