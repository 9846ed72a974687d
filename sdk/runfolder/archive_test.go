package runfolder

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// TestCreateArchive: a run written with CreateArchive is one tar file that
// appears only at Commit, whose members are the files (manifest.json last)
// and whose manifest is the one a folder written with CreateNew gets;
// unpacked through Receive, it is a run folder that verifies.
func TestCreateArchive(t *testing.T) {
	dir := t.TempDir()
	files := []struct{ name, data string }{{"scenario.yaml", "agents: []\n"}, {"out/metrics.csv", "day\n1\n"}, {"out/deep/x.json", "{}"}}
	write := func(w *Writer) *Sealed {
		t.Helper()
		for _, f := range files {
			if err := w.WriteFile(f.name, []byte(f.data)); err != nil {
				t.Fatal(err)
			}
		}
		s, err := w.Commit(&Manifest{RunID: "r1", Status: StatusCompleted, Engine: "test"})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		return s
	}
	folder := filepath.Join(dir, "folder")
	if err := os.Mkdir(folder, 0o755); err != nil {
		t.Fatal(err)
	}
	fw, err := CreateNew(folder)
	if err != nil {
		t.Fatal(err)
	}
	want := write(fw)

	path := filepath.Join(dir, "runs", "r1"+ArchiveSuffix)
	aw, err := CreateArchive(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := aw.WriteFile(files[0].name, []byte(files[0].data)); err != nil {
		t.Fatal(err)
	}
	if ents, _ := os.ReadDir(filepath.Dir(path)); len(ents) != 0 {
		t.Fatalf("the archive's folder holds %v before Commit", ents)
	}
	aw, _ = CreateArchive(path)
	got := write(aw)
	if !bytes.Equal(got.Written, want.Written) || got.SHA256 != want.SHA256 {
		t.Errorf("the archive's manifest\n%s\ndiffers from the folder's\n%s", got.Written, want.Written)
	}
	if ents, _ := os.ReadDir(filepath.Dir(path)); len(ents) != 1 || ents[0].Name() != "r1"+ArchiveSuffix {
		t.Fatalf("the archive's folder holds %v, want only the archive", ents)
	}

	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recv, err := Receive(filepath.Join(dir, "unpacked"))
	if err != nil {
		t.Fatal(err)
	}
	defer recv.Close()
	tr := tar.NewReader(f)
	var names []string
	var manifest []byte
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
		if h.Typeflag != tar.TypeReg || h.Mode != 0o644 {
			t.Errorf("member %s: type %c, mode %o", h.Name, h.Typeflag, h.Mode)
		}
		if h.Name == ManifestFile {
			manifest, _ = io.ReadAll(tr)
			continue
		}
		if err := recv.Put(h.Name, tr); err != nil {
			t.Fatal(err)
		}
	}
	if len(names) != 4 || names[3] != ManifestFile {
		t.Errorf("members %v, want the 3 files then %s", names, ManifestFile)
	}
	sealed, err := recv.Finish(manifest)
	if err != nil {
		t.Fatalf("unpacking the archive: %v", err)
	}
	if _, err := Verify(sealed.Dir); err != nil {
		t.Errorf("the unpacked run folder does not verify: %v", err)
	}
}

// TestPutArchiveRefuses: a member of a run archive that would leave the
// run folder, or that is not a regular file or a folder, is refused, and
// nothing of it is written.
func TestPutArchiveRefuses(t *testing.T) {
	for name, h := range map[string]tar.Header{
		"escape":   {Name: "../x", Typeflag: tar.TypeReg},
		"absolute": {Name: "/etc/x", Typeflag: tar.TypeReg},
		"symlink":  {Name: "l", Typeflag: tar.TypeSymlink, Linkname: "/etc/passwd"},
		"device":   {Name: "d", Typeflag: tar.TypeChar},
	} {
		var b bytes.Buffer
		tw := tar.NewWriter(&b)
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatal(err)
		}
		tw.Close()
		dir := t.TempDir()
		recv, err := Receive(filepath.Join(dir, "r"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := recv.PutArchive(&b); err == nil {
			t.Errorf("%s: accepted", name)
		}
		recv.Close()
		if ents, _ := os.ReadDir(dir); len(ents) != 0 {
			t.Errorf("%s: %v left in the runs folder", name, ents)
		}
	}
}
