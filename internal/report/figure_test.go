package report

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestFitLabel(t *testing.T) {
	for _, c := range []struct {
		label string
		avail float64
		want  []string
	}{
		{"c", 40, []string{"c"}},
		{LabelConcentration, 400, []string{LabelConcentration}},
		{LabelConcentration, 80, []string{"c (Dirichlet", "concentration)"}},
		{"mean PnL (money units)", 80, []string{"mean PnL", "(money units)"}},
		{"mean Δδ (share of dues)", 80, []string{"mean Δδ", "(share of dues)"}},
		{"unsplittable", 10, []string{"unsplittable"}},
	} {
		got, need := fitLabel(c.label, axisFontPx, c.avail)
		if !slices.Equal(got, c.want) {
			t.Errorf("fitLabel(%q, %g) = %q, want %q", c.label, c.avail, got, c.want)
		}
		for _, l := range got {
			if n := labelPx(l, axisFontPx); n > need {
				t.Errorf("fitLabel(%q): line %q needs %g px, more than the %g reported", c.label, l, n, need)
			}
		}
	}
}

// TestHeatmapLabelsFit draws heatmaps of one to four rows and checks that
// each rotated label's lines fit beside the plot (a two-row paired heatmap
// had "c (Dirichlet concentration)" cut off at the figure's edges).
func TestHeatmapLabelsFit(t *testing.T) {
	rotated := regexp.MustCompile(`<text transform="translate\(([0-9.e+-]+),([0-9.e+-]+)\) rotate\(-90\)" font-size="([0-9.]+)" text-anchor="middle">([^<]*)</text>`)
	height := regexp.MustCompile(`<svg[^>]* height="([0-9.]+)"`)
	for rows := 1; rows <= 4; rows++ {
		p := &Panel{Kappas: []string{"0.5", "1", "2"}, Mu: "0", Monotonicity: "0"}
		for j := range rows {
			c := strconv.Itoa(j + 1)
			p.Concentrations = append(p.Concentrations, c)
			for _, k := range p.Kappas {
				p.Cells = append(p.Cells, Cell{Kappa: k, Concentration: c, Mean: 0.5, N: 1, Runs: 1})
			}
		}
		for name, svg := range map[string]string{
			"plain":  HeatmapSVG(p, Scale{Lo: 0, Hi: 1}, HeatmapOptions{Title: "δ", ValueLabel: "mean δ (share of dues defaulted)"}),
			"paired": pairedHeatmapSVG(p, Scale{Lo: -1, Hi: 1, Diverging: true}, "", "Δδ", "mean Δδ (share of dues)", "", false),
		} {
			h, _ := strconv.ParseFloat(height.FindStringSubmatch(svg)[1], 64)
			labels := rotated.FindAllStringSubmatch(svg, -1)
			if len(labels) < 2 {
				t.Fatalf("%s, %d rows: %d rotated labels", name, rows, len(labels))
			}
			for _, m := range labels {
				y, _ := strconv.ParseFloat(m[2], 64)
				fs, _ := strconv.ParseFloat(m[3], 64)
				half := labelPx(strings.ReplaceAll(m[4], "&amp;", "&"), fs) / 2
				if y-half < 0 || y+half > h {
					t.Errorf("%s, %d rows: label %q spans %g–%g px in a figure %g px tall", name, rows, m[4], y-half, y+half, h)
				}
			}
		}
	}
}
