package modalemu

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	modal "github.com/modal-labs/libmodal/modal-go"
)

// sandboxEnv is what every sandbox test needs: a client, the app, the
// results volume (with its host folder) and an image.
type sandboxEnv struct {
	srv    *Server
	c      *modal.Client
	app    *modal.App
	vol    *modal.Volume
	volDir string
	image  *modal.Image
}

func newSandboxEnv(t *testing.T) *sandboxEnv {
	t.Helper()
	srv := startEmulator(t, nil)
	c := mustClient(t, srv)
	app, err := c.Apps.FromName(t.Context(), "bilancio-simulations", &modal.AppFromNameParams{CreateIfMissing: true})
	if err != nil {
		t.Fatal(err)
	}
	vol, err := c.Volumes.FromName(t.Context(), "bilancio-results", &modal.VolumeFromNameParams{CreateIfMissing: true})
	if err != nil {
		t.Fatal(err)
	}
	dir, err := srv.VolumeDir("", "bilancio-results")
	if err != nil {
		t.Fatal(err)
	}
	return &sandboxEnv{srv: srv, c: c, app: app, vol: vol, volDir: dir,
		image: c.Images.FromRegistry("debian:bookworm-slim", nil)}
}

// create starts a sandbox with the volume mounted at /mnt/results.
func (e *sandboxEnv) create(t *testing.T, p modal.SandboxCreateParams) *modal.Sandbox {
	t.Helper()
	p.Volumes = map[string]*modal.Volume{"/mnt/results": e.vol}
	if p.Timeout == 0 {
		p.Timeout = 60 * time.Second
	}
	sb, err := e.c.Sandboxes.Create(t.Context(), e.app, e.image, &p)
	if err != nil {
		t.Fatalf("Sandboxes.Create: %v", err)
	}
	return sb
}

// wait waits for the sandbox and checks its exit code.
func wait(t *testing.T, sb *modal.Sandbox, want int) {
	t.Helper()
	code, err := sb.Wait(t.Context())
	if err != nil {
		t.Fatalf("Wait: %v", err)
	}
	if code != want {
		t.Fatalf("exit code = %d, want %d", code, want)
	}
}

func TestSandboxEcho(t *testing.T) {
	e := newSandboxEnv(t)
	sb := e.create(t, modal.SandboxCreateParams{Command: []string{"sh", "-c", "echo hello from the sandbox; echo oops >&2"}})
	defer sb.Stdout.Close()
	defer sb.Stderr.Close()
	out, err := io.ReadAll(sb.Stdout)
	if err != nil || string(out) != "hello from the sandbox\n" {
		t.Fatalf("stdout = %q, %v", out, err)
	}
	errOut, err := io.ReadAll(sb.Stderr)
	if err != nil || string(errOut) != "oops\n" {
		t.Fatalf("stderr = %q, %v", errOut, err)
	}
	wait(t, sb, 0)
	if _, err := sb.Exec(t.Context(), []string{"true"}, nil); err == nil || !strings.Contains(err.Error(), "already completed") {
		t.Fatalf("Exec in a finished sandbox: err = %v, want 'already completed'", err)
	}
}

func TestSandboxUsesMountedVolume(t *testing.T) {
	e := newSandboxEnv(t)
	if err := os.MkdirAll(filepath.Join(e.volDir, "exp1"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(e.volDir, "exp1", "in.txt"), []byte("payload"), 0o644); err != nil {
		t.Fatal(err)
	}
	sb := e.create(t, modal.SandboxCreateParams{
		Command: []string{"cp", "/mnt/results/exp1/in.txt", "/mnt/results/exp1/out.txt"},
	})
	wait(t, sb, 0)
	got, err := os.ReadFile(filepath.Join(e.volDir, "exp1", "out.txt"))
	if err != nil || string(got) != "payload" {
		t.Fatalf("out.txt = %q, %v", got, err)
	}
}

func TestSandboxEnvAndWorkdir(t *testing.T) {
	e := newSandboxEnv(t)
	t.Setenv("MODAL_TOKEN_SECRET", testTokenSecret) // must not reach the sandbox
	sb := e.create(t, modal.SandboxCreateParams{
		Workdir: "/mnt/results",
		Env:     map[string]string{"GREETING": "hi"},
		Command: []string{"sh", "-c", `printf %s "$GREETING$MODAL_TOKEN_SECRET" > env.txt`},
	})
	wait(t, sb, 0)
	got, err := os.ReadFile(filepath.Join(e.volDir, "env.txt"))
	if err != nil || string(got) != "hi" {
		t.Fatalf("env.txt = %q, %v", got, err)
	}
}

func TestSandboxExitCode(t *testing.T) {
	e := newSandboxEnv(t)
	wait(t, e.create(t, modal.SandboxCreateParams{Command: []string{"sh", "-c", "exit 3"}}), 3)
	sb := e.create(t, modal.SandboxCreateParams{Command: []string{"/nonexistent/command"}})
	wait(t, sb, 127)
	if errOut, err := io.ReadAll(sb.Stderr); err != nil || !strings.Contains(string(errOut), "/nonexistent/command") {
		t.Fatalf("stderr of a command that cannot start = %q, %v", errOut, err)
	}
	sb.Stderr.Close()
}

func TestSandboxTerminate(t *testing.T) {
	e := newSandboxEnv(t)
	sb := e.create(t, modal.SandboxCreateParams{Command: []string{"sleep", "30"}})
	if code, err := sb.Poll(t.Context()); err != nil || code != nil {
		t.Fatalf("Poll of a running sandbox = %v, %v; want nil", code, err)
	}
	start := time.Now()
	if err := sb.Terminate(t.Context()); err != nil {
		t.Fatalf("Terminate: %v", err)
	}
	wait(t, sb, 137)
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("terminate took %v", d)
	}
}

func TestIdleSandboxTerminate(t *testing.T) {
	e := newSandboxEnv(t)
	sb := e.create(t, modal.SandboxCreateParams{})
	if err := sb.Terminate(t.Context()); err != nil {
		t.Fatalf("Terminate: %v", err)
	}
	wait(t, sb, 137)
}

func TestSandboxTimeout(t *testing.T) {
	e := newSandboxEnv(t)
	sb := e.create(t, modal.SandboxCreateParams{Timeout: time.Second, Command: []string{"sleep", "30"}})
	wait(t, sb, 124)
}

func TestSandboxNameUnique(t *testing.T) {
	e := newSandboxEnv(t)
	e.create(t, modal.SandboxCreateParams{Name: "run-1"})
	_, err := e.c.Sandboxes.Create(t.Context(), e.app, e.image, &modal.SandboxCreateParams{Name: "run-1"})
	if _, ok := err.(modal.AlreadyExistsError); !ok {
		t.Fatalf("second sandbox with the same name: err = %v, want AlreadyExistsError", err)
	}
}

func TestCloseKillsSandboxes(t *testing.T) {
	e := newSandboxEnv(t)
	e.create(t, modal.SandboxCreateParams{Command: []string{"sleep", "30"}})
	start := time.Now()
	e.srv.Close()
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("Close took %v", d)
	}
}
