// Package core holds the commands the bilancio binary serves itself — run,
// report, validate, analyze, ring generate, version: those of a single run,
// which link only the engine, the run folder and run.html — and what every
// command of bilancio shares: Meta, flag parsing and help, the hand-over of
// the other commands to bilancio-sweep (package commands), and the main
// program of both binaries (Program). One file per command; each parses its
// flags, calls the internal packages and renders the outcome.
package core

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/bilancio-go/bilancio/internal/ring"
)

// Meta is what every command shares: the process context (cancelled on the
// first Ctrl-C) and the terminal.
type Meta struct {
	Ctx context.Context
	UI  UI
}

// Commands returns the commands the bilancio binary serves itself, for
// hashicorp/cli.
func Commands(m Meta) map[string]CommandFactory {
	return map[string]CommandFactory{
		"run":     func() (Command, error) { return &RunCommand{Meta: m}, nil },
		"report":  func() (Command, error) { return &ReportCommand{Meta: m}, nil },
		"version": func() (Command, error) { return &VersionCommand{Meta: m}, nil },

		"ring":          func() (Command, error) { return &RingCommand{Meta: m}, nil },
		"ring generate": func() (Command, error) { return &RingGenerateCommand{Meta: m}, nil },

		"validate": func() (Command, error) { return &ValidateCommand{Meta: m}, nil },
		"analyze":  func() (Command, error) { return &AnalyzeCommand{Meta: m}, nil },
	}
}

// Table returns the command table of the bilancio binary: its Commands,
// and an entry per command it hands over to SweepBinary, so that its help
// lists them.
func Table(m Meta) map[string]CommandFactory {
	t := Commands(m)
	for _, h := range handedOverCommands() {
		t[h.name] = func() (Command, error) { return &handOverCommand{Meta: m, name: h.name, synopsis: h.synopsis}, nil }
	}
	return t
}

// FlagSet returns a flag set whose errors and usage go nowhere: commands
// report them through the UI themselves.
func FlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// Usage renders a command's flags for its Help text.
func Usage(fs *flag.FlagSet) string {
	var b strings.Builder
	bools := false
	fs.VisitAll(func(f *flag.Flag) {
		if f.Usage == "" {
			return // a spelling of another flag
		}
		if bf, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && bf.IsBoolFlag() {
			bools = true
		}
		b.WriteString("  -" + f.Name)
		name, text := flag.UnquoteUsage(f)
		if name != "" {
			b.WriteString(" " + name)
		}
		b.WriteString("\n      " + text)
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && !strings.Contains(f.Usage, "(default") {
			b.WriteString(" (default " + f.DefValue + ")")
		}
		b.WriteString("\n")
	})
	if bools {
		b.WriteString("\n  A boolean option -NAME is also -NAME=false, or -no-NAME as bilancio spells it\n  (--no-NAME); options take one dash or two.\n")
	}
	return b.String()
}

// ParseArgs parses flags that may come before, between or after the
// positional arguments (`bilancio run SCENARIO.yaml -out DIR`), and returns
// the positional arguments. A lone "--" ends the flags.
func ParseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	AddNegations(fs)
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(positional, rest...), nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// ParseCommand parses a command's flags and positional arguments, and
// reports a usage error (with the command's help) unless there are exactly
// want positional arguments, described by what ("one scenario file"); want
// -1 accepts any number. ok is false when the command must exit 1. The
// help is rendered only for an error (a command's Help renders its flags).
func ParseCommand(ui UI, fs *flag.FlagSet, args []string, help func() string, want int, what string) (pos []string, ok bool) {
	pos, err := ParseArgs(fs, args)
	if err != nil {
		ui.Error(fmt.Sprintf("Error: %v\n\n%s", err, help()))
		return nil, false
	}
	if want >= 0 && len(pos) != want {
		ui.Error(fmt.Sprintf("Error: %s needs %s\n\n%s", fs.Name(), what, help()))
		return nil, false
	}
	return pos, true
}

// ParentRun is the Run of a command that only groups subcommands (`sweep`,
// `plugins`…): it names an unknown subcommand, then asks for the group's
// help, which lists the subcommands and exits 1.
func ParentRun(ui UI, name string, args []string) int {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		ui.Error(fmt.Sprintf("Error: unknown command \"%s %s\"\n", name, args[0]))
	}
	return RunResultHelp
}

// RuledInt is a whole-number flag checked by rule (the package sweep or
// ring rule every input shares, so -retries -5 is refused as retries = -5
// is in a sweep file, with the same sentence); *dst is set when the flag is
// given.
func RuledInt(dst **int64, rule func(int64) string) func(string) error {
	return func(s string) error {
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if errors.Is(err, strconv.ErrRange) {
			return ring.IntOutOfRange(s)
		}
		if err != nil {
			return fmt.Errorf("not a whole number: %q", s)
		}
		if msg := rule(n); msg != "" {
			return errors.New(msg)
		}
		*dst = &n
		return nil
	}
}
