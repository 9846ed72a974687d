package commands

import (
	"flag"
	"fmt"
	"path/filepath"

	"github.com/bilancio-go/bilancio/commands/core"
	"github.com/bilancio-go/bilancio/internal/pluginhost"
)

// PluginsInstallCommand is `bilancio plugins install PATH`.
type PluginsInstallCommand struct {
	Meta
}

// Synopsis implements cli.Command.
func (c *PluginsInstallCommand) Synopsis() string {
	return "Install an executor plugin binary with its checksum"
}

// Help implements cli.Command.
func (c *PluginsInstallCommand) Help() string {
	return `Usage: bilancio plugins install [options] PATH

  Runs PATH's describe to learn the executor's name NAME, copies PATH into
  the plugin directory as bilancio-executor-NAME and writes NAME_SHA256SUM
  beside it. A binary that does not describe itself, or speaks no protocol
  version of this bilancio, is refused. Installing over an installed plugin
  replaces it.

Options:

` + core.Usage(c.flags(new(pluginsInstallFlags)))
}

type pluginsInstallFlags struct {
	dir, pluginDir string
	json           bool
}

func (c *PluginsInstallCommand) flags(f *pluginsInstallFlags) *flag.FlagSet {
	fs := core.FlagSet("plugins install")
	fs.StringVar(&f.dir, "dir", "", "the plugin directory to install into (default: -plugin-dir if given, else ~/.bilancio/plugins)")
	addPluginDirFlag(fs, &f.pluginDir)
	fs.BoolVar(&f.json, "json", false, "print what was installed as JSON")
	return fs
}

// Run implements cli.Command.
func (c *PluginsInstallCommand) Run(args []string) int {
	var f pluginsInstallFlags
	fs := c.flags(&f)
	pos, ok := core.ParseCommand(c.UI, fs, args, c.Help, 1, "exactly one binary")
	if !ok {
		return 1
	}
	dir := f.dir
	if dir == "" {
		dir = f.pluginDir
	}
	ctx := pluginsContext(c.Meta)
	inst, err := pluginhost.Install(ctx, pos[0], dir)
	if err != nil {
		c.UI.Error(fmt.Sprintf("Error: %v", err))
		return 1
	}
	if f.json {
		return pluginsJSON(c.Meta, inst)
	}
	c.UI.Output(fmt.Sprintf("Installed the %s executor %s as %s\n  %s: %s", inst.Name, inst.Info.Version, inst.Path, pluginhost.SumName(inst.Name), inst.SHA256))
	c.notePluginSearch(f.pluginDir, inst)
	return 0
}

// notePluginSearch warns when bilancio will not run the plugin just
// installed: its directory is not searched, or another binary of that name
// comes first.
func (c *PluginsInstallCommand) notePluginSearch(pluginDir string, inst *pluginhost.Installed) {
	opts := pluginOptions(pluginDir)
	dirs, err := pluginhost.SearchDirs(opts)
	if err != nil {
		return
	}
	searched := false
	for _, d := range dirs {
		searched = searched || d.Path == filepath.Dir(inst.Path)
	}
	if !searched {
		c.UI.Warn(fmt.Sprintf("Note: %s is not searched for plugins: pass -plugin-dir %[1]s, or add it to $%s", filepath.Dir(inst.Path), pluginhost.EnvPluginPath))
		return
	}
	if cand, err := pluginhost.Find(pluginsContext(c.Meta), opts, inst.Name); err == nil && cand.Path != inst.Path {
		c.UI.Warn(fmt.Sprintf("Note: bilancio will run %s instead, found earlier (%s) in the plugin search order", cand.Path, cand.Source))
	}
}

// PluginsRemoveCommand is `bilancio plugins remove NAME`.
type PluginsRemoveCommand struct {
	Meta
}

// Synopsis implements cli.Command.
func (c *PluginsRemoveCommand) Synopsis() string { return "Remove an installed executor plugin" }

// Help implements cli.Command.
func (c *PluginsRemoveCommand) Help() string {
	return `Usage: bilancio plugins remove [options] NAME

  Deletes bilancio-executor-NAME and NAME_SHA256SUM from the plugin
  directory.

Options:

` + core.Usage(c.flags(new(pluginsRemoveFlags)))
}

type pluginsRemoveFlags struct {
	dir, pluginDir string
}

func (c *PluginsRemoveCommand) flags(f *pluginsRemoveFlags) *flag.FlagSet {
	fs := core.FlagSet("plugins remove")
	fs.StringVar(&f.dir, "dir", "", "the plugin directory to remove it from (default: -plugin-dir if given, else ~/.bilancio/plugins)")
	addPluginDirFlag(fs, &f.pluginDir)
	return fs
}

// Run implements cli.Command.
func (c *PluginsRemoveCommand) Run(args []string) int {
	var f pluginsRemoveFlags
	fs := c.flags(&f)
	pos, ok := core.ParseCommand(c.UI, fs, args, c.Help, 1, "exactly one plugin name")
	if !ok {
		return 1
	}
	dir := f.dir
	if dir == "" {
		dir = f.pluginDir
	}
	if dir == "" {
		var err error
		if dir, err = pluginhost.DefaultUserDir(); err != nil {
			c.UI.Error(fmt.Sprintf("Error: %v", err))
			return 1
		}
	}
	if err := pluginhost.Remove(pos[0], dir); err != nil {
		c.UI.Error(fmt.Sprintf("Error: %v", err))
		return 1
	}
	c.UI.Output(fmt.Sprintf("Removed the %s executor plugin from %s", pos[0], dir))
	return 0
}
