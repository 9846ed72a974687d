package engine

import (
	"unsafe"

	"github.com/bilancio-go/bilancio/internal/pynum"
)

// Event is one record of the event log: {kind, day, phase, payload...} with
// the payload's keys in the order bilancio logs them.
type Event struct {
	Kind   string
	Day    int
	Phase  string // "setup" or "simulation"
	Fields []Field
}

// Field is one key of an event's payload.
type Field struct {
	Key string
	Val Value
}

// ValueKind says what a Value holds.
type ValueKind uint8

// Value kinds.
const (
	NullValue ValueKind = iota
	StringValue
	IntValue
	AmountValue
	BoolValue
	ListValue
	ObjectValue
	// FloatValue is a Python float; Str holds its repr.
	FloatValue
)

// Value is a JSON-like payload value. It is kept small (24 bytes): events
// hold thousands of them, and their bytes are most of what a run allocates.
// Its content is read through methods (Str, Int, Amount, Bool, Items),
// each meaningful for its Kind.
type Value struct {
	// p is a string's bytes, a large amount's *pynum.Big, or a list's or
	// an object's first element.
	p unsafe.Pointer
	// n is a string's length, an int, a small amount's coefficient, or the
	// number of elements of a list or an object.
	n int64
	// exp is a small amount's exponent.
	exp  int32
	Kind ValueKind
	// flag is a BoolValue's truth, or an AmountValue's Decimal-ness.
	flag bool
}

// Str returns a string's text, or a float's repr; "" for other values.
func (v Value) Str() string {
	if v.Kind != StringValue && v.Kind != FloatValue {
		return ""
	}
	return unsafe.String((*byte)(v.p), int(v.n))
}

// Int returns an int's number; 0 for other values.
func (v Value) Int() int64 {
	if v.Kind != IntValue {
		return 0
	}
	return v.n
}

// Bool returns a boolean's truth; false for other values.
func (v Value) Bool() bool { return v.Kind == BoolValue && v.flag }

// Amount returns an amount's value; the zero Amount for other values.
func (v Value) Amount() pynum.Amount {
	if v.Kind != AmountValue {
		return pynum.Amount{}
	}
	return pynum.FromParts(v.n, v.exp, v.flag, (*pynum.Big)(v.p))
}

// Items returns a list's elements (with empty keys) or an object's
// members; nil for other values.
func (v Value) Items() []Field {
	if v.p == nil || (v.Kind != ListValue && v.Kind != ObjectValue) {
		return nil
	}
	return unsafe.Slice((*Field)(v.p), v.n)
}

// ListOf returns a list value of items (their keys empty), which it keeps.
func ListOf(items []Field) Value { return collection(ListValue, items) }

// ObjectOf returns an object value of members, which it keeps.
func ObjectOf(members []Field) Value { return collection(ObjectValue, members) }

func collection(kind ValueKind, items []Field) Value {
	v := Value{Kind: kind, n: int64(len(items))}
	if len(items) > 0 {
		v.p = unsafe.Pointer(&items[0])
	}
	return v
}

// Str returns a string value.
func Str(s string) Value {
	return Value{Kind: StringValue, p: unsafe.Pointer(unsafe.StringData(s)), n: int64(len(s))}
}

// IntV returns an int value.
func IntV(n int64) Value { return Value{Kind: IntValue, n: n} }

// AmountV returns an amount value (an int or a Decimal).
func AmountV(a pynum.Amount) Value {
	coef, exp, dec, big := a.Parts()
	return Value{Kind: AmountValue, p: unsafe.Pointer(big), n: coef, exp: exp, flag: dec}
}

// FloatV returns a Python float value (dealer_trade prices), kept as its
// repr ("108.82889057175312", "99.0").
func FloatV(f float64) Value { return floatReprV(pynum.FloatRepr(f)) }

// floatReprV returns the float value whose repr is s.
func floatReprV(s string) Value {
	return Value{Kind: FloatValue, p: unsafe.Pointer(unsafe.StringData(s)), n: int64(len(s))}
}

// Null returns a null value.
func Null() Value { return Value{} }

// ListV returns a list value.
func ListV(items ...Value) Value {
	f := make([]Field, len(items))
	for i, v := range items {
		f[i].Val = v
	}
	return ListOf(f)
}

// ObjectV returns an object value with its members in order.
func ObjectV(members ...Field) Value { return ObjectOf(members) }

// BoolV returns a boolean value.
func BoolV(b bool) Value { return Value{Kind: BoolValue, flag: b} }

// StrOrNull returns Str(s) when ok, Null otherwise.
func StrOrNull(s string, ok bool) Value {
	if !ok {
		return Null()
	}
	return Str(s)
}

// Get returns the payload value of key.
func (e *Event) Get(key string) (Value, bool) {
	for i := range e.Fields {
		if e.Fields[i].Key == key {
			return e.Fields[i].Val, true
		}
	}
	return Value{}, false
}

// GetString returns the string payload value of key, or "" if absent or not a string.
func (e *Event) GetString(key string) string {
	v, _ := e.Get(key)
	if v.Kind != StringValue {
		return ""
	}
	return v.Str()
}

// GetAmount returns the payload value of key as an amount (an int value
// becomes an int amount), and whether it is numeric.
func (e *Event) GetAmount(key string) (pynum.Amount, bool) {
	v, _ := e.Get(key)
	switch v.Kind {
	case AmountValue:
		return v.Amount(), true
	case IntValue:
		return pynum.Int(v.n), true
	}
	return pynum.Amount{}, false
}

// GetInt returns the int payload value of key, and whether it is an int.
func (e *Event) GetInt(key string) (int64, bool) {
	v, _ := e.Get(key)
	if v.Kind == IntValue {
		return v.n, true
	}
	return 0, false
}
