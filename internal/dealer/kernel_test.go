package dealer

import (
	"strconv"
	"testing"

	"github.com/bilancio-go/bilancio/internal/pynum"
)

// dec parses a Python Decimal literal for a test.
func dec(t *testing.T, s string) pynum.Amount {
	t.Helper()
	a, err := pynum.ParseDecimal(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// kernelCase is one dealer state and what bilancio's kernel derives from it.
type kernelCase struct {
	name                            string
	s, m, o, cash                   string
	a                               int
	vbtA, vbtB                      string
	x, v                            string
	kStar                           int64
	xStar                           string
	n                               int64
	lambda, i, mid, bid, ask        string
	pinBid, pinAsk, canBuy, canSell bool
}

// kernelCases were produced by /tmp/dv/gen.py, which builds bilancio's own
// VBTState and DealerState (src/bilancio/dealer/models.py, data era, with `a`
// dummy tickets in the inventory), runs kernel.recompute_dealer_state,
// can_interior_buy and can_interior_sell under python3, and prints str() of
// every Decimal. The first four rows are the worked examples of spec §3.4.
var kernelCases = []kernelCase{
	{"short kappa2 empty", "1", "1.0", "0.20", "416.6666666666666666666666667", 0, "1.10", "0.90", "0", "416.6666666666666666666666667", 416, "416", 417, "0.002398081534772182254196642686", "0.0004796163069544364508393285372", "1.099521531100478468899521531", "1.099281722947001250674101867", "1.099761339253955687124941195", false, false, true, false},
	{"mid kappa2 empty", "1", "1.0", "0.30", "416.6666666666666666666666667", 0, "1.15", "0.85", "0", "416.6666666666666666666666667", 416, "416", 417, "0.002398081534772182254196642686", "0.0007194244604316546762589928058", "1.149282296650717703349282297", "1.148922584420501876011152801", "1.149642008880933530687411793", false, false, true, false},
	{"long kappa2 empty", "1", "1.0", "0.40", "416.6666666666666666666666667", 0, "1.20", "0.80", "0", "416.6666666666666666666666667", 416, "416", 417, "0.002398081534772182254196642686", "0.0009592326139088729016786570744", "1.199043062200956937799043062", "1.198563445894002501348203733", "1.199522678507911374249882391", false, false, true, false},
	{"long after one buy", "1", "1.0", "0.40", "415.4681032207726641653184630", 1, "1.20", "0.80", "1", "416.4681032207726641653184630", 416, "416", 417, "0.002398081534772182254196642686", "0.0009592326139088729016786570744", "1.198086124401913875598086124", "1.197606508094959439147246795", "1.198565740708868312048925453", false, false, true, true},
	{"balanced S20 no capital", "20", "1.0", "0.20", "0", 0, "1.10", "0.90", "0", "0.0", 0, "0", 1, "1", "0.20", "1.000", "0.90", "1.10", true, true, false, false},
	{"balanced S20 no capital a3", "20", "1.0", "0.30", "0", 3, "1.15", "0.85", "60", "3.0", 3, "60", 4, "0.25", "0.0750", "0.910", "0.8725", "0.9475", false, false, false, true},
	{"guard M 0.02", "1", "0.02", "0.30", "100", 2, "0.17", "0", "2", "100", 0, "0", 1, "1", "0.30", "0.02", "0", "0.17", true, true, false, false},
	{"guard M 0.01", "20", "0.01", "0.05", "7", 0, "0.035", "0", "0", "7", 0, "0", 1, "1", "0.05", "0.01", "0", "0.035", true, true, false, false},
	{"int M", "1", "1", "0.30", "100", 5, "1.15", "0.85", "5", "105", 105, "105", 106, "0.009433962264150943396226415094", "0.002830188679245283018867924528", "1.133177570093457943925233645", "1.131762475753835302415799683", "1.134592664433080585434667607", false, false, true, true},
	{"odd anchors S2", "2", "0.95", "0.5", "12.345", 7, "1.20", "0.70", "14", "18.995", 19, "38", 20, "0.05", "0.025", "1.009523809523809523809523810", "0.997023809523809523809523810", "1.022023809523809523809523810", false, false, true, true},
	{"clipped B", "1", "0.1", "0.5", "3", 1, "0.35", "0", "1", "3.1", 31, "31", 32, "0.03125", "0.015625", "0.3196969696969696969696969697", "0.3118844696969696969696969697", "0.3275094696969696969696969697", false, false, true, true},
	{"full inventory", "1", "1.0", "0.30", "0.5", 4, "1.15", "0.85", "4", "4.5", 4, "4", 5, "0.2", "0.060", "0.90", "0.870", "0.930", false, false, false, true},
	{"over capacity", "5", "1.0", "0.30", "1", 4, "1.15", "0.85", "20", "5.0", 5, "25", 6, "0.1666666666666666666666666667", "0.05000000000000000000000000001", "0.9357142857142857142857142857", "0.9107142857142857142857142857", "0.9607142857142857142857142857", false, false, true, true},
	{"negative cash", "1", "1.0", "0.30", "-2.5", 1, "1.15", "0.85", "1", "-1.5", -2, "-2", -1, "1", "0.30", "1.0", "0.85", "1.15", true, true, false, false},
	{"huge cash", "1", "1.0", "0.20", "1234567890123456789.5678", 0, "1.10", "0.90", "0", "1234567890123456789.5678", 1234567890123456789, "1234567890123456789", 1234567890123456790, "8.100000072900000656910005919E-19", "1.620000014580000131382001184E-19", "1.099999999999999999837999999", "1.099999999999999999756999998", "1.099999999999999999919000000", false, false, true, false},
	{"S 0.5", "0.5", "1.0", "0.20", "10", 3, "1.10", "0.90", "1.5", "13.0", 13, "6.5", 14, "0.07142857142857142857142857143", "0.01428571428571428571428571429", "1.046666666666666666666666667", "1.039523809523809523809523810", "1.053809523809523809523809524", false, false, true, true},
}

func TestKernel(t *testing.T) {
	for _, c := range kernelCases {
		t.Run(c.name, func(t *testing.T) {
			v := NewVBT("b", dec(t, c.m), dec(t, c.o), pynum.Dec(0, 0))
			d := NewDealer("b", dec(t, c.cash))
			for k := range c.a {
				d.Inventory = append(d.Inventory, &Ticket{ID: "T", Face: pynum.Dec(1, 0), MaturityDay: k})
			}
			s := dec(t, c.s)
			d.Recompute(v, s)
			check := func(what string, got pynum.Amount, want string) {
				t.Helper()
				if got.String() != want {
					t.Errorf("%s = %s, want %s", what, got, want)
				}
			}
			check("A", v.A, c.vbtA)
			check("B", v.B, c.vbtB)
			check("x", d.X, c.x)
			check("V", d.V, c.v)
			check("X*", d.XStar, c.xStar)
			check("lambda", d.Lambda, c.lambda)
			check("I", d.I, c.i)
			check("midline", d.Midline, c.mid)
			check("bid", d.Bid, c.bid)
			check("ask", d.Ask, c.ask)
			if d.A != c.a || d.KStar.String() != strconv.FormatInt(c.kStar, 10) || d.N.String() != strconv.FormatInt(c.n, 10) || d.KStar.IsDecimal() {
				t.Errorf("a, K*, N = %d, %s, %s, want %d, %d, %d (ints)", d.A, d.KStar, d.N, c.a, c.kStar, c.n)
			}
			if d.PinnedBid != c.pinBid || d.PinnedAsk != c.pinAsk {
				t.Errorf("pinned bid/ask = %v/%v, want %v/%v", d.PinnedBid, d.PinnedAsk, c.pinBid, c.pinAsk)
			}
			if got := d.CanInteriorBuy(s); got != c.canBuy {
				t.Errorf("CanInteriorBuy = %v, want %v", got, c.canBuy)
			}
			if got := d.CanInteriorSell(s); got != c.canSell {
				t.Errorf("CanInteriorSell = %v, want %v", got, c.canSell)
			}
		})
	}
}

// TestKernelSequence buys ten tickets into the short dealer at its bid, cash
// falling by the unit bid each time (spec §3.4, §5.3). Vectors from the tail
// of /tmp/dv/gen.py (bilancio's recompute_dealer_state after each purchase);
// as floats the bids are the unit prices of the first day of
// comparison_treatment_0221521f3c84.
func TestKernelSequence(t *testing.T) {
	want := [][3]string{ // bid, ask, cash before each purchase
		{"1.099281722947001250674101867", "1.099761339253955687124941195", "416.6666666666666666666666667"},
		{"1.098803254047479719573623398", "1.099282870354434156024462726", "415.5673849437196654159925648"},
		{"1.098324785147958188473144929", "1.098804401454912624923984257", "414.4685816896721856964189414"},
		{"1.097846316248436657372666460", "1.098325932555391093823505788", "413.3702569045242275079457965"},
		{"1.097367847348915126272187992", "1.097847463655869562723027320", "412.2724105882757908505731300"},
		{"1.096889378449393595171709523", "1.097368994756348031622548851", "411.1750427409268757243009420"},
		{"1.096410909549872064071231054", "1.096890525856826500522070382", "410.0781533624774821291292325"},
		{"1.095922684928979893008669987", "1.096403454159749123777900757", "408.9817424529276100650580014"},
		{"1.095443068622025456557830658", "1.095923837852794687327061428", "407.8858197679986301720493314"},
		{"1.094963452315071020106991330", "1.095444221545840250876222100", "406.7903766993766047154915007"},
		{"1.094483836008116583656152001", "1.094964605238885814425382771", "405.6954132470615336953845094"},
	}
	s := pynum.Dec(1, 0)
	v := NewVBT("short", pynum.Dec(10, -1), pynum.Dec(20, -2), pynum.Dec(0, 0))
	d := NewDealer("short", CapitalPerBucket(pynum.Dec(5000, 0), pynum.Dec(25, -2), 3))
	d.Recompute(v, s)
	for i, w := range want {
		if d.Bid.String() != w[0] || d.Ask.String() != w[1] || d.Cash.String() != w[2] {
			t.Fatalf("step %d: bid, ask, cash = %s, %s, %s, want %s, %s, %s", i, d.Bid, d.Ask, d.Cash, w[0], w[1], w[2])
		}
		if !d.CanInteriorBuy(s) {
			t.Fatalf("step %d: interior buy refused", i)
		}
		d.Inventory = append(d.Inventory, &Ticket{Face: pynum.Dec(99, 0), MaturityDay: 3})
		d.Cash = pynum.Sub(d.Cash, d.Bid)
		d.Recompute(v, s)
	}
	// The event's unit_price is float(bid): spec §3.4 quotes the first and
	// the tenth sale of that day.
	for _, c := range []struct {
		step int
		want string
	}{{0, "1.0992817229470013"}, {1, "1.0988032540474797"}, {9, "1.094963452315071"}} {
		if got := pynum.FloatRepr(dec(t, want[c.step][0]).Float64()); got != c.want {
			t.Errorf("float(bid) at step %d = %s, want %s", c.step, got, c.want)
		}
	}
}

// K* is a Python int of any size: a dealer whose capital has more than 28
// digits (or more than an int64 holds) still gets quotes.
func TestKernelHugeCapital(t *testing.T) {
	for _, c := range []struct{ cash, m, kStar string }{
		{"1E+40", "1.0", "10000000000000000000000000000000000000000"},
		{"12345678901234567890123.9", "1.0", "12345678901234567890123"},
		{"1E+30", "0.5", "2000000000000000000000000000000"},
	} {
		cash, err := pynum.ParseDecimal(c.cash)
		if err != nil {
			t.Fatal(err)
		}
		m, _ := pynum.ParseDecimal(c.m)
		d := NewDealer("b", cash)
		d.Recompute(NewVBT("b", m, pynum.Dec(30, -2), pynum.Dec(0, 0)), pynum.Dec(1, 0))
		if d.KStar.String() != c.kStar || d.KStar.IsDecimal() {
			t.Errorf("cash %s, M %s: K* = %s, want int %s", c.cash, c.m, d.KStar, c.kStar)
		}
		if d.Bid.Sign() <= 0 || pynum.Cmp(d.Bid, d.Ask) > 0 {
			t.Errorf("cash %s: bid %s, ask %s", c.cash, d.Bid, d.Ask)
		}
	}
}
