//go:build unix

package store

import (
	"io/fs"
	"syscall"

	"golang.org/x/sys/unix"
)

// exists reports whether path exists (or cannot be told not to), with a
// stat that allocates nothing but the path's C string.
func exists(path string) bool {
	var st syscall.Stat_t
	err := syscall.Stat(path, &st)
	return err == nil || err != syscall.ENOENT
}

// folder answers whether names inside one folder exist. It holds the
// folder open, so that each question costs the kernel a walk of the name
// only, not of the whole path (status asks it a million times).
type folder struct {
	fd   int
	path string
}

// openFolder opens dir for existence checks; a folder that cannot be
// opened is checked by full paths.
func openFolder(dir string) *folder {
	fd, err := unix.Open(dir, dirOpenFlags|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		fd = -1
	}
	return &folder{fd: fd, path: dir}
}

// exists reports whether name (relative to the folder) exists, or cannot
// be told not to.
func (f *folder) exists(name string) bool {
	if f.fd < 0 {
		return exists(f.path + "/" + name)
	}
	var st unix.Stat_t
	err := unix.Fstatat(f.fd, name, &st, 0)
	return err == nil || err != unix.ENOENT
}

// close lets the folder go.
func (f *folder) close() {
	if f.fd >= 0 {
		unix.Close(f.fd)
		f.fd = -1
	}
}

// fileID is a file's inode number (0 when unknown).
func fileID(fi fs.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Ino)
	}
	return 0
}
