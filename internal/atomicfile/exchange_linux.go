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
