package commands

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/cli"

	"github.com/bilancio-go/bilancio/internal/pluginhost"
	"github.com/bilancio-go/bilancio/internal/sweep"
	"github.com/bilancio-go/bilancio/sdk"
)

// VolumeCommand is `bilancio volume`, the parent of the volume commands.
type VolumeCommand struct {
	Meta
}

// Synopsis implements cli.Command.
func (c *VolumeCommand) Synopsis() string {
	return "List, fetch and remove results on the Modal volume"
}

// Help implements cli.Command.
func (c *VolumeCommand) Help() string {
	return `Usage: bilancio volume <subcommand> [options] [args]

  Browses the storage of a remote executor (the modal plugin's volume,
  BILANCIO_MODAL_VOLUME, default bilancio-results) through the plugin's
  List, Fetch and Remove. Paths are relative to the volume root; a run's
  folder is <experiment_id>/runs/<run_id>. Credentials and settings come
  from the environment (MODAL_*, BILANCIO_MODAL_*, BILANCIO_CLOUD_*).

Subcommands:

    ls        List files under a prefix
    get       Copy one file to local disk (cached under ~/.bilancio/cache)
    rm        Remove a file or, with -r, a folder
    cleanup   Remove experiments not modified for a while`
}

// Run implements cli.Command.
func (c *VolumeCommand) Run([]string) int { return cli.RunResultHelp }

// volumeFlags are the flags every volume command takes.
type volumeFlags struct {
	pluginDir string
	executor  string
}

// add adds the shared flags to fs.
func (f *volumeFlags) add(fs *flag.FlagSet) {
	addPluginDirFlag(fs, &f.pluginDir)
	fs.StringVar(&f.executor, "executor", "modal", "the executor plugin whose storage to use")
}

// openStorage finds and starts the executor plugin, configures it from the
// environment and checks it has the artifacts capability; the caller
// closes the plugin.
func openStorage(ctx context.Context, f *volumeFlags) (*pluginhost.Plugin, error) {
	opts := pluginOptions(f.pluginDir)
	cand, err := pluginhost.Find(ctx, opts, f.executor)
	if err != nil {
		return nil, err
	}
	p, err := pluginhost.Open(ctx, cand, pluginhost.WithLogger(opts.Logger), pluginhost.WithEnv(sweep.ExecutorEnv(f.executor, os.Environ())...))
	if err != nil {
		return nil, err
	}
	if !p.Info().Capabilities.Artifacts {
		p.Close()
		return nil, fmt.Errorf("the %s executor has no storage to browse", f.executor)
	}
	if err := p.Executor().Configure(ctx, &sdk.Config{}); err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}

// withStorage runs fn with the configured executor, reporting errors on
// the UI; it returns the exit code.
func withStorage(m Meta, f *volumeFlags, fn func(ctx context.Context, ex sdk.Executor) error) int {
	ctx := pluginsContext(m)
	p, err := openStorage(ctx, f)
	if err != nil {
		m.UI.Error(fmt.Sprintf("Error: %v", err))
		return 1
	}
	err = fn(ctx, p.Executor())
	if cerr := p.Close(); cerr != nil {
		m.UI.Warn(fmt.Sprintf("Warning: %v", cerr))
	}
	if err != nil {
		m.UI.Error(fmt.Sprintf("Error: %v", err))
		return 1
	}
	return 0
}

// internalEntry reports whether a storage path is bookkeeping of the modal
// executor (staged workers, chunk manifests) rather than results.
func internalEntry(p string) bool {
	parts := strings.Split(p, "/")
	return parts[0] == ".bilancio" || (len(parts) >= 2 && parts[1] == "chunks")
}

// VolumeLsCommand is `bilancio volume ls [PREFIX]`.
type VolumeLsCommand struct {
	Meta
}

// Synopsis implements cli.Command.
func (c *VolumeLsCommand) Synopsis() string { return "List files on the volume under a prefix" }

// Help implements cli.Command.
func (c *VolumeLsCommand) Help() string {
	return `Usage: bilancio volume ls [options] [PREFIX]

  Lists the files and folders on the volume whose path starts with PREFIX
  (everything without one): size, modification time (UTC) and path.

Options:

` + usage(c.flags(new(volumeFlags), new(bool), new(bool)))
}

func (c *VolumeLsCommand) flags(f *volumeFlags, all, asJSON *bool) *flag.FlagSet {
	fs := flagSet("volume ls")
	f.add(fs)
	fs.BoolVar(all, "a", false, "also list the executor's bookkeeping (.bilancio/, */chunks/)")
	fs.BoolVar(asJSON, "json", false, "print the entries as JSON")
	return fs
}

// Run implements cli.Command.
func (c *VolumeLsCommand) Run(args []string) int {
	var (
		f           volumeFlags
		all, asJSON bool
	)
	pos, ok := parseCommand(c.UI, c.flags(&f, &all, &asJSON), args, c.Help(), -1, "")
	if !ok {
		return 1
	}
	if len(pos) > 1 {
		c.UI.Error("Error: volume ls takes at most one prefix\n\n" + c.Help())
		return 1
	}
	prefix := strings.Join(pos, "")
	var shown []sdk.Entry
	code := withStorage(c.Meta, &f, func(ctx context.Context, ex sdk.Executor) error {
		entries, err := ex.List(ctx, &sdk.ListRequest{Prefix: prefix})
		for _, e := range entries {
			if all || !internalEntry(e.Path) {
				shown = append(shown, e)
			}
		}
		return err
	})
	if code != 0 {
		return code
	}
	sort.Slice(shown, func(i, j int) bool { return shown[i].Path < shown[j].Path })
	if asJSON {
		return pluginsJSON(c.Meta, shown)
	}
	var b strings.Builder
	for _, e := range shown {
		name := e.Path
		if e.IsDir {
			name += "/"
		}
		fmt.Fprintf(&b, "%12d  %s  %s\n", e.Size, e.ModTime.UTC().Format(time.DateTime), name)
	}
	if b.Len() > 0 {
		c.UI.Output(strings.TrimRight(b.String(), "\n"))
	}
	return 0
}

// VolumeGetCommand is `bilancio volume get PATH DEST`.
type VolumeGetCommand struct {
	Meta
}

// Synopsis implements cli.Command.
func (c *VolumeGetCommand) Synopsis() string { return "Copy one file from the volume" }

// Help implements cli.Command.
func (c *VolumeGetCommand) Help() string {
	return `Usage: bilancio volume get [options] PATH DEST

  Copies the file PATH of the volume to DEST (into it, when DEST is a
  folder). Fetched files are cached under the cache folder, keyed by path,
  size and modification time, so getting an unchanged file again does not
  touch the network beyond listing it.

Options:

` + usage(c.flags(new(volumeFlags), new(string)))
}

func (c *VolumeGetCommand) flags(f *volumeFlags, cache *string) *flag.FlagSet {
	fs := flagSet("volume get")
	f.add(fs)
	fs.StringVar(cache, "cache-dir", "", "the cache folder (default ~/.bilancio/cache)")
	return fs
}

// Run implements cli.Command.
func (c *VolumeGetCommand) Run(args []string) int {
	var (
		f     volumeFlags
		cache string
	)
	pos, ok := parseCommand(c.UI, c.flags(&f, &cache), args, c.Help(), 2, "a volume path and a destination")
	if !ok {
		return 1
	}
	if cache == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			c.UI.Error(fmt.Sprintf("Error: %v", err))
			return 1
		}
		cache = filepath.Join(home, ".bilancio", "cache")
	}
	src, dest := pos[0], pos[1]
	if st, err := os.Stat(dest); err == nil && st.IsDir() {
		dest = filepath.Join(dest, path.Base(src))
	}
	var hit bool
	code := withStorage(c.Meta, &f, func(ctx context.Context, ex sdk.Executor) error {
		var err error
		hit, err = fetchCached(ctx, ex, src, filepath.Join(cache, "volume"), dest)
		return err
	})
	if code == 0 {
		how := "fetched"
		if hit {
			how = "from the cache"
		}
		c.UI.Output(fmt.Sprintf("%s -> %s (%s)", src, dest, how))
	}
	return code
}

// fetchCached copies the file src of the executor's storage to dest
// through the cache folder cache, where it is kept under the sha256 of its
// path, size and modification time; it reports whether the cache had it.
func fetchCached(ctx context.Context, ex sdk.Executor, src, cache, dest string) (bool, error) {
	entries, err := ex.List(ctx, &sdk.ListRequest{Prefix: src})
	if err != nil {
		return false, err
	}
	var entry *sdk.Entry
	for i := range entries {
		if entries[i].Path == strings.TrimSuffix(src, "/") {
			entry = &entries[i]
		}
	}
	switch {
	case entry == nil:
		return false, fmt.Errorf("%w: %s", sdk.ErrNotFound, src)
	case entry.IsDir:
		return false, fmt.Errorf("%s is a folder; get copies one file", src)
	}
	key := sha256.Sum256(fmt.Appendf(nil, "%s\x00%d\x00%d", entry.Path, entry.Size, entry.ModTime.UnixNano()))
	cached := filepath.Join(cache, hex.EncodeToString(key[:]))
	hit := true
	if _, err := os.Stat(cached); err != nil {
		hit = false
		if err := os.MkdirAll(cache, 0o755); err != nil {
			return false, err
		}
		if err := fetchTo(ctx, ex, entry.Path, cached); err != nil {
			return false, err
		}
	}
	return hit, copyLocal(cached, dest)
}

// fetchTo fetches name into the file dst, atomically.
func fetchTo(ctx context.Context, ex sdk.Executor, name, dst string) error {
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".fetch-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := ex.Fetch(ctx, &sdk.FetchRequest{Path: name}, tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), dst)
}

// copyLocal copies the local file src to dst.
func copyLocal(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// VolumeRmCommand is `bilancio volume rm PATH`.
type VolumeRmCommand struct {
	Meta
}

// Synopsis implements cli.Command.
func (c *VolumeRmCommand) Synopsis() string { return "Remove a file or folder from the volume" }

// Help implements cli.Command.
func (c *VolumeRmCommand) Help() string {
	return `Usage: bilancio volume rm [options] PATH

  Removes the file PATH from the volume, or the folder PATH with
  everything in it when -r is given.

Options:

` + usage(c.flags(new(volumeFlags), new(bool)))
}

func (c *VolumeRmCommand) flags(f *volumeFlags, recursive *bool) *flag.FlagSet {
	fs := flagSet("volume rm")
	f.add(fs)
	fs.BoolVar(recursive, "r", false, "remove a folder and everything in it")
	return fs
}

// Run implements cli.Command.
func (c *VolumeRmCommand) Run(args []string) int {
	var (
		f         volumeFlags
		recursive bool
	)
	pos, ok := parseCommand(c.UI, c.flags(&f, &recursive), args, c.Help(), 1, "one volume path")
	if !ok {
		return 1
	}
	code := withStorage(c.Meta, &f, func(ctx context.Context, ex sdk.Executor) error {
		return ex.Remove(ctx, &sdk.RemoveRequest{Path: pos[0], Recursive: recursive})
	})
	if code == 0 {
		c.UI.Output("removed " + pos[0])
	}
	return code
}

// VolumeCleanupCommand is `bilancio volume cleanup -older-than D`.
type VolumeCleanupCommand struct {
	Meta
}

// Synopsis implements cli.Command.
func (c *VolumeCleanupCommand) Synopsis() string {
	return "Remove experiments not modified for a while"
}

// Help implements cli.Command.
func (c *VolumeCleanupCommand) Help() string {
	return `Usage: bilancio volume cleanup [options]

  Removes every experiment folder (a top-level folder of the volume) in
  which nothing was modified within -older-than. With -dry-run it only
  says what it would remove.

Options:

` + usage(c.flags(new(volumeFlags), new(time.Duration), new(bool)))
}

func (c *VolumeCleanupCommand) flags(f *volumeFlags, olderThan *time.Duration, dryRun *bool) *flag.FlagSet {
	fs := flagSet("volume cleanup")
	f.add(fs)
	fs.DurationVar(olderThan, "older-than", 720*time.Hour, "remove experiments untouched for this long")
	fs.BoolVar(dryRun, "dry-run", false, "only list what would be removed")
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

// Run implements cli.Command.
func (c *VolumeCleanupCommand) Run(args []string) int {
	var (
		f         volumeFlags
		olderThan time.Duration
		dryRun    bool
	)
	if _, ok := parseCommand(c.UI, c.flags(&f, &olderThan, &dryRun), args, c.Help(), 0, "no arguments"); !ok {
		return 1
	}
	return withStorage(c.Meta, &f, func(ctx context.Context, ex sdk.Executor) error {
		entries, err := ex.List(ctx, &sdk.ListRequest{})
		if err != nil {
			return err
		}
		for _, exp := range staleExperiments(entries, time.Now().Add(-olderThan)) {
			if dryRun {
				c.UI.Output("would remove " + exp)
				continue
			}
			if err := ex.Remove(ctx, &sdk.RemoveRequest{Path: exp, Recursive: true}); err != nil {
				return err
			}
			c.UI.Output("removed " + exp)
		}
		return nil
	})
}
