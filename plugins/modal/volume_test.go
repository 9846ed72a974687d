//go:build unix

package modal_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bilancio-go/bilancio/internal/modalemu"
	"github.com/bilancio-go/bilancio/sdk"
)

// TestVolumeSymlinks: List shows only regular files and folders, and Fetch
// refuses a symbolic link (its target could be outside the volume), so a
// link planted on the volume cannot leak a file of the sandbox.
func TestVolumeSymlinks(t *testing.T) {
	srv := emulator(t)
	ex := subprocess(t, modalEnv(t, srv)...)
	configure(t, ex, map[string]any{})
	vol, err := srv.VolumeDir("bilancio-results")
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

// TestVolumeOneReader: the artifact calls of one command share one reader
// sandbox, mounted read-only when the command only reads; a command that
// removes (volume_access "read-write") gets one writable reader, and its
// removal is committed when Remove returns.
func TestVolumeOneReader(t *testing.T) {
	srv := emulator(t)
	vol, err := srv.VolumeDir("bilancio-results")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"exp/runs/r1/manifest.json", "exp/runs/r1/out/a.csv", "exp/runs/r1/out/b.csv", "exp/runs/r2/x"} {
		p := filepath.Join(vol, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(f), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	readers := func() []modalemu.SandboxState {
		var out []modalemu.SandboxState
		for _, st := range srv.Sandboxes() {
			if st.Tags["bilancio"] == "reader" {
				out = append(out, st)
			}
		}
		return out
	}
	ex := subprocess(t, modalEnv(t, srv)...)
	configure(t, ex, map[string]any{})
	entries, err := ex.List(t.Context(), &sdk.ListRequest{Prefix: "exp/runs/r1"})
	if err != nil {
		t.Fatal(err)
	}
	files := 0
	for _, e := range entries {
		if e.IsDir {
			continue
		}
		files++
		var buf bytes.Buffer
		if err := ex.Fetch(t.Context(), &sdk.FetchRequest{Path: e.Path}, &buf); err != nil || buf.String() != e.Path {
			t.Errorf("Fetch %s: %q, %v", e.Path, buf.String(), err)
		}
	}
	if files != 3 {
		t.Errorf("listed %d files under exp/runs/r1, want 3", files)
	}
	r := readers()
	if len(r) != 1 || !r[0].ReadOnly["/mnt/results"] {
		t.Fatalf("readers %+v, want one, read-only", r)
	}

	rm := subprocess(t, modalEnv(t, srv)...)
	configure(t, rm, map[string]any{"volume_access": "read-write"})
	if _, err := rm.List(t.Context(), &sdk.ListRequest{Prefix: "exp/runs/r2"}); err != nil {
		t.Fatal(err)
	}
	if err := rm.Remove(t.Context(), &sdk.RemoveRequest{Path: "exp/runs/r2", Recursive: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(vol, "exp", "runs", "r2")); !os.IsNotExist(err) {
		t.Errorf("the removal is not committed when Remove returns: %v", err)
	}
	r = readers()
	if len(r) != 2 || r[1].ReadOnly["/mnt/results"] {
		t.Errorf("readers %+v, want a second one, writable", r)
	}
}
