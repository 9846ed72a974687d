package commands

import (
	"context"
	"flag"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/bilancio-go/bilancio/commands/core"
	"github.com/bilancio-go/bilancio/internal/pluginhost"
	"github.com/bilancio-go/bilancio/sdk"
)

// VolumeCommand is `bilancio volume`, the parent of the volume commands.
type VolumeCommand struct {
	Meta
}

// Synopsis implements cli.Command.
func (c *VolumeCommand) Synopsis() string {
	return core.VolumeSynopsis
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
    get       Copy a file, or with -r a folder, to local disk (cached under
              ~/.bilancio/cache/volume)
    rm        Remove a file or, with -r, a folder
    cleanup   Remove experiments not modified for a while, stale staged
              workers (-workers) or the local fetch cache (-cache)`
}

// Run implements cli.Command.
func (c *VolumeCommand) Run(args []string) int { return core.ParentRun(c.UI, "volume", args) }

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

// Storage access of a volume command: the executor mounts its storage
// read-only for a command that only reads (one that understands the
// volume_access attribute, as the modal executor does).
const (
	readOnly  = false
	readWrite = true
)

// openStorage finds and starts the executor plugin, configures it from the
// environment (with volume_access "read-write" for a command that removes
// files, when its schema has the attribute) and checks it has the
// artifacts capability; the caller closes the plugin.
func openStorage(ctx context.Context, f *volumeFlags, writes bool) (*pluginhost.Plugin, error) {
	opts := pluginOptions(f.pluginDir)
	cand, err := pluginhost.Find(ctx, opts, f.executor)
	if err != nil {
		return nil, fmt.Errorf("finding the %s executor: %w", f.executor, err)
	}
	p, err := pluginhost.Open(ctx, cand, pluginhost.WithLogger(opts.Logger), pluginhost.WithEnv(pluginhost.ExecutorEnv(f.executor, os.Environ())...))
	if err != nil {
		return nil, fmt.Errorf("starting the %s executor: %w", f.executor, err)
	}
	if !p.Info().Capabilities.Artifacts {
		p.Close()
		return nil, fmt.Errorf("the %s executor has no storage to browse", f.executor)
	}
	cfg := &sdk.Config{}
	if writes && slices.ContainsFunc(p.Info().ConfigSchema, func(a sdk.ConfigAttribute) bool { return a.Name == "volume_access" }) {
		cfg.JSON = []byte(`{"volume_access": "read-write"}`)
	}
	if err := p.Executor().Configure(ctx, cfg); err != nil {
		p.Close()
		return nil, fmt.Errorf("configuring the %s executor: %w", f.executor, err)
	}
	return p, nil
}

// withStorage runs fn with the configured executor, reporting errors on
// the UI; it returns the exit code.
func withStorage(m Meta, f *volumeFlags, writes bool, fn func(ctx context.Context, ex sdk.Executor) error) int {
	ctx := pluginsContext(m)
	p, err := openStorage(ctx, f, writes)
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
	return parts[0] == sdk.BookkeepingDir || (len(parts) >= 2 && parts[1] == "chunks")
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

` + core.Usage(c.flags(new(volumeFlags), new(bool), new(bool)))
}

func (c *VolumeLsCommand) flags(f *volumeFlags, all, asJSON *bool) *flag.FlagSet {
	fs := core.FlagSet("volume ls")
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
	pos, ok := core.ParseCommand(c.UI, c.flags(&f, &all, &asJSON), args, c.Help, -1, "")
	if !ok {
		return 1
	}
	if len(pos) > 1 {
		c.UI.Error("Error: volume ls takes at most one prefix\n\n" + c.Help())
		return 1
	}
	prefix := strings.Join(pos, "")
	var shown []sdk.Entry
	code := withStorage(c.Meta, &f, readOnly, func(ctx context.Context, ex sdk.Executor) error {
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

` + core.Usage(c.flags(new(volumeFlags), new(bool)))
}

func (c *VolumeRmCommand) flags(f *volumeFlags, recursive *bool) *flag.FlagSet {
	fs := core.FlagSet("volume rm")
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
	pos, ok := core.ParseCommand(c.UI, c.flags(&f, &recursive), args, c.Help, 1, "one volume path")
	if !ok {
		return 1
	}
	code := withStorage(c.Meta, &f, readWrite, func(ctx context.Context, ex sdk.Executor) error {
		return ex.Remove(ctx, &sdk.RemoveRequest{Path: pos[0], Recursive: recursive})
	})
	if code == 0 {
		c.UI.Output("removed " + pos[0])
	}
	return code
}
