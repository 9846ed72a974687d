package sweep

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/bilancio-go/bilancio/sdk"
)

// DefaultPilotRuns is how many of a sweep's runs a pilot times.
const DefaultPilotRuns = 3

// Estimate is the price of a sweep on an executor, from a pilot.
type Estimate struct {
	// Runs is the number of runs planned: the static ones plus, for a
	// frontier search, its largest possible number of probes.
	Runs int `json:"runs"`
	// PilotRuns is how many runs the pilot timed, SecondsPerRun their mean
	// duration here.
	PilotRuns     int     `json:"pilot_runs"`
	SecondsPerRun float64 `json:"seconds_per_run"`
	// Seconds is the executor's expected wall-clock time for the sweep,
	// Cost its price in Currency, and Detail the executor's account of it
	// (for Modal: sandboxes and sandbox-seconds billed).
	Seconds  float64 `json:"seconds"`
	Cost     float64 `json:"cost"`
	Currency string  `json:"currency"`
	Detail   string  `json:"detail,omitempty"`
}

// PlannedRuns counts the runs spec may make: its static runs plus the
// largest number of frontier probes.
func PlannedRuns(spec *Spec) (int, error) {
	p, err := NewPlan(spec)
	if err != nil {
		return 0, err
	}
	return p.Runs(), nil
}

// Pilot runs the first n static runs of spec (no frontier search) on the
// executor open starts, normally the local one in process, into the
// experiment folder dir, one at a time, and returns their mean duration in
// seconds and how many ran.
func Pilot(ctx context.Context, spec *Spec, n int, dir string, open ExecutorOpener) (float64, int, error) {
	if n < 1 {
		return 0, 0, errors.New("pilot: at least one run is needed")
	}
	pilot := *spec
	pilot.Frontier = nil
	pilot.ExperimentDir, pilot.OutDir = dir, ""
	pilot.Parallel, pilot.Retries, pilot.FailFast = 1, 0, true
	start := time.Now()
	// A paired sweep's arms run at the same time, so the wall time per run
	// can be half a run's time: the runs' own durations count too.
	var mu sync.Mutex
	var busy time.Duration
	sum, err := Run(ctx, &pilot, Options{
		Open:     open,
		Executor: "pilot",
		Select:   func(pt *Point) bool { return pt.Index < n },
		Events: func(ev Event) {
			if ev.Type == EventRunFinished && ev.Run != nil {
				mu.Lock()
				busy += ev.Run.Duration
				mu.Unlock()
			}
		},
	})
	if err != nil {
		return 0, 0, fmt.Errorf("pilot: %w", err)
	}
	if sum.Ran == 0 {
		return 0, 0, errors.New("pilot: the sweep has no static runs to time")
	}
	if sum.Status != StatusCompleted {
		return 0, sum.Ran, fmt.Errorf("pilot: %s", sum.Status)
	}
	mu.Lock()
	defer mu.Unlock()
	return pilotSeconds(time.Since(start), busy, sum.Ran), sum.Ran, nil
}

// EstimateSweep prices a sweep: it times a pilot of its first pilotRuns
// runs on the executor pilot starts (normally the local one, in process)
// in a temporary folder, removed after, and asks the executor price starts
// for the price of every planned run at that duration.
func EstimateSweep(ctx context.Context, spec *Spec, pilotRuns int, pilot, price ExecutorOpener) (*Estimate, error) {
	runs, err := PlannedRuns(spec)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "bilancio-pilot-")
	if err != nil {
		return nil, fmt.Errorf("pilot: %w", err)
	}
	defer os.RemoveAll(dir)
	perRun, ran, err := Pilot(ctx, spec, pilotRuns, dir, pilot)
	if err != nil {
		return nil, err
	}
	ex, closeFn, err := price(ctx)
	if err != nil {
		return nil, err
	}
	defer closeFn()
	return Price(ctx, ex, runs, ran, perRun)
}

// Price asks ex for the price of runs runs of secondsPerRun each.
func Price(ctx context.Context, ex sdk.Executor, runs, pilotRuns int, secondsPerRun float64) (*Estimate, error) {
	rep, err := ex.Estimate(ctx, &sdk.EstimateRequest{Runs: runs, SecondsPerRun: secondsPerRun})
	if err != nil {
		return nil, fmt.Errorf("estimating the cost: %w", err)
	}
	return &Estimate{
		Runs: runs, PilotRuns: pilotRuns, SecondsPerRun: secondsPerRun,
		Seconds: rep.Seconds, Cost: rep.Cost, Currency: rep.Currency, Detail: rep.Detail,
	}, nil
}

// pilotSeconds is the seconds per run of a pilot that ran runs runs in wall
// time, busy being the sum of their own durations: the wall time per run,
// unless runs overlapped (a paired sweep's arms), when their own durations
// say more.
func pilotSeconds(wall, busy time.Duration, runs int) float64 {
	return max(wall.Seconds(), busy.Seconds()) / float64(runs)
}
