//go:build unix

package modal_test

import (
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/bilancio-go/bilancio/internal/modalemu"
	"github.com/bilancio-go/bilancio/sdk"
)

// TestFailFast: an invalid request, a permission or an authentication
// error is not retried: the runs fail at once with the service's word, and
// no other sandbox is asked for.
func TestFailFast(t *testing.T) {
	requireLinuxAMD64(t)
	for _, code := range []codes.Code{codes.InvalidArgument, codes.PermissionDenied, codes.Unauthenticated} {
		t.Run(code.String(), func(t *testing.T) {
			srv := emulator(t)
			ex := subprocess(t, modalEnv(t, srv)...)
			configure(t, ex, map[string]any{"runs_per_sandbox": 1, "max_parallel": 1, "retries": 5})
			srv.FailNext("SandboxCreateV2", code, 1000)
			b := ringBatch(t, "fail-fast", 4)
			start := time.Now()
			c := execute(t, ex, b)
			wantAll(t, b, c, sdk.EventFailed, 1, code.String())
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("failing took %v", d)
			}
			// The staging sandbox's create and, made at the same time (a
			// fresh batch), the first chunk's (max_parallel 1); nothing
			// after them.
			if n := countCalls(srv, "SandboxCreateV2", code); n < 1 || n > 2 {
				t.Errorf("%d creates answered %v, want the staging sandbox's and at most one chunk's", n, code)
			}
		})
	}
}

// countCalls counts the calls of method answered with code.
func countCalls(srv *modalemu.Server, method string, code codes.Code) int {
	n := 0
	for _, c := range srv.Calls() {
		if c.Method == method && c.Code == code {
			n++
		}
	}
	return n
}

// TestNoCapacity: with room for one sandbox on Modal and max_parallel 4,
// creates wait for capacity and fail with RESOURCE_EXHAUSTED; the plugin
// backs off with jitter, runs fewer sandboxes at once, and every run
// completes, on its first attempt (exhaustion costs no retry).
func TestNoCapacity(t *testing.T) {
	requireLinuxAMD64(t)
	srv := emulator(t, modalemu.Options{MaxSandboxes: 1, CapacityWait: 200 * time.Millisecond})
	ex := subprocess(t, modalEnv(t, srv)...)
	configure(t, ex, map[string]any{"runs_per_sandbox": 2, "max_parallel": 4, "retries": 0})
	b := ringBatch(t, "no-capacity", 8)
	c := execute(t, ex, b)
	wantAll(t, b, c, sdk.EventCompleted, 1)
	if n := countCalls(srv, "SandboxCreateV2", codes.ResourceExhausted); n == 0 {
		t.Error("no create was refused for lack of capacity: the test does not test it")
	}
	if p := srv.PeakSandboxes(); p != 1 {
		t.Errorf("peak sandboxes %d, want 1", p)
	}
}

// TestStagingNotStarvedBySpares: a fresh batch creates its first chunks'
// sandboxes (spares, which wait for staging) with the staging sandbox's.
// When the spares hold every place Modal has, staging waited for a place
// until their 300 s watchdog ended them. Now, once Modal refuses the
// staging sandbox for lack of capacity, a spare holding a place gives it
// up, and no spare is created again until staging is done. Here Modal has
// one place and schedules the staging sandbox after the spares: a spare
// gets the place first, then the staging sandbox, and every run completes
// on its first attempt.
func TestStagingNotStarvedBySpares(t *testing.T) {
	requireLinuxAMD64(t)
	srv := emulator(t, modalemu.Options{MaxSandboxes: 1, CapacityWait: 200 * time.Millisecond})
	srv.DelaySchedule("bilancio", "stage", 500*time.Millisecond)
	ex := subprocess(t, modalEnv(t, srv)...)
	configure(t, ex, map[string]any{"runs_per_sandbox": 2, "max_parallel": 4, "retries": 0})
	b := ringBatch(t, "starved", 8)
	c := execute(t, ex, b)
	wantAll(t, b, c, sdk.EventCompleted, 1)
	var stage, spare *modalemu.SandboxState
	for _, st := range srv.Sandboxes() {
		if st.Tags["bilancio-experiment"] != b.ExperimentID || st.Started.IsZero() {
			continue
		}
		switch st.Tags["bilancio"] {
		case "stage":
			stage = &st
		case "spare":
			if spare == nil {
				spare = &st
			}
		}
	}
	switch {
	case stage == nil:
		t.Fatal("no staging sandbox ran")
	case spare == nil || !spare.Started.Before(stage.Started):
		t.Fatal("no spare got the place before the staging sandbox: the test does not test it")
	case !spare.Terminated:
		t.Errorf("the spare that held the place ended by itself (exit code %d), not by giving its place up", spare.ExitCode)
	}
}

// TestUnavailableRetried: UNAVAILABLE answers beyond the SDK's own retries
// are retried by the plugin (with backoff and jitter), and the runs
// complete on their first attempt: the sandbox never started.
func TestUnavailableRetried(t *testing.T) {
	requireLinuxAMD64(t)
	srv := emulator(t)
	ex := subprocess(t, modalEnv(t, srv)...)
	configure(t, ex, map[string]any{"runs_per_sandbox": 2, "max_parallel": 2})
	// 1 + 3 SDK retries = 4 answers per plugin attempt: two attempts fail.
	srv.FailNext("SandboxCreateV2", codes.Unavailable, 8)
	b := ringBatch(t, "unavailable", 2)
	c := execute(t, ex, b)
	wantAll(t, b, c, sdk.EventCompleted, 1)
	if n := countCalls(srv, "SandboxCreateV2", codes.Unavailable); n != 8 {
		t.Errorf("%d UNAVAILABLE answers, want 8", n)
	}
	for _, ev := range c.terminal {
		if strings.Contains(ev.Message, "Unavailable") {
			t.Errorf("run %s: %q", ev.RunID, ev.Message)
		}
	}
}
