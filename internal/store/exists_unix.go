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

// readFile is os.ReadFile without what an *os.File costs beyond the file
// (Go readies every file for its poller: four fcntl and an epoll
// registration): open, fstat, read, close. The final rebuild reads every
// run's metrics.csv with it.
func readFile(path string) ([]byte, error) {
	fd, err := retryEINTR(func() (int, error) { return unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0) })
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return nil, &fs.PathError{Op: "stat", Path: path, Err: err}
	}
	// One more byte than the size, so that the end shows at once; files
	// whose size says nothing (procfs) grow the buffer as they read.
	data := make([]byte, 0, max(st.Size, 0)+1)
	for {
		n, err := unix.Read(fd, data[len(data):cap(data)])
		switch {
		case err == unix.EINTR:
			continue
		case err != nil:
			return nil, &fs.PathError{Op: "read", Path: path, Err: err}
		case n == 0:
			return data, nil
		}
		data = data[:len(data)+n]
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
	}
}

// retryEINTR calls open until it is not interrupted.
func retryEINTR(open func() (int, error)) (int, error) {
	for {
		fd, err := open()
		if err != unix.EINTR {
			return fd, err
		}
	}
}
