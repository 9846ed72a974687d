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

	modalsdk "github.com/modal-labs/libmodal/modal-go"

	"github.com/bilancio-go/bilancio/sdk"
)

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

// withReader runs fn in a short-lived sandbox with the results volume
// mounted (spec/modal.md §5.3), terminated when fn returns; on real Modal
// the sandbox's changes to the volume are committed when it terminates.
func (e *Executor) withReader(ctx context.Context, fn func(sb *modalsdk.Sandbox) error) error {
	cfg, err := e.config()
	if err != nil {
		return err
	}
	r, err := e.connect(ctx, cfg)
	if err != nil {
		return err
	}
	defer r.client.Close()
	x, err := r.newSandbox(ctx, 0, "volume", 0, nil)
	if err != nil {
		return fmt.Errorf("starting a reader sandbox: %w", err)
	}
	defer x.terminate()
	return fn(x.Sandbox)
}

// output executes a command in a sandbox and returns its standard output;
// a non-zero exit is an error naming the code and the end of stderr.
func output(ctx context.Context, sb *modalsdk.Sandbox, argv ...string) ([]byte, error) {
	p, err := sb.Exec(ctx, argv, nil)
	if err != nil {
		return nil, err
	}
	defer p.Stdout.Close()
	defer p.Stderr.Close()
	stderr := make(chan string, 1)
	go func() { stderr <- tail(p.Stderr, 1024) }()
	out, rerr := io.ReadAll(p.Stdout)
	code, err := p.Wait(ctx)
	msg := <-stderr
	switch {
	case err != nil:
		return nil, err
	case rerr != nil:
		return nil, rerr
	case code != 0:
		return nil, fmt.Errorf("%s exited with code %d: %s", argv[0], code, msg)
	}
	return out, nil
}

// listScript lists the tree under $1 (if it is a directory) as
// NUL-terminated "type size mtime relative-path" records.
const listScript = `test -d "$1" || exit 0; exec find "$1" -mindepth 1 -printf '%y %s %T@ %P\0'`

// List implements sdk.Executor: every regular file and directory of the
// results volume whose path (relative to the volume root) starts with
// req.Prefix, found with `find` in a reader sandbox. Symbolic links and
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
	err = e.withReader(ctx, func(sb *modalsdk.Sandbox) error {
		out, err := output(ctx, sb, "sh", "-c", listScript, "sh", dir)
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

// exists reports, with `test`, whether name exists in the sandbox (flag
// "-e") or is a regular file ("-f") or a directory ("-d").
func exists(ctx context.Context, sb *modalsdk.Sandbox, flag, name string) (bool, error) {
	code, err := run(ctx, sb, "test", flag, name)
	switch {
	case code == 0:
		return true, nil
	case code == 1:
		return false, nil
	}
	return false, err
}

// fetchCheckScript exits 2 when $1 is a symbolic link, 1 when it is not a
// regular file, 0 when it is one.
const fetchCheckScript = `test -L "$1" && exit 2; test -f "$1"`

// Fetch implements sdk.Executor: it copies one regular file of the
// results volume, by its path relative to the volume root, to w; a
// symbolic link is refused (its target could be outside the volume).
func (e *Executor) Fetch(ctx context.Context, req *sdk.FetchRequest, w io.Writer) error {
	name, err := volumePath(req.Path)
	if err != nil {
		return err
	}
	return e.withReader(ctx, func(sb *modalsdk.Sandbox) error {
		code, err := run(ctx, sb, "sh", "-c", fetchCheckScript, "sh", name)
		switch code {
		case 0:
		case 1:
			return fmt.Errorf("%w: no file %q on the volume", sdk.ErrNotFound, req.Path)
		case 2:
			return fmt.Errorf("refusing to fetch %q: it is a symbolic link", req.Path)
		default:
			return fmt.Errorf("checking %q: %w", req.Path, err)
		}
		return copyOut(ctx, sb, name, w)
	})
}

// Remove implements sdk.Executor: it deletes a file of the results volume,
// or a directory with everything under it when req.Recursive. The volume
// root itself cannot be removed.
func (e *Executor) Remove(ctx context.Context, req *sdk.RemoveRequest) error {
	name, err := volumePath(req.Path)
	if err != nil {
		return err
	}
	if name == mountPath {
		return errors.New("refusing to remove the whole volume")
	}
	return e.withReader(ctx, func(sb *modalsdk.Sandbox) error {
		ok, err := exists(ctx, sb, "-e", name)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("%w: no %q on the volume", sdk.ErrNotFound, req.Path)
		}
		dir, err := exists(ctx, sb, "-d", name)
		if err != nil {
			return err
		}
		if dir && !req.Recursive {
			return errors.New(req.Path + " is a directory; remove it recursively")
		}
		_, err = run(ctx, sb, "rm", "-rf", "--", name)
		return err
	})
}
