//go:build linux

package runfolder

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

// writeRunNew writes the folder writeRun writes, through CreateNew (the
// fast path's writer).
func writeRunNew(t *testing.T, dir string) *Sealed {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	w, err := CreateNew(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if w.raw == nil {
		t.Fatal("CreateNew did not take the fast path on Linux")
	}
	for _, f := range []struct{ name, data string }{
		{ScenarioFile, "agents: []\n"},
		{EventsFile, "{\"kind\":\"x\"}\n"},
		{BalancesFile, "a,b\n1,2\n"},
		{"out/deeper/still/x.csv", "x\n"},
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

// The fast path seals what the portable path checks, and checks what it
// seals: same manifest sha, same fingerprint, either way round.
func TestFastPathAgrees(t *testing.T) {
	for name, write := range map[string]func(*testing.T, string) *Sealed{"Create": writeRun, "CreateNew": writeRunNew} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "r1")
			s := write(t, dir)
			slow, err := check(dir, s.SHA256, s.Fingerprint, false)
			if err != nil {
				t.Fatalf("portable Check: %v", err)
			}
			fast, ok, err := quickCheck(dir, s.SHA256, s.Fingerprint)
			if !ok || err != nil {
				t.Fatalf("fast Check = %v, %v on an intact folder", ok, err)
			}
			for _, got := range []*Sealed{slow, fast} {
				if got.SHA256 != s.SHA256 || got.Fingerprint != s.Fingerprint || got.Dir != dir || len(got.Manifest.Files) != len(s.Manifest.Files) {
					t.Errorf("checked %+v, sealed %+v", got, s)
				}
			}
			if v, err := Verify(dir); err != nil || v.Fingerprint != s.Fingerprint {
				t.Errorf("Verify = %+v, %v", v, err)
			}
		})
	}
}

// noSHA compares no manifest sha.
func noSHA(*Sealed) string { return "" }

// Anything unusual leaves the fast path (ok false), so the portable path
// names it; a rewritten file is the one problem it reports itself.
func TestFastPathLeavesProblems(t *testing.T) {
	cases := []struct {
		name   string
		damage func(t *testing.T, dir string)
		sha    func(s *Sealed) string
		// kind is the problem Check reports in the end ("": none, the
		// portable path accepts it).
		kind ProblemKind
		// fast: the fast path reports it itself.
		fast bool
	}{
		{"rewritten", func(t *testing.T, dir string) {
			later := time.Now().Add(time.Hour)
			if err := os.Chtimes(filepath.Join(dir, filepath.FromSlash(EventsFile)), later, later); err != nil {
				t.Fatal(err)
			}
		}, nil, Changed, true},
		{"other manifest sha", func(*testing.T, string) {}, func(*Sealed) string { return strings.Repeat("0", 64) }, ManifestChanged, false},
		{"no manifest", func(t *testing.T, dir string) { rm(t, dir, ManifestFile) }, nil, NoManifest, false},
		{"no folder", func(t *testing.T, dir string) { os.RemoveAll(dir) }, nil, NoManifest, false},
		{"missing file", func(t *testing.T, dir string) { rm(t, dir, EventsFile) }, nil, Missing, false},
		{"missing subfolder", func(t *testing.T, dir string) { os.RemoveAll(filepath.Join(dir, "out", "deeper")) }, nil, Missing, false},
		{"truncated", func(t *testing.T, dir string) { put(t, dir, BalancesFile, "a,b\n") }, nil, WrongSize, false},
		{"a folder instead", func(t *testing.T, dir string) {
			rm(t, dir, BalancesFile)
			if err := os.Mkdir(filepath.Join(dir, filepath.FromSlash(BalancesFile)), 0o755); err != nil {
				t.Fatal(err)
			}
		}, nil, Missing, false},
		{"symlinked file", func(t *testing.T, dir string) {
			p := filepath.Join(dir, filepath.FromSlash(EventsFile))
			if err := os.Rename(p, p+".real"); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(filepath.Base(p)+".real", p); err != nil {
				t.Fatal(err)
			}
		}, nil, "", false},
		{"symlinked subfolder", func(t *testing.T, dir string) {
			p := filepath.Join(dir, "out", "deeper")
			if err := os.Rename(p, p+".real"); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink("deeper.real", p); err != nil {
				t.Fatal(err)
			}
		}, nil, "", false},
		{"escaping name", func(t *testing.T, dir string) {
			put(t, dir, ManifestFile, `{"status":"completed","files":[{"name":"../x","size":1,"sha256":"x"}]}`)
		}, noSHA, BadManifest, false},
		{"not completed", func(t *testing.T, dir string) {
			put(t, dir, ManifestFile, `{"status":"failed","files":[{"name":"scenario.yaml","size":11,"sha256":"x"}]}`)
		}, noSHA, BadManifest, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "r1")
			s := writeRunNew(t, dir)
			c.damage(t, dir)
			sha := s.SHA256
			if c.sha != nil {
				sha = c.sha(s)
			}
			_, ok, fastErr := quickCheck(dir, sha, s.Fingerprint)
			if ok != c.fast {
				t.Fatalf("fast path taken = %v (%v), want %v", ok, fastErr, c.fast)
			}
			_, err := Check(dir, sha, s.Fingerprint)
			if c.kind == "" {
				if err != nil {
					t.Fatalf("Check = %v, the portable path accepts it", err)
				}
				return
			}
			var ve *VerifyError
			if !errors.As(err, &ve) || !errors.Is(err, ErrIncomplete) || !ve.Has(c.kind) {
				t.Fatalf("Check = %v, want %s", err, c.kind)
			}
			if c.fast && fastErr.Error() != err.Error() {
				t.Errorf("fast path says %q, portable %q", fastErr, err)
			}
			if _, err := check(dir, sha, s.Fingerprint, false); err == nil || err.Error() != ve.Error() {
				t.Errorf("Check = %v, the portable path %v", ve, err)
			}
		})
	}
}

// The fast writer refuses a symbolic link planted in its folder, removes
// a file whose content failed, and never writes a file twice.
func TestFastWriterRefusals(t *testing.T) {
	dir := t.TempDir()
	outside := t.TempDir()
	if err := os.Symlink(outside, filepath.Join(dir, OutDir)); err != nil {
		t.Fatal(err)
	}
	w, err := CreateNew(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := w.WriteFile(EventsFile, []byte("x")); err == nil {
		t.Error("wrote through a symbolic link out of the folder")
	}
	if ents, _ := os.ReadDir(outside); len(ents) != 0 {
		t.Errorf("files appeared outside the folder: %v", ents)
	}
	boom := errors.New("boom")
	if err := w.WriteFrom(ScenarioFile, iotest.ErrReader(boom)); !errors.Is(err, boom) || !strings.Contains(err.Error(), ScenarioFile) {
		t.Errorf("a failing reader: %v", err)
	}
	if _, err := os.Lstat(filepath.Join(dir, ScenarioFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the failed file was left: %v", err)
	}
	// Not recorded either: it can be written again.
	if err := w.WriteFile(ScenarioFile, []byte("ok\n")); err != nil {
		t.Errorf("writing again after a failure: %v", err)
	}
	put(t, dir, BalancesFile, "already there")
	if err := w.WriteFile(BalancesFile, []byte("x")); err == nil {
		t.Error("overwrote a file already in the folder")
	}
	if b, _ := os.ReadFile(filepath.Join(dir, BalancesFile)); string(b) != "already there" {
		t.Errorf("the file already there became %q", b)
	}
}
