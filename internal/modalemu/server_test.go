package modalemu

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	modal "github.com/modal-labs/libmodal/modal-go"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

const (
	testTokenID     = "ak-emulator-test"
	testTokenSecret = "as-very-secret-value"
)

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startEmulator starts an emulator for the test, logging into logs if
// non-nil, and closes it at cleanup.
func startEmulator(t *testing.T, logs *syncBuffer) *Server {
	t.Helper()
	opts := Options{TokenID: testTokenID, TokenSecret: testTokenSecret, Root: t.TempDir()}
	if logs != nil {
		opts.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	srv, err := Start(t.Context(), opts)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// pointSDKAt sets the environment the real SDK reads (modal.md §8.5a), so
// that no developer configuration is used; the token comes from the caller.
func pointSDKAt(t *testing.T, srv *Server) {
	t.Helper()
	t.Setenv("MODAL_SERVER_URL", srv.URL())
	t.Setenv("MODAL_CONFIG_PATH", filepath.Join(t.TempDir(), "absent.toml"))
	t.Setenv("MODAL_PROFILE", "")
	t.Setenv("MODAL_ENVIRONMENT", "")
	t.Setenv("MODAL_TOKEN_ID", "")
	t.Setenv("MODAL_TOKEN_SECRET", "")
}

// newClient builds a real modal-go client against srv with the given token.
func newClient(t *testing.T, srv *Server, id, secret string) (*modal.Client, error) {
	t.Helper()
	pointSDKAt(t, srv)
	c, err := modal.NewClientWithOptions(&modal.ClientParams{TokenID: id, TokenSecret: secret})
	if err == nil {
		t.Cleanup(c.Close)
	}
	return c, err
}

// mustClient is newClient with the emulator's valid token.
func mustClient(t *testing.T, srv *Server) *modal.Client {
	t.Helper()
	c, err := newClient(t, srv, testTokenID, testTokenSecret)
	if err != nil {
		t.Fatalf("NewClientWithOptions: %v", err)
	}
	return c
}

func TestStartListensOnLoopbackOnly(t *testing.T) {
	srv := startEmulator(t, nil)
	if !strings.HasPrefix(srv.Addr(), "127.0.0.1:") {
		t.Errorf("Addr = %q, want 127.0.0.1:port", srv.Addr())
	}
	if srv.URL() != "http://"+srv.Addr() {
		t.Errorf("URL = %q", srv.URL())
	}
}

func TestStartRequiresToken(t *testing.T) {
	if _, err := Start(t.Context(), Options{TokenID: "only-id"}); err == nil {
		t.Fatal("Start without a token secret succeeded")
	}
}

func TestClientAuthenticatesWithEnvironmentToken(t *testing.T) {
	srv := startEmulator(t, nil)
	pointSDKAt(t, srv)
	t.Setenv("MODAL_TOKEN_ID", testTokenID)
	t.Setenv("MODAL_TOKEN_SECRET", testTokenSecret)
	c, err := modal.NewClient()
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	c.Close()
}

func TestWrongTokenIsUnauthenticated(t *testing.T) {
	logs := &syncBuffer{}
	srv := startEmulator(t, logs)
	for name, tok := range map[string][2]string{
		"wrong secret": {testTokenID, "as-wrong-secret"},
		"wrong id":     {"ak-someone-else", testTokenSecret},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := newClient(t, srv, tok[0], tok[1])
			if err == nil {
				t.Fatal("client construction succeeded with a wrong token")
			}
			if got := status.Code(err); got != codes.Unauthenticated {
				t.Errorf("code = %v, want Unauthenticated (err: %v)", got, err)
			}
			if !strings.Contains(err.Error(), "invalid Modal token id or secret") {
				t.Errorf("error %q does not explain the cause", err)
			}
			for _, secret := range []string{tok[1], testTokenSecret} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error reveals a token secret: %v", err)
				}
			}
		})
	}
	if !strings.Contains(logs.String(), "AuthTokenGet") {
		t.Errorf("expected the calls to be logged, got %q", logs.String())
	}
	for _, secret := range []string{testTokenSecret, "as-wrong-secret"} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("emulator log reveals a token secret")
		}
	}
}

func TestMissingCredentialsRejectedUnlessAllowed(t *testing.T) {
	srv := startEmulator(t, nil)
	ctx := t.Context() // no incoming metadata at all
	if err := srv.checkCredentials(ctx); status.Code(err) != codes.Unauthenticated {
		t.Errorf("checkCredentials without metadata = %v, want Unauthenticated", err)
	}
	srv.opts.AllowMissingCredentials = true
	if err := srv.checkCredentials(ctx); err != nil {
		t.Errorf("checkCredentials without metadata, allowed = %v", err)
	}
}

func TestFakeJWTLivesAnHour(t *testing.T) {
	srv := startEmulator(t, nil)
	resp, err := srv.AuthTokenGet(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if parts := strings.Split(resp.GetToken(), "."); len(parts) != 3 {
		t.Fatalf("token %q is not a three-part JWT", resp.GetToken())
	}
}

// TestSDKVersionPinned fails loudly when modal-go is bumped: v0.7 moves
// Exec to the Task Command Router, which the emulator lacks (modal.md §8.12).
// Test binaries carry no dependency build info, so go.mod is read instead.
func TestSDKVersionPinned(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		fields := strings.Fields(line)
		if len(fields) >= 2 && fields[0] == "github.com/modal-labs/libmodal/modal-go" {
			if fields[1] != "v0.6.3" {
				t.Fatalf("modal-go is %s; the emulator implements the v0.6.3 protocol (see STATUS.md)", fields[1])
			}
			return
		}
	}
	t.Fatal("modal-go not required in go.mod")
}
