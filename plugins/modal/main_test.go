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
	"github.com/bilancio-go/bilancio/plugins/modal"
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

// build builds the plugin binary (with its checksum file) and bilancio as
// the worker the sandboxes run: static linux/amd64, as for Modal (the
// emulator runs it on this host, which must therefore be linux/amd64 for
// the tests that execute runs).
func build(dir string) (binaries, error) {
	b := binaries{dir: dir, plugin: filepath.Join(dir, pluginhost.BinaryName("modal"))}
	for _, cmd := range []*exec.Cmd{
		exec.Command("go", "build", "-o", b.plugin, "github.com/bilancio-go/bilancio/plugins/modal/cmd/bilancio-executor-modal"),
		// The worker as `make build` makes it (TestWorkerIsStatic).
		exec.Command("make", "-s", "-C", "../..", "worker", "WORKER="+filepath.Join(dir, "bilancio")),
	} {
		if out, err := cmd.CombinedOutput(); err != nil {
			return b, fmt.Errorf("%v: %v\n%s", cmd.Args, err, out)
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
	b.worker = &sdk.WorkerBinary{Path: wpath, SHA256: wsum, OS: "linux", Arch: "amd64"}
	return b, nil
}

// requireLinuxAMD64 skips a test that executes runs where the host cannot
// pass for a Modal sandbox.
func requireLinuxAMD64(t testing.TB) {
	t.Helper()
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		t.Skipf("the emulator runs the worker on the host, which must be linux/amd64 like Modal's sandboxes (this is %s/%s)", runtime.GOOS, runtime.GOARCH)
	}
}

// emulator starts a Modal emulator for the test (options beyond the
// credentials and the root as given).
func emulator(t *testing.T, opts ...modalemu.Options) *modalemu.Server {
	t.Helper()
	var o modalemu.Options
	if len(opts) > 0 {
		o = opts[0]
	}
	o.TokenID, o.TokenSecret, o.Root = testTokenID, testTokenSecret, t.TempDir()
	srv, err := modalemu.Start(t.Context(), o)
	if err != nil {
		t.Fatalf("starting the emulator: %v", err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// modalEnv is the environment that points the plugin at srv, never at a
// developer's ~/.modal.toml.
func modalEnv(t *testing.T, srv *modalemu.Server) []string {
	return srv.Env(filepath.Join(t.TempDir(), "none.toml"))
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

// TestWorkerIsStatic: the worker `make build` makes (bin/bilancio-worker-
// linux-amd64, built here with the Makefile's recipe) is a statically
// linked linux/amd64 executable, as Modal's images promise no library.
func TestWorkerIsStatic(t *testing.T) {
	if err := modal.CheckStatic(bins.worker.Path); err != nil {
		t.Fatal(err)
	}
}
