package report

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Figures: heatmaps of delta_total over kappa × concentration and lines of
// delta_total against kappa, drawn as SVG by hand so that the dashboard and
// the standalone figures share one drawing and need no fonts or scripts.

// Axis labels, with their units (the parameters and delta are ratios).
const (
	LabelKappa         = "κ (kappa, dimensionless ratio)"
	LabelConcentration = "c (Dirichlet concentration)"
	LabelDelta         = "δ (default rate, share of dues)"
)

// svgFont is the font stack of every figure: generic families only.
const svgFont = `font-family="Helvetica, Arial, 'Liberation Sans', sans-serif"`

// viridis are anchor colours of matplotlib's viridis map, evenly spaced;
// colours in between are interpolated in sRGB, which stays close to the
// perceptually uniform original at this density.
var viridisAnchors = [...][3]float64{
	{68, 1, 84}, {72, 36, 117}, {65, 68, 135}, {53, 95, 141}, {42, 120, 142},
	{33, 145, 140}, {34, 168, 132}, {68, 191, 112}, {122, 209, 81}, {189, 223, 38}, {253, 231, 37},
}

// Viridis returns the viridis colour at t in [0, 1] as #rrggbb.
func Viridis(t float64) string {
	r, g, b := ViridisRGB(t)
	return fmt.Sprintf("#%02x%02x%02x", r, g, b)
}

// ViridisRGB is Viridis as bytes.
func ViridisRGB(t float64) (r, g, b uint8) {
	if math.IsNaN(t) {
		t = 0
	}
	t = math.Max(0, math.Min(1, t))
	n := len(viridisAnchors) - 1
	x := t * float64(n)
	i := min(int(x), n-1)
	f := x - float64(i)
	a, c := viridisAnchors[i], viridisAnchors[i+1]
	mix := func(k int) uint8 { return uint8(math.Round(a[k] + (c[k]-a[k])*f)) }
	return mix(0), mix(1), mix(2)
}

// Point is a run's parameters and its delta_total (NaN when it has none),
// or, with Runs > 0, the parameters of Runs runs, N of which have a
// delta_total, and Value the sum of those (a cell of a RunsSummary).
type Point struct {
	Kappa, Concentration, Mu, Monotonicity string
	Value                                  float64
	N, Runs                                int
}

// weighted is the point's sum of values and their number.
func (p *Point) weighted() (sum float64, n int) {
	if p.Runs > 0 {
		return p.Value, p.N
	}
	if math.IsNaN(p.Value) {
		return 0, 0
	}
	return p.Value, 1
}

// Cell is one parameter point of a panel: the mean value over its runs.
type Cell struct {
	Kappa, Concentration string
	Mean                 float64 // NaN: no run with a value
	N                    int     // runs with a value
	Runs                 int     // runs at the point
}

// Panel is the cells of one (mu, monotonicity) pair.
type Panel struct {
	Mu, Monotonicity string
	Kappas           []string // ascending
	Concentrations   []string // ascending
	Cells            []Cell
}

// Title names the panel.
func (p *Panel) Title(showMono bool) string {
	if showMono {
		return "μ = " + p.Mu + ", monotonicity = " + p.Monotonicity
	}
	return "μ = " + p.Mu
}

// Cell returns the cell at (kappa, concentration), nil if none.
func (p *Panel) Cell(k, c string) *Cell {
	for i := range p.Cells {
		if p.Cells[i].Kappa == k && p.Cells[i].Concentration == c {
			return &p.Cells[i]
		}
	}
	return nil
}

// ParamValue parses a parameter for ordering and placement: a number, or
// the middle of a bin "lo–hi" of a continuous design (NaN if neither).
func ParamValue(s string) float64 {
	if lo, hi, ok := strings.Cut(s, "–"); ok {
		return (ParamValue(lo) + ParamValue(hi)) / 2
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return math.NaN()
	}
	return f
}

// SortNumeric sorts parameter strings by value, then by text.
func SortNumeric(xs []string) {
	sort.Slice(xs, func(i, j int) bool {
		a, b := ParamValue(xs[i]), ParamValue(xs[j])
		if a != b && !math.IsNaN(a) && !math.IsNaN(b) {
			return a < b
		}
		return xs[i] < xs[j]
	})
}

// Panels groups points into one panel per (mu, monotonicity), each cell the
// mean over the points at its parameters, in ascending order of mu then
// monotonicity. showMono says whether monotonicity varies.
func Panels(points []Point) (panels []*Panel, showMono bool) {
	type key struct{ mu, mono string }
	type ckey struct{ k, c string }
	byPanel := map[key]*Panel{}
	cells := map[key]map[ckey]*Cell{}
	var keys []key
	monos := map[string]bool{}
	for _, pt := range points {
		k := key{pt.Mu, pt.Monotonicity}
		p := byPanel[k]
		if p == nil {
			p = &Panel{Mu: pt.Mu, Monotonicity: pt.Monotonicity}
			byPanel[k] = p
			cells[k] = map[ckey]*Cell{}
			keys = append(keys, k)
		}
		monos[pt.Monotonicity] = true
		c := cells[k][ckey{pt.Kappa, pt.Concentration}]
		if c == nil {
			c = &Cell{Kappa: pt.Kappa, Concentration: pt.Concentration}
			cells[k][ckey{pt.Kappa, pt.Concentration}] = c
		}
		c.Runs += max(pt.Runs, 1)
		sum, n := pt.weighted()
		c.Mean += sum
		c.N += n
	}
	sort.Slice(keys, func(i, j int) bool {
		if a, b := ParamValue(keys[i].mu), ParamValue(keys[j].mu); a != b {
			return a < b
		}
		return ParamValue(keys[i].mono) < ParamValue(keys[j].mono)
	})
	for _, k := range keys {
		p := byPanel[k]
		ks, cs := map[string]bool{}, map[string]bool{}
		for ck, c := range cells[k] {
			if c.N > 0 {
				c.Mean /= float64(c.N)
			} else {
				c.Mean = math.NaN()
			}
			ks[ck.k], cs[ck.c] = true, true
			p.Cells = append(p.Cells, *c)
		}
		for s := range ks {
			p.Kappas = append(p.Kappas, s)
		}
		for s := range cs {
			p.Concentrations = append(p.Concentrations, s)
		}
		SortNumeric(p.Kappas)
		SortNumeric(p.Concentrations)
		sort.Slice(p.Cells, func(i, j int) bool {
			a, b := p.Cells[i], p.Cells[j]
			if a.Concentration != b.Concentration {
				return indexOf(p.Concentrations, a.Concentration) < indexOf(p.Concentrations, b.Concentration)
			}
			return indexOf(p.Kappas, a.Kappa) < indexOf(p.Kappas, b.Kappa)
		})
		panels = append(panels, p)
	}
	return panels, len(monos) > 1
}

func indexOf(xs []string, s string) int {
	for i, x := range xs {
		if x == s {
			return i
		}
	}
	return -1
}

// Scale maps values to colours over [Lo, Hi]: viridis for a quantity of
// one sign, or, when Diverging, a red–white–blue map centred on zero (Lo =
// −Hi) for a signed one (a relief, a PnL), so that zero is white.
type Scale struct {
	Lo, Hi    float64
	Diverging bool
}

// divergingAnchors run from red (negative) through white (zero) to blue
// (positive): ColorBrewer's RdBu, colour-blind safe.
var divergingAnchors = [...][3]float64{
	{178, 24, 43}, {214, 96, 77}, {244, 165, 130}, {253, 219, 199}, {247, 247, 247},
	{209, 229, 240}, {146, 197, 222}, {67, 147, 195}, {33, 102, 172},
}

// RGB is the scale's colour at t in [0, 1].
func (s Scale) RGB(t float64) (r, g, b uint8) {
	if !s.Diverging {
		return ViridisRGB(t)
	}
	if math.IsNaN(t) {
		t = 0.5
	}
	t = math.Max(0, math.Min(1, t))
	n := len(divergingAnchors) - 1
	x := t * float64(n)
	i := min(int(x), n-1)
	f := x - float64(i)
	a, c := divergingAnchors[i], divergingAnchors[i+1]
	mix := func(k int) uint8 { return uint8(math.Round(a[k] + (c[k]-a[k])*f)) }
	return mix(0), mix(1), mix(2)
}

// Colour is the colour of value v as #rrggbb.
func (s Scale) Colour(v float64) string {
	r, g, b := s.RGB(s.t(v))
	return fmt.Sprintf("#%02x%02x%02x", r, g, b)
}

// inkOn is the text colour that reads on the colour of v.
func (s Scale) inkOn(v float64) string {
	t := s.t(v)
	if s.Diverging {
		if t < 0.2 || t > 0.8 {
			return "#fff"
		}
		return "#1c1c1e"
	}
	if t <= 0.6 {
		return "#fff"
	}
	return "#1c1c1e"
}

// Signed makes sc a diverging scale centred on zero, symmetric about it.
func Signed(sc Scale) Scale {
	m := math.Max(math.Abs(sc.Lo), math.Abs(sc.Hi))
	if m == 0 || math.IsNaN(m) {
		m = 1
	}
	return Scale{Lo: -m, Hi: m, Diverging: true}
}

// ScaleOf is the range of the panels' cell means, widened when flat.
func ScaleOf(panels []*Panel) Scale {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, p := range panels {
		for _, c := range p.Cells {
			if !math.IsNaN(c.Mean) {
				lo, hi = math.Min(lo, c.Mean), math.Max(hi, c.Mean)
			}
		}
	}
	if math.IsInf(lo, 1) {
		return Scale{Lo: 0, Hi: 1}
	}
	if lo >= 0 && lo <= 1 && hi <= 1 {
		// A rate: anchor the scale at zero and end it at a round tenth.
		lo, hi = 0, math.Min(1, math.Ceil(hi*10-1e-9)/10)
	}
	if hi-lo < 1e-12 {
		hi = lo + 1
	}
	return Scale{Lo: lo, Hi: hi}
}

// Ticks are round values on the scale, about five: multiples of 1, 2, 2.5
// or 5 times a power of ten.
func (s Scale) Ticks() []float64 {
	raw := (s.Hi - s.Lo) / 5
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := 10 * mag
	for _, m := range []float64{1, 2, 2.5, 5} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	var ticks []float64
	for k := math.Ceil(s.Lo/step - 1e-9); k*step <= s.Hi+step*1e-9; k++ {
		// Drop the binary noise (0.6000000000000001) and the sign of zero.
		v, err := strconv.ParseFloat(strconv.FormatFloat(k*step, 'g', 10, 64), 64)
		if err == nil {
			ticks = append(ticks, v+0)
		}
	}
	return ticks
}

// t is v's position on the scale.
func (s Scale) t(v float64) float64 { return (v - s.Lo) / (s.Hi - s.Lo) }

// esc escapes text for SVG.
func svgEsc(s string) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")
	return r.Replace(s)
}

// HeatmapOptions control a heatmap's drawing.
type HeatmapOptions struct {
	Title      string // above the plot; empty for none
	ValueLabel string // the colour bar's label
	Standalone bool   // an SVG file (with the XML namespace and a white background)
}

// HeatmapSVG draws a panel as a heatmap: kappa across, concentration up,
// one rect.cell per parameter point with its exact value in a <title>, and a
// colour bar.
func HeatmapSVG(p *Panel, sc Scale, o HeatmapOptions) string {
	const cw = 62
	left, top := 78.0, 34.0
	if o.Title == "" {
		top = 12
	}
	nx, ny := len(p.Kappas), len(p.Concentrations)
	ch, yLabel, barLabel := heatmapRows(ny, o.ValueLabel)
	pw, ph := float64(nx*cw), float64(ny)*ch
	barX := left + pw + 26
	width := barX + 16 + 70
	height := top + ph + 62
	var b strings.Builder
	openSVG(&b, width, height, o.Standalone, "heatmap")
	if o.Title != "" {
		fmt.Fprintf(&b, `<text x="%g" y="20" font-size="14" font-weight="bold">%s</text>`, left, svgEsc(o.Title))
	}
	for _, c := range p.Cells {
		i, j := indexOf(p.Kappas, c.Kappa), indexOf(p.Concentrations, c.Concentration)
		x, y := left+float64(i*cw), top+ph-float64(j+1)*ch
		fill := "#e6e6e6"
		if !math.IsNaN(c.Mean) {
			fill = sc.Colour(c.Mean)
		}
		tip := fmt.Sprintf("κ = %s, c = %s, μ = %s, monotonicity = %s: δ = %s (%d of %d runs)",
			c.Kappa, c.Concentration, p.Mu, p.Monotonicity, fmtVal(c.Mean), c.N, c.Runs)
		fmt.Fprintf(&b, `<rect class="cell" x="%g" y="%g" width="%d" height="%g" fill="%s" stroke="#fff" stroke-width="1" data-kappa="%s" data-concentration="%s" data-value="%s"><title>%s</title></rect>`,
			x, y, cw, ch, fill, svgEsc(c.Kappa), svgEsc(c.Concentration), fmtVal(c.Mean), svgEsc(tip))
		ink := "#fff"
		if !math.IsNaN(c.Mean) && sc.t(c.Mean) > 0.6 || math.IsNaN(c.Mean) {
			ink = "#1c1c1e"
		}
		fmt.Fprintf(&b, `<text x="%g" y="%g" font-size="11" text-anchor="middle" fill="%s" pointer-events="none">%s</text>`,
			x+cw/2, y+ch/2+4, ink, fmtVal(c.Mean))
	}
	for i, k := range p.Kappas {
		fmt.Fprintf(&b, `<text x="%g" y="%g" font-size="11" text-anchor="middle">%s</text>`, left+float64(i*cw)+cw/2, top+ph+15, svgEsc(k))
	}
	heatmapAxes(&b, p, sc, left, top, pw, ph, ch, barX, yLabel, barLabel)
	b.WriteString("</svg>")
	return b.String()
}

// Heatmap geometry: a row is at least heatmapRowPx tall, and taller when
// the rotated axis labels (c's and the colour bar's, each on one line or
// split in two) would not fit beside the rows.
const (
	heatmapRowPx  = 40
	axisFontPx    = 12
	barFontPx     = 11
	glyphEm       = 0.62 // a sans-serif glyph's mean advance, in em (DejaVu Sans is wide)
	labelMarginPx = 8
)

// labelPx estimates the length of a text set at font size fs.
func labelPx(s string, fs float64) float64 {
	return float64(utf8.RuneCountInString(s))*glyphEm*fs + labelMarginPx
}

// fitLabel returns a rotated label's lines: the label itself when it fits
// in avail pixels, else split in two at the space that makes its longer
// line shortest (before its unit's parenthesis when that is nearly as
// short), and the length its longest line needs.
func fitLabel(label string, fs, avail float64) ([]string, float64) {
	need := labelPx(label, fs)
	if need <= avail {
		return []string{label}, need
	}
	lines, unit := []string{label}, -1.0
	for i, r := range label {
		if r != ' ' {
			continue
		}
		a, b := label[:i], label[i+1:]
		n := max(labelPx(a, fs), labelPx(b, fs))
		if n < need {
			lines, need = []string{a, b}, n
		}
		if strings.HasPrefix(b, "(") {
			unit = n
		}
	}
	if cut := strings.LastIndex(label, " ("); unit > 0 && unit <= 1.25*need {
		lines, need = []string{label[:cut], label[cut+1:]}, unit
	}
	return lines, need
}

// heatmapRows returns the height of a heatmap's rows for ny rows and the
// lines of its two rotated labels (c's and the colour bar's valueLabel):
// rows grow until both labels fit beside them, never overflowing the
// figure (a two-row heatmap had them cut off).
func heatmapRows(ny int, valueLabel string) (rowPx float64, yLabel, barLabel []string) {
	avail := float64(ny * heatmapRowPx)
	yLabel, needY := fitLabel(LabelConcentration, axisFontPx, avail)
	barLabel, needBar := fitLabel(valueLabel, barFontPx, avail)
	return max(heatmapRowPx, math.Ceil(max(needY, needBar)/float64(max(ny, 1)))), yLabel, barLabel
}

// rotatedLabel writes lines reading upwards, centred on y, the first line
// at x and each next one lineGap pixels to its right.
func rotatedLabel(b *strings.Builder, x, y, fs float64, lines []string) {
	gap := fs + 2
	for i, l := range lines {
		fmt.Fprintf(b, `<text transform="translate(%g,%g) rotate(-90)" font-size="%g" text-anchor="middle">%s</text>`, x+float64(i)*gap, y, fs, svgEsc(l))
	}
}

// heatmapAxes draws a heatmap's tick labels, axis labels and colour bar:
// the plot is pw × ph at (left, top), its rows ch tall.
func heatmapAxes(b *strings.Builder, p *Panel, sc Scale, left, top, pw, ph, ch, barX float64, yLabel, barLabel []string) {
	for i, k := range p.Kappas {
		fmt.Fprintf(b, `<text x="%g" y="%g" font-size="11" text-anchor="middle">%s</text>`, left+float64(i)*pw/float64(len(p.Kappas))+pw/float64(2*len(p.Kappas)), top+ph+15, svgEsc(k))
	}
	for j, c := range p.Concentrations {
		fmt.Fprintf(b, `<text x="%g" y="%g" font-size="11" text-anchor="end">%s</text>`, left-6, top+ph-float64(j)*ch-ch/2+4, svgEsc(c))
	}
	fmt.Fprintf(b, `<text x="%g" y="%g" font-size="12" text-anchor="middle">%s</text>`, left+pw/2, top+ph+36, svgEsc(LabelKappa))
	// One line sits where it always did; two lines straddle that place.
	yx := left - 44.0
	if len(yLabel) > 1 {
		yx = left - 58
	}
	rotatedLabel(b, yx, top+ph/2, axisFontPx, yLabel)
	colourBar(b, sc, barX, top, ph, barLabel)
}

// colourBar draws the scale's bar at (x, top) with height h, its ticks and
// its label's lines (see fitLabel).
func colourBar(b *strings.Builder, sc Scale, x, top, h float64, label []string) {
	const steps = 32
	for k := range steps {
		t0 := float64(k) / steps
		r, g, bl := sc.RGB(t0 + 0.5/steps)
		fmt.Fprintf(b, `<rect x="%g" y="%g" width="14" height="%g" fill="#%02x%02x%02x"/>`, x, top+h-(t0+1.0/steps)*h, h/steps+0.5, r, g, bl)
	}
	fmt.Fprintf(b, `<rect x="%g" y="%g" width="14" height="%g" fill="none" stroke="#1c1c1e" stroke-width="0.6"/>`, x, top, h)
	for _, v := range sc.Ticks() {
		y := top + h - sc.t(v)*h
		fmt.Fprintf(b, `<line x1="%g" x2="%g" y1="%g" y2="%g" stroke="#1c1c1e" stroke-width="0.6"/>`, x+14, x+18, y, y)
		fmt.Fprintf(b, `<text x="%g" y="%g" font-size="10">%s</text>`, x+20, y+3.5, fmtVal(v))
	}
	lx := x + 64.0
	if len(label) > 1 {
		lx = x + 58
	}
	rotatedLabel(b, lx, top+h/2, barFontPx, label)
}

// openSVG starts an SVG element.
func openSVG(b *strings.Builder, w, h float64, standalone bool, class string) {
	if standalone {
		b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	}
	ns := "" // inline in HTML, an svg element needs no namespace
	if standalone {
		ns = ` xmlns="http://www.w3.org/2000/svg"`
	}
	fmt.Fprintf(b, `<svg%s class="%s" width="%g" height="%g" viewBox="0 0 %g %g" %s fill="#1c1c1e">`, ns, class, w, h, w, h, svgFont)
	if standalone {
		fmt.Fprintf(b, `<rect width="%g" height="%g" fill="#fff"/>`, w, h)
	}
}

// LinesSVG draws delta against kappa for a panel, one line per
// concentration (coloured along viridis), kappa on a log axis when all
// kappas are positive.
func LinesSVG(p *Panel, o HeatmapOptions) string {
	const pw, ph = 360.0, 220.0
	left, top := 62.0, 34.0
	if o.Title == "" {
		top = 12
	}
	width, height := left+pw+150, top+ph+56
	var b strings.Builder
	openSVG(&b, width, height, o.Standalone, "lines")
	if o.Title != "" {
		fmt.Fprintf(&b, `<text x="%g" y="20" font-size="14" font-weight="bold">%s</text>`, left, svgEsc(o.Title))
	}
	logX := true
	for _, k := range p.Kappas {
		if !(ParamValue(k) > 0) {
			logX = false
		}
	}
	xv := func(s string) float64 {
		if logX {
			return math.Log(ParamValue(s))
		}
		return ParamValue(s)
	}
	x0, x1 := math.Inf(1), math.Inf(-1)
	for _, k := range p.Kappas {
		x0, x1 = math.Min(x0, xv(k)), math.Max(x1, xv(k))
	}
	if !(x1 > x0) {
		x0, x1 = x0-1, x0+1
	}
	y1 := 0.0
	for _, c := range p.Cells {
		if !math.IsNaN(c.Mean) {
			y1 = math.Max(y1, c.Mean)
		}
	}
	if y1 <= 1 {
		y1 = 1
	}
	px := func(s string) float64 { return left + (xv(s)-x0)/(x1-x0)*pw }
	py := func(v float64) float64 { return top + ph - v/y1*ph }
	for k := 0; k <= 4; k++ {
		v := y1 * float64(k) / 4
		fmt.Fprintf(&b, `<line x1="%g" x2="%g" y1="%g" y2="%g" stroke="#d8d8dc" stroke-width="0.6"/>`, left, left+pw, py(v), py(v))
		fmt.Fprintf(&b, `<text x="%g" y="%g" font-size="10" text-anchor="end">%s</text>`, left-5, py(v)+3.5, fmtVal(v))
	}
	for _, k := range p.Kappas {
		fmt.Fprintf(&b, `<line x1="%g" x2="%g" y1="%g" y2="%g" stroke="#1c1c1e" stroke-width="0.6"/>`, px(k), px(k), top+ph, top+ph+4)
		fmt.Fprintf(&b, `<text x="%g" y="%g" font-size="10" text-anchor="middle">%s</text>`, px(k), top+ph+15, svgEsc(k))
	}
	fmt.Fprintf(&b, `<path d="M%g %gH%gM%g %gV%g" stroke="#1c1c1e" stroke-width="0.8" fill="none"/>`, left, top+ph, left+pw, left, top, top+ph)
	axis := LabelKappa
	if logX {
		axis += ", log scale"
	}
	fmt.Fprintf(&b, `<text x="%g" y="%g" font-size="11" text-anchor="middle">%s</text>`, left+pw/2, top+ph+34, svgEsc(axis))
	fmt.Fprintf(&b, `<text transform="translate(%g,%g) rotate(-90)" font-size="11" text-anchor="middle">%s</text>`, left-40, top+ph/2, svgEsc(o.ValueLabel))
	n := len(p.Concentrations)
	for j, conc := range p.Concentrations {
		col := Viridis(0.9 * float64(j) / math.Max(1, float64(n-1)))
		var d strings.Builder
		for _, k := range p.Kappas {
			c := p.Cell(k, conc)
			if c == nil || math.IsNaN(c.Mean) {
				continue
			}
			cmd := "L"
			if d.Len() == 0 {
				cmd = "M"
			}
			fmt.Fprintf(&d, "%s%.1f %.1f", cmd, px(k), py(c.Mean))
		}
		fmt.Fprintf(&b, `<path d="%s" stroke="%s" stroke-width="1.6" fill="none"/>`, d.String(), col)
		for _, k := range p.Kappas {
			if c := p.Cell(k, conc); c != nil && !math.IsNaN(c.Mean) {
				fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="2.6" fill="%s"><title>κ = %s, c = %s: δ = %s</title></circle>`, px(k), py(c.Mean), col, svgEsc(k), svgEsc(conc), fmtVal(c.Mean))
			}
		}
		ly := top + 8 + float64(j)*16
		fmt.Fprintf(&b, `<line x1="%g" x2="%g" y1="%g" y2="%g" stroke="%s" stroke-width="2"/>`, left+pw+16, left+pw+36, ly, ly, col)
		fmt.Fprintf(&b, `<text x="%g" y="%g" font-size="11">c = %s</text>`, left+pw+42, ly+4, svgEsc(conc))
	}
	b.WriteString("</svg>")
	return b.String()
}

// FigureFile is one standalone figure.
type FigureFile struct {
	Name string // file name, e.g. heatmap_mu_0.5.svg
	Data []byte
}

// Raster draws figures as PNG images. Package report/raster does, with
// gonum's plot: a package of its own, so that what writes run.html (this
// package, in every `bilancio run`) neither links nor initialises it.
type Raster interface {
	// Heatmap draws a panel's heatmap with a vertical colour bar.
	Heatmap(p *Panel, sc Scale, title, valueLabel string) ([]byte, error)
	// Lines draws delta against kappa per concentration.
	Lines(p *Panel, title string) ([]byte, error)
	// PairedScatter plots each pair's δ of the dealer arm against δ of the
	// base arm; nil when no pair has both deltas.
	PairedScatter(rows []PairedRow, base, dealer, baseNote string) ([]byte, error)
}

// Figures returns the dashboard's plots as standalone SVG and PNG files (the
// PNGs drawn by png): a heatmap and a line chart per (mu, monotonicity),
// with titles, axis labels and colour bars.
func Figures(d *Dashboard, png Raster) ([]FigureFile, error) {
	panels, showMono := Panels(designPoints(d))
	sc := ScaleOf(panels)
	var out []FigureFile
	for _, p := range panels {
		stem := "mu_" + p.Mu
		if showMono {
			stem += "_mono_" + p.Monotonicity
		}
		stem = strings.ReplaceAll(stem, "–", "_to_") // a bin of a continuous design
		o := HeatmapOptions{Title: "Default rate δ, " + p.Title(showMono), ValueLabel: "mean δ total", Standalone: true}
		out = append(out, FigureFile{Name: "heatmap_" + stem + ".svg", Data: []byte(HeatmapSVG(p, sc, o))})
		data, err := png.Heatmap(p, sc, o.Title, o.ValueLabel)
		if err != nil {
			return nil, err
		}
		out = append(out, FigureFile{Name: "heatmap_" + stem + ".png", Data: data})
		o.Title = "δ against κ, " + p.Title(showMono)
		o.ValueLabel = LabelDelta
		out = append(out, FigureFile{Name: "lines_" + stem + ".svg", Data: []byte(LinesSVG(p, o))})
		if data, err = png.Lines(p, o.Title); err != nil {
			return nil, err
		}
		out = append(out, FigureFile{Name: "lines_" + stem + ".png", Data: data})
	}
	return out, nil
}
