package experiment

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/bilancio-go/bilancio/internal/artifacts"
	"github.com/bilancio-go/bilancio/internal/atomicfile"
	"github.com/bilancio-go/bilancio/internal/report"
	"github.com/bilancio-go/bilancio/internal/report/raster"
	"github.com/bilancio-go/bilancio/internal/store"
	"github.com/bilancio-go/bilancio/internal/usage"
)

// A paired experiment is bilancio's layout of a comparison or balanced
// sweep (spec/dealer.md §11.3, §12.3–12.4):
//
//	<dir>/<arm>/runs/<run_id>/...           an arm per folder: control and
//	<dir>/<arm>/registry/experiments.csv    treatment, or passive and active
//	<dir>/aggregate/comparison.csv          a row per pair
//	<dir>/aggregate/summary.json
//
// and its dashboard goes to <dir>/aggregate/dashboard.html (DashboardFile),
// its figures to <dir>/aggregate/figures (FiguresDir).
const (
	pdashComparisonFile = "aggregate/comparison.csv"
	pdashMetricsFile    = "out/dealer_metrics.json"
)

// pdashLayouts are the paired layouts, each with its two arm folders.
func pdashLayouts() []report.PairedLayout {
	return []report.PairedLayout{report.PairedComparison, report.PairedBalanced}
}

// IsPaired says whether dir is a paired experiment: it has
// the two arm folders of a comparison sweep (control, treatment) or of a
// balanced one (passive, active), and aggregate/comparison.csv or no
// experiment.json of its own. A plain experiment whose aggregate/ holds
// the output of `sweep compare` is not one.
func IsPaired(dir string) bool {
	arms := false
	for _, l := range pdashLayouts() {
		arms = arms || pdashHasArms(dir, l)
	}
	if !arms {
		return false
	}
	if st, err := os.Stat(filepath.Join(dir, filepath.FromSlash(pdashComparisonFile))); err == nil && !st.IsDir() {
		return true
	}
	_, err := os.Stat(filepath.Join(dir, store.MetaFile))
	return errors.Is(err, fs.ErrNotExist)
}

// pdashHasArms says whether both arm folders of layout l are in dir.
func pdashHasArms(dir string, l report.PairedLayout) bool {
	a, b := l.Arms()
	for _, arm := range []string{a, b} {
		if st, err := os.Stat(filepath.Join(dir, arm)); err != nil || !st.IsDir() {
			return false
		}
	}
	return true
}

// LoadPaired reads a paired experiment folder for its dashboard:
// the layout from aggregate/comparison.csv's header, a pair per row, the
// arms' registries (run.html links, errors), the dealer's PnL and trades
// (from comparison.csv's columns when it has them, else from each
// treatment or active run's out/dealer_metrics.json) and summary.json's
// config.
func (o Options) LoadPaired(ctx context.Context, dir string) (*report.PairedDashboard, error) {
	b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(pdashComparisonFile)))
	if err != nil {
		return nil, fmt.Errorf("reading the paired experiment %s: %w", dir, err)
	}
	layout, records, err := pdashReadComparison(b)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", pdashComparisonFile, err)
	}
	d := &report.PairedDashboard{ExperimentID: pdashExperimentID(dir), Layout: layout}
	base, dealer := layout.Arms()
	baseReg, err := pdashRegistry(dir, base)
	if err != nil {
		return nil, err
	}
	dealerReg, err := pdashRegistry(dir, dealer)
	if err != nil {
		return nil, err
	}
	d.Pairs = make([]report.PairedRow, len(records))
	for i, rec := range records {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("loading the paired dashboard: %w", err)
		}
		r := report.PairedRowOf(layout, rec)
		r.ControlHTML, r.ControlError = pdashRunLinks(dir, base, r.ControlRunID, baseReg)
		r.TreatmentHTML, r.TreatmentError = pdashRunLinks(dir, dealer, r.TreatmentRunID, dealerReg)
		if r.DealerPnL == "" && r.DealerReturn == "" && r.Trades == "" && r.TreatmentRunID != "" {
			if err := pdashDealerMetrics(dir, dealer, &r); err != nil {
				return nil, err
			}
		}
		d.Pairs[i] = r
	}
	if d.Config, err = pdashConfig(dir); err != nil {
		return nil, err
	}
	for _, arm := range []string{base, dealer} {
		a, err := o.pdashArm(dir, arm)
		if err != nil {
			return nil, err
		}
		d.Arms = append(d.Arms, a)
	}
	return d, nil
}

// pdashArm reads what the dashboard shows of an arm's experiment: the
// executor and times of its experiment.json (none when it has none; an
// experiment.json without an executor ran on o.DefaultExecutor) and its measured
// sandbox usage. An arm whose lock a bilancio process holds is running:
// it has no end yet.
func (o Options) pdashArm(dir, arm string) (report.PairedArm, error) {
	a := report.PairedArm{Name: arm}
	armDir := filepath.Join(dir, arm)
	p := filepath.Join(armDir, store.MetaFile)
	b, err := os.ReadFile(p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return a, fmt.Errorf("reading the %s arm's experiment: %w", arm, err)
	default:
		var m store.Meta
		if err := json.Unmarshal(b, &m); err != nil {
			return a, fmt.Errorf("reading %s: %w", p, err)
		}
		a.Executor, a.Started, a.Finished = o.DefaultExecutor, m.Created, m.Updated
		if name := m.ExecutorName(); name != "" {
			a.Executor = name
		}
		// A running arm's experiment.json was last written as it started.
		if a.Running = (&store.Store{Dir: armDir}).Locked(); a.Running {
			a.Finished = time.Time{}
		}
	}
	if a.Usage, err = pdashUsage(armDir); err != nil {
		return a, fmt.Errorf("reading the %s arm's sandbox usage: %w", arm, err)
	}
	return a, nil
}

// pdashUsage reads the measured usage of an arm's sandboxes: from
// aggregate/usage_summary.json (rewritten as each sandbox ends), else the
// usage object of its aggregate/summary.json, else the sum of its
// usage.csv; nil when it has none (it ran no sandbox).
func pdashUsage(armDir string) (*report.PairedUsage, error) {
	if _, err := os.Stat(filepath.Join(armDir, filepath.FromSlash(usage.SummaryFile))); err == nil {
		s, err := usage.ReadSummary(armDir)
		if err != nil {
			return nil, err
		}
		return pdashUsageOf(s.Totals, path.Base(usage.SummaryFile)), nil
	}
	p := filepath.Join(armDir, filepath.FromSlash(store.SummaryFile))
	b, err := os.ReadFile(p)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("reading the summary: %w", err)
	}
	if err == nil {
		var s struct {
			Usage *usage.Totals `json:"usage"`
		}
		if err := json.Unmarshal(b, &s); err != nil {
			return nil, fmt.Errorf("reading %s: %w", p, err)
		}
		if s.Usage != nil {
			return pdashUsageOf(*s.Usage, path.Base(store.SummaryFile)), nil
		}
	}
	recs, err := usage.Read(filepath.Join(armDir, usage.File))
	if err != nil || len(recs) == 0 {
		return nil, err
	}
	return pdashUsageOf(usage.Sum(recs).Rounded(), usage.File), nil
}

// pdashUsageOf is the dashboard's copy of usage totals read from source.
func pdashUsageOf(t usage.Totals, source string) *report.PairedUsage {
	return &report.PairedUsage{
		Sandboxes: t.Sandboxes, SandboxSeconds: t.SandboxSeconds, CoreSeconds: t.CoreSeconds,
		GiBSeconds: t.GiBSeconds, GPUSeconds: t.GPUSeconds, Cost: t.Cost, Currency: t.Currency, Source: source,
	}
}

// pdashReadComparison reads comparison.csv: its layout, told by the
// header, and a map per non-empty record.
func pdashReadComparison(b []byte) (report.PairedLayout, []map[string]string, error) {
	cr := csv.NewReader(bytes.NewReader(b))
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return 0, nil, errors.New("the file is empty (no header)")
	}
	if err != nil {
		return 0, nil, fmt.Errorf("reading the header: %w", err)
	}
	layout, err := report.PairedLayoutOf(header)
	if err != nil {
		return 0, nil, err
	}
	for i := range header {
		header[i] = strings.TrimSpace(strings.TrimPrefix(header[i], "\ufeff"))
	}
	var out []map[string]string
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return layout, out, nil
		}
		if err != nil {
			return 0, nil, fmt.Errorf("reading record %d: %w", len(out)+1, err)
		}
		m := make(map[string]string, len(header))
		for i, name := range header {
			if i < len(rec) {
				m[name] = rec[i]
			}
		}
		out = append(out, m)
	}
}

// pdashExperimentID is the experiment's id: the experiment_id of the
// folder's paired.json or experiment.json when it has one, else the
// folder's name.
func pdashExperimentID(dir string) string {
	for _, name := range []string{"paired.json", store.MetaFile} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			continue
		}
		var m struct {
			ID string `json:"experiment_id"`
		}
		if json.Unmarshal(b, &m) == nil && m.ID != "" {
			return m.ID
		}
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return filepath.Base(dir)
	}
	return filepath.Base(abs)
}

// pdashRegistry reads an arm's registry/experiments.csv by run id (empty
// when the arm has none).
func pdashRegistry(dir, arm string) (map[string]map[string]string, error) {
	p := filepath.Join(dir, arm, filepath.FromSlash(store.RegistryFile))
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the %s registry: %w", arm, err)
	}
	rows, err := artifacts.ReadCSVDicts(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", p, err)
	}
	out := make(map[string]map[string]string, len(rows))
	for _, r := range rows {
		out[r["run_id"]] = r
	}
	return out, nil
}

// pdashRunLinks returns the link from aggregate/ to a run's run.html when
// the file exists (where the arm's registry says, else
// <arm>/runs/<id>/run.html), and the registry's error text.
func pdashRunLinks(dir, arm, id string, reg map[string]map[string]string) (link, errText string) {
	if id == "" || strings.ContainsAny(id, `/\`) || id == "." || id == ".." {
		return "", ""
	}
	rel := path.Join(arm, store.RunsDir, id, artifacts.RunHTMLFile)
	if row, ok := reg[id]; ok {
		errText = row["error"]
		// Registry paths are relative to <arm>/registry/.
		if h := row["run_html"]; h != "" && !path.IsAbs(filepath.ToSlash(h)) {
			if p := path.Join(arm, "registry", filepath.ToSlash(h)); !strings.HasPrefix(p, "../") && p != ".." {
				rel = p
			}
		}
	}
	if st, err := os.Stat(filepath.Join(dir, filepath.FromSlash(rel))); err != nil || st.IsDir() {
		// The run did not keep run.html (a sweep may keep less than every
		// artifact; `bilancio report` rebuilds it): link its folder.
		folder := path.Join(arm, store.RunsDir, id)
		if st, err := os.Stat(filepath.Join(dir, filepath.FromSlash(folder))); err == nil && st.IsDir() {
			return "../" + folder + "/", errText
		}
		return "", errText
	}
	return "../" + rel, errText
}

// pdashDealerMetrics fills a pair's dealer fields from the dealer run's
// out/dealer_metrics.json (spec/dealer.md §10.2), when it has one.
func pdashDealerMetrics(dir, arm string, r *report.PairedRow) error {
	if strings.ContainsAny(r.TreatmentRunID, `/\`) || r.TreatmentRunID == "." || r.TreatmentRunID == ".." {
		return nil
	}
	p := filepath.Join(dir, arm, store.RunsDir, r.TreatmentRunID, filepath.FromSlash(pdashMetricsFile))
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading the dealer metrics: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m struct {
		PnL    *json.Number `json:"dealer_total_pnl"`
		Return *json.Number `json:"dealer_total_return"`
		Trades *json.Number `json:"total_trades"`
	}
	if err := dec.Decode(&m); err != nil {
		return fmt.Errorf("reading %s: %w", p, err)
	}
	text := func(n *json.Number) string {
		if n == nil {
			return ""
		}
		return n.String()
	}
	r.DealerPnL, r.DealerReturn, r.Trades = text(m.PnL), text(m.Return), text(m.Trades)
	if r.DealerPnL != "" || r.DealerReturn != "" || r.Trades != "" {
		r.DealerSource = "dealer_metrics.json"
	}
	return nil
}

// pdashConfigKeys are the config keys of the two summary.json layouts
// (spec/dealer.md §11.3, §12.4), in bilancio's order.
func pdashConfigKeys() []string {
	return []string{"n_agents", "maturity_days", "Q_total", "base_seed", "face_value", "big_entity_share",
		"kappas", "concentrations", "mus", "outside_mid_ratios"}
}

// pdashConfig reads the config of aggregate/summary.json as text (none
// when the file or the key is absent).
func pdashConfig(dir string) ([]report.ConfigItem, error) {
	p := filepath.Join(dir, filepath.FromSlash(store.SummaryFile))
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the summary: %w", err)
	}
	var s struct {
		Config map[string]json.RawMessage `json:"config"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("reading %s: %w", p, err)
	}
	var out []report.ConfigItem
	for _, k := range pdashConfigKeys() {
		raw, ok := s.Config[k]
		if !ok {
			continue
		}
		out = append(out, report.ConfigItem{Key: k, Value: pdashJSONText(raw)})
	}
	return out, nil
}

// pdashJSONText prints a JSON value for the page: strings unquoted, lists
// joined with commas, anything else as written.
func pdashJSONText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) == nil {
		parts := make([]string, len(list))
		for i, v := range list {
			parts[i] = pdashJSONText(v)
		}
		return strings.Join(parts, ", ")
	}
	return strings.TrimSpace(string(raw))
}

// writePairedDashboardDir (re)writes aggregate/dashboard.html of the paired
// experiment in dir, through a temporary file renamed into place.
func (o Options) writePairedDashboardDir(ctx context.Context, dir string) error {
	d, err := o.LoadPaired(ctx, dir)
	if err != nil {
		return err
	}
	_, err = pdashWritePage(dir, d)
	return err
}

// pdashWritePage renders d into dir's aggregate/dashboard.html and
// returns its path.
func pdashWritePage(dir string, d *report.PairedDashboard) (string, error) {
	var buf bytes.Buffer
	if err := report.WritePairedDashboard(&buf, d); err != nil {
		return "", err
	}
	p := filepath.Join(dir, filepath.FromSlash(store.DashboardFile))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return "", fmt.Errorf("writing the paired dashboard: %w", err)
	}
	if err := atomicfile.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		return "", fmt.Errorf("writing the paired dashboard: %w", err)
	}
	return p, nil
}

// writePairedReport (re)writes the paired experiment's figures
// (aggregate/figures, SVG and PNG: see PairedFigures) and then its
// dashboard, which lists them, and returns the dashboard's path and the
// figures' paths.
func (o Options) writePairedReport(ctx context.Context, dir string) (dashboard string, figures []string, err error) {
	d, err := o.LoadPaired(ctx, dir)
	if err != nil {
		return "", nil, err
	}
	files, err := report.PairedFigures(d, raster.Raster{})
	if err != nil {
		return "", nil, err
	}
	figDir := filepath.Join(dir, filepath.FromSlash(store.FiguresDir))
	if err := os.MkdirAll(figDir, 0o755); err != nil {
		return "", nil, fmt.Errorf("writing the figures: %w", err)
	}
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return "", nil, fmt.Errorf("writing the figures: %w", err)
		}
		p := filepath.Join(figDir, f.Name)
		if err := atomicfile.WriteFile(p, f.Data, 0o644); err != nil {
			return "", nil, fmt.Errorf("writing figure %s: %w", f.Name, err)
		}
		figures = append(figures, p)
		d.Figures = append(d.Figures, f.Name)
	}
	if dashboard, err = pdashWritePage(dir, d); err != nil {
		return "", nil, err
	}
	return dashboard, figures, nil
}
