package experiment

import (
	"bytes"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/bilancio-go/bilancio/internal/atomicfile"
	"github.com/bilancio-go/bilancio/internal/report"
)

// Comparison is what WriteComparison wrote: the matched rows and the
// paths of comparison.csv and comparison.html.
type Comparison struct {
	Rows      []report.ComparisonRow
	CSV, HTML string
}

// WriteComparison compares the experiments in the folders control and
// treatment run by run (matched by κ, c, μ, monotonicity and seed: see
// report.Compare) and writes comparison.csv and comparison.html (the
// paired dashboard of the matched runs) into out, control's aggregate/
// when empty. The page's links to the runs are rebased onto out.
func (o Options) WriteComparison(control, treatment, out string) (*Comparison, error) {
	a, err := o.Load(control)
	if err != nil {
		return nil, err
	}
	b, err := o.Load(treatment)
	if err != nil {
		return nil, err
	}
	rows, err := report.Compare(a, b)
	if err != nil {
		return nil, err
	}
	if out == "" {
		out = filepath.Join(control, "aggregate")
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, fmt.Errorf("creating %s: %w", out, err)
	}
	for _, side := range []struct {
		d   *report.Dashboard
		dir string
	}{{a, control}, {b, treatment}} {
		if err := rebaseLinks(side.d, filepath.Join(side.dir, "aggregate"), out); err != nil {
			return nil, err
		}
	}
	var csvBuf, htmlBuf bytes.Buffer
	if err := report.WriteComparisonCSV(&csvBuf, rows); err != nil {
		return nil, err
	}
	if err := report.WriteComparison(&htmlBuf, a, b, rows); err != nil {
		return nil, err
	}
	c := &Comparison{Rows: rows, CSV: filepath.Join(out, "comparison.csv"), HTML: filepath.Join(out, "comparison.html")}
	if err := atomicfile.WriteFile(c.CSV, csvBuf.Bytes(), 0o644); err != nil {
		return nil, fmt.Errorf("writing comparison.csv: %w", err)
	}
	if err := atomicfile.WriteFile(c.HTML, htmlBuf.Bytes(), 0o644); err != nil {
		return nil, fmt.Errorf("writing comparison.html: %w", err)
	}
	return c, nil
}

// rebaseLinks makes the run links of d, relative to the folder from, relative
// to the folder to instead.
func rebaseLinks(d *report.Dashboard, from, to string) error {
	absFrom, err := filepath.Abs(from)
	if err != nil {
		return fmt.Errorf("rebasing the run links: %w", err)
	}
	absTo, err := filepath.Abs(to)
	if err != nil {
		return fmt.Errorf("rebasing the run links: %w", err)
	}
	if absFrom == absTo {
		return nil
	}
	rebase := func(link string) string {
		if link == "" {
			return ""
		}
		rel, err := filepath.Rel(absTo, filepath.Join(absFrom, filepath.FromSlash(link)))
		if err != nil {
			return ""
		}
		s := filepath.ToSlash(rel)
		if strings.HasSuffix(link, "/") {
			s = path.Clean(s) + "/"
		}
		return s
	}
	for i := range d.Runs {
		d.Runs[i].RunHTML, d.Runs[i].RunDir = rebase(d.Runs[i].RunHTML), rebase(d.Runs[i].RunDir)
	}
	return nil
}
