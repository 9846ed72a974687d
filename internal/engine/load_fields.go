package engine

import (
	"math"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/bilancio-go/bilancio/internal/pynum"
)

// Conversions of YAML values to the field types of bilancio's pydantic models
// (pydantic v2 lax mode): what each type accepts and rejects.

// toStr reads a str field: only a string (a numeric string has become a
// Decimal and is rejected, as pydantic rejects it).
func (l *scenarioLoader) toStr(at *yaml.Node, path string) (string, error) {
	v, err := resolveValue(at)
	if err != nil {
		return "", err
	}
	if v.kind != valString {
		return "", l.fail(at, path, "expected a string, got %s", v.describeValue())
	}
	return v.text, nil
}

// toInt reads an int field: an int, a bool, or a float or Decimal without a
// fractional part. bilancio's ints are unbounded; we hold int64.
func (l *scenarioLoader) toInt(at *yaml.Node, path string) (int64, error) {
	v, err := resolveValue(at)
	if err != nil {
		return 0, err
	}
	switch v.kind {
	case valBool:
		if v.b {
			return 1, nil
		}
		return 0, nil
	case valInt:
		if !v.i.IsInt64() {
			return 0, l.fail(at, path, "integer %s is out of range", v.i)
		}
		return v.i.Int64(), nil
	case valFloat:
		switch {
		case math.IsInf(v.f, 0) || math.IsNaN(v.f):
			return 0, l.fail(at, path, "expected an integer, got %s", v.describeValue())
		case v.f != math.Trunc(v.f):
			return 0, l.fail(at, path, "expected an integer, got %s, which has a fractional part", v.describeValue())
		case v.f < -(1<<63) || v.f >= 1<<63:
			return 0, l.fail(at, path, "integer %s is out of range", v.text)
		}
		return int64(v.f), nil
	case valDecimal:
		switch v.dec {
		case decNonFinite:
			return 0, l.fail(at, path, "expected an integer, got %s", v.describeValue())
		case decOutOfRange:
			return 0, l.fail(at, path, "integer %s is out of range", v.text)
		}
		n, st := decimalInt64(v.d)
		switch st {
		case intFractional:
			return 0, l.fail(at, path, "expected an integer, got %s, which has a fractional part", v.describeValue())
		case intOutOfRange:
			return 0, l.fail(at, path, "integer %s is out of range", v.text)
		}
		return n, nil
	}
	return 0, l.fail(at, path, "expected an integer, got %s", v.describeValue())
}

type intStatus uint8

const (
	intOK intStatus = iota
	intFractional
	intOutOfRange
)

// decimalInt64 returns the integral Decimal a as an int64, without expanding
// huge exponents.
func decimalInt64(a pynum.Amount) (int64, intStatus) {
	coef, e := a.Coefficient()
	if coef.Sign() == 0 {
		return 0, intOK
	}
	negative := coef.Sign() < 0
	digits := coef.Abs(coef).String()
	exp := int64(e)
	var whole string
	if exp >= 0 {
		if int64(len(digits))+exp > 19 {
			return 0, intOutOfRange
		}
		whole = digits + strings.Repeat("0", int(exp))
	} else {
		k := int64(len(digits)) + exp // number of integer digits
		if k < 0 {
			k = 0
		}
		if strings.Trim(digits[k:], "0") != "" {
			return 0, intFractional
		}
		whole = digits[:k]
		if whole == "" {
			whole = "0"
		}
	}
	if negative {
		whole = "-" + whole
	}
	n, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, intOutOfRange
	}
	return n, intOK
}

// toDecimal reads a Decimal field: an int (exact), a float (through its
// shortest repr, as Python's Decimal(str(f))), or a Decimal (a numeric
// string). Booleans, infinities and NaN are rejected. It also returns the
// value, whose text is used in range messages.
func (l *scenarioLoader) toDecimal(at *yaml.Node, path string) (pynum.Amount, yamlValue, error) {
	v, err := resolveValue(at)
	if err != nil {
		return pynum.Amount{}, v, err
	}
	switch v.kind {
	case valInt:
		a, err := pynum.ParseDecimal(v.i.String())
		if err != nil {
			return a, v, l.fail(at, path, "%v", err)
		}
		return a, v, nil
	case valFloat:
		if math.IsInf(v.f, 0) || math.IsNaN(v.f) {
			return pynum.Amount{}, v, l.fail(at, path, "expected a finite number, got %s", v.describeValue())
		}
		// pynum.FromFloat goes through the exponent form and loses the
		// exponent of repr ("100.0" would become 1E+2), so parse repr itself.
		a, err := pynum.ParseDecimal(pynum.FloatRepr(v.f))
		if err != nil {
			return a, v, l.fail(at, path, "%v", err)
		}
		return a, v, nil
	case valDecimal:
		switch v.dec {
		case decNonFinite:
			return pynum.Amount{}, v, l.fail(at, path, "expected a finite number, got %s", v.describeValue())
		case decOutOfRange:
			return pynum.Amount{}, v, l.fail(at, path, "number %s is out of range", v.text)
		}
		return v.d, v, nil
	}
	return pynum.Amount{}, v, l.fail(at, path, "expected a number, got %s", v.describeValue())
}

// toBool reads a bool field as pydantic does: a boolean, 0 or 1 as an int,
// float or Decimal, or a string such as "yes", "off", "t".
func (l *scenarioLoader) toBool(at *yaml.Node, path string) (bool, error) {
	v, err := resolveValue(at)
	if err != nil {
		return false, err
	}
	switch v.kind {
	case valBool:
		return v.b, nil
	case valInt:
		if v.i.IsInt64() && (v.i.Int64() == 0 || v.i.Int64() == 1) {
			return v.i.Int64() == 1, nil
		}
	case valFloat:
		if v.f == 0 || v.f == 1 {
			return v.f == 1, nil
		}
	case valDecimal:
		if v.dec == decFinite {
			if n, st := decimalInt64(v.d); st == intOK && (n == 0 || n == 1) {
				return n == 1, nil
			}
		}
	case valString:
		switch strings.ToLower(v.text) {
		case "0", "off", "f", "false", "n", "no":
			return false, nil
		case "1", "on", "t", "true", "y", "yes":
			return true, nil
		}
	}
	return false, l.fail(at, path, "expected a boolean, got %s", v.describeValue())
}

// modelFields reads the fields of one pydantic model, keeping the first error.
type modelFields struct {
	*yamlObject
	err  error
	refs []agentFieldRef // agent ids read with agent()
}

// agentFieldRef is a field naming an agent.
type agentFieldRef struct {
	key string
	id  string
	at  *yaml.Node
}

func (f *modelFields) failAt(at *yaml.Node, key, format string, args ...any) {
	if f.err == nil {
		f.err = f.l.fail(at, pathKey(f.path, key), format, args...)
	}
}

// lookup returns the entry of key; a missing required key is an error.
func (f *modelFields) lookup(key string, required bool) (mapEntry, bool) {
	if f.err != nil {
		return mapEntry{}, false
	}
	e, ok := f.get(key)
	if !ok && required {
		f.err = f.l.fail(f.at, f.path, "missing required field %q", key)
	}
	return e, ok
}

// keep records err as the first error and reports whether there was none.
func (f *modelFields) keep(err error) bool {
	if err != nil && f.err == nil {
		f.err = err
	}
	return f.err == nil
}

// str reads a required str field.
func (f *modelFields) str(key string) string {
	e, ok := f.lookup(key, true)
	if !ok {
		return ""
	}
	s, err := f.l.toStr(e.val, pathKey(f.path, key))
	f.keep(err)
	return s
}

// optStr reads an Optional[str] field; false when absent or null.
func (f *modelFields) optStr(key string) (string, bool) {
	e, ok := f.lookup(key, false)
	if !ok {
		return "", false
	}
	if v, err := resolveValue(e.val); !f.keep(err) || v.kind == valNull {
		return "", false
	}
	s, err := f.l.toStr(e.val, pathKey(f.path, key))
	return s, f.keep(err)
}

// agent reads a required str field naming an agent and records it.
func (f *modelFields) agent(key string) string {
	s := f.str(key)
	if f.err == nil {
		e, _ := f.get(key)
		f.refs = append(f.refs, agentFieldRef{key: key, id: s, at: e.val})
	}
	return s
}

// literal reads a Literal[...] str field; def "" makes it required.
func (f *modelFields) literal(key string, allowed []string, def string) string {
	e, ok := f.lookup(key, def == "")
	if !ok {
		return def
	}
	path := pathKey(f.path, key)
	v, err := resolveValue(e.val)
	if !f.keep(err) {
		return def
	}
	if v.kind != valString || !isOneOf(v.text, allowed) {
		f.keep(f.l.fail(e.val, path, "expected one of %s, got %s", quotedList(allowed), v.describeValue()))
		return def
	}
	return v.text
}

// int reads an int field with a default.
func (f *modelFields) int(key string, required bool, def int64) int64 {
	e, ok := f.lookup(key, required)
	if !ok {
		return def
	}
	n, err := f.l.toInt(e.val, pathKey(f.path, key))
	if !f.keep(err) {
		return def
	}
	return n
}

// intMin reads an int field that must be >= min.
func (f *modelFields) intMin(key string, required bool, def, min int64) int64 {
	n := f.int(key, required, def)
	if f.err == nil && n < min {
		e, _ := f.get(key)
		if min == 1 {
			f.failAt(e.val, key, "%s must be > 0, got %d", key, n)
		} else {
			f.failAt(e.val, key, "%s must be >= %d, got %d", key, min, n)
		}
	}
	return n
}

// optInt reads an Optional[int] field; nil when absent or null.
func (f *modelFields) optInt(key string) *int64 {
	e, ok := f.lookup(key, false)
	if !ok {
		return nil
	}
	if v, err := resolveValue(e.val); !f.keep(err) || v.kind == valNull {
		return nil
	}
	n, err := f.l.toInt(e.val, pathKey(f.path, key))
	if !f.keep(err) {
		return nil
	}
	return &n
}

// decimal reads a Decimal field with a default; check, if not nil, returns
// a complaint about the value ("must be > 0").
func (f *modelFields) decimal(key string, required bool, def pynum.Amount, check func(pynum.Amount) string) pynum.Amount {
	e, ok := f.lookup(key, required)
	if !ok {
		return def
	}
	a, v, err := f.l.toDecimal(e.val, pathKey(f.path, key))
	if !f.keep(err) {
		return def
	}
	if check != nil {
		if msg := check(a); msg != "" {
			f.failAt(e.val, key, "%s %s, got %s", key, msg, v.text)
			return def
		}
	}
	return a
}

// amount reads a required Decimal that must be > 0 (checked as written,
// before any truncation).
func (f *modelFields) amount(key string) pynum.Amount {
	return f.decimal(key, true, pynum.Amount{}, mustBePositive)
}

// mustBePositive checks a > 0.
func mustBePositive(a pynum.Amount) string {
	if a.Sign() <= 0 {
		return "must be > 0"
	}
	return ""
}

// mustBeNonNegative checks a >= 0.
func mustBeNonNegative(a pynum.Amount) string {
	if a.Sign() < 0 {
		return "must be >= 0"
	}
	return ""
}

// mustBeInUnitInterval checks 0 <= a <= 1.
func mustBeInUnitInterval(a pynum.Amount) string {
	if a.Sign() < 0 || pynum.Cmp(a, pynum.Int(1)) > 0 {
		return "must be between 0 and 1"
	}
	return ""
}

// boolean reads a bool field with a default.
func (f *modelFields) boolean(key string, def bool) bool {
	e, ok := f.lookup(key, false)
	if !ok {
		return def
	}
	b, err := f.l.toBool(e.val, pathKey(f.path, key))
	if !f.keep(err) {
		return def
	}
	return b
}
