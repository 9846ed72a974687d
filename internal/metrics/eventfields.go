package metrics

import (
	"strconv"
	"strings"

	"github.com/bilancio-go/bilancio/internal/engine"
	"github.com/bilancio-go/bilancio/internal/pynum"
)

// amountField returns an event amount as bilancio's loader and metrics read
// it: the Decimal of the value as events.jsonl writes it (an int, or a Decimal
// normalised the way the JSON writer normalises it), a decimal string parsed,
// and 0 when missing, null or unparsable.
func amountField(e *engine.Event, key string) pynum.Amount {
	v, _ := e.Get(key)
	switch v.Kind {
	case engine.IntValue:
		return pynum.Dec(v.Int(), 0)
	case engine.AmountValue:
		return pynum.ReadBack(v.Amount())
	case engine.StringValue:
		if d, err := pynum.ParseDecimal(strings.TrimSpace(v.Str())); err == nil {
			return d
		}
	case engine.BoolValue:
		if v.Bool() {
			return pynum.Dec(1, 0)
		}
	}
	return decZero()
}

// intField returns Python's int(e[key]) for an int, integral amount or
// integer string, and false when the key is missing or null.
func intField(e *engine.Event, key string) (int, bool) {
	v, _ := e.Get(key)
	switch v.Kind {
	case engine.IntValue:
		return int(v.Int()), true
	case engine.AmountValue:
		n, ok := v.Amount().Trunc().Int64()
		return int(n), ok
	case engine.StringValue:
		n, err := strconv.Atoi(strings.TrimSpace(v.Str()))
		return n, err == nil
	}
	return 0, false
}

// firstString returns the first of the keys whose value is a non-empty string
// (Python's e.get(a) or e.get(b)), or "".
func firstString(e *engine.Event, keys ...string) string {
	for _, k := range keys {
		if s := e.GetString(k); s != "" {
			return s
		}
	}
	return ""
}
