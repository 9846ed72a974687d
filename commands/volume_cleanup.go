package commands

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/bilancio-go/bilancio/sdk"
)

// workersPrefix is where the modal executor stages worker binaries, one
// folder per sha256: .bilancio/workers/<sha256>/bilancio.
const workersPrefix = ".bilancio/workers/"

// VolumeCleanupCommand is `bilancio volume cleanup`.
type VolumeCleanupCommand struct {
	Meta
}

// Synopsis implements cli.Command.
func (c *VolumeCleanupCommand) Synopsis() string {
	return "Remove old experiments, stale staged workers or the fetch cache"
}

// Help implements cli.Command.
func (c *VolumeCleanupCommand) Help() string {
	return `Usage: bilancio volume cleanup [options]

  Without -workers or -cache: removes every experiment folder (a top-level
  folder of the volume) in which nothing was modified within -older-than
  (default 720h). The executor's .bilancio/ folder is never removed this
  way.

  -workers removes the worker binaries staged on the volume under
  .bilancio/workers/<sha256>/ by earlier bilancio builds: every one but
  the one this bilancio binary stages (its sha256), or those named by
  -keep. A sweep whose worker is missing stages it again.

  -cache empties the local cache of 'volume get' (<cache-dir>/volume); it
  does not touch the volume.

  -workers and -cache clean only what they name; add -older-than to remove
  old experiments as well. With -dry-run nothing is removed: each line
  says what would be.

Options:

` + usage(c.flags(new(volumeFlags), new(cleanupOptions)))
}

// cleanupOptions are the flags of `volume cleanup` beyond the shared ones.
type cleanupOptions struct {
	olderThan time.Duration
	dryRun    bool
	workers   bool
	keep      string
	cache     bool
	cacheDir  string
}

func (c *VolumeCleanupCommand) flags(f *volumeFlags, o *cleanupOptions) *flag.FlagSet {
	fs := flagSet("volume cleanup")
	f.add(fs)
	fs.DurationVar(&o.olderThan, "older-than", 720*time.Hour, "remove experiments untouched for this long")
	fs.BoolVar(&o.dryRun, "dry-run", false, "only list what would be removed")
	fs.BoolVar(&o.workers, "workers", false, "remove staged worker binaries other than this bilancio's")
	fs.StringVar(&o.keep, "keep", "", "with -workers: comma-separated sha256 sums of staged workers to keep instead of this bilancio's (e.g. a linux/amd64 build's, when this one is not)")
	fs.BoolVar(&o.cache, "cache", false, "empty the local fetch cache of 'volume get'")
	fs.StringVar(&o.cacheDir, "cache-dir", "", "the cache folder (default ~/.bilancio/cache)")
	return fs
}

// staleExperiments returns, sorted, the top-level folders of entries
// (other than the executor's .bilancio) whose newest entry is older than
// cutoff.
func staleExperiments(entries []sdk.Entry, cutoff time.Time) []string {
	newest := map[string]time.Time{}
	for _, e := range entries {
		top, _, _ := strings.Cut(e.Path, "/")
		if top == ".bilancio" || (top == e.Path && !e.IsDir) {
			continue
		}
		if e.ModTime.After(newest[top]) {
			newest[top] = e.ModTime
		}
	}
	var stale []string
	for top, t := range newest {
		if t.Before(cutoff) {
			stale = append(stale, top)
		}
	}
	sort.Strings(stale)
	return stale
}

// staleWorker is an entry directly under .bilancio/workers/ to remove,
// with the bytes under it.
type staleWorker struct {
	path  string
	isDir bool
	size  int64
}

// staleWorkers returns, sorted, the entries directly under
// .bilancio/workers/ (staged worker folders, or anything else left there)
// whose name is not in keep, with the total size of the files under each.
func staleWorkers(entries []sdk.Entry, keep map[string]bool) []staleWorker {
	byName := map[string]*staleWorker{}
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Path, workersPrefix)
		if !ok || rest == "" {
			continue
		}
		name, _, nested := strings.Cut(rest, "/")
		if keep[name] {
			continue
		}
		w := byName[name]
		if w == nil {
			w = &staleWorker{path: workersPrefix + name}
			byName[name] = w
		}
		if !nested {
			w.isDir = e.IsDir
		}
		if !e.IsDir {
			w.size += e.Size
		}
	}
	out := make([]staleWorker, 0, len(byName))
	for _, w := range byName {
		out = append(out, *w)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].path < out[j].path })
	return out
}

// keptWorkers returns the sha256 sums of the staged workers to keep: those
// of -keep, else this bilancio binary's.
func keptWorkers(keep string) (map[string]bool, error) {
	kept := map[string]bool{}
	for s := range strings.SplitSeq(keep, ",") {
		if s = strings.TrimSpace(s); s != "" {
			kept[strings.ToLower(s)] = true
		}
	}
	if len(kept) > 0 {
		return kept, nil
	}
	w, err := workerBinary()
	if err != nil {
		return nil, fmt.Errorf("finding the worker this bilancio stages (name the ones to keep with -keep): %w", err)
	}
	kept[w.SHA256] = true
	return kept, nil
}

// Run implements cli.Command.
func (c *VolumeCleanupCommand) Run(args []string) int {
	var (
		f volumeFlags
		o cleanupOptions
	)
	fs := c.flags(&f, &o)
	if _, ok := parseCommand(c.UI, fs, args, c.Help(), 0, "no arguments"); !ok {
		return 1
	}
	experiments := !o.workers && !o.cache
	fs.Visit(func(fl *flag.Flag) {
		if fl.Name == "older-than" {
			experiments = true
		}
	})
	if o.keep != "" && !o.workers {
		c.UI.Error("Error: -keep goes with -workers\n\n" + c.Help())
		return 1
	}
	verb := "removed"
	if o.dryRun {
		verb = "would remove"
	}
	if o.cache {
		if err := c.clearCache(o.cacheDir, verb, o.dryRun); err != nil {
			c.UI.Error(fmt.Sprintf("Error: %v", err))
			return 1
		}
	}
	if !experiments && !o.workers {
		return 0
	}
	var kept map[string]bool
	if o.workers {
		var err error
		if kept, err = keptWorkers(o.keep); err != nil {
			c.UI.Error(fmt.Sprintf("Error: %v", err))
			return 1
		}
	}
	return withStorage(c.Meta, &f, readWrite, func(ctx context.Context, ex sdk.Executor) error {
		if o.workers {
			if err := c.cleanWorkers(ctx, ex, kept, verb, o.dryRun); err != nil {
				return err
			}
		}
		if !experiments {
			return nil
		}
		entries, err := ex.List(ctx, &sdk.ListRequest{})
		if err != nil {
			return fmt.Errorf("listing the volume: %w", err)
		}
		for _, exp := range staleExperiments(entries, time.Now().Add(-o.olderThan)) {
			if o.dryRun {
				c.UI.Output("would remove " + exp)
				continue
			}
			if err := ex.Remove(ctx, &sdk.RemoveRequest{Path: exp, Recursive: true}); err != nil {
				return fmt.Errorf("removing the experiment %s: %w", exp, err)
			}
			c.UI.Output("removed " + exp)
		}
		return nil
	})
}

// cleanWorkers removes the staged workers not in kept.
func (c *VolumeCleanupCommand) cleanWorkers(ctx context.Context, ex sdk.Executor, kept map[string]bool, verb string, dryRun bool) error {
	entries, err := ex.List(ctx, &sdk.ListRequest{Prefix: workersPrefix})
	if err != nil {
		return fmt.Errorf("listing the staged workers: %w", err)
	}
	stale := staleWorkers(entries, kept)
	for _, w := range stale {
		if !dryRun {
			if err := ex.Remove(ctx, &sdk.RemoveRequest{Path: w.path, Recursive: w.isDir}); err != nil {
				return fmt.Errorf("removing the staged worker %s: %w", w.path, err)
			}
		}
		c.UI.Output(fmt.Sprintf("%s %s (%d bytes)", verb, w.path, w.size))
	}
	if len(stale) == 0 {
		c.UI.Output("no stale staged workers")
	}
	return nil
}

// clearCache empties the fetch cache of `volume get` (cacheDir/volume,
// cacheDir defaulting to ~/.bilancio/cache).
func (c *VolumeCleanupCommand) clearCache(cacheDir, verb string, dryRun bool) error {
	if cacheDir == "" {
		var err error
		if cacheDir, err = defaultCacheDir(); err != nil {
			return err
		}
	}
	dir := filepath.Join(cacheDir, "volume")
	var files, size int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files++
		if info, err := d.Info(); err == nil {
			size += info.Size()
		}
		return nil
	})
	switch {
	case errors.Is(err, fs.ErrNotExist):
		c.UI.Output(fmt.Sprintf("the fetch cache %s is empty", dir))
		return nil
	case err != nil:
		return fmt.Errorf("reading the fetch cache %s: %w", dir, err)
	}
	if !dryRun {
		if err := os.RemoveAll(dir); err != nil {
			return fmt.Errorf("emptying the fetch cache %s: %w", dir, err)
		}
	}
	c.UI.Output(fmt.Sprintf("%s the fetch cache %s (%d files, %d bytes)", verb, dir, files, size))
	return nil
}
