package pyyaml

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// PyYAML's emitter settings under yaml.safe_dump(sort_keys=False,
// allow_unicode=False): two-space indentation, lines folded after column 80,
// "\n" line breaks, non-ASCII characters escaped.
const (
	bestIndent = 2
	bestWidth  = 80
)

// Marshal writes a document as PyYAML's yaml.safe_dump(doc, sort_keys=False,
// allow_unicode=False) does: block style, sequences inside mappings not
// indented, empty collections as [] and {}, strs plain when PyYAML allows it
// (else single-quoted, else double-quoted with escapes), long plain and quoted
// strs folded at the first space after column 80. The root must be a mapping
// or a sequence; mapping keys must be plain-writable on one line, shorter than
// 128 characters, as all of bilancio's are.
func Marshal(doc Node) ([]byte, error) {
	return marshal(doc, false)
}

// marshal is Marshal; general sends every scalar through analyze and
// scalar (the tests compare simplePlain with it).
func marshal(doc Node, general bool) ([]byte, error) {
	if doc.Kind != MapNode && doc.Kind != SeqNode {
		return nil, errors.New("yaml: the document root must be a mapping or a sequence")
	}
	e := &emitter{whitespace: true, indention: true, indent: -1, general: general}
	if err := e.node(doc, nodeContext{root: true}); err != nil {
		return nil, err
	}
	e.writeIndent() // document end: finish the last line
	return e.buf, nil
}

// nodeContext says where a node is, as PyYAML's expect_node flags do.
type nodeContext struct {
	root, sequence, mapping, simpleKey bool
}

// emitter holds PyYAML's writer state: the output column, whether the last
// character written was whitespace, whether only indentation has been
// written on the line (indention), and the current indentation (-1 before
// the root collection: PyYAML's None).
type emitter struct {
	buf        []byte
	column     int
	whitespace bool
	indention  bool
	indent     int
	indents    []int
	general    bool // no simplePlain
}

func (e *emitter) pushIndent(flow, indentless bool) {
	e.indents = append(e.indents, e.indent)
	switch {
	case e.indent < 0 && flow:
		e.indent = bestIndent
	case e.indent < 0:
		e.indent = 0
	case !indentless:
		e.indent += bestIndent
	}
}

func (e *emitter) popIndent() {
	e.indent = e.indents[len(e.indents)-1]
	e.indents = e.indents[:len(e.indents)-1]
}

func (e *emitter) node(n Node, ctx nodeContext) error {
	switch n.Kind {
	case SeqNode:
		if len(n.Items) == 0 {
			e.emptyFlow("[", "]")
			return nil
		}
		// A sequence that is a mapping's value is "indentless": its dashes
		// line up with the key.
		e.pushIndent(false, ctx.mapping && !e.indention)
		for _, item := range n.Items {
			e.writeIndent()
			e.writeIndicator("-", true, false, true)
			if err := e.node(item, nodeContext{sequence: true}); err != nil {
				return err
			}
		}
		e.popIndent()
	case MapNode:
		if len(n.Pairs) == 0 {
			e.emptyFlow("{", "}")
			return nil
		}
		e.pushIndent(false, false)
		for _, p := range n.Pairs {
			e.writeIndent()
			if e.simplePlain(Str(p.Key)) {
				e.writeIndicator(":", false, false, false)
				if err := e.node(p.Value, nodeContext{mapping: true}); err != nil {
					return err
				}
				continue
			}
			a := analyze(p.Key)
			if a.empty || a.multiline || len([]rune(p.Key)) >= 128 {
				return fmt.Errorf("yaml: mapping key %q cannot be written as a simple key", p.Key)
			}
			e.scalar(Str(p.Key), a, nodeContext{mapping: true, simpleKey: true})
			e.writeIndicator(":", false, false, false)
			if err := e.node(p.Value, nodeContext{mapping: true}); err != nil {
				return err
			}
		}
		e.popIndent()
	default:
		if ctx.root {
			return errors.New("yaml: a scalar document is not supported")
		}
		if !e.simplePlain(n) {
			e.scalar(n, analyze(n.Text), ctx)
		}
	}
	return nil
}

// SurelyPlain reports whether PyYAML surely writes the text s of a scalar
// plain, as itself, on the line it is on: printable ASCII without spaces,
// ':' or '#', not starting with an indicator, shorter than 128 bytes. A str
// must also be read back as a str (PlainIsStr: "1" or "null" would be
// quoted).
func SurelyPlain(s string) bool {
	if s == "" || len(s) >= 128 {
		return false
	}
	switch s[0] {
	case '#', ',', '[', ']', '{', '}', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`', '-', '?', ':', '.':
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c > '~' || c == ':' || c == '#' {
			return false
		}
	}
	return true
}

// simplePlain writes n when it is a scalar that scalar would surely write
// plain on the line it is on (most of a generated scenario's keys and
// values: ids, numbers, paths): printable ASCII without spaces, quotes or
// indicators, that PyYAML reads back as n's type. It reports false, having
// written nothing, for every other scalar.
func (e *emitter) simplePlain(n Node) bool {
	s := n.Text
	if e.general || !SurelyPlain(s) {
		return false
	}
	if n.Kind == StrNode && !PlainIsStr(s) {
		return false
	}
	// scalar's writePlain of a text without spaces or breaks.
	if !e.whitespace {
		e.write(" ")
	}
	e.whitespace = false
	e.indention = false
	e.write(s)
	return true
}

// emptyFlow writes an empty sequence or mapping in flow style.
func (e *emitter) emptyFlow(open, close string) {
	e.writeIndicator(open, true, true, false)
	e.writeIndicator(close, false, false, false)
}

// scalar chooses the style of a scalar (PyYAML's choose_scalar_style) and
// writes it one indentation step deeper than its parent.
func (e *emitter) scalar(n Node, a analysis, ctx nodeContext) {
	e.pushIndent(true, false)
	defer e.popIndent()
	split := !ctx.simpleKey
	// Only a str can be read back as another type; the representations of
	// ints, floats, bools and None resolve to their own tags.
	implicit := n.Kind != StrNode || PlainIsStr(n.Text)
	switch {
	case implicit && !(ctx.simpleKey && (a.empty || a.multiline)) && a.allowBlockPlain:
		e.writePlain(a.runes, split)
	case a.allowSingleQuoted && !(ctx.simpleKey && a.multiline):
		e.writeSingleQuoted(a.runes, split)
	default:
		e.writeDoubleQuoted(a.runes, split)
	}
}

// writeIndicator writes an indicator, after a space unless the last character
// was whitespace or needWhitespace is false.
func (e *emitter) writeIndicator(ind string, needWhitespace, whitespace, indention bool) {
	if !e.whitespace && needWhitespace {
		ind = " " + ind
	}
	e.whitespace = whitespace
	e.indention = e.indention && indention
	e.write(ind)
}

// writeIndent starts a new line unless the current one holds only
// indentation up to the current indent, then pads to it.
func (e *emitter) writeIndent() {
	indent := max(e.indent, 0)
	if !e.indention || e.column > indent || (e.column == indent && !e.whitespace) {
		e.writeLineBreak()
	}
	if e.column < indent {
		e.whitespace = true
		e.write(strings.Repeat(" ", indent-e.column))
	}
}

func (e *emitter) writeLineBreak() {
	e.whitespace = true
	e.indention = true
	e.buf = append(e.buf, '\n')
	e.column = 0
}

// write appends ASCII text (every character written is ASCII: others are
// escaped) and advances the column.
func (e *emitter) write(s string) {
	e.buf = append(e.buf, s...)
	e.column += len(s)
}

// writeRunes is write(string(rs)) without making the string: what a scalar
// writer copies from its text (the same bytes, U+FFFD for a rune that is not
// valid, as the conversion writes it).
func (e *emitter) writeRunes(rs []rune) {
	n := len(e.buf)
	for _, r := range rs {
		if r >= 0 && r < utf8.RuneSelf {
			e.buf = append(e.buf, byte(r))
		} else {
			e.buf = utf8.AppendRune(e.buf, r)
		}
	}
	e.column += len(e.buf) - n
}

func isBreak(r rune) bool { return r == '\n' || r == '\u0085' || r == '\u2028' || r == '\u2029' }

// writeBreaks writes the line breaks text[start:end] of a quoted or plain
// scalar, then indents the next line.
func (e *emitter) writeBreaks(text []rune) {
	if text[0] == '\n' {
		e.writeLineBreak()
	}
	for range text {
		// Only '\n' can reach here: other breaks make a scalar
		// double-quoted, where they are escaped.
		e.writeLineBreak()
	}
	e.writeIndent()
}

// writePlain writes a plain scalar, replacing a single space by a line break
// when the line already extends past the width.
func (e *emitter) writePlain(text []rune, split bool) {
	if len(text) == 0 {
		return
	}
	if !e.whitespace {
		e.write(" ")
	}
	e.whitespace = false
	e.indention = false
	spaces, breaks := false, false
	start := 0
	for end := 0; end <= len(text); end++ {
		var ch rune = -1
		if end < len(text) {
			ch = text[end]
		}
		switch {
		case spaces:
			if ch != ' ' {
				if start+1 == end && e.column > bestWidth && split {
					e.writeIndent()
					e.whitespace = false
					e.indention = false
				} else {
					e.writeRunes(text[start:end])
				}
				start = end
			}
		case breaks:
			if !isBreak(ch) {
				e.writeBreaks(text[start:end])
				e.whitespace = false
				e.indention = false
				start = end
			}
		default:
			if ch == -1 || ch == ' ' || isBreak(ch) {
				e.writeRunes(text[start:end])
				start = end
			}
		}
		if ch != -1 {
			spaces = ch == ' '
			breaks = isBreak(ch)
		}
	}
}

// writeSingleQuoted writes a single-quoted scalar (quotes doubled), folding
// at single spaces past the width except at the ends of the text.
func (e *emitter) writeSingleQuoted(text []rune, split bool) {
	e.writeIndicator("'", true, false, false)
	spaces, breaks := false, false
	start := 0
	for end := 0; end <= len(text); end++ {
		var ch rune = -1
		if end < len(text) {
			ch = text[end]
		}
		switch {
		case spaces:
			if ch != ' ' {
				if start+1 == end && e.column > bestWidth && split && start != 0 && end != len(text) {
					e.writeIndent()
				} else {
					e.writeRunes(text[start:end])
				}
				start = end
			}
		case breaks:
			if !isBreak(ch) {
				e.writeBreaks(text[start:end])
				start = end
			}
		default:
			if ch == -1 || ch == ' ' || isBreak(ch) || ch == '\'' {
				if start < end {
					e.writeRunes(text[start:end])
					start = end
				}
			}
		}
		if ch == '\'' {
			e.write("''")
			start = end + 1
		}
		if ch != -1 {
			spaces = ch == ' '
			breaks = isBreak(ch)
		}
	}
	e.writeIndicator("'", false, false, false)
}

// shortEscape returns the short escape of PyYAML's double-quoted style for r,
// if it has one.
func shortEscape(r rune) (string, bool) {
	switch r {
	case 0:
		return "0", true
	case '\a':
		return "a", true
	case '\b':
		return "b", true
	case '\t':
		return "t", true
	case '\n':
		return "n", true
	case '\v':
		return "v", true
	case '\f':
		return "f", true
	case '\r':
		return "r", true
	case 0x1b:
		return "e", true
	case '"':
		return "\"", true
	case '\\':
		return "\\", true
	case 0x85:
		return "N", true
	case 0xa0:
		return "_", true
	case 0x2028:
		return "L", true
	case 0x2029:
		return "P", true
	}
	return "", false
}

// writeDoubleQuoted writes a double-quoted scalar with everything outside
// printable ASCII escaped (\xXX, \uXXXX, \UXXXXXXXX, upper-case hex), folding
// long lines with a trailing backslash.
func (e *emitter) writeDoubleQuoted(text []rune, split bool) {
	e.writeIndicator("\"", true, false, false)
	start := 0
	for end := 0; end <= len(text); end++ {
		var ch rune = -1
		if end < len(text) {
			ch = text[end]
		}
		if ch == -1 || ch == '"' || ch == '\\' || ch < 0x20 || ch > 0x7e {
			if start < end {
				e.writeRunes(text[start:end])
				start = end
			}
			if ch != -1 {
				var esc string
				if s, ok := shortEscape(ch); ok {
					esc = "\\" + s
				} else if ch <= 0xff {
					esc = fmt.Sprintf("\\x%02X", ch)
				} else if ch <= 0xffff {
					esc = fmt.Sprintf("\\u%04X", ch)
				} else {
					esc = fmt.Sprintf("\\U%08X", ch)
				}
				e.write(esc)
				start = end + 1
			}
		}
		if 0 < end && end < len(text)-1 && (ch == ' ' || start >= end) &&
			e.column+(end-start) > bestWidth && split {
			// After an escape start is end+1: Python's text[start:end]
			// is then empty.
			e.write(string(text[start:max(start, end)]) + "\\")
			if start < end {
				start = end
			}
			e.writeIndent()
			e.whitespace = false
			e.indention = false
			if text[start] == ' ' {
				e.write("\\")
			}
		}
	}
	e.writeIndicator("\"", false, false, false)
}
