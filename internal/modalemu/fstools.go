package modalemu

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/user"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
)

// fsToolsPath is the helper binary a sandbox's Filesystem methods exec,
// with one JSON argument (sandbox_fs.go:18, sandbox_fs_utils.go:119-318).
// The emulator runs it itself, on the sandbox's file system as the
// runtime exposes it to the host.
const fsToolsPath = "/__modal/.bin/modal-sandbox-fs-tools"

// maxReadSize is the largest file ReadFile returns; past it the error kind
// is FileTooLarge (the SDK's e2e tests expect it for a 6 GiB file,
// sandbox_fs_e2e_test.go:455-467).
const maxReadSize = 5 << 30

// fsRequest is the helper's argument: one operation.
type fsRequest struct {
	ReadFile      *struct{ Path string } `json:"ReadFile"`
	WriteFile     *struct{ Path string } `json:"WriteFile"`
	MakeDirectory *struct {
		Path    string
		Parents bool
	} `json:"MakeDirectory"`
	ListFiles *struct{ Path string } `json:"ListFiles"`
	Stat      *struct{ Path string } `json:"Stat"`
	Remove    *struct {
		Path      string
		Recursive bool
	} `json:"Remove"`
	Watch *struct{ Path string } `json:"Watch"`
}

// fsError is the helper's failure: one JSON object on stderr with a kind
// the SDK maps to its error types (sandbox_fs_utils.go:17-36).
type fsError struct {
	Kind    string `json:"error_kind"`
	Message string `json:"message"`
	Detail  string `json:"detail,omitempty"`
}

func (e *fsError) Error() string { return e.Kind + ": " + e.Message }

// fsFileInfo is the helper's description of an entry (sandbox_fs.go:63-75).
type fsFileInfo struct {
	Name          string  `json:"name"`
	Path          string  `json:"path"`
	Type          string  `json:"type"`
	Size          int64   `json:"size"`
	Mode          uint32  `json:"mode"`
	Permissions   string  `json:"permissions"`
	Owner         string  `json:"owner"`
	Group         string  `json:"group"`
	ModifiedTime  float64 `json:"modified_time"`
	SymlinkTarget *string `json:"symlink_target"`
}

// runFSTool performs the helper's operation for an exec and finishes it:
// exit 0 with the result on stdout, or exit 1 with an fsError on stderr.
func (s *Server) runFSTool(sb *sandbox, p *execProcess, args []string) {
	code := 0
	out, err := s.fsTool(sb, p, args)
	if err != nil {
		var fe *fsError
		if !errors.As(err, &fe) {
			fe = &fsError{Kind: "Other", Message: err.Error()}
		}
		b, _ := json.Marshal(fe)
		_, _ = p.stderr.Write(b)
		code = 1
	} else if len(out) > 0 {
		_, _ = p.stdout.Write(out)
	}
	p.stdin.close()
	sb.touch()
	p.finish(code, 0)
}

// fsTool runs one operation and returns its stdout.
func (s *Server) fsTool(sb *sandbox, p *execProcess, args []string) ([]byte, error) {
	if len(args) != 1 {
		return nil, &fsError{Kind: "InvalidArgument", Message: "expected one JSON argument"}
	}
	var req fsRequest
	if err := json.Unmarshal([]byte(args[0]), &req); err != nil {
		return nil, &fsError{Kind: "InvalidArgument", Message: err.Error()}
	}
	// host maps a container path to the host, resolving symbolic links in
	// the sandbox's file system (absolute targets are the sandbox's, not the
	// host's); the last component is followed only when follow.
	resolve := func(p string, follow bool) (string, error) {
		if !path.IsAbs(p) {
			return "", &fsError{Kind: "InvalidArgument", Message: "the path must be absolute"}
		}
		return resolveLinks(path.Clean(p), follow, func(c string) string { return s.runtime.hostPath(sb, c) }), nil
	}
	host := func(p string) (string, error) { return resolve(p, true) }
	hostNoFollow := func(p string) (string, error) { return resolve(p, false) }
	switch {
	case req.ReadFile != nil:
		h, err := host(req.ReadFile.Path)
		if err != nil {
			return nil, err
		}
		info, err := os.Stat(h)
		if err != nil {
			return nil, osError(err)
		}
		if info.IsDir() {
			return nil, &fsError{Kind: "IsDirectory", Message: "Is a directory"}
		}
		if info.Size() > maxReadSize {
			return nil, &fsError{Kind: "FileTooLarge", Message: fmt.Sprintf("File is too large to read (%d bytes; the limit is %d)", info.Size(), int64(maxReadSize))}
		}
		data, err := os.ReadFile(h)
		return data, osError(err)
	case req.WriteFile != nil:
		h, err := host(req.WriteFile.Path)
		if err != nil {
			return nil, err
		}
		return nil, writeFile(h, p.stdin.reader())
	case req.MakeDirectory != nil:
		h, err := hostNoFollow(req.MakeDirectory.Path)
		if err != nil {
			return nil, err
		}
		if info, err := os.Lstat(h); err == nil {
			if info.IsDir() && req.MakeDirectory.Parents {
				return nil, nil
			}
			return nil, &fsError{Kind: "PathAlreadyExists", Message: "File exists"}
		}
		if req.MakeDirectory.Parents {
			return nil, osError(os.MkdirAll(h, 0o755))
		}
		return nil, osError(os.Mkdir(h, 0o755))
	case req.ListFiles != nil:
		return listFiles(req.ListFiles.Path, host)
	case req.Stat != nil:
		h, err := hostNoFollow(req.Stat.Path)
		if err != nil {
			return nil, err
		}
		info, err := os.Lstat(h)
		if err != nil {
			return nil, osError(err)
		}
		return json.Marshal(fileInfo(path.Clean(req.Stat.Path), h, info))
	case req.Remove != nil:
		h, err := hostNoFollow(req.Remove.Path)
		if err != nil {
			return nil, err
		}
		info, err := os.Lstat(h)
		if err != nil {
			return nil, osError(err)
		}
		if info.IsDir() && req.Remove.Recursive {
			return nil, osError(os.RemoveAll(h))
		}
		return nil, osError(os.Remove(h))
	case req.Watch != nil:
		return nil, &fsError{Kind: "Unsupported", Message: "modalemu does not emulate Filesystem.Watch"}
	}
	return nil, &fsError{Kind: "InvalidArgument", Message: "unknown operation " + args[0]}
}

// writeFile writes the stream to a file, creating its parent folders and
// replacing the file (sandbox_fs.go:702-711): written under a temporary
// name and renamed, so a volume view never shares a half-written inode.
func writeFile(h string, r io.Reader) error {
	if info, err := os.Stat(h); err == nil && info.IsDir() {
		_, _ = io.Copy(io.Discard, r)
		return &fsError{Kind: "IsDirectory", Message: "Is a directory"}
	}
	if err := os.MkdirAll(filepath.Dir(h), 0o755); err != nil {
		_, _ = io.Copy(io.Discard, r)
		return osError(err)
	}
	f, err := os.CreateTemp(filepath.Dir(h), ".modalemu-write-*")
	if err != nil {
		_, _ = io.Copy(io.Discard, r)
		return osError(err)
	}
	_, err = io.Copy(f, r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(f.Name(), h)
	}
	if err != nil {
		_ = os.Remove(f.Name())
		return osError(err)
	}
	return nil
}

// listFiles lists a folder (following it when it is a symbolic link),
// not recursively, sorted by name.
func listFiles(p string, host func(string) (string, error)) ([]byte, error) {
	h, err := host(p)
	if err != nil {
		return nil, err
	}
	info, err := os.Stat(h)
	if err != nil {
		return nil, osError(err)
	}
	if !info.IsDir() {
		return nil, &fsError{Kind: "NotDirectory", Message: "Not a directory"}
	}
	entries, err := os.ReadDir(h)
	if err != nil {
		return nil, osError(err)
	}
	list := []fsFileInfo{}
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			continue
		}
		list = append(list, fileInfo(path.Join(path.Clean(p), e.Name()), filepath.Join(h, e.Name()), info))
	}
	slices.SortFunc(list, func(a, b fsFileInfo) int {
		switch {
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})
	return json.Marshal(list)
}

// fileInfo describes an entry (not following a symbolic link).
func fileInfo(p, h string, info fs.FileInfo) fsFileInfo {
	fi := fsFileInfo{
		Name: path.Base(p), Path: p, Type: "file", Size: info.Size(),
		ModifiedTime: float64(info.ModTime().UnixNano()) / 1e9,
		Permissions:  fmt.Sprintf("%04o", info.Mode().Perm()),
	}
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		fi.Mode = uint32(st.Mode)
		fi.Permissions = fmt.Sprintf("%04o", st.Mode&0o7777)
		fi.Owner, fi.Group = userName(st.Uid), groupName(st.Gid)
	}
	switch {
	case info.Mode()&fs.ModeSymlink != 0:
		fi.Type = "symlink"
		if target, err := os.Readlink(h); err == nil {
			fi.SymlinkTarget = &target
		}
	case info.IsDir():
		fi.Type = "directory"
	}
	return fi
}

// userName and groupName name an id as stat(1) does, or print it.
func userName(uid uint32) string {
	if u, err := user.LookupId(strconv.Itoa(int(uid))); err == nil {
		return u.Username
	}
	return strconv.Itoa(int(uid))
}

func groupName(gid uint32) string {
	if g, err := user.LookupGroupId(strconv.Itoa(int(gid))); err == nil {
		return g.Name
	}
	return strconv.Itoa(int(gid))
}

// osError maps a file system error to the helper's error kinds.
func osError(err error) error {
	if err == nil {
		return nil
	}
	var errno syscall.Errno
	msg := err.Error()
	if errors.As(err, &errno) {
		msg = errno.Error()
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return &fsError{Kind: "NotFound", Message: "No such file or directory"}
	case errors.Is(err, syscall.ENOTDIR):
		return &fsError{Kind: "NotDirectory", Message: "Not a directory"}
	case errors.Is(err, syscall.EISDIR):
		return &fsError{Kind: "IsDirectory", Message: "Is a directory"}
	case errors.Is(err, syscall.ENOTEMPTY):
		return &fsError{Kind: "DirectoryNotEmpty", Message: "Directory not empty"}
	case errors.Is(err, fs.ErrExist):
		return &fsError{Kind: "PathAlreadyExists", Message: "File exists"}
	case errors.Is(err, fs.ErrPermission), errors.Is(err, syscall.EROFS):
		return &fsError{Kind: "PermissionDenied", Message: msg}
	}
	return &fsError{Kind: "Other", Message: msg}
}

// resolveLinks resolves the symbolic links of a clean absolute container
// path, component by component, with host mapping each prefix to the host
// (at most 40 links, as the kernel allows), and returns the host path of
// the result. The last component is resolved only when follow.
func resolveLinks(p string, follow bool, host func(string) string) string {
	parts := strings.Split(strings.TrimPrefix(p, "/"), "/")
	cur := "/"
	for hops := 0; len(parts) > 0 && hops < 40; {
		comp := parts[0]
		parts = parts[1:]
		if comp == "" || comp == "." {
			continue
		}
		next := path.Join(cur, comp)
		if len(parts) == 0 && !follow {
			return host(next)
		}
		info, err := os.Lstat(host(next))
		if err != nil || info.Mode()&fs.ModeSymlink == 0 {
			cur = next
			continue
		}
		target, err := os.Readlink(host(next))
		if err != nil {
			cur = next
			continue
		}
		hops++
		if path.IsAbs(target) {
			cur = "/"
		}
		parts = append(strings.Split(strings.Trim(target, "/"), "/"), parts...)
	}
	for _, rest := range parts {
		cur = path.Join(cur, rest)
	}
	return host(cur)
}
