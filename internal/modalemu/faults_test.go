package modalemu

import (
	"context"
	"strings"
	"testing"
	"time"

	modal "github.com/modal-labs/modal-client/go"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// TestFailNext: injected errors reach the caller as gRPC statuses; the
// SDK retries UNAVAILABLE 3 times on unary calls (client.go:349-355), so a
// burst of 3 is absorbed and a burst of 4 is not; RESOURCE_EXHAUSTED is not
// retried.
func TestFailNext(t *testing.T) {
	t.Parallel()
	srv := startEmulator(t, Options{})
	c := newClient(t, srv)
	ctx := t.Context()
	app, img := testApp(t, c)
	srv.FailNext("SandboxCreateV2", codes.ResourceExhausted, 1)
	if _, err := c.Sandboxes.Create(ctx, app, img, nil); status.Code(err) != codes.ResourceExhausted {
		t.Errorf("injected RESOURCE_EXHAUSTED: %v", err)
	}
	srv.FailNext("SandboxCreateV2", codes.Unavailable, 3)
	sb, err := c.Sandboxes.Create(ctx, app, img, nil)
	if err != nil {
		t.Fatalf("3 UNAVAILABLE should be retried by the SDK: %v", err)
	}
	terminate(t, sb)
	srv.FailNext("SandboxCreateV2", codes.Unavailable, 4)
	if _, err := c.Sandboxes.Create(ctx, app, img, nil); status.Code(err) != codes.Unavailable {
		t.Errorf("4 UNAVAILABLE: %v, want Unavailable", err)
	}
	n := 0
	for _, call := range srv.Calls() {
		if call.Method == "SandboxCreateV2" && call.Code == codes.Unavailable {
			n++
		}
	}
	if n != 7 {
		t.Errorf("%d UNAVAILABLE answers recorded, want 7", n)
	}
}

// TestKillSandbox: a crashed sandbox ends with exit code 137, its exec
// dies with it, and its uncommitted volume writes are lost.
func TestKillSandbox(t *testing.T) {
	t.Parallel()
	srv := startEmulator(t, Options{})
	c := newClient(t, srv)
	ctx := t.Context()
	vol, err := c.Volumes.FromName(ctx, "v", &modal.VolumeFromNameParams{CreateIfMissing: true})
	if err != nil {
		t.Fatal(err)
	}
	sb := volumeSandbox(t, c, vol)
	write(t, sb, "lost", "x")
	p, err := sb.Exec(ctx, []string{"sleep", "60"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.KillSandbox(sb.SandboxID); err != nil {
		t.Fatal(err)
	}
	if code, err := sb.Wait(ctx, nil); err != nil || code != 137 {
		t.Errorf("Wait = %d, %v; want 137", code, err)
	}
	if code, err := p.Wait(ctx, nil); err != nil || code != 137 {
		t.Errorf("the exec: %d, %v; want 137", code, err)
	}
	r := volumeSandbox(t, c, vol)
	if seen(t, r, "lost") {
		t.Error("a crashed sandbox's uncommitted write reached the volume")
	}
	terminate(t, r)
	if st := srv.Sandboxes()[0]; !st.Killed || st.Running() {
		t.Errorf("state %+v", st)
	}
}

// TestPreemptSandbox: a preempted sandbox's processes get SIGTERM (and a
// grace period), its volume writes are committed as on any shutdown, and
// it ends with INTERNAL_FAILURE.
func TestPreemptSandbox(t *testing.T) {
	t.Parallel()
	srv := startEmulator(t, Options{PreemptGrace: 2 * time.Second})
	c := newClient(t, srv)
	ctx := t.Context()
	vol, err := c.Volumes.FromName(ctx, "v", &modal.VolumeFromNameParams{CreateIfMissing: true})
	if err != nil {
		t.Fatal(err)
	}
	// The main process takes half a second to stop on SIGTERM, as a
	// container's init would let its processes finish.
	sb := volumeSandbox(t, c, vol, "sh", "-c", "trap 'sleep 0.5; exit 0' TERM; while :; do sleep 0.05; done")
	write(t, sb, "kept", "x")
	// The exec's shell traps SIGTERM and exits 42 at once.
	p, err := sb.Exec(ctx, []string{"sh", "-c", "trap 'exit 42' TERM; while :; do sleep 0.05; done"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	start := time.Now()
	if err := srv.PreemptSandbox(sb.SandboxID); err != nil {
		t.Fatal(err)
	}
	if code, err := p.Wait(ctx, nil); err != nil || code != 42 {
		t.Errorf("the exec's SIGTERM handler: exit %d, %v; want 42", code, err)
	}
	if d := time.Since(start); d > 1500*time.Millisecond {
		t.Errorf("preemption took %v though everything exited on SIGTERM", d)
	}
	r := volumeSandbox(t, c, vol)
	if !seen(t, r, "kept") {
		t.Error("a preempted sandbox's writes were not committed")
	}
	terminate(t, r)
	if st := srv.Sandboxes()[0]; !st.Preempted {
		t.Errorf("state %+v", st)
	}
}

// TestHangSandbox: a hung sandbox answers no router call (the caller's
// deadline ends it) while the control plane still reports it running, and
// Terminate ends it.
func TestHangSandbox(t *testing.T) {
	t.Parallel()
	srv := startEmulator(t, Options{TerminateLatency: -1})
	c := newClient(t, srv)
	ctx := t.Context()
	app, img := testApp(t, c)
	sb, err := c.Sandboxes.Create(ctx, app, img, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.HangSandbox(sb.SandboxID); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = sb.Exec(short, []string{"true"}, nil)
	if err == nil {
		t.Error("an exec in a hung sandbox succeeded")
	}
	if d := time.Since(start); d < 400*time.Millisecond {
		t.Errorf("the exec failed after %v instead of hanging: %v", d, err)
	}
	if code, err := sb.Poll(ctx, nil); err != nil || code != nil {
		t.Errorf("Poll of a hung sandbox = %v, %v; want running", code, err)
	}
	if code := terminate(t, sb); code != 137 {
		t.Errorf("terminate: %d", code)
	}
}

// TestSandboxState: Sandboxes reports requests, tags and phases, for
// usage and executor tests.
func TestSandboxState(t *testing.T) {
	t.Parallel()
	srv := startEmulator(t, Options{})
	c := newClient(t, srv)
	app, img := testApp(t, c)
	sb, err := c.Sandboxes.Create(t.Context(), app, img, &modal.SandboxCreateParams{CPU: 2, MemoryMiB: 1024, Tags: map[string]string{"experiment": "e1"}})
	if err != nil {
		t.Fatal(err)
	}
	st := srv.Sandboxes()[0]
	if st.CPU != 2 || st.MemoryMiB != 1024 || st.Tags["experiment"] != "e1" || !st.Running() || !strings.HasPrefix(st.ID, "sb-") {
		t.Errorf("state %+v", st)
	}
	terminate(t, sb)
	if st := srv.Sandboxes()[0]; st.Running() || !st.Terminated || st.ExitCode != 137 || st.Ended.Before(st.Started) {
		t.Errorf("state after terminate %+v", st)
	}
	if srv.CreatedSandboxes() != 1 {
		t.Errorf("created %d", srv.CreatedSandboxes())
	}
}
