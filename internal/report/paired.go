package report

import (
	_ "embed"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// The dashboard of a paired sweep: bilancio's comparison sweep (control vs
// treatment, spec/dealer.md §11.3) or balanced sweep (passive vs active,
// §12.4), read from the experiment's aggregate/comparison.csv and the
// arms' runs (see report/experiment, Options.LoadPaired).

// PairedLayout is the kind of a paired sweep, as its comparison.csv tells.
type PairedLayout int

const (
	// PairedComparison is `sweep comparison`: control vs treatment
	// (spec/dealer.md §11.3, 15 columns, optionally followed by the
	// dealer columns of later bilancio versions).
	PairedComparison PairedLayout = iota + 1
	// PairedBalanced is `sweep balanced`: passive vs active (§12.4, 21
	// columns).
	PairedBalanced
)

// String names the layout.
func (l PairedLayout) String() string {
	switch l {
	case PairedComparison:
		return "comparison"
	case PairedBalanced:
		return "balanced"
	}
	return "unknown"
}

// Arms are the folder names of the layout's two arms: the arm without
// dealer trading first.
func (l PairedLayout) Arms() (base, dealer string) {
	if l == PairedBalanced {
		return "passive", "active"
	}
	return "control", "treatment"
}

// BalancedComparisonColumns are the columns of a balanced sweep's
// comparison.csv (spec/dealer.md §12.4).
func BalancedComparisonColumns() []string {
	return []string{
		"kappa", "concentration", "mu", "monotonicity", "seed", "face_value", "outside_mid_ratio",
		"big_entity_share", "delta_passive", "delta_active", "trading_effect", "trading_relief_ratio",
		"phi_passive", "phi_active", "passive_run_id", "passive_status", "active_run_id", "active_status",
		"dealer_total_pnl", "dealer_total_return", "total_trades",
	}
}

// pairedColumns names the columns of a layout that the dashboard reads.
type pairedColumns struct {
	deltaBase, deltaDealer, effect, relief string
	phiBase, phiDealer                     string
	baseID, baseStatus                     string
	dealerID, dealerStatus                 string
}

func (l PairedLayout) columns() pairedColumns {
	base, dealer := l.Arms()
	c := pairedColumns{
		deltaBase: "delta_" + base, deltaDealer: "delta_" + dealer,
		phiBase: "phi_" + base, phiDealer: "phi_" + dealer,
		baseID: base + "_run_id", baseStatus: base + "_status",
		dealerID: dealer + "_run_id", dealerStatus: dealer + "_status",
		effect: "delta_reduction", relief: "relief_ratio",
	}
	if l == PairedBalanced {
		c.effect, c.relief = "trading_effect", "trading_relief_ratio"
	}
	return c
}

// PairedLayoutOf tells the layout of a comparison.csv from its header:
// balanced when it has every column of §12.4, comparison when it has every
// column of §11.3 (later dealer columns may follow either).
func PairedLayoutOf(header []string) (PairedLayout, error) {
	has := make(map[string]bool, len(header))
	for _, h := range header {
		has[strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))] = true
	}
	missing := func(cols []string) []string {
		var out []string
		for _, c := range cols {
			if !has[c] {
				out = append(out, c)
			}
		}
		return out
	}
	mb, mc := missing(BalancedComparisonColumns()), missing(ComparisonColumns())
	switch {
	case len(mb) == 0:
		return PairedBalanced, nil
	case len(mc) == 0:
		return PairedComparison, nil
	case has["delta_passive"] || has["trading_effect"]:
		return 0, fmt.Errorf("report: comparison.csv looks like a balanced sweep's but lacks %s", strings.Join(mb, ", "))
	case has["delta_control"] || has["delta_reduction"]:
		return 0, fmt.Errorf("report: comparison.csv looks like a comparison sweep's but lacks %s", strings.Join(mc, ", "))
	}
	return 0, fmt.Errorf("report: comparison.csv has neither a comparison nor a balanced sweep's columns (header %q)", strings.Join(header, ","))
}

// PairedDashboard is what a paired sweep's dashboard shows.
type PairedDashboard struct {
	ExperimentID string
	Layout       PairedLayout
	// Kind is the page's kicker ("comparison sweep · control vs
	// treatment"); empty: the layout's.
	Kind string
	// Config is summary.json's config (n_agents, kappas, …) in bilancio's
	// key order, empty when there is no summary.
	Config []ConfigItem
	Pairs  []PairedRow
	// Arms are the two arms' experiments (executor, times, usage), base
	// arm first; none when unknown.
	Arms []PairedArm
	// Figures are the names of the figure files written with the page
	// into aggregate/figures (see PairedFigures), listed on the page; none
	// when only the page is written.
	Figures []string
	// Experiments says the arms are two experiments compared run by run
	// (`sweep compare A B`): they differ by whatever the user changed, not
	// necessarily by dealer trading, so the page speaks of the arms, and
	// leaves out the dealer's section when no run has dealer metrics.
	Experiments bool
}

// baseNote says what the base arm's default rate is, for an axis label.
func (d *PairedDashboard) baseNote() string {
	base, _ := d.Layout.Arms()
	if d.Experiments {
		return "default rate of the " + base + " experiment"
	}
	return "default rate without dealer trading"
}

// ConfigItem is one setting of the sweep, as text.
type ConfigItem struct{ Key, Value string }

// PairedRow is one row of comparison.csv and what the dashboard found
// about its runs. Control is the arm without dealer trading (control or
// passive), Treatment the one with it (treatment or active). Values are
// the recorded text; empty when missing.
type PairedRow struct {
	Kappa, Concentration, Mu, Monotonicity, Seed string
	// Balanced sweeps only.
	FaceValue, OutsideMidRatio, BigEntityShare string

	DeltaControl, DeltaTreatment string
	Effect                       string // delta_reduction or trading_effect
	ReliefRatio                  string // relief_ratio or trading_relief_ratio
	PhiControl, PhiTreatment     string

	ControlRunID, ControlStatus     string
	TreatmentRunID, TreatmentStatus string

	// The treatment run's dealer: total PnL, return and trades, and where
	// they come from ("comparison.csv" or "dealer_metrics.json").
	DealerPnL, DealerReturn, Trades string
	DealerSource                    string

	// Links to the runs' run.html from aggregate/, empty when none, and
	// the registries' error text of failed runs.
	ControlHTML, TreatmentHTML   string
	ControlError, TreatmentError string
}

// PairedRowOf reads a comparison.csv record (column → cell) of layout l.
// The dealer fields are read when the file has the columns.
func PairedRowOf(l PairedLayout, rec map[string]string) PairedRow {
	c := l.columns()
	r := PairedRow{
		Kappa: rec["kappa"], Concentration: rec["concentration"], Mu: rec["mu"], Monotonicity: rec["monotonicity"], Seed: rec["seed"],
		DeltaControl: rec[c.deltaBase], DeltaTreatment: rec[c.deltaDealer], Effect: rec[c.effect], ReliefRatio: rec[c.relief],
		PhiControl: rec[c.phiBase], PhiTreatment: rec[c.phiDealer],
		ControlRunID: rec[c.baseID], ControlStatus: rec[c.baseStatus],
		TreatmentRunID: rec[c.dealerID], TreatmentStatus: rec[c.dealerStatus],
		DealerPnL: rec["dealer_total_pnl"], DealerReturn: rec["dealer_total_return"], Trades: rec["total_trades"],
	}
	if l == PairedBalanced {
		r.FaceValue, r.OutsideMidRatio, r.BigEntityShare = rec["face_value"], rec["outside_mid_ratio"], rec["big_entity_share"]
	}
	if r.DealerPnL != "" || r.DealerReturn != "" || r.Trades != "" {
		r.DealerSource = "comparison.csv"
	}
	return r
}

// Outcome classifies a pair by its effect: "improved" (the dealer arm
// defaults less), "unchanged", "worsened", or "" when the effect is
// unknown. A 0E-28 effect is unchanged.
func (r *PairedRow) Outcome() string {
	v := ParamValue(r.Effect)
	switch {
	case math.IsNaN(v):
		return ""
	case v > 0:
		return "improved"
	case v < 0:
		return "worsened"
	}
	return "unchanged"
}

// Completed says both runs of the pair completed.
func (r *PairedRow) Completed() bool {
	return r.ControlStatus == "completed" && r.TreatmentStatus == "completed"
}

// pairedMean is the mean of the parseable values of field over rows.
func pairedMean(rows []PairedRow, field func(*PairedRow) string) (mean float64, n int) {
	sum := 0.0
	for i := range rows {
		if v := ParamValue(field(&rows[i])); !math.IsNaN(v) {
			sum += v
			n++
		}
	}
	if n == 0 {
		return math.NaN(), 0
	}
	return sum / float64(n), n
}

// PnLTolerance is the dealer PnL, in the scenario's money units, within
// which a dealer counts as breaking even rather than profitable: a dealer
// that made no trade has a PnL of exactly 0, and one that did can end a
// few ulps off (4.5e-8 in dealer_comparison_100).
const PnLTolerance = 1e-6

// PairedStats are the summary numbers of a set of pairs.
type PairedStats struct {
	Pairs, Completed                     int
	Improved, Unchanged, Worsened        int
	FailedControl, FailedTreatment       int
	MeanDeltaControl, MeanDeltaTreatment float64 // NaN when none
	MeanEffect, MeanRelief               float64
	MeanPnL, MeanReturn                  float64
	Profitable, WithDealer               int // pairs with PnL > PnLTolerance, pairs with a PnL
	FlatPnL                              int // pairs whose |PnL| ≤ PnLTolerance (no trade, or rounding)
	Trades, WithTrades                   int // total trades, pairs with a count
	MeanTrades                           float64
	// The number of values each mean is over.
	NDeltaControl, NDeltaTreatment, NEffect, NRelief, NReturn int
}

// SummarizePairs counts and averages rows.
func SummarizePairs(rows []PairedRow) PairedStats {
	s := PairedStats{Pairs: len(rows)}
	for i := range rows {
		r := &rows[i]
		if r.Completed() {
			s.Completed++
		}
		if r.ControlStatus != "" && r.ControlStatus != "completed" {
			s.FailedControl++
		}
		if r.TreatmentStatus != "" && r.TreatmentStatus != "completed" {
			s.FailedTreatment++
		}
		switch r.Outcome() {
		case "improved":
			s.Improved++
		case "unchanged":
			s.Unchanged++
		case "worsened":
			s.Worsened++
		}
		if v := ParamValue(r.DealerPnL); !math.IsNaN(v) {
			s.WithDealer++
			switch {
			case v > PnLTolerance:
				s.Profitable++
			case v >= -PnLTolerance:
				s.FlatPnL++
			}
		}
		if n, err := strconv.Atoi(r.Trades); err == nil {
			s.Trades += n
			s.WithTrades++
		}
	}
	s.MeanDeltaControl, s.NDeltaControl = pairedMean(rows, func(r *PairedRow) string { return r.DeltaControl })
	s.MeanDeltaTreatment, s.NDeltaTreatment = pairedMean(rows, func(r *PairedRow) string { return r.DeltaTreatment })
	s.MeanEffect, s.NEffect = pairedMean(rows, func(r *PairedRow) string { return r.Effect })
	s.MeanRelief, s.NRelief = pairedMean(rows, func(r *PairedRow) string { return r.ReliefRatio })
	s.MeanPnL, _ = pairedMean(rows, func(r *PairedRow) string { return r.DealerPnL })
	s.MeanReturn, s.NReturn = pairedMean(rows, func(r *PairedRow) string { return r.DealerReturn })
	s.MeanTrades = math.NaN()
	if s.WithTrades > 0 {
		s.MeanTrades = float64(s.Trades) / float64(s.WithTrades)
	}
	return s
}

// pairedPanel is the heatmap panel of one (ρ,) μ and monotonicity.
type pairedPanel struct {
	rho   string // "" unless the panels are per ρ
	p     *Panel
	title string // "[ρ = …, ]μ = …[, monotonicity = …]"
	stem  string // file name stem: "[rho_…_]mu_…[_mono_…]"
}

// pairedPanels groups the pairs' values into one panel per (ρ,) μ and
// monotonicity, ρ ascending then μ, and returns them with their common
// colour scale.
func pairedPanels(rows []PairedRow, byRho bool, m pairedMetric) ([]pairedPanel, Scale) {
	value := m.value
	var out []pairedPanel
	var all []*Panel
	for _, rho := range pairedRhos(rows, byRho) {
		var pts []Point
		for i := range rows {
			r := &rows[i]
			if byRho && r.OutsideMidRatio != rho {
				continue
			}
			pts = append(pts, Point{Kappa: r.Kappa, Concentration: r.Concentration, Mu: r.Mu, Monotonicity: r.Monotonicity, Value: ParamValue(value(r))})
		}
		panels, mono := Panels(pts)
		for _, pn := range panels {
			pp := pairedPanel{p: pn, title: pn.Title(mono), stem: "mu_" + pn.Mu}
			if mono {
				pp.stem += "_mono_" + pn.Monotonicity
			}
			if byRho {
				pp.rho, pp.title, pp.stem = rho, "ρ = "+rho+", "+pp.title, "rho_"+rho+"_"+pp.stem
			}
			out = append(out, pp)
			all = append(all, pn)
		}
	}
	if m.signed {
		return out, Signed(ScaleOf(all))
	}
	return out, ScaleOf(all)
}

// pairedRhos are the ρ values in ascending order ([""] unless byRho).
func pairedRhos(rows []PairedRow, byRho bool) []string {
	if !byRho {
		return []string{""}
	}
	seen := map[string]bool{}
	var out []string
	for i := range rows {
		if rho := rows[i].OutsideMidRatio; !seen[rho] {
			seen[rho] = true
			out = append(out, rho)
		}
	}
	SortNumeric(out)
	return out
}

// pairedHeatmapSVG draws a panel of pair values as a heatmap (κ across, c
// up), one rect.cell per parameter point whose <title> names the value
// (short) and the number of pairs.
func pairedHeatmapSVG(p *Panel, sc Scale, rho, short, label, title string, standalone bool) string {
	const cw = 62
	left, top := 78.0, 12.0
	if title != "" {
		top = 34
	}
	nx, ny := len(p.Kappas), len(p.Concentrations)
	ch, yLabel, barLabel := heatmapRows(ny, label)
	pw, ph := float64(nx*cw), float64(ny)*ch
	barX := left + pw + 26
	var b strings.Builder
	openSVG(&b, barX+86, top+ph+62, standalone, "heatmap")
	if title != "" {
		fmt.Fprintf(&b, `<text x="%g" y="20" font-size="14" font-weight="bold">%s</text>`, left, svgEsc(title))
	}
	where := "μ = " + p.Mu + ", monotonicity = " + p.Monotonicity
	if rho != "" {
		where = "ρ = " + rho + ", " + where
	}
	for _, c := range p.Cells {
		i, j := indexOf(p.Kappas, c.Kappa), indexOf(p.Concentrations, c.Concentration)
		x, y := left+float64(i*cw), top+ph-float64(j+1)*ch
		fill, ink := "#e6e6e6", "#1c1c1e"
		if !math.IsNaN(c.Mean) {
			fill, ink = sc.Colour(c.Mean), sc.inkOn(c.Mean)
		}
		tip := fmt.Sprintf("κ = %s, c = %s, %s: %s = %s (%d of %d pairs)", c.Kappa, c.Concentration, where, short, fmtVal(c.Mean), c.N, c.Runs)
		fmt.Fprintf(&b, `<rect class="cell" x="%g" y="%g" width="%d" height="%g" fill="%s" stroke="#fff" stroke-width="1" data-kappa="%s" data-concentration="%s" data-value="%s"><title>%s</title></rect>`,
			x, y, cw, ch, fill, svgEsc(c.Kappa), svgEsc(c.Concentration), fmtVal(c.Mean), svgEsc(tip))
		fmt.Fprintf(&b, `<text x="%g" y="%g" font-size="11" text-anchor="middle" fill="%s" pointer-events="none">%s</text>`, x+cw/2, y+ch/2+4, ink, fmtVal(c.Mean))
	}
	heatmapAxes(&b, p, sc, left, top, pw, ph, ch, barX, yLabel, barLabel)
	b.WriteString("</svg>")
	return b.String()
}

// pairedScatterSVG plots each pair's δ of the dealer arm against δ of the
// base arm (points under the diagonal improved), coloured by μ.
func pairedScatterSVG(rows []PairedRow, base, dealer, baseNote string, standalone bool) string {
	const pw, ph = 360.0, 360.0
	left, top := 62.0, 14.0
	var mus []string
	seen := map[string]bool{}
	hi := 1.0
	for i := range rows {
		r := &rows[i]
		if !seen[r.Mu] {
			seen[r.Mu] = true
			mus = append(mus, r.Mu)
		}
		for _, v := range []float64{ParamValue(r.DeltaControl), ParamValue(r.DeltaTreatment)} {
			if !math.IsNaN(v) {
				hi = math.Max(hi, v)
			}
		}
	}
	SortNumeric(mus)
	var b strings.Builder
	openSVG(&b, left+pw+120, top+ph+52, standalone, "scatter")
	px := func(v float64) float64 { return left + v/hi*pw }
	py := func(v float64) float64 { return top + ph - v/hi*ph }
	for k := 0; k <= 4; k++ {
		v := hi * float64(k) / 4
		fmt.Fprintf(&b, `<line x1="%g" x2="%g" y1="%g" y2="%g" stroke="#d8d8dc" stroke-width="0.6"/>`, left, left+pw, py(v), py(v))
		fmt.Fprintf(&b, `<line x1="%g" x2="%g" y1="%g" y2="%g" stroke="#d8d8dc" stroke-width="0.6"/>`, px(v), px(v), top, top+ph)
		fmt.Fprintf(&b, `<text x="%g" y="%g" font-size="10" text-anchor="end">%s</text>`, left-5, py(v)+3.5, fmtVal(v))
		fmt.Fprintf(&b, `<text x="%g" y="%g" font-size="10" text-anchor="middle">%s</text>`, px(v), top+ph+14, fmtVal(v))
	}
	fmt.Fprintf(&b, `<path d="M%g %gL%g %g" stroke="#6a6a70" stroke-width="1" stroke-dasharray="4 3" fill="none"/>`, px(0), py(0), px(hi), py(hi))
	fmt.Fprintf(&b, `<path d="M%g %gH%gM%g %gV%g" stroke="#1c1c1e" stroke-width="0.8" fill="none"/>`, left, top+ph, left+pw, left, top, top+ph)
	fmt.Fprintf(&b, `<text x="%g" y="%g" font-size="11" text-anchor="middle">%s</text>`, left+pw/2, top+ph+34, svgEsc("δ "+base+" ("+baseNote+")"))
	fmt.Fprintf(&b, `<text transform="translate(%g,%g) rotate(-90)" font-size="11" text-anchor="middle">%s</text>`, left-40, top+ph/2, svgEsc("δ "+dealer))
	colour := func(mu string) string {
		return Viridis(0.9 * float64(indexOf(mus, mu)) / math.Max(1, float64(len(mus)-1)))
	}
	for i := range rows {
		r := &rows[i]
		x, y := ParamValue(r.DeltaControl), ParamValue(r.DeltaTreatment)
		if math.IsNaN(x) || math.IsNaN(y) {
			continue
		}
		tip := fmt.Sprintf("κ = %s, c = %s, μ = %s, seed %s: δ %s = %s, δ %s = %s", r.Kappa, r.Concentration, r.Mu, r.Seed, base, fmtVal(x), dealer, fmtVal(y))
		fmt.Fprintf(&b, `<circle class="pt" cx="%.1f" cy="%.1f" r="3.4" fill="%s" fill-opacity="0.8" stroke="#fff" stroke-width="0.5"><title>%s</title></circle>`, px(x), py(y), colour(r.Mu), svgEsc(tip))
	}
	for j, mu := range mus {
		ly := top + 8 + float64(j)*16
		fmt.Fprintf(&b, `<circle cx="%g" cy="%g" r="4" fill="%s"/>`, left+pw+22, ly, colour(mu))
		fmt.Fprintf(&b, `<text x="%g" y="%g" font-size="11">μ = %s</text>`, left+pw+32, ly+4, svgEsc(mu))
	}
	b.WriteString("</svg>")
	return b.String()
}

// pairedGroups summarises the pairs per (ρ,) μ, in ascending order.
func pairedGroups(rows []PairedRow, byRho bool) []pairedGroup {
	var out []pairedGroup
	for _, rho := range pairedRhos(rows, byRho) {
		var mus []string
		by := map[string][]PairedRow{}
		for i := range rows {
			r := rows[i]
			if byRho && r.OutsideMidRatio != rho {
				continue
			}
			if _, ok := by[r.Mu]; !ok {
				mus = append(mus, r.Mu)
			}
			by[r.Mu] = append(by[r.Mu], r)
		}
		SortNumeric(mus)
		for _, mu := range mus {
			s := SummarizePairs(by[mu])
			g := pairedGroup{
				Rho: rho, Mu: mu, Pairs: s.Pairs, Improved: s.Improved, Unchanged: s.Unchanged, Worsened: s.Worsened,
				DeltaControl: fmtVal(s.MeanDeltaControl), DeltaTreatment: fmtVal(s.MeanDeltaTreatment),
				Effect: fmtVal(s.MeanEffect), Relief: fmtVal(s.MeanRelief),
				PnL: fmtVal(s.MeanPnL), Return: fmtVal(s.MeanReturn), Trades: "—", MeanTrades: fmtVal(s.MeanTrades),
			}
			if s.WithTrades > 0 {
				g.Trades = strconv.Itoa(s.Trades)
			}
			out = append(out, g)
		}
	}
	return out
}

// pairedMetric is a value of the pairs drawn as heatmaps over κ × c.
type pairedMetric struct {
	key                  string // relief, trades or pnl: the figures' data-metric and file prefix
	short, pageLabel     string // the value's name in tooltips and on the page's colour bar
	fileLabel, fileTitle string // the colour bar label and title prefix of the figure files
	heading              string // the page's heading of its heatmaps (but the relief's)
	value                func(*PairedRow) string
	signed               bool // either sign: a diverging scale centred on zero
}

// pairedMetrics are the heatmaps of d: the relief always, the dealer's
// trades when the pairs have dealer metrics, and its PnL when some pair's
// is not zero.
func pairedMetrics(d *PairedDashboard) []pairedMetric {
	cols := d.Layout.columns()
	out := []pairedMetric{{key: "relief", short: "Δδ", pageLabel: "mean Δδ (share of dues)", fileLabel: "mean Δδ (" + cols.effect + ", share of dues)",
		fileTitle: "Relief " + cols.effect, value: func(r *PairedRow) string { return r.Effect }, signed: true}}
	s := SummarizePairs(d.Pairs)
	if s.WithDealer == 0 && s.WithTrades == 0 {
		return out
	}
	out = append(out, pairedMetric{key: "trades", short: "trades", pageLabel: "mean trades", fileLabel: "mean trades (total_trades)",
		fileTitle: "Dealer trades", heading: "Trades per run over κ × c", value: func(r *PairedRow) string { return r.Trades }})
	for i := range d.Pairs {
		if v := ParamValue(d.Pairs[i].DealerPnL); !math.IsNaN(v) && v != 0 {
			return append(out, pairedMetric{key: "pnl", short: "PnL", pageLabel: "mean PnL (money units)", fileLabel: "mean PnL (dealer_total_pnl, money units)",
				fileTitle: "Dealer PnL", heading: "Dealer PnL over κ × c", value: func(r *PairedRow) string { return r.DealerPnL }, signed: true})
		}
	}
	return out
}

// PairedFigures returns the figures of a paired dashboard as standalone
// SVG and PNG files, with stable names: the heatmaps of the relief, and
// when the page shows them the dealer's trades and PnL, per (ρ,) μ
// (<metric>_[rho_<ρ>_]mu_<μ>[_mono_<m>].svg and .png, metric relief,
// trades or pnl), each metric on one colour scale; then the scatter of δ
// of the two arms (deltas.svg, deltas.png) when a pair has both; the PNGs
// drawn by png.
func PairedFigures(d *PairedDashboard, png Raster) ([]FigureFile, error) {
	if d == nil {
		return nil, fmt.Errorf("report: no paired dashboard to draw")
	}
	byRho := pairedByRho(d.Pairs)
	var out []FigureFile
	for _, m := range pairedMetrics(d) {
		panels, sc := pairedPanels(d.Pairs, byRho, m)
		for _, pp := range panels {
			title := m.fileTitle + ", " + pp.title
			name := m.key + "_" + pp.stem
			out = append(out, FigureFile{Name: name + ".svg", Data: []byte(pairedHeatmapSVG(pp.p, sc, pp.rho, m.short, m.fileLabel, title, true))})
			data, err := png.Heatmap(pp.p, sc, title, m.fileLabel)
			if err != nil {
				return nil, fmt.Errorf("report: %s figure %s: %w", m.key, pp.stem, err)
			}
			out = append(out, FigureFile{Name: name + ".png", Data: data})
		}
	}
	base, dealer := d.Layout.Arms()
	data, err := png.PairedScatter(d.Pairs, base, dealer, d.baseNote())
	if err != nil {
		return nil, err
	}
	if data != nil {
		out = append(out,
			FigureFile{Name: "deltas.svg", Data: []byte(pairedScatterSVG(d.Pairs, base, dealer, d.baseNote(), true))},
			FigureFile{Name: "deltas.png", Data: data})
	}
	return out, nil
}

// pairedByRho says whether the pairs have several ρ (balanced sweeps over
// outside-mid ratios), so that panels go per ρ.
func pairedByRho(rows []PairedRow) bool {
	for i := range rows {
		if rows[i].OutsideMidRatio != rows[0].OutsideMidRatio {
			return true
		}
	}
	return false
}
