package sweep

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// The experiment store: one folder per experiment, in bilancio's layout.
//
//	<dir>/experiment.json           what the experiment is (spec, plan fingerprint, counts)
//	<dir>/sweep.hcl                 the sweep file as run, and the resolved variables
//	<dir>/registry/experiments.csv  one row per finished run, bilancio's columns
//	<dir>/registry/journal.jsonl    the runner's append-only log (see journal.go)
//	<dir>/runs/<run_id>/            written by the executor, manifest.json last
//	<dir>/aggregate/results.csv     bilancio's aggregate_runs
//	<dir>/aggregate/summary.json
//	<dir>/aggregate/dashboard.html  the dashboard and its figures, written
//	<dir>/aggregate/figures/        by the report package (Options.Dashboard)
//
// Everything but the journal is written to a temporary name and renamed;
// the registry and the aggregate files are views rebuilt from the runs.
const (
	MetaFile     = "experiment.json"
	SourceFile   = "sweep.hcl"
	RegistryFile = "registry/experiments.csv"
	JournalFile  = "registry/journal.jsonl"
	RunsDir      = "runs"
	ResultsFile  = "aggregate/results.csv"
	SummaryFile  = "aggregate/summary.json"
	lockFile     = ".lock"
	// DashboardFile and FiguresDir are the experiment's dashboard and
	// figures (see Options.Dashboard).
	DashboardFile = "aggregate/dashboard.html"
	FiguresDir    = "aggregate/figures"
)

// DefaultOutDir is where experiments go by default.
const DefaultOutDir = "out/experiments"

// storeFormat is the version of the store's own files (experiment.json and
// the journal).
const storeFormat = 1

// Store is an experiment folder.
type Store struct {
	// Dir is the experiment folder, ID the experiment id.
	Dir string
	ID  string
}

// Meta is experiment.json: what the experiment is, for the commands that
// read a folder without its sweep file (status, aggregate).
type Meta struct {
	Format       int    `json:"format"`
	ExperimentID string `json:"experiment_id"`
	// Engine is EngineVersion when the experiment last ran.
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
	// Spec is the sweep, without its source (which is in sweep.hcl).
	Spec    *Spec     `json:"spec"`
	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`
}

// ExperimentID is the id of a sweep's experiment: its name made safe for a
// folder name (letters, digits, '.', '_' and '-'), or "sweep_" and the
// plan's fingerprint when it has no name, so that running the same sweep
// again resumes it.
func ExperimentID(s *Spec, p *Plan) string {
	if s.Arm != nil && s.Arm.ExperimentID != "" {
		return s.Arm.ExperimentID
	}
	if s.ExperimentDir != "" {
		return filepath.Base(filepath.Clean(s.ExperimentDir))
	}
	if id := slug(s.Name); id != "" {
		return id
	}
	return "sweep_" + p.Fingerprint()
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// slug turns a name into a folder name.
func slug(name string) string {
	s := unsafeChars.ReplaceAllString(strings.TrimSpace(name), "_")
	s = strings.Trim(s, "_.")
	if len(s) > 100 {
		s = s[:100]
	}
	return s
}

// ExperimentDir is the folder of a sweep's experiment: Spec.ExperimentDir,
// or <out>/<experiment id> with out the outDir argument, Spec.OutDir or
// DefaultOutDir, the first one set.
func ExperimentDir(s *Spec, p *Plan, outDir string) string {
	if s.ExperimentDir != "" {
		return s.ExperimentDir
	}
	for _, d := range []string{outDir, s.OutDir, DefaultOutDir} {
		if d != "" {
			return filepath.Join(d, ExperimentID(s, p))
		}
	}
	return ""
}

// CreateStore opens the experiment folder dir, creating it and its
// subfolders as needed.
func CreateStore(dir, id string) (*Store, error) {
	for _, sub := range []string{"registry", RunsDir, "aggregate"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return nil, fmt.Errorf("creating the experiment folder: %w", err)
		}
	}
	return &Store{Dir: dir, ID: id}, nil
}

// ErrNoExperiment reports a folder that is not an experiment.
var ErrNoExperiment = errors.New("not an experiment folder")

// OpenStore opens an existing experiment folder and reads its
// experiment.json.
func OpenStore(dir string) (*Store, *Meta, error) {
	m, err := readMeta(dir)
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

// readMeta reads dir's experiment.json.
func readMeta(dir string) (*Meta, error) {
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
	if m.Format != storeFormat {
		return nil, fmt.Errorf("%s: experiment format %d, this bilancio reads format %d", dir, m.Format, storeFormat)
	}
	if m.Spec == nil {
		return nil, fmt.Errorf("%s: %s has no spec", dir, MetaFile)
	}
	return &m, nil
}

// ReadMeta reads the store's experiment.json.
func (s *Store) ReadMeta() (*Meta, error) { return readMeta(s.Dir) }

// WriteMeta writes experiment.json.
func (s *Store) WriteMeta(m *Meta) error {
	spec := *m.Spec
	spec.Source = nil
	mm := *m
	mm.Spec = &spec
	b, err := json.MarshalIndent(&mm, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding %s: %w", MetaFile, err)
	}
	return writeFileAtomic(s.Path(MetaFile), append(b, '\n'))
}

// WriteSource writes sweep.hcl (sweep.yaml for one of bilancio's YAML sweep
// configs): the sweep file as run, followed by the resolved variables as
// comments (so that the file still parses). A spec
// without a source (the `sweep ring` flags) gets a comment describing it.
func (s *Store) WriteSource(spec *Spec, origin string) error {
	var b strings.Builder
	if len(spec.Source) > 0 {
		b.Write(spec.Source)
		if !strings.HasSuffix(b.String(), "\n") {
			b.WriteByte('\n')
		}
	} else {
		b.WriteString("# This sweep was given on the command line")
		if origin != "" {
			b.WriteString(":\n#   " + origin)
		}
		b.WriteString("\n# Its settings are in experiment.json (\"spec\").\n")
	}
	if len(spec.Variables) > 0 {
		b.WriteString("\n# Resolved variables:\n")
		for _, k := range sortedKeys(spec.Variables) {
			b.WriteString("#   " + k + " = " + strings.ReplaceAll(spec.Variables[k], "\n", "\n#     ") + "\n")
		}
	}
	return writeFileAtomic(s.Path(sourceFileName(spec)), []byte(b.String()))
}

// sourceFileName is where the sweep's source is kept: sweep.hcl, or
// sweep.yaml for one of bilancio's YAML sweep configs.
func sourceFileName(spec *Spec) string {
	switch strings.ToLower(filepath.Ext(spec.SourceName)) {
	case ".yaml", ".yml":
		return "sweep.yaml"
	}
	return SourceFile
}
