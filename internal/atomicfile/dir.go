package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// ReplaceDir makes dir hold exactly what fill writes: fill gets a new,
// empty folder beside dir (same file system), and only when it succeeds
// does that folder take dir's place, in one rename where the system can
// exchange two paths atomically (Linux) and in two renames elsewhere.
// Whatever dir held before is then removed as a whole, so no file of it
// survives; if fill fails, dir is left as it was and the new folder is
// removed. dir may be absent. The folder is created with mode 0755.
func ReplaceDir(dir string, fill func(tmp string) error) (err error) {
	dir = filepath.Clean(dir)
	parent, base := filepath.Split(dir)
	if parent == "" {
		parent = "."
	}
	tmp, err := os.MkdirTemp(parent, "."+base+".tmp-*")
	if errors.Is(err, fs.ErrNotExist) {
		// The parent is made only when missing (a sweep's runs folder
		// is there for all but its first run).
		if err := os.MkdirAll(parent, 0o755); err != nil {
			return fmt.Errorf("creating %s: %w", parent, err)
		}
		tmp, err = os.MkdirTemp(parent, "."+base+".tmp-*")
	}
	if err != nil {
		return fmt.Errorf("creating a folder beside %s: %w", dir, err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
	}()
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	if err := fill(tmp); err != nil {
		return err
	}
	if moved, err := moveNew(tmp, dir); moved || err != nil {
		if err != nil {
			return fmt.Errorf("moving the new %s into place: %w", dir, err)
		}
		return nil
	}
	st, statErr := os.Lstat(dir)
	switch {
	case errors.Is(statErr, os.ErrNotExist):
		if err := os.Rename(tmp, dir); err != nil {
			return fmt.Errorf("moving the new %s into place: %w", dir, err)
		}
		return nil
	case statErr != nil:
		return statErr
	case !st.IsDir():
		return fmt.Errorf("%s exists and is not a folder", dir)
	}
	// tmp now holds the new content and dir the old: swap them, then
	// remove the old content, which is at tmp after the swap.
	if err := exchange(tmp, dir); err != nil {
		return fmt.Errorf("moving the new %s into place: %w", dir, err)
	}
	if err := os.RemoveAll(tmp); err != nil {
		return fmt.Errorf("removing the previous content of %s: %w", dir, err)
	}
	return nil
}

// renameAside swaps a and b with two renames through a third name: b is
// briefly absent, never partly written.
func renameAside(a, b string) error {
	old := a + ".old"
	if err := os.Rename(b, old); err != nil {
		return err
	}
	if err := os.Rename(a, b); err != nil {
		os.Rename(old, b)
		return err
	}
	return os.Rename(old, a)
}
