package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/bilancio-go/bilancio/internal/atomicfile"
)

// The experiment folder, in bilancio's layout:
//
//	<dir>/experiment.json           what the experiment is (spec, plan fingerprint, counts)
//	<dir>/sweep.hcl                 the sweep file as run, and the resolved variables
//	<dir>/registry/experiments.csv  one row per finished run, bilancio's columns
//	<dir>/registry/journal.jsonl    the runner's append-only log (see journal.go)
//	<dir>/runs/<run_id>/            written by the executor, manifest.json last
//	<dir>/usage.csv                 remote machines used (package usage)
//	<dir>/aggregate/results.csv     bilancio's aggregate_runs
//	<dir>/aggregate/summary.json
//	<dir>/aggregate/dashboard.html  the dashboard and its figures, written
//	<dir>/aggregate/figures/        by the report package
//
// A paired sweep's folder holds paired.json, its two arms (each an
// experiment folder) and aggregate/comparison.csv.
//
// Everything but the journal is written to a temporary name and renamed;
// the registry and the aggregate files are views rebuilt from the runs.
const (
	MetaFile       = "experiment.json"
	SourceFile     = "sweep.hcl"
	RegistryFile   = "registry/experiments.csv"
	JournalFile    = "registry/journal.jsonl"
	RunsDir        = "runs"
	ResultsFile    = "aggregate/results.csv"
	SummaryFile    = "aggregate/summary.json"
	DashboardFile  = "aggregate/dashboard.html"
	FiguresDir     = "aggregate/figures"
	ComparisonFile = "aggregate/comparison.csv"
	PairedMetaFile = "paired.json"
	lockFile       = ".lock"
)

// DefaultOutDir is where experiments go by default.
const DefaultOutDir = "out/experiments"

// Format is the version of the store's own files (experiment.json,
// paired.json and the journal).
const Format = 1

// ErrNoExperiment reports a folder that is not an experiment.
var ErrNoExperiment = errors.New("not an experiment folder")

// Store is an experiment folder.
type Store struct {
	// Dir is the experiment folder, ID the experiment id.
	Dir string
	ID  string
}

// Meta is experiment.json: what the experiment is, for the commands that
// read a folder without its sweep file (status, aggregate, the dashboard).
type Meta struct {
	Format       int    `json:"format"`
	ExperimentID string `json:"experiment_id"`
	// Engine is the engine version when the experiment last ran.
	Engine string `json:"engine"`
	// Plan is the plan's fingerprint: runs registered under another one
	// belong to an earlier version of the sweep.
	Plan     string `json:"plan"`
	SeedMode string `json:"seed_mode"`
	// Static is the number of grid and LHS runs, FrontierProbes the
	// number of frontier probes asked so far, and FrontierDone says the
	// frontier search (if any) has ended, so no more will come.
	Static         int  `json:"static_runs"`
	FrontierProbes int  `json:"frontier_probes"`
	FrontierDone   bool `json:"frontier_done"`
	// Spec is the sweep (package sweep's Spec as JSON), without its source
	// (which is in sweep.hcl).
	Spec    json.RawMessage `json:"spec"`
	Created time.Time       `json:"created"`
	Updated time.Time       `json:"updated"`
}

// Planned is the number of runs planned so far: the grid and LHS runs and
// the frontier probes asked.
func (m *Meta) Planned() int { return m.Static + m.FrontierProbes }

// ExecutorName is the name of the executor the sweep runs on, from its
// spec ("" when the spec names none: the local executor).
func (m *Meta) ExecutorName() string {
	var s struct{ Executor struct{ Name string } }
	if json.Unmarshal(m.Spec, &s) != nil {
		return ""
	}
	return s.Executor.Name
}

// Create opens the experiment folder dir, creating it and its subfolders
// as needed.
func Create(dir, id string) (*Store, error) {
	for _, sub := range []string{"registry", RunsDir, "aggregate"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return nil, fmt.Errorf("creating the experiment folder: %w", err)
		}
	}
	return &Store{Dir: dir, ID: id}, nil
}

// Open opens an existing experiment folder and reads its experiment.json.
func Open(dir string) (*Store, *Meta, error) {
	m, err := ReadMeta(dir)
	if err != nil {
		return nil, nil, err
	}
	return &Store{Dir: dir, ID: m.ExperimentID}, m, nil
}

// Path returns a file of the store, given by its slash-separated name.
func (s *Store) Path(name string) string { return filepath.Join(s.Dir, filepath.FromSlash(name)) }

// RunsDir is the folder holding the run folders.
func (s *Store) RunsDir() string { return filepath.Join(s.Dir, RunsDir) }

// RunDir is a run's folder.
func (s *Store) RunDir(id string) string { return filepath.Join(s.Dir, RunsDir, id) }

// ReadMeta reads dir's experiment.json; the error wraps ErrNoExperiment
// when there is none.
func ReadMeta(dir string) (*Meta, error) {
	b, err := os.ReadFile(filepath.Join(dir, MetaFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w (no %s)", dir, ErrNoExperiment, MetaFile)
	}
	if err != nil {
		return nil, fmt.Errorf("reading the experiment: %w", err)
	}
	var m Meta
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("reading %s: %w", filepath.Join(dir, MetaFile), err)
	}
	if m.Format != Format {
		return nil, fmt.Errorf("%s: experiment format %d, this bilancio reads format %d", dir, m.Format, Format)
	}
	if len(m.Spec) == 0 || bytes.Equal(m.Spec, []byte("null")) {
		return nil, fmt.Errorf("%s: %s has no spec", dir, MetaFile)
	}
	return &m, nil
}

// ReadMeta reads the store's experiment.json.
func (s *Store) ReadMeta() (*Meta, error) { return ReadMeta(s.Dir) }

// WriteMeta writes experiment.json.
func (s *Store) WriteMeta(m *Meta) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding %s: %w", MetaFile, err)
	}
	return WriteFile(s.Path(MetaFile), append(b, '\n'))
}

// Source is a sweep's source for sweep.hcl: the file as written (Text, from
// the file Name; empty for a sweep given on the command line, which Origin
// describes) and the resolved input variables.
type Source struct {
	Text      []byte
	Name      string
	Origin    string
	Variables map[string]string
}

// WriteSource writes sweep.hcl (sweep.yaml for one of bilancio's YAML sweep
// configs): the sweep file as run, followed by the resolved variables as
// comments (so that the file still parses). A sweep without a source (the
// `sweep ring` flags) gets a comment describing it.
func (s *Store) WriteSource(src Source) error {
	var b strings.Builder
	if len(src.Text) > 0 {
		b.Write(src.Text)
		if !strings.HasSuffix(b.String(), "\n") {
			b.WriteByte('\n')
		}
	} else {
		b.WriteString("# This sweep was given on the command line")
		if src.Origin != "" {
			b.WriteString(":\n#   " + src.Origin)
		}
		b.WriteString("\n# Its settings are in experiment.json (\"spec\").\n")
	}
	if len(src.Variables) > 0 {
		b.WriteString("\n# Resolved variables:\n")
		keys := make([]string, 0, len(src.Variables))
		for k := range src.Variables {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			b.WriteString("#   " + k + " = " + strings.ReplaceAll(src.Variables[k], "\n", "\n#     ") + "\n")
		}
	}
	return WriteFile(s.Path(sourceFileName(src.Name)), []byte(b.String()))
}

// sourceFileName is where the sweep's source is kept: sweep.hcl, or
// sweep.yaml for one of bilancio's YAML sweep configs.
func sourceFileName(name string) string {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".yaml", ".yml":
		return "sweep.yaml"
	}
	return SourceFile
}

// WriteFile writes data to path through a temporary file in the same
// folder, synced and renamed into place: a reader (or a sweep killed
// half-way) sees the old file or the new one, never a part of one.
func WriteFile(path string, data []byte) error {
	return atomicfile.WriteFile(path, data, 0o644)
}
