package atomicfile

import (
	"errors"

	"golang.org/x/sys/unix"
)

// exchange swaps the folders a and b atomically (renameat2 with
// RENAME_EXCHANGE); on file systems without it, it swaps them with two
// renames.
func exchange(a, b string) error {
	err := unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_EXCHANGE)
	if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.ENOTSUP) {
		return renameAside(a, b)
	}
	return err
}

// moveNew renames a to b when nothing is at b (renameat2 with
// RENAME_NOREPLACE: one call where a stat and a rename would be two);
// moved is false, without an error, when b exists or the file system
// cannot tell, for the caller to look.
func moveNew(a, b string) (moved bool, err error) {
	err = unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_NOREPLACE)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, unix.EEXIST) || errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.ENOTSUP):
		return false, nil
	}
	return false, err
}
