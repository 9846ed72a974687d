package conformance

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/cockroachdb/apd/v3"
)

// idPattern matches bilancio's instrument ids, also right after the TKT_ of
// a dealer ticket id (spec/dealer.md §17.2), where there is no word
// boundary.
var idPattern = regexp.MustCompile(`(?:TKT_|\b)(C|PAY|P|D|R)_[0-9a-f]{12}\b`)

// RenameIDs replaces each instrument id by <prefix>#k, k counting distinct ids
// in order of first appearance over the whole text; TKT_PAY_x becomes
// TKT_PAY#k with the k of PAY_x.
func RenameIDs(text []byte) []byte {
	seen := map[string]int{}
	return idPattern.ReplaceAllFunc(text, func(m []byte) []byte {
		ticket := bytes.HasPrefix(m, []byte("TKT_"))
		id := m
		if ticket {
			id = m[len("TKT_"):]
		}
		k, ok := seen[string(id)]
		if !ok {
			k = len(seen) + 1
			seen[string(id)] = k
		}
		prefix := string(id[:bytes.IndexByte(id, '_')])
		if ticket {
			prefix = "TKT_" + prefix
		}
		return []byte(prefix + "#" + strconv.Itoa(k))
	})
}

// Events compares two events.jsonl files modulo id renaming.
func Events(got, want []byte) error {
	return Exact(RenameIDs(got), RenameIDs(want))
}

// Exact compares two files byte for byte and describes the first difference.
func Exact(got, want []byte) error {
	if bytes.Equal(got, want) {
		return nil
	}
	gl, wl := splitLines(got), splitLines(want)
	for i := 0; i < len(gl) || i < len(wl); i++ {
		var g, w string
		if i < len(gl) {
			g = gl[i]
		}
		if i < len(wl) {
			w = wl[i]
		}
		if g != w {
			return fmt.Errorf("line %d differs (%d lines vs %d recorded):\n  got:  %q\n  want: %q", i+1, len(gl), len(wl), g, w)
		}
	}
	return fmt.Errorf("files differ in line endings or a trailing newline (%d vs %d bytes)", len(got), len(want))
}

func splitLines(b []byte) []string {
	return strings.SplitAfter(string(b), "\n")
}

// LineSet compares two CSV files whose first line (the header) must match and
// whose other lines must be equal as multisets.
func LineSet(got, want []byte) error {
	gl, wl := splitLines(got), splitLines(want)
	if len(gl) == 0 || len(wl) == 0 || gl[0] != wl[0] {
		return Exact(got, want)
	}
	g, w := append([]string(nil), gl[1:]...), append([]string(nil), wl[1:]...)
	sort.Strings(g)
	sort.Strings(w)
	if strings.Join(g, "") != strings.Join(w, "") {
		return fmt.Errorf("data lines differ as a set: %w", Exact([]byte(strings.Join(g, "")), []byte(strings.Join(w, ""))))
	}
	return nil
}

var hhiPattern = regexp.MustCompile(`"HHIplus_t": (null|"[^"]*"|[0-9.eE+-]+)`)

// MetricsJSON compares two metrics.json files: equal text once every
// HHIplus_t value is blanked, and each pair of HHIplus_t values both null or
// within 10 units of the 28th significant digit of the recorded one.
func MetricsJSON(got, want []byte) error {
	blank := func(b []byte) []byte { return hhiPattern.ReplaceAll(b, []byte(`"HHIplus_t": _`)) }
	if err := Exact(blank(got), blank(want)); err != nil {
		return err
	}
	gv, wv := hhiPattern.FindAllSubmatch(got, -1), hhiPattern.FindAllSubmatch(want, -1)
	for i := range wv {
		if err := hhiClose(string(gv[i][1]), string(wv[i][1])); err != nil {
			return fmt.Errorf("row %d HHIplus_t: %w", i+1, err)
		}
	}
	return nil
}

func hhiClose(got, want string) error {
	if got == "null" || want == "null" {
		if got != want {
			return fmt.Errorf("got %s, want %s", got, want)
		}
		return nil
	}
	g, _, err1 := apd.NewFromString(strings.Trim(got, `"`))
	w, _, err2 := apd.NewFromString(strings.Trim(want, `"`))
	if err1 != nil || err2 != nil {
		return fmt.Errorf("not numbers: %s, %s", got, want)
	}
	var diff apd.Decimal
	ctx := apd.BaseContext.WithPrecision(60)
	if _, err := ctx.Sub(&diff, g, w); err != nil {
		return err
	}
	diff.Negative = false
	adj := int64(w.Exponent) + w.NumDigits() - 1
	tol := apd.New(10, int32(adj-27))
	if diff.Cmp(tol) > 0 {
		return fmt.Errorf("got %s, want %s (difference %s > %s)", got, want, diff.String(), tol.String())
	}
	return nil
}

// dealerFinalMap reports whether key is one of the dealer_metrics.json
// objects whose key order is Python set order in bilancio (spec/dealer.md
// §10.2).
func dealerFinalMap(key string) bool {
	switch key {
	case "dealer_mid_final", "vbt_mid_final", "dealer_premium_final_pct", "vbt_premium_final_pct":
		return true
	}
	return false
}

// DealerMetricsJSON compares two dealer_metrics.json files by the rules of
// spec/dealer.md §17.2: the same top-level keys in the same order, equal
// values as written (Python float repr makes equal binary64 values equal
// text), the four *_final objects as maps, no trailing newline.
func DealerMetricsJSON(got, want []byte) error {
	if bytes.HasSuffix(got, []byte("\n")) != bytes.HasSuffix(want, []byte("\n")) {
		return fmt.Errorf("trailing newline differs")
	}
	g, err := orderedMembers(got)
	if err != nil {
		return fmt.Errorf("ours: %w", err)
	}
	w, err := orderedMembers(want)
	if err != nil {
		return fmt.Errorf("recorded: %w", err)
	}
	if len(g) != len(w) {
		return fmt.Errorf("%d keys, recorded %d", len(g), len(w))
	}
	for i := range g {
		if g[i].key != w[i].key {
			return fmt.Errorf("key %d is %q, recorded %q", i, g[i].key, w[i].key)
		}
		if dealerFinalMap(g[i].key) {
			var gm, wm map[string]json.Number
			if err := json.Unmarshal(g[i].raw, &gm); err != nil {
				return fmt.Errorf("%s: %w", g[i].key, err)
			}
			if err := json.Unmarshal(w[i].raw, &wm); err != nil {
				return fmt.Errorf("%s: %w", g[i].key, err)
			}
			if !maps.Equal(gm, wm) {
				return fmt.Errorf("%s = %v, recorded %v", g[i].key, gm, wm)
			}
			continue
		}
		var gc, wc bytes.Buffer
		if err := json.Compact(&gc, g[i].raw); err != nil {
			return err
		}
		if err := json.Compact(&wc, w[i].raw); err != nil {
			return err
		}
		if !bytes.Equal(gc.Bytes(), wc.Bytes()) {
			return fmt.Errorf("%s = %s, recorded %s", g[i].key, gc.String(), wc.String())
		}
	}
	return nil
}

// member is one top-level key of a JSON object, in file order.
type member struct {
	key string
	raw json.RawMessage
}

// orderedMembers reads a JSON object's top-level members in order.
func orderedMembers(data []byte) ([]member, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("not a JSON object")
	}
	var out []member
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, err
		}
		out = append(out, member{tok.(string), raw})
	}
	return out, nil
}
