//go:build unix

package modal_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/bilancio-go/bilancio/internal/modalemu"
	"github.com/bilancio-go/bilancio/internal/pluginhost"
	"github.com/bilancio-go/bilancio/sdk"
	"github.com/bilancio-go/bilancio/sdk/runfolder"
)

// Credentials the emulator accepts in these tests.
const (
	testTokenID     = "test-token-id"
	testTokenSecret = "test-token-secret"
)

// binaries are the programs TestMain builds.
type binaries struct {
	dir    string
	plugin string
	worker *sdk.WorkerBinary
}

// bins is set once by TestMain, before any test runs, and only read after.
var bins binaries

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "bilancio-modal-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := 1
	if bins, err = build(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
	} else {
		code = m.Run()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// build builds the plugin binary (with its checksum file) and bilancio, the
// worker the sandboxes run (for the host: the emulator runs it locally).
func build(dir string) (binaries, error) {
	b := binaries{dir: dir, plugin: filepath.Join(dir, pluginhost.BinaryName("modal"))}
	for _, t := range []struct{ out, pkg string }{
		{b.plugin, "github.com/bilancio-go/bilancio/plugins/modal/cmd/bilancio-executor-modal"},
		{filepath.Join(dir, "bilancio"), "github.com/bilancio-go/bilancio"},
	} {
		if out, err := exec.Command("go", "build", "-o", t.out, t.pkg).CombinedOutput(); err != nil {
			return b, fmt.Errorf("building %s: %v\n%s", t.pkg, err, out)
		}
	}
	sum, err := runfolder.FileSHA256(b.plugin)
	if err != nil {
		return b, err
	}
	if err := os.WriteFile(filepath.Join(dir, pluginhost.SumName("modal")), []byte(sum+"\n"), 0o644); err != nil {
		return b, err
	}
	wpath := filepath.Join(dir, "bilancio")
	wsum, err := runfolder.FileSHA256(wpath)
	if err != nil {
		return b, err
	}
	b.worker = &sdk.WorkerBinary{Path: wpath, SHA256: wsum, OS: runtime.GOOS, Arch: runtime.GOARCH}
	return b, nil
}

// requireLinuxAMD64 skips a test that executes runs where the host cannot
// pass for a Modal sandbox.
func requireLinuxAMD64(t *testing.T) {
	t.Helper()
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		t.Skipf("the emulator runs the worker on the host, which must be linux/amd64 like Modal's sandboxes (this is %s/%s)", runtime.GOOS, runtime.GOARCH)
	}
}

// emulator starts a Modal emulator for the test.
func emulator(t *testing.T) *modalemu.Server {
	t.Helper()
	srv, err := modalemu.Start(t.Context(), modalemu.Options{TokenID: testTokenID, TokenSecret: testTokenSecret, Root: t.TempDir()})
	if err != nil {
		t.Fatalf("starting the emulator: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

// modalEnv is the environment that points the plugin at srv, never at a
// developer's ~/.modal.toml.
func modalEnv(t *testing.T, srv *modalemu.Server) []string {
	return []string{
		"MODAL_SERVER_URL=" + srv.URL(),
		"MODAL_TOKEN_ID=" + testTokenID,
		"MODAL_TOKEN_SECRET=" + testTokenSecret,
		"MODAL_CONFIG_PATH=" + filepath.Join(t.TempDir(), "none.toml"),
	}
}

// subprocess starts the plugin binary as bilancio does (go-plugin, gRPC,
// checksum verified) with env, and returns its executor; the plugin is
// stopped when the test ends.
func subprocess(t testing.TB, env ...string) sdk.Executor {
	t.Helper()
	p, err := pluginhost.Open(context.Background(), pluginhost.Candidate{
		Name: "modal", Path: bins.plugin, SumPath: filepath.Join(bins.dir, pluginhost.SumName("modal")), Dir: bins.dir,
	}, pluginhost.WithEnv(env...))
	if err != nil {
		t.Fatalf("starting the plugin: %v", err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Errorf("stopping the plugin: %v", err)
		}
	})
	return p.Executor()
}
