package core

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/bilancio-go/bilancio/internal/version"
)

// Command is a command of bilancio. It is hashicorp/cli's Command, which
// bilancio-sweep's commands implement: bilancio serves its own commands
// without linking hashicorp/cli (whose help templates bring sprig, semver
// and crypto packages to initialise at every start).
type Command interface {
	// Help is the command's long help text.
	Help() string
	// Run runs the command with its arguments and returns the exit code,
	// or RunResultHelp.
	Run(args []string) int
	// Synopsis is the one line that command lists show.
	Synopsis() string
}

// CommandFactory makes a command (hashicorp/cli's CommandFactory).
type CommandFactory func() (Command, error)

// RunResultHelp, returned by Run, shows the command's help on stderr and
// exits 1; it is hashicorp/cli's value (TestRunResultHelp in commands).
const RunResultHelp = -18511

// UI is the terminal as commands use it: hashicorp/cli's Ui, which its
// BasicUi and MockUi implement.
type UI interface {
	Ask(query string) (string, error)
	AskSecret(query string) (string, error)
	Output(message string)
	Info(message string)
	Error(message string)
	Warn(message string)
}

// basicUI is a UI on the process's standard streams, as hashicorp/cli's
// BasicUi writes: a line per message, errors and warnings on stderr.
type basicUI struct {
	in          io.Reader
	out, errOut io.Writer
}

func (u *basicUI) Output(m string) { fmt.Fprintln(u.out, m) }
func (u *basicUI) Info(m string)   { fmt.Fprintln(u.out, m) }
func (u *basicUI) Error(m string)  { fmt.Fprintln(u.errOut, m) }
func (u *basicUI) Warn(m string)   { fmt.Fprintln(u.errOut, m) }

// Ask prints the query and reads a line (none of bilancio's own commands
// asks anything; bilancio-sweep's ask through hashicorp/cli's BasicUi).
func (u *basicUI) Ask(query string) (string, error) {
	fmt.Fprint(u.out, query+" ")
	line, err := bufio.NewReader(u.in).ReadString('\n')
	return strings.TrimRight(line, "\r\n"), err
}

// AskSecret is Ask (the input is not hidden).
func (u *basicUI) AskSecret(query string) (string, error) { return u.Ask(query) }

// Dispatch runs a command line (without the program name) with bilancio's
// own commands (Table) on the process's terminal, and returns the exit
// code: a usage error (no command, or an unknown one) is 1.
func Dispatch(ctx context.Context, args []string) int {
	ui := &basicUI{in: os.Stdin, out: os.Stdout, errOut: os.Stderr}
	code := dispatch(version.Version(), Table(Meta{Ctx: ctx, UI: ui}), HiddenCommands(), args, os.Stdout, os.Stderr)
	return NoCommand(code, commandWord(args), os.Stderr)
}

// HiddenCommands are the commands the lists of commands leave out: the
// development helpers (the Modal emulator).
func HiddenCommands() []string { return []string{"dev"} }

// NoCommand turns the 127 of a dispatcher that found no command (it has
// printed the list of commands) into a usage error: it says which word
// named none, and returns 1. Other exit codes pass through.
func NoCommand(code int, word string, stderr io.Writer) int {
	if code != 127 {
		return code
	}
	if word != "" && word != "help" {
		fmt.Fprintf(stderr, "bilancio: unknown command %q (see the commands above)\n", word)
	}
	return 1
}

// commandWord is the first argument that is not an option: what was typed
// as the command.
func commandWord(args []string) string {
	for _, a := range args {
		if a == "--" {
			break
		}
		if a != "" && a[0] != '-' {
			return a
		}
	}
	return ""
}

// dispatch runs a command line (without the program name) against table
// as hashicorp/cli does (the same arguments, help texts and exit codes, so
// that bilancio and bilancio-sweep read alike): -version (-v) prints
// version; -help (-h) anywhere before "--" shows the help of the command
// named, or the list of commands; the command is the longest run of
// leading words that names one ("ring generate"); one that names none
// lists the commands of its group on stderr and returns 127.
func dispatch(version string, table map[string]CommandFactory, hidden []string, args []string, stdout, stderr io.Writer) int {
	var (
		help, showVersion bool
		sub               string
		subArgs           []string
		topFlags          []string
	)
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if arg == "--" {
			break
		}
		if arg == "-h" || arg == "-help" || arg == "--help" {
			help = true
			continue
		}
		if sub != "" {
			continue
		}
		if arg == "-v" || arg == "-version" || arg == "--version" {
			showVersion = true
			continue
		}
		if arg != "" && arg[0] == '-' {
			topFlags = append(topFlags, arg)
			continue
		}
		if arg == "" {
			continue
		}
		// The longest run of plain words from here that names a command.
		sub = arg
		j := i + 1
		for j < len(args) && args[j] != "" && args[j][0] != '-' && !strings.ContainsRune(args[j], ' ') {
			j++
		}
		for k := j; k > i+1; k-- {
			if _, ok := table[strings.Join(args[i:k], " ")]; ok {
				sub = strings.Join(args[i:k], " ")
				i = k - 1
				break
			}
		}
		subArgs = args[i+1:]
	}

	if showVersion {
		fmt.Fprintln(stdout, version)
		return 0
	}
	if help && sub == "" {
		fmt.Fprintln(stdout, listCommands(table, hidden, ""))
		return 0
	}
	factory, ok := table[sub]
	if !ok {
		parent := ""
		if i := strings.LastIndex(sub, " "); i >= 0 {
			parent = sub[:i]
		}
		fmt.Fprintln(stderr, listCommands(table, hidden, parent))
		return 127
	}
	cmd, err := factory()
	if err != nil {
		fmt.Fprintf(stderr, "bilancio: %v\n", err)
		return 1
	}
	if help {
		fmt.Fprint(stdout, commandHelp(table, hidden, sub, cmd))
		return 0
	}
	if len(topFlags) > 0 {
		fmt.Fprint(stderr, "Invalid flags before the subcommand. If these flags are for\nthe subcommand, please put them after the subcommand.\n\n")
		fmt.Fprint(stderr, commandHelp(table, hidden, sub, cmd))
		return 1
	}
	code := cmd.Run(subArgs)
	if code == RunResultHelp {
		fmt.Fprint(stderr, commandHelp(table, hidden, sub, cmd))
		return 1
	}
	return code
}

// children are the commands one word below prefix ("" for the top level),
// without the hidden ones, sorted.
func children(table map[string]CommandFactory, hidden []string, prefix string) []string {
	if prefix != "" {
		prefix += " "
	}
	var out []string
	for k := range table {
		if strings.HasPrefix(k, prefix) && !strings.Contains(k[len(prefix):], " ") && k != prefix && !slices.Contains(hidden, k) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// listCommands is hashicorp/cli's list of the commands under prefix.
func listCommands(table map[string]CommandFactory, hidden []string, prefix string) string {
	var b strings.Builder
	b.WriteString("Usage: bilancio [--version] [--help] <command> [<args>]\n\nAvailable commands are:\n")
	writeSynopses(&b, table, children(table, hidden, prefix), false)
	return b.String()
}

// writeSynopses writes hashicorp/cli's rows of commands and synopses, the
// names padded to the longest of keys: each row ends in a newline, or
// (subcommands) starts with one and names only the last word.
func writeSynopses(b *strings.Builder, table map[string]CommandFactory, keys []string, subcommands bool) {
	width := 0
	for _, k := range keys {
		width = max(width, len(k))
	}
	for _, k := range keys {
		c, err := table[k]()
		if err != nil {
			continue
		}
		pad := strings.Repeat(" ", width-len(k))
		if subcommands {
			fmt.Fprintf(b, "\n    %s%s    %s", k[strings.LastIndex(k, " ")+1:], pad, c.Synopsis())
		} else {
			fmt.Fprintf(b, "    %s%s    %s\n", k, pad, c.Synopsis())
		}
	}
}

// commandHelp is hashicorp/cli's help of a command: its Help, then its
// subcommands with their synopses.
func commandHelp(table map[string]CommandFactory, hidden []string, name string, cmd Command) string {
	var b strings.Builder
	b.WriteString(cmd.Help())
	keys := children(table, hidden, name)
	if len(keys) > 0 {
		b.WriteString("\n\nSubcommands:")
		writeSynopses(&b, table, keys, true)
	}
	b.WriteString("\n")
	return b.String()
}
