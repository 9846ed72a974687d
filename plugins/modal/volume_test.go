//go:build unix

package modal_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bilancio-go/bilancio/sdk"
)

// TestVolumeSymlinks: List shows only regular files and folders, and Fetch
// refuses a symbolic link (its target could be outside the volume), so a
// link planted on the volume cannot leak a file of the sandbox.
func TestVolumeSymlinks(t *testing.T) {
	srv := emulator(t)
	ex := subprocess(t, modalEnv(t, srv)...)
	configure(t, ex, map[string]any{})
	if _, err := ex.List(t.Context(), &sdk.ListRequest{}); err != nil { // creates the volume
		t.Fatalf("List: %v", err)
	}
	vol, err := srv.VolumeDir("", "bilancio-results")
	if err != nil {
		t.Fatal(err)
	}
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "secret"), []byte("secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(vol, "exp", "runs"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(vol, "exp", "runs", "a.txt"), []byte("result"), 0o644); err != nil {
		t.Fatal(err)
	}
	for link, target := range map[string]string{"exp/runs/link": filepath.Join(outside, "secret"), "exp/dirlink": outside} {
		if err := os.Symlink(target, filepath.Join(vol, filepath.FromSlash(link))); err != nil {
			t.Fatal(err)
		}
	}

	entries, err := ex.List(t.Context(), &sdk.ListRequest{Prefix: "exp/"})
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Path)
	}
	if strings.Join(got, " ") != "exp/runs exp/runs/a.txt" && strings.Join(got, " ") != "exp/runs/a.txt exp/runs" {
		t.Errorf("List(exp/) = %v, want only exp/runs and exp/runs/a.txt", got)
	}

	var buf bytes.Buffer
	err = ex.Fetch(t.Context(), &sdk.FetchRequest{Path: "exp/runs/link"}, &buf)
	if err == nil || !strings.Contains(err.Error(), "symbolic link") || buf.Len() > 0 {
		t.Errorf("Fetch of a symbolic link: %v, wrote %q", err, buf.String())
	}
	if err := ex.Fetch(t.Context(), &sdk.FetchRequest{Path: "exp/runs/a.txt"}, &buf); err != nil || buf.String() != "result" {
		t.Errorf("Fetch(exp/runs/a.txt) = %q, %v", buf.String(), err)
	}
	if err := ex.Fetch(t.Context(), &sdk.FetchRequest{Path: "exp/runs/none"}, &buf); err == nil || !strings.Contains(err.Error(), sdk.ErrNotFound.Error()) {
		t.Errorf("Fetch of a missing file: %v", err)
	}
}
