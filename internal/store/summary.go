package store

import (
	"path/filepath"

	"github.com/bilancio-go/bilancio/internal/artifacts"
	"github.com/bilancio-go/bilancio/internal/usage"
)

// SummaryCounts are the run counts of summary.json: Total planned runs,
// of which Completed and Failed (the registry's rows), with the means of
// the completed ones.
type SummaryCounts struct {
	Total, Completed, Failed int
	Means                    Means
}

// WriteSummary writes aggregate/summary.json, in the manner of bilancio's
// comparison summary (spec/engine.md §9.4: json.dump with indent 2, Python
// float means over the completed runs) for a ring sweep: the counts, the
// frontier's cells when there is a frontier (frontier non-nil), what the
// experiment's remote machines used (usage.csv), and the sweep's
// configuration. The keys are documented in docs/sweeps.md.
func (s *Store) WriteSummary(c SummaryCounts, frontier *artifacts.JSON, config artifacts.JSON) error {
	mean := func(m *float64) artifacts.JSON {
		if m == nil {
			return artifacts.JSONNull()
		}
		return artifacts.JSONFloat(*m)
	}
	phi, delta := c.Means.Values()
	members := []artifacts.Member{
		{Key: "experiment_id", Value: artifacts.JSONString(s.ID)},
		{Key: "total_runs", Value: artifacts.JSONInt(int64(c.Total))},
		{Key: "completed_runs", Value: artifacts.JSONInt(int64(c.Completed))},
		{Key: "failed_runs", Value: artifacts.JSONInt(int64(c.Failed))},
		{Key: "pending_runs", Value: artifacts.JSONInt(int64(max(c.Total-c.Completed-c.Failed, 0)))},
		{Key: "mean_phi_total", Value: mean(phi)},
		{Key: "mean_delta_total", Value: mean(delta)},
		{Key: "runs_cleared", Value: artifacts.JSONInt(int64(c.Means.Cleared))},
	}
	if frontier != nil {
		members = append(members, artifacts.Member{Key: "frontier", Value: *frontier})
	}
	if u, err := s.usageJSON(); err != nil {
		return err
	} else if u != nil {
		members = append(members, artifacts.Member{Key: "usage", Value: *u})
	}
	members = append(members, artifacts.Member{Key: "config", Value: config})
	b := artifacts.AppendJSONIndent(nil, artifacts.JSONObject(members...), 2)
	return WriteFile(s.Path(SummaryFile), b)
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

// RecordUsage appends remote machines' usage to the experiment's usage.csv
// and rewrites aggregate/usage_summary.json.
func (s *Store) RecordUsage(recs []usage.Record) error {
	if len(recs) == 0 {
		return nil
	}
	if err := usage.Append(filepath.Join(s.Dir, usage.File), recs); err != nil {
		return err
	}
	return usage.WriteSummary(s.Dir, s.ID)
}

// WriteUsageSummary rewrites aggregate/usage_summary.json from usage.csv.
func (s *Store) WriteUsageSummary() error { return usage.WriteSummary(s.Dir, s.ID) }
