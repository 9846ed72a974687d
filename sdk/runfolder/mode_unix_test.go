//go:build unix

package runfolder

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// Files get mode 0644 whatever the umask, in both writing modes.
func TestFileModeDespiteUmask(t *testing.T) {
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)
	for name, create := range map[string]func(string) (*Writer, error){"Create": Create, "CreateNew": CreateNew} {
		dir := t.TempDir()
		w, err := create(dir)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.WriteFile(EventsFile, []byte("{}\n")); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Commit(&Manifest{Status: StatusCompleted}); err != nil {
			t.Fatal(err)
		}
		w.Close()
		for _, f := range []string{EventsFile, ManifestFile} {
			st, err := os.Stat(filepath.Join(dir, filepath.FromSlash(f)))
			if err != nil {
				t.Fatal(err)
			}
			if st.Mode().Perm() != 0o644 {
				t.Errorf("%s: %s has mode %v", name, f, st.Mode().Perm())
			}
		}
	}
}

// A folder made by Runs.NewRun gets mode 0755 and its files 0644 whatever
// the umask.
func TestNewRunModeDespiteUmask(t *testing.T) {
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)
	runs, err := OpenRuns(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer runs.Close()
	s, err := writeRunFolder(t, runs, "run", true, EventsFile)
	if err != nil {
		t.Fatal(err)
	}
	for f, want := range map[string]os.FileMode{".": 0o755, "out": 0o755, EventsFile: 0o644, ManifestFile: 0o644} {
		st, err := os.Stat(filepath.Join(s.Dir, filepath.FromSlash(f)))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != want {
			t.Errorf("%s has mode %v, want %v", f, st.Mode().Perm(), want)
		}
	}
}
