package report

import (
	_ "embed"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
)

// The paired dashboard's page, written by hand into a buffer like the
// sweep dashboard and run.html (no html/template): the heatmaps and the δ
// scatter are drawn here, as SVG, the same drawings as the figure files;
// the pairs table, the figures' downloads and a heatmap cell's filter are
// the page's script (page.js and paired.js) working from the JSON document
// in #dash-data.

//go:embed paired.js
var pairedJS string

// sweepCard is one summary card of a sweep page; Key (may be empty)
// names it for tests and styles.
type sweepCard struct{ Key, Label, Value, Note string }

// pairedGroup is a line of the table by (ρ,) μ.
type pairedGroup struct {
	Rho, Mu                       string
	Pairs                         int
	Improved, Unchanged, Worsened int
	DeltaControl, DeltaTreatment  string
	Effect, Relief                string
	PnL, Return, Trades           string
	MeanTrades                    string
}

// fmtMean says what a mean is over.
func fmtMean(n int, what string) string {
	if n == 0 {
		return "no " + what
	}
	return fmt.Sprintf("over %d %s", n, what)
}

// WritePairedDashboard writes d as one self-contained HTML page: summary
// cards and the finding, the arms, the configuration, relief heatmaps
// (mean delta_reduction or trading_effect over κ × c) per μ (and per ρ when
// a balanced sweep has several), δ of the two arms against each other, the
// dealer's PnL and trade counts (with their heatmaps), a table by μ, and a
// sortable, filterable table of the pairs linking to each run's run.html.
// Clicking a heatmap cell filters the pairs to its point; every figure
// downloads as SVG or PNG, the pairs as shown as CSV.
func WritePairedDashboard(w io.Writer, d *PairedDashboard) error {
	if d == nil {
		return fmt.Errorf("report: no paired dashboard to write")
	}
	base, dealer := d.Layout.Arms()
	cols := d.Layout.columns()
	s := SummarizePairs(d.Pairs)
	hasDealer := s.WithDealer > 0 || s.WithTrades > 0
	byRho := pairedByRho(d.Pairs)
	a := pageAssets()
	var b htmlBuf
	b.Grow(32768 + 400*len(d.Pairs))
	kind := "comparison sweep · control vs treatment"
	if d.Layout == PairedBalanced {
		kind = "balanced sweep · passive vs active"
	}
	if d.Kind != "" {
		kind = d.Kind
	}
	b.raw(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8" /><meta name="viewport" content="width=device-width,initial-scale=1" /><title>`)
	b.text(d.ExperimentID)
	b.raw(" — bilancio paired sweep</title><style>")
	b.raw(a.dashCSS)
	b.raw("</style></head>\n<body><main>\n<p class=\"kicker\">bilancio · ")
	b.text(kind)
	b.raw("</p><h1>")
	b.text(d.ExperimentID)
	b.raw("</h1>\n")
	writeSweepCards(&b, "summary", pairedCards(d, s))
	if f := d.Finding(); f != "" {
		b.raw(`<p class="finding" id="finding"><b>Finding.</b> `)
		b.text(f)
		b.raw("</p>\n")
	}
	writePairedArms(&b, d, base, dealer)
	writeConfigPanel(&b, d.Config, "", nil)
	b.raw(`<noscript><p class="warning">The pairs table, the figure downloads and the filter by a clicked cell need this page's script: allow JavaScript to use them. The figures, the cards and the table by μ above are shown without it; the pairs are in comparison.csv beside this page.</p></noscript>`)
	b.raw("\n")

	var heat = map[string][]pairedPanel{}
	var scales = map[string]Scale{}
	metrics := pairedMetrics(d)
	for _, m := range metrics {
		heat[m.key], scales[m.key] = pairedPanels(d.Pairs, byRho, m)
	}
	// Each metric's heatmaps are one .heat[data-metric] group; the page's
	// metric selector shows the chosen metric's and hides the others
	// (paired.js); without the script all are shown.
	b.raw(`<section id="relief" class="heat" data-metric="relief"><h2>Relief over κ × c`)
	if byRho {
		b.raw(", per ρ and μ")
	} else {
		b.raw(", per μ")
	}
	b.raw(`</h2><p class="note">Mean `)
	b.text(cols.effect + " = δ " + base + " − δ " + dealer)
	b.raw(` per parameter point, over its pairs (positive: the `)
	b.text(dealer)
	b.raw(` arm defaults less), on a scale centred on 0. Grey cells have no pair with a value; hover a cell for its exact value, click it to list its pairs.`)
	if d.Layout == PairedBalanced {
		b.raw(" ρ is the outside-mid ratio (it sets the big entities' cash).")
	}
	b.raw("</p>")
	writePairedHeatmaps(&b, d.ExperimentID, metrics[0], heat["relief"], scales["relief"])
	b.raw("</section>\n")

	b.raw(`<section id="deltas"><h2>δ `)
	b.text(base)
	b.raw(" against δ ")
	b.text(dealer)
	b.raw(`</h2><p class="note">One point per pair with both default rates; points under the dashed diagonal are pairs where the `)
	b.text(dealer)
	b.raw(` arm defaulted less.</p><figure class="scatter" data-name="`)
	b.text(fileStem(d.ExperimentID + "_deltas"))
	b.raw(`"><figcaption><span>δ `)
	b.text(base + " against δ " + dealer)
	b.raw("</span></figcaption>")
	b.raw(pairedScatterSVG(d.Pairs, base, dealer, d.baseNote(), false))
	b.raw("</figure></section>\n")

	// Lines against κ per c, for a metric chosen on the page (paired.js).
	b.raw(`<section id="lines"><h2>Against κ, per c</h2><p class="note"><label>Metric <select id="metric"></select></label> `)
	b.raw(`<span id="heat-note"></span> The mean over each point's pairs, with its 95% interval (Student t) when a point has several; hover a point for its values. Drawn by the page's script.</p>`)
	b.raw(`<div id="lines-panels" class="facet"></div></section>` + "\n")

	if d.Experiments && !hasDealer { // two experiments without a dealer: the groups only
		b.raw(`<section id="groups-section"><h2>By `)
		if byRho {
			b.raw("ρ and ")
		}
		b.raw("μ</h2>")
		writePairedGroups(&b, d, base, dealer, byRho, false)
		b.raw("</section>\n")
	} else {
		writePairedDealer(&b, d, base, dealer, byRho, hasDealer, metrics, heat, scales)
	}

	if len(d.Figures) > 0 {
		b.raw(`<section id="figures"><h2>Figure files</h2><p class="note">Standalone copies of the figures above, in aggregate/figures/.</p><ul class="figure-files">`)
		for _, f := range d.Figures {
			b.raw(`<li><a href="figures/`)
			b.text(f)
			b.raw(`">`)
			b.text(f)
			b.raw("</a></li>")
		}
		b.raw("</ul></section>\n")
	}
	b.raw("<section id=\"table\"><h2>Pairs</h2><div id=\"pairs-tools\" class=\"tools\"></div><div class=\"scroll\"><table id=\"pairs\" class=\"data\"><thead></thead><tbody></tbody></table></div></section>\n")
	b.raw("<footer>Generated by bilancio (Go). Self-contained page: no external resources. Every figure can be downloaded as SVG or PNG, the pairs table (as filtered) as CSV.</footer>\n</main>\n<script type=\"application/json\" id=\"dash-data\">")
	b.Write(pairedData(d))
	b.raw("</script>\n<script>")
	b.raw(a.pairJS)
	b.raw("</script>\n</body></html>\n")
	_, err := w.Write(b.Bytes())
	return err
}

// fileStem turns words into a file name stem, as the pages' script does.
func fileStem(s string) string {
	var b strings.Builder
	under := false
	for _, r := range s {
		ok := r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_')
		switch {
		case ok:
			b.WriteRune(r)
			under = false
		case !under:
			b.WriteByte('_')
			under = true
		}
	}
	return strings.Trim(b.String(), "_")
}

// writeSweepCards writes a row of a sweep page's summary cards.
func writeSweepCards(b *htmlBuf, id string, cards []sweepCard) {
	b.raw(`<div class="cards"`)
	if id != "" {
		b.raw(` id="`)
		b.text(id)
		b.raw(`"`)
	}
	b.raw(">")
	for _, c := range cards {
		b.raw(`<div class="card`)
		if c.Key != "" {
			b.raw(" ")
			b.text(c.Key)
			b.raw(`" data-key="`)
			b.text(c.Key)
		}
		b.raw(`"><div class="label">`)
		b.text(c.Label)
		b.raw(`</div><div class="value">`)
		b.text(c.Value)
		b.raw("</div>")
		if c.Note != "" {
			b.raw(`<div class="note">`)
			b.text(c.Note)
			b.raw("</div>")
		}
		b.raw("</div>")
	}
	b.raw("</div>\n")
}

// pairedCards are the summary cards of a paired dashboard.
func pairedCards(d *PairedDashboard, s PairedStats) []sweepCard {
	base, dealer := d.Layout.Arms()
	cols := d.Layout.columns()
	effectLabel := "Mean Δδ"
	if d.Layout == PairedBalanced {
		effectLabel = "Mean trading effect"
	}
	cards := []sweepCard{
		{"pairs", "Pairs", strconv.Itoa(s.Pairs), fmt.Sprintf("%d with both runs completed", s.Completed)},
		{"improved", "Improved", strconv.Itoa(s.Improved), cols.effect + " > 0: the " + dealer + " arm defaults less"},
		{"unchanged", "Unchanged", strconv.Itoa(s.Unchanged), cols.effect + " = 0"},
		{"worsened", "Worsened", strconv.Itoa(s.Worsened), cols.effect + " < 0"},
		{"mean-delta-base", "Mean δ " + base, fmtVal(s.MeanDeltaControl), fmtMean(s.NDeltaControl, base+" runs")},
		{"mean-delta-dealer", "Mean δ " + dealer, fmtVal(s.MeanDeltaTreatment), fmtMean(s.NDeltaTreatment, dealer+" runs")},
		{"mean-effect", effectLabel, fmtVal(s.MeanEffect), "δ " + base + " − δ " + dealer + ", " + fmtMean(s.NEffect, "pairs")},
		{"mean-relief", "Mean relief ratio", fmtVal(s.MeanRelief), cols.relief + " (Δδ / δ " + base + "), " + fmtMean(s.NRelief, "pairs")},
		{"failed", "Failed runs", fmt.Sprintf("%d / %d", s.FailedControl, s.FailedTreatment), base + " / " + dealer},
	}
	if s.WithDealer > 0 || s.WithTrades > 0 {
		cards = append(cards,
			sweepCard{"mean-pnl", "Mean dealer PnL", fmtVal(s.MeanPnL), fmt.Sprintf("dealer_total_pnl, money units; %d of %d profitable (PnL > %s), %d break even", s.Profitable, s.WithDealer, fmtVal(PnLTolerance), s.FlatPnL)},
			sweepCard{"mean-return", "Mean dealer return", fmtVal(s.MeanReturn), "dealer_total_return, " + fmtMean(s.NReturn, "pairs")},
			sweepCard{"trades", "Trades", strconv.Itoa(s.Trades), fmt.Sprintf("total_trades over %d %s runs; %s per run", s.WithTrades, dealer, fmtVal(s.MeanTrades))},
		)
	}
	if d.Layout == PairedBalanced {
		distinct := func(field func(*PairedRow) string) string {
			seen := map[string]bool{}
			var vs []string
			for i := range d.Pairs {
				if v := field(&d.Pairs[i]); !seen[v] {
					seen[v] = true
					vs = append(vs, v)
				}
			}
			SortNumeric(vs)
			return strings.Join(vs, ", ")
		}
		cards = append(cards, sweepCard{"rho", "ρ (outside-mid ratio)", distinct(func(r *PairedRow) string { return r.OutsideMidRatio }),
			"β (big-entity share) " + distinct(func(r *PairedRow) string { return r.BigEntityShare }) + ", face value " + distinct(func(r *PairedRow) string { return r.FaceValue })})
	}
	return cards
}

// Finding is the one-line answer of a paired sweep: in how many pairs
// dealer trading lowered, kept or raised the default rate and by how much
// on average, where the mean relief is largest, and whether the dealer
// made money; "" without a pair with an effect.
func (d *PairedDashboard) Finding() string {
	s := SummarizePairs(d.Pairs)
	if s.NEffect == 0 {
		return ""
	}
	base, dealer := d.Layout.Arms()
	trading := "With dealer trading"
	switch {
	case d.Experiments:
		trading = "In " + dealer + ", compared with " + base + ","
	case d.Layout == PairedBalanced:
		trading = "With active trading"
	}
	// The mean effect in words: a positive effect lowers the default rate.
	average := "on average it did not change"
	switch {
	case s.MeanEffect > 0:
		average = "on average it fell by " + fmtVal(s.MeanEffect)
	case s.MeanEffect < 0:
		average = "on average it rose by " + fmtVal(-s.MeanEffect)
	}
	out := fmt.Sprintf("%s the default rate fell in %d of %d pairs, stayed the same in %d and rose in %d; %s (mean δ %s %s, %s %s).",
		trading, s.Improved, s.NEffect, s.Unchanged, s.Worsened, average, base, fmtVal(s.MeanDeltaControl), dealer, fmtVal(s.MeanDeltaTreatment))
	// The point with the largest mean effect.
	type acc struct{ sum, n float64 }
	points := map[string]*acc{}
	var order []string
	for i := range d.Pairs {
		r := &d.Pairs[i]
		v := ParamValue(r.Effect)
		if math.IsNaN(v) {
			continue
		}
		k := "κ = " + r.Kappa + ", c = " + r.Concentration + ", μ = " + r.Mu
		if r.OutsideMidRatio != "" && pairedByRho(d.Pairs) {
			k += ", ρ = " + r.OutsideMidRatio
		}
		if points[k] == nil {
			points[k] = &acc{}
			order = append(order, k)
		}
		points[k].sum += v
		points[k].n++
	}
	best, bestV := "", math.Inf(-1)
	for _, k := range order {
		if m := points[k].sum / points[k].n; m > bestV {
			best, bestV = k, m
		}
	}
	if len(order) > 1 && bestV > 0 {
		out += " The largest mean relief, " + fmtVal(bestV) + ", is at " + best + "."
	}
	if s.WithDealer > 0 {
		switch {
		case s.Profitable == 0 && s.MeanPnL < -PnLTolerance:
			out += fmt.Sprintf(" The dealer made a profit in none of the %d pairs (mean PnL %s money units).", s.WithDealer, fmtVal(s.MeanPnL))
		default:
			out += fmt.Sprintf(" The dealer made a profit in %d of %d pairs (mean PnL %s money units).", s.Profitable, s.WithDealer, fmtVal(s.MeanPnL))
		}
	}
	return out
}

// writePairedArms writes where and when each arm ran, and what it cost.
func writePairedArms(b *htmlBuf, d *PairedDashboard, base, dealer string) {
	cards := pairedArmCards(d.Arms)
	if len(cards) == 0 {
		return
	}
	usage := false
	for i := range d.Arms {
		usage = usage || d.Arms[i].Usage != nil
	}
	b.raw(`<section id="arms"><h2>Arms: where and when they ran`)
	if usage {
		b.raw(", and what they cost")
	}
	b.raw(`</h2><p class="note">Each arm is an experiment of its own (`)
	b.text(base + "/ and " + dealer + "/")
	b.raw(`): its executor and times are from its experiment.json; sandbox-seconds and cost, for an arm that ran on a remote executor, are the measured totals of its usage.csv.</p>`)
	writeSweepCards(b, "", cards)
	b.raw("</section>\n")
}

// writePairedHeatmaps writes a metric's heatmap panels, one figure each;
// the page's script adds their download buttons and cell filters.
func writePairedHeatmaps(b *htmlBuf, id string, m pairedMetric, panels []pairedPanel, sc Scale) {
	b.raw(`<div class="panels">`)
	for _, pp := range panels {
		b.raw(`<figure class="heatmap" data-metric="`)
		b.text(m.key)
		b.raw(`" data-rho="`)
		b.text(pp.rho)
		b.raw(`" data-mu="`)
		b.text(pp.p.Mu)
		b.raw(`" data-cells="`)
		b.raw(strconv.Itoa(len(pp.p.Cells)))
		b.raw(`" data-mono="`)
		b.text(pp.p.Monotonicity)
		b.raw(`" data-name="`)
		b.text(fileStem(id + "_" + m.key + "_" + pp.stem))
		b.raw(`"><figcaption><span>`)
		b.text(pp.title)
		b.raw("</span></figcaption>")
		b.raw(pairedHeatmapSVG(pp.p, sc, pp.rho, m.short, m.pageLabel, "", false))
		b.raw("</figure>")
	}
	b.raw("</div>")
}

// writePairedGroups writes the table by (ρ,) μ, under its own heading and
// with the dealer's columns when dealerCols.
func writePairedGroups(b *htmlBuf, d *PairedDashboard, base, dealer string, byRho, dealerCols bool) {
	cols := d.Layout.columns()
	if dealerCols {
		b.raw("<h3>By ")
		if byRho {
			b.raw("ρ and ")
		}
		b.raw("μ</h3>")
	}
	b.raw(`<div class="scroll"><table id="groups"><thead><tr>`)
	th := func(s, title string, num bool) {
		b.raw("<th")
		if num {
			b.raw(` class="num"`)
		}
		if title != "" {
			b.raw(` title="`)
			b.text(title)
			b.raw(`"`)
		}
		b.raw(">")
		b.text(s)
		b.raw("</th>")
	}
	if byRho {
		th("ρ", "outside_mid_ratio", false)
	}
	th("μ", "", false)
	heads := [][2]string{{"pairs", ""}, {"improved", cols.effect + " > 0"}, {"unchanged", cols.effect + " = 0"}, {"worsened", cols.effect + " < 0"},
		{"mean δ " + base, ""}, {"mean δ " + dealer, ""}, {"mean Δδ", "mean " + cols.effect}, {"mean relief ratio", "mean " + cols.relief},
		{"mean dealer PnL", "mean dealer_total_pnl, money units"}, {"mean dealer return", "mean dealer_total_return"}, {"trades", "total_trades, summed"}, {"trades per run", "mean total_trades"}}
	if !dealerCols {
		heads = heads[:8]
	}
	for _, h := range heads {
		th(h[0], h[1], true)
	}
	b.raw("</tr></thead><tbody>")
	for _, g := range pairedGroups(d.Pairs, byRho) {
		b.raw("<tr>")
		td := func(s string, num bool) {
			if num {
				b.raw(`<td class="num">`)
			} else {
				b.raw("<td>")
			}
			b.text(s)
			b.raw("</td>")
		}
		if byRho {
			td(g.Rho, false)
		}
		td(g.Mu, false)
		vals := []string{strconv.Itoa(g.Pairs), strconv.Itoa(g.Improved), strconv.Itoa(g.Unchanged), strconv.Itoa(g.Worsened),
			g.DeltaControl, g.DeltaTreatment, g.Effect, g.Relief, g.PnL, g.Return, g.Trades, g.MeanTrades}
		for _, v := range vals[:len(heads)] {
			td(v, true)
		}
		b.raw("</tr>")
	}
	b.raw("</tbody></table></div>")
}

// pairedData is the JSON document the paired page's script draws the
// pairs table from:
//
//	id:      the experiment id
//	cols:    [[key, numeric (1 or 0)], ...] the table's columns, the run
//	         links first (see pairedTableColumns)
//	rows:    [[value, ..., base link, dealer link, class], ...] a row per
//	         pair: the columns' values as recorded, then the links from
//	         aggregate/ to the runs' run.html ("" when none) and the row's
//	         class (improved, unchanged, worsened, failed)
//	effect:  the effect column's key; relief: the relief ratio's
//	arms:    [base, dealer] the arms' names (delta_<arm> are their δ)
func pairedData(d *PairedDashboard) []byte {
	base, dealer := d.Layout.Arms()
	cols := pairedTableColumns(d)
	j := &jsonBuf{b: make([]byte, 0, 1024+400*len(d.Pairs)), first: make([]bool, 0, 8)}
	j.obj()
	j.key("id")
	j.str(d.ExperimentID)
	j.key("cols")
	j.arr()
	for _, c := range cols {
		j.arr()
		j.str(c.key)
		j.flag(c.numeric)
		j.endArr()
	}
	j.endArr()
	j.key("rows")
	j.arr()
	for i := range d.Pairs {
		r := &d.Pairs[i]
		j.arr()
		for _, c := range cols {
			j.str(c.value(r, base, dealer))
		}
		j.str(r.ControlHTML)
		j.str(r.TreatmentHTML)
		cls := r.Outcome()
		if !r.Completed() {
			cls = "failed"
		}
		j.str(cls)
		j.endArr()
	}
	j.endArr()
	j.key("effect")
	j.str(d.Layout.columns().effect)
	j.key("relief")
	j.str(d.Layout.columns().relief)
	j.key("arms")
	j.arr()
	j.str(base)
	j.str(dealer)
	j.endArr()
	j.endObj()
	return j.b
}

// pairedColumn is a column of the pairs table.
type pairedColumn struct {
	key     string
	numeric bool
	value   func(r *PairedRow, base, dealer string) string
}

// pairedTableColumns are the pairs table's columns: the run links first
// (they are what a reader follows), the parameters, the arms' δ, the
// effect and relief, φ, the dealer's numbers, the statuses and errors.
func pairedTableColumns(d *PairedDashboard) []pairedColumn {
	c := d.Layout.columns()
	text := func(key string, f func(*PairedRow) string) pairedColumn {
		return pairedColumn{key: key, value: func(r *PairedRow, _, _ string) string { return f(r) }}
	}
	number := func(key string, f func(*PairedRow) string) pairedColumn {
		col := text(key, f)
		col.numeric = true
		return col
	}
	out := []pairedColumn{
		text(c.baseID, func(r *PairedRow) string { return r.ControlRunID }),
		text(c.dealerID, func(r *PairedRow) string { return r.TreatmentRunID }),
		number("kappa", func(r *PairedRow) string { return r.Kappa }),
		number("concentration", func(r *PairedRow) string { return r.Concentration }),
		number("mu", func(r *PairedRow) string { return r.Mu }),
		number("monotonicity", func(r *PairedRow) string { return r.Monotonicity }),
		number("seed", func(r *PairedRow) string { return r.Seed }),
	}
	if d.Layout == PairedBalanced {
		out = append(out, number("outside_mid_ratio", func(r *PairedRow) string { return r.OutsideMidRatio }))
	}
	out = append(out,
		number(c.deltaBase, func(r *PairedRow) string { return r.DeltaControl }),
		number(c.deltaDealer, func(r *PairedRow) string { return r.DeltaTreatment }),
		number(c.effect, func(r *PairedRow) string { return r.Effect }),
		number(c.relief, func(r *PairedRow) string { return r.ReliefRatio }),
		number(c.phiBase, func(r *PairedRow) string { return r.PhiControl }),
		number(c.phiDealer, func(r *PairedRow) string { return r.PhiTreatment }),
		number("dealer_total_pnl", func(r *PairedRow) string { return r.DealerPnL }),
		number("dealer_total_return", func(r *PairedRow) string { return r.DealerReturn }),
		number("total_trades", func(r *PairedRow) string { return r.Trades }),
		text(c.baseStatus, func(r *PairedRow) string { return r.ControlStatus }),
		text(c.dealerStatus, func(r *PairedRow) string { return r.TreatmentStatus }),
		pairedColumn{key: "error", value: func(r *PairedRow, base, dealer string) string {
			var errs []string
			if r.ControlError != "" {
				errs = append(errs, base+": "+r.ControlError)
			}
			if r.TreatmentError != "" {
				errs = append(errs, dealer+": "+r.TreatmentError)
			}
			return strings.Join(errs, "; ")
		}},
	)
	return out
}

// writePairedDealer writes the dealer's section: the sources of its
// numbers and their heatmaps (or a note that there are none), and the
// table by (ρ,) μ.
func writePairedDealer(b *htmlBuf, d *PairedDashboard, base, dealer string, byRho, hasDealer bool, metrics []pairedMetric, heat map[string][]pairedPanel, scales map[string]Scale) {
	b.raw(`<section id="dealer"><h2>The dealer: PnL and trades</h2>`)
	if hasDealer {
		sources := map[string]int{}
		for i := range d.Pairs {
			if src := d.Pairs[i].DealerSource; src != "" {
				sources[src]++
			}
		}
		var srcs []string
		for k, n := range sources {
			srcs = append(srcs, fmt.Sprintf("%s (%d pairs)", k, n))
		}
		sort.Strings(srcs)
		b.raw(`<p class="note">dealer_total_pnl (money units: those of the scenario's dues), dealer_total_return and total_trades of each `)
		b.text(dealer)
		b.raw(" run, from ")
		b.text(strings.Join(srcs, ", "))
		b.raw(".</p>")
		for _, m := range metrics[1:] {
			b.raw(`<div class="heat" data-metric="`)
			b.text(m.key)
			b.raw(`"><h3>`)
			b.text(m.heading)
			b.raw("</h3>")
			writePairedHeatmaps(b, d.ExperimentID, m, heat[m.key], scales[m.key])
			b.raw("</div>")
		}
	} else {
		b.raw(`<p class="note" id="no-dealer">No dealer metrics: comparison.csv has no dealer columns and no `)
		b.text(dealer)
		b.raw(` run has an out/dealer_metrics.json (bilancio's data-era runs wrote none).</p>`)
	}
	writePairedGroups(b, d, base, dealer, byRho, true)
	b.raw("</section>\n")
}
