//go:build linux

package runfolder

import (
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// The Linux fast path. A sweep writes and checks hundreds of thousands of
// small files, and an *os.File costs five system calls more than the file
// itself on Linux (two fcntl pairs and a refused epoll registration, as Go
// prepares every file for its poller). Here folders and files are plain
// descriptors: a file created in a new run folder is openat + write +
// fstat + close, and Check stats each listed file with one fstatat.
//
// Safety is os.Root's: every path is resolved one element at a time from
// the run folder's descriptor with O_NOFOLLOW, so no symbolic link is
// followed, and a name is checked with ValidName before use. Anything
// unusual (a symbolic link, a file that is not regular, any error) makes
// Check fall back to the portable path, which names the problem exactly as
// before.

// rawSupported tells that this system has the fast path.
const rawSupported = true

// rawFolder is a run folder opened as descriptors: the folder itself and
// the subfolders opened so far, by slash-separated name.
type rawFolder struct {
	fd   int
	subs map[string]int
}

// openRawFolder opens dir.
func openRawFolder(dir string) (*rawFolder, error) {
	fd, err := retry(func() (int, error) {
		return unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	})
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: dir, Err: err}
	}
	return &rawFolder{fd: fd, subs: map[string]int{}}, nil
}

// close closes every descriptor.
func (r *rawFolder) close() error {
	for _, fd := range r.subs {
		unix.Close(fd)
	}
	r.subs = nil
	return unix.Close(r.fd)
}

// folder returns the descriptor of the subfolder dir ("." for the run
// folder), creating the folders on the way when create is set.
func (r *rawFolder) folder(dir string, create bool) (int, error) {
	if dir == "." || dir == "" {
		return r.fd, nil
	}
	if fd, ok := r.subs[dir]; ok {
		return fd, nil
	}
	parent, base := path.Split(dir)
	pfd, err := r.folder(path.Clean(parent), create)
	if err != nil {
		return -1, err
	}
	made := false
	if create {
		err := unix.Mkdirat(pfd, base, 0o755)
		if err != nil && err != unix.EEXIST {
			return -1, &fs.PathError{Op: "mkdirat", Path: dir, Err: err}
		}
		made = err == nil
	}
	fd, err := retry(func() (int, error) {
		return unix.Openat(pfd, base, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	})
	if err != nil {
		return -1, &fs.PathError{Op: "openat", Path: dir, Err: err}
	}
	if made {
		// 0755 whatever the umask, as the run folder.
		if err := chmodDir(fd); err != nil {
			unix.Close(fd)
			return -1, &fs.PathError{Op: "chmod", Path: dir, Err: err}
		}
	}
	r.subs[dir] = fd
	return fd, nil
}

// rawFile is a file descriptor written to.
type rawFile int

func (f rawFile) Write(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		m, err := unix.Write(int(f), p[n:])
		switch {
		case err == unix.EINTR:
			continue
		case err != nil:
			return n, err
		case m == 0:
			return n, unix.EIO
		}
		n += m
	}
	return n, nil
}

// create writes a new file name (slash-separated) with what fill writes,
// with mode 0644 whatever the umask, and returns what fill returned and
// the file's stamp. A file that fails is removed.
func (r *rawFolder) create(name string, fill func(w rawFile) (string, int64, error)) (sum string, size int64, st stamp, err error) {
	dir, base := path.Split(name)
	dfd, err := r.folder(path.Clean(dir), true)
	if err != nil {
		return "", 0, st, err
	}
	fd, err := retry(func() (int, error) {
		return unix.Openat(dfd, base, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o644)
	})
	if err != nil {
		return "", 0, st, &fs.PathError{Op: "openat", Path: name, Err: err}
	}
	defer func() {
		if fd >= 0 {
			unix.Close(fd)
		}
		if err != nil {
			unix.Unlinkat(dfd, base, 0)
		}
	}()
	if sum, size, err = fill(rawFile(fd)); err != nil {
		return "", 0, st, &fs.PathError{Op: "write", Path: name, Err: err}
	}
	var s unix.Stat_t
	if err = unix.Fstat(fd, &s); err != nil {
		return "", 0, st, &fs.PathError{Op: "fstat", Path: name, Err: err}
	}
	if s.Mode&0o7777 != 0o644 {
		if err = unix.Fchmod(fd, 0o644); err != nil {
			return "", 0, st, &fs.PathError{Op: "fchmod", Path: name, Err: err}
		}
	}
	err, fd = unix.Close(fd), -1
	if err != nil {
		return "", 0, st, &fs.PathError{Op: "close", Path: name, Err: err}
	}
	return sum, size, stamp{name: name, size: s.Size, modTime: time.Unix(s.Mtim.Unix())}, nil
}

// quickCheck is Check's fast path: it returns the sealed folder and the
// error Check returns, with ok set; ok is false when anything is unusual,
// for the portable path to look at and name.
func quickCheck(dir, wantSHA, wantFP string) (s *Sealed, ok bool, err error) {
	r, err := openRawFolder(dir)
	if err != nil {
		return nil, false, nil
	}
	defer r.close()
	data, ok := r.readSmall(ManifestFile)
	if !ok {
		return nil, false, nil
	}
	sum := SHA256(data)
	if wantSHA != "" && sum != wantSHA {
		return nil, false, nil
	}
	m, err := DecodeManifest(data)
	if err != nil || m.Status != StatusCompleted || len(m.Files) == 0 {
		return nil, false, nil
	}
	stamps := make([]stamp, 0, len(m.Files))
	for _, f := range m.Files {
		if ValidName(f.Name) != nil || strings.HasSuffix(f.Name, "/") {
			return nil, false, nil
		}
		dir, base := path.Split(f.Name)
		dfd, err := r.folder(path.Clean(dir), false)
		if err != nil {
			return nil, false, nil
		}
		var st unix.Stat_t
		if unix.Fstatat(dfd, base, &st, unix.AT_SYMLINK_NOFOLLOW) != nil || st.Mode&unix.S_IFMT != unix.S_IFREG || st.Size != f.Size {
			return nil, false, nil
		}
		stamps = append(stamps, stamp{name: f.Name, size: st.Size, modTime: time.Unix(st.Mtim.Unix())})
	}
	s = &Sealed{Dir: dir, Manifest: m, SHA256: sum, Fingerprint: fingerprint(stamps)}
	if wantFP != "" && s.Fingerprint != wantFP {
		return s, true, changedError(dir)
	}
	return s, true, nil
}

// readSmall reads the regular file name of the run folder (no symbolic
// link), of at most 16 MiB; ok is false on any failure.
func (r *rawFolder) readSmall(name string) (data []byte, ok bool) {
	fd, err := retry(func() (int, error) {
		return unix.Openat(r.fd, name, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	})
	if err != nil {
		return nil, false
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if unix.Fstat(fd, &st) != nil || st.Mode&unix.S_IFMT != unix.S_IFREG || st.Size > 16<<20 {
		return nil, false
	}
	data = make([]byte, st.Size)
	for n := 0; n < len(data); {
		m, err := unix.Read(fd, data[n:])
		switch {
		case err == unix.EINTR:
			continue
		case err != nil || m == 0:
			return nil, false
		}
		n += m
	}
	return data, true
}

// retry calls open until it is not interrupted.
func retry(open func() (int, error)) (int, error) {
	for {
		fd, err := open()
		if err != unix.EINTR {
			return fd, err
		}
	}
}

// lstat tells whether name is in the folder (not following a symbolic
// link): nil, or the error (fs.ErrNotExist when absent).
func (r *rawFolder) lstat(name string) error {
	var st unix.Stat_t
	for {
		err := unix.Fstatat(r.fd, name, &st, unix.AT_SYMLINK_NOFOLLOW)
		if err != unix.EINTR {
			if err != nil {
				return &fs.PathError{Op: "fstatat", Path: name, Err: err}
			}
			return nil
		}
	}
}

// mkdirTemp makes a new folder prefix+SUFFIX in the folder, mode 0755
// whatever the umask, and returns its name and descriptor.
func (r *rawFolder) mkdirTemp(prefix string) (name string, fd int, err error) {
	for try := 0; ; try++ {
		name = prefix + strconv.FormatUint(uint64(rand.Uint32()), 10)
		err = unix.Mkdirat(r.fd, name, 0o755)
		if err == unix.EEXIST && try < 10000 {
			continue
		}
		if err != nil {
			return "", -1, &fs.PathError{Op: "mkdirat", Path: name, Err: err}
		}
		break
	}
	fd, err = retry(func() (int, error) {
		return unix.Openat(r.fd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	})
	if err != nil {
		unix.Unlinkat(r.fd, name, unix.AT_REMOVEDIR)
		return "", -1, &fs.PathError{Op: "openat", Path: name, Err: err}
	}
	// The mode as documented, whatever the umask.
	if err = chmodDir(fd); err != nil {
		unix.Close(fd)
		unix.Unlinkat(r.fd, name, unix.AT_REMOVEDIR)
		return "", -1, &fs.PathError{Op: "chmod", Path: name, Err: err}
	}
	return name, fd, nil
}

// place moves the folder tmp to name, both in the folder dir (r): one
// renameat2 when nothing is at name; a folder there is exchanged with it
// atomically and its old content removed; a file there is refused. File
// systems without renameat2's flags go through placeByPath.
func (r *rawFolder) place(dir, tmp, name string) error {
	err := unix.Renameat2(r.fd, tmp, r.fd, name, unix.RENAME_NOREPLACE)
	if err == nil {
		return nil
	}
	if err != unix.EEXIST {
		if err == unix.EINVAL || err == unix.ENOSYS || err == unix.ENOTSUP {
			return placeByPath(dir, tmp, name)
		}
		return &fs.PathError{Op: "renameat2", Path: name, Err: err}
	}
	var st unix.Stat_t
	if err := unix.Fstatat(r.fd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return &fs.PathError{Op: "fstatat", Path: name, Err: err}
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		return fmt.Errorf("%s exists and is not a folder", filepath.Join(dir, name))
	}
	switch err := unix.Renameat2(r.fd, tmp, r.fd, name, unix.RENAME_EXCHANGE); {
	case err == unix.EINVAL || err == unix.ENOSYS || err == unix.ENOTSUP:
		return placeByPath(dir, tmp, name)
	case err != nil:
		return &fs.PathError{Op: "renameat2", Path: name, Err: err}
	}
	// tmp now holds the previous content.
	if err := os.RemoveAll(filepath.Join(dir, tmp)); err != nil {
		return fmt.Errorf("removing the previous content of %s: %w", filepath.Join(dir, name), err)
	}
	return nil
}

// chmodDir gives the folder fd mode 0755 if the umask took anything from
// it (it rarely does: one fstat).
func chmodDir(fd int) error {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return err
	}
	if st.Mode&0o7777 != 0o755 {
		return unix.Fchmod(fd, 0o755)
	}
	return nil
}
