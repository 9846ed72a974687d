// Package raster draws the dashboards' figures as PNG images, with gonum's
// plot (whose fonts are embedded): report.Figures and report.PairedFigures
// take its Raster. It is a package of its own so that the run path, which
// writes run.html with package report, neither links nor initialises gonum.
package raster

import (
	"bytes"
	"fmt"
	"github.com/bilancio-go/bilancio/internal/report"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Raster is report.Raster, drawn with gonum.org/v1/plot, whose fonts
// (Liberation) are embedded.
type Raster struct{}

var _ report.Raster = Raster{}

// pngDPI is the figures' resolution.
const pngDPI = 200

// viridisMap is a palette.ColorMap of a report.Scale's colours (viridis, or the
// diverging map) over [min, max].
type viridisMap struct {
	min, max, alpha float64
	sc              report.Scale
}

func (m *viridisMap) At(v float64) (color.Color, error) {
	if v < m.min || v > m.max || math.IsNaN(v) {
		return nil, palette.ErrOverflow
	}
	r, g, b := m.sc.RGB((v - m.min) / (m.max - m.min))
	return color.NRGBA{R: r, G: g, B: b, A: uint8(255 * m.alpha)}, nil
}
func (m *viridisMap) Max() float64       { return m.max }
func (m *viridisMap) SetMax(v float64)   { m.max = v }
func (m *viridisMap) Min() float64       { return m.min }
func (m *viridisMap) SetMin(v float64)   { m.min = v }
func (m *viridisMap) Alpha() float64     { return m.alpha }
func (m *viridisMap) SetAlpha(a float64) { m.alpha = a }
func (m *viridisMap) Palette(n int) palette.Palette {
	cs := make([]color.Color, n)
	for i := range cs {
		r, g, b := m.sc.RGB(float64(i) / float64(max(n-1, 1)))
		cs[i] = color.NRGBA{R: r, G: g, B: b, A: 255}
	}
	return paletteColors(cs)
}

// paletteColors is a palette.Palette.
type paletteColors []color.Color

func (c paletteColors) Colors() []color.Color { return c }

// panelGrid is a panel as a plotter.GridXYZ on index coordinates.
type panelGrid struct{ p *report.Panel }

func (g panelGrid) Dims() (c, r int) { return len(g.p.Kappas), len(g.p.Concentrations) }
func (g panelGrid) Z(c, r int) float64 {
	if cell := g.p.Cell(g.p.Kappas[c], g.p.Concentrations[r]); cell != nil {
		return cell.Mean
	}
	return math.NaN()
}
func (g panelGrid) X(c int) float64 { return float64(c) }
func (g panelGrid) Y(r int) float64 { return float64(r) }

// labelTicks are ticks at 0, 1, … labelled by labels.
func labelTicks(labels []string) plot.ConstantTicks {
	t := make(plot.ConstantTicks, len(labels))
	for i, l := range labels {
		t[i] = plot.Tick{Value: float64(i), Label: l}
	}
	return t
}

// Heatmap draws a panel's heatmap as a PNG with a vertical colour bar.
func (Raster) Heatmap(p *report.Panel, sc report.Scale, title, valueLabel string) ([]byte, error) {
	pl := plot.New()
	pl.Title.Text = title
	pl.X.Label.Text = report.LabelKappa
	pl.Y.Label.Text = report.LabelConcentration
	pl.X.Tick.Marker = labelTicks(p.Kappas)
	pl.Y.Tick.Marker = labelTicks(p.Concentrations)
	cm := &viridisMap{min: sc.Lo, max: sc.Hi, alpha: 1, sc: sc}
	hm := plotter.NewHeatMap(panelGrid{p}, cm.Palette(256))
	hm.Min, hm.Max = sc.Lo, sc.Hi
	hm.NaN = color.Gray{Y: 0xe6}
	pl.Add(hm)
	pl.X.Min, pl.X.Max = -0.5, float64(len(p.Kappas))-0.5
	pl.Y.Min, pl.Y.Max = -0.5, float64(len(p.Concentrations))-0.5

	bar := plot.New()
	bar.Add(&plotter.ColorBar{ColorMap: cm, Vertical: true})
	bar.HideX()
	bar.Y.Label.Text = valueLabel
	bar.Title.Text = " "

	const w, h = 6.5 * vg.Inch, 4.5 * vg.Inch
	c := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(pngDPI), vgimg.UseBackgroundColor(color.White))
	dc := draw.New(c)
	barW := 1.1 * vg.Inch
	pl.Draw(draw.Crop(dc, 0, -barW-0.1*vg.Inch, 0, 0))
	bar.Draw(draw.Crop(dc, w-barW, 0, 0.62*vg.Inch, 0))
	return encodePNG(c)
}

// Lines draws delta against kappa per concentration as a PNG.
func (Raster) Lines(p *report.Panel, title string) ([]byte, error) {
	pl := plot.New()
	pl.Title.Text = title
	pl.X.Label.Text = report.LabelKappa
	pl.Y.Label.Text = report.LabelDelta
	logX := true
	for _, k := range p.Kappas {
		if !(report.ParamValue(k) > 0) {
			logX = false
		}
	}
	if logX {
		pl.X.Scale = plot.LogScale{}
		pl.X.Label.Text += ", log scale"
	}
	pl.X.Tick.Marker = kappaTicks(p.Kappas)
	pl.Y.Min, pl.Y.Max = 0, 1
	// The legend goes to the lower right, where high-κ curves rarely are.
	pl.Legend.XOffs, pl.Legend.YOffs = -vg.Points(8), vg.Points(8)
	pl.Legend.Padding = vg.Points(2)
	pl.Add(plotter.NewGrid())
	n := len(p.Concentrations)
	for j, conc := range p.Concentrations {
		var xys plotter.XYs
		for _, k := range p.Kappas {
			if c := p.Cell(k, conc); c != nil && !math.IsNaN(c.Mean) {
				xys = append(xys, plotter.XY{X: report.ParamValue(k), Y: c.Mean})
				pl.Y.Max = math.Max(pl.Y.Max, c.Mean)
			}
		}
		if len(xys) == 0 {
			continue
		}
		l, s, err := plotter.NewLinePoints(xys)
		if err != nil {
			return nil, fmt.Errorf("report: lines for c = %s: %w", conc, err)
		}
		r, g, b := report.ViridisRGB(0.9 * float64(j) / math.Max(1, float64(n-1)))
		col := color.NRGBA{R: r, G: g, B: b, A: 255}
		l.Color, l.Width = col, vg.Points(1.5)
		s.Color, s.Shape = col, draw.CircleGlyph{}
		pl.Add(l, s)
		pl.Legend.Add("c = "+conc, l, s)
	}
	// Pad the κ axis so that the outer tick labels fit.
	if lo, hi := report.ParamValue(p.Kappas[0]), report.ParamValue(p.Kappas[len(p.Kappas)-1]); logX {
		pl.X.Min, pl.X.Max = lo/1.15, hi*1.15
	} else if hi > lo {
		pl.X.Min, pl.X.Max = lo-(hi-lo)*0.04, hi+(hi-lo)*0.04
	}
	c := vgimg.NewWith(vgimg.UseWH(6.5*vg.Inch, 4.2*vg.Inch), vgimg.UseDPI(pngDPI), vgimg.UseBackgroundColor(color.White))
	pl.Draw(draw.New(c))
	return encodePNG(c)
}

// kappaTicks are ticks at the kappas.
func kappaTicks(ks []string) plot.ConstantTicks {
	t := make(plot.ConstantTicks, 0, len(ks))
	for _, k := range ks {
		if v := report.ParamValue(k); !math.IsNaN(v) {
			t = append(t, plot.Tick{Value: v, Label: k})
		}
	}
	return t
}

// encodePNG encodes a canvas.
func encodePNG(c *vgimg.Canvas) ([]byte, error) {
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("report: encode PNG: %w", err)
	}
	return buf.Bytes(), nil
}
