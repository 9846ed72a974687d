package report

import (
	_ "embed"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// dashboard.css and dashboard.js are the sweep dashboard's style and
// script, minified once per process (assets.go).
var (
	//go:embed dashboard.css
	dashboardCSS string
	//go:embed dashboard.js
	dashboardJS string
)

// Dashboard is what an experiment's dashboard shows, read from its folder
// (see report/experiment): the summary, the configuration, the runs and the
// frontier.
type Dashboard struct {
	ExperimentID string
	Executor     string // the executor plugin, empty when unknown
	Cost         string // the experiment's cost, empty when unknown
	Created      string // when the experiment was created and last updated
	Updated      string
	Total        int // runs planned (0: unknown, the runs listed)
	Runs         []DashboardRun
	Frontier     []FrontierCell
	// Config is the sweep's configuration (summary.json's config,
	// flattened: "lhs.kappa_range"), in the file's order, and Variables
	// the input variables it was run with.
	Config    []ConfigItem
	Variables []ConfigItem
	// Summary, when not nil, is what the dashboard knows of every run of
	// a sweep of more than MaxListed runs; Runs then holds a sample of
	// them (see RunsSummary).
	Summary *RunsSummary
}

// DashboardRun is one registry row.
type DashboardRun struct {
	ID, Phase, Seed                        string
	Kappa, Concentration, Mu, Monotonicity string
	Status                                 string
	Phi, Delta                             string // registry values, empty when none
	TimeToStability                        string
	Replicate                              string // the run's replicate of its point (results.csv), empty without replicates
	RunHTML                                string // link from aggregate/ to run.html, empty when none
	RunDir                                 string // link from aggregate/ to the run's folder
	Error                                  string
}

// FrontierCell is a frontier search's result for one cell: the kappa of the
// transition (the probed κ nearest it at which the ring clears; empty when
// none was found), the bracket of probed κ on either side of it (empty when
// the search ended at a bound of its range), and Bound, which says which
// bound ("clears_at_least_liquid": it cleared already at the least liquid
// end; "never_clears": not even at the most liquid κ reached).
type FrontierCell struct {
	Concentration, Mu, Monotonicity, Kappa string
	Probes                                 int
	Low, High                              string
	Bound                                  string
}

// config returns the value of a configuration key, "" when absent.
func (d *Dashboard) config(key string) string {
	for _, c := range d.Config {
		if c.Key == key {
			return c.Value
		}
	}
	return ""
}

// Points returns the runs as figure points (delta_total, NaN when none).
func (d *Dashboard) Points() []Point {
	pts := make([]Point, len(d.Runs))
	for i, r := range d.Runs {
		v := math.NaN()
		if r.Status == "completed" && r.Delta != "" {
			v = ParamValue(r.Delta)
		}
		pts[i] = Point{Kappa: r.Kappa, Concentration: r.Concentration, Mu: r.Mu, Monotonicity: r.Monotonicity, Value: v}
	}
	return pts
}

// continuousMin is the number of distinct values of a parameter from which
// the dashboard treats it as continuous (a Latin hypercube's draws) and
// bins it, rather than giving every value a row, a column or a panel.
const continuousMin = 13

// binsPerAxis is how many equal-width bins a continuous κ or c gets in the
// binned heatmaps; μ and monotonicity get three.
const (
	binsPerAxis = 6
	binsFacet   = 3
)

// designPoints returns the points the figures draw: the runs' own for a
// grid, and for a continuous design the runs with each continuous parameter
// replaced by its bin's label ("0.1–1.08"), so that a thousand draws make a
// handful of panels of a few cells.
func designPoints(d *Dashboard) []Point {
	if d.Summary != nil {
		return d.Summary.summaryPoints()
	}
	pts := d.Points()
	get := []func(*Point) *string{
		func(p *Point) *string { return &p.Kappa },
		func(p *Point) *string { return &p.Concentration },
		func(p *Point) *string { return &p.Mu },
		func(p *Point) *string { return &p.Monotonicity },
	}
	for axis, f := range get {
		distinct := map[float64]bool{}
		lo, hi := math.Inf(1), math.Inf(-1)
		for i := range pts {
			if v := ParamValue(*f(&pts[i])); !math.IsNaN(v) {
				distinct[v] = true
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
		if len(distinct) < continuousMin || !(hi > lo) {
			// Discrete: group equal numbers however written ("0E-19", "0").
			for i := range pts {
				if v := ParamValue(*f(&pts[i])); !math.IsNaN(v) {
					*f(&pts[i]) = strconv.FormatFloat(v+0, 'g', -1, 64)
				}
			}
			continue
		}
		n := binsPerAxis
		if axis >= 2 {
			n = binsFacet
		}
		w := (hi - lo) / float64(n)
		labels := make([]string, n)
		for b := range labels {
			labels[b] = fmtVal(lo+float64(b)*w) + "–" + fmtVal(lo+float64(b+1)*w)
		}
		for i := range pts {
			v := ParamValue(*f(&pts[i]))
			if math.IsNaN(v) {
				continue
			}
			b := min(int((v-lo)/w), n-1)
			*f(&pts[i]) = labels[b]
		}
	}
	return pts
}

// binStart is the lower end of a bin label "lo–hi" (or the value itself),
// to order bins.
func binStart(s string) float64 {
	if i := strings.Index(s, "–"); i > 0 {
		return ParamValue(s[:i])
	}
	return ParamValue(s)
}

// Finding is the one-line answer the data gives: where the default rate δ
// crosses one half along κ, for each concentration (binned when
// continuous), by linear interpolation between the mean δ of neighbouring
// κ values; "" without enough completed runs.
func (d *Dashboard) Finding() string {
	type acc struct{ sum, n float64 }
	byC := map[string]map[string]*acc{}
	others := map[[2]string]bool{} // the (μ, monotonicity) the means run over
	for _, p := range designPoints(d) {
		others[[2]string{p.Mu, p.Monotonicity}] = true
		if _, n := p.weighted(); n == 0 {
			continue
		}
		m := byC[p.Concentration]
		if m == nil {
			m = map[string]*acc{}
			byC[p.Concentration] = m
		}
		a := m[p.Kappa]
		if a == nil {
			a = &acc{}
			m[p.Kappa] = a
		}
		sum, n := p.weighted()
		a.sum += sum
		a.n += float64(n)
	}
	var cs []string
	for c := range byC {
		cs = append(cs, c)
	}
	sort.Slice(cs, func(i, j int) bool { return binStart(cs[i]) < binStart(cs[j]) })
	var parts, above, below []string
	rule := kappaWords(d.config("kappa_rule"))
	for _, c := range cs {
		type pt struct{ k, v float64 }
		var pts []pt
		for k, a := range byC[c] {
			pts = append(pts, pt{ParamValue(k), a.sum / a.n}) // a bin: its middle
		}
		if len(pts) < 2 {
			continue
		}
		sort.Slice(pts, func(i, j int) bool { return pts[i].k < pts[j].k })
		label := "c = " + c
		if strings.Contains(c, "–") {
			label = "c in " + c
		}
		if len(byC) == 1 {
			label = "every c"
		}
		cross := ""
		for i := 1; i < len(pts); i++ {
			a, b := pts[i-1], pts[i]
			if (a.v-0.5)*(b.v-0.5) <= 0 && a.v != b.v {
				k := a.k + (0.5-a.v)/(b.v-a.v)*(b.k-a.k)
				cross = "at κ ≈ " + fmtVal(k)
				break
			}
		}
		switch {
		case cross != "":
			parts = append(parts, cross+" for "+label)
		case pts[0].v > 0.5:
			above = append(above, label)
		default:
			below = append(below, label)
		}
	}
	if len(parts)+len(above)+len(below) == 0 {
		return ""
	}
	var s string
	if len(parts) > 0 {
		s = "Along κ, the default rate δ crosses ½ " + strings.Join(parts, "; ") + "."
	}
	if len(above) > 0 {
		s += " δ stays above ½ at every κ for " + strings.Join(above, ", ") + "."
	}
	if len(below) > 0 {
		s += " δ stays below ½ at every κ for " + strings.Join(below, ", ") + "."
	}
	s = strings.TrimSpace(s)
	if len(others) > 1 {
		s += " (Means over μ and monotonicity; the figures show each.)"
	}
	if rule != "" {
		s += " " + rule
	}
	return s
}

// kappaWords says what κ means under a kappa rule.
func kappaWords(rule string) string {
	switch strings.ReplaceAll(rule, "-", "_") {
	case "debt_over_liquidity":
		return "Here κ = S₁ / L₀, debt over money: a larger κ means less money per unit of debt."
	case "liquidity_over_debt":
		return "Here κ = L₀ / S₁, money over debt: a larger κ means more money per unit of debt."
	}
	return ""
}

// Warnings are what a reader must know before trusting the figures: runs
// that failed, results saturated at one end, frontier searches that ended
// at a bound of their range.
func (d *Dashboard) Warnings() []string {
	var out []string
	c := d.counts()
	completed, failed, high, low := c.Completed, c.Failed, c.High, c.Low
	if failed > 0 {
		out = append(out, plural(failed, "run", "runs")+" failed; the figures leave them out (see the table's error column).")
	}
	if completed >= 4 {
		switch {
		case high*10 >= completed*9:
			out = append(out, fmt.Sprintf("Saturated: %d of %d runs have δ ≥ 0.85 — nearly everything defaults over this range, so the figures cannot show where it stops. %s", high, completed, d.saturationHint(true)))
		case low*10 >= completed*9:
			out = append(out, fmt.Sprintf("Saturated: %d of %d runs have δ ≤ 0.15 — nearly everything clears over this range. %s", low, completed, d.saturationHint(false)))
		}
	}
	var atLeast, never []string
	for _, f := range d.Frontier {
		cell := "c = " + f.Concentration + ", μ = " + f.Mu
		switch {
		case f.Bound == "never_clears" || f.Bound == "" && f.Kappa == "":
			never = append(never, cell)
		case f.Bound == "clears_at_least_liquid":
			atLeast = append(atLeast, cell)
		}
	}
	if len(atLeast) > 0 {
		out = append(out, fmt.Sprintf("The frontier search ended at a bound in %s (%s): the ring already clears at the least liquid end of the searched range, so the transition lies beyond it, toward less money.", plural(len(atLeast), "cell", "cells"), listSome(atLeast, 4)))
	}
	if len(never) > 0 {
		out = append(out, fmt.Sprintf("No frontier found in %s (%s): the ring did not clear even at the most liquid κ the search reached.", plural(len(never), "cell", "cells"), listSome(never, 4)))
	}
	return out
}

// saturationHint suggests which way to move κ, by the kappa rule.
func (d *Dashboard) saturationHint(defaults bool) string {
	switch strings.ReplaceAll(d.config("kappa_rule"), "-", "_") {
	case "debt_over_liquidity":
		if defaults {
			return "Try smaller κ (more money per unit of debt), or see the default handling and liquidity settings in the configuration."
		}
		return "Try larger κ (less money per unit of debt)."
	case "liquidity_over_debt":
		if defaults {
			return "Try larger κ (more money per unit of debt), or see the default handling and liquidity settings in the configuration."
		}
		return "Try smaller κ (less money per unit of debt)."
	}
	return ""
}

// counts are the runs' counts and sums that the cards and warnings show:
// the summary's when it has counted every run, else those of the runs
// listed, counted by the same rules (Summarizer.Scan).
func (d *Dashboard) counts() RunsSummary {
	if d.Summary != nil {
		return *d.Summary
	}
	z := NewSummarizer()
	for i := range d.Runs {
		z.Scan(&d.Runs[i])
	}
	return z.s
}

// dashboardCards are the summary cards.
func dashboardCards(d *Dashboard) []sweepCard {
	c := d.counts()
	completed, failed, listed := c.Completed, c.Failed, c.Listed
	// A mean over no runs is NaN (0/0), shown as a dash.
	md, nd, mp, np := c.DeltaSum/float64(c.DeltaN), c.DeltaN, c.PhiSum/float64(c.PhiN), c.PhiN
	total := max(d.Total, listed)
	cards := []sweepCard{
		{Label: "Runs", Value: strconv.Itoa(total), Note: fmt.Sprintf("%d listed, %d pending", listed, max(total-completed-failed, 0))},
		{Label: "Completed", Value: strconv.Itoa(completed)},
		{Label: "Failed", Value: strconv.Itoa(failed)},
		{Label: "Mean δ total", Value: fmtVal(md), Note: fmt.Sprintf("default rate over %d completed runs", nd)},
		{Label: "Mean φ total", Value: fmtVal(mp), Note: fmt.Sprintf("clearing rate over %d completed runs", np)},
		{Label: "Time range", Value: orDash(d.Created), Note: "to " + orDash(d.Updated)},
		{Label: "Executor", Value: orDash(d.Executor)},
	}
	if d.Cost != "" {
		cards = append(cards, sweepCard{Label: "Cost", Value: d.Cost})
	}
	return cards
}

// WriteDashboard writes d as a single self-contained HTML page: summary
// cards, the finding and warnings, the configuration, the figures the
// design calls for (heatmaps and lines for a grid; scatter plots and binned
// heatmaps for a Latin hypercube; the frontier), with a metric selector,
// and a filterable table of the runs linking to their run.html. The figures
// and the table are drawn by the page's script from the runs' data.
func WriteDashboard(w io.Writer, d *Dashboard) error {
	var b htmlBuf
	a := pageAssets()
	b.Grow(16384 + 160*len(d.Runs))
	b.raw(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8" /><meta name="viewport" content="width=device-width,initial-scale=1" /><title>`)
	b.text(d.ExperimentID)
	b.raw(" — bilancio sweep</title><style>")
	b.raw(a.dashCSS)
	b.raw("</style></head>\n<body><main>\n<p class=\"kicker\">bilancio · sweep dashboard</p><h1>")
	b.text(d.ExperimentID)
	b.raw("</h1>\n")
	writeSweepCards(&b, "summary", dashboardCards(d))
	if f := d.Finding(); f != "" {
		b.raw(`<p class="finding" id="finding"><b>Finding.</b> `)
		b.text(f)
		b.raw("</p>\n")
	}
	for _, s := range d.Warnings() {
		b.raw(`<p class="warning">`)
		b.text(s)
		b.raw("</p>\n")
	}
	writeConfig(&b, d)
	b.raw(`<noscript><p class="warning">The figures and the runs table are drawn by this page's script: allow JavaScript to see them. The summary, the finding and the configuration above are shown without it; the data are in results.csv and registry/experiments.csv beside this page.</p></noscript>`)
	b.raw("\n<section id=\"figures\"><h2>Figures</h2><p class=\"tools\"><label>Metric <select id=\"metric\"></select></label> <span class=\"note\" id=\"figure-note\"></span></p><div id=\"panels\"></div></section>\n")
	if len(d.Frontier) > 0 {
		b.raw("<section id=\"frontier\"><h2>Frontier</h2><p class=\"note\">Per cell, the κ at which the search says the ring starts to clear or stops clearing (δ within the tolerance), with the bracket of its last probes on either side; cells where the search ended at a bound of its range are marked.</p><div id=\"frontier-fig\"></div></section>\n")
	}
	b.raw("<section id=\"table\"><h2>Runs</h2>")
	if s := d.Summary; s != nil {
		b.raw(`<p class="note" id="runs-sample">`)
		b.text(fmt.Sprintf("This page lists %d of the sweep's %d runs: ", len(d.Runs), s.Listed))
		b.text(fmt.Sprintf("one run in %d (picked by its id), with every failed run and every frontier probe", s.Every))
		b.text(". The summary, the finding and the heatmaps and lines are computed from all of them; every run is in registry/experiments.csv and results.csv beside this page, and each point's mean in points.csv.")
		b.raw("</p>")
	}
	b.raw("<div id=\"runs-tools\" class=\"tools\"></div><div class=\"scroll\"><table id=\"runs\" class=\"data\"><thead></thead><tbody></tbody></table></div></section>\n")
	b.raw("<footer>Generated by bilancio (Go). Self-contained page: no external resources. Every figure can be downloaded as SVG or PNG, the table (as filtered) as CSV.</footer>\n</main>\n<script type=\"application/json\" id=\"dash-data\">")
	b.Write(dashboardData(d))
	b.raw("</script>\n<script>")
	b.raw(a.dashJS)
	b.raw("</script>\n</body></html>\n")
	_, err := w.Write(b.Bytes())
	return err
}

// writeConfig writes the configuration panel of a sweep dashboard.
func writeConfig(b *htmlBuf, d *Dashboard) {
	writeConfigPanel(b, d.Config, d.Executor, d.Variables)
}

// writeConfigPanel writes the configuration panel of a sweep page: the κ
// rule in words (when the configuration names it), the executor, every
// setting and the input variables; nothing when there are none.
func writeConfigPanel(b *htmlBuf, config []ConfigItem, executor string, variables []ConfigItem) {
	if len(config) == 0 && executor == "" && len(variables) == 0 {
		return
	}
	b.raw("<section id=\"config\"><h2>Configuration</h2>")
	rule := ""
	for _, c := range config {
		if c.Key == "kappa_rule" {
			rule = c.Value
		}
	}
	if s := kappaWords(rule); s != "" {
		b.raw(`<p class="note">`)
		b.text(s)
		b.raw(" μ misaligns the due days (0: every agent is paid before it must pay; 1: it must pay first); c is the Dirichlet concentration of the debts (small: a few large debts; large: nearly equal ones).</p>")
	}
	b.raw(`<dl class="config">`)
	item := func(k, v string) {
		b.raw("<div><dt>")
		b.text(k)
		b.raw("</dt><dd>")
		b.text(v)
		b.raw("</dd></div>")
	}
	if executor != "" {
		item("executor", executor)
	}
	for _, c := range config {
		item(c.Key, c.Value)
	}
	for _, v := range variables {
		item("var."+v.Key, v.Value)
	}
	b.raw("</dl></section>\n")
}

// dashboardData is the JSON document the dashboard's script draws from:
//
//	id:    the experiment id
//	runs:  [[run_id, phase, seed, κ, c, μ, monotonicity, status, δ, φ, time to stability, error, (replicate,) link], ...]
//	       (replicate only when a run has one; link: to run.html, or "dir:" and the run's folder
//	       when run.html was not kept)
//	reps:  1 when the runs have replicates (the table shows their column)
//	front: [[c, μ, monotonicity, κ or "", probes, bracket low, bracket high, bound], ...]
//	cfg:   {key: value} the configuration (frontier.kappa_low, frontier.tolerance, kappa_rule, ...)
func dashboardData(d *Dashboard) []byte {
	j := &jsonBuf{b: make([]byte, 0, 1024+200*len(d.Runs)), first: make([]bool, 0, 8)}
	j.obj()
	j.key("id")
	j.str(d.ExperimentID)
	reps := slices.ContainsFunc(d.Runs, func(r DashboardRun) bool { return r.Replicate != "" })
	j.key("runs")
	j.arr()
	for _, r := range d.Runs {
		link := r.RunHTML
		if link == "" && r.RunDir != "" {
			link = "dir:" + r.RunDir
		}
		j.arr()
		for _, s := range []string{r.ID, r.Phase, r.Seed, r.Kappa, r.Concentration, r.Mu, r.Monotonicity, r.Status, r.Delta, r.Phi, r.TimeToStability, r.Error} {
			j.str(s)
		}
		if reps {
			j.str(r.Replicate)
		}
		j.str(link)
		j.endArr()
	}
	j.endArr()
	if reps {
		j.key("reps")
		j.int(1)
	}
	j.key("front")
	j.arr()
	for _, f := range d.Frontier {
		j.arr()
		j.str(f.Concentration)
		j.str(f.Mu)
		j.str(f.Monotonicity)
		j.str(f.Kappa)
		j.int(f.Probes)
		j.str(f.Low)
		j.str(f.High)
		j.str(f.Bound)
		j.endArr()
	}
	j.endArr()
	j.key("cfg")
	j.obj()
	for _, c := range d.Config {
		j.key(c.Key)
		j.str(c.Value)
	}
	j.endObj()
	if d.Summary != nil {
		summaryData(j, d.Summary)
	}
	j.endObj()
	return j.b
}

// summaryData writes the member agg of a dashboard's document, for a sweep
// of more runs than it lists (the runs are then a sample):
//
//	agg:   {listed: the runs in the registry, every: the sample's step,
//	        axes: [[continuous (1) or not (0), lo, hi, [values when not continuous]], ...] for κ, c, μ, monotonicity,
//	        cells: [[frontier (1) or not, μ cell, monotonicity cell (-1: none), κ cell, c cell, runs,
//	                 then for δ, φ and time to stability: n, mean, 95% low, 95% high (null: none)], ...]}
func summaryData(j *jsonBuf, s *RunsSummary) {
	j.key("agg")
	j.obj()
	j.key("listed")
	j.int(s.Listed)
	j.key("every")
	j.int(s.Every)
	j.key("axes")
	j.arr()
	for _, a := range s.Axes {
		j.arr()
		if a.Cont {
			j.int(1)
			j.num(a.Lo)
			j.num(a.Hi)
		} else {
			j.int(0)
			j.num(math.NaN())
			j.num(math.NaN())
			j.arr()
			for _, v := range a.Vals {
				j.num(v)
			}
			j.endArr()
		}
		j.endArr()
	}
	j.endArr()
	j.key("cells")
	j.arr()
	for _, c := range s.Cells {
		j.arr()
		f := 0
		if c.Frontier {
			f = 1
		}
		for _, v := range []int{f, c.Mu, c.Mono, c.Kappa, c.C, c.Runs} {
			j.int(v)
		}
		for _, m := range c.Metrics {
			mean, lo, hi := m.Mean()
			j.int(m.N)
			j.num(mean)
			j.num(lo)
			j.num(hi)
		}
		j.endArr()
	}
	j.endArr()
	j.endObj()
}
