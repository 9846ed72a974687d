package modalemu

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// isolatedRuntime runs each sandbox in a mount namespace of its own
// (util-linux unshare): its "/" is an overlay whose lower layers are the
// image's layers and the host's root, whose upper layer is a tmpfs private
// to the sandbox, with /tmp a fresh tmpfs and each volume view bind-mounted
// at its real path (remounted read-only for a read-only mount). Commands
// (execs) run with their root at /proc/<pid>/root of the sandbox's main
// process, where they see the sandbox's whole file system (its overlay,
// /tmp, volumes); the file API reaches it the same way. Nothing a sandbox
// writes outside its volumes reaches the host.
type isolatedRuntime struct {
	unshare, chroot string
}

// probeIsolation checks once per process that isolation works here.
var probeIsolation = sync.OnceValues(func() (*isolatedRuntime, error) {
	if os.Geteuid() != 0 {
		return nil, errors.New("not running as root")
	}
	rt := &isolatedRuntime{}
	for _, t := range []struct {
		name string
		dst  *string
	}{{"unshare", &rt.unshare}, {"chroot", &rt.chroot}} {
		p, err := exec.LookPath(t.name)
		if err != nil {
			return nil, fmt.Errorf("%s not found: %w", t.name, err)
		}
		*t.dst = p
	}
	dir, err := os.MkdirTemp("", "modalemu-probe-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	if err := os.Mkdir(filepath.Join(dir, "ns"), 0o700); err != nil {
		return nil, err
	}
	script := rt.setupScript(filepath.Join(dir, "ns"), nil, nil, "/") + rt.readyExec(filepath.Join(dir, "ns", "root"), "/")
	cmd := exec.Command(rt.unshare, "--mount", "--propagation", "private", "--", "/bin/sh", "-c", script, "sh", "true")
	ready, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer ready.Close()
	cmd.ExtraFiles = []*os.File{w}
	out, err := cmd.CombinedOutput()
	w.Close()
	if err != nil {
		return nil, fmt.Errorf("mount namespace probe: %v: %s", err, bytes.TrimSpace(out))
	}
	return rt, nil
})

// newIsolatedRuntime returns the isolated runtime if the host supports it.
func newIsolatedRuntime() (sandboxRuntime, error) {
	rt, err := probeIsolation()
	if err != nil {
		return nil, err
	}
	return rt, nil
}

func (*isolatedRuntime) isolated() bool { return true }

// quote quotes s for sh.
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// setupScript is the shell script that builds a sandbox's file system in
// a fresh mount namespace under ns (an existing host folder). The caller
// appends the exec of the main process (through readyExec). Folders that
// exist are not made again (each external command costs a process).
func (rt *isolatedRuntime) setupScript(ns string, layers []string, mounts []*mount, workdir string) string {
	var b strings.Builder
	q := quote
	root := ns + "/root"
	fmt.Fprintf(&b, "set -e\nmount -t tmpfs modalemu %s\nmkdir %s %s %s\n", q(ns), q(ns+"/upper"), q(ns+"/work"), q(root))
	// Image layers are copied into the tmpfs: overlayfs refuses a lower
	// layer that lies inside another one (the host's root).
	lower := []string{}
	for i, l := range layers {
		dst := fmt.Sprintf("%s/layer%d", ns, i)
		fmt.Fprintf(&b, "cp -a %s %s\n", q(l), q(dst))
		lower = append(lower, dst)
	}
	lower = append(lower, "/")
	fmt.Fprintf(&b, "mount -t overlay overlay -o %s %s\n",
		q("lowerdir="+strings.Join(lower, ":")+",upperdir="+ns+"/upper,workdir="+ns+"/work"), q(root))
	fmt.Fprintf(&b, "mount --rbind /dev %s\nmount -t proc proc %s\nmount -t tmpfs tmpfs %s\n", q(root+"/dev"), q(root+"/proc"), q(root+"/tmp"))
	for _, m := range mounts {
		dst := root + m.containerPath
		fmt.Fprintf(&b, "[ -d %s ] || mkdir -p %s\nmount --bind %s %s\n", q(dst), q(dst), q(m.view), q(dst))
		if m.readOnly {
			fmt.Fprintf(&b, "mount -o remount,bind,ro %s\n", q(dst))
		}
	}
	fmt.Fprintf(&b, "[ -d %s ] || mkdir -p %s\n", q(root+workdir), q(root+workdir))
	return b.String()
}

// readyExec is the end of a setup script: it enters the sandbox's root,
// and only there writes "ready" on file descriptor 3 (so the file API and
// the execs, which go through /proc/<pid>/root, never see the host's
// root) before it becomes the main process in workdir.
func (rt *isolatedRuntime) readyExec(root, workdir string) string {
	inner := fmt.Sprintf(`echo ready >&3; exec 3>&-; cd -- %s || exit 125; exec "$@"`, quote(workdir))
	return fmt.Sprintf(`exec %s %s /bin/sh -c %s sh "$@"`, rt.chroot, quote(root), quote(inner))
}

// nsDir is the host folder that becomes a sandbox's namespace tmpfs.
func nsDir(sb *sandbox) string { return filepath.Join(sb.dir, "ns") }

func (rt *isolatedRuntime) start(sb *sandbox, argv []string) (*exec.Cmd, error) {
	ns := nsDir(sb)
	if err := os.MkdirAll(ns, 0o700); err != nil {
		return nil, err
	}
	var layers []string
	if sb.image != nil {
		layers = sb.image.layers()
	}
	script := rt.setupScript(ns, layers, sb.mounts, sb.workdir) + rt.readyExec(ns+"/root", sb.workdir)
	cmd := exec.Command(rt.unshare, append([]string{"--mount", "--propagation", "private", "--", "/bin/sh", "-c", script, "sh"}, argv...)...)
	cmd.Env = sb.processEnv(nil)
	cmd.Stdin = sb.stdin.reader()
	cmd.Stdout, cmd.Stderr = sb.stdout, sb.stderr
	cmd.WaitDelay = pipeDrainDelay
	setProcessGroup(cmd)
	ready, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer ready.Close()
	cmd.ExtraFiles = []*os.File{w}
	if err := cmd.Start(); err != nil {
		w.Close()
		return nil, err
	}
	w.Close()
	line, err := bufio.NewReader(ready).ReadString('\n')
	if err != nil || line != "ready\n" {
		signalGroup(cmd.Process.Pid, 9)
		_ = cmd.Wait()
		return nil, fmt.Errorf("setting up the sandbox's file system failed: %s", strings.TrimSpace(sb.stderr.String()))
	}
	return cmd, nil
}

// command runs argv in the sandbox without a process of its own in
// between: its root is the sandbox's (/proc/<pid>/root of the main
// process, through which every mount of the sandbox is reached), its
// folder workdir, and argv[0] is looked up in the sandbox's file system
// along the PATH of env, as a shell in the sandbox would.
func (rt *isolatedRuntime) command(sb *sandbox, argv []string, workdir string, env []string) (*exec.Cmd, error) {
	pid := sb.mainPID()
	if pid <= 0 {
		return nil, errors.New("the sandbox is not running")
	}
	root := filepath.Join("/proc", strconv.Itoa(pid), "root")
	prog, err := lookPathIn(root, workdir, argv[0], env)
	if err != nil {
		return nil, err
	}
	cmd := &exec.Cmd{Path: prog, Args: argv, Env: env, Dir: workdir, WaitDelay: pipeDrainDelay}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Chroot: root}
	return cmd, nil
}

// lookPathIn finds the program name in the file system rooted at root (a
// host folder): a name with a slash is used as it is; otherwise the first
// executable regular file of that name in a folder of env's PATH (a
// relative folder is taken from workdir). Paths (and symbolic links,
// absolute ones too) resolve inside root. It returns the path as the
// sandbox sees it.
func lookPathIn(root, workdir, name string, env []string) (string, error) {
	if strings.Contains(name, "/") {
		return name, nil
	}
	dirfd, err := unix.Open(root, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return "", fmt.Errorf("opening the sandbox's root: %w", err)
	}
	defer unix.Close(dirfd)
	searchPath := "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			searchPath = v
		}
	}
	for dir := range strings.SplitSeq(searchPath, ":") {
		p := path.Join(dir, name)
		if !path.IsAbs(dir) {
			p = path.Join(workdir, dir, name)
		}
		fd, err := unix.Openat2(dirfd, p, &unix.OpenHow{Flags: unix.O_PATH | unix.O_CLOEXEC, Resolve: unix.RESOLVE_IN_ROOT})
		if err != nil {
			continue
		}
		var st unix.Stat_t
		err = unix.Fstat(fd, &st)
		unix.Close(fd)
		if err == nil && st.Mode&unix.S_IFMT == unix.S_IFREG && st.Mode&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s: %w", name, exec.ErrNotFound)
}

func (rt *isolatedRuntime) hostPath(sb *sandbox, p string) string {
	return filepath.Join("/proc", strconv.Itoa(sb.mainPID()), "root", filepath.FromSlash(p))
}

// build runs one RUN instruction of an image layer in a namespace whose
// root is the overlay of the image's layers and the host's, with the
// layer's folder as the upper layer, so its changes become the layer.
func (rt *isolatedRuntime) build(ctx context.Context, im *image, env map[string]string, script string) ([]byte, error) {
	ns, err := os.MkdirTemp(filepath.Dir(im.layerDir), "build-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(ns)
	var lower []string
	if im.base != nil {
		lower = im.base.layers()
	}
	q := quote
	root := ns + "/root"
	var b strings.Builder
	fmt.Fprintf(&b, "set -e\nmkdir -p %s %s\n", q(ns+"/work"), q(root))
	for i, l := range lower {
		dst := fmt.Sprintf("%s/layer%d", ns, i)
		fmt.Fprintf(&b, "mkdir -p %s\nmount -t tmpfs modalemu %s\ncp -a %s/. %s\n", q(dst), q(dst), q(l), q(dst))
		lower[i] = dst
	}
	// The upper layer must not lie inside a lower one: a tmpfs holds the
	// work, and the result is copied into the layer's folder afterwards.
	fmt.Fprintf(&b, "mount -t tmpfs modalemu %s\nmkdir %s %s %s\ncp -a %s/. %s/\n", q(ns+"/work"), q(ns+"/work/u"), q(ns+"/work/w"), q(ns+"/work/r"), q(im.layerDir), q(ns+"/work/u"))
	lower = append(lower, "/")
	fmt.Fprintf(&b, "mount -t overlay overlay -o %s %s\n",
		q("lowerdir="+strings.Join(lower, ":")+",upperdir="+ns+"/work/u,workdir="+ns+"/work/w"), q(ns+"/work/r"))
	fmt.Fprintf(&b, "mount --rbind /dev %s\nmount -t proc proc %s\nmount -t tmpfs tmpfs %s\n", q(ns+"/work/r/dev"), q(ns+"/work/r/proc"), q(ns+"/work/r/tmp"))
	fmt.Fprintf(&b, "%s %s /bin/sh -c %s\n", rt.chroot, q(ns+"/work/r"), q(script))
	fmt.Fprintf(&b, "cp -a %s/. %s/\n", q(ns+"/work/u"), q(im.layerDir))
	cctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(cctx, rt.unshare, "--mount", "--propagation", "private", "--", "/bin/sh", "-c", b.String())
	cmd.Env = processEnv(env)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return out, fmt.Errorf("the command failed: %v", err)
	}
	return out, nil
}
