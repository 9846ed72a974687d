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

// Value is a JSON-like payload value. It is kept small: events hold
// thousands of them (a list or an object keeps its elements behind one
// pointer, counted by Int).
type Value struct {
	Kind ValueKind
	Bool bool
	// Int is an IntValue's number, and the number of elements of a
	// ListValue or an ObjectValue.
	Int    int64
	Str    string
	Amount pynum.Amount
	items  *Field
}

// Items returns a list's elements (with empty keys) or an object's
// members; nil for other values.
func (v Value) Items() []Field {
	if v.items == nil || (v.Kind != ListValue && v.Kind != ObjectValue) {
		return nil
	}
	return unsafe.Slice(v.items, v.Int)
}

// ListOf returns a list value of items (their keys empty), which it keeps.
func ListOf(items []Field) Value { return collection(ListValue, items) }

// ObjectOf returns an object value of members, which it keeps.
func ObjectOf(members []Field) Value { return collection(ObjectValue, members) }

func collection(kind ValueKind, items []Field) Value {
	v := Value{Kind: kind, Int: int64(len(items))}
	if len(items) > 0 {
		v.items = &items[0]
	}
	return v
}

// Str returns a string value.
func Str(s string) Value { return Value{Kind: StringValue, Str: s} }

// IntV returns an int value.
func IntV(n int64) Value { return Value{Kind: IntValue, Int: n} }

// AmountV returns an amount value (an int or a Decimal).
func AmountV(a pynum.Amount) Value { return Value{Kind: AmountValue, Amount: a} }

// FloatV returns a Python float value (dealer_trade prices), kept as its
// repr ("108.82889057175312", "99.0").
func FloatV(f float64) Value { return Value{Kind: FloatValue, Str: pynum.FloatRepr(f)} }

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
func BoolV(b bool) Value { return Value{Kind: BoolValue, Bool: b} }

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
	return v.Str
}

// GetAmount returns the payload value of key as an amount (an int value
// becomes an int amount), and whether it is numeric.
func (e *Event) GetAmount(key string) (pynum.Amount, bool) {
	v, _ := e.Get(key)
	switch v.Kind {
	case AmountValue:
		return v.Amount, true
	case IntValue:
		return pynum.Int(v.Int), true
	}
	return pynum.Amount{}, false
}

// GetInt returns the int payload value of key, and whether it is an int.
func (e *Event) GetInt(key string) (int64, bool) {
	v, _ := e.Get(key)
	if v.Kind == IntValue {
		return v.Int, true
	}
	return 0, false
}
