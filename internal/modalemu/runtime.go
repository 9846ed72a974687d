package modalemu

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"
)

// sandboxRuntime runs a sandbox's processes: mapped (on the host, paths
// mapped) or isolated (a mount namespace per sandbox, real paths).
type sandboxRuntime interface {
	isolated() bool
	// start starts the sandbox's main process (its entrypoint, or an idle
	// one) and returns once commands can run in the sandbox.
	start(sb *sandbox, argv []string) (*exec.Cmd, error)
	// command returns an unstarted command running argv in a running
	// sandbox, in the container folder workdir.
	command(sb *sandbox, argv []string, workdir string, env []string) (*exec.Cmd, error)
	// hostPath is where the sandbox's container path p is on the host, for
	// the file API (a running sandbox only).
	hostPath(sb *sandbox, p string) string
	// build runs a RUN instruction of an image layer (isolated only).
	build(ctx context.Context, im *image, env map[string]string, script string) ([]byte, error)
}

// newRuntime picks the runtime for an isolation setting.
func newRuntime(want Isolation) (sandboxRuntime, error) {
	if want == IsolationOff {
		return mappedRuntime{}, nil
	}
	rt, err := newIsolatedRuntime()
	if err == nil {
		return rt, nil
	}
	if want == IsolationRequired {
		return nil, fmt.Errorf("modalemu: sandboxes cannot be isolated on this host: %w", err)
	}
	return mappedRuntime{}, nil
}

// idleCommand is the main process of a sandbox created without a command:
// it sleeps until the sandbox's timeout ends it (sandbox.go: an empty
// Command "sleeps indefinitely until timeout or termination").
func idleCommand() []string { return []string{"sleep", "2147483647"} }

// pipeDrainDelay bounds how long an exited process's background children
// may hold its output pipes open.
const pipeDrainDelay = 2 * time.Second

// processEnv is the host environment without MODAL_* variables (no
// credential reaches a sandbox), overlaid with vars.
func processEnv(vars map[string]string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MODAL_") {
			env = append(env, kv)
		}
	}
	for k, v := range vars {
		env = append(env, k+"="+v)
	}
	return env
}

// setProcessGroup makes cmd the leader of a new process group, so that
// killGroup also reaches the processes it starts.
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// signalGroup sends sig to the process group led by pid; a group that is
// already gone is not an error.
func signalGroup(pid int, sig syscall.Signal) {
	if pid > 0 {
		_ = syscall.Kill(-pid, sig)
	}
}

// exitStatus is a process's exit code, or the signal that ended it.
func exitStatus(ps *os.ProcessState) (code int, signal int) {
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 0, int(ws.Signal())
	}
	return ps.ExitCode(), 0
}

// mappedRuntime runs sandbox processes on the host. A sandbox's "/" is a
// folder of its own and its volumes are their views' folders; absolute
// paths in argv, the workdir and the file API are mapped (PathMapper).
type mappedRuntime struct{}

func (mappedRuntime) isolated() bool { return false }

func (mappedRuntime) start(sb *sandbox, argv []string) (*exec.Cmd, error) {
	cmd, err := mappedRuntime{}.command(sb, argv, sb.workdir, sb.processEnv(nil))
	if err != nil {
		return nil, err
	}
	cmd.Stdin = sb.stdin.reader()
	cmd.Stdout, cmd.Stderr = sb.stdout, sb.stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return cmd, nil
}

func (mappedRuntime) command(sb *sandbox, argv []string, workdir string, env []string) (*exec.Cmd, error) {
	mapped := make([]string, len(argv))
	for i, a := range argv {
		mapped[i] = sb.paths.Arg(a)
	}
	dir := sb.paths.Host(workdir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	cmd := exec.Command(mapped[0], mapped[1:]...)
	cmd.Dir, cmd.Env, cmd.WaitDelay = dir, env, pipeDrainDelay
	setProcessGroup(cmd)
	return cmd, nil
}

func (mappedRuntime) hostPath(sb *sandbox, p string) string { return sb.paths.Host(p) }

func (mappedRuntime) build(context.Context, *image, map[string]string, string) ([]byte, error) {
	return nil, errors.New("RUN needs isolated sandboxes")
}

// PathMapper translates absolute container paths of one sandbox to host
// paths: paths under a volume mount go to the mount's view folder,
// everything else to the sandbox's private root folder.
type PathMapper struct {
	root   string
	mounts []mountPoint // longest container path first
}

// mountPoint maps a container folder onto a host folder.
type mountPoint struct {
	container string // cleaned, absolute, slash-separated
	host      string
}

// NewPathMapper returns a mapper whose "/" is the host folder root and
// whose mounts map cleaned absolute container paths to host folders.
func NewPathMapper(root string, mounts map[string]string) *PathMapper {
	m := &PathMapper{root: root}
	for c, h := range mounts {
		m.mounts = append(m.mounts, mountPoint{container: path.Clean("/" + c), host: h})
	}
	sort.Slice(m.mounts, func(i, j int) bool { return len(m.mounts[i].container) > len(m.mounts[j].container) })
	return m
}

// Host maps an absolute container path to its host path; a relative path
// is returned unchanged (it resolves against the process's folder).
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
		if rest, ok := strings.CutPrefix(clean, mp.container+"/"); ok {
			return filepath.Join(mp.host, filepath.FromSlash(rest)), true
		}
	}
	return "", false
}

// Arg maps one command-line argument: an absolute path under a mount, or
// whose mapped path or its parent folder exists in the sandbox's root; any
// other argument (/bin/sh, a flag) is kept so host binaries stay usable.
// Paths inside shell strings are not translated.
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
