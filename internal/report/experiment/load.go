package experiment

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/bilancio-go/bilancio/internal/artifacts"
	"github.com/bilancio-go/bilancio/internal/atomicfile"
	"github.com/bilancio-go/bilancio/internal/report"
	"github.com/bilancio-go/bilancio/internal/store"
	"github.com/bilancio-go/bilancio/internal/sweep"
)

// WriteDashboard (re)writes aggregate/dashboard.html of the experiment in
// dir, a paired one's (see IsPaired) or a plain one's. It is what
// sweep.Options.Dashboard expects.
func WriteDashboard(ctx context.Context, dir string) error {
	if IsPaired(dir) {
		return writePairedDashboardDir(ctx, dir)
	}
	d, err := Load(dir)
	if err != nil {
		return err
	}
	_, err = writeDashboardFile(dir, d)
	return err
}

// WriteReport (re)writes the dashboard and the figures
// (aggregate/figures, SVG and PNG) of the experiment in dir, a paired one's
// or a plain one's, and returns the dashboard's path and the figures'
// paths.
func WriteReport(ctx context.Context, dir string) (dashboard string, figures []string, err error) {
	if !IsPaired(dir) {
		return writeReport(dir)
	}
	dash, figs, err := writePairedReport(ctx, dir)
	if err != nil {
		return "", nil, fmt.Errorf("paired experiment: %w", err)
	}
	return dash, figs, nil
}

// Load reads an experiment folder for its dashboard: experiment.json
// (id, executor, times, planned runs), registry/experiments.csv (the runs)
// and the frontier in aggregate/summary.json when there is one.
func Load(dir string) (*report.Dashboard, error) {
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
		d.Executor = sweep.LocalExecutor // a sweep without an executor block runs locally
	}
	stamp := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	}
	d.Created, d.Updated = stamp(m.Created), stamp(m.Updated)
	b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(store.RegistryFile)))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("reading the registry: %w", err)
	}
	rows, err := artifacts.ReadCSVDicts(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", store.RegistryFile, err)
	}
	d.Runs = make([]report.DashboardRun, len(rows))
	for i, r := range rows {
		d.Runs[i] = report.DashboardRun{
			ID: r["run_id"], Phase: r["phase"], Seed: r["seed"],
			Kappa: r["kappa"], Concentration: r["concentration"], Mu: r["mu"], Monotonicity: r["monotonicity"],
			Status: r["status"], Phi: r["phi_total"], Delta: r["delta_total"],
			TimeToStability: r["time_to_stability"], RunHTML: r["run_html"], Error: r["error"],
		}
	}
	if d.Frontier, err = readFrontier(dir); err != nil {
		return nil, err
	}
	return d, nil
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
			Concentration string  `json:"concentration"`
			Mu            string  `json:"mu"`
			Monotonicity  string  `json:"monotonicity"`
			Kappa         *string `json:"kappa"`
			Probes        int     `json:"probes"`
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
		out = append(out, c)
	}
	return out, nil
}

// writeDashboardFile renders d into dir's aggregate/dashboard.html.
func writeDashboardFile(dir string, d *report.Dashboard) (string, error) {
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
func writeReport(dir string) (dashboard string, figures []string, err error) {
	d, err := Load(dir)
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
	files, err := report.Figures(d)
	if err != nil {
		return "", nil, err
	}
	for _, f := range files {
		p := filepath.Join(figDir, f.Name)
		if err := atomicfile.WriteFile(p, f.Data, 0o644); err != nil {
			return "", nil, fmt.Errorf("writing figure %s: %w", f.Name, err)
		}
		figures = append(figures, p)
	}
	return dashboard, figures, nil
}
