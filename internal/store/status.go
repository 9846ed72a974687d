package store

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

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
//
// The folders are looked at on every CPU, a stretch of runs each, straight
// from the index (a million runs are a million stats of a manifest: most
// of a status); the counts and means are then taken in plan order.
func (st *Store) StatusOf(ctx context.Context, meta *Meta, j *Journal, verify bool) (*Status, error) {
	s := &Status{ExperimentID: st.ID, Dir: st.Dir, Running: st.Locked(), Updated: meta.Updated, Adaptive: !meta.FrontierDone}
	entries := j.InPlan(meta.Plan)
	s.Other = j.Len() - entries.Len()
	found, damage, err := st.lookAtRuns(ctx, j, entries, verify)
	if err != nil {
		return nil, fmt.Errorf("reading the status: %w", err)
	}
	frontierRuns := 0
	var means Means
	var failed []Entry
	j.mu.RLock()
	ix := j.ix
	frontier, hasFrontier := ix.phaseNum[PhaseFrontier]
	for i, n := range entries.idx {
		e := ix.at(n)
		if hasFrontier && e.phase == frontier {
			frontierRuns++
		}
		state := e.state
		switch found[i] {
		case runDamaged:
			state = Pending
			s.Damaged++
			if len(s.DamagedRuns) < MaxNamed {
				reason := damage[i]
				if reason == "" {
					reason = runfolder.ManifestFile + " is missing"
				}
				s.DamagedRuns = append(s.DamagedRuns, Damage{RunID: ix.idOf(e), Reason: reason})
			}
		case runComplete:
			state = Done
		}
		switch state {
		case Done:
			s.Done++
			if found[i] == runComplete {
				// Completed after the journal's last word: its values
				// are not in the journal.
				break
			}
			means.AddOutcome(Outcome{Phi: e.phi, Delta: e.delta, HasPhi: e.flags&fPhi != 0, HasDel: e.flags&fDelta != 0, Cleared: e.flags&fCleared != 0})
		case Failed:
			s.Failed++
			if len(failed) < MaxFailures {
				failed = append(failed, Entry{j, n})
			}
		}
	}
	j.mu.RUnlock()
	for _, en := range failed {
		rec, err := en.Record()
		if err != nil {
			rec.Error = err.Error()
		}
		s.Failures = append(s.Failures, Failure{RunID: en.ID(), Attempts: rec.Attempts, Error: rec.Error})
	}
	s.Planned = meta.Static + max(frontierRuns, meta.FrontierProbes)
	s.Pending = max(s.Planned-s.Done-s.Failed, 0)
	s.PhiMean, s.DeltaMean = means.Values()
	s.Cleared = means.Cleared
	return s, nil
}

// What lookAtRuns found of a run's folder.
const (
	// runDamaged: the journal calls it done, its folder does not pass.
	runDamaged uint8 = 1 + iota
	// runComplete: the journal does not call it done (it was handed to an
	// executor), its folder verifies in full.
	runComplete
)

// lookAtRuns checks the folders of entries on every CPU, a stretch of
// runs each: that each run the journal calls done has its manifest (with
// verify: that its files verify), and whether a run handed to an executor
// that the journal does not call done completed after all. It returns what
// it found of each (see runDamaged, runComplete) and the reasons of the
// damaged runs that verify found.
func (st *Store) lookAtRuns(ctx context.Context, j *Journal, entries Entries, verify bool) ([]uint8, map[int]string, error) {
	found := make([]uint8, entries.Len())
	damage := map[int]string{}
	var mu sync.Mutex
	runs := openFolder(st.RunsDir())
	defer runs.close()
	j.mu.RLock()
	defer j.mu.RUnlock()
	ix := j.ix
	const stretch = 4096
	var next atomic.Int64
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			name := make([]byte, 0, 64)
			for {
				lo := int(next.Add(stretch)) - stretch
				if lo >= len(found) || ctx.Err() != nil {
					return
				}
				for i := lo; i < min(lo+stretch, len(found)); i++ {
					e := ix.at(entries.idx[i])
					check := e.state == Done || e.state == Pending && e.flags&fExec != 0
					if !check {
						continue
					}
					if e.state == Done && verify {
						if _, err := st.CheckRun(ix.idOf(e), Known{}, CheckFull); err != nil {
							found[i] = runDamaged
							mu.Lock()
							damage[i] = DamageReason(err)
							mu.Unlock()
						}
						continue
					}
					// <id>/manifest.json, relative to the open runs
					// folder, without allocating.
					name = append(ix.appendID(name[:0], e), '/')
					name = append(name, runfolder.ManifestFile...)
					has := runs.exists(unsafe.String(&name[0], len(name)))
					switch {
					case e.state == Done:
						if !has {
							found[i] = runDamaged
						}
					case has:
						// Completed after the journal's last word (a
						// killed sweep).
						if _, err := st.CheckRun(ix.idOf(e), Known{}, CheckFull); err == nil {
							found[i] = runComplete
						}
					}
				}
			}
		})
	}
	wg.Wait()
	return found, damage, ctx.Err()
}
