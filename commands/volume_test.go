package commands

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bilancio-go/bilancio/internal/modalemu"
	"github.com/bilancio-go/bilancio/sdk"
)

// TestVolumeCommands drives `bilancio volume ls|get|rm|cleanup` through the
// real modal plugin against a Modal emulator whose volume the test seeds.
func TestVolumeCommands(t *testing.T) {
	pluginDir, env := modalSweepEnv(t)
	srv, err := modalemu.Start(t.Context(), modalemu.Options{TokenID: modalTestTokenID, TokenSecret: modalTestTokenSecret, Root: t.TempDir()})
	if err != nil {
		t.Fatalf("starting the emulator: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	env = append(env, "MODAL_SERVER_URL="+srv.URL())
	bil := func(wantCode int, args ...string) string {
		t.Helper()
		out, code := runBilancio(t, env, append(args, "-plugin-dir", pluginDir)...)
		if code != wantCode {
			t.Fatalf("bilancio %s: exit %d, want %d\n%s", strings.Join(args, " "), code, wantCode, out)
		}
		if strings.Contains(out, modalTestTokenSecret) {
			t.Errorf("bilancio %s printed the token secret", strings.Join(args, " "))
		}
		return out
	}

	bil(0, "volume", "ls") // creates the volume
	vol, err := srv.VolumeDir("", "bilancio-results")
	if err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-60 * 24 * time.Hour)
	for name, body := range map[string]string{
		"exp_old/runs/r1/manifest.json": "{}",
		"exp_old/chunks/sb.json":        "{}",
		"exp_new/runs/r2/out.txt":       "first",
		".bilancio/workers/abc/x":       "bin",
	} {
		p := filepath.Join(vol, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	filepath.Walk(filepath.Join(vol, "exp_old"), func(p string, _ os.FileInfo, _ error) error {
		return os.Chtimes(p, old, old)
	})

	out := bil(0, "volume", "ls")
	if !strings.Contains(out, "exp_new/runs/r2/out.txt") || !strings.Contains(out, "exp_old/runs/r1/manifest.json") ||
		strings.Contains(out, "chunks") || strings.Contains(out, ".bilancio") {
		t.Errorf("volume ls:\n%s", out)
	}
	if out := bil(0, "volume", "ls", "-a"); !strings.Contains(out, "exp_old/chunks/sb.json") || !strings.Contains(out, ".bilancio/workers/abc/x") {
		t.Errorf("volume ls -a:\n%s", out)
	}
	if out := bil(0, "volume", "ls", "exp_new"); strings.Contains(out, "exp_old") || !strings.Contains(out, "exp_new/runs/r2/out.txt") {
		t.Errorf("volume ls exp_new:\n%s", out)
	}

	cache, dest := t.TempDir(), filepath.Join(t.TempDir(), "out.txt")
	get := func(want, how string) {
		t.Helper()
		out := bil(0, "volume", "get", "exp_new/runs/r2/out.txt", dest, "-cache-dir", cache)
		if !strings.Contains(out, how) {
			t.Errorf("volume get: %q, want %q", out, how)
		}
		if b, _ := os.ReadFile(dest); string(b) != want {
			t.Errorf("volume get wrote %q, want %q", b, want)
		}
	}
	get("first", "(fetched)")
	get("first", "(from the cache)")
	if err := os.WriteFile(filepath.Join(vol, "exp_new/runs/r2/out.txt"), []byte("second!"), 0o644); err != nil {
		t.Fatal(err)
	}
	get("second!", "(fetched)")
	if out := bil(1, "volume", "get", "../../etc/passwd", dest, "-cache-dir", cache); !strings.Contains(out, "not") {
		t.Errorf("volume get of an escaping path: %s", out)
	}
	if out := bil(1, "volume", "get", "exp_new/nothing", dest, "-cache-dir", cache); !strings.Contains(out, sdk.ErrNotFound.Error()) {
		t.Errorf("volume get of a missing file: %s", out)
	}

	if out := bil(1, "volume", "rm", "exp_new/runs/r2"); !strings.Contains(out, "directory") {
		t.Errorf("volume rm of a folder without -r: %s", out)
	}
	bil(0, "volume", "rm", "-r", "exp_new/runs/r2")
	if _, err := os.Stat(filepath.Join(vol, "exp_new/runs/r2")); !os.IsNotExist(err) {
		t.Errorf("exp_new/runs/r2 after rm -r: %v", err)
	}
	bil(1, "volume", "rm", "-r", "/")

	if out := bil(0, "volume", "cleanup", "-older-than", "720h", "-dry-run"); strings.TrimSpace(out) != "would remove exp_old" {
		t.Errorf("volume cleanup -dry-run: %q", out)
	}
	if _, err := os.Stat(filepath.Join(vol, "exp_old")); err != nil {
		t.Errorf("exp_old after a dry run: %v", err)
	}
	bil(0, "volume", "cleanup", "-older-than", "720h")
	if _, err := os.Stat(filepath.Join(vol, "exp_old")); !os.IsNotExist(err) {
		t.Errorf("exp_old after cleanup: %v", err)
	}
	if _, err := os.Stat(filepath.Join(vol, "exp_new")); err != nil {
		t.Errorf("exp_new after cleanup: %v", err)
	}
}

// TestStaleExperiments: an experiment is stale when its newest entry is
// older than the cutoff; the executor's .bilancio folder never is.
func TestStaleExperiments(t *testing.T) {
	now := time.Now()
	entries := []sdk.Entry{
		{Path: "a", IsDir: true, ModTime: now.Add(-100 * time.Hour)},
		{Path: "a/runs/x", ModTime: now.Add(-100 * time.Hour)},
		{Path: "b", IsDir: true, ModTime: now.Add(-100 * time.Hour)},
		{Path: "b/runs/y", ModTime: now},
		{Path: ".bilancio/workers/s", ModTime: now.Add(-100 * time.Hour)},
		{Path: "loose.txt", ModTime: now.Add(-100 * time.Hour)},
	}
	if got := staleExperiments(entries, now.Add(-time.Hour)); len(got) != 1 || got[0] != "a" {
		t.Errorf("staleExperiments = %v, want [a]", got)
	}
}
