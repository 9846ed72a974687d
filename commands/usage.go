package commands

import (
	"encoding/json"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/bilancio-go/bilancio/commands/core"
	sbusage "github.com/bilancio-go/bilancio/internal/usage"
)

// UsageCommand is `bilancio usage`: the sandboxes remote sweeps used, with
// totals, across experiments.
type UsageCommand struct {
	Meta
}

// Synopsis implements cli.Command.
func (c *UsageCommand) Synopsis() string {
	return core.UsageSynopsis
}

// Help implements cli.Command.
func (c *UsageCommand) Help() string {
	return `Usage: bilancio usage [options]

  Lists every sandbox recorded in the usage.csv of the experiments under
  -out-dir (one row per Modal sandbox: experiment, sandbox id, purpose,
  start, duration, cores, memory, GPU, runs, estimated cost), oldest first,
  then the totals: sandboxes, sandbox-seconds, core-seconds, GiB-seconds
  and cost. The cost is priced with the executor's rate card when the
  sandbox ended (see "bilancio plugins describe modal" for the rates).

Options:

` + core.Usage(c.flags(new(usageFlags)))
}

// usageFlags are usage's flags.
type usageFlags struct {
	since  time.Duration
	json   bool
	outDir string
}

func (c *UsageCommand) flags(f *usageFlags) *flag.FlagSet {
	fs := core.FlagSet("usage")
	fs.DurationVar(&f.since, "since", 0, "only sandboxes started within this duration, e.g. 24h (default all)")
	fs.BoolVar(&f.json, "json", false, "print the sandboxes and totals as one JSON object")
	fs.StringVar(&f.outDir, "out-dir", "out/experiments", "the folder holding the experiment folders")
	return fs
}

// usageReport is usage's -json output.
type usageReport struct {
	Sandboxes []sbusage.Record `json:"sandboxes"`
	Totals    sbusage.Totals   `json:"totals"`
}

// Run implements cli.Command.
func (c *UsageCommand) Run(args []string) int {
	var f usageFlags
	fs := c.flags(&f)
	if _, ok := core.ParseCommand(c.UI, fs, args, c.Help, 0, "no arguments"); !ok {
		return 1
	}
	if f.since < 0 {
		c.UI.Error("Error: -since must not be negative")
		return 1
	}
	var since time.Time
	if f.since > 0 {
		since = time.Now().Add(-f.since)
	}
	recs, err := sbusage.Scan(f.outDir, since)
	if err != nil {
		c.UI.Error(fmt.Sprintf("Error: %v", err))
		return 1
	}
	tot := sbusage.Sum(recs)
	if f.json {
		if recs == nil {
			recs = []sbusage.Record{}
		}
		b, err := json.Marshal(usageReport{Sandboxes: recs, Totals: tot})
		if err != nil {
			c.UI.Error(fmt.Sprintf("Error: %v", err))
			return 1
		}
		c.UI.Output(string(b))
		return 0
	}
	if len(recs) == 0 {
		c.UI.Output(fmt.Sprintf("No sandbox usage recorded under %s.", f.outDir))
		return 0
	}
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "EXPERIMENT\tSANDBOX\tPURPOSE\tSTART (UTC)\tSECONDS\tCPU\tMEMORY MiB\tGPU\tRUNS\tCOST")
	for _, r := range recs {
		gpu := r.GPU
		if gpu == "" {
			gpu = "-"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%.1f\t%g\t%g\t%s\t%d\t%s\n", r.Experiment, r.SandboxID, r.Purpose,
			r.Start.UTC().Format("2006-01-02 15:04:05"), r.Seconds, r.CPU, r.MemoryMiB, gpu, r.Runs, money(r.Cost, r.Currency))
	}
	w.Flush()
	c.UI.Output(strings.TrimRight(b.String(), "\n"))
	c.UI.Output(fmt.Sprintf("\nTotal: %d sandboxes, %d runs, %.1f sandbox-seconds (%.1f core-s, %.1f GiB-s, %.1f GPU-s), %s",
		tot.Sandboxes, tot.Runs, tot.SandboxSeconds, tot.CoreSeconds, tot.GiBSeconds, tot.GPUSeconds, money(tot.Cost, tot.Currency)))
	return 0
}

// money renders a cost: dollars with enough digits for tiny sandboxes.
func money(v float64, currency string) string {
	if currency == "USD" || currency == "" {
		return fmt.Sprintf("$%.6f", v)
	}
	return fmt.Sprintf("%.6f %s", v, currency)
}
