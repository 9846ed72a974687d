package core

import (
	"flag"
	"fmt"
	"runtime"

	"github.com/bilancio-go/bilancio/internal/version"
)

// VersionCommand prints the version, the commit and the Go toolchain.
type VersionCommand struct {
	Meta
}

// Synopsis implements Command.
func (c *VersionCommand) Synopsis() string { return "Print the bilancio version" }

// Help implements Command.
func (c *VersionCommand) Help() string {
	return `Usage: bilancio version [-short] [-revisions]

  Prints the version of bilancio, the commit it was built from and the Go
  version. The same version is recorded as the engine of every run's
  manifest.json and reported by the executor plugins built with it.

  -revisions lists the revisions of bilancio (Python) that -bilancio-revision
  reproduces, and what each one changes.

Options:

` + Usage(c.flags(new(bool), new(bool)))
}

func (c *VersionCommand) flags(short, revisions *bool) *flag.FlagSet {
	fs := FlagSet("version")
	fs.BoolVar(short, "short", false, "print the version alone")
	fs.BoolVar(revisions, "revisions", false, "list bilancio's revisions and what each changes")
	return fs
}

// Run implements Command.
func (c *VersionCommand) Run(args []string) int {
	var short, revisions bool
	if _, ok := ParseCommand(c.UI, c.flags(&short, &revisions), args, c.Help, 0, "no arguments"); !ok {
		return 1
	}
	if revisions {
		c.UI.Output(renderRevisions())
		return 0
	}
	if short {
		c.UI.Output(version.Version())
		return 0
	}
	commit := version.Commit()
	if commit == "" {
		commit = "unknown"
	}
	c.UI.Output(fmt.Sprintf("bilancio v%s (commit %s, %s %s/%s)", version.Version(), commit, runtime.Version(), runtime.GOOS, runtime.GOARCH))
	return 0
}
