package report

import (
	"math"
	"strconv"
	"unicode/utf8"
)

// jsonBuf writes the JSON data that a page's script draws from, by hand:
// the pages embed it in a <script type="application/json"> element, so
// besides JSON's own escapes it escapes '<', '>' and '&' (a "</script>" in
// an agent's name cannot end the element) and U+2028/U+2029.
//
// Elements are written in order; the buffer puts the commas.
type jsonBuf struct {
	b        []byte
	first    []bool // per open array or object: no element written yet
	afterKey bool   // a key was written: its value takes no comma
	seen     map[string]int
	plain    bool // istrs does not intern
}

// sep writes the comma before an element when it is not the first.
func (j *jsonBuf) sep() {
	if j.afterKey {
		j.afterKey = false
		return
	}
	if n := len(j.first); n > 0 {
		if j.first[n-1] {
			j.first[n-1] = false
		} else {
			j.b = append(j.b, ',')
		}
	}
}

// arr and obj open an array or an object (an element of the enclosing
// one, or a key's value); endArr and endObj close them.
func (j *jsonBuf) arr() { j.open('[') }
func (j *jsonBuf) obj() { j.open('{') }

func (j *jsonBuf) open(c byte) {
	j.sep()
	j.b = append(j.b, c)
	j.first = append(j.first, true)
}

func (j *jsonBuf) endArr() { j.close(']') }
func (j *jsonBuf) endObj() { j.close('}') }

func (j *jsonBuf) close(c byte) {
	j.first = j.first[:len(j.first)-1]
	j.b = append(j.b, c)
}

// key writes an object member's key; the next element is its value.
func (j *jsonBuf) key(k string) {
	j.sep()
	j.quote(k)
	j.b = append(j.b, ':')
	j.afterKey = true
}

// strs writes an array of strings, leaving out trailing empty ones.
func (j *jsonBuf) strs(ss ...string) {
	n := len(ss)
	for n > 0 && ss[n-1] == "" {
		n--
	}
	j.arr()
	for _, s := range ss[:n] {
		j.str(s)
	}
	j.endArr()
}

// The interned strings (istrs): a string of four characters or more is
// written whole the first time and as its number the next times, numbered
// in the order of first appearance. The reader numbers them in the same
// order as it reads the document. Characters are counted as the reader's
// JavaScript does (UTF-16 code units: x.length), not in bytes: "×12" is 4
// bytes but 3 characters, and counting it as the reader does not would
// shift every number after it.
const internMin = 4

// interned says whether istr interns s: it has internMin UTF-16 code units
// or more.
func interned(s string) bool {
	if len(s) < internMin {
		return false // a UTF-16 code unit takes at least a byte
	}
	if len(s) >= 3*internMin {
		return true // and at most three
	}
	units := 0
	for _, r := range s {
		units++
		if r >= 0x10000 {
			units++ // a surrogate pair
		}
	}
	return units >= internMin
}

// istrs writes an array of strings like strs, interning them.
func (j *jsonBuf) istrs(ss ...string) {
	n := len(ss)
	for n > 0 && ss[n-1] == "" {
		n--
	}
	j.arr()
	for _, s := range ss[:n] {
		j.istr(s)
	}
	j.endArr()
}

// istr writes a string element, interned.
func (j *jsonBuf) istr(s string) {
	if j.plain || !interned(s) {
		j.str(s)
		return
	}
	if k, ok := j.seen[s]; ok {
		j.int(k)
		return
	}
	if j.seen == nil {
		j.seen = make(map[string]int, 64)
	}
	j.seen[s] = len(j.seen)
	j.str(s)
}

// istrAt writes a string element as istr does, for a string that comes
// back often (an event's kind or key): *no keeps the number it was
// interned as (-2 when it is not interned; -1 before it is written), so
// that the next time it is written without a lookup.
func (j *jsonBuf) istrAt(s string, no *int32) {
	switch {
	case j.plain:
		j.str(s)
		return
	case *no >= 0:
		j.int(int(*no))
		return
	case *no == -2:
		j.str(s)
		return
	}
	if !interned(s) {
		*no = -2
		j.str(s)
		return
	}
	k, ok := j.seen[s]
	if !ok {
		if j.seen == nil {
			j.seen = make(map[string]int, 64)
		}
		k = len(j.seen)
		j.seen[s] = k
		*no = int32(k)
		j.str(s)
		return
	}
	*no = int32(k)
	j.int(k)
}

// inum writes a number's text (which needs no escaping) as a string
// element, interned as istr does.
func (j *jsonBuf) inum(b []byte) {
	if len(b) >= internMin && !j.plain {
		if k, ok := j.seen[string(b)]; ok {
			j.int(k)
			return
		}
		if j.seen == nil {
			j.seen = make(map[string]int, 64)
		}
		j.seen[string(b)] = len(j.seen)
	}
	j.numText(b)
}

// numText writes a number's text (which needs no escaping) as a string
// element.
func (j *jsonBuf) numText(b []byte) {
	j.sep()
	j.b = append(j.b, '"')
	j.b = append(j.b, b...)
	j.b = append(j.b, '"')
}

// str writes a string element.
func (j *jsonBuf) str(s string) {
	j.sep()
	j.quote(s)
}

// num writes a number element (null for NaN or an infinity).
func (j *jsonBuf) num(f float64) {
	j.sep()
	if math.IsNaN(f) || math.IsInf(f, 0) {
		j.b = append(j.b, "null"...)
		return
	}
	j.b = strconv.AppendFloat(j.b, f, 'g', -1, 64)
}

// int writes an integer element.
func (j *jsonBuf) int(n int) {
	j.sep()
	j.b = strconv.AppendInt(j.b, int64(n), 10)
}

// flag writes a boolean as run.js and dash.js read it: 1 or 0.
func (j *jsonBuf) flag(b bool) {
	if b {
		j.int(1)
	} else {
		j.int(0)
	}
}

const hexDigits = "0123456789abcdef"

// special marks the bytes quote looks at: those JSON or the page escape,
// and the bytes of multi-byte characters (read-only).
var special = func() (t [256]bool) {
	for c := range 256 {
		t[c] = c < 0x20 || c >= 0x80 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&'
	}
	return t
}()

// quote appends s as a JSON string.
func (j *jsonBuf) quote(s string) {
	b := append(j.b, '"')
	last := 0
	for i := 0; i < len(s); {
		c := s[i]
		if !special[c] {
			i++
			continue
		}
		if c >= 0x80 {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == '\u2028' || r == '\u2029' || r == utf8.RuneError && size == 1 {
				b = append(b, s[last:i]...)
				if r == utf8.RuneError {
					b = append(b, `\ufffd`...)
				} else {
					b = append(b, `\u202`...)
					b = append(b, hexDigits[r&0xf])
				}
				last = i + size
			}
			i += size
			continue
		}
		b = append(b, s[last:i]...)
		switch c {
		case '"':
			b = append(b, `\"`...)
		case '\\':
			b = append(b, `\\`...)
		case '\n':
			b = append(b, `\n`...)
		case '\t':
			b = append(b, `\t`...)
		default:
			b = append(b, `\u00`...)
			b = append(b, hexDigits[c>>4], hexDigits[c&0xf])
		}
		i++
		last = i
	}
	b = append(b, s[last:]...)
	j.b = append(b, '"')
}
