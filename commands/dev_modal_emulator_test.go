package commands

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bilancio-go/bilancio/commands/core"
)

// TestDevModalEmulator: `bilancio dev modal-emulator` runs the emulator
// binary found beside bilancio, with its flags, as the same process (a
// signal to bilancio's pid stops the emulator); without the emulator it says
// how to build it.
func TestDevModalEmulator(t *testing.T) {
	needBinary(t)
	if runtime.GOOS == "windows" {
		t.Skip("bilancio execs the emulator on Unix only")
	}
	dir := t.TempDir()
	// bilancio hands `dev` over to bilancio-sweep, which runs the emulator:
	// both exec, so the emulator is still bilancio's process.
	bin := filepath.Join(dir, "bilancio")
	for _, name := range []string{"bilancio", core.SweepBinary} {
		data, err := os.ReadFile(filepath.Join(filepath.Dir(bilancioBin), name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o755); err != nil {
			t.Fatal(err)
		}
	}

	// Not built: a clear error, exit 1.
	cmd := exec.Command(bin, "dev", "modal-emulator")
	cmd.Env = append(os.Environ(), "PATH="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if cmd.ProcessState == nil || cmd.ProcessState.ExitCode() != 1 || !strings.Contains(string(out), "make build") {
		t.Fatalf("without the emulator: %v\n%s", err, out)
	}

	build := exec.Command("go", "build", "-o", filepath.Join(dir, emulatorBinary), "github.com/bilancio-go/bilancio/cmd/"+emulatorBinary)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the emulator: %v\n%s", err, out)
	}
	root := t.TempDir()
	cmd = exec.Command(bin, "dev", "modal-emulator", "-token-id", "tid", "-token-secret", "tsecret", "-root", root)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	var lines []string
	sc := bufio.NewScanner(stdout)
	for len(lines) < 3 && sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "MODAL_SERVER_URL=http://127.0.0.1:") ||
		lines[1] != "MODAL_TOKEN_ID=tid" || lines[2] != "MODAL_TOKEN_SECRET=tsecret" {
		t.Fatalf("the emulator printed %q", lines)
	}
	// The emulator is bilancio's process: SIGTERM to that pid ends it cleanly.
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("the emulator did not stop cleanly on SIGTERM: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the emulator did not stop within 30 s of SIGTERM")
	}
}
