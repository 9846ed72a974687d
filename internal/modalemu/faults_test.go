package modalemu

import (
	"slices"
	"strings"
	"testing"
	"time"

	modal "github.com/modal-labs/libmodal/modal-go"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestUnavailableBurstRetriedBySDK(t *testing.T) {
	srv := startEmulator(t, nil)
	c := mustClient(t, srv)
	srv.FailNext("AppGetOrCreate", codes.Unavailable, 2)
	if _, err := c.Apps.FromName(t.Context(), "bilancio-simulations", &modal.AppFromNameParams{CreateIfMissing: true}); err != nil {
		t.Fatalf("FromName after a 2-call burst: %v", err)
	}
	var got []codes.Code
	for _, call := range srv.Calls() {
		if call.Method == "AppGetOrCreate" {
			got = append(got, call.Code)
		}
	}
	if want := []codes.Code{codes.Unavailable, codes.Unavailable, codes.OK}; !slices.Equal(got, want) {
		t.Fatalf("AppGetOrCreate calls = %v, want %v", got, want)
	}

	srv.FailNext("VolumeGetOrCreate", codes.Unavailable, 10)
	_, err := c.Volumes.FromName(t.Context(), "bilancio-results", &modal.VolumeFromNameParams{CreateIfMissing: true})
	if status.Code(err) != codes.Unavailable {
		t.Fatalf("FromName during a long burst: %v, want Unavailable", err)
	}
}

func TestOutputSurvivesStreamErrors(t *testing.T) {
	e := newSandboxEnv(t)
	sb := e.create(t, modal.SandboxCreateParams{})
	defer sb.Terminate(t.Context())
	e.srv.FailNext("ContainerExecGetOutput", codes.Unavailable, 3)
	out, _, code := execAndRead(t, sb, []string{"echo", "still here"}, nil)
	if out != "still here\n" || code != 0 {
		t.Fatalf("exec = %q, exit %d", out, code)
	}
}

func TestKillSandbox(t *testing.T) {
	e := newSandboxEnv(t)
	sb := e.create(t, modal.SandboxCreateParams{Command: []string{"sleep", "30"}})
	if err := e.srv.KillSandbox(sb.SandboxID); err != nil {
		t.Fatal(err)
	}
	wait(t, sb, 137)
	if err := e.srv.KillSandbox("sb-unknown"); status.Code(err) != codes.NotFound {
		t.Fatalf("KillSandbox of an unknown id: %v", err)
	}
}

func TestPendingTaskID(t *testing.T) {
	srv, err := Start(t.Context(), Options{TokenID: testTokenID, TokenSecret: testTokenSecret, Root: t.TempDir(), PendingTaskIDPolls: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	c := mustClient(t, srv)
	app, err := c.Apps.FromName(t.Context(), "bilancio-simulations", &modal.AppFromNameParams{CreateIfMissing: true})
	if err != nil {
		t.Fatal(err)
	}
	sb, err := c.Sandboxes.Create(t.Context(), app, c.Images.FromRegistry("debian:bookworm-slim", nil), &modal.SandboxCreateParams{Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Terminate(t.Context())
	if _, err := sb.Exec(t.Context(), []string{"true"}, nil); err == nil || !strings.Contains(err.Error(), "task ID") {
		t.Fatalf("first Exec while pending: %v, want a missing task ID error", err)
	}
	if _, _, code := execAndRead(t, sb, []string{"true"}, nil); code != 0 {
		t.Fatalf("second Exec: exit %d", code)
	}
}

func TestDelay(t *testing.T) {
	srv := startEmulator(t, nil)
	c := mustClient(t, srv)
	srv.Delay("AppGetOrCreate", 300*time.Millisecond)
	start := time.Now()
	if _, err := c.Apps.FromName(t.Context(), "a", &modal.AppFromNameParams{CreateIfMissing: true}); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Fatalf("call took %v, want ≥ 300ms", d)
	}
}
