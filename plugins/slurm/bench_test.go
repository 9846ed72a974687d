//go:build unix

package slurm_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/bilancio-go/bilancio/internal/pynum"
	"github.com/bilancio-go/bilancio/internal/ring"
	"github.com/bilancio-go/bilancio/plugins/local"
	"github.com/bilancio-go/bilancio/plugins/slurm"
	"github.com/bilancio-go/bilancio/sdk"
)

// ringRuns returns n 20-agent Kalecki rings as the example sweeps generate
// them (maturity 10 days, uniform liquidity, expel-agent), each with a seed
// of its own.
func ringRuns(b *testing.B, n int) []sdk.RunSpec {
	b.Helper()
	runs := make([]sdk.RunSpec, n)
	for i := range runs {
		g, err := ring.Generate(ring.Params{
			NAgents: 20, Seed: int64(1000 + i), Kappa: new(pynum.Dec(int64(1+i%4), 0)), QTotal: new(pynum.Dec(500, 0)),
			Liquidity: ring.Uniform, Concentration: new(pynum.Dec(1, 0)), MaturityDays: 10, Mu: new(pynum.Dec(int64(i%2), 0)),
			DefaultHandling: "expel-agent",
		})
		if err != nil {
			b.Fatal(err)
		}
		id := fmt.Sprintf("bench_%04d", i)
		runs[i] = sdk.RunSpec{RunID: id, ScenarioName: id + ".yaml", Scenario: g.YAML}
	}
	return runs
}

// cpuTime is the CPU time (user + system) of this process and of its
// children that have ended (for the executor: the squeue and sbatch calls).
func cpuTime() time.Duration {
	var self, kids syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &self)
	syscall.Getrusage(syscall.RUSAGE_CHILDREN, &kids)
	tv := func(t syscall.Timeval) time.Duration { return time.Duration(t.Nano()) }
	return tv(self.Utime) + tv(self.Stime) + tv(kids.Utime) + tv(kids.Stime)
}

// executeAll runs a batch to its end and checks that every run completed.
func executeAll(b *testing.B, ex sdk.Executor, batch *sdk.Batch) {
	completed := 0
	err := ex.Execute(b.Context(), batch, func(ev sdk.RunEvent) error {
		switch ev.Type {
		case sdk.EventCompleted:
			completed++
		case sdk.EventFailed, sdk.EventCancelled:
			b.Errorf("run %s: %s %s", ev.RunID, ev.Type, ev.Message)
		}
		return nil
	})
	if err != nil || completed != len(batch.Runs) {
		b.Fatalf("Execute: %v (%d of %d runs completed)", err, completed, len(batch.Runs))
	}
}

// BenchmarkOverhead measures the Slurm executor on the local Slurm against
// the local executor, on the same batches of 20-agent rings: 100 runs per
// array task, two tasks at once (the node has two CPUs), and the local
// executor two runs at once. Each iteration executes a fresh batch on both;
// the time per op is the Slurm batch's. Metrics: runs/s of each, the
// overhead per run (Slurm's time less the local one's, per run), and the
// CPU of the process driving each executor per run (for Slurm: the
// executor and its squeue/sbatch calls, the orchestration a login node
// pays; the workers' CPU is on the compute node; for local: the
// simulations themselves).
//
//	go test -run '^$' -bench Overhead -benchtime 3x -count 5 ./plugins/slurm/
func BenchmarkOverhead(b *testing.B) {
	if err := slurmCheck(); err != nil {
		b.Skipf("no working Slurm on this machine (%v): `make slurm-up` starts one", err)
	}
	for _, tasks := range []int{2, 4} {
		n := 100 * tasks
		b.Run(fmt.Sprintf("runs=%d", n), func(b *testing.B) {
			runs := ringRuns(b, n)
			// The executor's info lines (one per submission) would cut
			// the benchmark's result lines.
			b.Setenv(sdk.LogPluginEnv, "warn")
			sl := slurm.New()
			cfg, _ := json.Marshal(map[string]any{"runs_per_task": 100, "poll_interval": 0.5, "time_limit": "10", "scratch_dir": b.TempDir()})
			if err := sl.Configure(b.Context(), &sdk.Config{JSON: cfg}); err != nil {
				b.Fatal(err)
			}
			lo := local.New()
			if err := lo.Configure(b.Context(), &sdk.Config{JSON: []byte(`{"parallel": 2}`)}); err != nil {
				b.Fatal(err)
			}
			var slurmWall, localWall, slurmCPU, localCPU time.Duration
			b.ResetTimer()
			for i := range b.N {
				b.StopTimer()
				exp := fmt.Sprintf("bench_%d_%d_%d", n, i, time.Now().UnixNano())
				root := b.TempDir()
				lb := &sdk.Batch{ExperimentID: exp + "_local", OutRoot: filepath.Join(root, "local", "runs"), Parallel: 2, Runs: runs}
				c0, t0 := cpuTime(), time.Now()
				executeAll(b, lo, lb)
				localWall += time.Since(t0)
				localCPU += cpuTime() - c0
				sb := &sdk.Batch{ExperimentID: exp, OutRoot: filepath.Join(root, "slurm", "runs"), Parallel: 2, Runs: runs, Worker: bins.worker}
				b.StartTimer()
				c0, t0 = cpuTime(), time.Now()
				executeAll(b, sl, sb)
				slurmWall += time.Since(t0)
				slurmCPU += cpuTime() - c0
			}
			total := float64(n * b.N)
			b.ReportMetric(total/slurmWall.Seconds(), "slurm-runs/s")
			b.ReportMetric(total/localWall.Seconds(), "local-runs/s")
			b.ReportMetric(float64((slurmWall-localWall).Microseconds())/1000/total, "overhead-ms/run")
			b.ReportMetric(float64(slurmCPU.Microseconds())/1000/total, "slurm-host-cpu-ms/run")
			b.ReportMetric(float64(localCPU.Microseconds())/1000/total, "local-cpu-ms/run")
		})
	}
}
