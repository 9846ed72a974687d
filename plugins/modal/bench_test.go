//go:build linux

package modal_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/bilancio-go/bilancio/internal/modalemu"
	"github.com/bilancio-go/bilancio/plugins/local"
	"github.com/bilancio-go/bilancio/plugins/modal"
	"github.com/bilancio-go/bilancio/sdk"
	"github.com/bilancio-go/bilancio/sdk/sdktest"
)

// Issue 11's measurement: a sweep of 2,000 runs of 20-agent rings, 100 runs
// per sandbox, against the emulator with a 2 s cold start per sandbox.
const (
	sweepRuns      = 2000
	sweepAgents    = 20
	sweepChunk     = 100
	sweepColdStart = 2 * time.Second
)

// BenchmarkModalSweep measures issue 11's figure: the 2,000-run batch of
// 20-agent rings through the modal executor (in this process, the real
// Modal Go SDK over gRPC) against internal/modalemu with a 2 s cold start,
// 100 runs per sandbox (20 sandboxes, all at once, 1 CPU each), and the
// same runs on the local executor on this machine. Each reports runs/s,
// ms/run (wall) and cpu-ms/run (user+sys of this process and of the
// sandboxes' processes, which are its children); the overhead per run is
// the difference between the two. The worker is staged before the loop,
// as for every batch of a sweep after its first; every iteration is a new
// experiment, so nothing is collected from the volume instead of run.
func BenchmarkModalSweep(b *testing.B) {
	if testing.Short() {
		b.Skip("2,000 runs per iteration")
	}
	b.Run("local", func(b *testing.B) {
		ex := local.New()
		benchSweep(b, ex, nil, nil)
	})
	b.Run("modal", func(b *testing.B) {
		requireLinuxAMD64(b)
		srv, err := modalemu.Start(context.Background(), modalemu.Options{
			TokenID: testTokenID, TokenSecret: testTokenSecret, Root: emulatorRoot(b), ColdStart: sweepColdStart,
		})
		if err != nil {
			b.Fatalf("starting the emulator: %v", err)
		}
		b.Cleanup(srv.Close)
		for _, kv := range srv.Env(b.TempDir() + "/none.toml") {
			k, v, _ := strings.Cut(kv, "=")
			b.Setenv(k, v)
		}
		ex := modal.New()
		configure(b, ex, map[string]any{"runs_per_sandbox": sweepChunk, "max_parallel": sweepRuns / sweepChunk})
		// Stage the worker (once per executor).
		runBatch(b, ex, sweepBatch(b, "warmup", 1, bins.worker))
		benchSweep(b, ex, bins.worker, srv)
	})
}

// emulatorRoot is where the emulator keeps the volumes and the sandboxes'
// disks: in memory (a folder in /dev/shm) when this host has it, unless
// BILANCIO_BENCH_EMULATOR_ROOT=disk. They stand for Modal's machines: on
// Modal, what a sandbox writes costs this machine nothing, while on a
// disk here every file the workers create would be charged to the modal
// executor (on this shared host's ext4, creating a file costs more than
// simulating a 20-agent ring). The run folders both executors deliver
// (Batch.OutRoot) are on the same disk (b.TempDir()).
func emulatorRoot(b *testing.B) string {
	if os.Getenv("BILANCIO_BENCH_EMULATOR_ROOT") != "disk" {
		if dir, err := os.MkdirTemp("/dev/shm", "modalemu-bench-"); err == nil {
			b.Cleanup(func() { os.RemoveAll(dir) })
			b.Logf("emulator root in memory: %s", dir)
			return dir
		}
	}
	b.Logf("emulator root on disk")
	return b.TempDir()
}

// benchSweep runs the sweep's batch on ex once per iteration and reports
// the rates; with the emulator srv, also the commands run in sandboxes
// (execs) per run.
func benchSweep(b *testing.B, ex sdk.Executor, worker *sdk.WorkerBinary, srv *modalemu.Server) {
	i := 0
	var self, kids time.Duration
	execs0 := 0
	if srv != nil {
		execs0 = srv.CountCalls("TaskExecStart")
	}
	for b.Loop() {
		b.StopTimer()
		batch := sweepBatch(b, fmt.Sprintf("sweep%d", i), sweepRuns, worker)
		i++
		s0, k0 := cpuTime()
		b.StartTimer()
		runBatch(b, ex, batch)
		b.StopTimer()
		s1, k1 := cpuTime()
		self, kids = self+s1-s0, kids+k1-k0
		b.StartTimer()
	}
	runs := float64(b.N * sweepRuns)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / runs }
	b.ReportMetric(runs/b.Elapsed().Seconds(), "runs/s")
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/runs, "ms/run")
	b.ReportMetric(ms(self+kids), "cpu-ms/run")
	// In this process: the executor (and, for modal, the emulator);
	// children: the sandboxes' processes (the workers, and the commands
	// the emulator runs for execs).
	b.ReportMetric(ms(self), "self-cpu-ms/run")
	b.ReportMetric(ms(kids), "child-cpu-ms/run")
	if srv != nil {
		b.ReportMetric(float64(srv.CountCalls("TaskExecStart")-execs0)/runs, "execs/run")
	}
}

// sweepBatch is n runs of 20-agent rings of an experiment.
func sweepBatch(b testing.TB, experiment string, n int, worker *sdk.WorkerBinary) *sdk.Batch {
	batch := &sdk.Batch{ExperimentID: experiment, OutRoot: b.TempDir(), Worker: worker}
	for i := range n {
		batch.Runs = append(batch.Runs, sdk.RunSpec{
			RunID: fmt.Sprintf("ring_%04d", i), ScenarioName: fmt.Sprintf("ring_%04d.yaml", i), Scenario: sdktest.RingScenario(sweepAgents, i),
		})
	}
	return batch
}

// runBatch executes batch on ex and fails the benchmark unless every run
// completed.
func runBatch(b testing.TB, ex sdk.Executor, batch *sdk.Batch) {
	var completed atomic.Int64
	err := ex.Execute(context.Background(), batch, func(ev sdk.RunEvent) error {
		if ev.Type == sdk.EventCompleted {
			completed.Add(1)
		} else if ev.Type.Terminal() {
			return fmt.Errorf("run %s %s: %s", ev.RunID, ev.Type, ev.Message)
		}
		return nil
	})
	if err != nil {
		b.Fatalf("Execute: %v", err)
	}
	if n := completed.Load(); n != int64(len(batch.Runs)) {
		b.Fatalf("%d runs completed, want %d", n, len(batch.Runs))
	}
}

// cpuTime is the user and system time of this process, and of its
// children that ended (the sandboxes' processes).
func cpuTime() (self, kids time.Duration) {
	var s, k syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &s)
	_ = syscall.Getrusage(syscall.RUSAGE_CHILDREN, &k)
	tv := func(t syscall.Timeval) time.Duration { return time.Duration(t.Nano()) }
	return tv(s.Utime) + tv(s.Stime), tv(k.Utime) + tv(k.Stime)
}
