package report

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// quoteBytewise is jsonBuf.quote one byte at a time (as it was written
// before it skipped eight plain bytes at a time): the reference.
func quoteBytewise(s string) string {
	b := []byte{'"'}
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c >= 0x80:
			r, size := utf8.DecodeRuneInString(s[i:])
			switch {
			case r == utf8.RuneError && size == 1:
				b = append(b, `\ufffd`...)
			case r == '\u2028' || r == '\u2029':
				b = append(b, `\u202`...)
				b = append(b, hexDigits[r&0xf])
			default:
				b = append(b, s[i:i+size]...)
			}
			i += size
			continue
		case c == '"':
			b = append(b, `\"`...)
		case c == '\\':
			b = append(b, `\\`...)
		case c == '\n':
			b = append(b, `\n`...)
		case c == '\t':
			b = append(b, `\t`...)
		case c < 0x20 || c == '<' || c == '>' || c == '&':
			b = append(b, `\u00`...)
			b = append(b, hexDigits[c>>4], hexDigits[c&0xf])
		default:
			b = append(b, c)
		}
		i++
	}
	return string(append(b, '"'))
}

// textBytewise is htmlBuf.text one byte at a time: the reference.
func textBytewise(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case 0:
			b.WriteString("\uFFFD")
		case '"':
			b.WriteString("&#34;")
		case '&':
			b.WriteString("&amp;")
		case '\'':
			b.WriteString("&#39;")
		case '+':
			b.WriteString("&#43;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// checkEscapes compares quote and text with their references on s.
func checkEscapes(t *testing.T, s string) {
	t.Helper()
	j := jsonBuf{}
	j.quote(s)
	if got, want := string(j.b), quoteBytewise(s); got != want {
		t.Fatalf("quote %q:\n got  %s\n want %s", s, got, want)
	}
	var h htmlBuf
	h.text(s)
	if got, want := h.String(), textBytewise(s); got != want {
		t.Fatalf("text %q:\n got  %s\n want %s", s, got, want)
	}
}

// TestEscapesEveryByte puts every byte value at every place of strings of
// 1 to 19 bytes (every lane of the eight-byte tests, and the tails after
// them), and a few characters of several bytes, and compares quote and
// text with one-byte-at-a-time references.
func TestEscapesEveryByte(t *testing.T) {
	for n := 1; n <= 19; n++ {
		for at := range n {
			for c := range 256 {
				b := []byte(strings.Repeat("a~ ", 7)[:n])
				b[at] = byte(c)
				checkEscapes(t, string(b))
			}
			for _, r := range []string{"é", "\u2028", "\u2029", "😀", "×"} {
				checkEscapes(t, strings.Repeat("x", at)+r+strings.Repeat("y", n))
			}
		}
	}
}

func FuzzEscapes(f *testing.F) {
	for _, s := range []string{"", "plain text of some length", "<script>&'\"+\x00\n\t\\", "a\xffb\xe2\x80\xa8c", "Agent 1 — ×12"} {
		f.Add(s)
	}
	f.Fuzz(checkEscapes)
}
