package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// brokenContent writes part of a file and then fails.
type brokenContent struct{}

func (brokenContent) WriteTo(w io.Writer) (int64, error) {
	n, _ := w.Write([]byte("half"))
	return int64(n), errors.New("disk on fire")
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f.json")
	for _, c := range []struct {
		data string
		perm os.FileMode
	}{{"one", 0o644}, {"two, longer", 0o600}} {
		if err := WriteFile(path, []byte(c.data), c.perm); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(path)
		if err != nil || string(got) != c.data {
			t.Errorf("read %q, %v; want %q", got, err, c.data)
		}
		if st, _ := os.Stat(path); st.Mode().Perm() != c.perm {
			t.Errorf("mode %v, want %v", st.Mode().Perm(), c.perm)
		}
	}
	// A failed write keeps the old file and leaves no temporary behind.
	err := Write(path, 0o644, false, brokenContent{})
	if err == nil || !strings.Contains(err.Error(), "writing "+path) || !strings.Contains(err.Error(), "disk on fire") {
		t.Errorf("error %v", err)
	}
	if got, _ := os.ReadFile(path); string(got) != "two, longer" {
		t.Errorf("the old file became %q", got)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("folder holds %d entries after a failed write", len(entries))
	}
	if err := WriteFile(filepath.Join(dir, "missing", "f"), nil, 0o644); err == nil {
		t.Errorf("wrote into a missing folder")
	}
}
