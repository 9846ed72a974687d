//go:build unix

package modal_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bilancio-go/bilancio/sdk"
	"github.com/bilancio-go/bilancio/sdk/sdktest"
)

// TestCancelUnderLoad: with 6 sandboxes busy on slow runs and a slow
// SandboxTerminate (300 ms each), every sandbox is terminated within a
// second of the cancellation: the terminations run concurrently and
// nothing waits for a worker's output (the SDK's output streams do not
// watch the context).
func TestCancelUnderLoad(t *testing.T) {
	requireLinuxAMD64(t)
	srv := emulator(t)
	ex := subprocess(t, modalEnv(t, srv)...)
	configure(t, ex, map[string]any{"runs_per_sandbox": 1, "max_parallel": 6})
	execute(t, ex, ringBatch(t, "warmup", 1)) // stages the worker
	srv.Delay("SandboxTerminate", 300*time.Millisecond)

	b := &sdk.Batch{ExperimentID: "load", OutRoot: t.TempDir(), Worker: bins.worker}
	for i := range 6 {
		b.Runs = append(b.Runs, sdk.RunSpec{RunID: fmt.Sprintf("slow_%d", i), Scenario: sdktest.RingScenario(20000, i)})
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var started atomic.Int64
	allStarted := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- ex.Execute(ctx, b, func(ev sdk.RunEvent) error {
			if ev.Type == sdk.EventStarted && started.Add(1) == int64(len(b.Runs)) {
				close(allStarted)
			}
			return nil
		})
	}()
	select {
	case <-allStarted:
	case err := <-done:
		t.Fatalf("Execute ended before every run started: %v", err)
	case <-time.After(20 * time.Second):
		t.Fatal("the runs did not all start")
	}
	running := 0
	for _, st := range srv.Sandboxes() {
		if st.Running {
			running++
		}
	}
	cancel()
	cancelled := time.Now()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Execute = %v, want context.Canceled", err)
	}
	// Over gRPC Execute returns at once; the plugin goes on terminating.
	left := running
	for left > 0 && time.Since(cancelled) < 5*time.Second {
		time.Sleep(10 * time.Millisecond)
		left = 0
		for _, st := range srv.Sandboxes() {
			if st.Running {
				left++
			}
		}
	}
	took := time.Since(cancelled)
	t.Logf("%d sandboxes running at the cancellation; all stopped after %v", running, took)
	if left > 0 || took > time.Second {
		t.Errorf("%d sandboxes still running %v after the cancellation; want none within 1 s (6 × 300 ms in sequence would take 1.8 s)", left, took)
	}
}
