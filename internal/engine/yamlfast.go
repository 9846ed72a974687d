package engine

import (
	"bytes"
	"strings"

	"go.yaml.in/yaml/v3"
)

// A fast path for the scenario files bilancio and its sweeps write.
//
// Scenario files written by a program (bilancio's yaml.dump, the ring
// generator of internal/ring, a sweep's worker input) use a small part of
// YAML: block mappings and indentless block sequences, plain scalars (a
// long one folded over indented lines), single-quoted scalars and empty
// flow collections. Parsing that with go-yaml's general parser is most of
// the cost of loading such a file (more than simulating a 100-agent ring),
// so fastYAML builds the node tree go-yaml would build for exactly these
// documents, and gives up (nil) on anything else — comments, anchors,
// tags, flow collections with content, double quotes, block scalars, tabs,
// blank lines, non-ASCII text, several documents — which then goes through
// go-yaml. Everything after the tree (PyYAML's scalar rules, bilancio's
// models, validation, error positions) is shared, and the fuzz test
// FuzzFastYAML checks that the trees are the same.

// fastLine is one line of the document: its indentation, its text after
// the indentation, and its 1-based number.
type fastLine struct {
	indent int
	text   string
	num    int
}

// fastYAML returns the root node of data, or nil when data is not in the
// subset described above.
func fastYAML(data []byte) *yaml.Node {
	lines := fastLines(data)
	if lines == nil {
		return nil
	}
	// A line makes two nodes (a key and its value) and sometimes a third
	// ("- key: value" opens a mapping): the nodes and the collections'
	// Content come from blocks of about that size, and more blocks when needed.
	n := len(lines) + 1
	p := &fastParser{lines: lines, nodes: make([]yaml.Node, 0, 2*n+8), content: make([]*yaml.Node, 0, 2*n+8)}
	root := p.block(0)
	if root == nil || root.Kind != yaml.MappingNode || p.i != len(lines) {
		return nil
	}
	return root
}

// fastLines splits data into its lines, or returns nil when its bytes or
// lines are outside the subset (the first steps of fastYAML).
func fastLines(data []byte) []fastLine {
	if !fastBytes(data) {
		return nil
	}
	n := bytes.Count(data, []byte{'\n'}) + 1
	lines := make([]fastLine, 0, n)
	for num, rest := 1, string(data); len(rest) > 0; num++ {
		var line string
		if i := strings.IndexByte(rest, '\n'); i >= 0 {
			line, rest = rest[:i], rest[i+1:]
		} else {
			line, rest = rest, ""
		}
		indent := 0
		for indent < len(line) && line[indent] == ' ' {
			indent++
		}
		text := line[indent:]
		if text == "" || text[len(text)-1] == ' ' || strings.HasPrefix(text, "---") || strings.HasPrefix(text, "...") {
			return nil // blank lines, trailing spaces and document markers are go-yaml's
		}
		lines = append(lines, fastLine{indent: indent, text: text, num: num})
	}
	if len(lines) == 0 || lines[0].indent != 0 {
		return nil
	}
	return lines
}

// fastBytes reports whether data holds none of the bytes the subset leaves
// to go-yaml: comments, anchors, aliases, tags, double quotes, directives,
// control characters (tabs, carriage returns) and non-ASCII text. It looks
// at eight bytes at a time: an x has a bit a dot has not (refusedBit).
func fastBytes(data []byte) bool {
	rest := data
	for len(rest) >= 8 {
		b := rest[:8:8]
		if (refusedBytes[b[0]]|refusedBytes[b[1]]|refusedBytes[b[2]]|refusedBytes[b[3]]|
			refusedBytes[b[4]]|refusedBytes[b[5]]|refusedBytes[b[6]]|refusedBytes[b[7]])&refusedBit != 0 {
			return false
		}
		rest = rest[8:]
	}
	for _, c := range rest {
		if refusedBytes[c]&refusedBit != 0 {
			return false
		}
	}
	return true
}

// refusedBytes marks with an x each byte fastBytes refuses.
const refusedBytes = "" +
	"xxxxxxxxxx.xxxxxxxxxxxxxxxxxxxxx" + // 0x00–0x1f: control characters but the newline
	".xxx.xx...x...................x." + // 0x20–0x3f: ! " # % & * >
	"x..............................." + // 0x40–0x5f: @
	"x...........................x..x" + // 0x60–0x7f: ` | DEL
	"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" + // 0x80–0xff: non-ASCII
	"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" +
	"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" +
	"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"

// refusedBit is a bit of 'x' that '.' has not.
const refusedBit = 'x' &^ '.'

// fastParser walks the lines of a document.
type fastParser struct {
	lines []fastLine
	i     int // the next line
	// nodes is the block the nodes are cut from, content the one the
	// collections' Content is; stack holds the children of the
	// collections being parsed.
	nodes   []yaml.Node
	content []*yaml.Node
	stack   []*yaml.Node
}

// node returns a new node holding n.
func (p *fastParser) node(n yaml.Node) *yaml.Node {
	if len(p.nodes) == cap(p.nodes) {
		p.nodes = make([]yaml.Node, 0, 64)
	}
	p.nodes = append(p.nodes, n)
	return &p.nodes[len(p.nodes)-1]
}

// children sets c's Content to the nodes pushed on the stack since start.
func (p *fastParser) children(c *yaml.Node, start int) {
	kids := p.stack[start:]
	if len(kids) > 0 {
		if cap(p.content)-len(p.content) < len(kids) {
			p.content = make([]*yaml.Node, 0, max(64, len(kids)))
		}
		at := len(p.content)
		p.content = append(p.content, kids...)
		c.Content = p.content[at:len(p.content):len(p.content)]
	}
	clear(kids)
	p.stack = p.stack[:start]
}

// block parses the block collection whose first line is the current one, at
// indentation indent.
func (p *fastParser) block(indent int) *yaml.Node {
	if indent > 200 {
		return nil // deep nesting is go-yaml's (it has limits of its own)
	}
	if isSeqEntry(p.lines[p.i].text) {
		return p.sequence(indent)
	}
	return p.mapping(indent)
}

// isSeqEntry reports whether text starts a block sequence entry.
func isSeqEntry(text string) bool { return text == "-" || strings.HasPrefix(text, "- ") }

// mapping parses a block mapping whose keys are at indent.
func (p *fastParser) mapping(indent int) *yaml.Node {
	first := p.lines[p.i]
	m := p.node(yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: first.num, Column: indent + 1})
	start := len(p.stack)
	defer p.children(m, start)
	for p.i < len(p.lines) {
		l := p.lines[p.i]
		if l.indent < indent {
			break
		}
		if l.indent > indent || isSeqEntry(l.text) {
			return nil
		}
		key, rest, ok := splitKey(l.text)
		if !ok {
			return nil
		}
		k := p.plainScalar(key, l.num, indent+1)
		if k == nil || k.Tag != "!!str" || len(key) > 1000 {
			// (go-yaml allows implicit keys of up to 1024 characters)
			return nil
		}
		var v *yaml.Node
		p.i++
		if rest != "" {
			col := indent + len(key) + 3
			if v = p.scalar(rest, l.num, col, indent); v == nil {
				return nil
			}
		} else {
			if p.i == len(p.lines) {
				return nil // an empty value: null, go-yaml's
			}
			next := p.lines[p.i]
			switch {
			case next.indent > indent:
				v = p.block(next.indent)
			case next.indent == indent && isSeqEntry(next.text):
				v = p.sequence(indent)
			default:
				return nil
			}
			if v == nil {
				return nil
			}
		}
		p.stack = append(p.stack, k, v)
	}
	return m
}

// sequence parses a block sequence whose "- " are at indent.
func (p *fastParser) sequence(indent int) *yaml.Node {
	first := p.lines[p.i]
	s := p.node(yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Line: first.num, Column: indent + 1})
	start := len(p.stack)
	defer p.children(s, start)
	for p.i < len(p.lines) {
		l := p.lines[p.i]
		if l.indent < indent || (l.indent == indent && !isSeqEntry(l.text)) {
			break
		}
		if l.indent > indent || l.text == "-" {
			return nil
		}
		item := l.text[2:]
		itemIndent := indent + 2
		if strings.HasPrefix(item, " ") || isSeqEntry(item) {
			return nil
		}
		if _, _, ok := splitKey(item); ok {
			// "- key: value": a mapping whose keys are at the item's column.
			p.lines[p.i] = fastLine{indent: itemIndent, text: item, num: l.num}
			v := p.mapping(itemIndent)
			if v == nil {
				return nil
			}
			p.stack = append(p.stack, v)
			continue
		}
		p.i++
		v := p.scalar(item, l.num, itemIndent+1, indent)
		if v == nil {
			return nil
		}
		p.stack = append(p.stack, v)
	}
	return s
}

// splitKey splits "key: value" or "key:" into the key and the value text.
func splitKey(text string) (key, rest string, ok bool) {
	if k, ok := strings.CutSuffix(text, ":"); ok && keySep(k) < 0 {
		return k, "", k != ""
	}
	i := keySep(text)
	if i <= 0 {
		return "", "", false
	}
	return text[:i], text[i+2:], true
}

// keySep is strings.Index(s, ": ") for the short texts of a line (most
// have one colon or none): the place of the first ": " in s, or -1.
func keySep(s string) int {
	for i := 0; ; i++ {
		j := strings.IndexByte(s[i:], ':')
		if j < 0 {
			return -1
		}
		if i += j; i+1 < len(s) && s[i+1] == ' ' {
			return i
		}
	}
}

// scalar parses the value text written on line num at column col (1-based)
// of an entry whose parent collection is at indent: an empty flow
// collection, a single-quoted scalar, or a plain scalar, which may go on
// over the following lines indented more than indent.
func (p *fastParser) scalar(text string, num, col, indent int) *yaml.Node {
	switch text {
	case "[]":
		return p.node(yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Style: yaml.FlowStyle, Line: num, Column: col})
	case "{}":
		return p.node(yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Style: yaml.FlowStyle, Line: num, Column: col})
	}
	if text[0] == '\'' {
		if len(text) < 2 || text[len(text)-1] != '\'' {
			return nil
		}
		body := text[1 : len(text)-1]
		if strings.Count(body, "'")%2 != 0 || strings.Contains(strings.ReplaceAll(body, "''", ""), "'") {
			return nil
		}
		if p.i < len(p.lines) && p.lines[p.i].indent > indent && !isSeqEntry(p.lines[p.i].text) {
			return nil
		}
		return p.node(yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Style: yaml.SingleQuotedStyle,
			Value: strings.ReplaceAll(body, "''", "'"), Line: num, Column: col})
	}
	// A plain scalar may be folded over more-indented lines.
	value := text
	for p.i < len(p.lines) {
		next := p.lines[p.i]
		if next.indent <= indent {
			break
		}
		if isSeqEntry(next.text) || keySep(next.text) >= 0 || strings.HasSuffix(next.text, ":") {
			return nil
		}
		value += " " + next.text
		p.i++
	}
	return p.plainScalar(value, num, col)
}

// plainScalar returns the plain scalar node of value with go-yaml's tag,
// or nil for a value whose resolution is not plainly a string or a
// decimal number.
func (p *fastParser) plainScalar(value string, num, col int) *yaml.Node {
	if value == "" || value[len(value)-1] == ' ' || keySep(value) >= 0 || strings.HasSuffix(value, ":") {
		return nil
	}
	tag := "!!str"
	switch c := value[0]; {
	case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_':
		switch value {
		case "true", "True", "TRUE", "false", "False", "FALSE":
			tag = "!!bool"
		case "null", "Null", "NULL":
			return nil
		}
	case c >= '0' && c <= '9' || c == '-':
		t, ok := decimalTag(value)
		if !ok {
			return nil
		}
		tag = t
	default:
		return nil
	}
	return p.node(yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: value, Line: num, Column: col})
}

// decimalTag returns the tag go-yaml gives a number written
// -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][-+]?[0-9]{1,2})?: !!int without a point
// or an exponent (and then of at most 18 digits), !!float with one (a
// float64 holds it). Anything else is not ok.
func decimalTag(s string) (string, bool) {
	s = strings.TrimPrefix(s, "-")
	mant, exp, hasExp := strings.Cut(strings.ReplaceAll(s, "E", "e"), "e")
	whole, frac, point := strings.Cut(mant, ".")
	if whole == "" || (!point && !hasExp && len(whole) > 18) || (len(whole) > 1 && whole[0] == '0') || (point && frac == "") {
		return "", false
	}
	if hasExp {
		exp = strings.TrimLeft(exp, "+-")
		if len(exp) == 0 || len(exp) > 2 || strings.Count(s, "-")+strings.Count(s, "+") > 1 {
			return "", false
		}
	}
	for _, part := range [3]string{whole, frac, exp} {
		for i := 0; i < len(part); i++ {
			if part[i] < '0' || part[i] > '9' {
				return "", false
			}
		}
	}
	if point || hasExp {
		return "!!float", true
	}
	return "!!int", true
}
