//go:build unix

package commands

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/bilancio-go/bilancio/internal/modalemu"
	"github.com/bilancio-go/bilancio/internal/pluginhost"
)

// Credentials the emulator accepts in the modal sweep tests.
const (
	modalTestTokenID     = "test-token-id"
	modalTestTokenSecret = "test-token-secret-do-not-log"
)

// modalSweepEnv builds the modal plugin into a plugin directory, starts a
// Modal emulator, and returns the directory and the environment that
// points bilancio (and through it the plugin) at the emulator.
func modalSweepEnv(t *testing.T) (pluginDir string, env []string) {
	t.Helper()
	needBinary(t)
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		t.Skipf("the emulator runs the worker on the host, which must be linux/amd64 (this is %s/%s)", runtime.GOOS, runtime.GOARCH)
	}
	pluginDir = t.TempDir()
	bin := filepath.Join(pluginDir, pluginhost.BinaryName("modal"))
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/bilancio-go/bilancio/plugins/modal/cmd/bilancio-executor-modal").CombinedOutput(); err != nil {
		t.Fatalf("building the modal plugin: %v\n%s", err, out)
	}
	sum, err := pluginhost.FileSHA256(bin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(pluginDir, pluginhost.SumName("modal")), []byte(sum+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	srv, err := modalemu.Start(t.Context(), modalemu.Options{TokenID: modalTestTokenID, TokenSecret: modalTestTokenSecret, Root: t.TempDir()})
	if err != nil {
		t.Fatalf("starting the emulator: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	env = append(os.Environ(),
		"MODAL_SERVER_URL="+srv.URL(),
		"MODAL_TOKEN_ID="+modalTestTokenID,
		"MODAL_TOKEN_SECRET="+modalTestTokenSecret,
		"MODAL_CONFIG_PATH="+filepath.Join(t.TempDir(), "none.toml"),
	)
	return pluginDir, env
}

// runBilancio runs the bilancio binary with env and returns its combined
// output and exit code.
func runBilancio(t *testing.T, env []string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), bilancioBin, args...)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running bilancio: %v", err)
	}
	return string(out), code
}

// TestSweepModalEndToEnd runs examples/sweeps/ring_modal.hcl (4 runs) and
// the same sweep from `sweep ring -cloud` flags through the real modal
// plugin and the emulator: every run completes and lands verified on local
// disk, and the token secret appears in no output.
func TestSweepModalEndToEnd(t *testing.T) {
	pluginDir, env := modalSweepEnv(t)
	example := filepath.Join("..", "examples", "sweeps", "ring_modal.hcl")
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"hcl", []string{"sweep", "run", "-plugin-dir", pluginDir, "-out", t.TempDir(), "-yes", example}},
		{"cloud-flags", []string{"sweep", "ring", "-cloud", "-cloud-parallel", "2", "-plugin-dir", pluginDir,
			"-n-agents", "5", "-kappas", "0.5,2", "-concentrations", "1", "-mus", "0,1", "-out-dir", filepath.Join(t.TempDir(), "exp")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, code := runBilancio(t, env, tc.args...)
			if code != 0 {
				t.Fatalf("exit %d:\n%s", code, out)
			}
			if strings.Contains(out, modalTestTokenSecret) {
				t.Errorf("the token secret appears in the output")
			}
			for _, want := range []string{"executor modal (plugin", "4 of 4 runs done"} {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
		})
	}
}

// TestSweepModalEstimate prices examples/sweeps/ring_modal.hcl from a pilot
// with the modal plugin's rate card, and checks that -max-cost refuses the
// sweep before any work when the estimate is over it.
func TestSweepModalEstimate(t *testing.T) {
	pluginDir, env := modalSweepEnv(t)
	example := filepath.Join("..", "examples", "sweeps", "ring_modal.hcl")
	out, code := runBilancio(t, env, "sweep", "estimate", "-plugin-dir", pluginDir, example)
	if code != 0 {
		t.Fatalf("estimate: exit %d:\n%s", code, out)
	}
	for _, want := range []string{"pilot: 3 runs", "runs               4", "seconds per run", "wall-clock seconds", "sandbox-seconds", "USD"} {
		if !strings.Contains(out, want) {
			t.Errorf("estimate output lacks %q:\n%s", want, out)
		}
	}

	outDir := t.TempDir()
	out, code = runBilancio(t, env, "sweep", "run", "-plugin-dir", pluginDir, "-out", outDir, "-max-cost", "0.0000001", example)
	if code != sweepExitError {
		t.Fatalf("-max-cost: exit %d, want %d:\n%s", code, sweepExitError, out)
	}
	if !strings.Contains(out, "over budget") || !strings.Contains(out, "-max-cost") {
		t.Errorf("-max-cost refusal does not say why:\n%s", out)
	}
	if entries, _ := os.ReadDir(outDir); len(entries) != 0 {
		t.Errorf("-max-cost refusal left %d entries in the output folder", len(entries))
	}

	out, code = runBilancio(t, env, "sweep", "run", "-plugin-dir", pluginDir, "-out", outDir, "-max-cost", "100", example)
	if code != 0 || !strings.Contains(out, "4 of 4 runs done") {
		t.Fatalf("-max-cost 100: exit %d:\n%s", code, out)
	}
}
