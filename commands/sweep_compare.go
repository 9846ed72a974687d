package commands

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/bilancio-go/bilancio/commands/core"
	"github.com/bilancio-go/bilancio/internal/artifacts"

	"github.com/bilancio-go/bilancio/internal/report"
	"github.com/bilancio-go/bilancio/internal/report/experiment"
	"github.com/bilancio-go/bilancio/internal/store"
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
	return `Usage: bilancio sweep compare [options] PAIRED_DIR
       bilancio sweep compare [options] CONTROL_DIR TREATMENT_DIR

  With one folder, a paired sweep (sweep comparison / sweep balanced),
  prints its paired table from aggregate/comparison.csv: per parameter
  point, the two arms' delta_total, the reduction (or trading effect) and
  relief ratio, and the dealer's trades and PnL; -json prints the rows of
  comparison.csv as JSON objects.

  With two folders, matches the runs of two experiments by (kappa, concentration, mu,
  monotonicity, seed) and writes comparison.csv (bilancio's columns:
  delta_control, delta_treatment, delta_reduction = control − treatment,
  relief_ratio = reduction / control, …) and comparison.html (the paired
  dashboard of the matched runs: relief heatmaps, δ against δ, the table
  of pairs linking both runs).

Options:

` + core.Usage(c.flags(new(sweepCompareFlags)))
}

func (c *SweepCompareCommand) flags(f *sweepCompareFlags) *flag.FlagSet {
	fs := core.FlagSet("sweep compare")
	fs.StringVar(&f.out, "out", "", "folder for comparison.csv and comparison.html (default: CONTROL_DIR/aggregate)")
	fs.BoolVar(&f.json, "json", false, "print the rows as one JSON object per line")
	return fs
}

// Run implements cli.Command.
func (c *SweepCompareCommand) Run(args []string) int {
	var f sweepCompareFlags
	fs := c.flags(&f)
	core.AddNegations(fs)
	if err := fs.Parse(args); err != nil {
		return sweepExitError
	}
	if fs.NArg() == 1 {
		if err := c.paired(fs.Arg(0), &f); err != nil {
			c.UI.Error("Error: cannot show the paired table: " + err.Error())
			return sweepExitError
		}
		return sweepExitOK
	}
	pos, ok := core.ParseCommand(c.UI, fs, args, c.Help, 2, "one paired experiment folder, or two experiment folders (control, treatment)")
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
	cmp, err := dashboards().WriteComparison(dirA, dirB, f.out)
	if err != nil {
		return err
	}
	if f.json {
		cols := report.ComparisonColumns()
		for i := range cmp.Rows {
			m := map[string]string{}
			for j, v := range cmp.Rows[i].Record() {
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
	c.UI.Output(fmt.Sprintf("  %d rows\n  csv   %s\n  html  %s", len(cmp.Rows), cmp.CSV, cmp.HTML))
	return nil
}

// paired prints the paired table of a paired sweep's folder.
func (c *SweepCompareCommand) paired(dir string, f *sweepCompareFlags) error {
	if !experiment.IsPaired(dir) {
		return fmt.Errorf("%s is not a paired sweep (give two experiment folders to compare them)", dir)
	}
	d, err := dashboards().LoadPaired(sweepContext(c.Meta), dir)
	if err != nil {
		return err
	}
	if f.json {
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(store.ComparisonFile)))
		if err != nil {
			return err
		}
		recs, err := artifacts.ReadCSVDicts(bytes.NewReader(data))
		if err != nil {
			return fmt.Errorf("reading %s: %w", store.ComparisonFile, err)
		}
		for _, r := range recs {
			line, err := json.Marshal(r)
			if err != nil {
				return fmt.Errorf("encoding a row: %w", err)
			}
			c.UI.Output(string(line))
		}
		return nil
	}
	var arms [2]string
	arms[0], arms[1] = d.Layout.Arms()
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	head := "kappa\tc\tmu\t"
	if d.Layout == report.PairedBalanced {
		head += "rho\t"
	}
	fmt.Fprintf(tw, "%sseed\tdelta %s\tdelta %s\teffect\trelief\ttrades\tdealer PnL\t\n", head, arms[0], arms[1])
	short := func(s string) string {
		if v, err := strconv.ParseFloat(s, 64); err == nil {
			return strconv.FormatFloat(v, 'g', 4, 64)
		}
		if s == "" {
			return "-"
		}
		return s
	}
	for _, r := range d.Pairs {
		row := r.Kappa + "\t" + r.Concentration + "\t" + r.Mu + "\t"
		if d.Layout == report.PairedBalanced {
			row += r.OutsideMidRatio + "\t"
		}
		fmt.Fprintf(tw, "%s%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", row, r.Seed, short(r.DeltaControl), short(r.DeltaTreatment),
			short(r.Effect), short(r.ReliefRatio), short(r.Trades), short(r.DealerPnL))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	st := report.SummarizePairs(d.Pairs)
	fmt.Fprintf(&b, "%d pairs (%d complete): %d improved, %d unchanged, %d worsened; mean delta %s %.4g, %s %.4g",
		st.Pairs, st.Completed, st.Improved, st.Unchanged, st.Worsened, arms[0], st.MeanDeltaControl, arms[1], st.MeanDeltaTreatment)
	c.UI.Output(b.String())
	return nil
}
