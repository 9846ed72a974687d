package commands

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/bilancio-go/bilancio/internal/report"
	"github.com/bilancio-go/bilancio/internal/sweep"
)

// SweepCompareCommand is `bilancio sweep compare DIR_A DIR_B`.
type SweepCompareCommand struct {
	Meta
}

type sweepCompareFlags struct {
	out  string
	json bool
}

// Synopsis implements cli.Command.
func (c *SweepCompareCommand) Synopsis() string {
	return "Compare two experiments run by run"
}

// Help implements cli.Command.
func (c *SweepCompareCommand) Help() string {
	return `Usage: bilancio sweep compare [options] CONTROL_DIR TREATMENT_DIR

  Matches the runs of two experiments by (kappa, concentration, mu,
  monotonicity, seed) and writes comparison.csv (bilancio's columns:
  delta_control, delta_treatment, delta_reduction = control − treatment,
  relief_ratio = reduction / control, …) and comparison.html (the two side
  by side: a heatmap of the reduction and the table of pairs).

Options:

` + usage(c.flags(new(sweepCompareFlags)))
}

func (c *SweepCompareCommand) flags(f *sweepCompareFlags) *flag.FlagSet {
	fs := flagSet("sweep compare")
	fs.StringVar(&f.out, "out", "", "folder for comparison.csv and comparison.html (default: CONTROL_DIR/aggregate)")
	fs.BoolVar(&f.json, "json", false, "print the rows as one JSON object per line")
	return fs
}

// Run implements cli.Command.
func (c *SweepCompareCommand) Run(args []string) int {
	var f sweepCompareFlags
	fs := c.flags(&f)
	pos, ok := parseCommand(c.UI, fs, args, c.Help(), 2, "two experiment folders (control, treatment)")
	if !ok {
		return sweepExitError
	}
	if err := c.compare(pos[0], pos[1], &f); err != nil {
		c.UI.Error("Error: cannot compare the experiments: " + err.Error())
		return sweepExitError
	}
	return sweepExitOK
}

// compare writes the comparison files and prints the outcome.
func (c *SweepCompareCommand) compare(dirA, dirB string, f *sweepCompareFlags) error {
	a, err := sweep.LoadDashboard(dirA)
	if err != nil {
		return err
	}
	b, err := sweep.LoadDashboard(dirB)
	if err != nil {
		return err
	}
	rows, err := report.Compare(a, b)
	if err != nil {
		return err
	}
	out := f.out
	if out == "" {
		out = filepath.Join(dirA, "aggregate")
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", out, err)
	}
	var csvBuf, htmlBuf bytes.Buffer
	if err := report.WriteComparisonCSV(&csvBuf, rows); err != nil {
		return err
	}
	if err := report.WriteComparison(&htmlBuf, a, b, rows); err != nil {
		return err
	}
	csvPath, htmlPath := filepath.Join(out, "comparison.csv"), filepath.Join(out, "comparison.html")
	if err := os.WriteFile(csvPath, csvBuf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("writing comparison.csv: %w", err)
	}
	if err := os.WriteFile(htmlPath, htmlBuf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("writing comparison.html: %w", err)
	}
	if f.json {
		cols := report.ComparisonColumns()
		for i := range rows {
			m := map[string]string{}
			for j, v := range rows[i].Record() {
				m[cols[j]] = v
			}
			line, err := json.Marshal(m)
			if err != nil {
				return fmt.Errorf("encoding a row: %w", err)
			}
			c.UI.Output(string(line))
		}
		return nil
	}
	c.UI.Output(fmt.Sprintf("  %d rows\n  csv   %s\n  html  %s", len(rows), csvPath, htmlPath))
	return nil
}
