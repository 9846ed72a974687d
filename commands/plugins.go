package commands

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/hashicorp/go-hclog"

	"github.com/bilancio-go/bilancio/commands/core"
	"github.com/bilancio-go/bilancio/internal/pluginhost"
)

// PluginsCommand is `bilancio plugins`: the parent of the plugin commands.
type PluginsCommand struct {
	Meta
}

// Synopsis implements cli.Command.
func (c *PluginsCommand) Synopsis() string {
	return core.PluginsSynopsis
}

// Help implements cli.Command.
func (c *PluginsCommand) Help() string {
	return `Usage: bilancio plugins <subcommand> [options] [args]

  Executor plugins run bilancio's simulations here or in the cloud. Each is a
  binary named bilancio-executor-NAME with a NAME_SHA256SUM file beside it
  (the hex SHA-256 of the binary); a binary whose checksum is missing or does
  not match is never run. Plugins are looked for, first match per name, in:

    1. the -plugin-dir flag
    2. $BILANCIO_PLUGIN_PATH (directories separated like PATH)
    3. ./.bilancio/plugins
    4. ~/.bilancio/plugins (where install puts them)
    5. the directory of the bilancio binary

  Set BILANCIO_LOG=debug to see every candidate and why it was taken or
  skipped.

Subcommands:

    list       List the plugins found, with their checksum status
    describe   Show a plugin's capabilities and configuration schema
    install    Copy a plugin binary into a plugin directory with its checksum
    remove     Remove an installed plugin`
}

// Run implements cli.Command.
func (c *PluginsCommand) Run(args []string) int { return core.ParentRun(c.UI, "plugins", args) }

// pluginsContext is a plugin command's context.
func pluginsContext(m Meta) context.Context {
	if m.Ctx == nil {
		return context.Background()
	}
	return m.Ctx
}

// pluginLogger is the logger of the plugin host: stderr, at the level of
// BILANCIO_LOG (errors only by default, which includes plugin crashes).
func pluginLogger() hclog.Logger {
	level := hclog.Error
	if l := hclog.LevelFromString(os.Getenv("BILANCIO_LOG")); l != hclog.NoLevel {
		level = l
	}
	return hclog.New(&hclog.LoggerOptions{Name: "bilancio", Level: level, Output: os.Stderr})
}

// pluginOptions are the discovery options of a command.
func pluginOptions(pluginDir string) pluginhost.Options {
	return pluginhost.Options{PluginDir: pluginDir, Logger: pluginLogger()}
}

// addPluginDirFlag adds the -plugin-dir flag every plugin command takes.
func addPluginDirFlag(fs *flag.FlagSet, dir *string) {
	fs.StringVar(dir, "plugin-dir", "", "a directory searched for plugins before the others")
}

// pluginsJSON prints v as indented JSON and returns the exit code.
func pluginsJSON(m Meta, v any) int {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		m.UI.Error(fmt.Sprintf("Error: %v", err))
		return 1
	}
	m.UI.Output(string(b))
	return 0
}

// pluginsJoinInts renders [1 2] as "1,2".
func pluginsJoinInts(vs []int) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = fmt.Sprint(v)
	}
	return strings.Join(s, ",")
}
