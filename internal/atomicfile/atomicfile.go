// Package atomicfile writes files so that a reader, or a process killed
// half-way, sees either the old file or the whole new one, never a part:
// the content goes to a temporary file in the same folder, which is then
// renamed into place.
package atomicfile

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// WriteFile writes data to path with mode perm, synced to disk before the
// rename.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	return Write(path, perm, true, bytes.NewReader(data))
}

// WriterFunc is a function that writes content, as an io.WriterTo (for
// Write).
type WriterFunc func(io.Writer) (int64, error)

// WriteTo implements io.WriterTo.
func (f WriterFunc) WriteTo(w io.Writer) (int64, error) { return f(w) }

// Write writes what content writes to path with mode perm; with sync the
// temporary file is flushed to disk before the rename (durable across a
// power loss, at the cost of a disk round trip).
func Write(path string, perm os.FileMode, sync bool, content io.WriterTo) error {
	f, err := Create(path, perm)
	if err != nil {
		return err
	}
	if _, err := content.WriteTo(f); err != nil {
		f.Abort()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return f.Commit(sync)
}

// File is a file being written under a temporary name: Commit renames it
// into place, Abort removes it.
type File struct {
	path string
	perm os.FileMode
	tmp  *os.File
}

// Create starts writing path (with mode perm once committed) in a
// temporary file of the same folder.
func Create(path string, perm os.FileMode) (*File, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("writing %s: %w", path, err)
	}
	return &File{path: path, perm: perm, tmp: tmp}, nil
}

// Write implements io.Writer.
func (f *File) Write(b []byte) (int, error) { return f.tmp.Write(b) }

// ReadFrom implements io.ReaderFrom, so that copying a file into f (io.Copy,
// Write with an *os.File as content) is done by the kernel where it can
// (copy_file_range on Linux), not through a buffer.
func (f *File) ReadFrom(r io.Reader) (int64, error) { return f.tmp.ReadFrom(r) }

// Commit closes the temporary file (synced to disk first with sync) and
// renames it into place; on an error the temporary file is removed.
func (f *File) Commit(sync bool) (err error) {
	defer func() {
		if err != nil {
			f.Abort()
			err = fmt.Errorf("writing %s: %w", f.path, err)
		}
	}()
	if sync {
		if err := f.tmp.Sync(); err != nil {
			return err
		}
	}
	if err := f.tmp.Chmod(f.perm); err != nil {
		return err
	}
	if err := f.tmp.Close(); err != nil {
		return err
	}
	return os.Rename(f.tmp.Name(), f.path)
}

// Abort gives up the file: the temporary file is removed and path is left
// as it was.
func (f *File) Abort() {
	f.tmp.Close()
	os.Remove(f.tmp.Name())
}
