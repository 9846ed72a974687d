package experiment

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bilancio-go/bilancio/internal/artifacts"
	"github.com/bilancio-go/bilancio/internal/atomicfile"
	"github.com/bilancio-go/bilancio/internal/report"
	"github.com/bilancio-go/bilancio/internal/report/raster"
	"github.com/bilancio-go/bilancio/internal/store"
)

// Options are what an experiment's folder does not say and its caller
// knows. The zero value reads and writes every page, leaving unknown what
// the folder does not record.
type Options struct {
	// DefaultExecutor names the executor of a sweep whose spec names none:
	// the one the caller runs such sweeps on (the commands pass
	// pluginhost.LocalExecutor). Empty: the executor is shown as unknown.
	DefaultExecutor string
}

// WriteDashboard (re)writes aggregate/dashboard.html of the experiment in
// dir, a paired one's (see IsPaired) or a plain one's. It is what
// sweep.Options.Dashboard expects.
func (o Options) WriteDashboard(ctx context.Context, dir string) error {
	if IsPaired(dir) {
		return o.writePairedDashboardDir(ctx, dir)
	}
	d, err := o.load(ctx, dir, true)
	if err != nil {
		return err
	}
	_, err = writeDashboardFile(dir, d)
	return err
}

// PointsFile is the per-point table of an experiment: a row per parameter
// point with the mean δ and φ over its runs (its replicates) and their 95%
// intervals (report.PointsCSV). results.csv keeps one row per run.
const PointsFile = "aggregate/points.csv"

// WriteReport (re)writes the dashboard and the figures
// (aggregate/figures, SVG and PNG) of the experiment in dir, a paired one's
// or a plain one's, and returns the dashboard's path and the figures'
// paths.
func (o Options) WriteReport(ctx context.Context, dir string) (dashboard string, figures []string, err error) {
	if !IsPaired(dir) {
		return o.writeReport(ctx, dir)
	}
	dash, figs, err := o.writePairedReport(ctx, dir)
	if err != nil {
		return "", nil, fmt.Errorf("paired experiment: %w", err)
	}
	return dash, figs, nil
}

// Load reads an experiment folder for its dashboard: experiment.json
// (id, executor, times, planned runs), registry/experiments.csv (every
// run) and the frontier in aggregate/summary.json when there is one.
func (o Options) Load(dir string) (*report.Dashboard, error) {
	return o.load(context.Background(), dir, false)
}

// load reads an experiment folder for its dashboard (see Load); with
// summarize, a registry of more than report.MaxListed runs is read as a
// stream into the dashboard's summary and a sample of its runs (see
// report.RunsSummary), so that the memory does not grow with the runs.
func (o Options) load(ctx context.Context, dir string, summarize bool) (*report.Dashboard, error) {
	_, m, err := store.Open(dir)
	if err != nil {
		return nil, err
	}
	d := &report.Dashboard{
		ExperimentID: m.ExperimentID,
		Executor:     m.ExecutorName(),
		Total:        m.Planned(),
	}
	if d.Executor == "" {
		d.Executor = o.DefaultExecutor // a sweep without an executor block
	}
	stamp := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	}
	d.Created, d.Updated = stamp(m.Created), stamp(m.Updated)
	if summarize {
		summarized, err := summarizeRuns(ctx, dir, d)
		if err != nil {
			return nil, err
		}
		if summarized {
			return o.loadRest(dir, m, d)
		}
	} else {
		err := eachRegistryRun(ctx, dir, func(r *report.DashboardRun) error {
			d.Runs = append(d.Runs, *r)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	if d.Runs == nil {
		d.Runs = []report.DashboardRun{} // no runs yet: an empty list, not none
	}
	for i := range d.Runs {
		d.Runs[i].RunHTML, d.Runs[i].RunDir = runLinks(dir, d.Runs[i].ID, d.Runs[i].RunHTML)
	}
	reps, err := readReplicates(dir)
	if err != nil {
		return nil, err
	}
	for i := range d.Runs {
		d.Runs[i].Replicate = reps[d.Runs[i].ID]
	}
	return o.loadRest(dir, m, d)
}

// loadRest reads what the dashboard shows besides the runs: the frontier,
// the configuration and the variables.
func (o Options) loadRest(dir string, m *store.Meta, d *report.Dashboard) (*report.Dashboard, error) {
	var err error
	if d.Frontier, err = readFrontier(dir); err != nil {
		return nil, err
	}
	if d.Config, err = readConfig(dir); err != nil {
		return nil, err
	}
	var spec struct{ Variables map[string]string }
	if json.Unmarshal(m.Spec, &spec) == nil {
		for _, k := range slices.Sorted(maps.Keys(spec.Variables)) {
			d.Variables = append(d.Variables, report.ConfigItem{Key: k, Value: spec.Variables[k]})
		}
	}
	return d, nil
}

// readReplicates returns each run's replicate from results.csv's
// "replicate" column, which a sweep with replicates adds as its last (nil
// when the file or the column is absent: a sweep without replicates). Only
// the header is read when there is no such column.
func readReplicates(dir string) (map[string]string, error) {
	f, err := os.Open(filepath.Join(dir, filepath.FromSlash(store.ResultsFile)))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the results: %w", err)
	}
	defer f.Close()
	cr := csv.NewReader(bufio.NewReader(f))
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return nil, nil // empty: no runs yet
	}
	id, rep := slices.Index(header, "run_id"), slices.Index(header, "replicate")
	if id < 0 || rep < 0 {
		return nil, nil
	}
	out := map[string]string{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", store.ResultsFile, err)
		}
		if id < len(rec) && rep < len(rec) {
			out[rec[id]] = rec[rep]
		}
	}
}

// runLinks returns the links from aggregate/ to a run's run.html (empty when
// the run did not keep it: a sweep may keep less than every artifact) and
// to its folder.
func runLinks(dir, id, registryHTML string) (html, folder string) {
	if id == "" || strings.ContainsAny(id, `/\`) || id == "." || id == ".." {
		return "", ""
	}
	folder = path.Join("..", store.RunsDir, id) + "/"
	rel := path.Join(store.RunsDir, id, artifacts.RunHTMLFile)
	if h := filepath.ToSlash(registryHTML); h != "" && !path.IsAbs(h) { // relative to registry/
		if p := path.Join("registry", h); !strings.HasPrefix(p, "../") {
			rel = p
		}
	}
	if st, err := os.Stat(filepath.Join(dir, filepath.FromSlash(rel))); err != nil || st.IsDir() {
		return "", folder
	}
	return "../" + rel, folder
}

// readConfig reads the config object of aggregate/summary.json as text, in
// the file's order, nested objects flattened ("frontier.kappa_low") and
// lists joined with commas (none when the file or the key is absent).
func readConfig(dir string) ([]report.ConfigItem, error) {
	p := filepath.Join(dir, filepath.FromSlash(store.SummaryFile))
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the summary: %w", err)
	}
	var s struct {
		Config json.RawMessage `json:"config"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("reading %s: %w", p, err)
	}
	if len(s.Config) == 0 {
		return nil, nil
	}
	var out []report.ConfigItem
	if err := flattenJSON(json.NewDecoder(bytes.NewReader(s.Config)), "", &out); err != nil {
		return nil, fmt.Errorf("reading %s: config: %w", p, err)
	}
	return out, nil
}

// flattenJSON reads one JSON value from dec and appends it to out: an
// object's members under prefix.key, in order; anything else as text.
func flattenJSON(dec *json.Decoder, prefix string, out *[]report.ConfigItem) error {
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return err
				}
				key := kt.(string)
				if prefix != "" {
					key = prefix + "." + key
				}
				if err := flattenJSON(dec, key, out); err != nil {
					return err
				}
			}
			_, err = dec.Token() // }
			return err
		case '[':
			var parts []string
			for dec.More() {
				var v any
				if err := dec.Decode(&v); err != nil {
					return err
				}
				parts = append(parts, jsonText(v))
			}
			*out = append(*out, report.ConfigItem{Key: prefix, Value: strings.Join(parts, ", ")})
			_, err = dec.Token() // ]
			return err
		}
	default:
		*out = append(*out, report.ConfigItem{Key: prefix, Value: jsonText(t)})
	}
	return nil
}

// jsonText prints a decoded JSON value for the page.
func jsonText(v any) string {
	switch v := v.(type) {
	case nil:
		return "none"
	case string:
		return v
	case json.Number:
		return v.String()
	case bool:
		return strconv.FormatBool(v)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// readFrontier reads the frontier cells of aggregate/summary.json (none
// when the file or the key is absent).
func readFrontier(dir string) ([]report.FrontierCell, error) {
	b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(store.SummaryFile)))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the summary: %w", err)
	}
	var s struct {
		Frontier []struct {
			Concentration string    `json:"concentration"`
			Mu            string    `json:"mu"`
			Monotonicity  string    `json:"monotonicity"`
			Kappa         *string   `json:"kappa"`
			Probes        int       `json:"probes"`
			Bracket       []*string `json:"bracket"`
			Bound         *string   `json:"bound"`
		} `json:"frontier"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("reading %s: %w", store.SummaryFile, err)
	}
	var out []report.FrontierCell
	for _, f := range s.Frontier {
		c := report.FrontierCell{Concentration: f.Concentration, Mu: f.Mu, Monotonicity: f.Monotonicity, Probes: f.Probes}
		if f.Kappa != nil {
			c.Kappa = *f.Kappa
		}
		if len(f.Bracket) == 2 && f.Bracket[0] != nil && f.Bracket[1] != nil {
			c.Low, c.High = *f.Bracket[0], *f.Bracket[1]
		}
		if f.Bound != nil {
			c.Bound = *f.Bound
		}
		out = append(out, c)
	}
	return out, nil
}

// writeDashboardFile renders d into dir's aggregate/dashboard.html, and
// writes the points table beside it.
func writeDashboardFile(dir string, d *report.Dashboard) (string, error) {
	points := func(w io.Writer) (int64, error) { return 0, report.WritePoints(w, d) }
	if err := atomicfile.Write(filepath.Join(dir, filepath.FromSlash(PointsFile)), 0o644, true, atomicfile.WriterFunc(points)); err != nil {
		return "", fmt.Errorf("writing the points table: %w", err)
	}
	var buf bytes.Buffer
	if err := report.WriteDashboard(&buf, d); err != nil {
		return "", err
	}
	path := filepath.Join(dir, filepath.FromSlash(store.DashboardFile))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", fmt.Errorf("writing the dashboard: %w", err)
	}
	if err := atomicfile.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return "", fmt.Errorf("writing the dashboard: %w", err)
	}
	return path, nil
}

// writeReport (re)writes the dashboard and the figures (aggregate/figures)
// of the plain experiment in dir, and returns the dashboard's path and the
// figures' paths.
func (o Options) writeReport(ctx context.Context, dir string) (dashboard string, figures []string, err error) {
	d, err := o.load(ctx, dir, true)
	if err != nil {
		return "", nil, err
	}
	if dashboard, err = writeDashboardFile(dir, d); err != nil {
		return "", nil, err
	}
	figDir := filepath.Join(dir, filepath.FromSlash(store.FiguresDir))
	if err := os.MkdirAll(figDir, 0o755); err != nil {
		return "", nil, fmt.Errorf("writing the figures: %w", err)
	}
	files, err := report.Figures(d, raster.Raster{})
	if err != nil {
		return "", nil, err
	}
	keep := map[string]bool{}
	for _, f := range files {
		p := filepath.Join(figDir, f.Name)
		if err := atomicfile.WriteFile(p, f.Data, 0o644); err != nil {
			return "", nil, fmt.Errorf("writing figure %s: %w", f.Name, err)
		}
		figures = append(figures, p)
		keep[f.Name] = true
	}
	// Figures of an earlier report that this one no longer draws (the
	// sweep grew, or its design changed) would mislead: remove them.
	old, err := os.ReadDir(figDir)
	if err != nil {
		return "", nil, fmt.Errorf("reading the figures folder: %w", err)
	}
	for _, e := range old {
		if name := e.Name(); !e.IsDir() && !keep[name] && (strings.HasSuffix(name, ".svg") || strings.HasSuffix(name, ".png")) {
			if err := os.Remove(filepath.Join(figDir, name)); err != nil {
				return "", nil, fmt.Errorf("removing the stale figure %s: %w", name, err)
			}
		}
	}
	return dashboard, figures, nil
}
