// Package runner runs one scenario end to end: it loads the scenario file,
// simulates it, and writes the run folder (scenario copy, run.html, out/
// files and, last, the manifest). The `bilancio run` command and the sweep
// worker share it, so a run is written the same way whoever asks for it.
package runner

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/bilancio-go/bilancio/internal/artifacts"
	"github.com/bilancio-go/bilancio/internal/engine"
	"github.com/bilancio-go/bilancio/internal/metrics"
	"github.com/bilancio-go/bilancio/internal/pynum"
	"github.com/bilancio-go/bilancio/internal/report"
	"github.com/bilancio-go/bilancio/sdk/runfolder"
)

// Request is one run to do.
type Request struct {
	// ScenarioName is the scenario file's name, used in error messages.
	ScenarioName string
	// Scenario is the scenario file's content; it is copied into the run
	// folder as scenario.yaml.
	Scenario []byte
	// OutDir is the run folder to write.
	OutDir string
	// Options adjust the simulation.
	Options engine.Options
	// HTML asks for run.html.
	HTML bool
	// Artifacts says which files the folder keeps (sdk.RunOptions'
	// Artifacts; everything when empty). A mode without run.html skips
	// rendering it, whatever HTML says.
	Artifacts string
	// RunID, Engine and Executor go into the manifest.
	RunID, Engine, Executor string
	// SummaryRule is what phi_total and delta_total are when their weighted
	// sum is zero (the manifest's, the registry's and run.html's values).
	SummaryRule metrics.ZeroRule
	// Load are the revision's rules for loading the scenario.
	Load engine.LoadRules
	// ReplaceFolder writes the run into a new folder beside OutDir that
	// takes OutDir's place once complete: whatever OutDir held is removed,
	// and a failed write leaves it as it was.
	ReplaceFolder bool
	// Runs, when set, is the folder OutDir is in, held open (a sweep's
	// runs folder, see runfolder.Runs): a new or replaced folder is made
	// relative to it. Otherwise the run opens OutDir's parent itself.
	Runs *runfolder.Runs
	// Archive writes the run folder as the single file OutDir +
	// runfolder.ArchiveSuffix (a tar, replaced whole once complete;
	// artifacts.WriteRunArchive) instead of the folder OutDir.
	Archive bool
}

// Outcome is a finished run.
type Outcome struct {
	Scenario *engine.Scenario
	Result   *engine.Result
	Metrics  *metrics.Report
	// Folder is the run folder as written: its manifest, the manifest's
	// sha256 and the fingerprint of its files.
	Folder *runfolder.Sealed
}

// Run loads, simulates and writes one run. Errors in the scenario come back
// as *engine.LoadError (file:line:col); an action that cannot be applied as
// an error naming the file and line. Nothing is written unless the
// simulation finished.
func Run(ctx context.Context, req Request) (*Outcome, error) {
	started := time.Now()
	if _, err := metrics.ParseZeroRule(string(req.SummaryRule)); err != nil {
		return nil, err
	}
	keep, keepHTML, err := artifacts.Keep(req.Artifacts)
	if err != nil {
		return nil, err
	}
	req.HTML = req.HTML && keepHTML
	sc, err := load(ctx, req.ScenarioName, req.Scenario, req.Load)
	if err != nil {
		return nil, err
	}
	opts := req.Options
	if req.HTML {
		opts.Snapshots = true
	}
	res, err := engine.Run(ctx, sc, opts)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", req.ScenarioName, err)
	}
	var html func(*metrics.Report) ([]byte, error)
	if req.HTML {
		html = func(rep *metrics.Report) ([]byte, error) {
			return report.RunHTML(sc, res, Summary(rep))
		}
	}
	info := artifacts.RunInfo{RunID: req.RunID, Engine: req.Engine, Executor: req.Executor, ScenarioName: sc.Name, SummaryRule: req.SummaryRule, Started: started, Keep: keep}
	info.Finished = time.Now()
	var rep *metrics.Report
	var folder *runfolder.Sealed
	// A new folder (the usual case: every run of a sweep) is written beside
	// its place and moved there once complete, like a replaced one; its
	// files then need no temporary names of their own.
	if req.Archive {
		rep, folder, err = artifacts.WriteRunArchive(req.OutDir+runfolder.ArchiveSuffix, req.Scenario, res, html, info)
	} else if req.ReplaceFolder || !exists(req.OutDir) {
		runs := req.Runs
		if runs == nil {
			if runs, err = runfolder.OpenRuns(filepath.Dir(req.OutDir)); err != nil {
				return nil, err
			}
			defer runs.Close()
		}
		rep, folder, err = artifacts.WriteNewRun(runs, filepath.Base(req.OutDir), req.Scenario, res, html, info)
		if err == nil {
			folder.Dir = req.OutDir // written elsewhere, then moved into place
		}
	} else {
		rep, folder, err = artifacts.WriteRun(req.OutDir, req.Scenario, res, html, info)
	}
	if err != nil {
		return nil, err
	}
	return &Outcome{Scenario: sc, Result: res, Metrics: rep, Folder: folder}, nil
}

// smallScenario is the size up to which a scenario loads in well under a
// millisecond (a ring of a hundred agents is about 28 KB).
const smallScenario = 32 << 10

// exists reports whether path exists.
func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// Summary turns a metrics report into the report package's summary.
func Summary(rep *metrics.Report) *report.RunSummary {
	s := &report.RunSummary{PhiTotal: text(rep.Summary.PhiTotal), DeltaTotal: text(rep.Summary.DeltaTotal)}
	for _, d := range rep.Days {
		s.Days = append(s.Days, report.DayMetrics{
			Day: d.Day, S: cell(d.S), Mpeak: cell(d.Mpeak), GrossSettled: cell(d.GrossSettled),
			Phi: cell(d.Phi), Delta: cell(d.Delta),
		})
	}
	return s
}

// cell prints a metric as metrics.csv does; None is empty.
func cell(d *pynum.Amount) string {
	if d == nil {
		return ""
	}
	return pynum.MetricCell(*d)
}

// text prints a summary value as the registry does (str(Decimal)); None is empty.
func text(d *pynum.Amount) string {
	if d == nil {
		return ""
	}
	return d.String()
}

// load parses the scenario, returning as soon as ctx is cancelled: parsing a
// scenario of thousands of agents takes a noticeable time and cannot itself
// be interrupted, so a cancelled run leaves it to finish in the background
// rather than wait for it. A small scenario (a sweep's usual run) is parsed
// at once, without a goroutine of its own.
func load(ctx context.Context, name string, data []byte, rules engine.LoadRules) (*engine.Scenario, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(data) <= smallScenario {
		return engine.LoadWith(name, data, rules)
	}
	type loaded struct {
		sc  *engine.Scenario
		err error
	}
	done := make(chan loaded, 1)
	go func() {
		sc, err := engine.LoadWith(name, data, rules)
		done <- loaded{sc, err}
	}()
	select {
	case l := <-done:
		return l.sc, l.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
