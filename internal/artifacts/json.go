package artifacts

import (
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/bilancio-go/bilancio/internal/pynum"
	"github.com/bilancio-go/bilancio/internal/swar"
)

type jsonKind uint8

const (
	jsonNull jsonKind = iota
	jsonBool
	jsonNumber // text holds the number as written
	jsonString
	jsonArray
	jsonObject
)

// JSON is a JSON value with ordered object keys, written the way Python's json
// module writes the corresponding Python value. The zero value is null.
type JSON struct {
	kind    jsonKind
	text    string
	b       bool
	items   []JSON
	members []Member
}

// Member is one key of a JSON object.
type Member struct {
	Key   string
	Value JSON
}

// JSONNull returns null (Python's None).
func JSONNull() JSON { return JSON{} }

// JSONBool returns true or false.
func JSONBool(b bool) JSON { return JSON{kind: jsonBool, b: b} }

// JSONInt returns an integer.
func JSONInt(n int64) JSON { return JSON{kind: jsonNumber, text: strconv.FormatInt(n, 10)} }

// JSONFloat returns a Python float: repr(f), and NaN, Infinity or -Infinity
// for the non-finite values (Python's allow_nan default).
func JSONFloat(f float64) JSON {
	switch {
	case math.IsNaN(f):
		return JSON{kind: jsonNumber, text: "NaN"}
	case math.IsInf(f, 1):
		return JSON{kind: jsonNumber, text: "Infinity"}
	case math.IsInf(f, -1):
		return JSON{kind: jsonNumber, text: "-Infinity"}
	}
	return JSON{kind: jsonNumber, text: pynum.FloatRepr(f)}
}

// JSONString returns a string.
func JSONString(s string) JSON { return JSON{kind: jsonString, text: s} }

// JSONDecimal returns a Decimal as bilancio writes it (spec §8.3): a JSON
// integer when it is integral after normalisation, otherwise a JSON string of
// the normalised value. A nil d is null.
func JSONDecimal(d *pynum.Amount) JSON {
	if d == nil {
		return JSONNull()
	}
	return numberOrString(pynum.JSONNumber(*d))
}

// JSONAmount returns an amount: an int as an integer, a Decimal as JSONDecimal.
func JSONAmount(a pynum.Amount) JSON {
	return numberOrString(pynum.AmountJSON(a))
}

func numberOrString(text string, quoted bool) JSON {
	if quoted {
		return JSONString(text)
	}
	return JSON{kind: jsonNumber, text: text}
}

// JSONArray returns a list.
func JSONArray(items ...JSON) JSON {
	if items == nil {
		items = []JSON{}
	}
	return JSON{kind: jsonArray, items: items}
}

// JSONObject returns an object with the members in the given order.
func JSONObject(members ...Member) JSON {
	if members == nil {
		members = []Member{}
	}
	return JSON{kind: jsonObject, members: members}
}

// AppendJSON appends v as Python's json.dumps(v) writes it: compact with ", "
// between items and ": " after keys, non-ASCII escaped.
func AppendJSON(dst []byte, v JSON) []byte {
	return appendJSON(dst, v, -1, 0)
}

// AppendJSONIndent appends v as Python's json.dumps(v, indent=indent) writes
// it (indent ≥ 0): one item per line, indent spaces per level, "," at the end
// of non-final lines, [] and {} for empty containers, no final newline.
func AppendJSONIndent(dst []byte, v JSON, indent int) []byte {
	return appendJSON(dst, v, max(indent, 0), 0)
}

func appendJSON(dst []byte, v JSON, indent, level int) []byte {
	switch v.kind {
	case jsonNull:
		return append(dst, "null"...)
	case jsonBool:
		if v.b {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	case jsonNumber:
		return append(dst, v.text...)
	case jsonString:
		return AppendJSONString(dst, v.text)
	case jsonArray:
		if len(v.items) == 0 {
			return append(dst, "[]"...)
		}
		dst = append(dst, '[')
		for i, it := range v.items {
			dst = appendSep(dst, i, indent, level+1)
			dst = appendJSON(dst, it, indent, level+1)
		}
		dst = appendClose(dst, indent, level)
		return append(dst, ']')
	default:
		if len(v.members) == 0 {
			return append(dst, "{}"...)
		}
		dst = append(dst, '{')
		for i, m := range v.members {
			dst = appendSep(dst, i, indent, level+1)
			dst = AppendJSONString(dst, m.Key)
			dst = append(dst, ": "...)
			dst = appendJSON(dst, m.Value, indent, level+1)
		}
		dst = appendClose(dst, indent, level)
		return append(dst, '}')
	}
}

// appendSep writes what precedes item i of a container whose items sit at
// nesting level.
func appendSep(dst []byte, i, indent, level int) []byte {
	if indent < 0 {
		if i > 0 {
			dst = append(dst, ", "...)
		}
		return dst
	}
	if i > 0 {
		dst = append(dst, ',')
	}
	return appendNewline(dst, indent, level)
}

func appendClose(dst []byte, indent, level int) []byte {
	if indent < 0 {
		return dst
	}
	return appendNewline(dst, indent, level)
}

func appendNewline(dst []byte, indent, level int) []byte {
	dst = append(dst, '\n')
	for i := 0; i < indent*level; i++ {
		dst = append(dst, ' ')
	}
	return dst
}

// escapes8 reports whether one of the eight bytes of x (a string's bytes,
// swar.Load) is one that AppendJSONString escapes: below ' ', above '~',
// '"' or '\\'.
func escapes8(x uint64) bool {
	return swar.Any(swar.Below(x, ' ') | swar.Above(x, '~') | swar.Eq(x, '"') | swar.Eq(x, '\\'))
}

// jsonPlain[c] is 1 for the bytes that AppendJSONString writes as they are:
// ' ' to '~' but '"' and '\\'.
const jsonPlain = "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x01\x00\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x00\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"

// AppendJSONString appends s as a JSON string the way Python's json module
// writes it with ensure_ascii: '"' and '\\' escaped, \n \r \t \b \f short
// escapes, every other character outside ' '..'~' as \uXXXX in lowercase hex
// (UTF-16 surrogate pairs above U+FFFF). Bytes that are not valid UTF-8 are
// written as \ufffd.
func AppendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	u4 := func(dst []byte, r rune) []byte {
		return append(dst, '\\', 'u', hex[r>>12&0xf], hex[r>>8&0xf], hex[r>>4&0xf], hex[r&0xf])
	}
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		// Copy the run of characters written as they are in one go,
		// looking at eight of them at a time while none needs escaping.
		j := i
		for j+8 <= len(s) && !escapes8(swar.Load(s[j:])) {
			j += 8
		}
		if j < len(s) && len(s)-8 >= i && len(s)-8 < j && !escapes8(swar.Load(s[len(s)-8:])) {
			j = len(s) // the last eight, overlapping plain ones seen, are plain too
		}
		for j < len(s) && jsonPlain[s[j]] == 1 {
			j++
		}
		dst = append(dst, s[i:j]...)
		if i = j; i == len(s) {
			break
		}
		c := s[i]
		if c == '"' || c == '\\' {
			dst = append(dst, '\\', c)
			i++
			continue
		}
		switch c {
		case '\n':
			dst = append(dst, `\n`...)
			i++
			continue
		case '\r':
			dst = append(dst, `\r`...)
			i++
			continue
		case '\t':
			dst = append(dst, `\t`...)
			i++
			continue
		case '\b':
			dst = append(dst, `\b`...)
			i++
			continue
		case '\f':
			dst = append(dst, `\f`...)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if r > 0xffff {
			r -= 0x10000
			dst = u4(dst, 0xd800+(r>>10))
			dst = u4(dst, 0xdc00+(r&0x3ff))
			continue
		}
		dst = u4(dst, r)
	}
	return append(dst, '"')
}
