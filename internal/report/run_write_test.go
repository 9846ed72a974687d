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
