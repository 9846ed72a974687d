package local_test

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bilancio-go/bilancio/internal/worker"
	"github.com/bilancio-go/bilancio/plugins/local"
	"github.com/bilancio-go/bilancio/sdk"
	"github.com/bilancio-go/bilancio/sdk/sdktest"
)

// benchRuns is the size of the benchmark batch.
const benchRuns = 200

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

// benchBatch runs a batch of benchRuns rings of 100 households (artifacts
// written, no run.html) through ex b.N times and reports runs per second.
// With cpu set, it also reports this process's CPU time per run, which the
// other processes of a busy machine disturb less than the wall clock (it
// counts both sides of the gRPC connection in process, and only the host's
// side of a plugin subprocess).
func benchBatch(b *testing.B, ex sdk.Executor, cpu bool) {
	batch := &sdk.Batch{ExperimentID: "bench", OutRoot: b.TempDir()}
	for i := range benchRuns {
		batch.Runs = append(batch.Runs, sdk.RunSpec{
			RunID: fmt.Sprintf("ring_%03d", i), ScenarioName: fmt.Sprintf("ring_%03d.yaml", i), Scenario: benchRing(100, i),
		})
	}
	// As in the plugin binary (worker.TuneGC), so that the three compare.
	defer debug.SetGCPercent(debug.SetGCPercent(worker.BatchGCPercent))
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
		if err := ex.Execute(context.Background(), batch, emit); err != nil {
			b.Fatal(err)
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
func BenchmarkBatchInProcess(b *testing.B) { benchBatch(b, local.New(), true) }

// BenchmarkBatchGRPC runs the same batch through the plugin protocol in
// process: sdk's client and server adapters over a real gRPC connection.
func BenchmarkBatchGRPC(b *testing.B) { benchBatch(b, sdktest.GRPC(b, local.New()), true) }

// BenchmarkBatchSubprocess runs the same batch on the plugin binary, started
// as bilancio starts it.
func BenchmarkBatchSubprocess(b *testing.B) { benchBatch(b, subprocess(b), false) }

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
