package sweep

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"github.com/bilancio-go/bilancio/internal/store"
)

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

// unsafeChars is compiled on first use, not at every start of bilancio.
var unsafeChars = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`[^A-Za-z0-9._-]+`) })

// slug turns a name into a folder name.
func slug(name string) string {
	s := unsafeChars().ReplaceAllString(strings.TrimSpace(name), "_")
	s = strings.Trim(s, "_.")
	if len(s) > 100 {
		s = s[:100]
	}
	return s
}

// ExperimentDir is the folder of a sweep's experiment: Spec.ExperimentDir,
// or <out>/<experiment id> with out the outDir argument, Spec.OutDir or
// store.DefaultOutDir, the first one set.
func ExperimentDir(s *Spec, p *Plan, outDir string) string {
	if s.ExperimentDir != "" {
		return s.ExperimentDir
	}
	for _, d := range []string{outDir, s.OutDir, store.DefaultOutDir} {
		if d != "" {
			return filepath.Join(d, ExperimentID(s, p))
		}
	}
	return ""
}

// specJSON is a spec as experiment.json and paired.json keep it: without
// its source, which sweep.hcl holds.
func specJSON(s *Spec) ([]byte, error) {
	spec := *s
	spec.Source = nil
	return json.Marshal(&spec)
}

// source is what sweep.hcl keeps of a spec.
func source(s *Spec, origin string) store.Source {
	return store.Source{Text: s.Source, Name: s.SourceName, Origin: origin, Variables: s.Variables}
}

// ReadSpec reads the spec of an experiment folder's experiment.json.
func ReadSpec(m *store.Meta) (*Spec, error) {
	var s Spec
	if err := json.Unmarshal(m.Spec, &s); err != nil {
		return nil, fmt.Errorf("reading the sweep of %s: %w", store.MetaFile, err)
	}
	return &s, nil
}
