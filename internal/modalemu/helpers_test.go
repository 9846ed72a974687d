package modalemu

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	modal "github.com/modal-labs/modal-client/go"
)

// Credentials the test emulators accept.
const (
	testTokenID     = "ak-test"
	testTokenSecret = "as-test-secret-never-logged"
)

// startEmulator starts an emulator for one test, closed at its end.
func startEmulator(t *testing.T, opts Options) *Server {
	t.Helper()
	opts.TokenID, opts.TokenSecret = testTokenID, testTokenSecret
	if opts.Root == "" {
		opts.Root = t.TempDir()
	}
	srv, err := Start(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// envMu serialises the environment changes newClient makes: the SDK reads
// its server URL and credentials from the environment when a client is
// built (config.go:139-209), and tests run in parallel.
var envMu sync.Mutex

// newClient builds a real Modal SDK client pointed at srv.
func newClient(t *testing.T, srv *Server, extra ...string) *modal.Client {
	t.Helper()
	envMu.Lock()
	defer envMu.Unlock()
	vars := append(srv.Env(filepath.Join(t.TempDir(), "none.toml")), extra...)
	old := map[string]*string{}
	for _, kv := range vars {
		k, v, _ := cut(kv)
		if prev, ok := os.LookupEnv(k); ok {
			old[k] = &prev
		} else {
			old[k] = nil
		}
		os.Setenv(k, v)
	}
	defer func() {
		for k, v := range old {
			if v == nil {
				os.Unsetenv(k)
			} else {
				os.Setenv(k, *v)
			}
		}
	}()
	c, err := modal.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func cut(kv string) (string, string, bool) {
	for i := range kv {
		if kv[i] == '=' {
			return kv[:i], kv[i+1:], true
		}
	}
	return kv, "", false
}

// testApp returns the App "test" and an image.
func testApp(t *testing.T, c *modal.Client) (*modal.App, *modal.Image) {
	t.Helper()
	app, err := c.Apps.FromName(t.Context(), "test", &modal.AppFromNameParams{CreateIfMissing: true})
	if err != nil {
		t.Fatal(err)
	}
	return app, c.Images.FromRegistry("debian:bookworm-slim", nil)
}

// execOut runs argv in sb and returns its stdout, stderr and exit code.
func execOut(t *testing.T, sb *modal.Sandbox, argv ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	p, err := sb.Exec(ctx, argv, nil)
	if err != nil {
		t.Fatalf("exec %v: %v", argv, err)
	}
	out, err := io.ReadAll(p.Stdout)
	if err != nil {
		t.Fatalf("exec %v: stdout: %v", argv, err)
	}
	errOut, err := io.ReadAll(p.Stderr)
	if err != nil {
		t.Fatalf("exec %v: stderr: %v", argv, err)
	}
	code, err := p.Wait(ctx, nil)
	if err != nil {
		t.Fatalf("exec %v: wait: %v", argv, err)
	}
	return string(out), string(errOut), code
}

// terminate ends a sandbox and waits for it.
func terminate(t *testing.T, sb *modal.Sandbox) int {
	t.Helper()
	code, err := sb.Terminate(context.Background(), &modal.SandboxTerminateParams{Wait: true})
	if err != nil {
		t.Errorf("terminate %s: %v", sb.SandboxID, err)
	}
	return code
}
