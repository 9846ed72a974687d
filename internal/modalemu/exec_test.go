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

// execAndRead runs cmd in sb and returns its stdout, stderr and exit code.
func execAndRead(t *testing.T, sb *modal.Sandbox, cmd []string, p *modal.SandboxExecParams) (string, string, int) {
	t.Helper()
	proc, err := sb.Exec(t.Context(), cmd, p)
	if err != nil {
		t.Fatalf("Exec %v: %v", cmd, err)
	}
	defer proc.Stdout.Close()
	defer proc.Stderr.Close()
	stdout, err := io.ReadAll(proc.Stdout)
	if err != nil {
		t.Fatalf("read stdout: %v", err)
	}
	stderr, err := io.ReadAll(proc.Stderr)
	if err != nil {
		t.Fatalf("read stderr: %v", err)
	}
	code, err := proc.Wait(t.Context())
	if err != nil {
		t.Fatalf("Wait: %v", err)
	}
	return string(stdout), string(stderr), code
}

func TestExecStreamsOutputAndExitCode(t *testing.T) {
	e := newSandboxEnv(t)
	sb := e.create(t, modal.SandboxCreateParams{Workdir: "/job"})
	defer sb.Terminate(t.Context())

	out, errOut, code := execAndRead(t, sb, []string{"sh", "-c", "echo one; echo two >&2; sleep 0.2; echo three; exit 5"}, nil)
	if out != "one\nthree\n" || errOut != "two\n" || code != 5 {
		t.Fatalf("exec = (%q, %q, %d), want (\"one\\nthree\\n\", \"two\\n\", 5)", out, errOut, code)
	}
}

func TestExecMapsPathsAndEnv(t *testing.T) {
	e := newSandboxEnv(t)
	sb := e.create(t, modal.SandboxCreateParams{Workdir: "/job", Env: map[string]string{"A": "1"}})
	defer sb.Terminate(t.Context())

	if _, _, code := execAndRead(t, sb, []string{"mkdir", "-p", "/mnt/results/exp/runs/r1"}, nil); code != 0 {
		t.Fatalf("mkdir exit %d", code)
	}
	out, _, code := execAndRead(t, sb, []string{"sh", "-c", `printf %s "$A$B" > f.txt && pwd`},
		&modal.SandboxExecParams{Workdir: "/mnt/results/exp/runs/r1", Env: map[string]string{"B": "2"}})
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	dir := filepath.Join(e.volDir, "exp", "runs", "r1")
	if got, err := os.ReadFile(filepath.Join(dir, "f.txt")); err != nil || string(got) != "12" {
		t.Fatalf("f.txt = %q, %v", got, err)
	}
	if strings.TrimSpace(out) != dir {
		t.Fatalf("pwd = %q, want %q", out, dir)
	}
}

func TestExecStartFailureAndTimeout(t *testing.T) {
	e := newSandboxEnv(t)
	sb := e.create(t, modal.SandboxCreateParams{})
	defer sb.Terminate(t.Context())

	if _, errOut, code := execAndRead(t, sb, []string{"/no/such/binary"}, nil); code != 127 || errOut == "" {
		t.Fatalf("missing binary: exit %d, stderr %q", code, errOut)
	}
	start := time.Now()
	if _, _, code := execAndRead(t, sb, []string{"sleep", "30"}, &modal.SandboxExecParams{Timeout: time.Second}); code != 124 {
		t.Fatalf("exec past its timeout: exit %d, want 124", code)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("timeout took %v", d)
	}
}

func TestExecKilledWithSandbox(t *testing.T) {
	e := newSandboxEnv(t)
	sb := e.create(t, modal.SandboxCreateParams{})
	proc, err := sb.Exec(t.Context(), []string{"sleep", "30"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := sb.Terminate(t.Context()); err != nil {
		t.Fatal(err)
	}
	code, err := proc.Wait(t.Context())
	if err != nil || code != 137 {
		t.Fatalf("exec in a terminated sandbox: exit %d, %v; want 137", code, err)
	}
}

// TestExecEndsWithEntrypoint: when a sandbox's command exits, the processes
// started in it by ContainerExec die with it, as in a container.
func TestExecEndsWithEntrypoint(t *testing.T) {
	e := newSandboxEnv(t)
	sb := e.create(t, modal.SandboxCreateParams{Command: []string{"sleep", "0.5"}})
	defer sb.Terminate(t.Context())
	start := time.Now()
	_, _, code := execAndRead(t, sb, []string{"sleep", "30"}, nil)
	if d := time.Since(start); d > 10*time.Second || code == 0 {
		t.Fatalf("the exec ended after %v with code %d; want killed soon after the entrypoint's exit", d, code)
	}
}
