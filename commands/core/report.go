package core

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/bilancio-go/bilancio/internal/engine"
	"github.com/bilancio-go/bilancio/internal/runner"
	"github.com/bilancio-go/bilancio/sdk/runfolder"
)

// ReportCommand is `bilancio report RUN_DIR`: it rebuilds what a run folder
// does not keep.
type ReportCommand struct {
	Meta
}

// Synopsis implements Command.
func (c *ReportCommand) Synopsis() string {
	return "Rebuild a run's run.html (or every file it does not keep) from its scenario"
}

// Help implements Command.
func (c *ReportCommand) Help() string {
	return `Usage: bilancio report [options] RUN_DIR | EXPERIMENT_DIR

  Writes RUN_DIR/run.html again, for a run folder that does not keep it (a
  sweep with artifacts = "no_html" or "aggregates"), and any file its
  manifest lists that was removed since. With -all it also writes every
  out/ file the folder lacks. bilancio's runs are
  deterministic: the files come from simulating RUN_DIR/scenario.yaml
  again, and every file the manifest lists is checked against the new run
  first, so what is written is exactly what the run would have kept. A run
  made with options other than these is refused, naming the file that
  differs. Files the folder has are left alone, and so is its manifest.

  Given an experiment folder instead, it does so for every complete run of
  it (both arms of a paired sweep), on every core; the exit status is 2
  when some runs could not be rebuilt.

Options:

` + Usage(c.flags(new(reportFlags)))
}

type reportFlags struct {
	all, detailed, truncate bool
	maxDays, quietDays      int
	defaultHandling, era    string
}

func (c *ReportCommand) flags(f *reportFlags) *flag.FlagSet {
	fs := FlagSet("report")
	reportOptionFlags(fs, f)
	return fs
}

// reportOptionFlags are report's flags: -all, and the options of bilancio
// run that change a run's files.
func reportOptionFlags(fs *flag.FlagSet, f *reportFlags) {
	fs.BoolVar(&f.all, "all", false, "also write every out/ file the folder lacks, not only run.html")
	fs.IntVar(&f.maxDays, "max-days", 0, "as bilancio run: the max_days the run was made with (default: the scenario's)")
	fs.IntVar(&f.quietDays, "quiet-days", -1, "as bilancio run: the quiet_days the run was made with (default: the scenario's)")
	fs.StringVar(&f.defaultHandling, "default-handling", "", "as bilancio run: fail-fast or expel-agent (default: the scenario's)")
	fs.BoolVar(&f.detailed, "detailed-logging", true, "as bilancio run: dealer runs' detailed CSV files")
	fs.StringVar(&f.era, "dealer-era", string(engine.DealerDecember), "as bilancio run: december or data")
	fs.BoolVar(&f.truncate, "emulate-display-truncation", false, "as bilancio run: stop where bilancio's display bug stopped runs")
}

// options turns the flags into engine options.
func (f *reportFlags) options() (engine.Options, error) {
	switch f.defaultHandling {
	case "", engine.FailFast, engine.ExpelAgent:
	default:
		return engine.Options{}, fmt.Errorf("-default-handling must be %s or %s, not %q", engine.FailFast, engine.ExpelAgent, f.defaultHandling)
	}
	era, err := engine.ParseDealerEra(f.era)
	if err != nil {
		return engine.Options{}, fmt.Errorf("-dealer-era: %w", err)
	}
	opts := engine.Options{MaxDays: f.maxDays, DefaultHandling: f.defaultHandling, DetailedLogging: f.detailed,
		DealerEra: era, EmulateDisplayTruncation: f.truncate}
	if f.quietDays >= 0 {
		opts.QuietDays = &f.quietDays
	}
	return opts, nil
}

// Run implements Command.
func (c *ReportCommand) Run(args []string) int {
	runner.TuneGC() // the process executes runs again
	var f reportFlags
	fs := c.flags(&f)
	pos, ok := ParseCommand(c.UI, fs, args, c.Help, 1, "exactly one run or experiment folder")
	if !ok {
		return 1
	}
	opts, err := f.options()
	if err != nil {
		c.UI.Error("Error: " + err.Error())
		return 1
	}
	if _, err := os.Stat(filepath.Join(pos[0], runfolder.ManifestFile)); err != nil {
		return c.rebuildRuns(pos[0], opts, f.all)
	}
	done, err := runner.Rebuild(c.Ctx, pos[0], opts, f.all)
	if err != nil {
		c.UI.Error("Error: " + err.Error())
		return 1
	}
	c.UI.Output(describeRebuilt(pos[0], done))
	return 0
}

// describeRebuilt is the line report prints for a run folder.
func describeRebuilt(dir string, r *runner.Rebuilt) string {
	if len(r.Written) == 0 {
		return fmt.Sprintf("%s: nothing to write (%d recorded files reproduced)", dir, len(r.Checked))
	}
	return fmt.Sprintf("%s: wrote %s (%d recorded files reproduced)", dir, strings.Join(r.Written, ", "), len(r.Checked))
}

// rebuildRuns runs runner.Rebuild on every run folder of the experiment
// folder dir, on every core, and prints a line of totals.
func (c *ReportCommand) rebuildRuns(dir string, opts engine.Options, all bool) int {
	dirs, err := runFolders(dir)
	if err != nil {
		c.UI.Error("Error: " + err.Error())
		return 1
	}
	if len(dirs) == 0 {
		c.UI.Error(fmt.Sprintf("Error: %s is neither a run folder (it has no %s) nor an experiment folder with complete runs", dir, runfolder.ManifestFile))
		return 1
	}
	var (
		mu             sync.Mutex
		wrote, skipped int
		failures       []string
		wg             sync.WaitGroup
	)
	work := make(chan string)
	for range runtime.NumCPU() {
		wg.Go(func() {
			for d := range work {
				r, err := runner.Rebuild(c.Ctx, d, opts, all)
				mu.Lock()
				switch {
				case err != nil:
					failures = append(failures, err.Error())
				case len(r.Written) > 0:
					wrote++
				default:
					skipped++
				}
				mu.Unlock()
			}
		})
	}
	for _, d := range dirs {
		if c.Ctx.Err() != nil {
			break
		}
		work <- d
	}
	close(work)
	wg.Wait()
	sort.Strings(failures)
	for _, msg := range failures {
		c.UI.Error("Error: " + msg)
	}
	c.UI.Output(fmt.Sprintf("%s: %d runs rebuilt, %d had every file, %d failed", dir, wrote, skipped, len(failures)))
	switch {
	case c.Ctx.Err() != nil:
		return 130
	case len(failures) > 0:
		return 2
	}
	return 0
}

// runFolders lists the run folders (folders with a manifest) under dir's
// runs/ folders, those of a paired sweep's arms included.
func runFolders(dir string) ([]string, error) {
	if _, err := os.Stat(dir); err != nil {
		return nil, err
	}
	var dirs []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		if rel, _ := filepath.Rel(dir, path); strings.Count(rel, string(filepath.Separator)) > 3 {
			return filepath.SkipDir
		}
		if filepath.Base(filepath.Dir(path)) != "runs" {
			return nil
		}
		if _, err := os.Stat(filepath.Join(path, runfolder.ManifestFile)); err == nil {
			dirs = append(dirs, path)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return filepath.SkipDir
	})
	return dirs, err
}
