// Package pyyaml is YAML as bilancio's Python reads and writes it with
// PyYAML: reading, the YAML 1.1 resolution and construction of scalars
// (what yaml.safe_load makes of a plain `1e5`, `010` or `yes`) with Python's
// Decimal/int/float string parsing; writing, documents of Python values
// (Node) byte for byte as yaml.safe_dump writes them (Marshal), which asks
// the same resolver whether a str may be written plain (PlainIsStr). It is
// the one home of these rules for the scenario loader, the sweep-config
// import and the ring generator. Everything here is written from PyYAML's
// and Python's documented behaviour; nothing depends on go-yaml's own (YAML
// 1.2) resolution.
package pyyaml

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode"

	"go.yaml.in/yaml/v3"

	"github.com/bilancio-go/bilancio/internal/pynum"
)

// Tag is the type PyYAML gives a scalar.
type Tag uint8

// The tags of PyYAML's SafeLoader scalars.
const (
	TagStr       Tag = iota // tag:yaml.org,2002:str
	TagNull                 // tag:yaml.org,2002:null
	TagBool                 // tag:yaml.org,2002:bool
	TagInt                  // tag:yaml.org,2002:int
	TagFloat                // tag:yaml.org,2002:float
	TagTimestamp            // tag:yaml.org,2002:timestamp
	TagMerge                // "<<": only meaningful as a mapping key
	TagValue                // "=": a string as a mapping key, an error as a value
	TagOther                // an explicit tag other than the ones above; the caller decides
)

// PythonType names the type of the value PyYAML constructs for the tag, as
// Python names it ("str", "None", "int", ...), for messages.
func (t Tag) PythonType() string {
	switch t {
	case TagNull:
		return "None"
	case TagBool:
		return "bool"
	case TagInt:
		return "int"
	case TagFloat:
		return "float"
	case TagTimestamp:
		return "datetime"
	case TagOther:
		return "tagged value"
	}
	return "str"
}

// TagPrefix is the prefix of the standard YAML tags, written "!!".
const TagPrefix = "tag:yaml.org,2002:"

// ExplicitTag returns n's explicit tag in short form ("!!int", "!decimal"),
// or "" when the node has none.
func ExplicitTag(n *yaml.Node) string {
	if n.Style&yaml.TaggedStyle == 0 {
		return ""
	}
	if rest, ok := strings.CutPrefix(n.Tag, TagPrefix); ok {
		return "!!" + rest
	}
	return n.Tag
}

const styleQuotedOrBlock = yaml.DoubleQuotedStyle | yaml.SingleQuotedStyle | yaml.LiteralStyle | yaml.FoldedStyle

// ResolveNode returns the tag PyYAML gives the scalar node n: its explicit
// tag when that is a standard scalar tag (!!str, !!null, !!bool, !!int,
// !!float, !!timestamp, !!merge, !!value), Other for any other explicit tag,
// Str for an untagged quoted or block scalar, and Resolve(n.Value) for a
// plain one.
func ResolveNode(n *yaml.Node) Tag {
	switch ExplicitTag(n) {
	case "":
		if n.Style&styleQuotedOrBlock == 0 {
			return Resolve(n.Value)
		}
		return TagStr
	case "!!str":
		return TagStr
	case "!!null":
		return TagNull
	case "!!bool":
		return TagBool
	case "!!int":
		return TagInt
	case "!!float":
		return TagFloat
	case "!!timestamp":
		return TagTimestamp
	case "!!merge":
		return TagMerge
	case "!!value":
		return TagValue
	}
	return TagOther
}

// Resolve returns the tag PyYAML's SafeLoader gives the plain (unquoted,
// untagged) scalar s. Like PyYAML's resolver, it tries only the patterns
// that can start with s's first character (mayNotBeStr): a text that
// starts otherwise is a str.
func Resolve(s string) Tag {
	if s != "" && !mayNotBeStr(s[0]) {
		return TagStr
	}
	return resolvePatterns(s)
}

// mayNotBeStr reports whether a plain scalar starting with c may match one
// of the implicit resolvers' patterns: the first characters PyYAML's
// Resolver registers them under (null ~nN, bool yYnNtTfFoO, int and float
// -+0-9 and the float's '.', timestamp 0-9, merge '<', value '=').
func mayNotBeStr(c byte) bool {
	switch c {
	case '~', 'n', 'N', 'y', 'Y', 't', 'T', 'f', 'F', 'o', 'O',
		'-', '+', '.', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '<', '=':
		return true
	}
	return false
}

// resolvePatterns is Resolve by testing s against every pattern. The YAML
// 1.1 patterns are mutually exclusive, so the order of the tests does not
// matter.
func resolvePatterns(s string) Tag {
	switch {
	case isYAMLNull(s):
		return TagNull
	case isYAMLBool(s):
		return TagBool
	case isYAMLInt(s):
		return TagInt
	case isYAMLFloat(s):
		return TagFloat
	case isYAMLTimestamp(s):
		return TagTimestamp
	case s == "<<":
		return TagMerge
	case s == "=":
		return TagValue
	}
	return TagStr
}

func isYAMLNull(s string) bool {
	switch s {
	case "", "~", "null", "Null", "NULL":
		return true
	}
	return false
}

func isYAMLBool(s string) bool {
	switch s {
	case "yes", "Yes", "YES", "no", "No", "NO",
		"true", "True", "TRUE", "false", "False", "FALSE",
		"on", "On", "ON", "off", "Off", "OFF":
		return true
	}
	return false
}

func isASCIIDigit(c byte) bool { return c >= '0' && c <= '9' }

// spanBytes returns the length of the longest prefix of s made of bytes accepted by ok.
func spanBytes(s string, ok func(byte) bool) int {
	i := 0
	for i < len(s) && ok(s[i]) {
		i++
	}
	return i
}

func isDigitOrUnderscore(c byte) bool { return isASCIIDigit(c) || c == '_' }

// trimSign removes one leading '+' or '-'.
func trimSign(s string) string {
	if s != "" && (s[0] == '+' || s[0] == '-') {
		return s[1:]
	}
	return s
}

// sexagesimalTail reports whether s is one or more groups ":[0-5]?[0-9]" and
// returns what follows them.
func sexagesimalTail(s string) (rest string, ok bool) {
	n := 0
	for s != "" && s[0] == ':' {
		t := s[1:]
		switch {
		case len(t) >= 2 && t[0] >= '0' && t[0] <= '5' && isASCIIDigit(t[1]):
			s = t[2:]
		case len(t) >= 1 && isASCIIDigit(t[0]):
			s = t[1:]
		default:
			return s, n > 0
		}
		n++
	}
	return s, n > 0
}

// isYAMLInt matches PyYAML's int pattern: binary, octal, decimal, hexadecimal
// and base-60 forms, with underscores.
func isYAMLInt(s string) bool {
	b := trimSign(s)
	switch {
	case b == "":
		return false
	case strings.HasPrefix(b, "0b"):
		r := b[2:]
		return r != "" && spanBytes(r, func(c byte) bool { return c == '0' || c == '1' || c == '_' }) == len(r)
	case strings.HasPrefix(b, "0x"):
		r := b[2:]
		return r != "" && spanBytes(r, func(c byte) bool {
			return isASCIIDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == '_'
		}) == len(r)
	case b == "0":
		return true
	case b[0] == '0':
		r := b[1:]
		return spanBytes(r, func(c byte) bool { return (c >= '0' && c <= '7') || c == '_' }) == len(r)
	case b[0] >= '1' && b[0] <= '9':
		n := 1 + spanBytes(b[1:], isDigitOrUnderscore)
		if n == len(b) {
			return true
		}
		rest, ok := sexagesimalTail(b[n:])
		return ok && rest == ""
	}
	return false
}

// isYAMLFloat matches PyYAML's float pattern, which needs a '.': 1.5, 1.,
// .5, 1.0e+05 (the exponent needs a sign), 1:30.5, .inf and .nan.
func isYAMLFloat(s string) bool {
	switch s {
	case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF",
		".nan", ".NaN", ".NAN":
		return true
	}
	exponentOK := func(r string) bool {
		if r == "" {
			return true
		}
		if len(r) < 3 || (r[0] != 'e' && r[0] != 'E') || (r[1] != '+' && r[1] != '-') {
			return false
		}
		return spanBytes(r[2:], isASCIIDigit) == len(r)-2
	}
	if s != "" && s[0] == '.' {
		// \.[0-9][0-9_]*([eE][-+][0-9]+)?
		r := s[1:]
		if r == "" || !isASCIIDigit(r[0]) {
			return false
		}
		return exponentOK(r[spanBytes(r, isDigitOrUnderscore):])
	}
	b := trimSign(s)
	if b == "" || !isASCIIDigit(b[0]) {
		return false
	}
	n := spanBytes(b, isDigitOrUnderscore)
	r := b[n:]
	if r != "" && r[0] == ':' {
		// [0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]*
		rest, ok := sexagesimalTail(r)
		if !ok || rest == "" || rest[0] != '.' {
			return false
		}
		return spanBytes(rest[1:], isDigitOrUnderscore) == len(rest)-1
	}
	if r == "" || r[0] != '.' {
		return false
	}
	r = r[1:]
	return exponentOK(r[spanBytes(r, isDigitOrUnderscore):])
}

// yamlTimestamp is a YAML 1.1 timestamp split into its fields.
type yamlTimestamp struct {
	year, month, day     int
	hasTime              bool
	hour, minute, second int
	hasTZ                bool
	tzHour, tzMinute     int
}

// parseTimestamp splits s as PyYAML's timestamp patterns do: a date alone,
// or a date and time with optional fraction and offset. The caller checks the
// implicit pattern's extra rule (a date alone has two-digit month and day).
func parseTimestamp(s string) (yamlTimestamp, bool) {
	var t yamlTimestamp
	num := func(min, max int) (int, bool) {
		n := spanBytes(s, isASCIIDigit)
		if n < min || n > max {
			return 0, false
		}
		v, _ := strconv.Atoi(s[:n])
		s = s[n:]
		return v, true
	}
	lit := func(c byte) bool {
		if s != "" && s[0] == c {
			s = s[1:]
			return true
		}
		return false
	}
	blanks := func() int {
		n := spanBytes(s, func(c byte) bool { return c == ' ' || c == '\t' })
		s = s[n:]
		return n
	}
	var ok bool
	if t.year, ok = num(4, 4); !ok || !lit('-') {
		return t, false
	}
	if t.month, ok = num(1, 2); !ok || !lit('-') {
		return t, false
	}
	if t.day, ok = num(1, 2); !ok {
		return t, false
	}
	if s == "" {
		return t, true
	}
	if !lit('T') && !lit('t') && blanks() == 0 {
		return t, false
	}
	t.hasTime = true
	if t.hour, ok = num(1, 2); !ok || !lit(':') {
		return t, false
	}
	if t.minute, ok = num(2, 2); !ok || !lit(':') {
		return t, false
	}
	if t.second, ok = num(2, 2); !ok {
		return t, false
	}
	if lit('.') {
		s = s[spanBytes(s, isASCIIDigit):]
	}
	spaced := blanks() > 0
	switch {
	case s == "":
		return t, !spaced
	case s == "Z":
		return t, true
	case s[0] == '+' || s[0] == '-':
		s = s[1:]
		t.hasTZ = true
		if t.tzHour, ok = num(1, 2); !ok {
			return t, false
		}
		if lit(':') {
			if t.tzMinute, ok = num(2, 2); !ok {
				return t, false
			}
		}
		return t, s == ""
	}
	return t, false
}

// isYAMLTimestamp matches PyYAML's implicit timestamp pattern.
func isYAMLTimestamp(s string) bool {
	if len(s) == 10 && s[4] == '-' && s[7] == '-' {
		for _, i := range []int{0, 1, 2, 3, 5, 6, 8, 9} {
			if !isASCIIDigit(s[i]) {
				return false
			}
		}
		return true
	}
	// Both forms start with a four-digit year and a dash: most scalars
	// (numbers, names) are told apart here, without parsing.
	if len(s) < 5 || s[4] != '-' || !isASCIIDigit(s[0]) || !isASCIIDigit(s[1]) || !isASCIIDigit(s[2]) || !isASCIIDigit(s[3]) {
		return false
	}
	t, ok := parseTimestamp(s)
	return ok && t.hasTime
}

// CheckTimestamp reports whether text (a !!timestamp scalar) constructs: an
// error when it is not in PyYAML's timestamp syntax, or the error Python's
// datetime raises for an invalid date, time or offset.
func CheckTimestamp(text string) error {
	t, ok := parseTimestamp(text)
	if !ok {
		return fmt.Errorf("%q is not a timestamp", text)
	}
	return checkTimestamp(t)
}

// checkTimestamp reports the error Python's datetime raises for an invalid
// date, time or offset.
func checkTimestamp(t yamlTimestamp) error {
	switch {
	case t.year < 1:
		return fmt.Errorf("year %d is out of range", t.year)
	case t.month < 1 || t.month > 12:
		return errors.New("month must be in 1..12")
	case t.day < 1 || t.day > daysInMonth(t.year, t.month):
		return errors.New("day is out of range for month")
	case !t.hasTime:
		return nil
	case t.hour > 23:
		return errors.New("hour must be in 0..23")
	case t.minute > 59:
		return errors.New("minute must be in 0..59")
	case t.second > 59:
		return errors.New("second must be in 0..59")
	case t.hasTZ && t.tzHour*60+t.tzMinute >= 24*60:
		return errors.New("the time zone offset must be strictly between -24 and 24 hours")
	}
	return nil
}

func daysInMonth(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// maxIntDigits is CPython's limit on the number of decimal digits int() converts.
const maxIntDigits = 4300

// ParseInt turns the text of an int scalar into its value the way
// PyYAML's construct_yaml_int does (underscores dropped, 0b/0x/0 prefixes,
// base-60 groups).
func ParseInt(text string) (*big.Int, error) {
	v := strings.ReplaceAll(text, "_", "")
	if v == "" {
		return nil, errors.New("empty integer")
	}
	neg := v[0] == '-'
	if v[0] == '+' || v[0] == '-' {
		v = v[1:]
	}
	var r *big.Int
	var err error
	switch {
	case v == "0":
		r = new(big.Int)
	case strings.HasPrefix(v, "0b"):
		r, err = pyInt(v[2:], 2)
	case strings.HasPrefix(v, "0x"):
		r, err = pyInt(v[2:], 16)
	case v != "" && v[0] == '0':
		r, err = pyInt(v, 8)
	case strings.Contains(v, ":"):
		r = new(big.Int)
		sixty := big.NewInt(60)
		for part := range strings.SplitSeq(v, ":") {
			d, perr := pyInt(part, 10)
			if perr != nil {
				return nil, perr
			}
			r.Mul(r, sixty)
			r.Add(r, d)
		}
	default:
		r, err = pyInt(v, 10)
	}
	if err != nil {
		return nil, err
	}
	if neg {
		r.Neg(r)
	}
	return r, nil
}

// pyInt parses s as Python's int(s, base): surrounding whitespace, a sign, an
// optional base prefix matching base, and digits (any Unicode decimal digit).
func pyInt(s string, base int) (*big.Int, error) {
	t, ok := pyASCII(pyStrip(s))
	// (the error is built only when needed: pyInt is on every loaded number's path)
	bad := func() error { return fmt.Errorf("invalid literal for int() with base %d: %q", base, s) }
	if !ok || t == "" {
		return nil, bad()
	}
	neg := false
	if t[0] == '+' || t[0] == '-' {
		neg = t[0] == '-'
		t = t[1:]
	}
	if len(t) > 2 && t[0] == '0' {
		p := t[1] | 0x20
		if (base == 2 && p == 'b') || (base == 8 && p == 'o') || (base == 16 && p == 'x') {
			t = t[2:]
		}
	}
	if t == "" || strings.ContainsAny(t, "+-") {
		return nil, bad()
	}
	if base == 10 && len(t) > maxIntDigits {
		return nil, fmt.Errorf("integer of %d digits exceeds the limit of %d digits", len(t), maxIntDigits)
	}
	r, ok := new(big.Int).SetString(t, base)
	if !ok {
		return nil, bad()
	}
	if neg {
		r.Neg(r)
	}
	return r, nil
}

// ParseFloat turns the text of a float scalar into its value the way
// PyYAML's construct_yaml_float does.
func ParseFloat(text string) (float64, error) {
	v := strings.ToLower(strings.ReplaceAll(text, "_", ""))
	if v == "" {
		return 0, errors.New("empty float")
	}
	sign := 1.0
	if v[0] == '-' {
		sign = -1
	}
	if v[0] == '+' || v[0] == '-' {
		v = v[1:]
	}
	switch {
	case v == ".inf":
		return sign * math.Inf(1), nil
	case v == ".nan":
		return math.NaN(), nil
	case strings.Contains(v, ":"):
		parts := strings.Split(v, ":")
		sum, base := 0.0, 1.0
		for i := len(parts) - 1; i >= 0; i-- {
			d, err := pyFloat(parts[i])
			if err != nil {
				return 0, err
			}
			sum += d * base
			base *= 60
		}
		return sign * sum, nil
	}
	f, err := pyFloat(v)
	if err != nil {
		return 0, err
	}
	return sign * f, nil
}

// pyFloat parses s as Python's float(s).
func pyFloat(s string) (float64, error) {
	t, ok := pyASCII(pyStrip(s))
	bad := func() error { return fmt.Errorf("could not convert string to float: %q", s) }
	if !ok {
		return 0, bad()
	}
	body := strings.ToLower(trimSign(t))
	switch body {
	case "inf", "infinity", "nan":
	default:
		if !isDecimalSyntax(body) {
			return 0, bad()
		}
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && ne.Err == strconv.ErrRange {
			return f, nil // Python rounds to ±inf or 0 without an error
		}
		return 0, bad()
	}
	return f, nil
}

// isDecimalSyntax reports whether s (no sign) is digits [. [digits]] or
// . digits, optionally followed by e/E, an optional sign and digits.
func isDecimalSyntax(s string) bool {
	n := spanBytes(s, isASCIIDigit)
	m := 0
	r := s[n:]
	if r != "" && r[0] == '.' {
		m = spanBytes(r[1:], isASCIIDigit)
		r = r[1+m:]
	}
	if n+m == 0 {
		return false
	}
	if r == "" {
		return true
	}
	if r[0] != 'e' && r[0] != 'E' {
		return false
	}
	r = trimSign(r[1:])
	return r != "" && spanBytes(r, isASCIIDigit) == len(r)
}

// ParseBool is PyYAML's construct_yaml_bool.
func ParseBool(text string) (bool, error) {
	switch strings.ToLower(text) {
	case "yes", "true", "on":
		return true, nil
	case "no", "false", "off":
		return false, nil
	}
	return false, fmt.Errorf("not a YAML boolean: %q", text)
}

// pyIsSpace is Python's str.isspace for one character.
func pyIsSpace(r rune) bool {
	return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
}

// pyStrip is Python's str.strip().
func pyStrip(s string) string { return strings.TrimFunc(s, pyIsSpace) }

// pyDigit returns the value of the Unicode decimal digit r, or -1. Unicode
// encodes every set of decimal digits as a contiguous run 0..9, and adjacent
// sets follow each other whole, so the value is the distance to the start of
// the run modulo 10.
func pyDigit(r rune) int {
	if r >= '0' && r <= '9' {
		return int(r - '0')
	}
	if r < 0x80 || !unicode.IsDigit(r) {
		return -1
	}
	start := r
	for start > 0 && unicode.IsDigit(start-1) {
		start--
	}
	return int(r-start) % 10
}

// pyASCII maps the non-ASCII decimal digits and spaces of s to ASCII, as
// Python does before parsing a number. It reports false for any other
// non-ASCII character or a NUL.
func pyASCII(s string) (string, bool) {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 || s[i] == 0 {
			ascii = false
			break
		}
	}
	if ascii {
		return s, true
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == 0:
			return "", false
		case r < 0x80:
			b.WriteRune(r)
		case pyIsSpace(r):
			b.WriteByte(' ')
		default:
			d := pyDigit(r)
			if d < 0 {
				return "", false
			}
			b.WriteByte(byte('0' + d))
		}
	}
	return b.String(), true
}

// DecimalStatus says what Python's Decimal(s) makes of a string.
type DecimalStatus uint8

// What Python's Decimal(s) makes of a string.
const (
	DecimalInvalid    DecimalStatus = iota // Decimal(s) raises
	DecimalFinite                          // a finite Decimal
	DecimalNonFinite                       // Infinity or a NaN
	DecimalOutOfRange                      // finite for Python, but its exponent is beyond what pynum holds
)

// Decimal parses s as Python's Decimal(s): surrounding whitespace is
// stripped, every underscore dropped, Unicode digits accepted, and the value
// kept exactly.
func Decimal(s string) (pynum.Amount, DecimalStatus) {
	t, ok := pyASCII(strings.ReplaceAll(pyStrip(s), "_", ""))
	if !ok || t == "" {
		return pynum.Amount{}, DecimalInvalid
	}
	body := strings.ToLower(trimSign(t))
	switch {
	case body == "inf" || body == "infinity":
		return pynum.Amount{}, DecimalNonFinite
	case strings.HasPrefix(body, "nan") || strings.HasPrefix(body, "snan"):
		payload := strings.TrimPrefix(strings.TrimPrefix(body, "s"), "nan")
		if spanBytes(payload, isASCIIDigit) == len(payload) {
			return pynum.Amount{}, DecimalNonFinite
		}
		return pynum.Amount{}, DecimalInvalid
	case !isDecimalSyntax(body):
		return pynum.Amount{}, DecimalInvalid
	}
	a, err := pynum.ParseDecimal(t)
	if err != nil {
		return pynum.Amount{}, DecimalOutOfRange
	}
	return a, DecimalFinite
}

// PlainIsStr reports whether s, written as a plain scalar, would be read
// back as a str by PyYAML's resolver: the writer's test for whether a str
// may be written plain. s must be non-empty, resolve to Str, and not be one
// of the indicators "!", "&" and "*" (the resolver's yaml tag); like
// Python's `$`, the resolver's patterns also match before a final newline,
// so the text without it must be a str too.
func PlainIsStr(s string) bool {
	str := func(x string) bool {
		return x == "" || Resolve(x) == TagStr && x != "!" && x != "&" && x != "*"
	}
	if s == "" || !str(s) {
		return false
	}
	if t, ok := strings.CutSuffix(s, "\n"); ok {
		return str(t)
	}
	return true
}
