package pyyaml

import (
	"math"
	"os"
	"strings"
	"testing"
	"unicode/utf8"
)

// testdata/pyyaml_golden.yaml is PyYAML 6.0.3's output (CPython 3.11.7) for
// the document goldenDoc builds, produced by
//
//	print(yaml.safe_dump(doc, sort_keys=False, allow_unicode=False), end="")
//
// with doc the same dict in Python (the lists below, in the same order).
func goldenDoc() Node {
	strs := []string{"", "yes", "No", "123", "1.5", "0.25", "null", "~", "a: b", "a:b", "a #b", "a#b", "#x", "- x", "-x", "? x", "key:",
		"---x", "...", " lead", "trail ", "multi\nline", "two\n\nbreaks\n", "tab\there", "\u03b2 beta", "emoji \U0001F600",
		"quote 'x'", "'q'", "dq \"x\"", "back\\slash", "2024-01-01", "<<", "=", "0x1F", "0o7", "1_000", "+.inf", "1:30", "!tag", "&a", "*b", "|", ">", "%", "@", "`",
		"nbsp\u00a0here", "ctrl\x07bell", "bom\ufeff", "line\u2028sep"}
	longs := []string{
		"Ring of 100 agents with total dues S1=10000; initial liquidity L0=5000 (kappa=2); Dirichlet concentration c=1; maturity mu=1 over 10 day horizon",
		strings.Repeat("word ", 40),
		strings.Repeat("x", 100) + " tail " + strings.Repeat("y", 90),
		"! single quoted because of the leading indicator, and long enough to be folded over several lines by the emitter",
		"\u03b2 double quoted because of a non-ASCII letter, and long enough to be folded over several lines by the emitter  with two spaces",
		strings.Repeat("a", 78) + "  " + strings.Repeat("b", 10) + " c",
	}
	strNodes := func(ss []string) []Node {
		var out []Node
		for _, s := range ss {
			out = append(out, Str(s))
		}
		return out
	}
	return Map(
		P("strings", Seq(strNodes(strs)...)),
		P("longs", Seq(strNodes(longs)...)),
		P("nested", Map(P("deeper", Map(
			P("long", Str(longs[0])),
			P("list", Seq(Str(longs[3]), Map(P("k", Str(longs[4]))))),
		)))),
		P("floats", Seq(Float(1e-05), Float(1e17), Float(1.5e+16), Float(0.1), Float(100.0), Float(math.Copysign(0, -1)),
			Float(math.NaN()), Float(math.Inf(1)), Float(math.Inf(-1)), Float(8.277348101688686e-06), Float(36.21984956322814))),
		P("ints", Seq(Int(0), Int(-5), IntText("1000000000000000000000000000000"))),
		P("bools", Seq(Bool(true), Bool(false), Null())),
		P("empty_list", Seq()),
		P("empty_map", Map()),
		P("list_of_lists", Seq(Seq(Int(1), Int(2)), Seq(), Seq(Seq(Int(3))), Map(P("a", Seq(Int(4)))))),
		P("map_in_list", Seq(Map(P("a", Int(1)), P("b", Map(P("c", Int(2))))), Map())),
	)
}

func TestMarshalMatchesPyYAML(t *testing.T) {
	want, err := os.ReadFile("testdata/pyyaml_golden.yaml")
	if err != nil {
		t.Fatal(err)
	}
	got, err := Marshal(goldenDoc())
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < max(len(gl), len(wl)); i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("line %d:\n got %q\nwant %q", i+1, g, w)
			}
		}
	}
}

// A sequence root (PyYAML writes its items at column 0) and the errors.
func TestMarshalRootsAndErrors(t *testing.T) {
	got, err := Marshal(Seq(Str("a"), Map(P("b", Int(1)), P("c", Seq(Int(2))))))
	if err != nil {
		t.Fatal(err)
	}
	// yaml.safe_dump(["a", {"b": 1, "c": [2]}], sort_keys=False)
	if want := "- a\n- b: 1\n  c:\n  - 2\n"; string(got) != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if _, err := Marshal(Str("x")); err == nil {
		t.Error("scalar root: no error")
	}
	if _, err := Marshal(Map(P("multi\nline", Int(1)))); err == nil {
		t.Error("multi-line key: no error")
	}
}

func TestNodeSet(t *testing.T) {
	n := Map(P("a", Int(1)))
	n.Set("b", Int(2))
	n.Set("a", Int(3))
	got, err := Marshal(n)
	if err != nil {
		t.Fatal(err)
	}
	if want := "a: 3\nb: 2\n"; string(got) != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// simplePlain writes what analyze and scalar would: documents of any
// scalars, under keys and in lists, nested, come out byte for byte the same
// either way.
func FuzzSimplePlain(f *testing.F) {
	for _, s := range []string{"H1", "yes", "1.5", "-5", "a:b", "a#b", "x,y", "0x1F", "2024-01-01", "~", "a b", "<<", "=", ".5", "..."} {
		f.Add(s, s+"k", int8(0))
	}
	f.Fuzz(func(t *testing.T, value, key string, kind int8) {
		if !utf8.ValidString(value) || !utf8.ValidString(key) {
			return // Python strs are text
		}
		var v Node
		switch kind % 4 {
		case 0:
			v = Str(value)
		case 1:
			v = Node{Kind: IntNode, Text: value}
		case 2:
			v = Node{Kind: FloatNode, Text: value}
		default:
			v = Node{Kind: BoolNode, Text: value}
		}
		doc := Map(P(key, v), P("list", Seq(v, Map(P(key, v)), Seq(v))), P("nested", Map(P("deeper", Map(P(key, v))))))
		want, werr := marshal(doc, true)
		got, gerr := marshal(doc, false)
		if (werr == nil) != (gerr == nil) || string(got) != string(want) {
			t.Fatalf("simplePlain writes\n%s(%v)\nanalyze and scalar\n%s(%v)", got, gerr, want, werr)
		}
	})
}

// Every scalar of the golden document is written the same with and
// without simplePlain.
func TestSimplePlainGolden(t *testing.T) {
	want, err := marshal(goldenDoc(), true)
	if err != nil {
		t.Fatal(err)
	}
	got, err := marshal(goldenDoc(), false)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("simplePlain changes the golden document:\n%s\nwant\n%s", got, want)
	}
}

// writeRunes writes what write(string(runes)) writes, and advances the
// column as far, for any runes (invalid ones as U+FFFD).
func TestWriteRunes(t *testing.T) {
	for _, rs := range [][]rune{nil, []rune("plain ASCII"), []rune("\u03b2 \U0001F600 \u2028"), {-1, 0xD800, 0x110000, 'x', 0x7F, 0x80}} {
		var got, want emitter
		got.buf, want.buf = []byte("ab"), []byte("ab")
		got.column, want.column = 2, 2
		got.writeRunes(rs)
		want.write(string(rs))
		if string(got.buf) != string(want.buf) || got.column != want.column {
			t.Errorf("writeRunes(%q) = %q, column %d; write(string) = %q, column %d", string(rs), got.buf, got.column, want.buf, want.column)
		}
	}
}
