// Package volume owns what the volume commands do with an executor's
// storage beyond a single call: fetching files and folder trees through
// sdk.Executor List and Fetch into local folders, in parallel and through a
// local cache, refusing any path that would land outside the destination;
// verifying the fetched run folders against their manifests
// (sdk/runfolder); and choosing what `volume cleanup` removes (stale
// experiments, staged workers other than the kept ones, the fetch cache).
// The commands parse flags, call it and print what it returns.
package volume

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/bilancio-go/bilancio/sdk"
	"github.com/bilancio-go/bilancio/sdk/runfolder"
)

// fetchParallel is how many files a tree download fetches at once (each
// Fetch of the modal executor is a short-lived reader sandbox).
const fetchParallel = 4

// GetResult is what Get copied.
type GetResult struct {
	// File is the local file written when the storage path was a file
	// (empty for a folder); Hit says whether it came from the cache.
	File string
	Hit  bool
	// Dest is the local folder a folder was copied to.
	Dest string
	// Files is how many files of the folder were copied, Hits how many
	// of them came from the cache.
	Files, Hits int
	// Manifests are the local folders holding a fetched manifest.json,
	// sorted.
	Manifests []string
}

// Get copies the storage path src of ex to the local path dest (into it,
// when dest is an existing folder), through the cache c. A folder is
// copied only when recursive is set, with everything below it.
func Get(ctx context.Context, ex sdk.Executor, c *Cache, src, dest string, recursive bool) (*GetResult, error) {
	entry, entries, err := Lookup(ctx, ex, src)
	if err != nil {
		return nil, err
	}
	target := dest
	if st, err := os.Stat(dest); err == nil && st.IsDir() {
		target = filepath.Join(dest, path.Base(entry.Path))
	}
	switch {
	case !entry.IsDir:
		hit, err := c.Get(ctx, ex, *entry, target)
		if err != nil {
			return nil, err
		}
		return &GetResult{File: target, Hit: hit}, nil
	case !recursive:
		return nil, fmt.Errorf("%s is a folder: use 'bilancio volume get -r %s %s' to copy it with everything in it", src, src, dest)
	}
	return GetTree(ctx, ex, c, entry.Path, entries, target)
}

// Lookup lists src on the executor's storage and returns its entry and
// every entry listed (which includes those below it, if it is a folder).
func Lookup(ctx context.Context, ex sdk.Executor, src string) (*sdk.Entry, []sdk.Entry, error) {
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

// localTarget returns where the storage path rel (relative to the folder
// being copied, slash-separated) goes below the local folder dest,
// refusing any path that would land outside dest (runfolder's rule for
// names from elsewhere).
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

// GetTree copies the storage folder name, whose entries (from List) are
// given, to the local folder dest, each file through the cache c.
func GetTree(ctx context.Context, ex sdk.Executor, c *Cache, name string, entries []sdk.Entry, dest string) (*GetResult, error) {
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
		res  = &GetResult{Dest: dest, Files: len(jobs)}
		errs []error
		next = make(chan job)
		wg   sync.WaitGroup
	)
	for range min(fetchParallel, len(jobs)) {
		wg.Go(func() {
			for j := range next {
				hit, err := c.Get(ctx, ex, j.entry, j.local)
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
					res.Hits++
				}
				if err == nil && filepath.Base(j.local) == runfolder.ManifestFile {
					res.Manifests = append(res.Manifests, filepath.Dir(j.local))
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
	sort.Strings(res.Manifests)
	return res, nil
}

// Verified is how one fetched folder's verification went: its manifest
// when it verifies, else the error.
type Verified struct {
	Dir      string
	Manifest *runfolder.Manifest
	Err      error
}

// VerifyFolders verifies each local folder of dirs (folders holding a
// manifest.json) against its manifest: every file at its recorded size
// and sha256.
func VerifyFolders(dirs []string) []Verified {
	out := make([]Verified, len(dirs))
	for i, d := range dirs {
		out[i].Dir = d
		f, err := runfolder.Verify(d)
		if err != nil {
			out[i].Err = err
			continue
		}
		out[i].Manifest = f.Manifest
	}
	return out
}
