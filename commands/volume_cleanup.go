package commands

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/bilancio-go/bilancio/commands/core"
	"github.com/bilancio-go/bilancio/internal/volume"
	"github.com/bilancio-go/bilancio/sdk"
)

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

` + core.Usage(c.flags(new(volumeFlags), new(cleanupOptions)))
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
	fs := core.FlagSet("volume cleanup")
	f.add(fs)
	fs.DurationVar(&o.olderThan, "older-than", 720*time.Hour, "remove experiments untouched for this long")
	fs.BoolVar(&o.dryRun, "dry-run", false, "only list what would be removed")
	fs.BoolVar(&o.workers, "workers", false, "remove staged worker binaries other than this bilancio's")
	fs.StringVar(&o.keep, "keep", "", "with -workers: comma-separated sha256 sums of staged workers to keep instead of this bilancio's (e.g. a linux/amd64 build's, when this one is not)")
	fs.BoolVar(&o.cache, "cache", false, "empty the local fetch cache of 'volume get'")
	fs.StringVar(&o.cacheDir, "cache-dir", "", "the cache folder (default ~/.bilancio/cache)")
	return fs
}

// Run implements cli.Command.
func (c *VolumeCleanupCommand) Run(args []string) int {
	var (
		f volumeFlags
		o cleanupOptions
	)
	fs := c.flags(&f, &o)
	if _, ok := core.ParseCommand(c.UI, fs, args, c.Help, 0, "no arguments"); !ok {
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
		kept, err = volume.KeptWorkers(o.keep, func() (string, error) {
			w, err := workerBinary()
			if err != nil {
				return "", err
			}
			return w.SHA256, nil
		})
		if err != nil {
			c.UI.Error(fmt.Sprintf("Error: %v", err))
			return 1
		}
	}
	return withStorage(c.Meta, &f, readWrite, func(ctx context.Context, ex sdk.Executor) error {
		if o.workers {
			n, err := volume.RemoveWorkers(ctx, ex, kept, o.dryRun, func(w volume.StaleWorker) {
				c.UI.Output(fmt.Sprintf("%s %s (%d bytes)", verb, w.Path, w.Size))
			})
			if err != nil {
				return err
			}
			if n == 0 {
				c.UI.Output("no stale staged workers")
			}
		}
		if !experiments {
			return nil
		}
		return volume.RemoveExperiments(ctx, ex, time.Now().Add(-o.olderThan), o.dryRun, func(exp string) {
			c.UI.Output(verb + " " + exp)
		})
	})
}

// clearCache empties the fetch cache of `volume get` (cacheDir/volume,
// cacheDir defaulting to ~/.bilancio/cache).
func (c *VolumeCleanupCommand) clearCache(cacheDir, verb string, dryRun bool) error {
	dir, err := volume.CacheDir(cacheDir)
	if err != nil {
		return err
	}
	u, err := (&volume.Cache{Dir: dir}).Clear(dryRun)
	if err != nil {
		return err
	}
	if u.Empty {
		c.UI.Output(fmt.Sprintf("the fetch cache %s is empty", dir))
		return nil
	}
	c.UI.Output(fmt.Sprintf("%s the fetch cache %s (%d files, %d bytes)", verb, dir, u.Files, u.Size))
	return nil
}
