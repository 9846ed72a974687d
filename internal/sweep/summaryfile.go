package sweep

import (
	"path/filepath"

	"github.com/bilancio-go/bilancio/internal/artifacts"
	"github.com/bilancio-go/bilancio/internal/pynum"
	"github.com/bilancio-go/bilancio/internal/usage"
)

// writeSummaryJSON writes aggregate/summary.json, in the manner of bilancio's
// comparison summary (spec/engine.md §9.4: json.dump with indent 2, Python
// float means over the completed runs, the configuration with decimals as
// strings) for a ring sweep. The keys are documented in docs/sweeps.md.
func (s *Store) writeSummaryJSON(p *Plan, v *views, total int, frontier []FrontierPoint) error {
	mean := func(m *float64) artifacts.JSON {
		if m == nil {
			return artifacts.JSONNull()
		}
		return artifacts.JSONFloat(*m)
	}
	members := []artifacts.Member{
		{Key: "experiment_id", Value: artifacts.JSONString(s.ID)},
		{Key: "total_runs", Value: artifacts.JSONInt(int64(total))},
		{Key: "completed_runs", Value: artifacts.JSONInt(int64(v.Completed))},
		{Key: "failed_runs", Value: artifacts.JSONInt(int64(v.Failed))},
		{Key: "pending_runs", Value: artifacts.JSONInt(int64(max(total-v.Completed-v.Failed, 0)))},
		{Key: "mean_phi_total", Value: mean(v.PhiMean)},
		{Key: "mean_delta_total", Value: mean(v.DeltaMean)},
		{Key: "runs_cleared", Value: artifacts.JSONInt(int64(v.Cleared))},
	}
	if frontier != nil {
		cells := make([]artifacts.JSON, len(frontier))
		for i, f := range frontier {
			k := artifacts.JSONNull()
			if f.Kappa != nil {
				k = artifacts.JSONString(pynum.Str(f.Kappa))
			}
			cells[i] = artifacts.JSONObject(
				artifacts.Member{Key: "concentration", Value: artifacts.JSONString(pynum.Str(f.Concentration))},
				artifacts.Member{Key: "mu", Value: artifacts.JSONString(pynum.Str(f.Mu))},
				artifacts.Member{Key: "monotonicity", Value: artifacts.JSONString(pynum.Str(f.Monotonicity))},
				artifacts.Member{Key: "kappa", Value: k},
				artifacts.Member{Key: "probes", Value: artifacts.JSONInt(int64(f.Probes))},
			)
		}
		members = append(members, artifacts.Member{Key: "frontier", Value: artifacts.JSONArray(cells...)})
	}
	if u, err := s.usageJSON(); err != nil {
		return err
	} else if u != nil {
		members = append(members, artifacts.Member{Key: "usage", Value: *u})
	}
	members = append(members, artifacts.Member{Key: "config", Value: p.configJSON()})
	b := artifacts.AppendJSONIndent(nil, artifacts.JSONObject(members...), 2)
	return writeFileAtomic(s.Path(SummaryFile), b)
}

// usageJSON is summary.json's usage: what the experiment's sandboxes
// (remote executors, usage.csv) measured and cost; nil without any.
func (s *Store) usageJSON() (*artifacts.JSON, error) {
	recs, err := usage.Read(filepath.Join(s.Dir, usage.File))
	if err != nil || len(recs) == 0 {
		return nil, err
	}
	t := usage.Sum(recs).Rounded()
	j := artifacts.JSONObject(
		artifacts.Member{Key: "sandboxes", Value: artifacts.JSONInt(int64(t.Sandboxes))},
		artifacts.Member{Key: "sandbox_seconds", Value: artifacts.JSONFloat(t.SandboxSeconds)},
		artifacts.Member{Key: "cpu_core_seconds", Value: artifacts.JSONFloat(t.CoreSeconds)},
		artifacts.Member{Key: "memory_gib_seconds", Value: artifacts.JSONFloat(t.GiBSeconds)},
		artifacts.Member{Key: "gpu_seconds", Value: artifacts.JSONFloat(t.GPUSeconds)},
		artifacts.Member{Key: "cost", Value: artifacts.JSONFloat(t.Cost)},
		artifacts.Member{Key: "currency", Value: artifacts.JSONString(t.Currency)},
	)
	return &j, nil
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
		{Key: "Q_total", Value: artifacts.JSONString(pynum.Str(r.qTotal))},
		{Key: "base_seed", Value: artifacts.JSONInt(r.BaseSeed)},
		{Key: "seed_mode", Value: artifacts.JSONString(p.seedMode)},
		{Key: "kappa_rule", Value: artifacts.JSONString(string(r.kappaRule))},
		{Key: "liquidity_mode", Value: artifacts.JSONString(r.LiquidityMode)},
		{Key: "default_handling", Value: artifacts.JSONString(r.DefaultHandling)},
	}
	if p.spec.Grid != nil {
		for i, name := range pluralAxis {
			vals := make([]string, len(p.grid[i]))
			for j, d := range p.grid[i] {
				vals[j] = pynum.Str(d)
			}
			m = append(m, artifacts.Member{Key: name, Value: strs(vals)})
		}
	}
	if p.lhs != nil {
		lm := []artifacts.Member{{Key: "count", Value: artifacts.JSONInt(int64(p.lhs.count))}}
		for i, name := range axisNames {
			lm = append(lm, artifacts.Member{Key: name + "_range", Value: strs([]string{pynum.Str(p.lhs.ranges[i][0]), pynum.Str(p.lhs.ranges[i][1])})})
		}
		m = append(m, artifacts.Member{Key: "lhs", Value: artifacts.JSONObject(lm...)})
	}
	if f := p.frontier; f != nil {
		fm := []artifacts.Member{}
		for i, name := range pluralAxis[1:] {
			vals := make([]string, len(f.axes[i]))
			for j, d := range f.axes[i] {
				vals[j] = pynum.Str(d)
			}
			fm = append(fm, artifacts.Member{Key: name, Value: strs(vals)})
		}
		fm = append(fm,
			artifacts.Member{Key: "kappa_low", Value: artifacts.JSONString(pynum.Str(f.low))},
			artifacts.Member{Key: "kappa_high", Value: artifacts.JSONString(pynum.Str(f.high))},
			artifacts.Member{Key: "tolerance", Value: artifacts.JSONString(pynum.Str(f.tolerance))},
			artifacts.Member{Key: "max_iterations", Value: artifacts.JSONInt(int64(f.maxIterations))},
		)
		m = append(m, artifacts.Member{Key: "frontier", Value: artifacts.JSONObject(fm...)})
	}
	return artifacts.JSONObject(m...)
}
