package commands

import (
	"flag"
	"fmt"
	"time"

	"github.com/bilancio-go/bilancio/commands/core"
	"github.com/bilancio-go/bilancio/internal/sweep"
)

// SweepValidateCommand is `bilancio sweep validate FILE`.
type SweepValidateCommand struct {
	Meta
}

// Synopsis implements cli.Command.
func (c *SweepValidateCommand) Synopsis() string { return "Check a sweep file" }

// Help implements cli.Command.
func (c *SweepValidateCommand) Help() string {
	return `Usage: bilancio sweep validate [options] FILE

  Checks a sweep file (HCL, or one of bilancio's YAML sweep configs): its
  syntax, variables, designs and executor block, and that its runs can be
  generated. Problems are reported with file, line, column and the source.
  Nothing is run. Exit status 0 when valid, 1 otherwise.

Options:

` + core.Usage(c.flags(new(sweepValidateFlags)))
}

type sweepValidateFlags struct {
	sweepLoadFlags
	json bool
}

func (c *SweepValidateCommand) flags(f *sweepValidateFlags) *flag.FlagSet {
	fs := core.FlagSet("sweep validate")
	addLoadFlags(fs, &f.sweepLoadFlags)
	fs.BoolVar(&f.json, "json", false, "print one JSON object per line (docs/json-output.md)")
	return fs
}

// Run implements cli.Command.
func (c *SweepValidateCommand) Run(args []string) int {
	var f sweepValidateFlags
	fs := c.flags(&f)
	pos, ok := core.ParseCommand(c.UI, fs, args, c.Help, 1, "exactly one sweep file")
	if !ok {
		return sweepExitError
	}
	ctx := sweepContext(c.Meta)
	view := newSweepView(c.UI, f.json, nil)
	defer view.Close()
	spec := loadSweep(ctx, pos[0], &f.sweepLoadFlags, view)
	var plan *sweep.Plan
	if spec != nil {
		var err error
		if plan, err = sweep.NewPlan(spec); err != nil {
			view.Diagnostic("error", "Invalid sweep", err.Error())
		}
	}
	valid := plan != nil
	if jv, ok := view.(*jsonView); ok {
		kv := []any{"valid", valid}
		if valid {
			kv = append(kv, "runs", plan.StaticCount(), "frontier_cells", plan.FrontierCells())
		}
		msg := pos[0] + " is valid"
		if !valid {
			msg = pos[0] + " is not valid"
		}
		jv.line(time.Now(), "info", msg, "validate_summary", kv...)
	} else if valid {
		c.UI.Output(fmt.Sprintf("%s is valid: %s.", pos[0], planShape(plan)))
	}
	if !valid {
		return sweepExitError
	}
	return sweepExitOK
}

// planShape describes a plan: "125 runs (grid 125)".
func planShape(p *sweep.Plan) string {
	if kind := p.PairedKind(); kind != "" {
		roles, _ := sweep.ArmRoles(kind)
		return fmt.Sprintf("%d runs: %d %s pairs (%s and %s)", p.StaticCount(), p.GridCount(), kind, roles[0], roles[1])
	}
	s := fmt.Sprintf("%d runs (grid %d, lhs %d)", p.StaticCount(), p.GridCount(), p.LHSCount())
	if n := p.FrontierCells(); n > 0 {
		s += fmt.Sprintf(", then a frontier search over %d cells (at most %d runs)", n, p.MaxFrontierProbes())
	}
	return s
}
