//go:build unix

package modal_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bilancio-go/bilancio/internal/modalemu"
	"github.com/bilancio-go/bilancio/plugins/local"
	"github.com/bilancio-go/bilancio/sdk"
	"github.com/bilancio-go/bilancio/sdk/sdktest"
)

// smallRuns is the size of BenchmarkModalSmallRuns's batch.
const smallRuns = 40

// BenchmarkModalSmallRuns measures the overhead of the Modal path for small
// runs (issue 5, item 6): a batch of 40 tiny rings through the real plugin
// binary and the real modal-go client against internal/modalemu, 10 runs per
// sandbox and at most 4 sandboxes at once. Before the timed loop, the same
// runs go once through the local executor (plugins/local, in process) for
// comparison (the best of three batches). It reports the Modal path's runs/s and ms/run, the local
// executor's local-ms/run, overhead-ms/run (the difference) and
// x-local (the ratio). The worker is staged on the volume before the loop,
// as on every batch of a sweep after the first.
func BenchmarkModalSmallRuns(b *testing.B) {
	if testing.Short() {
		b.Skip("starts an emulator and the plugin")
	}
	srv, err := modalemu.Start(context.Background(), modalemu.Options{TokenID: testTokenID, TokenSecret: testTokenSecret, Root: b.TempDir()})
	if err != nil {
		b.Fatalf("starting the emulator: %v", err)
	}
	b.Cleanup(func() { srv.Close() })
	ex := subprocess(b,
		"MODAL_SERVER_URL="+srv.URL(),
		"MODAL_TOKEN_ID="+testTokenID,
		"MODAL_TOKEN_SECRET="+testTokenSecret,
		"MODAL_CONFIG_PATH="+filepath.Join(b.TempDir(), "none.toml"),
	)
	cfg, err := json.Marshal(map[string]any{"runs_per_sandbox": 10, "max_parallel": 4, "volume": "bench-results"})
	if err != nil {
		b.Fatal(err)
	}
	if err := ex.Configure(context.Background(), &sdk.Config{JSON: cfg}); err != nil {
		b.Fatalf("Configure: %v", err)
	}

	// The local executor on the same runs: the best of three batches.
	localPerRun := 0.0
	for range 3 {
		batch := smallBatch(b, "local", smallRuns, nil)
		t0 := time.Now()
		runSmallBatch(b, local.New(), batch)
		if d := time.Since(t0).Seconds() / smallRuns; localPerRun == 0 || d < localPerRun {
			localPerRun = d
		}
	}

	// Stage the worker (once per plugin process).
	runSmallBatch(b, ex, smallBatch(b, "warmup", 1, bins.worker))

	i := 0
	for b.Loop() {
		b.StopTimer()
		batch := smallBatch(b, fmt.Sprintf("bench%d", i), smallRuns, bins.worker)
		i++
		b.StartTimer()
		runSmallBatch(b, ex, batch)
	}
	perRun := b.Elapsed().Seconds() / float64(b.N*smallRuns)
	b.ReportMetric(1/perRun, "runs/s")
	b.ReportMetric(perRun*1000, "ms/run")
	b.ReportMetric(localPerRun*1000, "local-ms/run")
	b.ReportMetric((perRun-localPerRun)*1000, "overhead-ms/run")
	b.ReportMetric(perRun/localPerRun, "x-local")
}

// smallBatch is a batch of n tiny rings (5 to 9 households) of experiment,
// with worker as its worker binary (nil for the local executor).
func smallBatch(b *testing.B, experiment string, n int, worker *sdk.WorkerBinary) *sdk.Batch {
	batch := &sdk.Batch{ExperimentID: experiment, OutRoot: b.TempDir(), Worker: worker}
	for i := range n {
		batch.Runs = append(batch.Runs, sdk.RunSpec{
			RunID: fmt.Sprintf("ring_%03d", i), ScenarioName: fmt.Sprintf("ring_%03d.yaml", i), Scenario: sdktest.RingScenario(5+i%5, i),
		})
	}
	return batch
}

// runSmallBatch executes batch on ex and fails the benchmark unless every
// run completed.
func runSmallBatch(b *testing.B, ex sdk.Executor, batch *sdk.Batch) {
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
