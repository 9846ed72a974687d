//go:build unix

package modal_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/bilancio-go/bilancio/sdk"
	"github.com/bilancio-go/bilancio/sdk/runfolder"
	"github.com/bilancio-go/bilancio/sdk/sdktest"
)

// fakeWorker writes a shell script standing in for the worker binary (the
// emulator runs sandbox commands on the host) and describes it as a
// linux/amd64 worker, as the plugin requires.
func fakeWorker(t *testing.T, script string) *sdk.WorkerBinary {
	t.Helper()
	p := filepath.Join(t.TempDir(), "bilancio")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+script+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	sum, err := runfolder.FileSHA256(p)
	if err != nil {
		t.Fatal(err)
	}
	return &sdk.WorkerBinary{Path: p, SHA256: sum, OS: runtime.GOOS, Arch: runtime.GOARCH}
}

// configure configures ex with the JSON encoding of cfg.
func configure(t *testing.T, ex sdk.Executor, cfg map[string]any) {
	t.Helper()
	b, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := ex.Configure(t.Context(), &sdk.Config{JSON: b}); err != nil {
		t.Fatalf("Configure: %v", err)
	}
}

// wantAllFailed checks that every run of b failed on attempt wantAttempt
// with a message containing each of parts.
func wantAllFailed(t *testing.T, b *sdk.Batch, terminal map[string]sdk.RunEvent, wantAttempt int, parts ...string) {
	t.Helper()
	for _, r := range b.Runs {
		ev := terminal[r.RunID]
		if ev.Type != sdk.EventFailed || ev.Attempt != wantAttempt {
			t.Errorf("run %s: %s (attempt %d) %q, want failed on attempt %d", r.RunID, ev.Type, ev.Attempt, ev.Message, wantAttempt)
			continue
		}
		for _, p := range parts {
			if !strings.Contains(ev.Message, p) {
				t.Errorf("run %s: message %q lacks %q", r.RunID, ev.Message, p)
			}
		}
	}
}

// TestSandboxTimeout: a worker that hangs past the exec timeout is killed
// with exit code 124; the chunk is retried in a new sandbox and, timing out
// again, each of its runs is reported failed with the reason and the
// number of attempts, while the batch itself completes.
func TestSandboxTimeout(t *testing.T) {
	requireLinuxAMD64(t)
	srv := emulator(t)
	ex := subprocess(t, modalEnv(t, srv)...)
	configure(t, ex, map[string]any{"timeout": 1, "runs_per_sandbox": 2, "retries": 1, "backoff": 1})
	b := ringBatch(t, "hangs", 3)
	b.Worker = fakeWorker(t, "exec sleep 60")
	start := time.Now()
	terminal := execute(t, ex, b)
	t.Logf("3 hanging runs reported in %v", time.Since(start))
	wantAllFailed(t, b, terminal, 2, "timed out after", "after 2 attempts")
}

// TestWorkerExitsNonZero: a worker that exits with code 3 before reporting
// its runs (as one rejecting its manifest does) costs the chunk an attempt;
// after the last one each run fails naming the exit code and the worker's
// stderr.
func TestWorkerExitsNonZero(t *testing.T) {
	requireLinuxAMD64(t)
	srv := emulator(t)
	ex := subprocess(t, modalEnv(t, srv)...)
	configure(t, ex, map[string]any{"runs_per_sandbox": 2, "retries": 1, "backoff": 1})
	b := ringBatch(t, "crashes", 3)
	b.Worker = fakeWorker(t, `echo "worker: manifest rejected: unsupported version" >&2; exit 3`)
	terminal := execute(t, ex, b)
	wantAllFailed(t, b, terminal, 2, "exited with code 3", "manifest rejected", "after 2 attempts")
}

// TestWorkerPartlyFails: a real worker whose chunk mixes good runs and a
// broken scenario reports exactly the broken run failed, on the first
// attempt (a deterministic failure is not retried), and the others
// complete.
func TestWorkerPartlyFails(t *testing.T) {
	requireLinuxAMD64(t)
	srv := emulator(t)
	ex := subprocess(t, modalEnv(t, srv)...)
	configure(t, ex, map[string]any{"runs_per_sandbox": 3, "retries": 2, "backoff": 1})
	b := ringBatch(t, "mixed", 3)
	b.Runs[1].Scenario = []byte("agents: [not a scenario\n")
	terminal := execute(t, ex, b)
	for i, r := range b.Runs {
		ev := terminal[r.RunID]
		switch {
		case i == 1 && (ev.Type != sdk.EventFailed || ev.Attempt != 1 || ev.Message == ""):
			t.Errorf("run %s: %s (attempt %d) %q, want failed on attempt 1 with a reason", r.RunID, ev.Type, ev.Attempt, ev.Message)
		case i != 1 && (ev.Type != sdk.EventCompleted || ev.Attempt != 1):
			t.Errorf("run %s: %s (attempt %d) %q, want completed on attempt 1", r.RunID, ev.Type, ev.Attempt, ev.Message)
		}
	}
}

// TestUnavailableStreams: a burst of UNAVAILABLE answers to the output
// stream of sandbox processes (ContainerExecGetOutput) long enough to get
// past the SDK's own stream retries (bursts of 12 or 30 are absorbed by
// them) costs chunks an attempt; every run still completes within the
// retry policy, and the whole burst was served.
func TestUnavailableStreams(t *testing.T) {
	requireLinuxAMD64(t)
	srv := emulator(t)
	ex := subprocess(t, modalEnv(t, srv)...)
	configure(t, ex, map[string]any{"runs_per_sandbox": 2, "retries": 2, "backoff": 1})
	execute(t, ex, ringBatch(t, "warmup", 1)) // stages the worker
	const burst = 100
	srv.FailNext("ContainerExecGetOutput", codes.Unavailable, burst)
	b := ringBatch(t, "streams", 4)
	attempts := map[int]int{}
	for id, ev := range execute(t, ex, b) {
		attempts[ev.Attempt]++
		if ev.Type != sdk.EventCompleted {
			t.Errorf("run %s: %s (attempt %d) %q, want completed", id, ev.Type, ev.Attempt, ev.Message)
		}
	}
	t.Logf("runs per attempt: %v", attempts)
	if attempts[1] == len(b.Runs) {
		t.Errorf("every run completed on attempt 1: the burst never surfaced past the SDK's retries")
	}
	n := 0
	for _, c := range srv.Calls() {
		if c.Method == "ContainerExecGetOutput" && c.Code == codes.Unavailable {
			n++
		}
	}
	if n != burst {
		t.Errorf("%d UNAVAILABLE answers served, want %d", n, burst)
	}
}

// TestLargeBatch: 200 tiny runs, two per sandbox, at most 50 sandboxes at
// once; every run completes exactly once and its local folder verifies.
func TestLargeBatch(t *testing.T) {
	requireLinuxAMD64(t)
	if testing.Short() {
		t.Skip("200 runs through the emulator; skipped with -short")
	}
	srv := emulator(t)
	ex := subprocess(t, modalEnv(t, srv)...)
	configure(t, ex, map[string]any{"runs_per_sandbox": 2, "max_parallel": 50, "retries": 0})
	const n = 200
	b := &sdk.Batch{ExperimentID: "large", OutRoot: t.TempDir(), Worker: bins.worker}
	for i := range n {
		b.Runs = append(b.Runs, sdk.RunSpec{RunID: fmt.Sprintf("ring_%03d", i), Scenario: sdktest.RingScenario(3+i%3, i)})
	}
	start := time.Now()
	terminal := execute(t, ex, b)
	elapsed := time.Since(start)
	t.Logf("%d runs in %v (%.1f runs/s)", n, elapsed, n/elapsed.Seconds())
	for _, r := range b.Runs {
		ev := terminal[r.RunID]
		if ev.Type != sdk.EventCompleted || ev.Result == nil {
			t.Errorf("run %s: %s %q, want completed", r.RunID, ev.Type, ev.Message)
			continue
		}
		m, sum, err := sdktest.VerifyRunFolder(filepath.Join(b.OutRoot, r.RunID))
		if err != nil {
			t.Errorf("run %s: %v", r.RunID, err)
		} else if m.RunID != r.RunID || sum != ev.Result.ManifestSHA256 {
			t.Errorf("run %s: manifest run id %q, sha256 %s; the event says %s", r.RunID, m.RunID, sum, ev.Result.ManifestSHA256)
		}
	}
}
