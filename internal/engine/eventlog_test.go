package engine

import (
	"math"
	"testing"

	"github.com/bilancio-go/bilancio/internal/pynum"
)

// TestConstStrs holds constIndex to constStrs.
func TestConstStrs(t *testing.T) {
	for i, x := range constStrs {
		if got := constIndex(x); got != i {
			t.Errorf("constIndex(%q) = %d, want %d", x, got, i)
		}
	}
	if constIndex("H1") != -1 {
		t.Error("constIndex of an agent id")
	}
}

// TestCompactValues checks that compact values give back what was put in,
// at the edges of what fits in 8 bytes and past them (boxed).
func TestCompactValues(t *testing.T) {
	s := &system{}
	t.Run("ints", func(t *testing.T) {
		for _, n := range []int64{0, 1, -1, 30, 1<<27 - 1, 1 << 27, -1 << 27, -1<<27 - 1, cvIntMax, -cvIntMax, cvIntMax + 1, -cvIntMax - 1,
			math.MaxInt64, math.MinInt64} {
			v := s.ev.value(nil, s.cInt(n))
			if v.Kind != IntValue || v.Int() != n {
				t.Errorf("int %d came back as %v %d", n, v.Kind, v.Int())
			}
		}
	})
	t.Run("amounts", func(t *testing.T) {
		amounts := []pynum.Amount{pynum.Int(0), pynum.Int(36), pynum.Int(-36), pynum.Dec(5, -1), pynum.Dec(-5, -1),
			pynum.Int(cvCoefMax), pynum.Int(-cvCoefMax), pynum.Int(cvCoefMax + 1), pynum.Int(-cvCoefMax - 1),
			pynum.Int(math.MaxInt64), pynum.Dec(1, -128), pynum.Dec(1, 127), pynum.Dec(1, -129), pynum.Dec(1, 128),
			pynum.Dec(8333333333333334, -13), pynum.Dec(0, 0), pynum.Int(1<<18 - 1), pynum.Int(1 << 18), pynum.Int(-1 << 18),
			pynum.Int(-1<<18 - 1), pynum.Dec(-499999, -2)}
		big, err := pynum.ParseDecimal("833.33333333333333333333333333")
		if err != nil {
			t.Fatal(err)
		}
		amounts = append(amounts, big, pynum.Sub(pynum.Int(0), big))
		for _, a := range amounts {
			v := s.ev.value(nil, s.cAmount(a))
			if v.Kind != AmountValue || pynum.Cmp(v.Amount(), a) != 0 || v.Amount().String() != a.String() ||
				v.Amount().IsDecimal() != a.IsDecimal() {
				t.Errorf("amount %s came back as %s", a, v.Amount())
			}
			if v2 := s.ev.value(nil, s.cValue(AmountV(a))); v2.Amount().String() != a.String() {
				t.Errorf("amount value %s came back as %s", a, v2.Amount())
			}
		}
	})
	t.Run("strings", func(t *testing.T) {
		for _, x := range []string{"", "payable", "expel-agent", "anything", "H1"} {
			if v := s.ev.value(nil, s.cStr(x)); v.Kind != StringValue || v.Str() != x {
				t.Errorf("string %q came back as %v %q", x, v.Kind, v.Str())
			}
		}
		if v := s.ev.value(nil, s.cStrOrNull("x", false)); v.Kind != NullValue {
			t.Errorf("null came back as %v", v.Kind)
		}
	})
	if len(s.ev.wide) == 0 {
		t.Error("no value kept wide: want both forms tried")
	}
	t.Run("bools", func(t *testing.T) {
		for _, b := range []bool{false, true} {
			if v := s.ev.value(nil, cBool(b)); v.Kind != BoolValue || v.Bool() != b {
				t.Errorf("bool %v came back as %v %v", b, v.Kind, v.Bool())
			}
		}
	})
	t.Run("floats of amounts", func(t *testing.T) {
		price, err := pynum.ParseDecimal("108.8288905717531200000000000")
		if err != nil {
			t.Fatal(err)
		}
		for _, tt := range []struct {
			a    pynum.Amount
			want string
		}{{pynum.Int(99), "99.0"}, {pynum.Dec(5, -1), "0.5"}, {price, "108.82889057175312"}, {pynum.Dec(-1, -7), "-1e-07"}} {
			if v := s.ev.value(nil, s.cFloatOf(tt.a)); v.Kind != FloatValue || v.Str() != tt.want {
				t.Errorf("float(%s) came back as %v %q, want %q", tt.a, v.Kind, v.Str(), tt.want)
			}
		}
		// Printed once, read again; a rollback forgets what it cut off.
		first := s.ev.floatReprOf(0)
		m := s.ev.mark()
		c := s.cFloatOf(pynum.Int(7))
		if v := s.ev.value(nil, c); v.Str() != "7.0" || s.ev.floatReprOf(0) != first {
			t.Errorf("float(7) came back as %q, first as %q", v.Str(), s.ev.floatReprOf(0))
		}
		s.ev.truncate(m)
		if v := s.ev.value(nil, s.cFloatOf(pynum.Int(8))); v.Str() != "8.0" {
			t.Errorf("float(8) after a rollback came back as %q", v.Str())
		}
	})
}
