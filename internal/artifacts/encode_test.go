package artifacts

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/bilancio-go/bilancio/internal/engine"
	"github.com/bilancio-go/bilancio/internal/pynum"
)

func dec(t *testing.T, s string) *pynum.Amount {
	t.Helper()
	d, err := pynum.ParseDecimal(s)
	if err != nil {
		t.Fatal(err)
	}
	return &d
}

// ptr returns a pointer to a copy of a.
func ptr(a pynum.Amount) *pynum.Amount { return &a }

// Expected texts are Python 3.11's json.dumps output.
func TestAppendJSON(t *testing.T) {
	tests := []struct {
		name   string
		v      JSON
		indent int // < 0: compact
		want   string
	}{
		{"escapes", JSONString("\x7f\x00\x1f\u2028é😀/<>&\"\\\b\f\n\r\t"), -1,
			`"\u007f\u0000\u001f\u2028\u00e9\ud83d\ude00/<>&\"\\\b\f\n\r\t"`},
		{"invalid utf-8", JSONString("a\xffb"), -1, `"a\ufffdb"`},
		{"compact", JSONObject(
			Member{"a", JSONString("x")},
			Member{"f", JSONArray(JSONFloat(1), JSONFloat(1e16), JSONFloat(math.NaN()), JSONFloat(math.Inf(1)), JSONFloat(math.Inf(-1)))},
			Member{"e", JSONObject()},
			Member{"l", JSONArray()},
			Member{"b", JSONArray(JSONBool(true), JSONBool(false), JSONNull(), JSONInt(-3))},
		), -1, `{"a": "x", "f": [1.0, 1e+16, NaN, Infinity, -Infinity], "e": {}, "l": [], "b": [true, false, null, -3]}`},
		{"indent", JSONObject(
			Member{"a", JSONArray(JSONInt(1), JSONObject(Member{"b", JSONArray()}), JSONObject())},
			Member{"c", JSONObject()},
			Member{"d", JSONArray(JSONArray())},
		), 2, "{\n  \"a\": [\n    1,\n    {\n      \"b\": []\n    },\n    {}\n  ],\n  \"c\": {},\n  \"d\": [\n    []\n  ]\n}"},
		{"empty list indented", JSONArray(), 2, "[]"},
		{"decimals", JSONArray(
			JSONDecimal(dec(t, "0.1243941841680129240710823910")), JSONDecimal(dec(t, "5000")),
			JSONDecimal(dec(t, "7500.0000000000001")), JSONDecimal(ptr(pynum.Quo(*dec(t, "10000.0"), *dec(t, "0.25")))),
			JSONDecimal(dec(t, "0E-28")), JSONDecimal(dec(t, "0.0000001")), JSONDecimal(nil),
			JSONAmount(pynum.Int(36)), JSONAmount(pynum.Dec(500, -1)), JSONAmount(pynum.Dec(8333333333333334, -13)),
		), -1, `["0.124394184168012924071082391", 5000, "7500.0000000000001", 40000, 0, "1E-7", null, 36, 50, "833.3333333333334"]`},
	}
	for _, tt := range tests {
		var got []byte
		if tt.indent < 0 {
			got = AppendJSON(nil, tt.v)
		} else {
			got = AppendJSONIndent(nil, tt.v, tt.indent)
		}
		if string(got) != tt.want {
			t.Errorf("%s:\n got  %s\n want %s", tt.name, got, tt.want)
		}
	}
}

// Expected texts are Python 3.11's csv.writer output.
func TestAppendCSVRecord(t *testing.T) {
	tests := []struct {
		fields []string
		want   string
	}{
		{[]string{" a", "a b", "\t", "é", `x"y`, "a,b", "l\nm", "c\rd", ""}, " a,a b,\t,é,\"x\"\"y\",\"a,b\",\"l\nm\",\"c\rd\",\r\n"},
		{[]string{""}, "\"\"\r\n"},
		{nil, "\r\n"},
		{[]string{"", ""}, ",\r\n"},
		{[]string{"day"}, "day\r\n"},
		{[]string{"no net creditors, no net debtors", "x"}, "\"no net creditors, no net debtors\",x\r\n"},
	}
	for _, tt := range tests {
		if got := string(AppendCSVRecord(nil, tt.fields)); got != tt.want {
			t.Errorf("AppendCSVRecord(%q) = %q, want %q", tt.fields, got, tt.want)
		}
	}
}

func TestReadCSVDicts(t *testing.T) {
	rows, err := ReadCSVDicts(strings.NewReader("a,b,c\r\n1,\"x,\"\"y\"\"\"\r\n\r\n4,5,6,7\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0]["a"] != "1" || rows[0]["b"] != `x,"y"` || rows[0]["c"] != "" || rows[1]["c"] != "6" {
		t.Errorf("rows = %q", rows)
	}
	if _, ok := rows[0]["c"]; ok {
		t.Errorf("missing cell present")
	}
}

const specEvents = `{"kind": "CashMinted", "day": 0, "phase": "setup", "to": "H1", "amount": 50, "instr_id": "C_7dab26280ace", "alias": "LIQ_H1"}
{"kind": "CashMinted", "day": 0, "phase": "setup", "to": "big_mid", "amount": "416.6666666666667", "instr_id": "C_7dab26280acf", "alias": "LIQ_big"}
{"kind": "PayableCreated", "day": 0, "phase": "setup", "debtor": "H1", "creditor": "H2", "amount": 36, "due_day": 2, "payable_id": "PAY_858b2120f2b1", "alias": null}
{"kind": "PhaseA", "day": 1, "phase": "simulation"}
{"kind": "CashTransferred", "day": 1, "phase": "simulation", "frm": "H2", "to": "H3", "amount": 50, "instr_id": "C_2826fcca97a2"}
{"kind": "PartialSettlement", "day": 1, "phase": "simulation", "contract_id": "PAY_ee62db061b6e", "alias": "P_H2_H3", "debtor": "H2", "creditor": "H3", "contract_kind": "payable", "settlement_kind": "payable", "amount_paid": 50, "shortfall": 90, "original_amount": 140, "distribution": [{"method": "cash", "amount": 50}]}
{"kind": "X", "day": 1, "phase": "simulation", "note": "caf\u00e9 \ud83d\ude00", "flag": true, "big": 123456789012345678901234567890, "obj": {"amount": "0.50", "e": {}}, "list": [], "amount_str": "0.50"}
`

func TestEventsWriteAndRead(t *testing.T) {
	want := []engine.Event{
		{Kind: "CashMinted", Day: 0, Phase: "setup", Fields: []engine.Field{
			{Key: "to", Val: engine.Str("H1")}, {Key: "amount", Val: engine.AmountV(pynum.Dec(500, -1))},
			{Key: "instr_id", Val: engine.Str("C_7dab26280ace")}, {Key: "alias", Val: engine.Str("LIQ_H1")}}},
		{Kind: "CashMinted", Day: 0, Phase: "setup", Fields: []engine.Field{
			{Key: "to", Val: engine.Str("big_mid")}, {Key: "amount", Val: engine.AmountV(pynum.Dec(4166666666666667, -13))},
			{Key: "instr_id", Val: engine.Str("C_7dab26280acf")}, {Key: "alias", Val: engine.Str("LIQ_big")}}},
		{Kind: "PayableCreated", Day: 0, Phase: "setup", Fields: []engine.Field{
			{Key: "debtor", Val: engine.Str("H1")}, {Key: "creditor", Val: engine.Str("H2")},
			{Key: "amount", Val: engine.AmountV(pynum.Int(36))}, {Key: "due_day", Val: engine.IntV(2)},
			{Key: "payable_id", Val: engine.Str("PAY_858b2120f2b1")}, {Key: "alias", Val: engine.StrOrNull("", false)}}},
		{Kind: "PhaseA", Day: 1, Phase: "simulation"},
		{Kind: "CashTransferred", Day: 1, Phase: "simulation", Fields: []engine.Field{
			{Key: "frm", Val: engine.Str("H2")}, {Key: "to", Val: engine.Str("H3")},
			{Key: "amount", Val: engine.AmountV(pynum.Int(50))}, {Key: "instr_id", Val: engine.Str("C_2826fcca97a2")}}},
		{Kind: "PartialSettlement", Day: 1, Phase: "simulation", Fields: []engine.Field{
			{Key: "contract_id", Val: engine.Str("PAY_ee62db061b6e")}, {Key: "alias", Val: engine.Str("P_H2_H3")},
			{Key: "debtor", Val: engine.Str("H2")}, {Key: "creditor", Val: engine.Str("H3")},
			{Key: "contract_kind", Val: engine.Str("payable")}, {Key: "settlement_kind", Val: engine.Str("payable")},
			{Key: "amount_paid", Val: engine.IntV(50)}, {Key: "shortfall", Val: engine.IntV(90)},
			{Key: "original_amount", Val: engine.IntV(140)},
			{Key: "distribution", Val: engine.ListV(engine.ObjectV(
				engine.Field{Key: "method", Val: engine.Str("cash")}, engine.Field{Key: "amount", Val: engine.IntV(50)}))}}},
	}
	var buf bytes.Buffer
	if err := WriteEvents(&buf, want); err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(specEvents, "\n")
	if wantText := strings.Join(lines[:6], ""); buf.String() != wantText {
		t.Errorf("events.jsonl:\n%s\nwant:\n%s", buf.String(), wantText)
	}

	got, err := ReadEvents(strings.NewReader(specEvents + "\n  \n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 7 {
		t.Fatalf("%d events, want 7", len(got))
	}
	if a, ok := got[1].GetAmount("amount"); !ok || !a.IsDecimal() || a.String() != "416.6666666666667" {
		t.Errorf("decimal amount read as %v, %v", a, ok)
	}
	if v, _ := got[0].Get("amount"); v.Kind != engine.IntValue || v.Int() != 50 {
		t.Errorf("int amount read as %+v", v)
	}
	if v, _ := got[6].Get("amount_str"); v.Kind != engine.StringValue {
		t.Errorf("non-amount key read as %+v", v)
	}
	if v, _ := got[6].Get("big"); v.Kind != engine.AmountValue || v.Amount().IsDecimal() {
		t.Errorf("big int read as %+v", v)
	}
	var again bytes.Buffer
	if err := WriteEvents(&again, got); err != nil {
		t.Fatal(err)
	}
	if again.String() != specEvents {
		t.Errorf("round trip:\n%s\nwant:\n%s", again.String(), specEvents)
	}
}

// TestReadEventsFloats: Python floats (dealer_trade prices) read back as
// FloatValue and are written again as the same text.
func TestReadEventsFloats(t *testing.T) {
	line := `{"kind": "dealer_trade", "day": 0, "phase": "simulation", "price": 108.82889057175312, "face": 99.0, "unit_price": 1e-05}` + "\n"
	evs, err := ReadEvents(strings.NewReader(line))
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := evs[0].Get("face"); v.Kind != engine.FloatValue || v.Str() != "99.0" {
		t.Errorf("face = %+v", v)
	}
	var out bytes.Buffer
	if err := WriteEvents(&out, evs); err != nil {
		t.Fatal(err)
	}
	if out.String() != line {
		t.Errorf("round trip:\n%s\nwant:\n%s", out.String(), line)
	}
}

func TestReadEventsErrors(t *testing.T) {
	for _, text := range []string{
		`{"kind": "X", "day": 1, "phase": "s", "price": 1.50}`,
		`{"kind": "X", "day": 1, "phase": "s", "price": 1e400}`,
		`{"day": 1, "phase": "s"}`,
		`{"kind": "X", "day": "1", "phase": "s"}`,
		`[1]`,
		`{"kind": "X", "day": 1, "phase": "s"} {}`,
		`{"kind": "X", "day": 1, `,
	} {
		if _, err := ReadEvents(strings.NewReader(text + "\n")); err == nil {
			t.Errorf("ReadEvents(%s): no error", text)
		}
	}
}

// appendJSONStringBytewise is AppendJSONString as it was written before it
// looked at eight bytes at a time: one byte at a time, the reference.
func appendJSONStringBytewise(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	u4 := func(dst []byte, r rune) []byte {
		return append(dst, '\\', 'u', hex[r>>12&0xf], hex[r>>8&0xf], hex[r>>4&0xf], hex[r&0xf])
	}
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c >= ' ' && c <= '~' && c != '"' && c != '\\':
			dst = append(dst, c)
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c == '\n':
			dst = append(dst, `\n`...)
		case c == '\r':
			dst = append(dst, `\r`...)
		case c == '\t':
			dst = append(dst, `\t`...)
		case c == '\b':
			dst = append(dst, `\b`...)
		case c == '\f':
			dst = append(dst, `\f`...)
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			i += size
			if r > 0xffff {
				r -= 0x10000
				dst = u4(dst, 0xd800+(r>>10))
				dst = u4(dst, 0xdc00+(r&0x3ff))
				continue
			}
			dst = u4(dst, r)
			continue
		}
		i++
	}
	return append(dst, '"')
}

// TestAppendJSONStringEveryByte puts every byte value at every place of
// strings of 1 to 19 bytes (so in every lane of the eight-byte test, and
// in the tail after it) and compares with the bytewise reference.
func TestAppendJSONStringEveryByte(t *testing.T) {
	for n := 1; n <= 19; n++ {
		for at := range n {
			for c := range 256 {
				b := []byte(strings.Repeat("a~ ", 7)[:n])
				b[at] = byte(c)
				s := string(b)
				if got, want := AppendJSONString(nil, s), appendJSONStringBytewise(nil, s); string(got) != string(want) {
					t.Fatalf("%q:\n got  %s\n want %s", s, got, want)
				}
			}
		}
	}
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "plain ascii text, long enough", "é😀\x7f\x00\"\\\n", "a\xffb\xc3", "0123456789abcdef\u2028"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := AppendJSONString(nil, s), appendJSONStringBytewise(nil, s); string(got) != string(want) {
			t.Fatalf("%q:\n got  %s\n want %s", s, got, want)
		}
	})
}
