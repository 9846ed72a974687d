package sweep

import (
	"context"
	"errors"
	"io/fs"

	"github.com/bilancio-go/bilancio/internal/parallel"
	"github.com/bilancio-go/bilancio/internal/store"
)

// PlanSummary is what `sweep plan` says of a sweep before listing its runs.
type PlanSummary struct {
	ExperimentID string
	Dir          string
	// Exists says the experiment folder is there (a sweep run before).
	Exists bool
	Grid   int
	LHS    int
	// FrontierCells and MaxFrontierProbes describe the adaptive frontier
	// search: its probes are decided by the results of the earlier ones.
	FrontierCells     int
	MaxFrontierProbes int
	SeedMode          string
	Fingerprint       string
}

// PlanEntry is one planned run: its point, its id (empty when the listing
// was asked without ids) and whether it is already done (or failed for good)
// in the experiment folder.
type PlanEntry struct {
	Point
	ID     string
	Done   bool
	Failed bool
}

// PlanListing is the outcome of ListPlan.
type PlanListing struct {
	PlanSummary
	// Runs counts the entries listed; Done and Failed those already done
	// or failed in the experiment folder.
	Runs, Done, Failed int
}

// ListPlan expands a sweep as `sweep run` would, without running anything:
// it reports the plan's shape, then calls yield for every static run in
// order, and for the frontier probes the experiment's results already
// decide. With ids, every run's id is computed: from the experiment's
// journal when it knows the point, else by generating the scenario (a few
// milliseconds a run, on every CPU); without ids nothing is generated and
// only the points are listed. Memory stays flat. A nil yield asks for the
// counts only: a sweep never run is then not expanded at all.
func ListPlan(ctx context.Context, spec *Spec, outDir string, ids bool, summary func(PlanSummary) error, yield func(PlanEntry) error) (*PlanListing, error) {
	if spec != nil && spec.Paired != nil && spec.Arm == nil {
		return listPaired(ctx, spec, outDir, ids, summary, yield)
	}
	p, err := NewPlan(spec)
	if err != nil {
		return nil, err
	}
	dir := ExperimentDir(spec, p, outDir)
	st := &store.Store{Dir: dir, ID: ExperimentID(spec, p)}
	l := &PlanListing{PlanSummary: PlanSummary{
		ExperimentID: st.ID, Dir: dir, Grid: p.GridCount(), LHS: p.LHSCount(),
		FrontierCells: p.FrontierCells(), MaxFrontierProbes: p.MaxFrontierProbes(),
		SeedMode: p.SeedMode(), Fingerprint: p.Fingerprint(),
	}}
	j := store.EmptyJournal()
	if _, err := store.ReadMeta(dir); err == nil {
		l.Exists = true
		if j, err = st.ReadJournal(ctx); err != nil {
			return nil, err
		}
		defer j.Close()
	} else if !errors.Is(err, store.ErrNoExperiment) && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if summary != nil {
		if err := summary(l.PlanSummary); err != nil {
			return nil, err
		}
	}
	entryOf := func(pt Point) (PlanEntry, error) {
		pe := PlanEntry{Point: pt}
		e, known := j.LookupKey(p.pointKey(&pt))
		if known {
			pe.ID = e.ID()
		} else if ids {
			run, err := p.Materialize(pt)
			if err != nil {
				return pe, err
			}
			pe.ID = run.ID
		}
		if pe.ID == "" {
			return pe, nil
		}
		if !l.Exists {
			return pe, nil
		}
		// As sweep status: a run the journal calls done counts while its
		// manifest is there; one it does not know is verified in full.
		has := st.HasManifest(pe.ID)
		switch {
		case known && e.State() == store.Done:
			pe.Done = has
		case has:
			_, err := st.CheckRun(pe.ID, store.Known{}, store.CheckFull)
			pe.Done = err == nil
		}
		pe.Failed = !pe.Done && known && e.State() == store.Failed
		return pe, nil
	}
	emit := func(pe PlanEntry) error {
		l.Runs++
		if pe.Done {
			l.Done++
		}
		if pe.Failed {
			l.Failed++
		}
		if yield == nil {
			return nil
		}
		return yield(pe)
	}
	const chunk = 1024
	pts := make([]Point, 0, chunk)
	flush := func() error {
		entries := make([]PlanEntry, len(pts))
		errs := make([]error, len(pts))
		if err := ctx.Err(); err != nil {
			return err
		}
		err := parallel.Ordered(ctx, len(pts), func(i int) PlanEntry {
			pe, err := entryOf(pts[i])
			errs[i] = err
			return pe
		}, func(i int, pe PlanEntry) { entries[i] = pe })
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			return err
		}
		for i, pe := range entries {
			if errs[i] != nil {
				return errs[i]
			}
			if err := emit(pe); err != nil {
				return err
			}
		}
		pts = pts[:0]
		return nil
	}
	if !ids && !l.Exists && yield == nil {
		// Nothing is known of the runs and nothing is to be listed: the
		// counts are the plan's.
		l.Runs = p.StaticCount()
		return l, nil
	}
	for pt := range p.Static(ctx) {
		pts = append(pts, pt)
		if len(pts) == chunk {
			if err := flush(); err != nil {
				return l, err
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return l, err
	}
	if err := flush(); err != nil {
		return l, err
	}
	if f := p.Frontier(); f != nil && l.Exists {
		for !f.Done() {
			probes := f.Next()
			stop := len(probes) == 0
			for _, pt := range probes {
				e, ok := j.LookupKey(p.pointKey(&pt))
				if !ok {
					stop = true
					continue
				}
				pe, err := entryOf(pt)
				if err != nil {
					return l, err
				}
				if err := emit(pe); err != nil {
					return l, err
				}
				switch {
				case pe.Done:
					rec, err := e.Record()
					if err != nil {
						return l, err
					}
					f.Report(pt, store.DecimalOrNone(rec.Delta))
				case pe.Failed:
					f.Report(pt, nil)
				default:
					stop = true
				}
			}
			if stop {
				break
			}
		}
	}
	return l, nil
}

// listPaired lists a paired sweep's runs: its first arm's, then its
// second's, each against its arm folder.
func listPaired(ctx context.Context, spec *Spec, outDir string, ids bool, summary func(PlanSummary) error, yield func(PlanEntry) error) (*PlanListing, error) {
	p, err := NewPlan(spec)
	if err != nil {
		return nil, err
	}
	dir, arms, err := ArmSpecs(spec, outDir)
	if err != nil {
		return nil, err
	}
	l := &PlanListing{PlanSummary: PlanSummary{
		ExperimentID: PairedExperimentID(spec, p), Dir: dir, Grid: p.StaticCount(),
		SeedMode: p.SeedMode(), Fingerprint: p.Fingerprint(),
	}}
	if _, err := ReadPairedMeta(dir); err == nil {
		l.Exists = true
	}
	if summary != nil {
		if err := summary(l.PlanSummary); err != nil {
			return nil, err
		}
	}
	for _, a := range arms {
		al, err := ListPlan(ctx, a, "", ids, nil, yield)
		if err != nil {
			return l, err
		}
		l.Runs += al.Runs
		l.Done += al.Done
		l.Failed += al.Failed
	}
	return l, nil
}
