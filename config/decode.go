package config

import (
	"fmt"
	"math/big"
	"strings"

	"github.com/bilancio-go/bilancio/internal/pynum"
	"github.com/bilancio-go/bilancio/internal/ring"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// decoder evaluates the attributes of one block and converts them to Go
// values, reporting every problem at the attribute or list element it is
// about. A getter returns ok = false when the attribute is absent, null, or
// wrong (then with a diagnostic): the caller keeps its default, and the
// diagnostic keeps Load from returning a Spec.
type decoder struct {
	l     *loader
	ctx   *hcl.EvalContext
	attrs hcl.Attributes
}

// decimal is a decimal parameter: its text (see textRule), its value and
// where it was written.
type decimal struct {
	text string
	d    *pynum.Amount
	rng  hcl.Range
}

// eval evaluates attribute name; ok is false when it is absent, null or
// fails to evaluate.
func (d *decoder) eval(name string) (cty.Value, *hcl.Attribute, bool) {
	attr, ok := d.attrs[name]
	if !ok {
		return cty.NilVal, nil, false
	}
	n := len(d.l.diags)
	d.l.checkRefs(attr.Expr, true)
	if len(d.l.diags) > n {
		return cty.NilVal, attr, false
	}
	val, diags := attr.Expr.Value(d.ctx)
	d.l.diags = append(d.l.diags, diags...)
	if diags.HasErrors() || val.IsNull() {
		return cty.NilVal, attr, false
	}
	if !val.IsWhollyKnown() {
		d.l.errorf(attr.Expr.Range(), "Unknown value", "The value of %q cannot be known before the sweep runs.", name)
		return cty.NilVal, attr, false
	}
	return val, attr, true
}

// typeError reports a value of the wrong type.
func (d *decoder) typeError(attr *hcl.Attribute, want string) {
	d.l.diags = append(d.l.diags, &hcl.Diagnostic{
		Severity:    hcl.DiagError,
		Summary:     "Incorrect attribute value type",
		Detail:      fmt.Sprintf("Inappropriate value for attribute %q: %s is required.", attr.Name, want),
		Subject:     attr.Expr.Range().Ptr(),
		Expression:  attr.Expr,
		EvalContext: d.ctx,
	})
}

// integer reads a whole number between lo and hi.
func (d *decoder) integer(name string, lo, hi int64) (int64, hcl.Range, bool) {
	val, attr, ok := d.eval(name)
	if !ok {
		return 0, hcl.Range{}, false
	}
	num, err := convert.Convert(val, cty.Number)
	if err != nil {
		d.typeError(attr, "a whole number")
		return 0, attr.Expr.Range(), false
	}
	f := num.AsBigFloat()
	n, acc := f.Int64()
	switch {
	case !f.IsInt():
		text, _ := numberText(f)
		d.l.errorf(attr.Expr.Range(), "Invalid value for "+name, "%s must be a whole number, got %s.", name, ring.ShortNumber(text))
		return 0, attr.Expr.Range(), false
	case acc != big.Exact:
		d.l.errorf(attr.Expr.Range(), "Invalid value for "+name, "%s.", ring.Problem(name, ring.IntOutOfRange(f.Text('g', 6))))
		return 0, attr.Expr.Range(), false
	}
	if n < lo || n > hi {
		d.l.errorf(attr.Expr.Range(), "Invalid value for "+name, "%s must be %s, got %d.", name, boundsText(lo, hi), n)
		return 0, attr.Expr.Range(), false
	}
	return n, attr.Expr.Range(), true
}

// ruled reads whole number attribute name and checks it with rule (a
// package ring or sweep rule, the one every input shares), reporting the
// rule's sentence at the attribute.
func (d *decoder) ruled(name string, rule func(int64) string) (int64, bool) {
	n, rng, ok := d.integer(name, minInt, maxInt)
	if !ok {
		return 0, false
	}
	if msg := rule(n); msg != "" {
		d.l.errorf(rng, "Invalid value for "+name, "%s.", msg)
		return 0, false
	}
	return n, true
}

// boundsText says which whole numbers lo..hi are allowed.
func boundsText(lo, hi int64) string {
	switch {
	case hi == maxInt && lo == minInt:
		return "a 64-bit integer"
	case hi == maxInt:
		return fmt.Sprintf("at least %d", lo)
	}
	return fmt.Sprintf("between %d and %d", lo, hi)
}

// Integer bounds.
const (
	maxInt = int64(^uint64(0) >> 1)
	minInt = -maxInt - 1
	// maxCount bounds counts that size a sweep (n_agents aside).
	maxCount = int64(1) << 31
)

// str reads a string.
func (d *decoder) str(name string) (string, hcl.Range, bool) {
	val, attr, ok := d.eval(name)
	if !ok {
		return "", hcl.Range{}, false
	}
	s, err := convert.Convert(val, cty.String)
	if err != nil {
		d.typeError(attr, "a string")
		return "", attr.Expr.Range(), false
	}
	return s.AsString(), attr.Expr.Range(), true
}

// boolean reads true or false.
func (d *decoder) boolean(name string) (bool, hcl.Range, bool) {
	val, attr, ok := d.eval(name)
	if !ok {
		return false, hcl.Range{}, false
	}
	b, err := convert.Convert(val, cty.Bool)
	if err != nil {
		d.typeError(attr, "a bool (true or false)")
		return false, attr.Expr.Range(), false
	}
	return b.True(), attr.Expr.Range(), true
}

// decimalWant names what a decimal attribute accepts.
const decimalWant = `a number (or a decimal string such as "0.25")`

// decimal reads a decimal parameter: a number, whose text rule makes, or a
// decimal string, taken as written.
func (d *decoder) decimal(name string, rule textRule) (decimal, bool) {
	val, attr, ok := d.eval(name)
	if !ok {
		return decimal{}, false
	}
	dec, msg := decimalOf(val, rule)
	if msg == typeMismatch {
		d.typeError(attr, decimalWant)
		return decimal{}, false
	}
	if msg != "" {
		if strings.HasPrefix(msg, ring.ErrOutOfRange.Error()) {
			msg = name + " is " + msg
		}
		d.l.errorf(attr.Expr.Range(), "Invalid value for "+name, "%s.", msg)
		return decimal{}, false
	}
	dec.rng = attr.Expr.Range()
	return dec, true
}

// decimals reads a non-empty list of decimal parameters. Each element has
// the range where it is written when the list is written out ([0.1, 0.5]),
// and the whole expression's otherwise.
func (d *decoder) decimals(name string, rule textRule) ([]decimal, hcl.Range, bool) {
	val, attr, ok := d.eval(name)
	if !ok {
		return nil, hcl.Range{}, false
	}
	rng := attr.Expr.Range()
	ty := val.Type()
	if !ty.IsListType() && !ty.IsTupleType() && !ty.IsSetType() {
		d.typeError(attr, "a list of numbers (or of decimal strings)")
		return nil, rng, false
	}
	var elems []hcl.Expression
	if tuple, ok := attr.Expr.(*hclsyntax.TupleConsExpr); ok && len(tuple.Exprs) == val.LengthInt() {
		for _, e := range tuple.Exprs {
			elems = append(elems, e)
		}
	}
	var out []decimal
	good := true
	for it, i := val.ElementIterator(), 0; it.Next(); i++ {
		_, e := it.Element()
		erng := rng
		if elems != nil {
			erng = elems[i].Range()
		}
		if e.IsNull() {
			d.l.errorf(erng, "Invalid value for "+name, "Element %d of %s is null; every element must be %s.", i, name, decimalWant)
			good = false
			continue
		}
		dec, msg := decimalOf(e, rule)
		switch {
		case msg == typeMismatch:
			d.l.diags = append(d.l.diags, &hcl.Diagnostic{
				Severity:    hcl.DiagError,
				Summary:     "Incorrect attribute value type",
				Detail:      fmt.Sprintf("Inappropriate value for attribute %q: element %d must be %s, not a %s.", name, i, decimalWant, e.Type().FriendlyName()),
				Subject:     erng.Ptr(),
				Expression:  attr.Expr,
				EvalContext: d.ctx,
			})
			good = false
		case msg != "":
			d.l.errorf(erng, "Invalid value for "+name, "Element %d of %s: %s.", i, name, msg)
			good = false
		default:
			dec.rng = erng
			out = append(out, dec)
		}
	}
	if good && len(out) == 0 {
		d.l.errorf(rng, "Invalid value for "+name, "%s must list at least one value.", name)
		return nil, rng, false
	}
	return out, rng, good
}

// typeMismatch is decimalOf's message for a value that is neither a number
// nor a string.
const typeMismatch = "\x00type"

// decimalOf converts a number (with rule) or a decimal string (as written)
// to a decimal. The message is "" when it worked, typeMismatch for another
// type, and otherwise says what is wrong.
func decimalOf(val cty.Value, rule textRule) (decimal, string) {
	switch val.Type() {
	case cty.Number:
		text, err := numberText(val.AsBigFloat())
		if err != nil {
			return decimal{}, err.Error()
		}
		if text, err = applyRule(text, rule); err != nil {
			return decimal{}, err.Error()
		}
		dec, err := parseDecimalText(text)
		if err != nil {
			return decimal{}, err.Error()
		}
		return decimal{text: text, d: dec}, ""
	case cty.String:
		s := val.AsString()
		dec, err := parseDecimalText(s)
		if err != nil {
			return decimal{}, err.Error() + ": a decimal string is digits with an optional sign, point and exponent, such as \"0.25\" or \"1E+4\""
		}
		return decimal{text: s, d: dec}, ""
	}
	return decimal{}, typeMismatch
}

// capitalize starts a sentence with a capital letter.
func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// texts returns the texts of decimals.
func texts(ds []decimal) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.text
	}
	return out
}
