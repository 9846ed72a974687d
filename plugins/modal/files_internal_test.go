package modal

import (
	"archive/tar"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bilancio-go/bilancio/sdk/runfolder"
)

// receivers opens a runfolder.Receiver for each id under root.
func receivers(t *testing.T, root string, ids ...string) map[string]*runfolder.Receiver {
	t.Helper()
	recv := map[string]*runfolder.Receiver{}
	for _, id := range ids {
		r, err := runfolder.Receive(filepath.Join(root, id))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Close() })
		recv[id] = r
	}
	return recv
}

// tarOf builds a tar stream of entries (name → content; a name ending in
// "/" is a folder, content "->target" a symlink).
func tarOf(t *testing.T, entries ...[2]string) *bytes.Buffer {
	t.Helper()
	var b bytes.Buffer
	w := tar.NewWriter(&b)
	for _, e := range entries {
		h := &tar.Header{Name: e[0], Mode: 0o644, Typeflag: tar.TypeReg, Size: int64(len(e[1]))}
		switch {
		case strings.HasSuffix(e[0], "/"):
			h.Typeflag, h.Size, h.Mode = tar.TypeDir, 0, 0o755
		case strings.HasPrefix(e[1], "->"):
			h.Typeflag, h.Size, h.Linkname = tar.TypeSymlink, 0, e[1][2:]
		}
		if err := w.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			if _, err := w.Write([]byte(e[1])); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return &b
}

// TestUntarRuns: the runs' folders are unpacked side by side with their
// manifests held back; anything outside the requested run folders, and
// anything but files and folders, is refused.
func TestUntarRuns(t *testing.T) {
	root := t.TempDir()
	m, err := untarRuns(tarOf(t,
		[2]string{"r1/", ""}, [2]string{"r1/out/", ""}, [2]string{"r1/out/a.csv", "a"}, [2]string{"r1/manifest.json", "{1}"},
		[2]string{"r2/", ""}, [2]string{"r2/b.txt", "b"}, [2]string{"r2/manifest.json", "{2}"},
	), receivers(t, root, "r1", "r2"), false)
	if err != nil {
		t.Fatal(err)
	}
	if string(m["r1"]) != "{1}" || string(m["r2"]) != "{2}" {
		t.Errorf("manifests %q", m)
	}
	// Received beside the run folder, which appears once sealed.
	got, _ := filepath.Glob(filepath.Join(root, ".r1.tmp-*", "out", "a.csv"))
	if len(got) != 1 {
		t.Fatalf("r1/out/a.csv received as %q", got)
	}
	if b, err := os.ReadFile(got[0]); err != nil || string(b) != "a" {
		t.Errorf("r1/out/a.csv: %q, %v", b, err)
	}
	if _, err := os.Stat(filepath.Join(root, "r1")); err == nil {
		t.Error("the run folder is there before it is complete")
	}
	if ms, _ := filepath.Glob(filepath.Join(root, ".r1.tmp-*", "manifest.json")); len(ms) > 0 {
		t.Error("the manifest was written before the folder was complete")
	}
	for name, entries := range map[string][][2]string{
		"escape":        {{"r1/../../x", "x"}},
		"other run":     {{"r3/x", "x"}},
		"absolute":      {{"/etc/x", "x"}},
		"symlink":       {{"r1/l", "->/etc/passwd"}},
		"run as a file": {{"r1", "x"}},
	} {
		if _, err := untarRuns(tarOf(t, entries...), receivers(t, t.TempDir(), "r1", "r2"), false); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestUntarRunArchives: a download of run archives (<id>.tar members, each
// a tar of the run's files, as the worker writes them with -archive) is
// unpacked into the runs' folders as a download of folders is; a member
// that is not one of the requested archives, and an archive holding
// anything outside its run folder or other than files and folders, is
// refused.
func TestUntarRunArchives(t *testing.T) {
	root := t.TempDir()
	r1 := tarOf(t, [2]string{"out/a.csv", "a"}, [2]string{"manifest.json", "{1}"})
	r2 := tarOf(t, [2]string{"b.txt", "b"}, [2]string{"manifest.json", "{2}"})
	m, err := untarRuns(tarOf(t, [2]string{"r1.tar", r1.String()}, [2]string{"r2.tar", r2.String()}), receivers(t, root, "r1", "r2"), true)
	if err != nil {
		t.Fatal(err)
	}
	if string(m["r1"]) != "{1}" || string(m["r2"]) != "{2}" {
		t.Errorf("manifests %q", m)
	}
	got, _ := filepath.Glob(filepath.Join(root, ".r1.tmp-*", "out", "a.csv"))
	if len(got) != 1 {
		t.Fatalf("r1/out/a.csv received as %q", got)
	}
	if b, err := os.ReadFile(got[0]); err != nil || string(b) != "a" {
		t.Errorf("r1/out/a.csv: %q, %v", b, err)
	}
	for name, outer := range map[string][][2]string{
		"other run":       {{"r3.tar", r1.String()}},
		"a folder":        {{"r1/a.csv", "a"}},
		"escape":          {{"r1.tar", tarOf(t, [2]string{"../x", "x"}).String()}},
		"absolute":        {{"r1.tar", tarOf(t, [2]string{"/etc/x", "x"}).String()}},
		"symlink":         {{"r1.tar", tarOf(t, [2]string{"l", "->/etc/passwd"}).String()}},
		"not an archive":  {{"r1.tar", "plain text, not a tar"}},
		"archive as link": {{"r1.tar", "->/etc/passwd"}},
	} {
		if _, err := untarRuns(tarOf(t, outer...), receivers(t, t.TempDir(), "r1", "r2"), true); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
