package report

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"strconv"
)

//go:embed dashboard.html.tmpl
var dashboardTemplateText string

// dashboardCSS is the style of the dashboard and comparison pages (the run
// page's palette).
//
//go:embed dashboard.css
var dashboardCSS string

// Dashboard is what an experiment's dashboard shows, read from its folder
// (see sweep.LoadDashboard): the summary, the runs and the frontier.
type Dashboard struct {
	ExperimentID string
	Executor     string // the executor plugin, empty when unknown
	Cost         string // the experiment's cost, empty when unknown
	Created      string // when the experiment was created and last updated
	Updated      string
	Total        int // runs planned (0: unknown, the runs listed)
	Runs         []DashboardRun
	Frontier     []FrontierCell
}

// DashboardRun is one registry row.
type DashboardRun struct {
	ID, Phase, Seed                        string
	Kappa, Concentration, Mu, Monotonicity string
	Status                                 string
	Phi, Delta                             string // registry values, empty when none
	TimeToStability                        string
	RunHTML                                string // link from aggregate/, empty when none
	Error                                  string
}

// FrontierCell is a frontier search's result for one cell: the smallest
// kappa at which the ring clears, empty when none was found.
type FrontierCell struct {
	Concentration, Mu, Monotonicity, Kappa string
	Probes                                 int
}

// Points returns the runs as figure points (delta_total, NaN when none).
func (d *Dashboard) Points() []Point {
	pts := make([]Point, len(d.Runs))
	for i, r := range d.Runs {
		v := math.NaN()
		if r.Status == "completed" && r.Delta != "" {
			v = paramValue(r.Delta)
		}
		pts[i] = Point{Kappa: r.Kappa, Concentration: r.Concentration, Mu: r.Mu, Monotonicity: r.Monotonicity, Value: v}
	}
	return pts
}

// dashCard is one summary card.
type dashCard struct{ Label, Value, Note string }

// dashFigure is one panel's heatmap and lines.
type dashFigure struct {
	Title          string
	Heatmap, Lines template.HTML
}

// dashPage is everything the template shows.
type dashPage struct {
	CSS       template.CSS
	ID        string
	Cards     []dashCard
	Figures   []dashFigure
	Frontier  []FrontierCell
	ShowMono  bool
	Columns   []string
	Rows      [][]string
	RowsCount int
}

// tableColumns are the columns of the runs table (keys for th[data-key]).
func tableColumns() []string {
	return []string{"run_id", "phase", "seed", "kappa", "concentration", "mu", "monotonicity", "status", "delta_total", "phi_total", "time_to_stability", "error"}
}

// meanOf is the mean of the parseable values of field over completed runs.
func meanOf(runs []DashboardRun, field func(*DashboardRun) string) (float64, int) {
	sum, n := 0.0, 0
	for i := range runs {
		if runs[i].Status != "completed" {
			continue
		}
		if v := paramValue(field(&runs[i])); !math.IsNaN(v) {
			sum += v
			n++
		}
	}
	if n == 0 {
		return math.NaN(), 0
	}
	return sum / float64(n), n
}

// WriteDashboard writes d as a single self-contained HTML page: summary
// cards, a heatmap and a line chart per (mu, monotonicity), the frontier,
// and a sortable, filterable table of the runs linking to their run.html.
func WriteDashboard(w io.Writer, d *Dashboard) error {
	tmpl, err := template.New("dashboard").Parse(dashboardTemplateText)
	if err != nil {
		return fmt.Errorf("report: parse dashboard template: %w", err)
	}
	if err := tmpl.Execute(w, buildDashPage(d)); err != nil {
		return fmt.Errorf("report: render dashboard: %w", err)
	}
	return nil
}

// buildDashPage lays the dashboard out.
func buildDashPage(d *Dashboard) *dashPage {
	completed, failed := 0, 0
	for _, r := range d.Runs {
		switch r.Status {
		case "completed":
			completed++
		case "failed":
			failed++
		}
	}
	total := max(d.Total, len(d.Runs))
	dash := func(s string) string {
		if s == "" {
			return "—"
		}
		return s
	}
	md, nd := meanOf(d.Runs, func(r *DashboardRun) string { return r.Delta })
	mp, np := meanOf(d.Runs, func(r *DashboardRun) string { return r.Phi })
	p := &dashPage{CSS: template.CSS(dashboardCSS), ID: d.ExperimentID, Frontier: d.Frontier, Columns: tableColumns(), RowsCount: len(d.Runs)}
	p.Cards = []dashCard{
		{"Runs", strconv.Itoa(total), fmt.Sprintf("%d listed, %d pending", len(d.Runs), max(total-completed-failed, 0))},
		{"Completed", strconv.Itoa(completed), ""},
		{"Failed", strconv.Itoa(failed), ""},
		{"Mean δ total", fmtVal(md), fmt.Sprintf("default rate over %d completed runs", nd)},
		{"Mean φ total", fmtVal(mp), fmt.Sprintf("clearing rate over %d completed runs", np)},
		{"Time range", dash(d.Created), "to " + dash(d.Updated)},
		{"Executor", dash(d.Executor), ""},
		{"Cost", dash(d.Cost), ""},
	}
	panels, showMono := Panels(d.Points())
	p.ShowMono = showMono
	sc := ScaleOf(panels)
	for _, pn := range panels {
		o := HeatmapOptions{ValueLabel: "mean δ total"}
		p.Figures = append(p.Figures, dashFigure{
			Title:   pn.Title(showMono),
			Heatmap: template.HTML(HeatmapSVG(pn, sc, o)), //nolint:gosec // built from escaped text
			Lines:   template.HTML(LinesSVG(pn, o)),       //nolint:gosec // built from escaped text
		})
	}
	p.Rows = make([][]string, len(d.Runs))
	for i, r := range d.Runs {
		p.Rows[i] = []string{r.ID, r.Phase, r.Seed, r.Kappa, r.Concentration, r.Mu, r.Monotonicity, r.Status, r.Delta, r.Phi, r.TimeToStability, r.Error, r.RunHTML}
	}
	return p
}
