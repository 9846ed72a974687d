//go:build unix

package modal_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bilancio-go/bilancio/internal/modalemu"
	"github.com/bilancio-go/bilancio/internal/volume"
	"github.com/bilancio-go/bilancio/sdk"
	"github.com/bilancio-go/bilancio/sdk/runfolder"
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

// TestVolumeRunArchives: a run the worker wrote as an archive
// (EXP/runs/<id>.tar, runfolder.CreateArchive) is shown by the artifact
// calls as the run folder it holds: List lists the folder, its subfolders
// and files (not the archive), Fetch reads a file out of it (a missing one
// is not found), `volume get -r` copies a folder that verifies against its
// manifest, and Remove removes the run (not a file inside it). A run
// written as a folder (earlier versions) is listed beside it as before.
func TestVolumeRunArchives(t *testing.T) {
	srv := emulator(t)
	vol, err := srv.VolumeDir("bilancio-results")
	if err != nil {
		t.Fatal(err)
	}
	w, err := runfolder.CreateArchive(filepath.Join(vol, "exp", "runs", "r1"+runfolder.ArchiveSuffix))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{"scenario.yaml": "agents: []\n", "out/metrics.csv": "day,phi\n1,0.5\n", "out/events.jsonl": "{}\n"}
	for _, name := range []string{"scenario.yaml", "out/metrics.csv", "out/events.jsonl"} {
		if err := w.WriteFile(name, []byte(files[name])); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.Commit(&runfolder.Manifest{RunID: "r1", Status: runfolder.StatusCompleted}); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(vol, "exp", "runs", "r2"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(vol, "exp", "runs", "r2", "x.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	ex := subprocess(t, modalEnv(t, srv)...)
	configure(t, ex, map[string]any{"volume_access": "read-write"})

	list := func(prefix string) string {
		t.Helper()
		entries, err := ex.List(t.Context(), &sdk.ListRequest{Prefix: prefix})
		if err != nil {
			t.Fatalf("List(%q): %v", prefix, err)
		}
		var got []string
		for _, e := range entries {
			s := e.Path
			if e.IsDir {
				s += "/"
			} else {
				s += fmt.Sprintf(":%d", e.Size)
			}
			got = append(got, s)
		}
		slices.Sort(got)
		return strings.Join(got, " ")
	}
	r1 := "exp/runs/r1/ exp/runs/r1/manifest.json:%d exp/runs/r1/out/ exp/runs/r1/out/events.jsonl:3 exp/runs/r1/out/metrics.csv:14 exp/runs/r1/scenario.yaml:11"
	unpacked := filepath.Join(t.TempDir(), "r1")
	if err := unpackRunArchive(filepath.Join(vol, "exp", "runs", "r1.tar"), unpacked); err != nil {
		t.Fatal(err)
	}
	manifest, err := os.Stat(filepath.Join(unpacked, runfolder.ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	r1 = fmt.Sprintf(r1, manifest.Size())
	for prefix, want := range map[string]string{
		"exp/":                 "exp/runs/ " + r1 + " exp/runs/r2/ exp/runs/r2/x.txt:1",
		"exp/runs/r1":          r1,
		"exp/runs/r1/":         strings.TrimPrefix(r1, "exp/runs/r1/ "),
		"exp/runs/r1/out/":     "exp/runs/r1/out/events.jsonl:3 exp/runs/r1/out/metrics.csv:14",
		"exp/runs/r1/out/metr": "exp/runs/r1/out/metrics.csv:14",
	} {
		if got := list(prefix); got != want {
			t.Errorf("List(%q) =\n  %s\nwant\n  %s", prefix, got, want)
		}
	}
	for name, content := range files {
		var buf bytes.Buffer
		if err := ex.Fetch(t.Context(), &sdk.FetchRequest{Path: "exp/runs/r1/" + name}, &buf); err != nil || buf.String() != content {
			t.Errorf("Fetch(exp/runs/r1/%s) = %q, %v", name, buf.String(), err)
		}
	}
	for _, p := range []string{"exp/runs/r1/none.csv", "exp/runs/r1", "exp/runs/r3/x"} {
		if err := ex.Fetch(t.Context(), &sdk.FetchRequest{Path: p}, io.Discard); !errors.Is(err, sdk.ErrNotFound) {
			t.Errorf("Fetch(%s): %v, want not found", p, err)
		}
	}
	dest := filepath.Join(t.TempDir(), "r1")
	res, err := volume.Get(t.Context(), ex, &volume.Cache{Dir: t.TempDir()}, "exp/runs/r1", dest, true)
	if err != nil {
		t.Fatalf("volume get -r: %v", err)
	}
	if res.Files != 4 || len(res.Manifests) != 1 {
		t.Errorf("volume get -r copied %d files, manifests %v", res.Files, res.Manifests)
	}
	if _, err := runfolder.Verify(dest); err != nil {
		t.Errorf("the fetched run folder does not verify: %v", err)
	}

	if err := ex.Remove(t.Context(), &sdk.RemoveRequest{Path: "exp/runs/r1/out/metrics.csv"}); err == nil || !strings.Contains(err.Error(), "remove the run") {
		t.Errorf("Remove of a file inside a run archive: %v", err)
	}
	if err := ex.Remove(t.Context(), &sdk.RemoveRequest{Path: "exp/runs/r1"}); err == nil || !strings.Contains(err.Error(), "recursively") {
		t.Errorf("Remove of an archived run without -r: %v", err)
	}
	if err := ex.Remove(t.Context(), &sdk.RemoveRequest{Path: "exp/runs/r1", Recursive: true}); err != nil {
		t.Fatalf("Remove -r of an archived run: %v", err)
	}
	if _, err := os.Stat(filepath.Join(vol, "exp", "runs", "r1.tar")); !os.IsNotExist(err) {
		t.Errorf("the run archive is still there: %v", err)
	}
	if got := list("exp/"); got != "exp/runs/ exp/runs/r2/ exp/runs/r2/x.txt:1" {
		t.Errorf("List(exp/) after the removal = %s", got)
	}
}

// unpackRunArchive unpacks a run archive into the run folder dir (its
// manifest checked against what it holds, written last).
func unpackRunArchive(archive, dir string) error {
	f, err := os.Open(archive)
	if err != nil {
		return err
	}
	defer f.Close()
	recv, err := runfolder.Receive(dir)
	if err != nil {
		return err
	}
	defer recv.Close()
	manifest, err := recv.PutArchive(f)
	if err != nil {
		return err
	}
	_, err = recv.Finish(manifest)
	return err
}
