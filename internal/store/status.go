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
// experiment.json and the journal (see StatusOf).
func ReadStatus(ctx context.Context, dir string, verify bool) (*Status, error) {
	st, meta, err := Open(dir)
	if err != nil {
		return nil, err
	}
	j, err := st.ReadJournal(ctx)
	if err != nil {
		return nil, err
	}
	defer j.Close()
	return st.StatusOf(ctx, meta, j, verify)
}

// StatusOf reports what the experiment holds, from its experiment.json
// and its journal, and checks that every run the journal calls done still
// has its manifest; with verify, every done run's files are hashed against
// their checksums as well (slow on large experiments). Runs the journal
// calls done whose folders do not pass are named, and counted pending.
func (st *Store) StatusOf(ctx context.Context, meta *Meta, j *Journal, verify bool) (*Status, error) {
	s := &Status{ExperimentID: st.ID, Dir: st.Dir, Running: st.Locked(), Updated: meta.Updated, Adaptive: !meta.FrontierDone}
	entries := j.InPlan(meta.Plan)
	s.Other = j.Len() - entries.Len()
	// hasManifest stats <run>/manifest.json relative to the open runs
	// folder, allocating little (a million runs are a million of these).
	runs := openFolder(st.RunsDir())
	defer runs.close()
	suffix := "/" + runfolder.ManifestFile
	hasManifest := func(id string) bool { return runs.exists(id + suffix) }
	frontierRuns := 0
	var means Means
	type state struct {
		s      State
		damage string
	}
	err := parallel.Ordered(ctx, entries.Len(), func(i int) state {
		e, ix := entries.At(i).get()
		id := j.idOf(&e, ix)
		switch {
		case e.state == Done && verify:
			if _, err := st.CheckRun(id, Known{}, CheckFull); err != nil {
				return state{Pending, DamageReason(err)}
			}
			return state{s: Done}
		case e.state == Done:
			if hasManifest(id) {
				return state{s: Done}
			}
			return state{Pending, runfolder.ManifestFile + " is missing"}
		case e.state == Pending && e.flags&fExec != 0 && hasManifest(id):
			// Completed after the journal's last word (a killed sweep).
			if _, err := st.CheckRun(id, Known{}, CheckFull); err == nil {
				return state{s: Done}
			}
			return state{s: Pending}
		default:
			return state{s: e.state}
		}
	}, func(i int, r state) {
		en := entries.At(i)
		e, _ := en.get()
		if j.phase(&e) == PhaseFrontier {
			frontierRuns++
		}
		if r.damage != "" {
			s.Damaged++
			if len(s.DamagedRuns) < MaxNamed {
				s.DamagedRuns = append(s.DamagedRuns, Damage{RunID: en.ID(), Reason: r.damage})
			}
		}
		switch r.s {
		case Done:
			s.Done++
			means.AddOutcome(en.Outcome())
		case Failed:
			s.Failed++
			if len(s.Failures) < MaxFailures {
				rec, err := en.Record()
				if err != nil {
					rec.Error = err.Error()
				}
				s.Failures = append(s.Failures, Failure{RunID: en.ID(), Attempts: rec.Attempts, Error: rec.Error})
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
