package sweep

import (
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/bilancio-go/bilancio/plugins/local"
	"github.com/bilancio-go/bilancio/sdk"
)

// processCPU is this process's CPU time so far (user + system).
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// overheadSpec is a sweep of 512 5-agent rings (8 kappas × 8
// concentrations × 8 mus), parallel on every core.
func overheadSpec(dir string) *Spec {
	s := millionGrid(8, 8, 8)
	s.ExperimentDir = dir
	return s
}

// BenchmarkRunnerOverhead measures what the runner adds to the executor:
// "sweep" runs a 512-run sweep through Run (planning, ring generation,
// the journal, the run checks, the events — consumed by a view that
// counts them —, the registry and aggregate files), "executor" hands the
// same 512 generated runs to the local executor in one batch. Both report
// runs/s and CPU per run (user + system, this process); the difference is
// the runner's share, which must not grow with the parallelism (the
// journal, the registry and the views are off the workers' path).
func BenchmarkRunnerOverhead(b *testing.B) {
	b.Run("sweep", func(b *testing.B) {
		var events atomic.Int64
		runs := 0
		cpu0 := processCPU()
		for b.Loop() {
			b.StopTimer()
			dir := filepath.Join(b.TempDir(), "exp")
			b.StartTimer()
			sum, err := Run(context.Background(), overheadSpec(dir), Options{Open: inProcess(b), Events: func(Event) { events.Add(1) }})
			if err != nil || sum.Ran != 512 {
				b.Fatalf("%v, %d runs", err, sum.Ran)
			}
			runs += sum.Ran
		}
		b.ReportMetric(float64(runs)/b.Elapsed().Seconds(), "runs/s")
		b.ReportMetric(float64(processCPU()-cpu0)/float64(time.Millisecond)/float64(runs), "cpu-ms/run")
	})
	b.Run("executor", func(b *testing.B) {
		p, err := NewPlan(overheadSpec(""))
		if err != nil {
			b.Fatal(err)
		}
		var specs []sdk.RunSpec
		for pt := range p.Static(context.Background()) {
			run, err := p.Materialize(pt)
			if err != nil {
				b.Fatal(err)
			}
			specs = append(specs, *run.Spec)
		}
		ex := local.New()
		if err := ex.Configure(context.Background(), &sdk.Config{}); err != nil {
			b.Fatal(err)
		}
		var done atomic.Int64
		cpu0 := processCPU()
		for b.Loop() {
			b.StopTimer()
			batch := &sdk.Batch{ExperimentID: "bench", OutRoot: filepath.Join(b.TempDir(), "runs"), Runs: specs}
			b.StartTimer()
			err := sdk.Execute(context.Background(), ex, batch, func(ev sdk.RunEvent) error {
				switch ev.Type {
				case sdk.EventCompleted:
					done.Add(1)
				case sdk.EventFailed, sdk.EventCancelled:
					return fmt.Errorf("%s %s: %s", ev.RunID, ev.Type, ev.Message)
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(done.Load())/b.Elapsed().Seconds(), "runs/s")
		b.ReportMetric(float64(processCPU()-cpu0)/float64(time.Millisecond)/float64(done.Load()), "cpu-ms/run")
	})
}
