//go:build unix

package modal_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bilancio-go/bilancio/internal/modalemu"
	"github.com/bilancio-go/bilancio/sdk"
	"github.com/bilancio-go/bilancio/sdk/sdktest"
)

// slowBatch is a batch of n rings big enough that a chunk runs for a while.
func slowBatch(t *testing.T, experiment string, n int) *sdk.Batch {
	b := &sdk.Batch{ExperimentID: experiment, OutRoot: t.TempDir(), Worker: bins.worker}
	for i := range n {
		b.Runs = append(b.Runs, sdk.RunSpec{RunID: fmt.Sprintf("slow_%d", i), ScenarioName: "slow.yaml", Scenario: sdktest.RingScenario(300, i)})
	}
	return b
}

// midChunk reports whether a chunk sandbox is running with its worker at
// work: at least one of its runs written in its view of the volume (an
// archive, written whole once complete).
func midChunk(srv *modalemu.Server, st modalemu.SandboxState) bool {
	if st.Tags["bilancio"] != "chunk" || st.Phase != "running" {
		return false
	}
	done, _ := filepath.Glob(filepath.Join(srv.Root(), "sandboxes", st.ID, "volumes", "*", "*", "runs", "*.tar"))
	return len(done) > 0
}

// onFirstChunk calls fault with the id of the first chunk sandbox once its
// worker is at work (midChunk), from a goroutine; the returned channel
// says whether it did.
func onFirstChunk(t *testing.T, srv *modalemu.Server, fault func(id string) error) <-chan bool {
	done := make(chan bool, 1)
	go func() {
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) {
			for _, st := range srv.Sandboxes() {
				if midChunk(srv, st) {
					if err := fault(st.ID); err != nil {
						t.Errorf("fault: %v", err)
					}
					done <- true
					return
				}
			}
			time.Sleep(2 * time.Millisecond)
		}
		done <- false
	}()
	return done
}

// TestSandboxFaults: a chunk sandbox that dies (its container crashes), is
// preempted or hangs loses its runs in flight; they are run again in a new
// sandbox (attempt 2) and complete, and nothing runs a third time.
func TestSandboxFaults(t *testing.T) {
	requireLinuxAMD64(t)
	for _, tc := range []struct {
		name   string
		fault  func(srv *modalemu.Server, id string) error
		config map[string]any
	}{
		{"dies", (*modalemu.Server).KillSandbox, nil},
		{"preempted", (*modalemu.Server).PreemptSandbox, nil},
		// A run may take 1 s: a sandbox silent for 6 s counts as hung.
		{"hangs", (*modalemu.Server).HangSandbox, map[string]any{"timeout": 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := emulator(t, modalemu.Options{PreemptGrace: 100 * time.Millisecond})
			ex := subprocess(t, modalEnv(t, srv)...)
			cfg := map[string]any{"runs_per_sandbox": 8, "max_parallel": 1, "retries": 1}
			for k, v := range tc.config {
				cfg[k] = v
			}
			configure(t, ex, cfg)
			b := slowBatch(t, "faults-"+tc.name, 8)
			hit := onFirstChunk(t, srv, func(id string) error { return tc.fault(srv, id) })
			c := execute(t, ex, b)
			if !<-hit {
				t.Fatal("the fault was never injected")
			}
			retried := 0
			for _, r := range b.Runs {
				ev := c.terminal[r.RunID]
				if ev.Type != sdk.EventCompleted {
					t.Errorf("run %s: %s %q", r.RunID, ev.Type, ev.Message)
				}
				if ev.Attempt == 2 {
					retried++
				}
				if ev.Attempt > 2 {
					t.Errorf("run %s: attempt %d", r.RunID, ev.Attempt)
				}
			}
			if retried == 0 {
				t.Error("no run was retried")
			}
			chunks := 0
			for _, st := range srv.Sandboxes() {
				if st.Tags["bilancio"] == "chunk" {
					chunks++
				}
			}
			if chunks != 2 {
				t.Errorf("%d chunk sandboxes, want 2 (the faulty one and its retry)", chunks)
			}
		})
	}
}

// TestRetriesSpent: runs whose sandbox keeps dying fail after the last
// retry, naming the reason and the attempts.
func TestRetriesSpent(t *testing.T) {
	requireLinuxAMD64(t)
	srv := emulator(t)
	ex := subprocess(t, modalEnv(t, srv)...)
	configure(t, ex, map[string]any{"runs_per_sandbox": 8, "max_parallel": 1, "retries": 1})
	b := slowBatch(t, "spent", 8)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		killed := map[string]bool{}
		for {
			select {
			case <-stop:
				return
			default:
			}
			for _, st := range srv.Sandboxes() {
				if !killed[st.ID] && midChunk(srv, st) {
					killed[st.ID] = true
					_ = srv.KillSandbox(st.ID)
				}
			}
			time.Sleep(2 * time.Millisecond)
		}
	}()
	c := execute(t, ex, b)
	for _, ev := range c.terminal {
		if ev.Type == sdk.EventFailed && (ev.Attempt != 2 || !strings.Contains(ev.Message, "after 2 attempts") || !strings.Contains(ev.Message, "137")) {
			t.Errorf("run %s: attempt %d %q", ev.RunID, ev.Attempt, ev.Message)
		}
	}
}
