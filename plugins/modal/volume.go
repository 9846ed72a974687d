package modal

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"time"

	modalsdk "github.com/modal-labs/modal-client/go"

	"github.com/bilancio-go/bilancio/sdk"
)

// Reader sandboxes: the artifact calls (List, Fetch, Remove) of one
// command share one sandbox with the volume mounted (read-only unless a
// call writes), so that `volume get -r` of a folder of 10 files starts one
// sandbox, not 11. It ends after readerIdle without a call (this process
// terminates it), and Modal ends it by its idle timeout if this process is
// gone first.
const (
	readerIdle        = 15 * time.Second
	readerIdleTimeout = 60 * time.Second
	readerTimeout     = 30 * time.Minute
)

// readerBox is the cached reader sandbox.
type readerBox struct {
	sess     *session
	x        *box
	readOnly bool
	idle     *time.Timer
	uses     int
}

// withReader runs fn in the shared reader sandbox (started if needed): a
// read-only mount when readOnly, else a writable one (a read-only reader
// is replaced by a writable one). Calls are serialised.
func (e *Executor) withReader(ctx context.Context, readOnly bool, fn func(sb *modalsdk.Sandbox) error) error {
	e.readerMu.Lock()
	defer e.readerMu.Unlock()
	r := e.reader
	if r != nil {
		r.idle.Stop()
		if r.readOnly && !readOnly {
			r.x.terminate()
			r.sess.close()
			r, e.reader = nil, nil
		}
	}
	if r == nil {
		s, err := e.connect(ctx)
		if err != nil {
			return err
		}
		params := s.sandboxParams(readerTimeout, map[string]string{tagKind: kindReader}, readOnly)
		params.IdleTimeout = readerIdleTimeout
		x, err := s.create(ctx, params, "volume", 0, nil)
		if err != nil {
			s.close()
			return fmt.Errorf("starting a reader sandbox: %w", err)
		}
		r = &readerBox{sess: s, x: x, readOnly: readOnly}
		e.reader = r
	}
	r.uses++
	err := fn(r.x.Sandbox)
	r.idle = time.AfterFunc(readerIdle, func() { e.closeReader(r) })
	return err
}

// closeReader ends the reader sandbox r if it is still the current one.
func (e *Executor) closeReader(r *readerBox) {
	e.readerMu.Lock()
	defer e.readerMu.Unlock()
	if e.reader != r {
		return
	}
	e.reader = nil
	r.x.terminate()
	r.sess.close()
}

// Close ends what the executor keeps between calls: the reader sandbox.
// The plugin's main calls it when the host shuts the plugin down (a
// reader left behind by a killed plugin ends by its idle timeout).
func (e *Executor) Close() {
	e.readerMu.Lock()
	r := e.reader
	e.reader = nil
	e.readerMu.Unlock()
	if r != nil {
		if r.idle != nil {
			r.idle.Stop()
		}
		r.x.terminate()
		r.sess.close()
	}
}

// readOnlyAccess reports whether the artifact calls may use a read-only
// reader: volume_access is "read-only" unless a command that removes
// files set it (`volume rm`, `volume cleanup`: one writable reader for the
// whole command).
func (e *Executor) readOnlyAccess() bool {
	cfg, _, err := e.config()
	return err != nil || cfg.VolumeAccess != accessReadWrite
}

// volumePath turns a path relative to the volume root (slash-separated,
// "" or "." for the root) into its path in a reader sandbox, refusing
// absolute paths and any that climb out of the volume.
func volumePath(p string) (string, error) {
	if p == "" {
		p = "."
	}
	if strings.HasPrefix(p, "/") || strings.Contains(p, `\`) || !fs.ValidPath(path.Clean(p)) {
		return "", fmt.Errorf("%q is not a path inside the volume", p)
	}
	return path.Join(mountPath, path.Clean(p)), nil
}

// listScript lists the tree under $1 (if it is a directory) as
// NUL-terminated "type size mtime relative-path" records.
const listScript = `test -d "$1" || exit 0; exec find "$1" -mindepth 1 -printf '%y %s %T@ %P\0'`

// List implements sdk.Executor: every regular file and directory of the
// results volume whose path (relative to the volume root) starts with
// req.Prefix, found with `find` in the reader sandbox. Symbolic links and
// other special files are left out.
func (e *Executor) List(ctx context.Context, req *sdk.ListRequest) ([]sdk.Entry, error) {
	prefix := req.Prefix
	base := prefix
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		base = path.Dir(prefix)
	}
	dir, err := volumePath(base)
	if err != nil {
		return nil, err
	}
	rel := strings.TrimPrefix(strings.TrimPrefix(dir, mountPath), "/")
	var entries []sdk.Entry
	err = e.withReader(ctx, e.readOnlyAccess(), func(sb *modalsdk.Sandbox) error {
		out, _, err := output(ctx, sb, "sh", "-c", listScript, "sh", dir)
		if err != nil {
			return fmt.Errorf("listing %q: %w", prefix, err)
		}
		for rec := range strings.SplitSeq(string(out), "\x00") {
			f := strings.SplitN(rec, " ", 4)
			if len(f) != 4 || f[0] != "f" && f[0] != "d" {
				// Only regular files and folders: a symbolic link could
				// lead out of the volume, and Fetch refuses one.
				continue
			}
			p := path.Join(rel, f[3])
			if !strings.HasPrefix(p, prefix) && !strings.HasPrefix(p+"/", prefix) {
				continue
			}
			size, _ := strconv.ParseInt(f[1], 10, 64)
			secs, _ := strconv.ParseFloat(f[2], 64)
			entries = append(entries, sdk.Entry{
				Path: p, Size: size, IsDir: f[0] == "d",
				ModTime: time.Unix(0, int64(secs*float64(time.Second))).UTC(),
			})
		}
		return nil
	})
	return entries, err
}

// fetchScript exits 2 when $1 is a symbolic link, 1 when it is not a
// regular file, and otherwise writes it to stdout.
const fetchScript = `test -L "$1" && exit 2; test -f "$1" || exit 1; exec cat -- "$1"`

// Fetch implements sdk.Executor: it copies one regular file of the
// results volume, by its path relative to the volume root, to w, in one
// exec streaming the file; a symbolic link is refused (its target could be
// outside the volume).
func (e *Executor) Fetch(ctx context.Context, req *sdk.FetchRequest, w io.Writer) error {
	name, err := volumePath(req.Path)
	if err != nil {
		return err
	}
	return e.withReader(ctx, e.readOnlyAccess(), func(sb *modalsdk.Sandbox) error {
		p, err := sb.Exec(ctx, []string{"sh", "-c", fetchScript, "sh", name}, nil)
		if err != nil {
			return err
		}
		defer p.Stdout.Close()
		defer p.Stderr.Close()
		stderr := make(chan string, 1)
		go func() { stderr <- tail(p.Stderr, 1024) }()
		// Hold the bytes until the exit code says they are the file.
		var buf strings.Builder
		_, cerr := io.Copy(&buf, p.Stdout)
		code, err := p.Wait(ctx, nil)
		msg := <-stderr
		switch {
		case err != nil:
			return err
		case cerr != nil:
			return cerr
		case code == 1:
			return fmt.Errorf("%w: no file %q on the volume", sdk.ErrNotFound, req.Path)
		case code == 2:
			return fmt.Errorf("refusing to fetch %q: it is a symbolic link", req.Path)
		case code != 0:
			return fmt.Errorf("reading %q: exit code %d: %s", req.Path, code, msg)
		}
		_, err = io.WriteString(w, buf.String())
		return err
	})
}

// removeScript removes $1: exit 1 when it does not exist, 3 when it is a
// folder and $2 is not "-r".
const removeScript = `test -e "$1" || test -L "$1" || exit 1
if [ -d "$1" ] && [ ! -L "$1" ] && [ "$2" != "-r" ]; then exit 3; fi
exec rm -rf -- "$1"`

// Remove implements sdk.Executor: it deletes a file of the results volume,
// or a directory with everything under it when req.Recursive, in one exec
// in a writable reader; the removal is committed when the reader ends. The
// volume root itself cannot be removed.
func (e *Executor) Remove(ctx context.Context, req *sdk.RemoveRequest) error {
	name, err := volumePath(req.Path)
	if err != nil {
		return err
	}
	if name == mountPath {
		return errors.New("refusing to remove the whole volume")
	}
	flag := ""
	if req.Recursive {
		flag = "-r"
	}
	return e.withReader(ctx, false, func(sb *modalsdk.Sandbox) error {
		code, err := run(ctx, sb, "sh", "-c", removeScript, "sh", name, flag)
		switch code {
		case 0:
			// Commit now (a reload commits the sandbox's writes,
			// test/sandbox_test.go:351-416), not when the reader ends.
			if err := sb.ReloadVolumes(ctx, nil); err != nil {
				return fmt.Errorf("committing the removal of %q: %w", req.Path, err)
			}
			return nil
		case 1:
			return fmt.Errorf("%w: no %q on the volume", sdk.ErrNotFound, req.Path)
		case 3:
			return errors.New(req.Path + " is a directory; remove it recursively")
		}
		return fmt.Errorf("removing %q: %w", req.Path, err)
	})
}
