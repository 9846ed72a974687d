package artifacts

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/bilancio-go/bilancio/internal/engine"
	"github.com/bilancio-go/bilancio/internal/pynum"
)

// AppendEvent appends an event as bilancio logs it, in Python's compact JSON
// form: kind, day and phase first, then the payload keys in order.
func AppendEvent(dst []byte, e *engine.Event) ([]byte, error) {
	dst = append(dst, `{"kind": `...)
	dst = AppendJSONString(dst, e.Kind)
	dst = append(dst, `, "day": `...)
	dst = strconv.AppendInt(dst, int64(e.Day), 10)
	switch e.Phase { // the engine's two phases, quoted once here
	case "simulation":
		dst = append(dst, `, "phase": "simulation"`...)
	case "setup":
		dst = append(dst, `, "phase": "setup"`...)
	default:
		dst = append(dst, `, "phase": `...)
		dst = AppendJSONString(dst, e.Phase)
	}
	for i := range e.Fields {
		f := &e.Fields[i]
		dst = append(dst, ", "...)
		dst = AppendJSONString(dst, f.Key)
		dst = append(dst, ": "...)
		var err error
		if dst, err = appendValue(dst, &f.Val); err != nil {
			return dst, fmt.Errorf("event %s, key %q: %w", e.Kind, f.Key, err)
		}
	}
	return append(dst, '}'), nil
}

func appendValue(dst []byte, v *engine.Value) ([]byte, error) {
	switch v.Kind {
	case engine.NullValue:
		return append(dst, "null"...), nil
	case engine.StringValue:
		return AppendJSONString(dst, v.Str()), nil
	case engine.IntValue:
		return strconv.AppendInt(dst, v.Int(), 10), nil
	case engine.AmountValue:
		return pynum.AppendAmountJSON(dst, v.Amount()), nil
	case engine.FloatValue:
		return append(dst, v.Str()...), nil
	case engine.BoolValue:
		if v.Bool() {
			return append(dst, "true"...), nil
		}
		return append(dst, "false"...), nil
	case engine.ListValue:
		dst = append(dst, '[')
		items := v.Items()
		for i := range items {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			var err error
			if dst, err = appendValue(dst, &items[i].Val); err != nil {
				return dst, fmt.Errorf("item %d: %w", i, err)
			}
		}
		return append(dst, ']'), nil
	case engine.ObjectValue:
		dst = append(dst, '{')
		members := v.Items()
		for i := range members {
			f := &members[i]
			if i > 0 {
				dst = append(dst, ", "...)
			}
			dst = AppendJSONString(dst, f.Key)
			dst = append(dst, ": "...)
			var err error
			if dst, err = appendValue(dst, &f.Val); err != nil {
				return dst, fmt.Errorf("key %q: %w", f.Key, err)
			}
		}
		return append(dst, '}'), nil
	}
	return dst, fmt.Errorf("unsupported value kind %d", v.Kind)
}

// AppendEvents appends the events.jsonl text of events: one compact JSON
// object per event, each line ended by "\n".
func AppendEvents(dst []byte, events []engine.Event) ([]byte, error) {
	if dst == nil {
		dst = make([]byte, 0, 200*len(events)) // recorded runs take 90 to 185 bytes an event
	}
	for i := range events {
		var err error
		if dst, err = AppendEvent(dst, &events[i]); err != nil {
			return dst, fmt.Errorf("encoding event %d: %w", i+1, err)
		}
		dst = append(dst, '\n')
	}
	return dst, nil
}

// AppendRunEvents is AppendEvents for the event log of res, read once in
// order without building it whole (engine.Result.EachEvent).
func AppendRunEvents(dst []byte, res *engine.Result) ([]byte, error) {
	return appendRunEvents(dst, res, nil)
}

// appendRunEvents is AppendRunEvents, which also gives each event to also
// (when not nil) once it is written.
func appendRunEvents(dst []byte, res *engine.Result, also func(*engine.Event)) ([]byte, error) {
	if dst == nil {
		dst = make([]byte, 0, 200*res.EventCount())
	}
	i := 0
	for e := range res.EachEvent() {
		i++
		var err error
		if dst, err = AppendEvent(dst, e); err != nil {
			return dst, fmt.Errorf("encoding event %d: %w", i, err)
		}
		dst = append(dst, '\n')
		if also != nil {
			also(e)
		}
	}
	return dst, nil
}

// WriteEvents writes events.jsonl.
func WriteEvents(w io.Writer, events []engine.Event) error {
	b, err := AppendEvents(nil, events)
	if err != nil {
		return err
	}
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("writing events: %w", err)
	}
	return nil
}

// isAmountKey reports whether bilancio fills key with amounts; a Decimal
// amount is logged as a JSON string.
func isAmountKey(key string) bool {
	switch key {
	case "amount", "amount_paid", "shortfall", "original_amount":
		return true
	}
	return false
}

// ReadEvents parses events.jsonl (blank lines are skipped). Each line must be
// an object with a string "kind", an integer "day" and a string "phase"; the
// other keys become the event's Fields in file order. Values map back so that
// WriteEvents reproduces the file byte for byte:
//
//   - a JSON integer is an IntValue (an int AmountValue beyond int64);
//   - a string under an amount key (amount, amount_paid, shortfall,
//     original_amount, at any depth) that is a normalised Decimal, as bilancio
//     writes fractional amounts, is a Decimal AmountValue; any other string is
//     a StringValue;
//   - true/false, null, lists and objects map to their kinds.
//
// A JSON number with a fraction or an exponent (a Python float, as in the
// dealer's events) is an error: engine.Value has no float kind.
func ReadEvents(r io.Reader) ([]engine.Event, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	var events []engine.Event
	for lineNo := 1; ; lineNo++ {
		line, err := br.ReadString('\n')
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("reading events line %d: %w", lineNo, err)
		}
		if strings.TrimSpace(line) != "" {
			e, perr := parseEvent(line)
			if perr != nil {
				return nil, fmt.Errorf("parsing events line %d: %w", lineNo, perr)
			}
			events = append(events, e)
		}
		if err == io.EOF {
			return events, nil
		}
	}
}

func parseEvent(line string) (engine.Event, error) {
	dec := json.NewDecoder(strings.NewReader(line))
	dec.UseNumber()
	v, err := parseValue(dec, "")
	if err != nil {
		return engine.Event{}, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return engine.Event{}, errors.New("text after the JSON object")
	}
	if v.Kind != engine.ObjectValue {
		return engine.Event{}, errors.New("not a JSON object")
	}
	var e engine.Event
	var haveKind, haveDay, havePhase bool
	for _, f := range v.Items() {
		switch {
		case f.Key == "kind" && !haveKind:
			if f.Val.Kind != engine.StringValue {
				return e, errors.New(`"kind" is not a string`)
			}
			e.Kind, haveKind = f.Val.Str(), true
		case f.Key == "day" && !haveDay:
			if f.Val.Kind != engine.IntValue {
				return e, errors.New(`"day" is not an integer`)
			}
			e.Day, haveDay = int(f.Val.Int()), true
		case f.Key == "phase" && !havePhase:
			if f.Val.Kind != engine.StringValue {
				return e, errors.New(`"phase" is not a string`)
			}
			e.Phase, havePhase = f.Val.Str(), true
		default:
			e.Fields = append(e.Fields, f)
		}
	}
	if !haveKind || !haveDay || !havePhase {
		return e, errors.New(`missing "kind", "day" or "phase"`)
	}
	return e, nil
}

// parseValue reads one JSON value; key is the object key it belongs to.
func parseValue(dec *json.Decoder, key string) (engine.Value, error) {
	tok, err := dec.Token()
	if err != nil {
		return engine.Value{}, err
	}
	switch t := tok.(type) {
	case nil:
		return engine.Null(), nil
	case bool:
		return engine.BoolV(t), nil
	case string:
		if isAmountKey(key) {
			if a, ok := decimalString(t); ok {
				return engine.AmountV(a), nil
			}
		}
		return engine.Str(t), nil
	case json.Number:
		return parseNumber(string(t))
	case json.Delim:
		switch t {
		case '[':
			list := []engine.Field{}
			for dec.More() {
				it, err := parseValue(dec, key)
				if err != nil {
					return engine.Value{}, err
				}
				list = append(list, engine.Field{Val: it})
			}
			if _, err := dec.Token(); err != nil {
				return engine.Value{}, err
			}
			return engine.ListOf(list), nil
		case '{':
			obj := []engine.Field{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return engine.Value{}, err
				}
				k, _ := kt.(string)
				val, err := parseValue(dec, k)
				if err != nil {
					return engine.Value{}, fmt.Errorf("key %q: %w", k, err)
				}
				obj = append(obj, engine.Field{Key: k, Val: val})
			}
			if _, err := dec.Token(); err != nil {
				return engine.Value{}, err
			}
			return engine.ObjectOf(obj), nil
		}
	}
	return engine.Value{}, fmt.Errorf("unexpected JSON token %v", tok)
}

func parseNumber(text string) (engine.Value, error) {
	if strings.ContainsAny(text, ".eE") {
		// A Python float (dealer_trade prices): kept when its repr is the text.
		f, err := strconv.ParseFloat(text, 64)
		if err != nil || pynum.FloatRepr(f) != text {
			return engine.Value{}, fmt.Errorf("JSON number %s is not a Python float repr", text)
		}
		return engine.FloatV(f), nil
	}
	if n, err := strconv.ParseInt(text, 10, 64); err == nil {
		return engine.IntV(n), nil
	}
	a, err := pynum.ParseDecimal(text)
	if err != nil {
		return engine.Value{}, fmt.Errorf("JSON number %s: %w", text, err)
	}
	return engine.AmountV(a.Trunc()), nil
}

// decimalString parses s as a Decimal amount when the JSON writer would write
// that Decimal back as exactly s.
func decimalString(s string) (pynum.Amount, bool) {
	a, err := pynum.ParseDecimal(s)
	if err != nil {
		return pynum.Amount{}, false
	}
	if text, quoted := pynum.AmountJSON(a); !quoted || text != s {
		return pynum.Amount{}, false
	}
	return a, true
}
