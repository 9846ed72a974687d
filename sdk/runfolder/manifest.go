package runfolder

import (
	"encoding/json"
	"fmt"
	"time"
)

// The files of a run folder, relative to it (slash-separated).
const (
	// ManifestFile is written last: a run is complete only when it exists
	// and every file it lists verifies.
	ManifestFile = "manifest.json"
	// ScenarioFile is the scenario as run.
	ScenarioFile = "scenario.yaml"
	// RunHTMLFile is the run's report (written when asked for).
	RunHTMLFile = "run.html"
	// OutDir holds the simulation's outputs.
	OutDir = "out"

	EventsFile          = "out/events.jsonl"
	BalancesFile        = "out/balances.csv"
	MetricsCSVFile      = "out/metrics.csv"
	MetricsJSONFile     = "out/metrics.json"
	MetricsDSFile       = "out/metrics_ds.csv"
	MetricsIntradayFile = "out/metrics_intraday.csv"

	// The dealer files of a dealer run (the last four with detailed
	// logging only).
	DealerMetricsFile   = "out/dealer_metrics.json"
	TradesFile          = "out/trades.csv"
	InventoryFile       = "out/inventory_timeseries.csv"
	SystemStateFile     = "out/system_state_timeseries.csv"
	RepaymentEventsFile = "out/repayment_events.csv"
)

// ManifestVersion is the format version of manifest.json.
const ManifestVersion = 1

// StatusCompleted is the status of a complete run's manifest.
const StatusCompleted = "completed"

// Manifest is manifest.json: what the run was, how it ended, and the
// checksum of every other file of the folder. Its JSON form is stable:
// fields are only ever added.
type Manifest struct {
	Version int    `json:"manifest_version"`
	RunID   string `json:"run_id,omitempty"`
	Status  string `json:"status"`
	// Engine is the version of the bilancio binary that ran the simulation.
	Engine   string `json:"engine"`
	Executor string `json:"executor,omitempty"`
	// Scenario is the scenario's name.
	Scenario string `json:"scenario_name"`

	StopReason      string `json:"stop_reason"`
	StopMessage     string `json:"stop_message,omitempty"`
	DaysSimulated   int    `json:"days_simulated"`
	DefaultHandling string `json:"default_handling"`
	Defaults        int    `json:"defaults"`

	// The registry's summary values, as bilancio prints them (str(Decimal));
	// empty when None.
	PhiTotal        string `json:"phi_total"`
	DeltaTotal      string `json:"delta_total"`
	TimeToStability string `json:"time_to_stability"`

	Started    time.Time `json:"started"`
	Finished   time.Time `json:"finished"`
	DurationMS float64   `json:"duration_ms"`

	// Files are the folder's files but the manifest, in the order written.
	Files []File `json:"files"`
}

// File is the checksum of one file of the run folder.
type File struct {
	// Name is the path relative to the folder, slash-separated.
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Encode returns the manifest as manifest.json holds it: indented JSON
// with a final newline.
func (m *Manifest) Encode() ([]byte, error) {
	b, err := encodeManifest(m)
	if err != nil {
		return nil, fmt.Errorf("encoding the manifest: %w", err)
	}
	return b, nil
}

// DecodeManifest parses manifest.json and checks that every file it lists
// has a valid name (ValidName) and is listed once.
func DecodeManifest(data []byte) (*Manifest, error) {
	m, ok := decodeManifestFast(data)
	if !ok {
		m = &Manifest{}
		if err := json.Unmarshal(data, m); err != nil {
			return nil, fmt.Errorf("reading %s: %w", ManifestFile, err)
		}
	}
	seen := make(map[string]bool, len(m.Files))
	for _, f := range m.Files {
		if err := ValidName(f.Name); err != nil {
			return nil, fmt.Errorf("reading %s: it lists %w", ManifestFile, err)
		}
		if f.Name == ManifestFile {
			return nil, fmt.Errorf("reading %s: it lists itself", ManifestFile)
		}
		if seen[f.Name] {
			return nil, fmt.Errorf("reading %s: it lists %s twice", ManifestFile, f.Name)
		}
		seen[f.Name] = true
	}
	return m, nil
}

// ReadManifest reads and parses dir's manifest.json, returning it with its
// bytes' sha256 (hex).
func ReadManifest(dir string) (*Manifest, string, error) {
	data, err := readManifestBytes(dir)
	if err != nil {
		return nil, "", err
	}
	m, err := DecodeManifest(data)
	if err != nil {
		return nil, "", fmt.Errorf("run folder %s: %w", dir, err)
	}
	return m, SHA256(data), nil
}
