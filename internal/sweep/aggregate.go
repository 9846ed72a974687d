package sweep

import (
	"context"
	"fmt"

	"github.com/bilancio-go/bilancio/internal/store"
)

// Aggregate rebuilds an experiment's registry and aggregate files from its
// runs (bilancio's `aggregate_runs`) and its usage summary from usage.csv,
// taking the experiment's lock. Runs found complete that the journal did
// not know are journaled done; runs it called done whose folders no longer
// verify (as cheaply as the journal allows, in full with verify) are
// named in the views and journaled pending, so that the next sweep run
// runs them again.
func Aggregate(ctx context.Context, dir string, verify bool) (*store.Status, *store.Views, error) {
	st, meta, err := store.Open(dir)
	if err != nil {
		return nil, nil, err
	}
	spec, err := ReadSpec(meta)
	if err != nil {
		return nil, nil, err
	}
	plan, err := NewPlan(spec)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: the recorded sweep: %w", dir, err)
	}
	unlock, err := st.Lock()
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", dir, err)
	}
	defer unlock()
	j, err := st.OpenJournal(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer j.Close()
	if _, err := st.RemoveTemp(ctx); err != nil {
		return nil, nil, err
	}
	how := store.CheckQuick
	if verify {
		how = store.CheckFull
	}
	v, err := st.Rebuild(ctx, j, meta.Plan, plan.constants(), how)
	if err != nil {
		return nil, nil, err
	}
	var frontier []FrontierPoint
	if f := replayFrontier(plan, j); f != nil {
		frontier = f.Results()
	}
	c := store.SummaryCounts{Total: meta.Planned(), Completed: v.Completed, Failed: v.Failed, Means: v.Means}
	if err := st.WriteSummary(c, frontierJSON(frontier), plan.configJSON()); err != nil {
		return nil, nil, err
	}
	if err := st.WriteUsageSummary(); err != nil {
		return nil, nil, err
	}
	unlock()
	// The status from the journal in memory (as the rebuild left it), so
	// that a million runs are not read twice.
	s, err := st.StatusOf(ctx, meta, j, false)
	return s, v, err
}

// replayFrontier runs the frontier search again on the journal's results,
// as far as they go, without executing anything (nil without a frontier).
func replayFrontier(p *Plan, j *store.Journal) *FrontierSearch {
	f := p.Frontier()
	if f == nil {
		return nil
	}
	for !f.Done() {
		probes := f.Next()
		if len(probes) == 0 {
			break
		}
		for _, pt := range probes {
			e, ok := j.LookupKey(p.pointKey(&pt))
			if !ok {
				return f
			}
			switch e.State() {
			case store.Pending:
				return f
			case store.Failed:
				f.Report(pt, nil)
			default:
				rec, err := e.Record()
				if err != nil {
					return f
				}
				f.Report(pt, store.DecimalOrNone(rec.Delta))
			}
		}
	}
	return f
}
