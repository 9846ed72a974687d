package modalemu

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"

	pb "github.com/modal-labs/modal-client/go/proto/modal_proto"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
)

// volume is a Modal Volume: its committed contents live in dir. Sandboxes
// never write there directly: each mount is a private view of the
// committed state as of the mount, and its changes reach dir only when
// committed: when the sandbox shuts down, when it reloads its volumes
// (commit, then pull), with `sync` on a v2 volume, or by background commits
// when Options.BackgroundCommit is set. This is Modal's documented model:
// "At container creation time the latest state of an attached Volume is
// mounted. If the Volume is then subsequently modified by a commit
// operation in another running container, that Volume modification won't
// become available until the original container does a .reload()", and
// changes "need to be committed for those the changes to become visible
// outside the current container" (modal.com/docs/guide/volumes);
// test/sandbox_test.go:351-416 (TestSandboxReloadVolumes) pins the same
// for sandboxes.
type volume struct {
	id, name, environment string
	version               pb.VolumeFsVersion
	dir                   string

	// mu serialises commits and the cloning of views.
	mu      sync.Mutex
	deleted bool
}

// VolumeGetOrCreate finds a volume by name (creating it with
// CREATE_IF_MISSING) or creates an ephemeral one. The response echoes the
// volume's version in metadata, which the SDK checks when it asks for one
// (volume.go:103-115): a volume created without a version is v1.
func (c *controlPlane) VolumeGetOrCreate(ctx context.Context, req *pb.VolumeGetOrCreateRequest) (*pb.VolumeGetOrCreateResponse, error) {
	s := c.s
	env, err := s.environment(req.GetEnvironmentName())
	if err != nil {
		return nil, err
	}
	version := req.GetVersion()
	if version == pb.VolumeFsVersion_VOLUME_FS_VERSION_UNSPECIFIED {
		version = pb.VolumeFsVersion_VOLUME_FS_VERSION_V1
	}
	if req.GetObjectCreationType() == pb.ObjectCreationType_OBJECT_CREATION_TYPE_EPHEMERAL {
		v, err := s.newVolume("", env, version)
		if err != nil {
			return nil, err
		}
		return volumeResponse(v), nil
	}
	name := req.GetDeploymentName()
	if !validObjectName(name) {
		return nil, status.Error(codes.InvalidArgument, invalidNameMessage("Volume", name))
	}
	s.mu.Lock()
	v, ok := s.volumes[objectKey{env, name}]
	s.mu.Unlock()
	if !ok {
		if req.GetObjectCreationType() != pb.ObjectCreationType_OBJECT_CREATION_TYPE_CREATE_IF_MISSING {
			return nil, status.Errorf(codes.NotFound, "Volume '%s' not found", name)
		}
		if v, err = s.newVolume(name, env, version); err != nil {
			return nil, err
		}
	}
	return volumeResponse(v), nil
}

// volumeResponse answers VolumeGetOrCreate.
func volumeResponse(v *volume) *pb.VolumeGetOrCreateResponse {
	return pb.VolumeGetOrCreateResponse_builder{
		VolumeId: v.id,
		Version:  v.version,
		Metadata: pb.VolumeMetadata_builder{Version: v.version, Name: v.name}.Build(),
	}.Build()
}

// newVolume creates a volume (unnamed when ephemeral), or returns the one
// a concurrent call created under the same name.
func (s *Server) newVolume(name, env string, version pb.VolumeFsVersion) (*volume, error) {
	v := &volume{id: newID("vo"), name: name, environment: env, version: version}
	v.dir = filepath.Join(s.root, "volumes", v.id)
	if err := os.MkdirAll(v.dir, 0o755); err != nil {
		return nil, status.Errorf(codes.Internal, "create volume folder: %v", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if name != "" {
		if other, ok := s.volumes[objectKey{env, name}]; ok {
			_ = os.RemoveAll(v.dir)
			return other, nil
		}
		s.volumes[objectKey{env, name}] = v
	}
	s.volumeIDs[v.id] = v
	return v, nil
}

// VolumeHeartbeat keeps an ephemeral volume alive; here it only checks
// that the volume exists.
func (c *controlPlane) VolumeHeartbeat(ctx context.Context, req *pb.VolumeHeartbeatRequest) (*emptypb.Empty, error) {
	if _, err := c.s.volumeByID(req.GetVolumeId()); err != nil {
		return nil, err
	}
	return &emptypb.Empty{}, nil
}

// VolumeDelete removes a volume and its contents; mounts that still exist
// keep their views, and their commits are dropped.
func (c *controlPlane) VolumeDelete(ctx context.Context, req *pb.VolumeDeleteRequest) (*emptypb.Empty, error) {
	s := c.s
	v, err := s.volumeByID(req.GetVolumeId())
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	delete(s.volumeIDs, v.id)
	if s.volumes[objectKey{v.environment, v.name}] == v {
		delete(s.volumes, objectKey{v.environment, v.name})
	}
	s.mu.Unlock()
	v.mu.Lock()
	v.deleted = true
	err = os.RemoveAll(v.dir)
	v.mu.Unlock()
	if err != nil {
		return nil, status.Errorf(codes.Internal, "delete volume: %v", err)
	}
	return &emptypb.Empty{}, nil
}

// volumeByID returns a volume, or NotFound.
func (s *Server) volumeByID(id string) (*volume, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.volumeIDs[id]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "Volume with id '%s' not found", id)
	}
	return v, nil
}

// VolumeDir returns the folder of a named volume's committed contents in
// the default environment, creating the volume (v1) if needed; tests seed
// and inspect volumes through it. Writing there is a commit from outside
// any sandbox.
func (s *Server) VolumeDir(name string) (string, error) {
	if !validObjectName(name) {
		return "", errors.New(invalidNameMessage("Volume", name))
	}
	s.mu.Lock()
	v, ok := s.volumes[objectKey{s.opts.Environment, name}]
	s.mu.Unlock()
	if !ok {
		var err error
		if v, err = s.newVolume(name, s.opts.Environment, pb.VolumeFsVersion_VOLUME_FS_VERSION_V1); err != nil {
			return "", err
		}
	}
	return v.dir, nil
}

// mount is one volume mounted in one sandbox: a view folder holding the
// volume (or its sub_path) as of the mount, plus the sandbox's changes.
type mount struct {
	vol           *volume
	containerPath string // absolute, cleaned
	subPath       string // relative to the volume root, "" for the root
	readOnly      bool
	view          string // host folder
	// base is the state of every entry of the view after the last mount,
	// commit or reload: what the sandbox started from.
	base map[string]entryState
}

// entryState identifies an entry of a view: a file that keeps its inode
// but changes size or time was modified in place.
type entryState struct {
	kind  fs.FileMode // fs.ModeDir, fs.ModeSymlink or 0 (regular)
	ino   uint64
	size  int64
	mtime int64
}

// stateOf reads an entry's state.
func stateOf(info fs.FileInfo) entryState {
	st := entryState{kind: info.Mode().Type() & (fs.ModeDir | fs.ModeSymlink), size: info.Size(), mtime: info.ModTime().UnixNano()}
	if sys, ok := info.Sys().(*syscall.Stat_t); ok {
		st.ino = uint64(sys.Ino)
	}
	return st
}

// source is the committed folder a mount reflects.
func (m *mount) source() string {
	return filepath.Join(m.vol.dir, filepath.FromSlash(m.subPath))
}

// attach fills the view with the volume's committed contents: folders are
// created, files hard-linked (a view shares the committed files' inodes
// until it replaces them, so mounting costs one link per file, not a
// copy), symbolic links recreated.
func (m *mount) attach() error {
	m.vol.mu.Lock()
	defer m.vol.mu.Unlock()
	if err := os.MkdirAll(m.view, 0o755); err != nil {
		return err
	}
	src := m.source()
	if _, err := os.Lstat(src); errors.Is(err, fs.ErrNotExist) {
		m.base = map[string]entryState{}
		return nil
	}
	if err := mirror(src, m.view, nil); err != nil {
		return fmt.Errorf("mounting volume %s: %w", m.vol.id, err)
	}
	var err error
	m.base, err = scan(m.view)
	return err
}

// scan returns the state of every entry under dir, by slash path.
func scan(dir string) (map[string]entryState, error) {
	states := map[string]entryState{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if p == dir {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		states[filepath.ToSlash(rel)] = stateOf(info)
		return nil
	})
	return states, err
}

// mirror makes dst hold src's entries (folders created with their
// modification times, files hard-linked, symbolic links recreated); when
// keep is not nil, entries of dst for which keep returns true are left
// alone.
func mirror(src, dst string, keep func(rel string) bool) error {
	var dirs []string
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if rel == "." {
			return nil
		}
		if keep != nil && keep(filepath.ToSlash(rel)) {
			return nil
		}
		if d.IsDir() {
			dirs = append(dirs, rel)
		}
		return place(p, filepath.Join(dst, rel), d.Type())
	})
	if err != nil {
		return err
	}
	// Folder times last: creating their entries changed them.
	for i := len(dirs) - 1; i >= 0; i-- {
		if info, err := os.Stat(filepath.Join(src, dirs[i])); err == nil {
			_ = os.Chtimes(filepath.Join(dst, dirs[i]), info.ModTime(), info.ModTime())
		}
	}
	return nil
}

// place puts the entry at from (of type kind) at to: a folder is created,
// a file hard-linked, a symbolic link recreated; an entry of another kind
// at to is replaced. A file is linked under a temporary name and renamed,
// so a reader never sees it half there.
func place(from, to string, kind fs.FileMode) error {
	if kind.IsDir() {
		if info, err := os.Lstat(to); err == nil && !info.IsDir() {
			if err := os.Remove(to); err != nil {
				return err
			}
		}
		return os.MkdirAll(to, 0o755)
	}
	if info, err := os.Lstat(to); err == nil && info.IsDir() {
		if err := os.RemoveAll(to); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		return err
	}
	tmp := filepath.Join(filepath.Dir(to), ".modalemu-"+randomString(base62, 8))
	var err error
	if kind&fs.ModeSymlink != 0 {
		var target string
		if target, err = os.Readlink(from); err == nil {
			err = os.Symlink(target, tmp)
		}
	} else {
		err = os.Link(from, tmp)
	}
	if err == nil {
		err = os.Rename(tmp, to)
	}
	if err != nil {
		_ = os.Remove(tmp)
	}
	return err
}

// commit writes the view's changes since its base into the volume: new or
// replaced entries are placed there, entries removed from the view are
// removed from the volume unless another sandbox replaced them since (its
// commit wins). A file modified in place kept its inode, which the volume
// shares, so the change was visible before the commit (the one way the
// emulator is more lenient than Modal); commit counts such files and
// returns how many. A read-only mount commits nothing.
//
// The final commit (the sandbox is shutting down, its view is dropped
// next) moves each folder the sandbox created whole into the volume, when
// the volume has nothing under that name, instead of linking its entries
// one by one: the volume ends up holding the same entries either way, and
// a sandbox that wrote thousands of files costs one rename per new folder.
func (m *mount) commit(final bool) (inPlace int, err error) {
	if m.readOnly {
		return 0, nil
	}
	m.vol.mu.Lock()
	defer m.vol.mu.Unlock()
	if m.vol.deleted {
		return 0, nil
	}
	dst := m.source()
	changed := false
	cur := map[string]entryState{}
	err = filepath.WalkDir(m.view, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if p == m.view {
			return nil
		}
		rel, _ := filepath.Rel(m.view, p)
		rel = filepath.ToSlash(rel)
		if _, had := m.base[rel]; final && !had && d.IsDir() {
			to := filepath.Join(dst, filepath.FromSlash(rel))
			if _, err := os.Lstat(to); errors.Is(err, fs.ErrNotExist) {
				if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
					return fmt.Errorf("committing %s: %w", rel, err)
				}
				if err := os.Rename(p, to); err != nil {
					return fmt.Errorf("committing %s: %w", rel, err)
				}
				changed = true
				return filepath.SkipDir
			}
		}
		info, err := d.Info()
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		c := stateOf(info)
		cur[rel] = c
		b, had := m.base[rel]
		switch {
		case had && b.kind == c.kind && b.ino == c.ino:
			if c.kind == 0 && (b.size != c.size || b.mtime != c.mtime) {
				inPlace++
			}
			return nil
		case had && c.kind.IsDir() && b.kind.IsDir():
			return nil
		}
		if err := place(p, filepath.Join(dst, filepath.FromSlash(rel)), c.kind); err != nil {
			return fmt.Errorf("committing %s: %w", rel, err)
		}
		changed = true
		return nil
	})
	if err != nil {
		return inPlace, err
	}
	// Removals, deepest first. (A folder moved whole was new: nothing of
	// the base lies under it.)
	gone := []string{}
	for rel := range m.base {
		if _, ok := cur[rel]; !ok {
			gone = append(gone, rel)
		}
	}
	slices.SortFunc(gone, func(a, b string) int { return strings.Count(b, "/") - strings.Count(a, "/") })
	for _, rel := range gone {
		p := filepath.Join(dst, filepath.FromSlash(rel))
		info, err := os.Lstat(p)
		if err != nil {
			continue
		}
		b := m.base[rel]
		if st := stateOf(info); b.kind.IsDir() && st.kind.IsDir() {
			_ = os.Remove(p) // only when empty: others may have added files
		} else if st.ino == b.ino {
			_ = os.Remove(p)
		}
		changed = true
	}
	if changed || inPlace > 0 {
		m.base = cur
	}
	return inPlace, nil
}

// reload pulls the volume's committed state into the view (after commit,
// the view has no changes of its own): entries are added or replaced from
// the volume, and those the volume no longer has are removed.
func (m *mount) reload() error {
	m.vol.mu.Lock()
	defer m.vol.mu.Unlock()
	src := m.source()
	want, err := scan(src)
	if err != nil {
		return err
	}
	have, err := scan(m.view)
	if err != nil {
		return err
	}
	for _, rel := range slices.Sorted(maps.Keys(want)) {
		w := want[rel]
		if h, ok := have[rel]; ok && h.kind == w.kind && (w.kind.IsDir() || h.ino == w.ino) {
			continue
		}
		if err := place(filepath.Join(src, filepath.FromSlash(rel)), filepath.Join(m.view, filepath.FromSlash(rel)), w.kind); err != nil {
			return fmt.Errorf("reloading %s: %w", rel, err)
		}
	}
	extra := []string{}
	for rel := range have {
		if _, ok := want[rel]; !ok {
			extra = append(extra, rel)
		}
	}
	slices.SortFunc(extra, func(a, b string) int { return strings.Count(b, "/") - strings.Count(a, "/") })
	for _, rel := range extra {
		_ = os.RemoveAll(filepath.Join(m.view, filepath.FromSlash(rel)))
	}
	m.base, err = scan(m.view)
	return err
}

// newMounts resolves a sandbox definition's volume mounts: each volume
// exists, each mount path is absolute and used once, each sub_path stays
// inside its volume.
func (s *Server) newMounts(sandboxDir string, specs []*pb.VolumeMount) ([]*mount, error) {
	var mounts []*mount
	seen := map[string]bool{}
	for i, vm := range specs {
		v, err := s.volumeByID(vm.GetVolumeId())
		if err != nil {
			return nil, err
		}
		cp := vm.GetMountPath()
		if !path.IsAbs(cp) || path.Clean(cp) == "/" {
			return nil, status.Errorf(codes.InvalidArgument, "volume mount path %q must be an absolute path other than /", cp)
		}
		cp = path.Clean(cp)
		if seen[cp] {
			return nil, status.Errorf(codes.InvalidArgument, "two volumes are mounted at %s", cp)
		}
		seen[cp] = true
		sub := strings.Trim(path.Clean("/"+vm.GetSubPath()), "/")
		if vm.GetSubPath() != "" && !fs.ValidPath(sub) {
			return nil, status.Errorf(codes.InvalidArgument, "volume sub_path %q leaves the volume", vm.GetSubPath())
		}
		mounts = append(mounts, &mount{
			vol: v, containerPath: cp, subPath: sub, readOnly: vm.GetReadOnly(),
			view: filepath.Join(sandboxDir, "volumes", fmt.Sprint(i)),
		})
	}
	return mounts, nil
}
