package modalemu

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// isolatedRuntime runs each sandbox in a mount namespace of its own: its
// "/" is an overlay whose lower layers are the image's layers and the
// host's root, whose upper layer is a tmpfs private to the sandbox, with
// /tmp a fresh tmpfs and each volume view bind-mounted at its real path
// (remounted read-only for a read-only mount). The namespace is made and
// mounted from this process (setupThread), so setting a sandbox up starts
// no process but its main one. Commands
// (execs) run with their root at /proc/<pid>/root of the sandbox's main
// process, where they see the sandbox's whole file system (its overlay,
// /tmp, volumes); the file API reaches it the same way. Nothing a sandbox
// writes outside its volumes reaches the host. Image builds (RUN) use
// util-linux's unshare and chroot.
type isolatedRuntime struct {
	unshare, chroot string
	// setups are served one at a time by setupThread.
	setups chan *nsSetup
}

// nsSetup asks the setup thread for a sandbox: its file system built in a
// new mount namespace under ns (an existing host folder), and argv
// started there (with sets the command's environment and streams).
type nsSetup struct {
	ns, workdir  string
	layers, argv []string
	mounts       []*mount
	with         func(*exec.Cmd)
	done         chan nsStarted
}

// nsStarted is a setup's answer.
type nsStarted struct {
	cmd *exec.Cmd
	err error
}

// probeIsolation checks once per process that isolation works here.
var probeIsolation = sync.OnceValues(func() (*isolatedRuntime, error) {
	if os.Geteuid() != 0 {
		return nil, errors.New("not running as root")
	}
	rt := &isolatedRuntime{setups: make(chan *nsSetup)}
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
	ready := make(chan error)
	go rt.setupThread(ready)
	if err := <-ready; err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "modalemu-probe-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	ns := filepath.Join(dir, "ns")
	if err := os.Mkdir(ns, 0o700); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	cmd, err := rt.startIn(ns, nil, nil, "/", []string{"true"}, func(cmd *exec.Cmd) {
		cmd.Stdout, cmd.Stderr = &out, &out
	})
	if err == nil {
		err = cmd.Wait()
	}
	if err != nil {
		return nil, fmt.Errorf("mount namespace probe: %v: %s", err, bytes.TrimSpace(out.Bytes()))
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
	cmd, err := rt.startIn(ns, layers, sb.mounts, sb.workdir, argv, func(cmd *exec.Cmd) {
		cmd.Env = sb.processEnv(nil)
		cmd.Stdin = sb.stdin.reader()
		cmd.Stdout, cmd.Stderr = sb.stdout, sb.stderr
	})
	if err != nil {
		return nil, fmt.Errorf("setting up the sandbox's file system failed: %w", err)
	}
	return cmd, nil
}

// startIn builds a sandbox's file system in a fresh mount namespace under
// ns (an existing host folder) and starts argv there as the sandbox's main
// process (in its own process group), rooted in it, in workdir; with sets
// the command's environment and standard streams. A program the sandbox
// does not have is left to a shell in the sandbox, which says so and
// exits 127, as a container's entrypoint would.
func (rt *isolatedRuntime) startIn(ns string, layers []string, mounts []*mount, workdir string, argv []string, with func(*exec.Cmd)) (*exec.Cmd, error) {
	req := &nsSetup{ns: ns, workdir: workdir, layers: layers, argv: argv, mounts: mounts, with: with, done: make(chan nsStarted, 1)}
	rt.setups <- req
	r := <-req.done
	return r.cmd, r.err
}

// setupThread serves the setups, for the life of the process, on an OS
// thread of its own: for each, it unshares the thread's mount namespace
// (a copy of the host's), mounts the sandbox's file system, starts its
// main process (which inherits the namespace), and returns to the host's
// namespace. The thread never ends: Go would end a locked thread whose
// goroutine returns, and a child another goroutine had started from that
// thread with a parent-death signal (plugin processes: pluginhost) would
// get it. It says on ready whether it can serve.
func (rt *isolatedRuntime) setupThread(ready chan<- error) {
	runtime.LockOSThread()
	host, err := unix.Open("/proc/thread-self/ns/mnt", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		// Nothing changed on this thread: it may serve others.
		runtime.UnlockOSThread()
		ready <- fmt.Errorf("opening the mount namespace: %w", err)
		return
	}
	ready <- nil
	var broken error
	for req := range rt.setups {
		if broken != nil {
			req.done <- nsStarted{err: broken}
			continue
		}
		cmd, err := rt.setUpAndStart(req.ns, req.layers, req.mounts, req.workdir, req.argv, req.with)
		if serr := unix.Setns(host, unix.CLONE_NEWNS); serr != nil {
			// Stuck in a sandbox's namespace: no sandbox may start from it.
			broken = fmt.Errorf("returning to the host's mount namespace: %w", serr)
			if cmd != nil {
				signalGroup(cmd.Process.Pid, syscall.SIGKILL)
				_ = cmd.Wait()
				cmd = nil
			}
			err = broken
		}
		req.done <- nsStarted{cmd, err}
	}
}

// setUpAndStart is a setup's work on the setup thread: it leaves the
// thread in the sandbox's namespace.
func (rt *isolatedRuntime) setUpAndStart(ns string, layers []string, mounts []*mount, workdir string, argv []string, with func(*exec.Cmd)) (*exec.Cmd, error) {
	if err := unix.Unshare(unix.CLONE_NEWNS); err != nil {
		return nil, fmt.Errorf("unsharing the mount namespace: %w", err)
	}
	if err := unix.Mount("none", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return nil, fmt.Errorf("making the mount namespace private: %w", err)
	}
	mnt := func(source, target, fstype string, flags uintptr, data string) error {
		if err := unix.Mount(source, target, fstype, flags, data); err != nil {
			return fmt.Errorf("mounting %s on %s: %w", source, target, err)
		}
		return nil
	}
	if err := mnt("modalemu", ns, "tmpfs", 0, ""); err != nil {
		return nil, err
	}
	root := ns + "/root"
	for _, d := range []string{ns + "/upper", ns + "/work", root} {
		if err := unix.Mkdir(d, 0o755); err != nil {
			return nil, fmt.Errorf("making %s: %w", d, err)
		}
	}
	// Image layers are copied into the tmpfs: overlayfs refuses a lower
	// layer that lies inside another one (the host's root). cp runs from
	// this thread, so in the namespace.
	lower := []string{}
	for i, l := range layers {
		dst := fmt.Sprintf("%s/layer%d", ns, i)
		if out, err := exec.Command("cp", "-a", l, dst).CombinedOutput(); err != nil {
			return nil, fmt.Errorf("copying the image layer %s: %v: %s", l, err, bytes.TrimSpace(out))
		}
		lower = append(lower, dst)
	}
	lower = append(lower, "/")
	if err := mnt("overlay", root, "overlay", 0, "lowerdir="+strings.Join(lower, ":")+",upperdir="+ns+"/upper,workdir="+ns+"/work"); err != nil {
		return nil, err
	}
	if err := mnt("/dev", root+"/dev", "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return nil, err
	}
	if err := mnt("proc", root+"/proc", "proc", 0, ""); err != nil {
		return nil, err
	}
	if err := mnt("tmpfs", root+"/tmp", "tmpfs", 0, ""); err != nil {
		return nil, err
	}
	for _, m := range mounts {
		dst := root + m.containerPath
		if err := os.MkdirAll(dst, 0o755); err != nil {
			return nil, err
		}
		if err := mnt(m.view, dst, "", unix.MS_BIND, ""); err != nil {
			return nil, err
		}
		if m.readOnly {
			if err := mnt("", dst, "", unix.MS_REMOUNT|unix.MS_BIND|unix.MS_RDONLY, ""); err != nil {
				return nil, err
			}
		}
	}
	if err := os.MkdirAll(root+workdir, 0o755); err != nil {
		return nil, err
	}
	command := func(prog string, args []string) *exec.Cmd {
		cmd := &exec.Cmd{Path: prog, Args: args, Dir: workdir, WaitDelay: pipeDrainDelay}
		with(cmd)
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Chroot: root}
		return cmd
	}
	cmd := command(argv[0], argv)
	prog, err := lookPathIn(root, workdir, argv[0], cmd.Env)
	if err == nil {
		cmd.Path = prog
		err = cmd.Start()
	}
	if err != nil {
		// Not there, or not a program: the shell's word and its code.
		cmd = command("/bin/sh", append([]string{"sh", "-c", `exec "$@"`, "sh"}, argv...))
		if err := cmd.Start(); err != nil {
			return nil, err
		}
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
