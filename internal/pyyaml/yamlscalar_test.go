package pyyaml

import (
	"math"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/bilancio-go/bilancio/internal/pynum"
)

// constructed prints what PyYAML 6 safe_load builds for the plain scalar s,
// as "type value" in Python's terms.
func constructed(s string) (string, error) {
	switch Resolve(s) {
	case TagNull:
		return "None", nil
	case TagBool:
		b, err := ParseBool(s)
		if b {
			return "bool True", err
		}
		return "bool False", err
	case TagInt:
		i, err := ParseInt(s)
		if err != nil {
			return "", err
		}
		return "int " + i.String(), nil
	case TagFloat:
		f, err := ParseFloat(s)
		return "float " + pynum.FloatRepr(f), err
	case TagTimestamp:
		return "timestamp", CheckTimestamp(s)
	case TagMerge:
		return "merge", nil
	case TagValue:
		return "value", nil
	}
	return "str " + s, nil
}

// TestResolvePlain checks plain scalars against PyYAML 6 safe_load.
func TestResolvePlain(t *testing.T) {
	tests := []struct{ in, want string }{
		{"1", "int 1"},
		{"1.5", "float 1.5"},
		{"1.0e-05", "float 1e-05"},
		{"1e-05", "str 1e-05"},
		{"1.0e5", "str 1.0e5"},
		{"1.", "float 1.0"},
		{".5", "float 0.5"},
		{"+.5", "str +.5"},
		{"._5", "str ._5"},
		{".inf", "float inf"},
		{"-.Inf", "float -inf"},
		{".NaN", "float nan"},
		{"0x1F", "int 31"},
		{"0b101", "int 5"},
		{"010", "int 8"},
		{"09", "str 09"},
		{"0_7", "int 7"},
		{"0o17", "str 0o17"},
		{"1_000", "int 1000"},
		{"1:30", "int 90"},
		{"1:30.5", "float 90.5"},
		{"190:20:30", "int 685230"},
		{"-1:30", "int -90"},
		{"yes", "bool True"},
		{"YES", "bool True"},
		{"yEs", "str yEs"},
		{"no", "bool False"},
		{"on", "bool True"},
		{"Off", "bool False"},
		{"y", "str y"},
		{"", "None"},
		{"~", "None"},
		{"null", "None"},
		{"nULL", "str nULL"},
		{"2024-01-02", "timestamp"},
		{"2024-01-02 10:11:12", "timestamp"},
		{"2024-01-02T10:11:12.5+05:30", "timestamp"},
		{"2024-1-02", "str 2024-1-02"},
		{"abc", "str abc"},
		{"1E+5", "str 1E+5"},
		{"-0.0", "float -0.0"},
		{"833.3333333333334", "float 833.3333333333334"},
		{"1.0e+400", "float inf"},
		{"1.0e-400", "float 0.0"},
		{"12345678901234567890123", "int 12345678901234567890123"},
		{"Infinity", "str Infinity"},
		{"-inf", "str -inf"},
		{"nan", "str nan"},
		{"1_", "int 1"},
		{"_1", "str _1"},
		{"1.2.3", "str 1.2.3"},
		{"+1_0", "int 10"},
		{"-0b1", "int -1"},
		{"0_", "int 0"},
		{"<<", "merge"},
		{"=", "value"},
	}
	for _, tt := range tests {
		got, err := constructed(tt.in)
		if err != nil {
			t.Errorf("%q: %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("%q resolves to %s, want %s", tt.in, got, tt.want)
		}
	}
	// Scalars PyYAML refuses to construct.
	for _, in := range []string{"0x_", "0b_", "2024-13-45", "2023-02-29", "0000-01-01", "2024-01-01 24:00:00"} {
		if got, err := constructed(in); err == nil {
			t.Errorf("%q resolves to %s, want an error", in, got)
		}
	}
}

// TestResolveNode checks explicit tags and quoting.
func TestResolveNode(t *testing.T) {
	tests := []struct {
		yaml string
		want Tag
	}{
		{"1", TagInt}, {`"1"`, TagStr}, {"'0.5'", TagStr}, {"|\n  1\n", TagStr},
		{"!!str 1", TagStr}, {"!!float 1", TagFloat}, {"!!int '7'", TagInt}, {"!!null x", TagNull},
		{"!!bool yes", TagBool}, {"!!timestamp x", TagTimestamp}, {"!!merge x", TagMerge}, {"!!value x", TagValue},
		{"!decimal 1.5", TagOther}, {"!!binary aGk=", TagOther}, {"!!map x", TagOther},
	}
	for _, tt := range tests {
		var doc yaml.Node
		if err := yaml.Unmarshal([]byte("x: "+tt.yaml+"\n"), &doc); err != nil {
			t.Fatal(err)
		}
		if got := ResolveNode(doc.Content[0].Content[1]); got != tt.want {
			t.Errorf("%q: %d, want %d", tt.yaml, got, tt.want)
		}
	}
}

// TestParse checks the constructors on explicitly tagged text, which
// follows Python's int() and float().
func TestParse(t *testing.T) {
	for s, want := range map[string]string{"010": "8", "0o17": "15", " 12 ": "12", "١٢": "12", "--5": "5"} {
		if v, err := ParseInt(s); err != nil || v.String() != want {
			t.Errorf("ParseInt(%q) = %v, %v; want %s", s, v, err, want)
		}
	}
	for _, s := range []string{"", "abc", "1 2", "0x"} {
		if v, err := ParseInt(s); err == nil {
			t.Errorf("ParseInt(%q) = %v, want an error", s, v)
		}
	}
	for s, want := range map[string]float64{"1": 1, "1:30.5": 90.5, "-.5": -0.5, "1_0.0": 10, "1e5": 1e5, "inf": math.Inf(1)} {
		if v, err := ParseFloat(s); err != nil || v != want {
			t.Errorf("ParseFloat(%q) = %v, %v; want %v", s, v, err, want)
		}
	}
	for _, s := range []string{"", "abc", "0x10", "1e"} {
		if v, err := ParseFloat(s); err == nil {
			t.Errorf("ParseFloat(%q) = %v, want an error", s, v)
		}
	}
	if _, err := ParseBool("maybe"); err == nil {
		t.Error("ParseBool(maybe) succeeds")
	}
}

// TestDecimal checks Python's Decimal() string syntax: whitespace stripped,
// underscores dropped, Unicode digits accepted, infinities and NaN
// non-finite.
func TestDecimal(t *testing.T) {
	tests := []struct {
		in   string
		want string
		st   DecimalStatus
	}{
		{"0.5", "0.5", DecimalFinite},
		{"  5 ", "5", DecimalFinite},
		{"\u00a05\u2003", "5", DecimalFinite},
		{"\x1c5\x1c", "5", DecimalFinite},
		{"_5_", "5", DecimalFinite},
		{"1__0", "10", DecimalFinite},
		{"١٢", "12", DecimalFinite},
		{"５", "5", DecimalFinite},
		{"𝟘5", "5", DecimalFinite},
		{"1e٢", "1E+2", DecimalFinite},
		{"5.", "5", DecimalFinite},
		{"1e400", "1E+400", DecimalFinite},
		{"Infinity", "", DecimalNonFinite},
		{"-inf", "", DecimalNonFinite},
		{"NaN12", "", DecimalNonFinite},
		{"sNaN", "", DecimalNonFinite},
		{"5 _", "", DecimalInvalid},
		{".", "", DecimalInvalid},
		{"e5", "", DecimalInvalid},
		{"1e", "", DecimalInvalid},
		{"NaNx", "", DecimalInvalid},
		{"0x10", "", DecimalInvalid},
		{"1 0", "", DecimalInvalid},
		{"\u200b5", "", DecimalInvalid},
		{"H1", "", DecimalInvalid},
	}
	for _, tt := range tests {
		a, st := Decimal(tt.in)
		if st != tt.st || (st == DecimalFinite && a.String() != tt.want) {
			t.Errorf("Decimal(%q) = %s, %d; want %s, %d", tt.in, a.String(), st, tt.want, tt.st)
		}
	}
}

// Resolve's first-character filter never changes a tag: every first byte
// before the tails of every pattern (and of texts) resolves as by testing
// every pattern.
func TestResolveFirstCharacter(t *testing.T) {
	tails := []string{
		"", "~", "ull", "ULL", "ul", "es", "ES", "o", "O", "rue", "RUE", "alse", "ALSE", "n", "N", "ff", "FF",
		"0", "1", "12", "1_000", "1.5", ".5", "5.", "e+3", ".5e-3", "b101", "x1F", "o17", "17", "12:30", "1:30.5",
		"inf", ".inf", "Inf", "nan", "NaN", "aN", "<", "=", "001-12-14", "2001-12-14", "002-01-01t10:00:00Z",
		"gent 1", "_H1", "IQ_H1", "ut/balances.csv",
	}
	for b := range 256 {
		for _, tail := range tails {
			s := string([]byte{byte(b)}) + tail
			if got, want := Resolve(s), resolvePatterns(s); got != want {
				t.Errorf("Resolve(%q) = %v, want %v", s, got, want)
			}
		}
	}
}
