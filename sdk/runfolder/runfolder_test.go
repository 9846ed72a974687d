package runfolder

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeRun writes a small complete run folder into dir.
func writeRun(t *testing.T, dir string) *Sealed {
	t.Helper()
	w, err := Create(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	for _, f := range []struct{ name, data string }{
		{ScenarioFile, "agents: []\n"},
		{EventsFile, "{\"kind\":\"x\"}\n"},
		{BalancesFile, "a,b\n1,2\n"},
	} {
		if err := w.WriteFile(f.name, []byte(f.data)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.WriteFrom(MetricsJSONFile, strings.NewReader("{}")); err != nil {
		t.Fatal(err)
	}
	s, err := w.Commit(&Manifest{RunID: "r1", Status: StatusCompleted, Engine: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestWriteVerify(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "runs", "r1")
	s := writeRun(t, dir)
	if len(s.Manifest.Files) != 4 || s.Manifest.Files[0].Name != ScenarioFile || s.Manifest.Files[3].Name != MetricsJSONFile {
		t.Fatalf("files = %+v", s.Manifest.Files)
	}
	data, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	if SHA256(data) != s.SHA256 {
		t.Errorf("Sealed.SHA256 %s is not the manifest's %s", s.SHA256, SHA256(data))
	}
	v, err := Verify(dir)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if v.SHA256 != s.SHA256 || v.Fingerprint != s.Fingerprint || v.Manifest.RunID != "r1" {
		t.Errorf("Verify = %+v, written %+v", v, s)
	}
	if _, err := Check(dir, s.SHA256, s.Fingerprint); err != nil {
		t.Errorf("Check: %v", err)
	}
	m, sum, err := ReadManifest(dir)
	if err != nil || sum != s.SHA256 || m.Version != ManifestVersion {
		t.Errorf("ReadManifest = %+v, %s, %v", m, sum, err)
	}
	// No temporary file is left.
	if temps, err := RemoveTemps(dir); err != nil || len(temps) != 0 {
		t.Errorf("RemoveTemps = %v, %v", temps, err)
	}
}

func TestVerifyProblems(t *testing.T) {
	cases := []struct {
		name   string
		damage func(t *testing.T, dir string)
		kind   ProblemKind
		file   string
		// check: Check (with the written fingerprint) finds it too.
		check bool
	}{
		{"no manifest", func(t *testing.T, dir string) { rm(t, dir, ManifestFile) }, NoManifest, ManifestFile, true},
		{"no folder", func(t *testing.T, dir string) { os.RemoveAll(dir) }, NoManifest, "", true},
		{"missing file", func(t *testing.T, dir string) { rm(t, dir, EventsFile) }, Missing, EventsFile, true},
		{"truncated", func(t *testing.T, dir string) { put(t, dir, BalancesFile, "a,b\n") }, WrongSize, BalancesFile, true},
		{"same size, other bytes", func(t *testing.T, dir string) { put(t, dir, BalancesFile, "a,b\n1,3\n") }, WrongChecksum, BalancesFile, false},
		{"bad manifest", func(t *testing.T, dir string) { put(t, dir, ManifestFile, "{") }, BadManifest, ManifestFile, false},
		{"not completed", func(t *testing.T, dir string) {
			put(t, dir, ManifestFile, `{"status":"failed","files":[{"name":"scenario.yaml","size":11,"sha256":"x"}]}`)
		}, BadManifest, ManifestFile, false},
		{"escaping name", func(t *testing.T, dir string) {
			put(t, dir, ManifestFile, `{"status":"completed","files":[{"name":"../x","size":1,"sha256":"x"}]}`)
		}, BadManifest, ManifestFile, false},
		{"symlink out", func(t *testing.T, dir string) {
			outside := filepath.Join(t.TempDir(), "evil")
			if err := os.WriteFile(outside, []byte("{\"kind\":\"x\"}\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			rm(t, dir, EventsFile)
			if err := os.Symlink(outside, filepath.Join(dir, filepath.FromSlash(EventsFile))); err != nil {
				t.Fatal(err)
			}
		}, Unreadable, EventsFile, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "r1")
			s := writeRun(t, dir)
			c.damage(t, dir)
			_, err := Verify(dir)
			var ve *VerifyError
			if !errors.As(err, &ve) || !errors.Is(err, ErrIncomplete) {
				t.Fatalf("Verify = %v, want a *VerifyError", err)
			}
			if len(ve.Problems) != 1 || ve.Problems[0].Kind != c.kind || ve.Problems[0].File != c.file {
				t.Fatalf("problems = %v, want %s of %q", ve.Problems, c.kind, c.file)
			}
			if c.file != "" && !strings.Contains(err.Error(), c.file) {
				t.Errorf("the error does not name the file: %v", err)
			}
			if c.check {
				if _, err := Check(dir, s.SHA256, s.Fingerprint); !errors.Is(err, ErrIncomplete) {
					t.Errorf("Check = %v, want incomplete", err)
				}
			}
		})
	}
}

func TestCheckNoticesRewrite(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "r1")
	s := writeRun(t, dir)
	// Same bytes, written again later: Check says changed, Verify says fine.
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(filepath.Join(dir, filepath.FromSlash(EventsFile)), later, later); err != nil {
		t.Fatal(err)
	}
	_, err := Check(dir, s.SHA256, s.Fingerprint)
	var ve *VerifyError
	if !errors.As(err, &ve) || !ve.Has(Changed) {
		t.Fatalf("Check = %v, want changed", err)
	}
	v, err := Verify(dir)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if _, err := Check(dir, v.SHA256, v.Fingerprint); err != nil {
		t.Errorf("Check against the new fingerprint: %v", err)
	}
	if _, err := Check(dir, strings.Repeat("0", 64), ""); !errors.As(err, &ve) || !ve.Has(ManifestChanged) {
		t.Errorf("Check with another manifest sha = %v", err)
	}
}

func TestCreateRemovesOldManifest(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "r1")
	writeRun(t, dir)
	w, err := Create(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if HasManifest(dir) {
		t.Fatal("the old manifest survived Create")
	}
	if err := w.WriteFile("../escape", nil); err == nil {
		t.Error("a name outside the folder was written")
	}
	if err := w.WriteFile(ManifestFile, nil); err == nil {
		t.Error("manifest.json written as a file")
	}
	if err := w.WriteFile(EventsFile, nil); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteFile(EventsFile, nil); err == nil {
		t.Error("a file written twice")
	}
}

func TestWriterRefusesSymlinkedFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "r1")
	outside := t.TempDir()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, OutDir)); err != nil {
		t.Fatal(err)
	}
	w, err := Create(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := w.WriteFile(EventsFile, []byte("x")); err == nil {
		t.Fatal("wrote through a symbolic link out of the folder")
	}
	if ents, _ := os.ReadDir(outside); len(ents) != 0 {
		t.Errorf("files appeared outside the folder: %v", ents)
	}
}

func TestReceive(t *testing.T) {
	src := filepath.Join(t.TempDir(), "r1")
	s := writeRun(t, src)
	manifest, err := os.ReadFile(filepath.Join(src, ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(src, filepath.FromSlash(name)))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	t.Run("complete", func(t *testing.T) {
		dst := filepath.Join(t.TempDir(), "r1")
		put(t, dst, "stale.txt", "old run")
		r, err := Receive(dst)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		// Out of order, and one file the manifest does not list.
		for _, name := range []string{MetricsJSONFile, EventsFile, "extra.txt", ScenarioFile, BalancesFile} {
			data := []byte("extra")
			if name != "extra.txt" {
				data = read(name)
			}
			if err := r.Put(name, bytes.NewReader(data)); err != nil {
				t.Fatal(err)
			}
		}
		got, err := r.Finish(manifest)
		if err != nil {
			t.Fatalf("Finish: %v", err)
		}
		if got.SHA256 != s.SHA256 {
			t.Errorf("manifest sha %s, sent %s", got.SHA256, s.SHA256)
		}
		for _, gone := range []string{"extra.txt", "stale.txt"} {
			if _, err := os.Stat(filepath.Join(dst, gone)); !os.IsNotExist(err) {
				t.Errorf("%s is still there", gone)
			}
		}
		v, err := Verify(dst)
		if err != nil || v.Fingerprint != got.Fingerprint {
			t.Errorf("Verify = %+v, %v; Finish said %s", v, err, got.Fingerprint)
		}
	})
	t.Run("damaged", func(t *testing.T) {
		dst := filepath.Join(t.TempDir(), "r1")
		r, err := Receive(dst)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		for _, name := range []string{ScenarioFile, EventsFile, MetricsJSONFile} {
			data := read(name)
			if name == EventsFile {
				data = bytes.ToUpper(data)
			}
			if err := r.Put(name, bytes.NewReader(data)); err != nil {
				t.Fatal(err)
			}
		}
		_, err = r.Finish(manifest)
		var ve *VerifyError
		if !errors.As(err, &ve) || len(ve.Problems) != 2 ||
			ve.Problems[0] != (Problem{File: EventsFile, Kind: WrongChecksum, Detail: ve.Problems[0].Detail}) ||
			ve.Problems[1] != (Problem{File: BalancesFile, Kind: Missing}) {
			t.Fatalf("Finish = %v", err)
		}
		if HasManifest(dst) {
			t.Error("a damaged folder got its manifest")
		}
		if err := r.Put("../../x", strings.NewReader("x")); err == nil {
			t.Error("Put wrote outside the folder")
		}
	})
}

func TestValidName(t *testing.T) {
	for _, c := range []struct {
		name string
		ok   bool
	}{
		{"out/events.jsonl", true}, {"run.html", true}, {"a/b/c", true},
		{"", false}, {".", false}, {"..", false}, {"../x", false}, {"/x", false}, {"out//x", false},
		{"out/../x", false}, {"out/", false}, {`a\b`, false}, {"./x", false},
	} {
		if err := ValidName(c.name); (err == nil) != c.ok {
			t.Errorf("ValidName(%q) = %v", c.name, err)
		}
	}
	for _, c := range []struct {
		id string
		ok bool
	}{{"grid_3f18c791e3f8", true}, {"", false}, {".", false}, {"..", false}, {"a/b", false}, {`a\b`, false}} {
		if err := ValidRunID(c.id); (err == nil) != c.ok {
			t.Errorf("ValidRunID(%q) = %v", c.id, err)
		}
	}
}

func TestRemoveTemps(t *testing.T) {
	dir := t.TempDir()
	put(t, dir, "out/.events.jsonl.tmp-123", "half")
	put(t, dir, ".run.html.tmp-9", "half")
	put(t, dir, "out/events.jsonl", "whole")
	got, err := RemoveTemps(dir)
	if err != nil || strings.Join(got, ",") != ".run.html.tmp-9,out/.events.jsonl.tmp-123" {
		t.Fatalf("RemoveTemps = %v, %v", got, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "out", "events.jsonl")); err != nil {
		t.Error(err)
	}
	if got, err := RemoveTemps(filepath.Join(dir, "none")); err != nil || got != nil {
		t.Errorf("RemoveTemps of a missing folder = %v, %v", got, err)
	}
}

func rm(t *testing.T, dir, name string) {
	t.Helper()
	if err := os.Remove(filepath.Join(dir, filepath.FromSlash(name))); err != nil {
		t.Fatal(err)
	}
}

func put(t *testing.T, dir, name, data string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestReported: a folder taken as its writer reported it reads nothing back
// (it holds even once the folder is gone), and a report that does not hold
// together is refused with the problem Check would name.
func TestReported(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "r1")
	s := writeRun(t, dir)
	if len(s.Written) == 0 {
		t.Fatal("Commit kept no manifest bytes")
	}
	data, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(s.Written, data) {
		t.Fatalf("Sealed.Written is not manifest.json:\n%s\n%s", s.Written, data)
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	got, err := Reported(dir, s.Written, s.SHA256, s.Fingerprint)
	if err != nil {
		t.Fatalf("Reported: %v", err)
	}
	if got.Dir != dir || got.SHA256 != s.SHA256 || got.Fingerprint != s.Fingerprint || got.Manifest.RunID != "r1" || len(got.Manifest.Files) != 4 {
		t.Errorf("Reported = %+v, written %+v", got, s)
	}

	encode := func(m *Manifest) []byte {
		b, err := m.Encode()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	running := encode(&Manifest{RunID: "r1", Status: "running", Files: s.Manifest.Files})
	empty := encode(&Manifest{RunID: "r1", Status: StatusCompleted})
	for _, tc := range []struct {
		name      string
		data      []byte
		sha, fp   string
		kind      ProblemKind
		detailHas string
	}{
		{"no manifest", nil, s.SHA256, s.Fingerprint, NoManifest, "none reported"},
		{"other checksum", s.Written, SHA256([]byte("x")), s.Fingerprint, ManifestChanged, "reported"},
		{"not JSON", []byte("{"), SHA256([]byte("{")), s.Fingerprint, BadManifest, ""},
		{"not completed", running, SHA256(running), s.Fingerprint, BadManifest, `status "running"`},
		{"no files", empty, SHA256(empty), s.Fingerprint, BadManifest, "lists no file"},
		{"no fingerprint", s.Written, s.SHA256, "", BadManifest, "no fingerprint"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Reported(dir, tc.data, tc.sha, tc.fp)
			var ve *VerifyError
			if !errors.As(err, &ve) || len(ve.Problems) != 1 || ve.Problems[0].Kind != tc.kind ||
				ve.Problems[0].File != ManifestFile || !strings.Contains(ve.Problems[0].Detail, tc.detailHas) {
				t.Fatalf("Reported = %v, want one %s problem of %s mentioning %q", err, tc.kind, ManifestFile, tc.detailHas)
			}
			if !errors.Is(err, ErrIncomplete) {
				t.Errorf("%v does not match ErrIncomplete", err)
			}
		})
	}
}
