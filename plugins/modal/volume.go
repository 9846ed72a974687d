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
	"github.com/bilancio-go/bilancio/sdk/runfolder"
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

// Run archives. The worker writes each run of a chunk as one tar file,
// EXP/runs/<id>.tar (runfolder.CreateArchive): a file costs Modal's
// volume more than its bytes. The artifact calls show each as the run
// folder it holds, EXP/runs/<id>/ with its files (List, Fetch, Remove), so
// `volume ls`, `volume get -r` and `volume rm -r` see run folders either
// way; the archive itself is not listed.

// runArchiveOf returns the run archive a path of the volume (slash-
// separated, relative to its root) would be in, and the member's name in
// it: for EXP/runs/<id>/out/x.csv, EXP/runs/<id>.tar and out/x.csv (member
// "" for the run folder itself); ok is false for a path in no run folder.
func runArchiveOf(p string) (archive, member string, ok bool) {
	parts := strings.Split(p, "/")
	for i := len(parts) - 2; i >= 0; i-- {
		if parts[i] == "runs" && parts[i+1] != "" {
			return strings.Join(parts[:i+2], "/") + runfolder.ArchiveSuffix, strings.Join(parts[i+2:], "/"), true
		}
	}
	return "", "", false
}

// isRunArchive reports whether a file of the volume is a run archive: a
// <id>.tar right inside a runs folder.
func isRunArchive(p string) bool {
	id, ok := strings.CutSuffix(path.Base(p), runfolder.ArchiveSuffix)
	return ok && id != "" && path.Base(path.Dir(p)) == "runs"
}

// listScript lists the tree under $1 (if it is a directory) as
// NUL-terminated "type size mtime relative-path" records, then each run
// archive under it as a record "A mtime relative-path" followed by its
// members (`tar -tv`, one per line). When $1 is not a directory, and $2 (the
// run archive $1 would be in) is a file, it lists $2 so, with "." for its
// path.
const listScript = `if [ -d "$1" ]; then
  find "$1" -mindepth 1 -printf '%y %s %T@ %P\0'
  find "$1" -mindepth 1 -type f -path '*/runs/*.tar' -printf '%T@ %P\n' | while read -r t a; do
    printf 'A %s %s\n' "$t" "$a"; tar --numeric-owner -tvf "$1/$a" || exit 3; printf '\0'
  done
elif [ -n "$2" ] && [ -f "$2" ] && [ ! -L "$2" ]; then
  printf 'A %s .\n' "$(find "$2" -maxdepth 0 -printf '%T@')"; tar --numeric-owner -tvf "$2" || exit 3; printf '\0'
fi
exit 0`

// List implements sdk.Executor: every regular file and directory of the
// results volume whose path (relative to the volume root) starts with
// req.Prefix, found with `find` in the reader sandbox, a run archive
// shown as the run folder it holds. Symbolic links and other special
// files are left out.
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
	arc, _, inRun := runArchiveOf(rel)
	arcPath := ""
	if inRun {
		arcPath = path.Join(mountPath, arc)
	}
	var entries []sdk.Entry
	seen := map[string]bool{}
	add := func(e sdk.Entry) {
		// (A folder named with its slash lists what is in it, not itself.)
		if seen[e.Path] || e.Path+"/" == prefix || !strings.HasPrefix(e.Path, prefix) && !strings.HasPrefix(e.Path+"/", prefix) {
			return
		}
		seen[e.Path] = true
		entries = append(entries, e)
	}
	err = e.withReader(ctx, e.readOnlyAccess(), func(sb *modalsdk.Sandbox) error {
		out, _, err := output(ctx, sb, "sh", "-c", listScript, "sh", dir, arcPath)
		if err != nil {
			return fmt.Errorf("listing %q: %w", prefix, err)
		}
		for rec := range strings.SplitSeq(string(out), "\x00") {
			if head, members, ok := strings.Cut(rec, "\n"); ok && strings.HasPrefix(head, "A ") {
				f := strings.SplitN(head, " ", 3)
				if len(f) != 3 {
					continue
				}
				p := strings.TrimSuffix(arc, runfolder.ArchiveSuffix)
				if f[2] != "." {
					p = strings.TrimSuffix(path.Join(rel, f[2]), runfolder.ArchiveSuffix)
					if !isRunArchive(path.Join(rel, f[2])) {
						continue
					}
				}
				listArchive(p, parseTime(f[1]), members, add)
				continue
			}
			f := strings.SplitN(rec, " ", 4)
			if len(f) != 4 || f[0] != "f" && f[0] != "d" {
				// Only regular files and folders: a symbolic link could
				// lead out of the volume, and Fetch refuses one.
				continue
			}
			p := path.Join(rel, f[3])
			if f[0] == "f" && isRunArchive(p) {
				continue // listed as its run folder
			}
			size, _ := strconv.ParseInt(f[1], 10, 64)
			add(sdk.Entry{Path: p, Size: size, IsDir: f[0] == "d", ModTime: parseTime(f[2])})
		}
		return nil
	})
	return entries, err
}

// listArchive adds the entries of the run folder dir held by a run
// archive modified at mod, from its `tar -tv` listing: the folder, its
// files, and the folders between them.
func listArchive(dir string, mod time.Time, listing string, add func(sdk.Entry)) {
	add(sdk.Entry{Path: dir, IsDir: true, ModTime: mod})
	for line := range strings.SplitSeq(listing, "\n") {
		// -rw-r--r-- 0/0  123 2026-12-08 02:48 out/a.csv
		f := strings.Fields(line)
		if len(f) < 6 || f[0][0] != '-' || runfolder.ValidName(f[5]) != nil {
			continue
		}
		name := f[5]
		for d := path.Dir(name); d != "."; d = path.Dir(d) {
			add(sdk.Entry{Path: path.Join(dir, d), IsDir: true, ModTime: mod})
		}
		size, _ := strconv.ParseInt(f[2], 10, 64)
		add(sdk.Entry{Path: path.Join(dir, name), Size: size, ModTime: mod})
	}
}

// parseTime reads find's %T@ (seconds since the epoch, with a fraction).
func parseTime(s string) time.Time {
	secs, _ := strconv.ParseFloat(s, 64)
	return time.Unix(0, int64(secs*float64(time.Second))).UTC()
}

// fetchScript exits 2 when $1 is a symbolic link, 1 when it is not a
// regular file, and otherwise writes it to stdout. When $1 is not there
// and $2, the run archive it would be in, is a file holding the member $3,
// it writes that member instead.
const fetchScript = `test -L "$1" && exit 2; test -f "$1" && exec cat -- "$1"; test -e "$1" && exit 1
[ -n "$2" ] && [ -n "$3" ] && [ -f "$2" ] && [ ! -L "$2" ] || exit 1
tar -tf "$2" -- "$3" >/dev/null 2>&1 || exit 1
exec tar -xOf "$2" -- "$3"`

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
		arc, member := "", ""
		if a, m, ok := runArchiveOf(strings.TrimPrefix(strings.TrimPrefix(name, mountPath), "/")); ok {
			arc, member = path.Join(mountPath, a), m
		}
		p, err := sb.Exec(ctx, []string{"sh", "-c", fetchScript, "sh", name, arc, member}, nil)
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
//
// A run folder held by a run archive ($3, when $1 is not there) is removed
// by removing the archive; a file inside one cannot be removed (exit 4).
const removeScript = `if ! test -e "$1" && ! test -L "$1"; then
  [ -n "$3" ] && [ -f "$3" ] || exit 1
  [ "$4" = "" ] || exit 4
  [ "$2" = "-r" ] || exit 3
  exec rm -f -- "$3"
fi
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
		arc, member := "", ""
		if a, m, ok := runArchiveOf(strings.TrimPrefix(strings.TrimPrefix(name, mountPath), "/")); ok {
			arc, member = path.Join(mountPath, a), m
		}
		code, err := run(ctx, sb, "sh", "-c", removeScript, "sh", name, flag, arc, member)
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
		case 4:
			return fmt.Errorf("%s is inside the archive of a run: remove the run (%s) instead", req.Path, strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(arc, mountPath), "/"), runfolder.ArchiveSuffix))
		}
		return fmt.Errorf("removing %q: %w", req.Path, err)
	})
}
