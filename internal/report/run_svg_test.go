package report

import (
	"html/template"
	"strings"
	"testing"
)

// TestHTMLBufEscapes checks that the hand-written escaping matches
// html/template's for element content.
func TestHTMLBufEscapes(t *testing.T) {
	tmpl := template.Must(template.New("t").Parse(`<p>{{.}}</p>`))
	for _, s := range []string{"", "plain", evilName, `a & b < c > d "e" 'f' +g` + "\x00", "φ_t – ünïcode"} {
		var want strings.Builder
		if err := tmpl.Execute(&want, s); err != nil {
			t.Fatal(err)
		}
		var b htmlBuf
		b.raw("<p>")
		b.text(s)
		b.raw("</p>")
		if got := b.String(); got != want.String() {
			t.Errorf("escape %q: got %q, want %q", s, got, want.String())
		}
	}
}

// TestWriteRunHTMLCharts checks the per-day charts and the settlement
// network of the fixture ring.
func TestWriteRunHTMLCharts(t *testing.T) {
	sc, res, sum := fixture()
	page := render(t, sc, res, sum)
	for _, want := range []string{
		`<svg id="chart-dues"`, `<svg id="chart-settled"`, `<svg id="chart-phi"`, `<svg id="chart-mpeak"`,
		`<svg id="network"`, `<g class="edge e-settled">`, `<g class="edge e-partial">`,
		`<g class="node defaulted"><title>H2 (&lt;script&gt;`,
		`<a href="#charts">Charts</a>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if n := strings.Count(page, `<rect class="bar"`); n == 0 {
		t.Error("no bars in the charts")
	}
	// Without metrics there are no charts, but the network stays.
	page = render(t, sc, res, nil)
	if strings.Contains(page, `id="chart-dues"`) || !strings.Contains(page, `id="network"`) {
		t.Error("without metrics: want the network and no charts")
	}
}

func TestNiceTicks(t *testing.T) {
	for _, c := range []struct {
		top  float64
		want string
	}{{0, "0 1"}, {1, "0 0.25 0.5 0.75 1"}, {1510, "0 500 1000 1500 2000"}, {80, "0 20 40 60 80"}, {7, "0 2 4 6 8"}} {
		var parts []string
		for _, v := range niceTicks(c.top) {
			parts = append(parts, tickText(v))
		}
		if got := strings.Join(parts, " "); got != c.want {
			t.Errorf("niceTicks(%v) = %s, want %s", c.top, got, c.want)
		}
	}
}
