package local_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bilancio-go/bilancio/internal/runner"
	"github.com/bilancio-go/bilancio/plugins/local"
	"github.com/bilancio-go/bilancio/sdk"
	"github.com/bilancio-go/bilancio/sdk/sdktest"
)

// benchRuns is the size of the benchmark batch.
const benchRuns = 1000

// benchRing is a Kalecki ring of n households: the central bank mints cash
// to each, and each owes the next one a payable, the due days spread over
// ten days. variant shifts the amounts and due days, so that every run of a
// batch is a different run.
func benchRing(n, variant int) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "version: 1\nname: bench ring %d\nagents:\n  - {id: CB, kind: central_bank, name: Central Bank}\n", variant)
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "  - {id: H%d, kind: household, name: Household %d}\n", i, i)
	}
	b.WriteString("initial_actions:\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "  - mint_cash: {to: H%d, amount: %d}\n", i, 20+(i*7+variant)%60)
	}
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "  - create_payable: {from: H%d, to: H%d, amount: %d, due_day: %d}\n", i, i%n+1, 30+(i*13+variant)%50, 1+(i+variant)%10)
	}
	b.WriteString("run:\n  mode: until_stable\n  max_days: 30\n  quiet_days: 2\n  default_handling: expel-agent\n")
	return []byte(b.String())
}

// benchBatch runs a batch of benchRuns (1,000) rings of 100 households (artifacts
// written, no run.html) through ex b.N times and reports runs per second.
// With cpu set, it also reports this process's CPU time per run, which the
// other processes of a busy machine disturb less than the wall clock (it
// counts both sides of the gRPC connection in process, and only the host's
// side of a plugin subprocess).
//
// chunk splits the batch into Execute calls of at most chunk runs (0: one
// call), for transports with a message size limit.
func benchBatch(b *testing.B, ex sdk.Executor, cpu bool, chunk int) {
	root := benchOutRoot(b)
	var batches []*sdk.Batch
	for i := range benchRuns {
		if len(batches) == 0 || (chunk > 0 && len(batches[len(batches)-1].Runs) == chunk) {
			batches = append(batches, &sdk.Batch{ExperimentID: "bench", OutRoot: root})
		}
		last := batches[len(batches)-1]
		last.Runs = append(last.Runs, sdk.RunSpec{
			RunID: fmt.Sprintf("ring_%03d", i), ScenarioName: fmt.Sprintf("ring_%03d.yaml", i), Scenario: benchRing(100, i),
		})
	}
	// As in the plugin binary (runner.TuneGC), so that the three compare.
	defer debug.SetGCPercent(debug.SetGCPercent(runner.BatchGCPercent))
	var completed atomic.Int64
	emit := func(ev sdk.RunEvent) error {
		switch ev.Type {
		case sdk.EventCompleted:
			completed.Add(1)
		case sdk.EventFailed, sdk.EventCancelled:
			return fmt.Errorf("run %s %s: %s", ev.RunID, ev.Type, ev.Message)
		}
		return nil
	}
	cpu0, cpuOK := processCPU()
	for b.Loop() {
		for _, batch := range batches {
			if err := ex.Execute(context.Background(), batch, emit); err != nil {
				b.Fatal(err)
			}
		}
	}
	if n := completed.Load(); n != int64(b.N*benchRuns) {
		b.Fatalf("%d runs completed, want %d", n, b.N*benchRuns)
	}
	b.ReportMetric(float64(completed.Load())/b.Elapsed().Seconds(), "runs/s")
	if cpu1, _ := processCPU(); cpu && cpuOK {
		b.ReportMetric(float64(cpu1-cpu0)/float64(time.Millisecond)/float64(completed.Load()), "cpu-ms/run")
	}
}

// BenchmarkBatchInProcess runs the batch by calling the executor directly.
func BenchmarkBatchInProcess(b *testing.B) { benchBatch(b, local.New(), true, 0) }

// BenchmarkBatchGRPC runs the same runs through the plugin protocol in
// process: sdk's client and server adapters over a real gRPC connection. The
// in-process test server keeps gRPC's 4 MiB receive limit, so the runs go in
// batches of 250.
func BenchmarkBatchGRPC(b *testing.B) { benchBatch(b, sdktest.GRPC(b, local.New()), true, 250) }

// BenchmarkBatchSubprocess runs the same batch on the plugin binary, started
// as bilancio starts it.
func BenchmarkBatchSubprocess(b *testing.B) { benchBatch(b, subprocess(b), false, 0) }

// benchOutRoot is where the benchmarks write their run folders: a tmpfs when
// the machine has one, so that they compare the plugin boundary rather than
// the file system. On ext4, creating a file after thousands were deleted
// (ext4's recently-deleted inode check) varies by tens of percent from one
// batch to the next, which swamps a difference of a few percent.
func benchOutRoot(b *testing.B) string {
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		if dir, err := os.MkdirTemp("/dev/shm", "bilancio-bench-"); err == nil {
			b.Cleanup(func() { os.RemoveAll(dir) })
			return dir
		}
	}
	return b.TempDir()
}

// The benchmark's scenario is valid and its runs complete, with defaults in
// some of them (so the runs exercise settlement and expulsion).
func TestBenchRingRuns(t *testing.T) {
	ex := local.New()
	batch := &sdk.Batch{ExperimentID: "bench", OutRoot: t.TempDir(), Runs: []sdk.RunSpec{
		{RunID: "a", Scenario: benchRing(100, 0)}, {RunID: "b", Scenario: benchRing(100, 1)},
	}}
	var results []*sdk.RunResult
	err := ex.Execute(t.Context(), batch, func(ev sdk.RunEvent) error {
		if ev.Type.Terminal() && ev.Type != sdk.EventCompleted {
			return errors.New(ev.Message)
		}
		if ev.Result != nil {
			results = append(results, ev.Result)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		if r.DaysSimulated < 10 || r.Defaults == 0 {
			t.Errorf("run %s: %d days, %d defaults; want at least 10 days and some defaults", r.RunID, r.DaysSimulated, r.Defaults)
		}
	}
}

// benchOverhead measures what the executor path costs per run apart from the
// simulation: a batch of runs whose scenario is refused at once (no agents),
// so each run is only dispatched, failed and reported.
func benchOverhead(b *testing.B, ex sdk.Executor) {
	const runs = 2000
	batch := &sdk.Batch{ExperimentID: "overhead", OutRoot: benchOutRoot(b)}
	for i := range runs {
		batch.Runs = append(batch.Runs, sdk.RunSpec{RunID: fmt.Sprintf("r%04d", i), ScenarioName: "empty.yaml", Scenario: []byte("version: 1\nname: empty\n")})
	}
	var failed atomic.Int64
	emit := func(ev sdk.RunEvent) error {
		if ev.Type == sdk.EventFailed {
			failed.Add(1)
		}
		return nil
	}
	for b.Loop() {
		if err := ex.Execute(context.Background(), batch, emit); err != nil {
			b.Fatal(err)
		}
	}
	if failed.Load() != int64(b.N*runs) {
		b.Fatalf("%d runs failed, want %d", failed.Load(), b.N*runs)
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*runs), "µs/run")
}

// BenchmarkOverheadInProcess and BenchmarkOverheadSubprocess isolate the
// plugin boundary's cost per run: the difference between the two.
func BenchmarkOverheadInProcess(b *testing.B) { benchOverhead(b, local.New()) }

// BenchmarkOverheadSubprocess: see BenchmarkOverheadInProcess.
func BenchmarkOverheadSubprocess(b *testing.B) { benchOverhead(b, subprocess(b)) }
