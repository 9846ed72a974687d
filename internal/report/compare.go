package report

import (
	_ "embed"
	"fmt"
	"io"

	"github.com/bilancio-go/bilancio/internal/artifacts"
	"github.com/bilancio-go/bilancio/internal/pynum"
)

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
	red := pynum.Sub(dc, dt)
	r.DeltaReduction = red.String()
	if dc.IsZero() {
		r.ReliefRatio = "0"
	} else {
		r.ReliefRatio = pynum.Quo(red, dc).String()
	}
	return r, nil
}

// decimalOf parses a registry value.
func decimalOf(s string) (pynum.Amount, error) {
	a, err := pynum.ParseDecimal(s)
	if err != nil {
		return pynum.Amount{}, fmt.Errorf("delta_total %q: %w", s, err)
	}
	return a, nil
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

// ComparedPairs is the paired dashboard of two experiments compared run by
// run (`sweep compare A B`): a pair per row, the first experiment the
// control, the second the treatment. Each pair links its runs' run.html (or
// their folders when they kept none) as their dashboards do, from their
// own aggregate/ folders: a caller writing the page elsewhere rebases them
// first.
func ComparedPairs(control, treatment *Dashboard, rows []ComparisonRow) *PairedDashboard {
	type run struct{ link, err string }
	runsOf := func(d *Dashboard) map[string]run {
		m := make(map[string]run, len(d.Runs))
		for _, r := range d.Runs {
			link := r.RunHTML
			if link == "" {
				link = r.RunDir
			}
			m[r.ID] = run{link, r.Error}
		}
		return m
	}
	cr, tr := runsOf(control), runsOf(treatment)
	d := &PairedDashboard{
		ExperimentID: control.ExperimentID + " vs " + treatment.ExperimentID,
		Layout:       PairedComparison,
		Experiments:  true,
		Kind:         "sweep comparison · two experiments, run by run",
		Config: []ConfigItem{
			{"control", control.ExperimentID}, {"control executor", orDash(control.Executor)},
			{"treatment", treatment.ExperimentID}, {"treatment executor", orDash(treatment.Executor)},
			{"matched by", "κ, c, μ, monotonicity and seed"},
		},
	}
	cols := ComparisonColumns()
	for i := range rows {
		rec := make(map[string]string, len(cols))
		for j, v := range rows[i].Record() {
			rec[cols[j]] = v
		}
		p := PairedRowOf(PairedComparison, rec)
		if p.ControlRunID != "" {
			p.ControlHTML, p.ControlError = cr[p.ControlRunID].link, cr[p.ControlRunID].err
		}
		if p.TreatmentRunID != "" {
			p.TreatmentHTML, p.TreatmentError = tr[p.TreatmentRunID].link, tr[p.TreatmentRunID].err
		}
		d.Pairs = append(d.Pairs, p)
	}
	return d
}

// WriteComparison writes the page of two experiments compared run by run:
// the paired dashboard of ComparedPairs.
func WriteComparison(w io.Writer, control, treatment *Dashboard, rows []ComparisonRow) error {
	return WritePairedDashboard(w, ComparedPairs(control, treatment, rows))
}
