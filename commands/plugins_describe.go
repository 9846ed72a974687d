package commands

import (
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/bilancio-go/bilancio/commands/core"
	"github.com/bilancio-go/bilancio/internal/pluginhost"
	"github.com/bilancio-go/bilancio/sdk"
)

// PluginsDescribeCommand is `bilancio plugins describe NAME`.
type PluginsDescribeCommand struct {
	Meta
}

// Synopsis implements cli.Command.
func (c *PluginsDescribeCommand) Synopsis() string {
	return "Show an executor plugin's capabilities and configuration schema"
}

// Help implements cli.Command.
func (c *PluginsDescribeCommand) Help() string {
	return `Usage: bilancio plugins describe [options] NAME

  Finds the executor plugin NAME, verifies its checksum, starts it, and
  shows what it says of itself over the plugin protocol: its version, the
  protocol versions it speaks, its capabilities and the attributes of its
  configuration block in a sweep file.

Options:

` + core.Usage(c.flags(new(pluginsDescribeFlags)))
}

type pluginsDescribeFlags struct {
	pluginDir string
	json      bool
}

func (c *PluginsDescribeCommand) flags(f *pluginsDescribeFlags) *flag.FlagSet {
	fs := core.FlagSet("plugins describe")
	addPluginDirFlag(fs, &f.pluginDir)
	fs.BoolVar(&f.json, "json", false, "print the description as JSON")
	return fs
}

// pluginDescription is what `plugins describe -json` prints.
type pluginDescription struct {
	sdk.Info
	Path string `json:"path"`
	// Protocol is the protocol version negotiated with this bilancio.
	Protocol int `json:"protocol"`
}

// Run implements cli.Command.
func (c *PluginsDescribeCommand) Run(args []string) int {
	var f pluginsDescribeFlags
	fs := c.flags(&f)
	pos, ok := core.ParseCommand(c.UI, fs, args, c.Help, 1, "exactly one plugin name")
	if !ok {
		return 1
	}
	ctx := pluginsContext(c.Meta)
	opts := pluginOptions(f.pluginDir)
	cand, err := pluginhost.Find(ctx, opts, pos[0])
	if err != nil {
		c.UI.Error(fmt.Sprintf("Error: %v", err))
		return 1
	}
	p, err := pluginhost.Open(ctx, cand, pluginhost.WithLogger(opts.Logger))
	if err != nil {
		c.UI.Error(fmt.Sprintf("Error: %v", err))
		return 1
	}
	info := *p.Info()
	desc := pluginDescription{Info: info, Path: p.Path(), Protocol: p.ProtocolVersion()}
	if err := p.Close(); err != nil {
		c.UI.Warn(fmt.Sprintf("Warning: %v", err))
	}
	if f.json {
		return pluginsJSON(c.Meta, desc)
	}
	c.UI.Output(renderDescription(desc))
	return 0
}

// renderDescription renders a plugin's description for people.
func renderDescription(d pluginDescription) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s\n", d.Name, d.Version)
	fmt.Fprintf(&b, "  path          %s\n", d.Path)
	fmt.Fprintf(&b, "  protocol      %d (the plugin speaks %s; sdk %s)\n", d.Protocol, pluginsJoinInts(d.ProtocolVersions), d.SDKVersion)
	c := d.Capabilities
	var caps []string
	for _, cap := range []struct {
		name string
		on   bool
	}{{"cancel", c.Cancel}, {"estimate", c.Estimate}, {"artifacts", c.Artifacts}, {"remote", c.Remote}, {"detach", c.Detach}} {
		if cap.on {
			caps = append(caps, cap.name)
		}
	}
	if len(caps) == 0 {
		caps = append(caps, "none")
	}
	fmt.Fprintf(&b, "  capabilities  %s\n", strings.Join(caps, ", "))
	if c.MaxParallelHint > 0 {
		fmt.Fprintf(&b, "  parallel      %d runs at once by default\n", c.MaxParallelHint)
	}
	if len(d.ConfigSchema) == 0 {
		b.WriteString("\nConfiguration: none")
		return b.String()
	}
	b.WriteString("\nConfiguration (the executor's config block):\n")
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "  ATTRIBUTE\tTYPE\tDEFAULT\tENV\tDESCRIPTION")
	for _, a := range d.ConfigSchema {
		def := a.Default
		switch {
		case a.Required:
			def = "(required)"
		case def == "":
			def = "-"
		}
		env := a.Env
		if env == "" {
			env = "-"
		}
		fmt.Fprintf(w, "  %s\t%s\t%s\t%s\t%s\n", a.Name, a.Type, def, env, a.Description)
	}
	w.Flush()
	return strings.TrimRight(b.String(), "\n")
}
