package report_test

import (
	"bytes"
	"encoding/xml"
	"image/png"
	"io"
	"strings"
	"testing"

	"github.com/bilancio-go/bilancio/internal/report"
	"github.com/bilancio-go/bilancio/internal/report/raster"
)

// The dashboards' figures with their PNGs drawn (package raster, which
// imports report: hence tests of their own package).

// TestFiguresLHS: a continuous design's figures are per binned panel.
func TestFiguresLHS(t *testing.T) {
	files, err := report.Figures(report.LHSDashboard(), raster.Raster{})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 4*report.BinsFacet {
		t.Errorf("%d figure files, want %d", len(files), 4*report.BinsFacet)
	}
}

func TestFigures(t *testing.T) {
	files, err := report.Figures(report.TinyDashboard(), raster.Raster{})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 8 {
		t.Fatalf("got %d figures, want 8 (2 panels × heatmap/lines × svg/png)", len(files))
	}
	for _, f := range files {
		t.Run(f.Name, func(t *testing.T) {
			switch {
			case strings.HasSuffix(f.Name, ".png"):
				img, err := png.Decode(bytes.NewReader(f.Data))
				if err != nil {
					t.Fatal(err)
				}
				b := img.Bounds()
				if b.Dx() < 800 || b.Dy() < 500 || b.Dx() > 3000 || b.Dy() > 3000 {
					t.Errorf("PNG is %d×%d", b.Dx(), b.Dy())
				}
			case strings.HasSuffix(f.Name, ".svg"):
				dec := xml.NewDecoder(bytes.NewReader(f.Data))
				for {
					_, err := dec.Token()
					if err == io.EOF {
						break
					}
					if err != nil {
						t.Fatalf("SVG does not parse: %v", err)
					}
				}
				if strings.HasPrefix(f.Name, "heatmap") && strings.Count(string(f.Data), `class="cell"`) != 4 {
					t.Error("heatmap SVG should have 4 cells")
				}
			default:
				t.Errorf("unexpected figure %s", f.Name)
			}
		})
	}
}

func TestPairedFigures(t *testing.T) {
	files, err := report.PairedFigures(&report.PairedDashboard{Layout: report.PairedComparison, Pairs: report.SyntheticPairs(true)}, raster.Raster{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, f.Name)
		if len(f.Data) == 0 {
			t.Errorf("%s is empty", f.Name)
		}
	}
	want := "relief_mu_0.svg relief_mu_0.png relief_mu_1.svg relief_mu_1.png trades_mu_0.svg trades_mu_0.png trades_mu_1.svg trades_mu_1.png " +
		"pnl_mu_0.svg pnl_mu_0.png pnl_mu_1.svg pnl_mu_1.png deltas.svg deltas.png"
	if strings.Join(names, " ") != want {
		t.Errorf("figures %v, want %s", names, want)
	}
	if !bytes.HasPrefix(files[1].Data, []byte("\x89PNG")) || !bytes.Contains(files[0].Data, []byte(`xmlns="http://www.w3.org/2000/svg"`)) {
		t.Error("figures are not a PNG and a standalone SVG")
	}
}

func TestPairedFiguresByMetric(t *testing.T) {
	zeroPnL := report.SyntheticPairs(true)
	for i := range zeroPnL {
		if zeroPnL[i].DealerPnL != "" {
			zeroPnL[i].DealerPnL = "0.0"
		}
	}
	noDeltas := report.SyntheticPairs(false)
	for i := range noDeltas {
		noDeltas[i].DeltaTreatment = ""
	}
	var rhos []report.PairedRow
	for _, rho := range []string{"1.0", "0.5"} {
		for _, r := range report.SyntheticPairs(true) {
			r.OutsideMidRatio = rho
			rhos = append(rhos, r)
		}
	}
	heat := func(metric string, stems ...string) []string {
		var out []string
		for _, s := range stems {
			out = append(out, metric+"_"+s+".svg", metric+"_"+s+".png")
		}
		return out
	}
	cat := func(parts ...[]string) string {
		var all []string
		for _, p := range parts {
			all = append(all, p...)
		}
		return strings.Join(all, " ")
	}
	deltas := []string{"deltas.svg", "deltas.png"}
	for _, tt := range []struct {
		name   string
		layout report.PairedLayout
		rows   []report.PairedRow
		want   string
	}{
		{"dealer", report.PairedComparison, report.SyntheticPairs(true), cat(heat("relief", "mu_0", "mu_1"), heat("trades", "mu_0", "mu_1"), heat("pnl", "mu_0", "mu_1"), deltas)},
		{"no dealer", report.PairedComparison, report.SyntheticPairs(false), cat(heat("relief", "mu_0", "mu_1"), deltas)},
		{"zero PnL", report.PairedComparison, zeroPnL, cat(heat("relief", "mu_0", "mu_1"), heat("trades", "mu_0", "mu_1"), deltas)},
		{"no scatter points", report.PairedComparison, noDeltas, cat(heat("relief", "mu_0", "mu_1"))},
		{"per ρ", report.PairedBalanced, rhos, cat(heat("relief", "rho_0.5_mu_0", "rho_0.5_mu_1", "rho_1.0_mu_0", "rho_1.0_mu_1"),
			heat("trades", "rho_0.5_mu_0", "rho_0.5_mu_1", "rho_1.0_mu_0", "rho_1.0_mu_1"),
			heat("pnl", "rho_0.5_mu_0", "rho_0.5_mu_1", "rho_1.0_mu_0", "rho_1.0_mu_1"), deltas)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			files, err := report.PairedFigures(&report.PairedDashboard{Layout: tt.layout, Pairs: tt.rows}, raster.Raster{})
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, f := range files {
				names = append(names, f.Name)
				switch {
				case strings.HasSuffix(f.Name, ".png"):
					cfg, err := png.DecodeConfig(bytes.NewReader(f.Data))
					if err != nil || cfg.Width < 500 || cfg.Height < 500 {
						t.Errorf("%s: not a full-size PNG (%v, %dx%d)", f.Name, err, cfg.Width, cfg.Height)
					}
				case strings.HasSuffix(f.Name, ".svg"):
					if !bytes.Contains(f.Data, []byte(`xmlns="http://www.w3.org/2000/svg"`)) || !bytes.HasSuffix(f.Data, []byte("</svg>")) {
						t.Errorf("%s: not a standalone SVG", f.Name)
					}
				default:
					t.Errorf("%s: neither SVG nor PNG", f.Name)
				}
			}
			if got := strings.Join(names, " "); got != tt.want {
				t.Errorf("figures\n got %s\nwant %s", got, tt.want)
			}
		})
	}
	if _, err := report.PairedFigures(nil, raster.Raster{}); err == nil {
		t.Error("report.PairedFigures(nil, raster.Raster{}) must be an error")
	}
}
