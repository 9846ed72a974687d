package sweep

import (
	"context"
	"fmt"
	"time"

	"github.com/bilancio-go/bilancio/internal/usage"
)

// Status is the state of an experiment folder.
type Status struct {
	ExperimentID string
	Dir          string
	// Running says another bilancio process holds the experiment's lock.
	Running bool
	// Planned is the number of runs of the plan known so far (Adaptive:
	// the frontier search has not ended, more may come).
	Planned  int
	Adaptive bool
	// Done, Failed and Pending count the runs of the plan.
	Done, Failed, Pending int
	// Other counts the runs in the folder that an earlier version of the
	// sweep asked for and the current plan does not hold.
	Other int
	// PhiMean and DeltaMean are the means of the done runs' phi_total and
	// delta_total (Python float means; nil without values); Cleared counts
	// the done runs with delta_total = 0.
	PhiMean, DeltaMean *float64
	Cleared            int
	// Failures are the failed runs (at most MaxFailures of them).
	Failures []Failure
	Updated  time.Time
}

// Failure is a run that failed for good.
type Failure struct {
	RunID    string
	Attempts int
	Error    string
}

// MaxFailures bounds Status.Failures.
const MaxFailures = 20

// ReadStatus reports what an experiment folder holds. It reads
// experiment.json and the journal and checks that every run the journal
// calls done still has its manifest; with verify, every done run's files are
// checked against their checksums as well (slow on large experiments).
func ReadStatus(ctx context.Context, dir string, verify bool) (*Status, error) {
	st, meta, err := OpenStore(dir)
	if err != nil {
		return nil, err
	}
	if _, err := NewPlan(meta.Spec); err != nil {
		return nil, fmt.Errorf("%s: the recorded sweep: %w", dir, err)
	}
	ix, err := st.readJournal()
	if err != nil {
		return nil, err
	}
	s := &Status{ExperimentID: st.ID, Dir: dir, Running: st.Locked(), Updated: meta.Updated, Adaptive: !meta.FrontierDone}
	entries := ix.inPlan(meta.Plan)
	s.Other = len(ix.byID) - len(entries)
	frontierRuns := 0
	var means outcomeMeans
	err = orderedEach(ctx, len(entries), func(i int) runState {
		e := entries[i]
		switch {
		case e.state == stateDone && verify:
			if _, ok := st.checkRun(e.Run, ""); ok {
				return stateDone
			}
			return statePending
		case e.state == stateDone:
			if st.hasManifest(e.Run) {
				return stateDone
			}
			return statePending
		case e.state == statePending && e.Exec && st.hasManifest(e.Run):
			// Completed after the journal's last word (a killed sweep).
			if _, ok := st.checkRun(e.Run, ""); ok {
				return stateDone
			}
		}
		return e.state
	}, func(i int, state runState) {
		e := entries[i]
		if e.Phase == PhaseFrontier {
			frontierRuns++
		}
		switch state {
		case stateDone:
			s.Done++
			means.add(e.phi, e.delta)
		case stateFailed:
			s.Failed++
			if len(s.Failures) < MaxFailures {
				s.Failures = append(s.Failures, Failure{RunID: e.Run, Attempts: e.attempts, Error: e.err})
			}
		}
	})
	if err != nil {
		return nil, err
	}
	s.Planned = meta.Static + max(frontierRuns, meta.FrontierProbes)
	s.Pending = max(s.Planned-s.Done-s.Failed, 0)
	s.PhiMean, s.DeltaMean = means.means()
	s.Cleared = means.cleared
	return s, nil
}

// Aggregate rebuilds an experiment's registry and aggregate files from its
// runs (bilancio's `aggregate_runs`) and its usage summary from usage.csv,
// taking the experiment's lock.
func Aggregate(ctx context.Context, dir string) (*Status, error) {
	st, meta, err := OpenStore(dir)
	if err != nil {
		return nil, err
	}
	plan, err := NewPlan(meta.Spec)
	if err != nil {
		return nil, fmt.Errorf("%s: the recorded sweep: %w", dir, err)
	}
	unlock, err := st.Lock()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	defer unlock()
	ix, err := st.readJournal()
	if err != nil {
		return nil, err
	}
	v, err := st.rebuildViews(ctx, plan, ix)
	if err != nil {
		return nil, err
	}
	if len(v.Recovered) > 0 {
		j, err := st.openJournal()
		if err != nil {
			return nil, err
		}
		for _, e := range v.Recovered {
			if d, ok := st.checkRun(e.Run, ""); ok {
				rec := doneRecord(e.Run, d)
				if err := j.append(rec); err != nil {
					j.close()
					return nil, err
				}
				ix.apply(&rec)
			}
		}
		if err := j.close(); err != nil {
			return nil, fmt.Errorf("closing the journal: %w", err)
		}
	}
	var frontier []FrontierPoint
	if f := replayFrontier(plan, ix); f != nil {
		frontier = f.Results()
	}
	total := meta.Static + meta.FrontierProbes
	if err := st.writeSummaryJSON(plan, v, total, frontier); err != nil {
		return nil, err
	}
	if err := usage.WriteSummary(st.Dir, st.ID); err != nil {
		return nil, err
	}
	unlock()
	return ReadStatus(ctx, dir, false)
}

// replayFrontier runs the frontier search again on the journal's results,
// as far as they go, without executing anything (nil without a frontier).
func replayFrontier(p *Plan, ix *journalIndex) *FrontierSearch {
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
			e := ix.byKey[p.pointKey(&pt)]
			switch {
			case e == nil || e.state == statePending:
				return f
			case e.state == stateFailed:
				f.Report(pt, nil)
			default:
				f.Report(pt, decimalOrNone(e.delta))
			}
		}
	}
	return f
}
