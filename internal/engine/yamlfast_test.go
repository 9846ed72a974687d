package engine

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/bilancio-go/bilancio/internal/conformance"
	"github.com/bilancio-go/bilancio/internal/pynum"
	ringgen "github.com/bilancio-go/bilancio/internal/ring"
)

// goYAMLRoot is the root node go-yaml builds for data, nil if it fails.
func goYAMLRoot(data []byte) *yaml.Node {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil || doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil
	}
	var next yaml.Node
	if dec.Decode(&next) == nil {
		return nil
	}
	return doc.Content[0]
}

// sameTree reports where two node trees differ ("" when they do not).
func sameTree(a, b *yaml.Node, path string) string {
	if a.Kind != b.Kind || a.Style != b.Style || a.Tag != b.Tag || a.Value != b.Value || a.Line != b.Line || a.Column != b.Column ||
		a.Anchor != b.Anchor || a.HeadComment != b.HeadComment || a.LineComment != b.LineComment || a.FootComment != b.FootComment ||
		len(a.Content) != len(b.Content) || (a.Alias == nil) != (b.Alias == nil) {
		return fmt.Sprintf("%s: fast %+v, go-yaml %+v", path, *a, *b)
	}
	for i := range a.Content {
		if d := sameTree(a.Content[i], b.Content[i], fmt.Sprintf("%s/%d", path, i)); d != "" {
			return d
		}
	}
	return ""
}

// checkFast checks, for a document the fast path accepts, that it builds
// go-yaml's tree, and that Load gives the same scenario or the same error
// either way.
func checkFast(t *testing.T, name string, data []byte) bool {
	t.Helper()
	fast := fastYAML(data)
	if fast == nil {
		return false
	}
	slow := goYAMLRoot(data)
	if slow == nil {
		t.Fatalf("%s: the fast path accepts a document go-yaml refuses:\n%s", name, data)
	}
	if d := sameTree(fast, slow, ""); d != "" {
		t.Fatalf("%s: the trees differ at %s\n%s", name, d, data)
	}
	// Load skips checkDocument for the fast path's trees: they must hold
	// nothing it refuses.
	if err := newYAMLMapper().checkDocument(fast); err != nil {
		t.Fatalf("%s: checkDocument refuses a tree of the fast path: %v\n%s", name, err, data)
	}
	got, gotErr := Load(name, data)
	want, wantErr := loadSlow(name, data)
	if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) || !reflect.DeepEqual(got, want) {
		t.Fatalf("%s: Load differs: fast (%v) %+v, go-yaml (%v) %+v", name, gotErr, got, wantErr, want)
	}
	return true
}

// loadSlow is Load through go-yaml only.
func loadSlow(filename string, data []byte) (*Scenario, error) {
	l := &scenarioLoader{file: filename, m: newYAMLMapper(), noFast: true}
	return l.load(data)
}

// Every recorded scenario of the conformance sets and every example takes
// the fast path where it can, with go-yaml's tree and the same scenario.
func TestFastYAMLRecordedScenarios(t *testing.T) {
	root := conformance.Require(t)
	paths, _ := filepath.Glob(filepath.Join(root, "*", "runs", "*", "scenario.yaml"))
	examples, _ := filepath.Glob("../../examples/scenarios/*.yaml")
	paths = append(paths, examples...)
	if len(paths) < 100 {
		t.Fatalf("only %d scenarios", len(paths))
	}
	fast := 0
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if checkFast(t, p, data) {
			fast++
			continue
		}
		// bilancio double-quotes texts with Greek letters (the balanced
		// sweeps' β and ρ): those are go-yaml's; every other recorded
		// scenario is in the subset.
		if strings.Contains(p, "conformance") && !bytes.Contains(data, []byte{'"'}) {
			t.Errorf("%s does not take the fast path", p)
		}
	}
	t.Logf("%d of %d scenarios took the fast path", fast, len(paths))
}

// Hand-made documents at the edges of the subset.
func TestFastYAMLEdges(t *testing.T) {
	for _, doc := range []string{
		"a: 1\n",
		"a: -1.50\nb: x y z\n",
		"a:\n- 1\n- two\n- 'three ''3'''\n",
		"a:\n  b:\n    c: []\n    d: {}\n  e: true\n",
		"description: a long line\n  that goes on\n  and on\nname: x\n",
		"agents:\n- id: CB\n  kind: central_bank\n- id: H1\n  name: Agent 1, the first\n",
		"a:\n  - 1\n  - 2\nb: 3\n",
		"x: (1, 2)\n",
		"a: 1\nb:\n",
		"a: 1 # comment\n",
		"a: &x 1\nb: *x\n",
		"a: \"q\"\n",
		"a:\n\n  b: 1\n",
		"- 1\n- 2\n",
		"a: 0123\n",
		"a: 12345678901234567890\n",
		"a: b: c\n",
		"a:\n- - 1\n",
		"a: 1\n  b: 2\n",
		"a: yes\nb: on\nc: Null\n",
		"a: 'unterminated\n",
		"initial_actions:\n- mint_cash:\n    to: H1\n    amount: 50\n",
		"a: 1\na: 2\n",
		"a: x\n b\n",
	} {
		checkFast(t, fmt.Sprintf("%q", doc), []byte(doc))
	}
	if fastYAML([]byte("a: 1\nb: 2\n")) == nil {
		t.Error("a plain mapping does not take the fast path")
	}
}

// fastLines refuses a document for exactly the bytes the subset leaves to
// go-yaml (fastBytes' table against the rule spelled out), wherever they
// stand in it.
func TestFastLinesRefusedBytes(t *testing.T) {
	for b := range 256 {
		c := byte(b)
		want := c >= 0x7f || (c < ' ' && c != '\n') || strings.IndexByte("#&*!\"%|>`@", c) >= 0
		doc := []byte("a: x" + string([]byte{c}) + "y\n")
		if got := fastLines(doc) == nil; got != want {
			t.Errorf("byte %#02x: refused %v, want %v", c, got, want)
		}
		for n := range 20 {
			for at := range n {
				data := bytes.Repeat([]byte{'a'}, n)
				data[at] = c
				if got := !fastBytes(data); got != want {
					t.Errorf("byte %#02x at %d of %d: refused %v, want %v", c, at, n, got, want)
				}
			}
		}
	}
}

// keySep finds ": " as strings.Index does, in every text of up to eight
// colons, spaces and letters.
func TestKeySep(t *testing.T) {
	var texts func(prefix string, n int)
	texts = func(prefix string, n int) {
		if got, want := keySep(prefix), strings.Index(prefix, ": "); got != want {
			t.Errorf("keySep(%q) = %d, want %d", prefix, got, want)
		}
		if n > 0 {
			for _, c := range []string{":", " ", "a"} {
				texts(prefix+c, n-1)
			}
		}
	}
	texts("", 8)
}

// FuzzFastYAML: whatever the fast path accepts, go-yaml builds the same tree
// of, and Load reads the same scenario (or error) from.
func FuzzFastYAML(f *testing.F) {
	for _, doc := range []string{
		"version: 1\nname: x\nagents:\n- id: CB\n  kind: central_bank\n  name: Central Bank\n- id: H1\n  kind: household\n  name: Agent 1\ninitial_actions:\n- mint_cash:\n    to: H1\n    amount: 50\n    alias: LIQ_H1\nscheduled_actions: []\nrun:\n  mode: until_stable\n  max_days: 3\n",
		"a:\n  b: 'c''d'\n  e:\n  - 1.5\n  - -2\n",
		"description: one\n  two\n",
	} {
		f.Add([]byte(doc))
	}
	if data, err := os.ReadFile("../../examples/scenarios/kalecki_ring.yaml"); err == nil {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<14 || strings.Count(string(data), "\n") > 400 {
			return
		}
		checkFast(t, "fuzz.yaml", data)
	})
}

// The ring generator's scenarios, as a sweep's workers get them, take the
// fast path, over its liquidity modes, sizes and default handlings.
func TestFastYAMLGeneratedRings(t *testing.T) {
	for _, n := range []int{3, 5, 17, 100} {
		for _, mode := range []ringgen.LiquidityMode{ringgen.Uniform, ringgen.SingleAt} {
			for _, dh := range []string{"", ExpelAgent} {
				for seed := int64(1); seed <= 5; seed++ {
					g, err := ringgen.Generate(ringgen.Params{NAgents: n, Seed: seed, Kappa: new(pynum.Dec(seed, -1)), QTotal: new(pynum.Dec(1000, 0)),
						Concentration: new(pynum.Dec(seed, -1)), Mu: new(pynum.Dec(seed%3, -1)), Monotonicity: new(pynum.Dec(seed%3-1, 0)),
						MaturityDays: 5, Liquidity: mode, DefaultHandling: dh})
					if err != nil {
						t.Fatal(err)
					}
					name := fmt.Sprintf("ring n=%d %s %q seed %d", n, mode, dh, seed)
					if !checkFast(t, name, g.YAML) {
						t.Errorf("%s does not take the fast path:\n%s", name, g.YAML)
					}
				}
			}
		}
	}
}
