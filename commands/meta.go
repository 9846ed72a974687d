// Package commands holds bilancio's CLI commands, one file per command. Each
// command parses its flags, calls the internal packages and renders the
// outcome; the logic lives in those packages.
package commands

import (
	"context"
	"flag"
	"io"
	"strings"

	"github.com/hashicorp/cli"
)

// Meta is what every command shares: the process context (cancelled on the
// first Ctrl-C) and the terminal.
type Meta struct {
	Ctx context.Context
	UI  cli.Ui
}

// Table returns the command table for hashicorp/cli.
func Table(m Meta) map[string]cli.CommandFactory {
	return map[string]cli.CommandFactory{
		"run":     func() (cli.Command, error) { return &RunCommand{Meta: m}, nil },
		"version": func() (cli.Command, error) { return &VersionCommand{Meta: m}, nil },
	}
}

// flagSet returns a flag set whose errors and usage go nowhere: commands
// report them through the UI themselves.
func flagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// usage renders a command's flags for its Help text.
func usage(fs *flag.FlagSet) string {
	var b strings.Builder
	fs.VisitAll(func(f *flag.Flag) {
		b.WriteString("  -" + f.Name)
		if name, _ := flag.UnquoteUsage(f); name != "" {
			b.WriteString(" " + name)
		}
		b.WriteString("\n      " + f.Usage)
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" {
			b.WriteString(" (default " + f.DefValue + ")")
		}
		b.WriteString("\n")
	})
	return b.String()
}
