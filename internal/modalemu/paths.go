package modalemu

import (
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// PathMapper translates absolute container paths of one sandbox to host
// paths: paths under a volume mount go to the volume's folder, everything
// else to the sandbox's private root folder (modal.md §8.9).
type PathMapper struct {
	root   string
	mounts []mountPoint // longest container path first
}

// mountPoint maps a container folder onto a host folder.
type mountPoint struct {
	container string // cleaned, absolute, slash-separated
	host      string
}

// NewPathMapper returns a mapper whose fake "/" is the host folder root and
// whose mounts map cleaned absolute container paths to host folders.
func NewPathMapper(root string, mounts map[string]string) *PathMapper {
	m := &PathMapper{root: root}
	for c, h := range mounts {
		m.mounts = append(m.mounts, mountPoint{container: path.Clean("/" + c), host: h})
	}
	sort.Slice(m.mounts, func(i, j int) bool { return len(m.mounts[i].container) > len(m.mounts[j].container) })
	return m
}

// Host maps an absolute container path to its host path. A relative path is
// returned unchanged (it is resolved against the process's working folder).
func (m *PathMapper) Host(p string) string {
	if !path.IsAbs(p) {
		return p
	}
	if host, ok := m.mounted(p); ok {
		return host
	}
	return filepath.Join(m.root, filepath.FromSlash(path.Clean(p)))
}

// mounted maps p when it lies under a mount.
func (m *PathMapper) mounted(p string) (string, bool) {
	clean := path.Clean(p)
	for _, mp := range m.mounts {
		if clean == mp.container {
			return mp.host, true
		}
		if rest, ok := strings.CutPrefix(clean, mp.container+"/"); ok || mp.container == "/" {
			if mp.container == "/" {
				rest = strings.TrimPrefix(clean, "/")
			}
			return filepath.Join(mp.host, filepath.FromSlash(rest)), true
		}
	}
	return "", false
}

// Arg maps one command-line argument. Absolute paths are rewritten when they
// lie under a mount, or when the mapped path or its parent folder exists in
// the sandbox root; anything else, such as /bin/sh or a flag, is kept so
// host binaries stay usable. Paths inside shell strings are not translated.
func (m *PathMapper) Arg(a string) string {
	if !path.IsAbs(a) {
		return a
	}
	if host, ok := m.mounted(a); ok {
		return host
	}
	if path.Clean(a) == "/" {
		return a
	}
	host := m.Host(a)
	if _, err := os.Stat(host); err == nil {
		return host
	}
	if _, err := os.Stat(filepath.Dir(host)); err == nil && filepath.Dir(host) != m.root {
		return host
	}
	return a
}
