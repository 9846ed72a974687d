package commands

import (
	"flag"
	"fmt"
	"os/exec"
	"path/filepath"
	"runtime"

	"github.com/bilancio-go/bilancio/commands/core"
	"github.com/bilancio-go/bilancio/internal/pluginhost"
	"github.com/bilancio-go/bilancio/internal/report/experiment"
	"github.com/bilancio-go/bilancio/internal/store"
)

// SweepReportCommand is `bilancio sweep report DIR [-open]`.
type SweepReportCommand struct {
	Meta
}

// Synopsis implements cli.Command.
func (c *SweepReportCommand) Synopsis() string {
	return "Build an experiment's dashboard and figures"
}

// Help implements cli.Command.
func (c *SweepReportCommand) Help() string {
	var open bool
	return `Usage: bilancio sweep report [options] DIR

  (Re)builds aggregate/dashboard.html (a self-contained page: summary,
  heatmaps of delta_total over kappa × concentration, lines against kappa,
  the frontier and a sortable table of the runs) and aggregate/figures/ (the
  same plots as SVG and PNG files, for papers) from an experiment folder.

  For a paired experiment (a comparison sweep's control/ and treatment/
  folders, or a balanced sweep's passive/ and active/, with
  aggregate/comparison.csv) the dashboard shows the pairs instead: the
  improved, unchanged and worsened pairs, relief heatmaps (mean
  delta_reduction, or trading_effect, over kappa × concentration) per mu
  (and per outside-mid ratio), the default rates of the two arms against
  each other, the dealer's PnL and trade counts, and a table of the pairs
  linking to each run's run.html; the figures are the relief heatmaps.

Options:

` + core.Usage(c.flags(&open))
}

func (c *SweepReportCommand) flags(open *bool) *flag.FlagSet {
	fs := core.FlagSet("sweep report")
	fs.BoolVar(open, "open", false, "open the dashboard in the browser (best effort)")
	return fs
}

// Run implements cli.Command.
func (c *SweepReportCommand) Run(args []string) int {
	var open bool
	fs := c.flags(&open)
	pos, ok := core.ParseCommand(c.UI, fs, args, c.Help, 1, "exactly one experiment folder")
	if !ok {
		return sweepExitError
	}
	dash, figs, err := c.write(pos[0])
	if err != nil {
		c.UI.Error("Error: cannot build the report: " + err.Error())
		return sweepExitError
	}
	c.UI.Output("  dashboard  " + dash)
	c.UI.Output(fmt.Sprintf("  figures    %d files in %s", len(figs), figuresDirOf(pos[0])))
	if open {
		if err := openBrowser(dash); err != nil {
			c.UI.Output("  open " + dash + " in a browser (" + err.Error() + ")")
		}
	}
	return sweepExitOK
}

// write builds the report of the experiment in dir.
func (c *SweepReportCommand) write(dir string) (string, []string, error) {
	return dashboards().WriteReport(sweepContext(c.Meta), dir)
}

// dashboards are the options of every experiment's dashboard: a sweep
// without an executor block ran on the local executor.
func dashboards() experiment.Options {
	return experiment.Options{DefaultExecutor: pluginhost.LocalExecutor}
}

// figuresDirOf is an experiment's figures folder.
func figuresDirOf(dir string) string {
	return filepath.Join(dir, filepath.FromSlash(store.FiguresDir))
}

// openBrowser opens path with the desktop's opener, without waiting.
func openBrowser(path string) error {
	name := "xdg-open"
	if runtime.GOOS == "darwin" {
		name = "open"
	}
	cmd := exec.Command(name, path)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", name, err)
	}
	go func() { _ = cmd.Wait() }()
	return nil
}
