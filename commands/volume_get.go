package commands

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/bilancio-go/bilancio/internal/atomicfile"
	"github.com/bilancio-go/bilancio/sdk"
	"github.com/bilancio-go/bilancio/sdk/runfolder"
)

// fetchParallel is how many files `volume get -r` fetches at once (each
// Fetch of the modal executor is a short-lived reader sandbox).
const fetchParallel = 4

// VolumeGetCommand is `bilancio volume get [-r] PATH DEST`.
type VolumeGetCommand struct {
	Meta
}

// Synopsis implements cli.Command.
func (c *VolumeGetCommand) Synopsis() string { return "Copy a file or folder from the volume" }

// Help implements cli.Command.
func (c *VolumeGetCommand) Help() string {
	return `Usage: bilancio volume get [options] PATH DEST

  Copies the file PATH of the volume to DEST (into it, when DEST is a
  folder). With -r, PATH may be a folder, e.g. a run folder
  <experiment_id>/runs/<run_id> to inspect a failed run's partial output:
  every file under it is copied to DEST (or into DEST/<name of PATH> when
  DEST is an existing folder) keeping the layout below PATH. Every fetched
  folder that holds a manifest.json is then verified against it (each file
  at its recorded size and sha256) and the result is printed; a manifest
  that does not verify is an error (the files are kept).

  Fetched files are cached under the cache folder, keyed by path, size and
  modification time, so getting an unchanged file again does not touch the
  network beyond listing it. Local files are written atomically (a
  temporary name renamed into place). 'bilancio volume cleanup -cache'
  empties the cache.

Options:

` + usage(c.flags(new(volumeFlags), new(string), new(bool)))
}

func (c *VolumeGetCommand) flags(f *volumeFlags, cache *string, recursive *bool) *flag.FlagSet {
	fs := flagSet("volume get")
	f.add(fs)
	fs.StringVar(cache, "cache-dir", "", "the cache folder (default ~/.bilancio/cache)")
	fs.BoolVar(recursive, "r", false, "copy a folder with everything in it")
	return fs
}

// defaultCacheDir returns ~/.bilancio/cache, the cache folder when
// -cache-dir is not given.
func defaultCacheDir() (string, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("finding the cache folder: %w", err)
	}
	return filepath.Join(home, ".bilancio", "cache"), nil
}

// Run implements cli.Command.
func (c *VolumeGetCommand) Run(args []string) int {
	var (
		f         volumeFlags
		cache     string
		recursive bool
	)
	pos, ok := parseCommand(c.UI, c.flags(&f, &cache, &recursive), args, c.Help(), 2, "a volume path and a destination")
	if !ok {
		return 1
	}
	if cache == "" {
		var err error
		if cache, err = defaultCacheDir(); err != nil {
			c.UI.Error(fmt.Sprintf("Error: %v", err))
			return 1
		}
	}
	vc := &volumeCache{dir: filepath.Join(cache, "volume")}
	src, dest := pos[0], pos[1]
	var (
		res  *treeResult
		hit  bool
		file string
	)
	code := withStorage(c.Meta, &f, readOnly, func(ctx context.Context, ex sdk.Executor) error {
		entry, entries, err := lookup(ctx, ex, src)
		if err != nil {
			return err
		}
		if st, err := os.Stat(dest); err == nil && st.IsDir() {
			dest = filepath.Join(dest, path.Base(entry.Path))
		}
		switch {
		case !entry.IsDir:
			file = dest
			hit, err = vc.get(ctx, ex, *entry, dest)
			return err
		case !recursive:
			return fmt.Errorf("%s is a folder: use 'bilancio volume get -r %s %s' to copy it with everything in it", src, src, pos[1])
		}
		res, err = getTree(ctx, ex, vc, entry.Path, entries, dest)
		return err
	})
	if code != 0 {
		return code
	}
	if file != "" {
		how := "fetched"
		if hit {
			how = "from the cache"
		}
		c.UI.Output(fmt.Sprintf("%s -> %s (%s)", src, file, how))
		return 0
	}
	c.UI.Output(fmt.Sprintf("%s -> %s (%d files: %d fetched, %d from the cache)", src, dest, res.files, res.files-res.hits, res.hits))
	return c.reportVerified(res.manifests)
}

// reportVerified verifies every local folder of dirs (folders holding a
// manifest.json) and says how it went; a folder that does not verify
// makes the exit code 1.
func (c *VolumeGetCommand) reportVerified(dirs []string) int {
	if len(dirs) == 0 {
		c.UI.Output("no manifest.json among the fetched files: not a complete run folder (a failed or unfinished run's partial output, or not a run)")
		return 0
	}
	code := 0
	for _, d := range dirs {
		f, err := runfolder.Verify(d)
		if err != nil {
			c.UI.Error(fmt.Sprintf("Error: %s: manifest.json does not verify (the fetched files are kept): %v", d, err))
			code = 1
			continue
		}
		m := f.Manifest
		c.UI.Output(fmt.Sprintf("%s: manifest.json verifies (run %s, status %s, %d files)", d, m.RunID, m.Status, len(m.Files)))
	}
	return code
}

// lookup lists src on the executor's storage and returns its entry and
// every entry listed (which includes those below it, if it is a folder).
func lookup(ctx context.Context, ex sdk.Executor, src string) (*sdk.Entry, []sdk.Entry, error) {
	name := strings.TrimSuffix(src, "/")
	if name == "" || name == "." {
		return nil, nil, errors.New("refusing to copy the whole volume: name a file or folder")
	}
	entries, err := ex.List(ctx, &sdk.ListRequest{Prefix: name})
	if err != nil {
		return nil, nil, fmt.Errorf("listing %s: %w", src, err)
	}
	for i := range entries {
		if entries[i].Path == name {
			return &entries[i], entries, nil
		}
	}
	return nil, nil, fmt.Errorf("%w: %s", sdk.ErrNotFound, src)
}

// treeResult is what getTree copied.
type treeResult struct {
	files, hits int
	// manifests are the local folders holding a fetched manifest.json,
	// sorted.
	manifests []string
}

// localTarget returns where the storage path rel (relative to the folder
// being copied, slash-separated) goes below the local folder dest,
// refusing any path that would land outside dest.
func localTarget(dest, rel string) (string, error) {
	if runfolder.ValidName(rel) != nil {
		return "", fmt.Errorf("refusing %q: it would be written outside %s", rel, dest)
	}
	return filepath.Join(dest, filepath.FromSlash(rel)), nil
}

// mkdirInside creates the folder dir below the existing local folder
// root through an os.Root, which refuses any path that leads outside root
// (through "..", or a symbolic link pointing out).
func mkdirInside(root, dir string) error {
	rel, err := filepath.Rel(root, dir)
	if err != nil || !filepath.IsLocal(rel) {
		return fmt.Errorf("refusing to create %s: it is not inside %s", dir, root)
	}
	r, err := os.OpenRoot(root)
	if err != nil {
		return err
	}
	defer r.Close()
	if err := r.MkdirAll(rel, 0o755); err != nil {
		return fmt.Errorf("refusing to create %s inside %s: %w", dir, root, err)
	}
	return nil
}

// getTree copies the storage folder name, whose entries (from List) are
// given, to the local folder dest, each file through the cache.
func getTree(ctx context.Context, ex sdk.Executor, vc *volumeCache, name string, entries []sdk.Entry, dest string) (*treeResult, error) {
	type job struct {
		entry sdk.Entry
		local string
	}
	// Plan every local path before writing anything.
	var (
		dirs = []string{dest}
		jobs []job
	)
	for _, e := range entries {
		rel, ok := strings.CutPrefix(e.Path, name+"/")
		if !ok {
			continue
		}
		local, err := localTarget(dest, rel)
		if err != nil {
			return nil, err
		}
		if e.IsDir {
			dirs = append(dirs, local)
		} else {
			jobs = append(jobs, job{e, local})
		}
	}
	if err := os.MkdirAll(dest, 0o755); err != nil {
		return nil, fmt.Errorf("creating %s: %w", dest, err)
	}
	for _, j := range jobs {
		dirs = append(dirs, filepath.Dir(j.local))
	}
	sort.Strings(dirs)
	for i, d := range dirs {
		if i > 0 && d == dirs[i-1] {
			continue
		}
		if err := mkdirInside(dest, d); err != nil {
			return nil, err
		}
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu   sync.Mutex
		res  = &treeResult{files: len(jobs)}
		errs []error
		next = make(chan job)
		wg   sync.WaitGroup
	)
	for range min(fetchParallel, len(jobs)) {
		wg.Go(func() {
			for j := range next {
				hit, err := vc.get(ctx, ex, j.entry, j.local)
				mu.Lock()
				switch {
				case err != nil:
					// The first failure cancels the others; their
					// cancellations are not news.
					if len(errs) == 0 || !errors.Is(err, context.Canceled) {
						errs = append(errs, err)
					}
					cancel()
				case hit:
					res.hits++
				}
				if err == nil && filepath.Base(j.local) == runfolder.ManifestFile {
					res.manifests = append(res.manifests, filepath.Dir(j.local))
				}
				mu.Unlock()
			}
		})
	}
feed:
	for _, j := range jobs {
		select {
		case next <- j:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if len(errs) > 0 {
		return nil, fmt.Errorf("copying %s to %s: %w", name, dest, errors.Join(errs...))
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("copying %s to %s: %w", name, dest, err)
	}
	sort.Strings(res.manifests)
	return res, nil
}

// volumeCache is the local cache of fetched storage files: each is kept
// under dir by the sha256 of its path, size and modification time, so a
// changed file is fetched again.
type volumeCache struct {
	dir string
}

// key is the cache file name of the storage entry e.
func (vc *volumeCache) key(e sdk.Entry) string {
	k := sha256.Sum256(fmt.Appendf(nil, "%s\x00%d\x00%d", e.Path, e.Size, e.ModTime.UnixNano()))
	return hex.EncodeToString(k[:])
}

// writerToFunc turns a function into an io.WriterTo.
type writerToFunc func(w io.Writer) (int64, error)

// WriteTo implements io.WriterTo.
func (f writerToFunc) WriteTo(w io.Writer) (int64, error) { return f(w) }

// countingWriter counts the bytes written through it.
type countingWriter struct {
	w io.Writer
	n int64
}

// Write implements io.Writer.
func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// get copies the storage file e to the local file dest through the cache,
// both written atomically; it reports whether the cache had the file.
func (vc *volumeCache) get(ctx context.Context, ex sdk.Executor, e sdk.Entry, dest string) (bool, error) {
	cached := filepath.Join(vc.dir, vc.key(e))
	hit := true
	if _, err := os.Stat(cached); err != nil {
		hit = false
		if err := os.MkdirAll(vc.dir, 0o755); err != nil {
			return false, fmt.Errorf("creating the cache folder: %w", err)
		}
		err := atomicfile.Write(cached, 0o644, false, writerToFunc(func(w io.Writer) (int64, error) {
			cw := &countingWriter{w: w}
			if err := ex.Fetch(ctx, &sdk.FetchRequest{Path: e.Path}, cw); err != nil {
				return cw.n, err
			}
			if cw.n != e.Size {
				return cw.n, fmt.Errorf("it changed while being fetched (%d bytes, listed with %d): try again", cw.n, e.Size)
			}
			return cw.n, nil
		}))
		if err != nil {
			return false, fmt.Errorf("fetching %s: %w", e.Path, err)
		}
	}
	in, err := os.Open(cached)
	if err != nil {
		return false, fmt.Errorf("reading the cached copy of %s: %w", e.Path, err)
	}
	defer in.Close()
	if err := atomicfile.Write(dest, 0o644, false, in); err != nil {
		return false, fmt.Errorf("copying %s from the cache: %w", e.Path, err)
	}
	return hit, nil
}
