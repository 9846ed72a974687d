package commands

import (
	"context"
	"flag"
	"fmt"

	"github.com/bilancio-go/bilancio/commands/core"
	"github.com/bilancio-go/bilancio/internal/volume"
	"github.com/bilancio-go/bilancio/sdk"
)

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

` + core.Usage(c.flags(new(volumeFlags), new(string), new(bool)))
}

func (c *VolumeGetCommand) flags(f *volumeFlags, cache *string, recursive *bool) *flag.FlagSet {
	fs := core.FlagSet("volume get")
	f.add(fs)
	fs.StringVar(cache, "cache-dir", "", "the cache folder (default ~/.bilancio/cache)")
	fs.BoolVar(recursive, "r", false, "copy a folder with everything in it")
	return fs
}

// Run implements cli.Command.
func (c *VolumeGetCommand) Run(args []string) int {
	var (
		f         volumeFlags
		cache     string
		recursive bool
	)
	pos, ok := core.ParseCommand(c.UI, c.flags(&f, &cache, &recursive), args, c.Help, 2, "a volume path and a destination")
	if !ok {
		return 1
	}
	dir, err := volume.CacheDir(cache)
	if err != nil {
		c.UI.Error(fmt.Sprintf("Error: %v", err))
		return 1
	}
	src := pos[0]
	var res *volume.GetResult
	code := withStorage(c.Meta, &f, readOnly, func(ctx context.Context, ex sdk.Executor) error {
		var err error
		res, err = volume.Get(ctx, ex, &volume.Cache{Dir: dir}, src, pos[1], recursive)
		return err
	})
	if code != 0 {
		return code
	}
	if res.File != "" {
		how := "fetched"
		if res.Hit {
			how = "from the cache"
		}
		c.UI.Output(fmt.Sprintf("%s -> %s (%s)", src, res.File, how))
		return 0
	}
	c.UI.Output(fmt.Sprintf("%s -> %s (%d files: %d fetched, %d from the cache)", src, res.Dest, res.Files, res.Files-res.Hits, res.Hits))
	return c.reportVerified(res.Manifests)
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
	for _, v := range volume.VerifyFolders(dirs) {
		if v.Err != nil {
			c.UI.Error(fmt.Sprintf("Error: %s: manifest.json does not verify (the fetched files are kept): %v", v.Dir, v.Err))
			code = 1
			continue
		}
		m := v.Manifest
		c.UI.Output(fmt.Sprintf("%s: manifest.json verifies (run %s, status %s, %d files)", v.Dir, m.RunID, m.Status, len(m.Files)))
	}
	return code
}
