package report

import (
	"bytes"

	"github.com/bilancio-go/bilancio/internal/swar"
)

// run.html is written by hand into a buffer rather than through
// html/template, whose parsing, reflection and contextual escaping would
// dominate the cost of writing a run's page. Every text goes through
// htmlBuf.text, which escapes as html/template does in element content and
// quoted attribute values.

// htmlBuf accumulates hand-written markup.
type htmlBuf struct{ bytes.Buffer }

// raw appends trusted markup.
func (b *htmlBuf) raw(s string) { b.WriteString(s) }

// escaped8 reports whether one of the eight bytes of x (swar.Load) is one
// that text escapes.
func escaped8(x uint64) bool {
	return swar.Any(swar.Eq(x, 0) | swar.Eq(x, '"') | swar.Eq(x, '&') | swar.Eq(x, '\'') | swar.Eq(x, '+') | swar.Eq(x, '<') | swar.Eq(x, '>'))
}

// text appends s escaped for element content or a quoted attribute value.
func (b *htmlBuf) text(s string) {
	last := 0
	for i := 0; i < len(s); i++ {
		// Skip eight bytes at a time while none is escaped.
		for i+8 <= len(s) && !escaped8(swar.Load(s[i:])) {
			i += 8
		}
		if i == len(s) {
			break
		}
		var rep string
		switch s[i] {
		case 0:
			rep = "\uFFFD"
		case '"':
			rep = "&#34;"
		case '&':
			rep = "&amp;"
		case '\'':
			rep = "&#39;"
		case '+':
			rep = "&#43;"
		case '<':
			rep = "&lt;"
		case '>':
			rep = "&gt;"
		default:
			continue
		}
		b.WriteString(s[last:i])
		b.WriteString(rep)
		last = i + 1
	}
	b.WriteString(s[last:])
}
