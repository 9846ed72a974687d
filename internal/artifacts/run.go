package artifacts

import (
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/bilancio-go/bilancio/internal/engine"
	"github.com/bilancio-go/bilancio/internal/metrics"
	"github.com/bilancio-go/bilancio/sdk/runfolder"
)

// File is one file of a run folder: its path relative to the folder (with
// forward slashes, as "out/events.jsonl") and its bytes.
type File struct {
	Name string
	Data []byte
}

// Output file names, relative to the run folder (the layout is
// sdk/runfolder's).
const (
	ScenarioFile        = runfolder.ScenarioFile
	RunHTMLFile         = runfolder.RunHTMLFile
	EventsFile          = runfolder.EventsFile
	BalancesFile        = runfolder.BalancesFile
	MetricsCSVFile      = runfolder.MetricsCSVFile
	MetricsJSONFile     = runfolder.MetricsJSONFile
	MetricsDSFile       = runfolder.MetricsDSFile
	MetricsIntradayFile = runfolder.MetricsIntradayFile
)

// Outputs renders the out/ files of a finished run in memory, in the order
// WriteRun writes them (metrics.json last), and returns them with the metrics
// computed from the run's events and final balances (as bilancio computes
// them from events.jsonl and balances.csv).
func Outputs(res *engine.Result) ([]File, *metrics.Report, error) {
	return RunOutputs(res, "")
}

// RunOutputs is Outputs for the run runID, which a dealer run's detailed
// CSV files carry in their run_id column.
func RunOutputs(res *engine.Result, runID string) ([]File, *metrics.Report, error) {
	// One pass over the event log: each event is written to events.jsonl
	// and read for the metrics.
	reader := metrics.NewEventReader(res)
	events, err := appendRunEvents(nil, res, reader.Read)
	if err != nil {
		return nil, nil, err
	}
	balances := metrics.Balances(res.Final())
	report := reader.Analyze(metrics.MoneyStock(balances))
	files := []File{
		{EventsFile, events},
		{BalancesFile, AppendBalances(nil, balances)},
		{MetricsCSVFile, AppendMetricsCSV(nil, report.Days)},
		{MetricsDSFile, AppendMetricsDS(nil, report.DebtorShares)},
		{MetricsIntradayFile, AppendMetricsIntraday(nil, report.Intraday)},
	}
	files = append(files, dealerFiles(res, runID)...)
	files = append(files, File{MetricsJSONFile, AppendMetricsJSON(nil, report.Days)})
	return files, report, nil
}

// RunInfo describes a run for its manifest.
type RunInfo struct {
	RunID    string
	Engine   string // the bilancio version that ran it
	Executor string
	// ScenarioName is the scenario's name (its `name` key).
	ScenarioName string
	// SummaryRule is what phi_total and delta_total are when their weighted
	// sum is zero (the metrics files do not depend on it).
	SummaryRule metrics.ZeroRule
	Started     time.Time
	Finished    time.Time
	// Keep, when set, says which files the folder keeps (by name, as
	// "out/events.jsonl"); the manifest lists only those.
	Keep func(name string) bool
}

// WriteRun writes the run folder dir of a finished run and returns its
// metrics (whose Summary holds the registry's phi_total, delta_total and
// time_to_stability) and the sealed folder (its manifest, with checksums):
//
//	dir/scenario.yaml  scenarioYAML (not written when nil)
//	dir/run.html       what runHTML renders from the metrics (not written when nil)
//	dir/out/events.jsonl, balances.csv, metrics.csv, metrics_ds.csv,
//	    metrics_intraday.csv, the dealer files of a dealer run, metrics.json
//	dir/manifest.json  written last, with the checksums of all the above
//
// Everything is computed before the first file is touched, and an existing
// manifest is removed first, so a folder being (re)written never looks
// complete. Each file is written through runfolder.Writer: hashed as it is
// written, to a temporary name renamed into place. A new folder is better
// written with WriteNewRun.
func WriteRun(dir string, scenarioYAML []byte, res *engine.Result, runHTML func(*metrics.Report) ([]byte, error), info RunInfo) (*metrics.Report, *runfolder.Sealed, error) {
	return writeRun(dir, runfolder.Create, scenarioYAML, res, runHTML, info)
}

// WriteNewRun is WriteRun for the run folder name in runs, written as a
// new folder beside it and moved into place whole once sealed (replacing
// whatever was there): each file is created in place (runfolder.Runs'
// NewRun).
func WriteNewRun(runs *runfolder.Runs, name string, scenarioYAML []byte, res *engine.Result, runHTML func(*metrics.Report) ([]byte, error), info RunInfo) (*metrics.Report, *runfolder.Sealed, error) {
	create := func(string) (*runfolder.Writer, error) { return runs.NewRun(name) }
	return writeRun(filepath.Join(runs.Dir(), name), create, scenarioYAML, res, runHTML, info)
}

// WriteRunArchive is WriteNewRun writing the run folder as the single
// tar file path (runfolder.CreateArchive: RUN_ID.tar), for executors that
// ship runs from remote storage. The folder it unpacks into is the one
// WriteNewRun writes.
func WriteRunArchive(path string, scenarioYAML []byte, res *engine.Result, runHTML func(*metrics.Report) ([]byte, error), info RunInfo) (*metrics.Report, *runfolder.Sealed, error) {
	return writeRun(path, runfolder.CreateArchive, scenarioYAML, res, runHTML, info)
}

func writeRun(dir string, create func(string) (*runfolder.Writer, error), scenarioYAML []byte, res *engine.Result, runHTML func(*metrics.Report) ([]byte, error), info RunInfo) (*metrics.Report, *runfolder.Sealed, error) {
	files, report, err := RunOutputs(res, info.RunID)
	if err != nil {
		return nil, nil, fmt.Errorf("rendering the outputs of %s: %w", dir, err)
	}
	report.Summary.Apply(info.SummaryRule)
	var head []File
	if scenarioYAML != nil {
		head = append(head, File{ScenarioFile, scenarioYAML})
	}
	if runHTML != nil {
		page, err := runHTML(report)
		if err != nil {
			return nil, nil, fmt.Errorf("rendering %s: %w", RunHTMLFile, err)
		}
		head = append(head, File{RunHTMLFile, page})
	}
	files = append(head, files...)
	if info.Keep != nil {
		files = slices.DeleteFunc(files, func(f File) bool { return !info.Keep(f.Name) })
	}

	w, err := create(dir)
	if err != nil {
		return nil, nil, err
	}
	defer w.Close()
	for _, f := range files {
		if err := w.WriteFile(f.Name, f.Data); err != nil {
			return nil, nil, err
		}
	}
	sealed, err := w.Commit(newManifest(res, report, info))
	if err != nil {
		return nil, nil, err
	}
	return report, sealed, nil
}

func newManifest(res *engine.Result, report *metrics.Report, info RunInfo) *runfolder.Manifest {
	m := &runfolder.Manifest{
		Version: runfolder.ManifestVersion, RunID: info.RunID, Status: runfolder.StatusCompleted,
		Engine: info.Engine, Executor: info.Executor, Scenario: info.ScenarioName,
		StopReason: string(res.Stop), StopMessage: res.StopMessage,
		DaysSimulated: res.DaysSimulated, DefaultHandling: res.DefaultHandling,
		Defaults: len(res.DefaultedAgents()),
		Started:  info.Started.UTC(), Finished: info.Finished.UTC(),
		DurationMS: float64(info.Finished.Sub(info.Started).Microseconds()) / 1000,
	}
	if s := report.Summary; s.PhiTotal != nil {
		m.PhiTotal = s.PhiTotal.String()
	}
	if s := report.Summary; s.DeltaTotal != nil {
		m.DeltaTotal = s.DeltaTotal.String()
	}
	if report.Summary.MaxDay > 0 || len(report.Days) > 0 {
		m.TimeToStability = strconv.Itoa(report.Summary.MaxDay)
	}
	return m
}
