package engine

// The YAML document as bilancio sees it: go-yaml's node tree with PyYAML's
// safe_load semantics (YAML 1.1 scalars, aliases, merge keys, last duplicate
// key wins) and bilancio's pre-processing (numeric strings become Decimals).

import (
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/bilancio-go/bilancio/internal/pynum"
	"github.com/bilancio-go/bilancio/internal/pyyaml"
)

// valKind is the Python type of a loaded YAML value.
type valKind uint8

const (
	valNull valKind = iota
	valBool
	valInt
	valFloat
	valDecimal
	valString
	valTimestamp
	valOther // bytes (!!binary), sets, ordered maps: never valid in a scenario field
	valMap
	valSeq
)

// yamlValue is one YAML value after safe_load and bilancio's pre-processing.
type yamlValue struct {
	kind valKind
	at   *yaml.Node // the node where the value is written (possibly an alias)
	node *yaml.Node // at with aliases followed
	text string     // scalars: the text as written; valString: the string
	b    bool
	i    *big.Int
	f    float64
	d    pynum.Amount
	// dec says whether a valDecimal is finite (d is set), Infinity/NaN, or
	// too large for us.
	dec decimalStatus
	// fromString marks a Decimal that bilancio's pre-processing made from a string.
	fromString bool
	tag        string // valOther: the tag
}

// describeValue names v for error messages: "the string \"abc\"", "a list", ...
func (v yamlValue) describeValue() string {
	switch v.kind {
	case valNull:
		return "null"
	case valBool:
		return fmt.Sprintf("the boolean %v", v.b)
	case valInt:
		return "the integer " + v.i.String()
	case valFloat:
		return "the number " + pynum.FloatRepr(v.f)
	case valDecimal:
		if v.fromString {
			return fmt.Sprintf("the number %q (bilancio reads a numeric string as a number)", v.text)
		}
		return "the number " + v.text
	case valString:
		return strconv.Quote(v.text)
	case valTimestamp:
		return "the timestamp " + v.text
	case valMap:
		return "a mapping"
	case valSeq:
		return "a list"
	}
	return "a " + v.tag + " value"
}

// yamlDeref follows aliases.
func yamlDeref(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < 1000; i++ {
		n = n.Alias
	}
	return n
}

// yamlNodeError is an error at a node; the loader turns it into a LoadError.
type yamlNodeError struct {
	node *yaml.Node
	msg  string
}

func (e *yamlNodeError) Error() string { return e.msg }

func errAtNode(n *yaml.Node, format string, args ...any) error {
	return &yamlNodeError{node: n, msg: fmt.Sprintf(format, args...)}
}

// decimalStatus says what Python's Decimal(s) makes of a string.
type decimalStatus = pyyaml.DecimalStatus

const (
	decInvalid    = pyyaml.DecimalInvalid    // Decimal(s) raises
	decFinite     = pyyaml.DecimalFinite     // a finite Decimal
	decNonFinite  = pyyaml.DecimalNonFinite  // Infinity or a NaN
	decOutOfRange = pyyaml.DecimalOutOfRange // finite for Python, but its exponent is beyond what we hold
)

// longTag prints a tag as PyYAML names it.
func longTag(t string) string {
	if rest, ok := strings.CutPrefix(t, "!!"); ok {
		return pyyaml.TagPrefix + rest
	}
	return t
}

// scalarTag returns the PyYAML tag of the scalar node n (aliases followed),
// or an error for a tag SafeLoader (plus bilancio's !decimal) cannot construct.
func scalarTag(n *yaml.Node) (tag pyyaml.Tag, other string, decimal bool, err error) {
	if r := pyyaml.ResolveNode(n); r != pyyaml.TagOther {
		return r, "", false, nil
	}
	switch t := pyyaml.ExplicitTag(n); {
	case t == "!decimal":
		return pyyaml.TagStr, "", true, nil
	case t == "!!binary":
		return pyyaml.TagStr, t, false, nil
	case t == "!!map" || t == "!!seq" || t == "!!set" || t == "!!omap" || t == "!!pairs":
		return 0, "", false, errAtNode(n, "expected a %s node, but found a scalar", collectionOf(t))
	default:
		return 0, "", false, errAtNode(n, "could not determine a constructor for the tag %q", longTag(t))
	}
}

func collectionOf(tag string) string {
	if tag == "!!map" || tag == "!!set" {
		return "mapping"
	}
	return "sequence"
}

// constructNode builds the value PyYAML constructs for the node at (aliases
// followed), without bilancio's pre-processing.
func constructNode(at *yaml.Node) (yamlValue, error) {
	n := yamlDeref(at)
	v := yamlValue{at: at, node: n, text: n.Value}
	switch n.Kind {
	case yaml.MappingNode, yaml.SequenceNode:
		t := pyyaml.ExplicitTag(n)
		var want yaml.Kind
		switch t {
		case "":
			v.kind = valSeq
			if n.Kind == yaml.MappingNode {
				v.kind = valMap
			}
			return v, nil
		case "!!map":
			want, v.kind = yaml.MappingNode, valMap
		case "!!set":
			want, v.kind, v.tag = yaml.MappingNode, valOther, t
		case "!!seq":
			want, v.kind = yaml.SequenceNode, valSeq
		case "!!omap", "!!pairs":
			want, v.kind, v.tag = yaml.SequenceNode, valOther, t
		case "!!str", "!!int", "!!float", "!!bool", "!!null", "!!timestamp", "!!binary", "!!merge", "!!value", "!decimal":
			return v, errAtNode(n, "expected a scalar node, but found a %s", yamlKindName(n))
		default:
			return v, errAtNode(n, "could not determine a constructor for the tag %q", longTag(t))
		}
		if n.Kind != want {
			return v, errAtNode(n, "expected a %s node, but found a %s", collectionOf(t), yamlKindName(n))
		}
		return v, nil
	case yaml.ScalarNode:
	default:
		return v, errAtNode(n, "unexpected YAML node")
	}
	tag, other, decimal, err := scalarTag(n)
	if err != nil {
		return v, err
	}
	switch {
	case other != "":
		v.kind, v.tag = valOther, other
		return v, nil
	case decimal:
		v.kind = valDecimal
		v.d, v.dec = pyyaml.Decimal(n.Value)
		if v.dec == decInvalid {
			return v, errAtNode(n, "!decimal: %q is not a decimal number", n.Value)
		}
		return v, nil
	}
	switch tag {
	case pyyaml.TagStr, pyyaml.TagValue:
		v.kind = valString
	case pyyaml.TagNull:
		v.kind = valNull
	case pyyaml.TagBool:
		v.kind = valBool
		v.b, err = pyyaml.ParseBool(n.Value)
	case pyyaml.TagInt:
		v.kind = valInt
		v.i, err = pyyaml.ParseInt(n.Value)
	case pyyaml.TagFloat:
		v.kind = valFloat
		v.f, err = pyyaml.ParseFloat(n.Value)
	case pyyaml.TagTimestamp:
		v.kind = valTimestamp
		err = pyyaml.CheckTimestamp(n.Value)
	case pyyaml.TagMerge:
		err = errors.New("a merge key (<<) can only be used as a mapping key")
	}
	if err != nil {
		return v, errAtNode(n, "%v", err)
	}
	return v, nil
}

func yamlKindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "sequence"
	case yaml.ScalarNode:
		return "scalar"
	}
	return "node"
}

// resolveValue returns the value at `at` as bilancio sees it: safe_load's value,
// with a string that Python's Decimal() parses as a finite number replaced
// by that Decimal.
func resolveValue(at *yaml.Node) (yamlValue, error) {
	v, err := constructNode(at)
	if err != nil || v.kind != valString {
		return v, err
	}
	if d, st := pyyaml.Decimal(v.text); st == decFinite || st == decOutOfRange {
		v.kind, v.d, v.dec, v.fromString = valDecimal, d, st, true
	}
	return v, nil
}

// mapEntry is one key of a mapping after merge keys are applied.
type mapEntry struct {
	key    yamlValue  // the key as PyYAML builds it (keys are not pre-processed)
	keyStr string     // the key's identity; for a string key, the string
	isStr  bool       // the key is a string
	keyAt  *yaml.Node // the key node as written
	val    *yaml.Node // the value node as written (possibly an alias)
}

// maxMergeDepth bounds nested merge keys (PyYAML would recurse without limit).
const maxMergeDepth = 64

// yamlMapper builds mapping entries, memoising them per node.
type yamlMapper struct {
	done  map[*yaml.Node][]mapEntry
	busy  map[*yaml.Node]bool
	depth int
}

func newYAMLMapper() *yamlMapper {
	return &yamlMapper{done: map[*yaml.Node][]mapEntry{}, busy: map[*yaml.Node]bool{}}
}

// entries returns the mapping n (aliases followed) as PyYAML's dict: merge
// keys (<<) expanded, each key once, in the position of its first
// occurrence, with the value of its last occurrence.
func (m *yamlMapper) entries(at *yaml.Node) ([]mapEntry, error) {
	n := yamlDeref(at)
	if n.Kind != yaml.MappingNode {
		return nil, errAtNode(n, "expected a mapping")
	}
	if es, ok := m.done[n]; ok {
		return es, nil
	}
	if m.busy[n] || m.depth >= maxMergeDepth {
		return nil, errAtNode(n, "merge key (<<) refers to a mapping that contains it")
	}
	m.busy[n] = true
	m.depth++
	defer func() { delete(m.busy, n); m.depth-- }()

	var merged []mapEntry
	own := make([]mapEntry, 0, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		kAt, vAt := n.Content[i], n.Content[i+1]
		k := yamlDeref(kAt)
		if k.Kind == yaml.ScalarNode {
			if t, _, _, err := scalarTag(k); err == nil && t == pyyaml.TagMerge {
				es, err := m.mergeValue(vAt)
				if err != nil {
					return nil, err
				}
				merged = append(merged, es...)
				continue
			}
		}
		key, err := constructNode(kAt)
		if err != nil {
			return nil, err
		}
		e := mapEntry{key: key, keyAt: kAt, val: vAt}
		switch key.kind {
		case valMap, valSeq:
			return nil, errAtNode(k, "found unhashable key (a %s used as a mapping key)", yamlKindName(k))
		case valString:
			e.keyStr, e.isStr = key.text, true
		case valInt:
			e.keyStr = "\x00int " + key.i.String()
		default:
			e.keyStr = fmt.Sprintf("\x00%d %s", key.kind, key.text)
		}
		own = append(own, e)
	}
	es := own
	if len(merged) > 0 {
		es = append(merged, own...)
	}
	es = dedupe(es)
	m.done[n] = es
	return es, nil
}

// mergeValue returns the entries a merge key brings: one mapping, or a list
// of mappings where earlier ones win.
func (m *yamlMapper) mergeValue(vAt *yaml.Node) ([]mapEntry, error) {
	v := yamlDeref(vAt)
	switch v.Kind {
	case yaml.MappingNode:
		return m.entries(v)
	case yaml.SequenceNode:
		var out []mapEntry
		for i := len(v.Content) - 1; i >= 0; i-- {
			s := yamlDeref(v.Content[i])
			if s.Kind != yaml.MappingNode {
				return nil, errAtNode(s, "expected a mapping for merging, but found a %s", yamlKindName(s))
			}
			es, err := m.entries(s)
			if err != nil {
				return nil, err
			}
			out = append(out, es...)
		}
		return out, nil
	}
	return nil, errAtNode(v, "expected a mapping or list of mappings for merging, but found a %s", yamlKindName(v))
}

// dedupe keeps each key once, at its first position, with its last value.
// es is reused when its keys are distinct (the usual case).
func dedupe(es []mapEntry) []mapEntry {
	if len(es) <= dedupeScan {
		distinct := true
		for i := 1; i < len(es) && distinct; i++ {
			for j := range i {
				if es[j].keyStr == es[i].keyStr {
					distinct = false
					break
				}
			}
		}
		if distinct {
			return es
		}
	}
	idx := make(map[string]int, len(es))
	out := make([]mapEntry, 0, len(es))
	for _, e := range es {
		if j, ok := idx[e.keyStr]; ok {
			first := out[j]
			e.keyAt = first.keyAt
			out[j] = e
			continue
		}
		idx[e.keyStr] = len(out)
		out = append(out, e)
	}
	return out
}

// dedupeScan is the size up to which dedupe compares keys pairwise
// instead of building a map.
const dedupeScan = 16

// checkDocument constructs every node of the document the way safe_load
// does, so that what PyYAML rejects anywhere in the file (unknown tags,
// invalid dates, bad merge keys, duplicate anchors), even under keys bilancio
// ignores, is rejected here too.
func (m *yamlMapper) checkDocument(root *yaml.Node) error {
	anchors := map[string]*yaml.Node{}
	var walk func(n *yaml.Node, isKey bool, depth int) error
	walk = func(n *yaml.Node, isKey bool, depth int) error {
		if depth > 10000 {
			return errAtNode(n, "document nested too deeply")
		}
		if n.Anchor != "" {
			if first, ok := anchors[n.Anchor]; ok {
				return errAtNode(n, "found duplicate anchor %q; first occurrence at line %d, column %d", n.Anchor, first.Line, first.Column)
			}
			anchors[n.Anchor] = n
		}
		switch n.Kind {
		case yaml.AliasNode:
			return nil
		case yaml.ScalarNode:
			if isKey {
				return nil // keys are checked by entries
			}
			if t, _, _, err := scalarTag(n); err == nil && t == pyyaml.TagValue {
				return errAtNode(n, "could not determine a constructor for the tag %q", pyyaml.TagPrefix+"value")
			}
			_, err := constructNode(n)
			return err
		case yaml.SequenceNode:
			if _, err := constructNode(n); err != nil {
				return err
			}
			for _, c := range n.Content {
				if err := walk(c, false, depth+1); err != nil {
					return err
				}
			}
			return nil
		case yaml.MappingNode:
			if _, err := constructNode(n); err != nil {
				return err
			}
			for i := 0; i+1 < len(n.Content); i += 2 {
				if err := walk(n.Content[i], true, depth+1); err != nil {
					return err
				}
				if err := walk(n.Content[i+1], false, depth+1); err != nil {
					return err
				}
			}
			// After the children: PyYAML constructs a mapping's keys and
			// values as it builds the mapping.
			_, err := m.entries(n)
			return err
		}
		return errAtNode(n, "unexpected YAML node")
	}
	return walk(root, false, 0)
}
