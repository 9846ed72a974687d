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

// Write writes what content writes to path with mode perm; with sync the
// temporary file is flushed to disk before the rename (durable across a
// power loss, at the cost of a disk round trip).
func Write(path string, perm os.FileMode, sync bool, content io.WriterTo) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
			err = fmt.Errorf("writing %s: %w", path, err)
		}
	}()
	if _, err := content.WriteTo(tmp); err != nil {
		return err
	}
	if sync {
		if err := tmp.Sync(); err != nil {
			return err
		}
	}
	if err := tmp.Chmod(perm); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
