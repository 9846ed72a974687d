//go:build !unix

package store

import (
	"errors"
	"io/fs"
	"os"
)

// exists reports whether path exists (or cannot be told not to).
func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil || !errors.Is(err, fs.ErrNotExist)
}
