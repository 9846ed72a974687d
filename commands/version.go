package commands

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// version and commit are set at build time with
// -ldflags "-X .../commands.version=... -X .../commands.commit=..." (the
// Makefile does); commit falls back to the VCS stamp of the build.
var (
	version = "0.1.0-dev"
	commit  = ""
)

// Version returns bilancio's version string.
func Version() string { return version }

// VersionCommand prints the version, the commit and the Go toolchain.
type VersionCommand struct {
	Meta
}

// Synopsis implements cli.Command.
func (c *VersionCommand) Synopsis() string { return "Print the bilancio version" }

// Help implements cli.Command.
func (c *VersionCommand) Help() string {
	return "Usage: bilancio version [-revisions]\n\n  Prints the version of bilancio, the commit it was built from and the Go version.\n\n  -revisions lists the revisions of bilancio (Python) that -bilancio-revision\n  reproduces, and what each one changes."
}

// Run implements cli.Command.
func (c *VersionCommand) Run(args []string) int {
	fs := flagSet("version")
	revisions := fs.Bool("revisions", false, "list bilancio's revisions and what each changes")
	if _, ok := parseCommand(c.UI, fs, args, c.Help(), 0, "no arguments"); !ok {
		return 1
	}
	if *revisions {
		c.UI.Output(renderRevisions())
		return 0
	}
	commit := commit
	if info, ok := debug.ReadBuildInfo(); ok && commit == "" {
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				commit = s.Value[:12]
			}
		}
	}
	if commit == "" {
		commit = "unknown"
	}
	c.UI.Output(fmt.Sprintf("bilancio v%s (commit %s, %s %s/%s)", version, commit, runtime.Version(), runtime.GOOS, runtime.GOARCH))
	return 0
}
