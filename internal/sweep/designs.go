package sweep

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/bilancio-go/bilancio/internal/ring"
)

// The designs' types hold the values of the swept parameters (package
// ring's Sweepable) by name, so that a parameter declared there is known
// to every design, input format and file without code of its own here.
//
// They are kept in experiment.json (Meta.Spec) in the shape of the first
// release, which named each of bilancio's four parameters in a field:
// {"Kappas": [...], "Concentrations": [...], ...}. MarshalJSON writes that
// shape (a parameter's name, or plural, with a capital) and UnmarshalJSON
// reads it, so experiments written before and after read alike.

// Grid is the full factorial design: a list of values per swept parameter,
// by its plural ("kappas"). bilancio loops over them in Sweepable's order
// (kappa → concentration → mu → monotonicity). A nil Grid is no grid.
type Grid map[string][]string

// Range is a closed interval of decimal texts.
type Range struct {
	Min, Max string
}

// LHS is a Latin hypercube of Count points over Ranges (by the swept
// parameter's name, "kappa"), drawn from its own random stream as
// bilancio's runner does.
type LHS struct {
	Count  int
	Ranges map[string]Range
}

// Frontier searches, for every cell of Cells (a list per swept parameter
// but kappa, by plural: concentrations, mus, monotonicities), the kappa at
// which the ring starts to clear, by bisection between KappaLow and
// KappaHigh until the bracket is narrower than Tolerance or MaxIterations.
type Frontier struct {
	Cells                          Grid
	KappaLow, KappaHigh, Tolerance string
	MaxIterations                  int
}

// fieldName is a parameter's name or plural as the first release's field
// names spell it: with a capital.
func fieldName(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// paramOfField finds the swept parameter a field name stands for, by its
// plural (plural true) or its name.
func paramOfField(field string, plural bool) *ring.Swept {
	all := ring.Sweepable()
	for i := range all {
		n := all[i].Name
		if plural {
			n = all[i].Plural
		}
		if fieldName(n) == field {
			return &all[i]
		}
	}
	return nil
}

// jsonObject writes an object member by member.
type jsonObject struct{ b bytes.Buffer }

func (o *jsonObject) member(key string, v any) error {
	if o.b.Len() == 0 {
		o.b.WriteByte('{')
	} else {
		o.b.WriteByte(',')
	}
	k, _ := json.Marshal(key)
	o.b.Write(k)
	o.b.WriteByte(':')
	val, err := json.Marshal(v)
	if err != nil {
		return err
	}
	o.b.Write(val)
	return nil
}

func (o *jsonObject) bytes() []byte {
	if o.b.Len() == 0 {
		return []byte("{}")
	}
	o.b.WriteByte('}')
	return o.b.Bytes()
}

// recordOrder returns the swept parameters in the order files and
// identities write them: their order in ring.Sweepable, where bilancio's
// four (the registry's columns) come first.
func recordOrder() []ring.Swept {
	all := ring.Sweepable()
	return all[:]
}

// listMembers writes lists by parameter: bilancio's four always (null when
// absent), the others when present; skipKappa leaves out kappa (a
// frontier's cells).
func (g Grid) listMembers(o *jsonObject, skipKappa bool) error {
	for _, p := range recordOrder() {
		if skipKappa && p.Name == "kappa" {
			continue
		}
		list, ok := g[p.Plural]
		if !ok && !p.Registry {
			continue
		}
		if err := o.member(fieldName(p.Plural), list); err != nil {
			return err
		}
	}
	return nil
}

// MarshalJSON writes the grid as {"Kappas": [...], "Concentrations": ...}.
func (g Grid) MarshalJSON() ([]byte, error) {
	if g == nil {
		return []byte("null"), nil
	}
	var o jsonObject
	if err := g.listMembers(&o, false); err != nil {
		return nil, err
	}
	return o.bytes(), nil
}

// UnmarshalJSON reads what MarshalJSON writes.
func (g *Grid) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*g = nil
		return nil
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil {
		return err
	}
	out := Grid{}
	for k, v := range fields {
		p := paramOfField(k, true)
		if p == nil {
			return fmt.Errorf("grid: unknown list %q", k)
		}
		if err := out.readList(p.Plural, v); err != nil {
			return err
		}
	}
	*g = out
	return nil
}

// readList reads one list of a grid or a frontier's cells (a null list is
// kept as nil, as the first release wrote a missing one).
func (g Grid) readList(plural string, v json.RawMessage) error {
	var list []string
	if err := json.Unmarshal(v, &list); err != nil {
		return fmt.Errorf("%s: %w", plural, err)
	}
	g[plural] = list
	return nil
}

// MarshalJSON writes {"Count": n, "Kappa": {"Min": ..., "Max": ...}, ...}.
func (l LHS) MarshalJSON() ([]byte, error) {
	var o jsonObject
	if err := o.member("Count", l.Count); err != nil {
		return nil, err
	}
	for _, p := range recordOrder() {
		r, ok := l.Ranges[p.Name]
		if !ok && !p.Registry {
			continue
		}
		if err := o.member(fieldName(p.Name), r); err != nil {
			return nil, err
		}
	}
	return o.bytes(), nil
}

// UnmarshalJSON reads what MarshalJSON writes (a zero range is no range).
func (l *LHS) UnmarshalJSON(b []byte) error {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil {
		return err
	}
	out := LHS{Ranges: map[string]Range{}}
	for k, v := range fields {
		if k == "Count" {
			if err := json.Unmarshal(v, &out.Count); err != nil {
				return err
			}
			continue
		}
		p := paramOfField(k, false)
		if p == nil {
			return fmt.Errorf("lhs: unknown range %q", k)
		}
		var r Range
		if err := json.Unmarshal(v, &r); err != nil {
			return fmt.Errorf("lhs: %s: %w", p.Name, err)
		}
		if r != (Range{}) {
			out.Ranges[p.Name] = r
		}
	}
	*l = out
	return nil
}

// MarshalJSON writes {"Concentrations": [...], ..., "KappaLow": ...}.
func (f Frontier) MarshalJSON() ([]byte, error) {
	var o jsonObject
	if err := f.Cells.listMembers(&o, true); err != nil {
		return nil, err
	}
	for _, m := range []struct {
		k string
		v any
	}{{"KappaLow", f.KappaLow}, {"KappaHigh", f.KappaHigh}, {"Tolerance", f.Tolerance}, {"MaxIterations", f.MaxIterations}} {
		if err := o.member(m.k, m.v); err != nil {
			return nil, err
		}
	}
	return o.bytes(), nil
}

// UnmarshalJSON reads what MarshalJSON writes.
func (f *Frontier) UnmarshalJSON(b []byte) error {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil {
		return err
	}
	out := Frontier{Cells: Grid{}}
	for k, v := range fields {
		var err error
		switch k {
		case "KappaLow":
			err = json.Unmarshal(v, &out.KappaLow)
		case "KappaHigh":
			err = json.Unmarshal(v, &out.KappaHigh)
		case "Tolerance":
			err = json.Unmarshal(v, &out.Tolerance)
		case "MaxIterations":
			err = json.Unmarshal(v, &out.MaxIterations)
		default:
			p := paramOfField(k, true)
			if p == nil {
				return fmt.Errorf("frontier: unknown list %q", k)
			}
			err = out.Cells.readList(p.Plural, v)
		}
		if err != nil {
			return fmt.Errorf("frontier: %s: %w", k, err)
		}
	}
	*f = out
	return nil
}
