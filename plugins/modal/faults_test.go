//go:build unix

package modal_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"google.golang.org/grpc/codes"

	"github.com/bilancio-go/bilancio/internal/modalemu"
	"github.com/bilancio-go/bilancio/sdk"
	"github.com/bilancio-go/bilancio/sdk/sdktest"
)

// ringBatch is a batch of n small ring runs of an experiment.
func ringBatch(t *testing.T, experiment string, n int) *sdk.Batch {
	b := &sdk.Batch{ExperimentID: experiment, OutRoot: t.TempDir(), Worker: bins.worker}
	for i := range n {
		b.Runs = append(b.Runs, sdk.RunSpec{RunID: fmt.Sprintf("ring_%d", i), Scenario: sdktest.RingScenario(5+i, i)})
	}
	return b
}

// execute runs a batch and returns each run's terminal event.
func execute(t *testing.T, ex sdk.Executor, b *sdk.Batch) map[string]sdk.RunEvent {
	t.Helper()
	var mu sync.Mutex
	terminal := map[string]sdk.RunEvent{}
	err := ex.Execute(t.Context(), b, func(ev sdk.RunEvent) error {
		mu.Lock()
		defer mu.Unlock()
		if ev.Type.Terminal() {
			terminal[ev.RunID] = ev
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Execute: %v", err)
	}
	if len(terminal) != len(b.Runs) {
		t.Fatalf("%d terminal events for %d runs", len(terminal), len(b.Runs))
	}
	return terminal
}

// TestRetryUnavailable: a burst of UNAVAILABLE answers to SandboxCreate,
// longer than the SDK's own retries, costs a chunk one attempt; with
// retries the runs complete on the second attempt, without they fail naming
// the cause.
func TestRetryUnavailable(t *testing.T) {
	requireLinuxAMD64(t)
	for _, retries := range []int{1, 0} {
		t.Run(fmt.Sprintf("retries=%d", retries), func(t *testing.T) {
			srv := emulator(t)
			ex := subprocess(t, modalEnv(t, srv)...)
			cfg, _ := json.Marshal(map[string]any{"runs_per_sandbox": 3, "retries": retries, "backoff": 1})
			if err := ex.Configure(t.Context(), &sdk.Config{JSON: cfg}); err != nil {
				t.Fatal(err)
			}
			execute(t, ex, ringBatch(t, "warmup", 1)) // stages the worker
			srv.FailNext("SandboxCreate", codes.Unavailable, 4)
			b := ringBatch(t, "faulty", 3)
			for id, ev := range execute(t, ex, b) {
				switch {
				case retries > 0 && (ev.Type != sdk.EventCompleted || ev.Attempt != 2):
					t.Errorf("run %s: %s (attempt %d) %q, want completed on attempt 2", id, ev.Type, ev.Attempt, ev.Message)
				case retries == 0 && (ev.Type != sdk.EventFailed || !strings.Contains(ev.Message, "Unavailable")):
					t.Errorf("run %s: %s %q, want failed naming Unavailable", id, ev.Type, ev.Message)
				}
			}
		})
	}
}

// TestRetrySandboxDies: a sandbox that dies mid-chunk (exit 137, not our
// Terminate) is replaced and its runs complete on the second attempt.
func TestRetrySandboxDies(t *testing.T) {
	requireLinuxAMD64(t)
	srv := emulator(t)
	ex := subprocess(t, modalEnv(t, srv)...)
	cfg, _ := json.Marshal(map[string]any{"runs_per_sandbox": 2, "retries": 1, "backoff": 1})
	if err := ex.Configure(t.Context(), &sdk.Config{JSON: cfg}); err != nil {
		t.Fatal(err)
	}
	execute(t, ex, ringBatch(t, "warmup", 1)) // stages the worker
	before, _ := filepath.Glob(filepath.Join(srv.Root(), "sandboxes", "*"))

	b := &sdk.Batch{ExperimentID: "dies", OutRoot: t.TempDir(), Worker: bins.worker}
	for i := range 2 {
		b.Runs = append(b.Runs, sdk.RunSpec{RunID: fmt.Sprintf("big_%d", i), Scenario: sdktest.RingScenario(3000, i)})
	}
	var (
		mu       sync.Mutex
		killed   bool
		terminal = map[string]sdk.RunEvent{}
		usage    []sdk.SandboxUsage
	)
	err := ex.Execute(t.Context(), b, func(ev sdk.RunEvent) error {
		mu.Lock()
		defer mu.Unlock()
		usage = append(usage, ev.Usage...)
		if ev.Type == sdk.EventStarted && !killed {
			killed = true
			after, _ := filepath.Glob(filepath.Join(srv.Root(), "sandboxes", "*"))
			for _, dir := range after {
				if !slices.Contains(before, dir) {
					if err := srv.KillSandbox(filepath.Base(dir)); err != nil {
						t.Errorf("KillSandbox: %v", err)
					}
				}
			}
		}
		if ev.Type.Terminal() {
			terminal[ev.RunID] = ev
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Execute: %v", err)
	}
	for _, r := range b.Runs {
		ev := terminal[r.RunID]
		if ev.Type != sdk.EventCompleted || ev.Attempt != 2 {
			t.Errorf("run %s: %s (attempt %d) %q, want completed on attempt 2", r.RunID, ev.Type, ev.Attempt, ev.Message)
		}
	}
	// Both sandboxes, the one that died and the retry's, are in the usage.
	if len(usage) != 2 || usage[0].Runs != 2 || usage[1].Runs != 2 || usage[0].Purpose != "runs" || usage[0].ID == usage[1].ID {
		t.Errorf("usage %+v, want the killed sandbox and the retry's, 2 runs each", usage)
	}
}

// TestPendingTaskID: while real Modal schedules a sandbox it has no task id
// and modal-go v0.6.3 refuses Exec/Open; the executor waits it out
// (spec/modal.md §3.3).
func TestPendingTaskID(t *testing.T) {
	requireLinuxAMD64(t)
	srv, err := modalemu.Start(t.Context(), modalemu.Options{TokenID: testTokenID, TokenSecret: testTokenSecret, Root: t.TempDir(), PendingTaskIDPolls: 3})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	ex := subprocess(t, modalEnv(t, srv)...)
	if err := ex.Configure(t.Context(), &sdk.Config{JSON: []byte(`{"retries": 0}`)}); err != nil {
		t.Fatal(err)
	}
	for id, ev := range execute(t, ex, ringBatch(t, "pending", 2)) {
		if ev.Type != sdk.EventCompleted || ev.Attempt != 1 {
			t.Errorf("run %s: %s (attempt %d) %q, want completed on attempt 1", id, ev.Type, ev.Attempt, ev.Message)
		}
	}
}
