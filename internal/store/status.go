package store

import (
	"context"
	"fmt"
	"time"

	"github.com/bilancio-go/bilancio/internal/parallel"
	"github.com/bilancio-go/bilancio/sdk/runfolder"
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
	// Damaged counts the runs the journal calls done whose folder does not
	// verify (they count as pending); DamagedRuns names them (at most
	// MaxNamed).
	Damaged     int
	DamagedRuns []Damage
	Updated     time.Time
}

// Failure is a run that failed for good.
type Failure struct {
	RunID    string
	Attempts int
	Error    string
}

// MaxFailures bounds Status.Failures.
const MaxFailures = 20

// PhaseFrontier is the phase of frontier probes, whose number is not
// known in advance.
const PhaseFrontier = "frontier"

// ReadStatus reports what an experiment folder holds. It reads
// experiment.json and the journal and checks that every run the journal
// calls done still has its manifest; with verify, every done run's files
// are hashed against their checksums as well (slow on large experiments).
// Runs the journal calls done whose folders do not pass are named, and
// counted pending.
func ReadStatus(ctx context.Context, dir string, verify bool) (*Status, error) {
	st, meta, err := Open(dir)
	if err != nil {
		return nil, err
	}
	j, err := st.ReadJournal()
	if err != nil {
		return nil, err
	}
	defer j.Close()
	s := &Status{ExperimentID: st.ID, Dir: dir, Running: st.Locked(), Updated: meta.Updated, Adaptive: !meta.FrontierDone}
	entries := j.InPlan(meta.Plan)
	s.Other = j.Len() - len(entries)
	frontierRuns := 0
	var means Means
	type state struct {
		s      State
		damage string
	}
	err = parallel.Ordered(ctx, len(entries), func(i int) state {
		e := entries[i]
		switch es := e.State(); {
		case es == Done && verify:
			rec, err := e.Record()
			if err != nil {
				return state{Pending, err.Error()}
			}
			if _, err := st.CheckRun(rec.Run, Known{}, CheckFull); err != nil {
				return state{Pending, DamageReason(err)}
			}
			return state{s: Done}
		case es == Done:
			if st.HasManifest(e.ID()) {
				return state{s: Done}
			}
			return state{Pending, runfolder.ManifestFile + " is missing"}
		case es == Pending && e.Exec():
			// Completed after the journal's last word (a killed sweep).
			if _, err := st.CheckRun(e.ID(), Known{}, CheckFull); err == nil {
				return state{s: Done}
			}
			return state{s: Pending}
		default:
			return state{s: es}
		}
	}, func(i int, r state) {
		e := entries[i]
		if e.Phase() == PhaseFrontier {
			frontierRuns++
		}
		if r.damage != "" {
			s.Damaged++
			if len(s.DamagedRuns) < MaxNamed {
				s.DamagedRuns = append(s.DamagedRuns, Damage{RunID: e.ID(), Reason: r.damage})
			}
		}
		switch r.s {
		case Done:
			s.Done++
			means.AddOutcome(e.Outcome())
		case Failed:
			s.Failed++
			if len(s.Failures) < MaxFailures {
				rec, err := e.Record()
				if err != nil {
					rec.Error = err.Error()
				}
				s.Failures = append(s.Failures, Failure{RunID: e.ID(), Attempts: rec.Attempts, Error: rec.Error})
			}
		}
	})
	if err != nil {
		return nil, fmt.Errorf("reading the status: %w", err)
	}
	s.Planned = meta.Static + max(frontierRuns, meta.FrontierProbes)
	s.Pending = max(s.Planned-s.Done-s.Failed, 0)
	s.PhiMean, s.DeltaMean = means.Values()
	s.Cleared = means.Cleared
	return s, nil
}
