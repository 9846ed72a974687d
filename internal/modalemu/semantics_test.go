package modalemu

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	modal "github.com/modal-labs/modal-client/go"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// eachRuntime runs fn for each way sandboxes can run on this host.
func eachRuntime(t *testing.T, fn func(t *testing.T, iso Isolation)) {
	t.Helper()
	modes := []Isolation{IsolationOff}
	if _, err := newIsolatedRuntime(); err == nil {
		modes = append(modes, IsolationRequired)
	}
	for _, iso := range modes {
		t.Run(map[Isolation]string{IsolationOff: "mapped", IsolationRequired: "isolated"}[iso], func(t *testing.T) {
			t.Parallel()
			fn(t, iso)
		})
	}
}

// volumeSandbox creates a sandbox with vol mounted at /vol.
func volumeSandbox(t *testing.T, c *modal.Client, vol *modal.Volume, cmd ...string) *modal.Sandbox {
	t.Helper()
	app, img := testApp(t, c)
	sb, err := c.Sandboxes.Create(t.Context(), app, img, &modal.SandboxCreateParams{
		Command: cmd, Volumes: map[string]*modal.Volume{"/vol": vol},
	})
	if err != nil {
		t.Fatal(err)
	}
	return sb
}

// seen reports whether a sandbox sees /vol/<name>.
func seen(t *testing.T, sb *modal.Sandbox, name string) bool {
	t.Helper()
	_, _, code := execOut(t, sb, "test", "-e", "/vol/"+name)
	return code == 0
}

// write makes a file on the volume from inside a sandbox.
func write(t *testing.T, sb *modal.Sandbox, name, text string) {
	t.Helper()
	if err := sb.Filesystem.WriteText(t.Context(), text, "/vol/"+name, nil); err != nil {
		t.Fatal(err)
	}
}

// TestVolumeCommitSemantics pins Modal's volume model (v1 and v2): "At
// container creation time the latest state of an attached Volume is
// mounted. If the Volume is then subsequently modified by a commit
// operation in another running container, that Volume modification won't
// become available until the original container does a .reload()"; a
// container's changes become visible outside it once committed, and a
// final commit happens on container shutdown (modal.com/docs/guide/volumes;
// the SDK's TestSandboxReloadVolumes, test/sandbox_test.go:351-416, and
// examples/sandbox-volume/main.go, a reader created after the writer's
// Wait sees its file).
func TestVolumeCommitSemantics(t *testing.T) {
	t.Parallel()
	eachRuntime(t, func(t *testing.T, iso Isolation) {
		for _, version := range []int{1, 2} {
			srv := startEmulator(t, Options{Isolation: iso})
			c := newClient(t, srv)
			ctx := t.Context()
			vol, err := c.Volumes.FromName(ctx, "v", &modal.VolumeFromNameParams{CreateIfMissing: true, Version: version})
			if err != nil {
				t.Fatal(err)
			}
			writer := volumeSandbox(t, c, vol)
			reader := volumeSandbox(t, c, vol)
			write(t, writer, "a.txt", "A")
			if !seen(t, writer, "a.txt") {
				t.Fatalf("v%d: the writer does not see its own write", version)
			}
			if seen(t, reader, "a.txt") {
				t.Fatalf("v%d: a running sandbox sees another's uncommitted write", version)
			}
			if err := writer.ReloadVolumes(ctx, nil); err != nil {
				t.Fatal(err)
			}
			if seen(t, reader, "a.txt") {
				t.Fatalf("v%d: a sandbox sees a commit before it reloads", version)
			}
			if err := reader.ReloadVolumes(ctx, nil); err != nil {
				t.Fatal(err)
			}
			if !seen(t, reader, "a.txt") {
				t.Fatalf("v%d: a reload does not bring another sandbox's commit", version)
			}
			// A write made since is committed when the writer shuts down:
			// a sandbox created after it ended sees it; one created before
			// does not.
			write(t, writer, "b.txt", "B")
			before := volumeSandbox(t, c, vol)
			terminate(t, writer)
			after := volumeSandbox(t, c, vol)
			if seen(t, before, "b.txt") {
				t.Errorf("v%d: a sandbox mounted before the commit sees it", version)
			}
			if !seen(t, after, "b.txt") {
				t.Errorf("v%d: a write is not committed when its sandbox is terminated", version)
			}
			// A sandbox whose command exits commits too.
			done := volumeSandbox(t, c, vol, "sh", "-c", "true")
			if _, err := done.Wait(ctx, nil); err != nil {
				t.Fatal(err)
			}
			// Removals are committed as well.
			_, _, code := execOut(t, after, "rm", "/vol/a.txt")
			if code != 0 {
				t.Fatal("rm failed")
			}
			terminate(t, after)
			last := volumeSandbox(t, c, vol)
			if seen(t, last, "a.txt") || !seen(t, last, "b.txt") {
				t.Errorf("v%d: after the remover's commit: a.txt %v (want gone), b.txt %v", version, seen(t, last, "a.txt"), seen(t, last, "b.txt"))
			}
			for _, sb := range []*modal.Sandbox{reader, before, last} {
				terminate(t, sb)
			}
			for _, st := range srv.Sandboxes() {
				if st.InPlaceWrites != 0 {
					t.Errorf("sandbox %s: %d files modified in place", st.ID, st.InPlaceWrites)
				}
			}
		}
	})
}

// TestVolumeV2Sync: on a v2 volume, `sync` in the sandbox commits its
// writes (spec/modal.md §5.2); on v1 it does not.
func TestVolumeV2Sync(t *testing.T) {
	t.Parallel()
	srv := startEmulator(t, Options{})
	c := newClient(t, srv)
	for _, version := range []int{1, 2} {
		vol, err := c.Volumes.FromName(t.Context(), "sync-v"+string(rune('0'+version)), &modal.VolumeFromNameParams{CreateIfMissing: true, Version: version})
		if err != nil {
			t.Fatal(err)
		}
		w := volumeSandbox(t, c, vol)
		write(t, w, "s.txt", "S")
		if _, _, code := execOut(t, w, "sync"); code != 0 {
			t.Fatal("sync failed")
		}
		r := volumeSandbox(t, c, vol)
		if got := seen(t, r, "s.txt"); got != (version == 2) {
			t.Errorf("v%d: a new sandbox sees the write after sync: %v", version, got)
		}
		terminate(t, w)
		terminate(t, r)
	}
}

// TestTerminateIsAsynchronous: Terminate asks the sandbox to stop and
// returns; the sandbox (and its volume commit) ends later, so a sandbox
// created right after a Terminate without Wait can mount the volume
// without the terminated sandbox's writes, while Terminate with Wait
// returns once it ended, commit included (sandbox.go:1592-1623:
// SandboxTerminateParams.Wait "will wait for the Sandbox to terminate and
// return the exit code"; the SDK's TestCreateOneSandboxTerminateWaitWorks
// waits for 137 after a plain Terminate). Right after the call it takes no
// new commands (TestSandboxExecAfterTerminateFails).
func TestTerminateIsAsynchronous(t *testing.T) {
	t.Parallel()
	srv := startEmulator(t, Options{TerminateLatency: 700 * time.Millisecond})
	c := newClient(t, srv)
	ctx := t.Context()
	vol, err := c.Volumes.FromName(ctx, "stage", &modal.VolumeFromNameParams{CreateIfMissing: true})
	if err != nil {
		t.Fatal(err)
	}
	w := volumeSandbox(t, c, vol)
	write(t, w, "worker", "binary")
	if _, err := w.Terminate(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if code, err := w.Poll(ctx, nil); err != nil || code != nil {
		t.Errorf("Poll right after Terminate = %v, %v; want still running", code, err)
	}
	if _, err := w.Exec(ctx, []string{"true"}, nil); err == nil {
		t.Error("a terminating sandbox accepted a command")
	}
	early := volumeSandbox(t, c, vol)
	if seen(t, early, "worker") {
		t.Error("a sandbox created right after Terminate (no Wait) sees the terminated sandbox's write")
	}
	if code, err := w.Wait(ctx, nil); err != nil || code != 137 {
		t.Errorf("Wait after Terminate = %d, %v; want 137", code, err)
	}
	late := volumeSandbox(t, c, vol)
	if !seen(t, late, "worker") {
		t.Error("the write is not committed once the sandbox ended")
	}

	w2 := volumeSandbox(t, c, vol)
	write(t, w2, "w2", "x")
	start := time.Now()
	if code, err := w2.Terminate(ctx, &modal.SandboxTerminateParams{Wait: true}); err != nil || code != 137 {
		t.Errorf("Terminate(Wait) = %d, %v", code, err)
	}
	if d := time.Since(start); d < 600*time.Millisecond {
		t.Errorf("Terminate(Wait) returned after %v, before the sandbox ended", d)
	}
	after := volumeSandbox(t, c, vol)
	if !seen(t, after, "w2") {
		t.Error("Terminate(Wait) returned before the commit")
	}
	for _, sb := range []*modal.Sandbox{early, late, after} {
		terminate(t, sb)
	}
}

// TestCapacity: with MaxSandboxes running, a create blocks until the
// sandbox is scheduled ("Sandboxes.Create() now blocks until the Sandbox is
// scheduled instead of returning immediately") and, when none ends within
// CapacityWait, fails with RESOURCE_EXHAUSTED ("creation will time out and
// return a ResourceExhaustedError", CHANGELOG 0.11.0; on the V2 path the
// SDK returns the status as is, spec/modal-v0.11.md §4.3).
func TestCapacity(t *testing.T) {
	t.Parallel()
	srv := startEmulator(t, Options{MaxSandboxes: 2, CapacityWait: 400 * time.Millisecond, TerminateLatency: -1})
	c := newClient(t, srv)
	ctx := t.Context()
	app, img := testApp(t, c)
	create := func() (*modal.Sandbox, error) {
		return c.Sandboxes.Create(ctx, app, img, nil)
	}
	a, err := create()
	if err != nil {
		t.Fatal(err)
	}
	b, err := create()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = create()
	if status.Code(err) != codes.ResourceExhausted {
		t.Fatalf("a third create with 2 running = %v; want RESOURCE_EXHAUSTED", err)
	}
	if d := time.Since(start); d < 350*time.Millisecond {
		t.Errorf("the create failed after %v, without waiting for capacity", d)
	}
	// A sandbox ending within the wait frees a slot for the waiting create.
	go func() {
		time.Sleep(150 * time.Millisecond)
		terminate(t, a)
	}()
	start = time.Now()
	d, err := create()
	if err != nil {
		t.Fatalf("a create waiting for a slot that frees up: %v", err)
	}
	if w := time.Since(start); w < 100*time.Millisecond {
		t.Errorf("the create returned after %v, before a slot was free", w)
	}
	terminate(t, b)
	terminate(t, d)
	if got := srv.PeakSandboxes(); got != 2 {
		t.Errorf("peak running sandboxes = %d, want 2", got)
	}
}

// TestCapacityV1: a GPU sandbox goes through the V1 create, which returns
// at once; the SDK then polls the task id until the sandbox is scheduled
// (sandbox.go:566-604, 1415-1433), so Create still blocks until capacity
// frees up.
func TestCapacityV1(t *testing.T) {
	t.Parallel()
	srv := startEmulator(t, Options{MaxSandboxes: 1})
	c := newClient(t, srv)
	ctx := t.Context()
	app, img := testApp(t, c)
	a, err := c.Sandboxes.Create(ctx, app, img, nil)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(700 * time.Millisecond)
		terminate(t, a)
	}()
	start := time.Now()
	g, err := c.Sandboxes.Create(ctx, app, img, &modal.SandboxCreateParams{GPU: "T4"})
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 600*time.Millisecond {
		t.Errorf("the V1 create returned after %v, before it was scheduled", d)
	}
	if strings.HasPrefix(g.SandboxID, "sb-01") || len(g.SandboxID) != 25 {
		t.Errorf("V1 sandbox id %q is not V1-shaped", g.SandboxID)
	}
	terminate(t, g)
}

// TestExecTimeout: an exec past its timeout is killed with signal 9 and
// Wait returns 137 (test/sandbox_test.go:2461-2482), and output written
// before stays readable (:2484-2517).
func TestExecTimeout(t *testing.T) {
	t.Parallel()
	eachRuntime(t, func(t *testing.T, iso Isolation) {
		srv := startEmulator(t, Options{Isolation: iso})
		c := newClient(t, srv)
		ctx := t.Context()
		app, img := testApp(t, c)
		sb, err := c.Sandboxes.Create(ctx, app, img, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer terminate(t, sb)
		p, err := sb.Exec(ctx, []string{"sh", "-c", "echo before; sleep 60"}, &modal.SandboxExecParams{Timeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		code, err := p.Wait(ctx, nil)
		if err != nil || code != 137 {
			t.Errorf("Wait = %d, %v; want 137", code, err)
		}
	})
}

// TestNameRules: App, Volume and Sandbox names follow Modal's object name
// rule (name_utils.go:9-34): at most 64 characters of [A-Za-z0-9._-], not
// shaped like an App id; the service refuses others with InvalidArgument.
func TestNameRules(t *testing.T) {
	t.Parallel()
	srv := startEmulator(t, Options{})
	c := newClient(t, srv)
	ctx := t.Context()
	for _, bad := range []string{"has space", "slash/name", strings.Repeat("x", 65), "ap-0123456789abcdefghijkl", "ünï"} {
		if _, err := c.Apps.FromName(ctx, bad, &modal.AppFromNameParams{CreateIfMissing: true}); status.Code(errors.Unwrap(err)) != codes.InvalidArgument && !strings.Contains(errString(err), "InvalidArgument") {
			t.Errorf("app %q: %v, want InvalidArgument", bad, err)
		}
		if _, err := c.Volumes.FromName(ctx, bad, &modal.VolumeFromNameParams{CreateIfMissing: true}); !strings.Contains(errString(err), "InvalidArgument") {
			t.Errorf("volume %q: %v, want InvalidArgument", bad, err)
		}
	}
	for _, good := range []string{"bilancio-simulations", "a.b_c-d", strings.Repeat("x", 64)} {
		if _, err := c.Apps.FromName(ctx, good, &modal.AppFromNameParams{CreateIfMissing: true}); err != nil {
			t.Errorf("app %q: %v", good, err)
		}
		if _, err := c.Volumes.FromName(ctx, good, &modal.VolumeFromNameParams{CreateIfMissing: true}); err != nil {
			t.Errorf("volume %q: %v", good, err)
		}
	}
	if _, err := c.Apps.FromName(ctx, "missing", nil); !errors.As(err, new(modal.NotFoundError)) {
		t.Errorf("a missing app without CreateIfMissing: %v, want NotFoundError", err)
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// TestSandboxTimeouts: a sandbox lives at most 24 hours, so a longer
// timeout is refused; one that reaches its timeout ends with TIMEOUT,
// which the SDK reports as 124 (modal.com/docs/guide/sandbox: "a timeout
// of up to 24 hours"; sandbox.go:2484-2501).
func TestSandboxTimeouts(t *testing.T) {
	t.Parallel()
	srv := startEmulator(t, Options{})
	c := newClient(t, srv)
	ctx := t.Context()
	app, img := testApp(t, c)
	if _, err := c.Sandboxes.Create(ctx, app, img, &modal.SandboxCreateParams{Timeout: 24*time.Hour + time.Second}); !strings.Contains(errString(err), "InvalidArgument") {
		t.Errorf("a 24h1s timeout: %v, want InvalidArgument", err)
	}
	if sb, err := c.Sandboxes.Create(ctx, app, img, &modal.SandboxCreateParams{Timeout: 24 * time.Hour}); err != nil {
		t.Errorf("a 24h timeout: %v", err)
	} else {
		terminate(t, sb)
	}
	sb, err := c.Sandboxes.Create(ctx, app, img, &modal.SandboxCreateParams{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if code, err := sb.Wait(ctx, nil); err != nil || code != 124 {
		t.Errorf("a sandbox past its timeout: Wait = %d, %v; want 124", code, err)
	}
}

// TestImageBuild: an image layer takes Options.ImageBuild to build and is
// then cached; with isolated sandboxes its RUN instructions run and a
// sandbox of the image sees what they wrote (the SDK's
// TestDockerfileCommands); a failing RUN fails the build with a
// RemoteError (image.go:467-478).
func TestImageBuild(t *testing.T) {
	t.Parallel()
	srv := startEmulator(t, Options{ImageBuild: 300 * time.Millisecond})
	c := newClient(t, srv)
	ctx := t.Context()
	app, _ := testApp(t, c)
	start := time.Now()
	img, err := c.Images.FromRegistry("debian:bookworm-slim", nil).DockerfileCommands([]string{"RUN echo built > /root/marker"}, nil).Build(ctx, app, nil)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 500*time.Millisecond {
		t.Errorf("two layers built in %v, less than 2 × 300 ms", d)
	}
	start = time.Now()
	again, err := c.Images.FromRegistry("debian:bookworm-slim", nil).DockerfileCommands([]string{"RUN echo built > /root/marker"}, nil).Build(ctx, app, nil)
	if err != nil || again.ImageID != img.ImageID {
		t.Errorf("rebuild: %v, %v; want the cached %s", again, err, img.ImageID)
	}
	if d := time.Since(start); d > 250*time.Millisecond {
		t.Errorf("a cached image took %v", d)
	}
	if srv.Isolated() {
		sb, err := c.Sandboxes.Create(ctx, app, img, nil)
		if err != nil {
			t.Fatal(err)
		}
		if out, _, _ := execOut(t, sb, "cat", "/root/marker"); out != "built\n" {
			t.Errorf("the RUN's file reads %q", out)
		}
		terminate(t, sb)
		_, err = c.Images.FromRegistry("debian:bookworm-slim", nil).DockerfileCommands([]string{"RUN exit 3"}, nil).Build(ctx, app, nil)
		if !errors.As(err, new(modal.RemoteError)) {
			t.Errorf("a failing RUN: %v, want a RemoteError", err)
		}
	}
}

// TestColdStart: Options.ColdStart delays every sandbox's start, and
// Create blocks until the sandbox runs.
func TestColdStart(t *testing.T) {
	t.Parallel()
	srv := startEmulator(t, Options{ColdStart: 400 * time.Millisecond})
	c := newClient(t, srv)
	app, img := testApp(t, c)
	start := time.Now()
	sb, err := c.Sandboxes.Create(t.Context(), app, img, nil)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 400*time.Millisecond {
		t.Errorf("Create returned after %v, within the cold start", d)
	}
	if _, _, code := execOut(t, sb, "true"); code != 0 {
		t.Error("the sandbox cannot run a command right after Create")
	}
	terminate(t, sb)
}

// TestCredentials: the control plane accepts only the configured token
// pair and never echoes what it was given.
func TestCredentials(t *testing.T) {
	t.Parallel()
	srv := startEmulator(t, Options{})
	c := newClient(t, srv, "MODAL_TOKEN_SECRET=wrong-secret-value")
	_, err := c.Apps.FromName(t.Context(), "x", &modal.AppFromNameParams{CreateIfMissing: true})
	if err == nil || !strings.Contains(err.Error(), "Unauthenticated") {
		t.Fatalf("wrong secret: %v, want Unauthenticated", err)
	}
	if strings.Contains(err.Error(), "wrong-secret-value") {
		t.Error("the error echoes the secret")
	}
}

// TestRemovedSandboxFolders: a finished sandbox's volume views are
// removed once committed, so the emulator's disk use stays bounded.
func TestRemovedSandboxFolders(t *testing.T) {
	t.Parallel()
	srv := startEmulator(t, Options{})
	c := newClient(t, srv)
	vol, err := c.Volumes.FromName(t.Context(), "v", &modal.VolumeFromNameParams{CreateIfMissing: true})
	if err != nil {
		t.Fatal(err)
	}
	sb := volumeSandbox(t, c, vol)
	write(t, sb, "f", "x")
	terminate(t, sb)
	if _, err := os.Stat(filepath.Join(srv.Root(), "sandboxes", sb.SandboxID, "volumes")); !os.IsNotExist(err) {
		t.Errorf("the views of a finished sandbox remain: %v", err)
	}
	dir, _ := srv.VolumeDir("v")
	if b, err := os.ReadFile(filepath.Join(dir, "f")); err != nil || string(b) != "x" {
		t.Errorf("committed file: %q, %v", b, err)
	}
}

// TestVolumeReadOnlyMount: a volume mounted with ReadOnly refuses writes
// ("Read-only file system", the SDK's TestSandboxWithReadOnlyVolume,
// test/sandbox_test.go:259-296, VolumeMountOptionsParams.ReadOnly in
// volume.go) and commits nothing when its sandbox ends. Isolated sandboxes
// refuse the write itself; mapped ones (no mount namespace) still commit
// nothing.
func TestVolumeReadOnlyMount(t *testing.T) {
	t.Parallel()
	eachRuntime(t, func(t *testing.T, iso Isolation) {
		srv := startEmulator(t, Options{Isolation: iso})
		c := newClient(t, srv)
		ctx := t.Context()
		vol, err := c.Volumes.FromName(ctx, "ro", &modal.VolumeFromNameParams{CreateIfMissing: true})
		if err != nil {
			t.Fatal(err)
		}
		yes := true
		ro := volumeSandbox(t, c, vol.WithMountOptions(&modal.VolumeMountOptionsParams{ReadOnly: &yes}))
		_, stderr, code := execOut(t, ro, "sh", "-c", "echo test > /vol/ro.txt")
		if iso == IsolationRequired && (code == 0 || !strings.Contains(stderr, "Read-only file system")) {
			t.Errorf("a write to a read-only mount: exit %d, stderr %q; want a failure saying Read-only file system", code, stderr)
		}
		terminate(t, ro)
		after := volumeSandbox(t, c, vol)
		if seen(t, after, "ro.txt") {
			t.Error("a read-only mount committed a write")
		}
		terminate(t, after)
	})
}
