package core

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/bilancio-go/bilancio/internal/engine"
	"github.com/bilancio-go/bilancio/internal/revision"
)

// ValidateCommand is `bilancio validate SCENARIO.yaml`: bilancio's check of
// a scenario file without running it.
type ValidateCommand struct {
	Meta
}

// Synopsis implements Command.
func (c *ValidateCommand) Synopsis() string { return "Check a scenario file without running it" }

// Help implements Command.
func (c *ValidateCommand) Help() string {
	return `Usage: bilancio validate [options] SCENARIO.yaml

  Checks a scenario as bilancio's validate does: the file is read and
  validated (a generator spec is compiled first, and its compiled scenario
  written where compile.emit_yaml says, as bilancio writes it), the initial
  actions are applied to a new system, and the accounting invariants are
  checked. Nothing is simulated and no run folder is written. Problems are
  reported as FILE:LINE:COL: message, with exit code 1.

Options:

` + Usage(c.flags(new(validateFlags)))
}

type validateFlags struct {
	revision string
	quiet    bool
}

func (c *ValidateCommand) flags(f *validateFlags) *flag.FlagSet {
	fs := FlagSet("validate")
	AddRevisionFlag(fs, &f.revision)
	fs.BoolVar(&f.quiet, "quiet", false, "print nothing but errors")
	return fs
}

// Run implements Command.
func (c *ValidateCommand) Run(args []string) int {
	var f validateFlags
	fs := c.flags(&f)
	pos, ok := ParseCommand(c.UI, fs, args, c.Help, 1, "exactly one scenario file")
	if !ok {
		return 1
	}
	path := pos[0]
	rev, err := revision.Lookup(f.revision)
	if err != nil {
		c.UI.Error("Error: -" + RevisionFlagName + ": " + err.Error())
		return 1
	}
	data, err := os.ReadFile(path)
	if err != nil {
		c.UI.Error(fmt.Sprintf("Error: %v", err))
		return 1
	}
	out := func(s string) {
		if !f.quiet {
			c.UI.Output(s)
		}
	}
	out("Validating " + path + "...")
	sc, err := engine.LoadWith(path, data, rev.Load())
	if err != nil {
		var le *engine.LoadError
		if errors.As(err, &le) {
			c.UI.Error("Validation failed: " + le.Error())
		} else {
			c.UI.Error(fmt.Sprintf("Validation failed: %v", err))
		}
		return 1
	}
	if !f.quiet {
		for _, n := range sc.Notes {
			c.UI.Warn("Warning: " + n.Error())
		}
	}
	if cs := sc.Compiled; cs != nil && cs.EmitPath != "" {
		if err := writeFileMkdir(cs.EmitPath, cs.YAML); err != nil {
			c.UI.Error(fmt.Sprintf("Error: writing the compiled scenario: %v", err))
			return 1
		}
		out("OK Compiled the generator spec (" + cs.Generator + ") to " + cs.EmitPath)
	}
	out("OK Configuration syntax is valid")
	out("  Name: " + sc.Name)
	out(fmt.Sprintf("  Version: %d", sc.Version))
	out(fmt.Sprintf("  Agents: %d", len(sc.Agents)))
	out(fmt.Sprintf("  Initial actions: %d", len(sc.InitialActions)))
	out("Checking if configuration can be applied...")
	if err := engine.Apply(c.Ctx, sc); err != nil {
		c.UI.Error(fmt.Sprintf("Validation failed: %s: %v", path, err))
		return 1
	}
	out("OK Configuration can be applied successfully")
	out("OK System invariants pass")
	var b strings.Builder
	b.WriteString("\nConfiguration is valid!\n\nAgents defined:")
	for _, a := range sc.Agents {
		fmt.Fprintf(&b, "\n  • %s (%s): %s", a.ID, a.Kind, a.Name)
	}
	if r := sc.Run; r.ExportBalances != "" || r.ExportEvents != "" {
		b.WriteString("\n\nExports configured:")
		if r.ExportBalances != "" {
			b.WriteString("\n  • Balances: " + r.ExportBalances)
		}
		if r.ExportEvents != "" {
			b.WriteString("\n  • Events: " + r.ExportEvents)
		}
	}
	out(b.String())
	return 0
}
