package report

import (
	"html/template"
	"math"
	"strconv"
	"strings"

	"github.com/bilancio-go/bilancio/internal/engine"
)

// Inline SVG pictures of run.html: per-day bar and line charts of the day
// metrics, and the settlement network of the ring. They need no script;
// every mark carries a <title> tooltip with its exact value. Colours and
// fonts come from the page's CSS classes.

// chartSpec is one per-day chart.
type chartSpec struct {
	ID, Title, Label string
	Line             bool // a line chart on [0, 1] instead of bars
	Value            func(DayMetrics) string
}

// chartsHTML writes the four day-metric charts, or "" without metrics.
func chartsHTML(days []DayMetrics) template.HTML {
	if len(days) == 0 {
		return ""
	}
	specs := []chartSpec{
		{ID: "chart-dues", Title: "Dues S<tspan class=\"sub\" dy=\"3\">t</tspan>", Label: "S_t", Value: func(d DayMetrics) string { return d.S }},
		{ID: "chart-settled", Title: "Gross settled", Label: "gross settled", Value: func(d DayMetrics) string { return d.GrossSettled }},
		{ID: "chart-phi", Title: "Settled share φ<tspan class=\"sub\" dy=\"3\">t</tspan>", Label: "φ_t", Line: true, Value: func(d DayMetrics) string { return d.Phi }},
		{ID: "chart-mpeak", Title: "Peak liquidity M<tspan class=\"sub\" dy=\"3\">t</tspan><tspan class=\"sup\" dy=\"-9\">peak</tspan>", Label: "Mpeak_t", Value: func(d DayMetrics) string { return d.Mpeak }},
	}
	var b htmlBuf
	b.raw("<div class=\"charts\">\n")
	for _, s := range specs {
		writeChart(&b, days, s)
	}
	b.raw("</div>")
	return b.html()
}

// Chart geometry, in SVG user units.
const (
	chartW, chartH                     = 520, 230
	chartL, chartR, chartT, chartB     = 58, 14, 30, 36
	chartPlotW, chartPlotH             = chartW - chartL - chartR, chartH - chartT - chartB
	chartMaxXLabels                    = 12
	netSize, netLabelMax, netLargeRing = 560, 24, 60
)

func writeChart(b *htmlBuf, days []DayMetrics, s chartSpec) {
	n := len(days)
	vals := make([]float64, n)
	ok := make([]bool, n)
	top := 0.0
	for i, d := range days {
		v, err := strconv.ParseFloat(s.Value(d), 64)
		if err == nil && !math.IsNaN(v) && !math.IsInf(v, 0) {
			vals[i], ok[i] = v, true
			top = max(top, v)
		}
	}
	ticks := niceTicks(top)
	if s.Line {
		ticks = []float64{0, 0.25, 0.5, 0.75, 1}
	}
	ymax := ticks[len(ticks)-1]
	y := func(v float64) float64 { return chartT + chartPlotH - v/ymax*chartPlotH }
	slot := float64(chartPlotW) / float64(n)
	x := func(i int) float64 { return chartL + slot*(float64(i)+0.5) }

	b.raw(`<svg id="`)
	b.raw(s.ID)
	b.raw(`" class="chart" viewBox="0 0 `)
	b.raw(strconv.Itoa(chartW) + " " + strconv.Itoa(chartH))
	b.raw(`" role="img" aria-label="`)
	b.text(s.Label + " per day")
	b.raw(`"><text class="ctitle" x="`)
	b.raw(strconv.Itoa(chartL))
	b.raw(`" y="16">`)
	b.raw(s.Title) // trusted constant markup
	b.raw("</text>\n")
	for _, t := range ticks {
		yy := fnum(y(t))
		b.raw(`<line class="grid" x1="` + strconv.Itoa(chartL) + `" x2="` + strconv.Itoa(chartL+chartPlotW) + `" y1="` + yy + `" y2="` + yy + `"/>`)
		b.raw(`<text class="ytick" x="` + strconv.Itoa(chartL-6) + `" y="` + yy + `" dy="3.5">` + tickText(t) + "</text>\n")
	}
	b.raw(`<line class="axis" x1="` + strconv.Itoa(chartL) + `" x2="` + strconv.Itoa(chartL+chartPlotW) + `" y1="` + fnum(y(0)) + `" y2="` + fnum(y(0)) + `"/>` + "\n")
	every := (n + chartMaxXLabels - 1) / chartMaxXLabels
	for i, d := range days {
		if i%every == 0 {
			b.raw(`<text class="xtick" x="` + fnum(x(i)) + `" y="` + strconv.Itoa(chartT+chartPlotH+15) + `">` + strconv.Itoa(d.Day) + "</text>")
		}
	}
	b.raw(`<text class="xlabel" x="` + strconv.Itoa(chartL+chartPlotW/2) + `" y="` + strconv.Itoa(chartH-4) + "\">day</text>\n")
	if s.Line {
		var pts []string
		for i := range days {
			if ok[i] {
				pts = append(pts, fnum(x(i))+","+fnum(y(vals[i])))
			}
		}
		if len(pts) > 1 {
			b.raw(`<polyline class="line" points="` + strings.Join(pts, " ") + `"/>` + "\n")
		}
	}
	bw := max(slot*0.7, 1)
	for i, d := range days {
		if !ok[i] {
			continue
		}
		b.raw(`<g><title>day ` + strconv.Itoa(d.Day) + ": ")
		b.text(s.Label + " = " + s.Value(d))
		b.raw(`</title>`)
		if s.Line {
			b.raw(`<circle class="dot" cx="` + fnum(x(i)) + `" cy="` + fnum(y(vals[i])) + `" r="3.5"/>`)
		} else {
			h := y(0) - y(vals[i])
			b.raw(`<rect class="bar" x="` + fnum(x(i)-bw/2) + `" y="` + fnum(y(vals[i])) + `" width="` + fnum(bw) + `" height="` + fnum(h) + `"/>`)
		}
		b.raw("</g>\n")
	}
	b.raw("</svg>\n")
}

// niceTicks returns 0 and round steps up to at least top (about five ticks).
func niceTicks(top float64) []float64 {
	if top <= 0 {
		return []float64{0, 1}
	}
	raw := top / 4
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag * 10
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if raw <= m*mag {
			step = m * mag
			break
		}
	}
	var out []float64
	for v := 0.0; ; v += step {
		out = append(out, v)
		if v >= top*(1-1e-12) {
			return out
		}
	}
}

// tickText prints an axis value compactly (12 000 as 12k).
func tickText(v float64) string {
	switch a := math.Abs(v); {
	case a >= 1e6:
		return strconv.FormatFloat(v/1e6, 'g', 4, 64) + "M"
	case a >= 1e4:
		return strconv.FormatFloat(v/1e3, 'g', 4, 64) + "k"
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

// unit returns the unit vector of (x, y), or (0, 0).
func unit(x, y float64) (float64, float64) {
	d := math.Hypot(x, y)
	if d == 0 {
		return 0, 0
	}
	return x / d, y / d
}

// fnum prints a coordinate with at most one decimal.
func fnum(v float64) string { return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64) }

// Outcomes of a payable in the network picture.
const (
	outSettled = "settled"
	outPartial = "partial"
	outDefault = "defaulted"
	outWritten = "written-off"
	outOpen    = "open"
)

// payableEdge is one payable of the setup: debtor owes creditor.
type payableEdge struct {
	id, alias, debtor, creditor, amount string
	due                                 int64
	outcome, note                       string
}

// networkHTML draws the ring's payables created at setup as arrows from
// debtor to creditor between agents placed on a circle, coloured by what
// became of each payable; defaulted agents are red. "" without payables.
func networkHTML(sc *engine.Scenario, res *engine.Result) template.HTML {
	var edges []payableEdge
	index := map[string]int{}
	for i := range res.Events {
		e := &res.Events[i]
		switch e.Kind {
		case kindPayableNew:
			a, _ := e.Get("amount")
			due, _ := e.GetInt("due_day")
			id := e.GetString("payable_id")
			index[id] = len(edges)
			if al := e.GetString("alias"); al != "" {
				index[al] = len(edges)
			}
			edges = append(edges, payableEdge{id: id, alias: e.GetString("alias"), debtor: e.GetString("debtor"), creditor: e.GetString("creditor"), amount: valueText(a), due: due, outcome: outOpen})
		case kindSettled, kindPartial, kindObligationDef, "ObligationWrittenOff":
			id := e.GetString("contract_id")
			if id == "" {
				id = e.GetString("pid")
			}
			k, found := index[id]
			if !found {
				if k, found = index[e.GetString("alias")]; !found {
					continue
				}
			}
			ed := &edges[k]
			day := " on day " + strconv.Itoa(e.Day)
			switch e.Kind {
			case kindSettled:
				ed.outcome, ed.note = outSettled, "settled"+day
			case kindPartial:
				paid, _ := e.Get("amount_paid")
				ed.outcome, ed.note = outPartial, "partially paid ("+valueText(paid)+")"+day
			case kindObligationDef:
				if ed.outcome != outPartial {
					ed.outcome, ed.note = outDefault, "defaulted"+day
				} else {
					ed.note += ", rest defaulted"
				}
			default:
				ed.outcome, ed.note = outWritten, "written off"+day
			}
		}
	}
	if len(edges) == 0 {
		return ""
	}
	// Agents of the ring, in scenario order.
	inRing := map[string]bool{}
	for _, ed := range edges {
		inRing[ed.debtor], inRing[ed.creditor] = true, true
	}
	var ids []string
	names := map[string]string{}
	for _, a := range sc.Agents {
		if inRing[a.ID] {
			ids = append(ids, a.ID)
			names[a.ID] = a.Name
			delete(inRing, a.ID)
		}
	}
	for _, ed := range edges { // parties missing from the agent list
		for _, id := range []string{ed.debtor, ed.creditor} {
			if inRing[id] {
				ids = append(ids, id)
				delete(inRing, id)
			}
		}
	}
	defDay := map[string]int{}
	for i := range res.Events {
		if e := &res.Events[i]; e.Kind == kindAgentDef {
			if _, seen := defDay[e.GetString("agent")]; !seen {
				defDay[e.GetString("agent")] = e.Day
			}
		}
	}
	n := len(ids)
	c := float64(netSize) / 2
	radius := c - 40
	nodeR := 15.0
	switch {
	case n > netLargeRing:
		nodeR = 4.5
	case n > netLabelMax:
		nodeR = 7
	}
	pos := map[string][2]float64{}
	for i, id := range ids {
		a := 2*math.Pi*float64(i)/float64(n) - math.Pi/2
		pos[id] = [2]float64{c + radius*math.Cos(a), c + radius*math.Sin(a)}
	}

	var b htmlBuf
	b.raw(`<figure class="network"><svg id="network" viewBox="0 0 ` + strconv.Itoa(netSize) + " " + strconv.Itoa(netSize) + `" role="img" aria-label="settlement network">` + "\n")
	head := min(8, max(4, nodeR*0.7)) // arrowhead length
	counts := map[string]int{}
	for _, ed := range edges {
		p, q := pos[ed.debtor], pos[ed.creditor]
		dx, dy := q[0]-p[0], q[1]-p[1]
		d := math.Hypot(dx, dy)
		if d == 0 {
			continue
		}
		// Large rings bow each arrow towards the centre, so that an arrow
		// between neighbours is long enough to show its colour.
		bow := 0.0
		if n > netLabelMax {
			bow = max(0.3*d, 20)
		}
		mx, my := (p[0]+q[0])/2, (p[1]+q[1])/2
		if r := math.Hypot(c-mx, c-my); r > 0 {
			mx, my = mx+(c-mx)/r*bow, my+(c-my)/r*bow
		}
		gap := nodeR + 2
		su, sv := unit(mx-p[0], my-p[1])
		eu, ev := unit(q[0]-mx, q[1]-my)
		sx, sy := p[0]+su*gap, p[1]+sv*gap
		tx, ty := q[0]-eu*gap, q[1]-ev*gap
		bx, by := tx-eu*head, ty-ev*head
		px, py := -ev*head*0.45, eu*head*0.45
		counts[ed.outcome]++
		// The curve, then the arrowhead as a closed triangle at the creditor.
		b.raw(`<g class="edge e-` + ed.outcome + `"><title>`)
		note := ed.note
		if note == "" {
			note = "not settled"
		}
		b.text(ed.debtor + " owes " + ed.creditor + " " + ed.amount + ", due day " + strconv.FormatInt(ed.due, 10) + " — " + note + " (" + ed.id + ")")
		b.raw(`</title><path class="shaft" d="M` + fnum(sx) + "," + fnum(sy) + "Q" + fnum(mx) + "," + fnum(my) + " " + fnum(bx) + "," + fnum(by) +
			`"/><path d="M` + fnum(tx) + "," + fnum(ty) + "L" + fnum(bx+px) + "," + fnum(by+py) + "L" + fnum(bx-px) + "," + fnum(by-py) + "Z\"/></g>\n")
	}
	for _, id := range ids {
		p := pos[id]
		cls := "node"
		tip := id
		if names[id] != "" && names[id] != id {
			tip += " (" + names[id] + ")"
		}
		if d, bad := defDay[id]; bad {
			cls += " defaulted"
			tip += " — defaulted on day " + strconv.Itoa(d)
		}
		b.raw(`<g class="` + cls + `"><title>`)
		b.text(tip)
		b.raw(`</title><circle cx="` + fnum(p[0]) + `" cy="` + fnum(p[1]) + `" r="` + fnum(nodeR) + `"/>`)
		if n <= netLargeRing {
			lx, ly, cl := p[0], p[1], "nlabel in"
			if n > netLabelMax { // outside the circle
				a := math.Atan2(p[1]-c, p[0]-c)
				lx, ly, cl = c+(radius+nodeR+10)*math.Cos(a), c+(radius+nodeR+10)*math.Sin(a), "nlabel"
			}
			b.raw(`<text class="` + cl + `" x="` + fnum(lx) + `" y="` + fnum(ly) + `" dy="3.5">`)
			b.text(id)
			b.raw(`</text>`)
		}
		b.raw("</g>\n")
	}
	b.raw("</svg>\n<figcaption>")
	b.raw(`<span class="legend">`)
	for _, o := range []struct{ key, text string }{{outSettled, "settled"}, {outPartial, "partially paid"}, {outDefault, "defaulted"}, {outWritten, "written off"}, {outOpen, "not settled"}} {
		if counts[o.key] == 0 {
			continue
		}
		b.raw(`<span class="key k-` + o.key + `"></span>` + o.text + " (" + strconv.Itoa(counts[o.key]) + ") ")
	}
	b.raw(`<span class="key k-node-def"></span>defaulted agent</span><br />`)
	b.raw(plural(len(edges), "payable", "payables") + " created at setup among " + plural(n, "agent", "agents") + "; an arrow points from debtor to creditor. Hover over an arrow or agent for details.")
	b.raw("</figcaption></figure>")
	return b.html()
}
