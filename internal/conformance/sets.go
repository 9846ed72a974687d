package conformance

import (
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Run is one recorded bilancio run.
type Run struct {
	Set string
	ID  string
	Dir string // holds scenario.yaml and out/
}

// File returns the path of a file of the run, relative to its folder.
func (r Run) File(name string) string { return filepath.Join(r.Dir, name) }

// Has reports whether the run recorded the file.
func (r Run) Has(name string) bool {
	_, err := os.Stat(r.File(name))
	return err == nil
}

// Runs lists the runs of a set under root (the conformance folder), sorted by id.
func Runs(root, set string) ([]Run, error) {
	entries, err := os.ReadDir(filepath.Join(root, set, "runs"))
	if err != nil {
		return nil, fmt.Errorf("list runs of %s: %w", set, err)
	}
	var runs []Run
	for _, e := range entries {
		if e.IsDir() {
			runs = append(runs, Run{Set: set, ID: e.Name(), Dir: filepath.Join(root, set, "runs", e.Name())})
		}
	}
	sort.Slice(runs, func(i, j int) bool { return runs[i].ID < runs[j].ID })
	return runs, nil
}

// Registry reads a set's registry.csv into rows keyed by run_id.
func Registry(root, set string) (map[string]map[string]string, error) {
	f, err := os.Open(filepath.Join(root, set, "registry.csv"))
	if err != nil {
		return nil, fmt.Errorf("open registry of %s: %w", set, err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("read registry header of %s: %w", set, err)
	}
	rows := map[string]map[string]string{}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read registry of %s: %w", set, err)
		}
		row := map[string]string{}
		for i, h := range header {
			if i < len(rec) {
				row[h] = rec[i]
			}
		}
		rows[row["run_id"]] = row
	}
	return rows, nil
}

// Root returns the conformance folder as seen from a package directory of
// the repository (../shared/conformance beside the checkout), or "" if absent.
func Root() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		cand := filepath.Join(dir, "..", "shared", "conformance")
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			if st, err := os.Stat(cand); err == nil && st.IsDir() {
				return cand
			}
			return ""
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// TruncatedRuns reads known-truncated-runs.txt: the run ids of recorded
// runs that bilancio's display bug cut short (spec/dealer.md §14).
func TruncatedRuns(root string) (map[string]bool, error) {
	data, err := os.ReadFile(filepath.Join(root, "known-truncated-runs.txt"))
	if err != nil {
		return nil, fmt.Errorf("read the truncated runs: %w", err)
	}
	ids := map[string]bool{}
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		ids[filepath.Base(line)] = true
	}
	return ids, nil
}

// LayOutActiveExperiment lays a conformance set of active runs out in dir as
// the experiment folder bilancio's analyses read (aggregate/comparison.csv
// and active/runs/<id>, the runs linked rather than copied), from the set's
// comparison.csv and runs under root.
func LayOutActiveExperiment(root, set, dir string) error {
	if err := os.MkdirAll(filepath.Join(dir, "aggregate"), 0o755); err != nil {
		return err
	}
	comp, err := os.ReadFile(filepath.Join(root, set, "comparison.csv"))
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "aggregate", "comparison.csv"), comp, 0o644); err != nil {
		return err
	}
	runs, err := Runs(root, set)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(dir, "active", "runs"), 0o755); err != nil {
		return err
	}
	for _, r := range runs {
		abs, err := filepath.Abs(r.Dir)
		if err != nil {
			return err
		}
		if err := os.Symlink(abs, filepath.Join(dir, "active", "runs", r.ID)); err != nil {
			return err
		}
	}
	return nil
}
