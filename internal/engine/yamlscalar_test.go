package engine

import (
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/bilancio-go/bilancio/internal/pynum"
)

// resolvedText prints v as "type value" in Python's terms: what
// yaml.safe_load followed by bilancio's pre-processing gives.
func resolvedText(v yamlValue) string {
	switch v.kind {
	case valNull:
		return "None"
	case valBool:
		if v.b {
			return "bool True"
		}
		return "bool False"
	case valInt:
		return "int " + v.i.String()
	case valFloat:
		return "float " + pynum.FloatRepr(v.f)
	case valDecimal:
		return "Decimal " + v.d.String()
	case valString:
		return "str " + v.text
	case valTimestamp:
		return "timestamp"
	}
	return "other"
}

// TestResolvePlainScalars checks plain scalars against the results of
// PyYAML 6 safe_load plus bilancio's preprocess_config.
func TestResolvePlainScalars(t *testing.T) {
	tests := []struct{ in, want string }{
		{"1", "int 1"},
		{"1.5", "float 1.5"},
		{"1.0e-05", "float 1e-05"},
		{"1e-05", "Decimal 0.00001"},
		{"1.0e5", "Decimal 1.0E+5"},
		{"1.", "float 1.0"},
		{".5", "float 0.5"},
		{"+.5", "Decimal 0.5"},
		{"._5", "Decimal 0.5"},
		{".inf", "float inf"},
		{"-.Inf", "float -inf"},
		{".NaN", "float nan"},
		{"0x1F", "int 31"},
		{"0b101", "int 5"},
		{"010", "int 8"},
		{"09", "Decimal 9"},
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
		{"~", "None"},
		{"null", "None"},
		{"nULL", "str nULL"},
		{"2024-01-02", "timestamp"},
		{"2024-01-02 10:11:12", "timestamp"},
		{"2024-01-02T10:11:12.5+05:30", "timestamp"},
		{"abc", "str abc"},
		{"1E+5", "Decimal 1E+5"},
		{"-0.0", "float -0.0"},
		{"833.3333333333334", "float 833.3333333333334"},
		{"36.2198", "float 36.2198"},
		{"100.0", "float 100.0"},
		{"1e400", "Decimal 1E+400"},
		{"1.0e+400", "float inf"},
		{"1.0e-400", "float 0.0"},
		{"12345678901234567890123", "int 12345678901234567890123"},
		{"Infinity", "str Infinity"},
		{"-inf", "str -inf"},
		{"nan", "str nan"},
		{"1_", "int 1"},
		{"_1", "Decimal 1"},
		{"1.2.3", "str 1.2.3"},
		{"+1_0", "int 10"},
		{"-0b1", "int -1"},
		{"08", "Decimal 8"},
		{"0_", "int 0"},
	}
	for _, tt := range tests {
		v, err := resolveValue(&yaml.Node{Kind: yaml.ScalarNode, Value: tt.in})
		if err != nil {
			t.Errorf("%q: %v", tt.in, err)
			continue
		}
		if got := resolvedText(v); got != tt.want {
			t.Errorf("%q resolves to %s, want %s", tt.in, got, tt.want)
		}
	}
	// Scalars PyYAML refuses to construct.
	for _, in := range []string{"0x_", "0b_", "2024-13-45", "2023-02-29", "0000-01-01", "2024-01-01 24:00:00", "<<"} {
		if v, err := resolveValue(&yaml.Node{Kind: yaml.ScalarNode, Value: in}); err == nil {
			t.Errorf("%q resolves to %s, want an error", in, resolvedText(v))
		}
	}
}

// TestResolveQuotedStrings checks bilancio's pre-processing of strings,
// which follows Python's Decimal(): whitespace stripped, underscores dropped,
// Unicode digits accepted, infinities and NaN left as strings.
func TestResolveQuotedStrings(t *testing.T) {
	tests := []struct{ in, want string }{
		{"0.5", "Decimal 0.5"},
		{"100", "Decimal 100"},
		{"  5 ", "Decimal 5"},
		{"\u00a05\u2003", "Decimal 5"},
		{"\x1c5\x1c", "Decimal 5"},
		{"_5_", "Decimal 5"},
		{"5 _", "str 5 _"},
		{"1__0", "Decimal 10"},
		{"١٢", "Decimal 12"},
		{"５", "Decimal 5"},
		{"𝟘5", "Decimal 5"},
		{"1e٢", "Decimal 1E+2"},
		{"5.", "Decimal 5"},
		{".", "str ."},
		{"e5", "str e5"},
		{"1e", "str 1e"},
		{"Infinity", "str Infinity"},
		{"-inf", "str -inf"},
		{"NaN12", "str NaN12"},
		{"sNaN", "str sNaN"},
		{"0x10", "str 0x10"},
		{"1 0", "str 1 0"},
		{"\u200b5", "str \u200b5"},
		{"H1", "str H1"},
	}
	for _, tt := range tests {
		v, err := resolveValue(&yaml.Node{Kind: yaml.ScalarNode, Style: yaml.DoubleQuotedStyle, Value: tt.in})
		if err != nil {
			t.Errorf("%q: %v", tt.in, err)
			continue
		}
		if got := resolvedText(v); got != tt.want {
			t.Errorf("%q resolves to %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestDecimalInt64(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		st   intStatus
	}{
		{"3.0", 3, intOK},
		{"3E+1", 30, intOK},
		{"-7.000", -7, intOK},
		{"0.000", 0, intOK},
		{"3.5", 0, intFractional},
		{"1E-1000", 0, intFractional},
		{"9223372036854775807", 9223372036854775807, intOK},
		{"9223372036854775808", 0, intOutOfRange},
		{"1E+30", 0, intOutOfRange},
		{"1E+100000", 0, intOutOfRange},
	}
	for _, tt := range tests {
		a, err := pynum.ParseDecimal(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		if got, st := decimalInt64(a); got != tt.want || st != tt.st {
			t.Errorf("decimalInt64(%s) = %d, %d; want %d, %d", tt.in, got, st, tt.want, tt.st)
		}
	}
}
