package store

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// readFile reads what os.ReadFile reads, and fails as it does.
func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []int{0, 1, 317, 4096, 70000} {
		want := bytes.Repeat([]byte("0123456789abcdef"), n/16+1)[:n]
		p := filepath.Join(dir, "f")
		if err := os.WriteFile(p, want, 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := readFile(p)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("%d bytes: read %d bytes, %v", n, len(got), err)
		}
	}
	if _, err := readFile(filepath.Join(dir, "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v, want not exist", err)
	}
	if _, err := readFile(dir); err == nil {
		t.Error("a folder read as a file")
	}
	if b, err := readFile("/proc/self/status"); err != nil || len(b) == 0 {
		// A file whose size says nothing is read to its end.
		if _, serr := os.Stat("/proc/self/status"); serr == nil {
			t.Errorf("/proc/self/status: %d bytes, %v", len(b), err)
		}
	}
}
