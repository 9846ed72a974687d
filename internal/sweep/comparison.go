package sweep

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/bilancio-go/bilancio/internal/artifacts"
	"github.com/bilancio-go/bilancio/internal/pynum"
	"github.com/bilancio-go/bilancio/internal/store"
)

// DealerMetricsFile is where a dealer run writes its summary.
const DealerMetricsFile = "out/dealer_metrics.json"

// ComparisonColumns are the columns of a comparison sweep's
// aggregate/comparison.csv (spec/dealer.md §11.3, data era).
func ComparisonColumns() []string {
	return []string{
		"kappa", "concentration", "mu", "monotonicity", "seed",
		"delta_control", "delta_treatment", "delta_reduction", "relief_ratio",
		"phi_control", "phi_treatment", "control_run_id", "control_status",
		"treatment_run_id", "treatment_status",
	}
}

// BalancedColumns are the columns of a balanced sweep's
// aggregate/comparison.csv (spec/dealer.md §12.4).
func BalancedColumns() []string {
	return []string{
		"kappa", "concentration", "mu", "monotonicity", "seed",
		"face_value", "outside_mid_ratio", "big_entity_share",
		"delta_passive", "delta_active", "trading_effect", "trading_relief_ratio",
		"phi_passive", "phi_active", "passive_run_id", "passive_status",
		"active_run_id", "active_status",
		"dealer_total_pnl", "dealer_total_return", "total_trades",
	}
}

// ArmResult is how one run of a pair ended: its id and its registry values
// (phi_total and delta_total as str(Decimal), empty for None). Failed runs
// have no values.
type ArmResult struct {
	RunID      string
	Phi, Delta string
	// Dealer holds the active run's dealer_metrics.json values the
	// balanced comparison reports, each as Python's str() of the JSON
	// value (empty when absent or null): dealer_total_pnl,
	// dealer_total_return, total_trades.
	Dealer [3]string
}

// Pair is one row of a paired sweep's comparison: the grid point and its
// two runs (without dealer first).
type Pair struct {
	// Params are kappa, concentration, mu and monotonicity as printed, Rho
	// the balanced sweep's outside-mid ratio.
	Params [4]string
	Seed   int64
	Rho    string
	Arms   [2]ArmResult
}

// PairedConfig is what the comparison's summary.json says of the sweep.
type PairedConfig struct {
	Kind                              string
	NAgents, MaturityDays             int
	QTotal                            string
	BaseSeed                          int64
	FaceValue, BigEntityShare         string
	Kappas, Concentrations, Mus, Rhos []string
}

// pairMath is a pair's derived values: the reduction (or trading effect)
// and the relief ratio, nil when a delta is missing.
type pairMath struct {
	control, treatment *pynum.Amount
	reduction, relief  *pynum.Amount
}

// decimalOf parses a registry value (nil for "").
func decimalOf(text string) (*pynum.Amount, error) {
	if text == "" {
		return nil, nil
	}
	a, err := pynum.ParseDecimal(text)
	if err != nil {
		return nil, err
	}
	return &a, nil
}

// math computes a pair's derived values as bilancio's ComparisonResult
// does: reduction = delta_control − delta_treatment, relief = reduction /
// delta_control, or 0 when delta_control is 0.
func (pr *Pair) math() (pairMath, error) {
	var m pairMath
	var err error
	if m.control, err = decimalOf(pr.Arms[0].Delta); err != nil {
		return m, fmt.Errorf("delta of %s: %w", pr.Arms[0].RunID, err)
	}
	if m.treatment, err = decimalOf(pr.Arms[1].Delta); err != nil {
		return m, fmt.Errorf("delta of %s: %w", pr.Arms[1].RunID, err)
	}
	if m.control == nil || m.treatment == nil {
		return m, nil
	}
	m.reduction = decimalPtr(pynum.Sub(*m.control, *m.treatment))
	if m.control.IsZero() {
		m.relief = decimalPtr(pynum.Dec(0, 0))
	} else {
		m.relief = decimalPtr(pynum.Quo(*m.reduction, *m.control))
	}
	return m, nil
}

// strOrEmpty is str(Decimal), or "" for None.
func strOrEmpty(d *pynum.Amount) string {
	if d == nil {
		return ""
	}
	return d.String()
}

// status is a run's status in the comparison: completed when its delta
// exists.
func (a *ArmResult) status() string {
	if a.Delta != "" {
		return store.RowCompleted
	}
	return store.RowFailed
}

// ComparisonCSV renders aggregate/comparison.csv for pairs of a sweep of
// kind (KindComparison: the data-era layout; KindBalanced: the balanced
// layout with cfg's face value and big-entity share), in bilancio's formats:
// str(Decimal) values, empty for None, CRLF line ends.
func ComparisonCSV(kind string, cfg *PairedConfig, pairs []Pair) ([]byte, error) {
	cols := ComparisonColumns()
	if kind == KindBalanced {
		cols = BalancedColumns()
	}
	b := artifacts.AppendCSVRecord(nil, cols)
	for i := range pairs {
		pr := &pairs[i]
		m, err := pr.math()
		if err != nil {
			return nil, err
		}
		c, t := &pr.Arms[0], &pr.Arms[1]
		rec := []string{pr.Params[0], pr.Params[1], pr.Params[2], pr.Params[3], fmt.Sprint(pr.Seed)}
		if kind == KindBalanced {
			rec = append(rec, cfg.FaceValue, pr.Rho, cfg.BigEntityShare)
		}
		rec = append(rec, c.Delta, t.Delta, strOrEmpty(m.reduction), strOrEmpty(m.relief),
			c.Phi, t.Phi, c.RunID, c.status(), t.RunID, t.status())
		if kind == KindBalanced {
			rec = append(rec, t.Dealer[0], t.Dealer[1], t.Dealer[2])
		}
		b = artifacts.AppendCSVRecord(b, rec)
	}
	return b, nil
}

// ComparisonSummaryJSON renders aggregate/summary.json as bilancio's
// comparison runners write it (json.dump with indent 2; spec/engine.md
// §9.4 and spec/dealer.md §12.4): float means over the pairs with both
// deltas, improvement counts, and the configuration.
func ComparisonSummaryJSON(kind string, cfg *PairedConfig, pairs []Pair) ([]byte, error) {
	var (
		completed                     int
		failed                        [2]int
		sums                          [4]float64 // control, treatment, effect, relief
		improved, unchanged, worsened int
	)
	for i := range pairs {
		pr := &pairs[i]
		m, err := pr.math()
		if err != nil {
			return nil, err
		}
		for a := range 2 {
			if pr.Arms[a].status() == store.RowFailed {
				failed[a]++
			}
		}
		if m.reduction == nil {
			continue
		}
		completed++
		sums[0] += m.control.Float64()
		sums[1] += m.treatment.Float64()
		sums[2] += m.reduction.Float64()
		sums[3] += m.relief.Float64()
		switch m.reduction.Sign() {
		case 1:
			improved++
		case 0:
			unchanged++
		default:
			worsened++
		}
	}
	mean := func(i int) artifacts.JSON {
		if completed == 0 {
			return artifacts.JSONNull()
		}
		return artifacts.JSONFloat(sums[i] / float64(completed))
	}
	num := func(n int) artifacts.JSON { return artifacts.JSONInt(int64(n)) }
	strs := func(ds []string) artifacts.JSON {
		items := make([]artifacts.JSON, len(ds))
		for i, d := range ds {
			items[i] = artifacts.JSONString(d)
		}
		return artifacts.JSONArray(items...)
	}
	var members []artifacts.Member
	config := []artifacts.Member{
		{Key: "n_agents", Value: num(cfg.NAgents)},
		{Key: "maturity_days", Value: num(cfg.MaturityDays)},
		{Key: "Q_total", Value: artifacts.JSONString(cfg.QTotal)},
		{Key: "base_seed", Value: artifacts.JSONInt(cfg.BaseSeed)},
	}
	if kind == KindBalanced {
		members = []artifacts.Member{
			{Key: "total_pairs", Value: num(len(pairs))},
			{Key: "completed_pairs", Value: num(completed)},
			{Key: "mean_delta_passive", Value: mean(0)},
			{Key: "mean_delta_active", Value: mean(1)},
			{Key: "mean_trading_effect", Value: mean(2)},
			{Key: "mean_relief_ratio", Value: mean(3)},
		}
		config = append(config,
			artifacts.Member{Key: "face_value", Value: artifacts.JSONString(cfg.FaceValue)},
			artifacts.Member{Key: "big_entity_share", Value: artifacts.JSONString(cfg.BigEntityShare)},
		)
	} else {
		members = []artifacts.Member{
			{Key: "total_pairs", Value: num(len(pairs))},
			{Key: "completed_pairs", Value: num(completed)},
			{Key: "failed_control_runs", Value: num(failed[0])},
			{Key: "failed_treatment_runs", Value: num(failed[1])},
			{Key: "mean_delta_control", Value: mean(0)},
			{Key: "mean_delta_treatment", Value: mean(1)},
			{Key: "mean_relief_ratio", Value: mean(3)},
		}
	}
	members = append(members,
		artifacts.Member{Key: "pairs_with_improvement", Value: num(improved)},
		artifacts.Member{Key: "pairs_unchanged", Value: num(unchanged)},
		artifacts.Member{Key: "pairs_worsened", Value: num(worsened)},
	)
	config = append(config,
		artifacts.Member{Key: "kappas", Value: strs(cfg.Kappas)},
		artifacts.Member{Key: "concentrations", Value: strs(cfg.Concentrations)},
		artifacts.Member{Key: "mus", Value: strs(cfg.Mus)},
	)
	if kind == KindBalanced {
		config = append(config, artifacts.Member{Key: "outside_mid_ratios", Value: strs(cfg.Rhos)})
	}
	members = append(members, artifacts.Member{Key: "config", Value: artifacts.JSONObject(config...)})
	return artifacts.AppendJSONIndent(nil, artifacts.JSONObject(members...), 2), nil
}

// ReadDealerSummary reads the three values the balanced comparison takes
// from a dealer run's dealer_metrics.json (dealer_total_pnl,
// dealer_total_return, total_trades), each as Python's str() of the JSON
// value: the number as written (Python writes floats with repr, which str
// repeats), "" for null or a missing key. A missing file gives three "".
func ReadDealerSummary(path string) ([3]string, error) {
	var out [3]string
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return out, nil
	}
	if err != nil {
		return out, fmt.Errorf("reading the dealer metrics: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return out, fmt.Errorf("reading %s: %w", path, err)
	}
	for i, key := range []string{"dealer_total_pnl", "dealer_total_return", "total_trades"} {
		switch v := m[key].(type) {
		case json.Number:
			out[i] = v.String()
		case bool:
			out[i] = "False"
			if v {
				out[i] = "True"
			}
		}
	}
	return out, nil
}
