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

// PluginsListCommand is `bilancio plugins list`.
type PluginsListCommand struct {
	Meta
}

// Synopsis implements cli.Command.
func (c *PluginsListCommand) Synopsis() string {
	return "List the executor plugins found, with their checksum status"
}

// Help implements cli.Command.
func (c *PluginsListCommand) Help() string {
	return `Usage: bilancio plugins list [options]

  Lists the executor plugins found in the plugin directories (see
  ` + "`bilancio plugins -help`" + `): name, version, protocol versions, checksum status
  and path. The checksum status is verified (the binary matches its
  NAME_SHA256SUM), mismatch (it does not: the plugin will not run), or
  missing (no NAME_SHA256SUM: the binary is ignored). Versions come from
  running each verified binary's describe; unverified binaries are not run.
  The last line says what a sweep without an executor block (or -executor)
  runs on: the local executor's plugin when one is found, else the
  executor built into bilancio, in this process.

Options:

` + core.Usage(c.flags(new(pluginsListFlags)))
}

type pluginsListFlags struct {
	pluginDir string
	json, all bool
}

func (c *PluginsListCommand) flags(f *pluginsListFlags) *flag.FlagSet {
	fs := core.FlagSet("plugins list")
	addPluginDirFlag(fs, &f.pluginDir)
	fs.BoolVar(&f.json, "json", false, "print the list as JSON")
	fs.BoolVar(&f.all, "all", false, "also list binaries that are not used (shadowed by an earlier one, not executable)")
	return fs
}

// pluginRow is one plugin of the listing.
type pluginRow struct {
	Name             string                    `json:"name"`
	Version          string                    `json:"version,omitempty"`
	ProtocolVersions []int                     `json:"protocol_versions,omitempty"`
	Path             string                    `json:"path"`
	Source           pluginhost.Source         `json:"source"`
	Checksum         pluginhost.ChecksumStatus `json:"checksum"`
	// Active: this is the binary bilancio runs for Name.
	Active bool   `json:"active"`
	Note   string `json:"note,omitempty"`
}

// Run implements cli.Command.
func (c *PluginsListCommand) Run(args []string) int {
	var f pluginsListFlags
	fs := c.flags(&f)
	if _, ok := core.ParseCommand(c.UI, fs, args, c.Help, 0, "no arguments"); !ok {
		return 1
	}
	ctx := pluginsContext(c.Meta)
	opts := pluginOptions(f.pluginDir)
	searched, err := pluginhost.SearchDirs(opts)
	if err != nil {
		c.UI.Error(fmt.Sprintf("Error: %v", err))
		return 1
	}
	opts.All = true
	found, err := pluginhost.Discover(ctx, opts)
	if err != nil {
		c.UI.Error(fmt.Sprintf("Error: %v", err))
		return 1
	}
	rows := []pluginRow{}
	for _, cand := range found {
		status, _ := pluginhost.CheckStatus(cand)
		// Binaries without checksum are listed (so that one sees why they
		// are not used) unless another of the same name is used anyway.
		unsummed := status == pluginhost.ChecksumMissing && cand.ShadowedBy == ""
		if cand.Skipped != "" && !unsummed && !f.all {
			continue
		}
		row := pluginRow{Name: cand.Name, Path: cand.Path, Source: cand.Source, Checksum: status, Active: cand.Skipped == ""}
		if cand.Skipped != "" {
			row.Note = "not used: " + cand.Skipped
		}
		if status == pluginhost.ChecksumVerified {
			info, err := pluginhost.DescribeBinary(ctx, cand.Path)
			if err != nil {
				row.Note = joinNote(row.Note, fmt.Sprintf("describe failed: %v", err))
			} else {
				row.Version, row.ProtocolVersions = info.Version, info.ProtocolVersions
				if _, err := sdk.NegotiateProtocol(info.ProtocolVersions); err != nil {
					row.Note = joinNote(row.Note, fmt.Sprintf("incompatible: this bilancio speaks protocol %s", pluginsJoinInts(sdk.ProtocolVersions())))
				}
				if info.Name != cand.Name {
					row.Note = joinNote(row.Note, fmt.Sprintf("describes itself as %q", info.Name))
				}
			}
		}
		rows = append(rows, row)
	}
	// What a sweep without an executor block (or -executor) runs on.
	var def string
	if choice, err := pluginhost.Choose(ctx, "", nil, "", builtinExecutors(), pluginOptions(f.pluginDir)); err != nil {
		def = "none: " + err.Error()
	} else {
		def = choice.String()
	}
	if f.json {
		return pluginsJSON(c.Meta, struct {
			Plugins  []pluginRow            `json:"plugins"`
			Searched []pluginhost.SearchDir `json:"searched"`
			Default  string                 `json:"default_executor"`
		}{rows, searched, def})
	}
	defLine := "\n\nA sweep without an executor block runs on: " + def
	if len(rows) == 0 {
		var b strings.Builder
		b.WriteString("No executor plugins found. Searched:")
		for _, d := range searched {
			fmt.Fprintf(&b, "\n  %s (%s)", d.Path, d.Source)
		}
		c.UI.Output(b.String() + defLine)
		return 0
	}
	c.UI.Output(renderPluginRows(rows) + defLine)
	return 0
}

func joinNote(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// renderPluginRows renders the listing as a table.
func renderPluginRows(rows []pluginRow) string {
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	notes := false
	for _, r := range rows {
		notes = notes || r.Note != ""
	}
	header := "NAME\tVERSION\tPROTOCOL\tCHECKSUM\tPATH"
	if notes {
		header += "\tNOTE"
	}
	fmt.Fprintln(w, header)
	for _, r := range rows {
		version, protocol := r.Version, pluginsJoinInts(r.ProtocolVersions)
		if version == "" {
			version = "-"
		}
		if protocol == "" {
			protocol = "-"
		}
		line := fmt.Sprintf("%s\t%s\t%s\t%s\t%s", r.Name, version, protocol, r.Checksum, r.Path)
		if notes {
			line += "\t" + r.Note
		}
		fmt.Fprintln(w, line)
	}
	w.Flush()
	return strings.TrimRight(b.String(), "\n")
}
