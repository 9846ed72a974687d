package report

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"strconv"

	"github.com/cockroachdb/apd/v3"

	"github.com/bilancio-go/bilancio/internal/artifacts"
	"github.com/bilancio-go/bilancio/internal/pynum"
)

//go:embed compare.html.tmpl
var compareTemplateText string

// ComparisonColumns are the columns of comparison.csv: bilancio's
// ComparisonSweepRunner (spec/engine.md §9.3).
func ComparisonColumns() []string {
	return []string{
		"kappa", "concentration", "mu", "monotonicity", "seed", "delta_control", "delta_treatment",
		"delta_reduction", "relief_ratio", "phi_control", "phi_treatment", "control_run_id",
		"control_status", "treatment_run_id", "treatment_status",
	}
}

// ComparisonRow is one matched pair of runs (a side may be missing: its
// fields are empty).
type ComparisonRow struct {
	Kappa, Concentration, Mu, Monotonicity, Seed string
	DeltaControl, DeltaTreatment                 string
	DeltaReduction, ReliefRatio                  string // empty unless both deltas are known
	PhiControl, PhiTreatment                     string
	ControlRunID, ControlStatus                  string
	TreatmentRunID, TreatmentStatus              string
}

// Record is the row's comparison.csv fields.
func (r *ComparisonRow) Record() []string {
	return []string{
		r.Kappa, r.Concentration, r.Mu, r.Monotonicity, r.Seed, r.DeltaControl, r.DeltaTreatment,
		r.DeltaReduction, r.ReliefRatio, r.PhiControl, r.PhiTreatment, r.ControlRunID,
		r.ControlStatus, r.TreatmentRunID, r.TreatmentStatus,
	}
}

// compareKey matches runs across experiments.
type compareKey struct{ kappa, conc, mu, mono, seed string }

func keyOf(r *DashboardRun) compareKey {
	return compareKey{r.Kappa, r.Concentration, r.Mu, r.Monotonicity, r.Seed}
}

// runStatus is a side's status as bilancio reports it: completed when its
// delta is known, else failed.
func runStatus(r *DashboardRun) string {
	if r.Delta != "" {
		return "completed"
	}
	return "failed"
}

// Compare matches the runs of a control and a treatment experiment by
// (kappa, concentration, mu, monotonicity, seed): a row per control run in
// its order, then the treatment runs without a control. delta_reduction is
// control − treatment as a Decimal, relief_ratio the reduction over the
// control's delta (0 when that is 0).
func Compare(control, treatment *Dashboard) ([]ComparisonRow, error) {
	tr := make(map[compareKey]*DashboardRun, len(treatment.Runs))
	for i := range treatment.Runs {
		if k := keyOf(&treatment.Runs[i]); tr[k] == nil {
			tr[k] = &treatment.Runs[i]
		}
	}
	used := map[compareKey]bool{}
	var rows []ComparisonRow
	for i := range control.Runs {
		c := &control.Runs[i]
		k := keyOf(c)
		if used[k] {
			continue
		}
		used[k] = true
		r, err := comparisonRow(k, c, tr[k])
		if err != nil {
			return nil, err
		}
		rows = append(rows, r)
	}
	for i := range treatment.Runs {
		t := &treatment.Runs[i]
		if k := keyOf(t); !used[k] {
			used[k] = true
			r, err := comparisonRow(k, nil, t)
			if err != nil {
				return nil, err
			}
			rows = append(rows, r)
		}
	}
	return rows, nil
}

// comparisonRow pairs two runs (either may be nil).
func comparisonRow(k compareKey, c, t *DashboardRun) (ComparisonRow, error) {
	r := ComparisonRow{Kappa: k.kappa, Concentration: k.conc, Mu: k.mu, Monotonicity: k.mono, Seed: k.seed}
	if c != nil {
		r.DeltaControl, r.PhiControl, r.ControlRunID, r.ControlStatus = c.Delta, c.Phi, c.ID, runStatus(c)
	}
	if t != nil {
		r.DeltaTreatment, r.PhiTreatment, r.TreatmentRunID, r.TreatmentStatus = t.Delta, t.Phi, t.ID, runStatus(t)
	}
	if r.DeltaControl == "" || r.DeltaTreatment == "" {
		return r, nil
	}
	dc, err := decimalOf(r.DeltaControl)
	if err != nil {
		return r, fmt.Errorf("control run %s: %w", r.ControlRunID, err)
	}
	dt, err := decimalOf(r.DeltaTreatment)
	if err != nil {
		return r, fmt.Errorf("treatment run %s: %w", r.TreatmentRunID, err)
	}
	red := pynum.DecSub(dc, dt)
	r.DeltaReduction = pynum.Str(red)
	if dc.IsZero() {
		r.ReliefRatio = "0"
	} else {
		r.ReliefRatio = pynum.Str(pynum.DecQuo(red, dc))
	}
	return r, nil
}

// decimalOf parses a registry value.
func decimalOf(s string) (*apd.Decimal, error) {
	a, err := pynum.ParseDecimal(s)
	if err != nil {
		return nil, fmt.Errorf("delta_total %q: %w", s, err)
	}
	return a.Decimal(), nil
}

// WriteComparisonCSV writes rows as comparison.csv (CRLF, bilancio's
// columns).
func WriteComparisonCSV(w io.Writer, rows []ComparisonRow) error {
	b := artifacts.AppendCSVRecord(nil, ComparisonColumns())
	for i := range rows {
		b = artifacts.AppendCSVRecord(b, rows[i].Record())
	}
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("report: write comparison.csv: %w", err)
	}
	return nil
}

// comparePage is everything the comparison template shows.
type comparePage struct {
	CSS                template.CSS
	Control, Treatment string
	Cards              []dashCard
	Heatmaps           []dashFigure
	Rows               []ComparisonRow
}

// WriteComparison writes the side-by-side HTML page of two experiments: the
// mean deltas, a heatmap of the mean delta_reduction per (mu,
// monotonicity), and the table of matched runs.
func WriteComparison(w io.Writer, control, treatment *Dashboard, rows []ComparisonRow) error {
	tmpl, err := template.New("compare").Funcs(template.FuncMap{"short": shortDecimal}).Parse(compareTemplateText)
	if err != nil {
		return fmt.Errorf("report: parse comparison template: %w", err)
	}
	p := &comparePage{CSS: template.CSS(dashboardCSS), Control: control.ExperimentID, Treatment: treatment.ExperimentID, Rows: rows}
	var pts []Point
	paired, better, worse := 0, 0, 0
	var sum float64
	for _, r := range rows {
		v := math.NaN()
		if r.DeltaReduction != "" {
			v = paramValue(r.DeltaReduction)
			paired++
			sum += v
			switch {
			case v > 0:
				better++
			case v < 0:
				worse++
			}
		}
		pts = append(pts, Point{Kappa: r.Kappa, Concentration: r.Concentration, Mu: r.Mu, Monotonicity: r.Monotonicity, Value: v})
	}
	mean := math.NaN()
	if paired > 0 {
		mean = sum / float64(paired)
	}
	md, _ := meanOf(control.Runs, func(r *DashboardRun) string { return r.Delta })
	mt, _ := meanOf(treatment.Runs, func(r *DashboardRun) string { return r.Delta })
	p.Cards = []dashCard{
		{"Matched pairs", fmt.Sprint(paired), fmt.Sprintf("of %d rows", len(rows))},
		{"Mean δ control", fmtVal(md), control.ExperimentID},
		{"Mean δ treatment", fmtVal(mt), treatment.ExperimentID},
		{"Mean reduction", fmtVal(mean), "control − treatment"},
		{"Improved / worse", fmt.Sprintf("%d / %d", better, worse), fmt.Sprintf("%d unchanged", paired-better-worse)},
	}
	panels, showMono := Panels(pts)
	sc := ScaleOf(panels)
	for _, pn := range panels {
		p.Heatmaps = append(p.Heatmaps, dashFigure{
			Title:   pn.Title(showMono),
			Heatmap: template.HTML(HeatmapSVG(pn, sc, HeatmapOptions{ValueLabel: labelReduction})), //nolint:gosec // built from escaped text
		})
	}
	if err := tmpl.Execute(w, p); err != nil {
		return fmt.Errorf("report: render comparison: %w", err)
	}
	return nil
}

// shortDecimal prints a long decimal with six significant digits (the
// full value goes in the cell's title).
func shortDecimal(s string) string {
	if len(s) <= 10 {
		return s
	}
	if v := paramValue(s); !math.IsNaN(v) {
		return strconv.FormatFloat(v, 'g', 6, 64)
	}
	return s
}
