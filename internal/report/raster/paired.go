package raster

import (
	"fmt"
	"github.com/bilancio-go/bilancio/internal/report"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// PairedScatter plots each pair's δ of the dealer arm against δ of the
// base arm as a PNG, coloured by μ, with the diagonal (points under it
// improved); nil when no pair has both deltas.
func (Raster) PairedScatter(rows []report.PairedRow, base, dealer, baseNote string) ([]byte, error) {
	by := map[string]plotter.XYs{}
	var mus []string
	hi := 1.0
	for i := range rows {
		r := &rows[i]
		x, y := report.ParamValue(r.DeltaControl), report.ParamValue(r.DeltaTreatment)
		if math.IsNaN(x) || math.IsNaN(y) {
			continue
		}
		if _, ok := by[r.Mu]; !ok {
			mus = append(mus, r.Mu)
		}
		by[r.Mu] = append(by[r.Mu], plotter.XY{X: x, Y: y})
		hi = math.Max(hi, math.Max(x, y))
	}
	if len(mus) == 0 {
		return nil, nil
	}
	report.SortNumeric(mus)
	pl := plot.New()
	pl.Title.Text = "δ " + dealer + " against δ " + base
	pl.X.Label.Text = "δ " + base + " (" + baseNote + ")"
	pl.Y.Label.Text = "δ " + dealer
	pl.X.Min, pl.X.Max, pl.Y.Min, pl.Y.Max = 0, hi, 0, hi
	pl.Legend.Top, pl.Legend.Left = true, true
	pl.Legend.XOffs, pl.Legend.YOffs = vg.Points(8), -vg.Points(6)
	pl.Add(plotter.NewGrid())
	diag, err := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}, {X: hi, Y: hi}})
	if err != nil {
		return nil, fmt.Errorf("report: the δ scatter's diagonal: %w", err)
	}
	diag.Color, diag.Dashes = color.Gray{Y: 0x6a}, []vg.Length{vg.Points(4), vg.Points(3)}
	pl.Add(diag)
	for j, mu := range mus {
		sc, err := plotter.NewScatter(by[mu])
		if err != nil {
			return nil, fmt.Errorf("report: the δ scatter of μ = %s: %w", mu, err)
		}
		r, g, b := report.ViridisRGB(0.9 * float64(j) / math.Max(1, float64(len(mus)-1)))
		sc.Color, sc.Shape, sc.Radius = color.NRGBA{R: r, G: g, B: b, A: 220}, draw.CircleGlyph{}, vg.Points(3)
		pl.Add(sc)
		pl.Legend.Add("μ = "+mu, sc)
	}
	c := vgimg.NewWith(vgimg.UseWH(5.5*vg.Inch, 5.2*vg.Inch), vgimg.UseDPI(pngDPI), vgimg.UseBackgroundColor(color.White))
	pl.Draw(draw.New(c))
	return encodePNG(c)
}
