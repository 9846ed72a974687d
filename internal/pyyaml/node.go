package pyyaml

import (
	"math"
	"strconv"
	"strings"

	"github.com/bilancio-go/bilancio/internal/pynum"
)

// Kind says what a Node holds.
type Kind uint8

// Node kinds: the Python values bilancio's generator hands to PyYAML.
const (
	StrNode   Kind = iota // a Python str
	IntNode               // a Python int
	FloatNode             // a Python float
	BoolNode              // a Python bool
	NullNode              // None
	SeqNode               // a list
	MapNode               // a dict, in insertion order
)

// Node is one value of a scenario document as bilancio builds it before
// yaml.safe_dump: a str, int, float, bool or None scalar, a list or an
// insertion-ordered dict. Build nodes with Str, Int, Float, Bool, Null, Seq and
// Map, and write them with Marshal.
type Node struct {
	Kind Kind
	// Text is a scalar as PyYAML's SafeRepresenter spells it: the str itself,
	// str(int), the float's repr with ".0" before a bare exponent, true/false,
	// null.
	Text  string
	Items []Node // SeqNode
	Pairs []Pair // MapNode
}

// Pair is one entry of a mapping.
type Pair struct {
	Key   string
	Value Node
}

// Str returns a str scalar.
func Str(s string) Node { return Node{Kind: StrNode, Text: s} }

// Int returns an int scalar.
func Int(n int64) Node { return Node{Kind: IntNode, Text: strconv.FormatInt(n, 10)} }

// IntText returns an int scalar given as its decimal digits (for ints
// beyond int64).
func IntText(digits string) Node { return Node{Kind: IntNode, Text: digits} }

// Float returns a float scalar written as PyYAML's represent_float does:
// repr(f) in lower case, ".0" inserted before an exponent when the repr has
// no point (1e-05 → 1.0e-05), and .inf, -.inf, .nan.
func Float(f float64) Node {
	var text string
	switch {
	case math.IsNaN(f):
		text = ".nan"
	case math.IsInf(f, 1):
		text = ".inf"
	case math.IsInf(f, -1):
		text = "-.inf"
	default:
		text = pynum.FloatRepr(f)
		if !strings.Contains(text, ".") {
			text = strings.Replace(text, "e", ".0e", 1)
		}
	}
	return Node{Kind: FloatNode, Text: text}
}

// Bool returns a bool scalar.
func Bool(b bool) Node {
	if b {
		return Node{Kind: BoolNode, Text: "true"}
	}
	return Node{Kind: BoolNode, Text: "false"}
}

// Null returns None. Note that bilancio drops None values from mappings
// before dumping (Map keeps them: leave such keys out).
func Null() Node { return Node{Kind: NullNode, Text: "null"} }

// Seq returns a list.
func Seq(items ...Node) Node { return Node{Kind: SeqNode, Items: items} }

// Map returns a dict with the pairs in order.
func Map(pairs ...Pair) Node { return Node{Kind: MapNode, Pairs: pairs} }

// P returns a mapping pair.
func P(key string, value Node) Pair { return Pair{Key: key, Value: value} }

// Get returns the value of key in a mapping.
func (n *Node) Get(key string) (*Node, bool) {
	for i := range n.Pairs {
		if n.Pairs[i].Key == key {
			return &n.Pairs[i].Value, true
		}
	}
	return nil, false
}

// Set replaces the value of key in a mapping, or appends the pair at the end
// as a Python dict assignment does.
func (n *Node) Set(key string, value Node) {
	if v, ok := n.Get(key); ok {
		*v = value
		return
	}
	n.Pairs = append(n.Pairs, P(key, value))
}
