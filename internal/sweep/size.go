package sweep

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/bilancio-go/bilancio/sdk"
)

// DefaultConfirmAbove is how many runs a sweep may plan before it needs a
// confirmation (or -yes) to start: a sweep that large runs for hours to
// days, and a typo in a count should not start it unasked.
const DefaultConfirmAbove = 1_000_000

// Runs is the most runs the plan can make: its static runs and every
// frontier probe it may ask for (math.MaxInt when that overflows).
func (p *Plan) Runs() int { return satAdd(p.StaticCount(), p.MaxFrontierProbes()) }

// satAdd and satMul are + and × of non-negative ints, stuck at math.MaxInt.
func satAdd(a, b int) int {
	if a > math.MaxInt-b {
		return math.MaxInt
	}
	return a + b
}

func satMul(a, b int) int {
	if a != 0 && b > math.MaxInt/a {
		return math.MaxInt
	}
	return a * b
}

// TimeSample runs one of the plan's runs (its sample point) on the executor
// open starts, in a temporary folder, and returns how long it took: the
// basis of "roughly how long" before a large sweep starts. The run is made
// twice and the faster time kept (the first pays for warming up). Nothing
// is kept.
func (p *Plan) TimeSample(ctx context.Context, open ExecutorOpener) (time.Duration, error) {
	run, err := p.Materialize(p.samplePoint())
	if err != nil {
		return 0, err
	}
	dir, err := os.MkdirTemp("", "bilancio-timing-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	ex, closeFn, err := open(ctx)
	if err != nil {
		return 0, err
	}
	defer closeFn()
	best := time.Duration(0)
	for i := range 2 {
		var failed error
		batch := &sdk.Batch{ExperimentID: "timing", OutRoot: filepath.Join(dir, strconv.Itoa(i)), Parallel: 1, Runs: []sdk.RunSpec{*run.Spec}}
		start := time.Now()
		err = ex.Execute(ctx, batch, func(ev sdk.RunEvent) error {
			if ev.Type == sdk.EventFailed {
				failed = errors.New(ev.Message)
			}
			return nil
		})
		took := time.Since(start)
		if err == nil {
			err = failed
		}
		if err != nil {
			return 0, fmt.Errorf("timing a run: %w", err)
		}
		if best == 0 || took < best {
			best = took
		}
	}
	return best, nil
}

// SizeNotice says how large a sweep is and roughly how long it takes, for
// the confirmation a sweep of more than the confirmation limit needs: runs
// runs, perRun each (0: not measured), on cores cores here.
func SizeNotice(runs, limit int, perRun time.Duration, cores int) string {
	s := fmt.Sprintf("This sweep plans %s runs, more than the %s that start without confirmation.", groupDigits(runs), groupDigits(limit))
	if perRun > 0 {
		cpu := time.Duration(float64(perRun) * float64(runs))
		if float64(perRun)*float64(runs) > math.MaxInt64 {
			cpu = time.Duration(math.MaxInt64)
		}
		s += fmt.Sprintf(" A run of it took %s here: about %s of computing, %s on this machine's %d cores.",
			roundDuration(perRun), roughDuration(cpu), roughDuration(cpu/time.Duration(max(cores, 1))), cores)
	}
	return s
}

// groupDigits writes n with thousands separators (1,000,000).
func groupDigits(n int) string {
	s := fmt.Sprint(n)
	out := make([]byte, 0, len(s)+len(s)/3)
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}

// roundDuration rounds a run's duration for reading.
func roundDuration(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}

// roughDuration says a long duration in its largest sensible unit.
func roughDuration(d time.Duration) string {
	const day = 24 * time.Hour
	switch {
	case d >= 2*365*day:
		return fmt.Sprintf("%.0f years", d.Hours()/24/365)
	case d >= 2*day:
		return fmt.Sprintf("%.0f days", d.Hours()/24)
	case d >= 2*time.Hour:
		return fmt.Sprintf("%.0f hours", d.Hours())
	case d >= 2*time.Minute:
		return fmt.Sprintf("%.0f minutes", d.Minutes())
	}
	return fmt.Sprintf("%.0f seconds", max(d.Seconds(), 1))
}
