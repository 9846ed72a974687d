//go:build !unix

package store

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// exists reports whether path exists (or cannot be told not to).
func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil || !errors.Is(err, fs.ErrNotExist)
}

// folder answers whether names inside one folder exist.
type folder struct{ path string }

// openFolder opens dir for existence checks.
func openFolder(dir string) *folder { return &folder{path: dir} }

// exists reports whether name (slash-separated, relative to the folder)
// exists, or cannot be told not to.
func (f *folder) exists(name string) bool {
	return exists(filepath.Join(f.path, filepath.FromSlash(name)))
}

// close lets the folder go.
func (f *folder) close() {}

// fileID is a file's identity: unknown here (0).
func fileID(fs.FileInfo) uint64 { return 0 }

// readFile is os.ReadFile.
func readFile(path string) ([]byte, error) { return os.ReadFile(path) }
