package ring

import (
	"math/big"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/bilancio-go/bilancio/internal/pynum"
	"github.com/bilancio-go/bilancio/internal/pyrandom"
	"github.com/bilancio-go/bilancio/internal/pyyaml"
)

// testdata/bilancio/*.yaml were written by bilancio's own data-era generator
// (commit 7690a61d, ring_explorer.compile_ring_explorer) under CPython
// 3.11.7, PyYAML 6.0.3 and pydantic 2.13, dumped as its sweep runner dumps
// them (run.default_handling set when given, yaml.safe_dump(sort_keys=False,
// allow_unicode=False)); the S1 and L0 strings are str() of its Decimal sums
// of the create_payable and mint_cash amounts. The cases cover every
// monotonicity branch, the three liquidity modes, L0 given instead of
// Q_total, both given, the clamp leaving S1 above Q_total, and a non-ASCII
// name prefix.
func TestGenerateMatchesBilancio(t *testing.T) {
	cases := []struct {
		name   string
		params Params
		s1, l0 string
	}{
		{"mono_half_uniform", Params{NAgents: 7, Seed: 5, Kappa: dec(t, "1.5"), QTotal: dec(t, "1000"), Concentration: dec(t, "0.3"),
			Monotonicity: dec(t, "0.5"), MaturityDays: 5, Mu: dec(t, "0.5"), DefaultHandling: "fail-fast"},
			"1000.016395229133791427994262", "666.6666666666666666666666665"},
		{"mono_neg_single_at", Params{NAgents: 6, Seed: 11, Kappa: dec(t, "0.8"), QTotal: dec(t, "999.99"), Concentration: dec(t, "3.7"),
			Monotonicity: dec(t, "-0.25"), MaturityDays: 7, Mu: dec(t, "0.25"), Liquidity: SingleAt, LiquidityAgent: "H3", DefaultHandling: "expel-agent"},
			"999.9899999999999999999999999", "1249.9875"},
		{"mono_one_vector", Params{NAgents: 4, Seed: 1<<32 + 5, Kappa: dec(t, "2"), QTotal: dec(t, "100"), Concentration: dec(t, "1"),
			Monotonicity: dec(t, "1"), MaturityDays: 1, Mu: dec(t, "1"), Liquidity: VectorMode,
			LiquidityVector: []pynum.Amount{*dec(t, "1"), *dec(t, "2.5"), *dec(t, "3"), *dec(t, "0.5")}},
			"100.0000000000000000000000000", "50.00000000000000000000000000"},
		{"mono_minus_one_l0_given", Params{NAgents: 5, Seed: 77, Kappa: dec(t, "3"), LiquidityTotal: dec(t, "250"), Concentration: dec(t, "0.5"),
			Monotonicity: dec(t, "-1"), MaturityDays: 10, Mu: dec(t, "0.75"), DefaultHandling: "expel-agent"},
			"749.9999999999999999999999999", "250"},
		{"both_totals", Params{NAgents: 8, Seed: 9, Kappa: dec(t, "0.5"), QTotal: dec(t, "10000.0"), LiquidityTotal: dec(t, "5000.00"),
			Concentration: dec(t, "2"), Monotonicity: dec(t, "0"), MaturityDays: 10, Mu: dec(t, "1"), DefaultHandling: "expel-agent"},
			"10000.00000000000000000000000", "5000.00"},
		{"tiny_amounts", Params{NAgents: 3, Seed: 0, Kappa: dec(t, "1E+1"), QTotal: dec(t, "1.5E+3"), Concentration: dec(t, "0.2"),
			Monotonicity: dec(t, "0.9"), MaturityDays: 2, Mu: dec(t, "0.5")},
			"1500.000000000000000000000000", "150"},
		{"n50_clamp", Params{NAgents: 50, Seed: 123, Kappa: dec(t, "0.25"), QTotal: dec(t, "500.0"), Concentration: dec(t, "0.2"),
			Monotonicity: dec(t, "0.3"), MaturityDays: 4, Mu: dec(t, "0.3"), Liquidity: SingleAt, LiquidityAgent: "H50", DefaultHandling: "fail-fast"},
			"500.0000000000000000000000000", "2000"},
		{"unicode_prefix", Params{NamePrefix: "Sweep \u03b2: a long prefix, to fold the name line past the eighty-column width",
			NAgents: 3, Seed: 1, Kappa: dec(t, "4"), QTotal: dec(t, "10"), Concentration: dec(t, "5"), MaturityDays: 3},
			"10.00000000000000000000000000", "2.500000000000000000000000000"},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			if tt.params.NamePrefix == "" {
				tt.params.NamePrefix = "Test Ring"
			}
			g, err := Generate(tt.params)
			if err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile("testdata/bilancio/" + tt.name + ".yaml")
			if err != nil {
				t.Fatal(err)
			}
			if string(g.YAML) != string(want) {
				d, err := compareYAML(g.YAML, want)
				t.Errorf("scenario differs from bilancio's (%+v, %v)", d, err)
			}
			if got := g.S1.String(); got != tt.s1 {
				t.Errorf("S1 %s, want %s", got, tt.s1)
			}
			if got := g.L0.String(); got != tt.l0 {
				t.Errorf("L0 %s, want %s", got, tt.l0)
			}
		})
	}
}

func dec(t *testing.T, s string) *pynum.Amount { return mustDec(t, s) }

// hexFloat parses a float.hex() string.
func hexFloat(t *testing.T, s string) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// HEAD's rule derives L0 = Q_total·kappa: with Q_total 10000.0 and kappa 0.5
// it gives the both_totals scenario above (L0 5000.00), which the data-era
// rule gives only when L0 is passed explicitly.
func TestKappaRules(t *testing.T) {
	head, err := Generate(Params{NAgents: 8, Seed: 9, Kappa: dec(t, "0.5"), KappaRule: LiquidityOverDebt, QTotal: dec(t, "10000.0"),
		Concentration: dec(t, "2"), MaturityDays: 10, Mu: dec(t, "1"), DefaultHandling: "expel-agent", NamePrefix: "Test Ring"})
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("testdata/bilancio/both_totals.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if string(head.YAML) != string(want) || head.L0.String() != "5000.00" || head.KappaRule != LiquidityOverDebt {
		t.Errorf("HEAD rule: L0 %s, rule %s, scenario equal %v", head.L0.String(), head.KappaRule, string(head.YAML) == string(want))
	}

	tests := []struct {
		rule          KappaRule
		q, l0, kappa  string
		wantQ, wantL0 string
	}{
		// Decimal("10000.0") / Decimal("0.25") is 4.000E+4 (spec §8.1).
		{DebtOverLiquidity, "10000.0", "", "0.25", "10000.0", "4.000E+4"},
		{DebtOverLiquidity, "10000.0", "", "2", "10000.0", "5000.0"},
		{LiquidityOverDebt, "10000.0", "", "0.25", "10000.0", "2500.000"},
		{DebtOverLiquidity, "", "250", "3", "750", "250"},
		{LiquidityOverDebt, "", "250", "4", "62.5", "250"},
		{LiquidityOverDebt, "", "100", "3", "33.33333333333333333333333333", "100"},
		{"", "500.0", "", "4", "500.0", "125.0"}, // the default is the data-era rule
	}
	for _, tt := range tests {
		p := Params{Seed: 1, Kappa: dec(t, tt.kappa), KappaRule: tt.rule}
		if tt.q != "" {
			p.QTotal = dec(t, tt.q)
		}
		if tt.l0 != "" {
			p.LiquidityTotal = dec(t, tt.l0)
		}
		g, err := Generate(p)
		if err != nil {
			t.Fatal(err)
		}
		if q, l := g.QTotal.String(), g.LiquidityTotal.String(); q != tt.wantQ || l != tt.wantL0 {
			t.Errorf("%s Q=%q L0=%q kappa=%s: got Q %s, L0 %s; want %s, %s", tt.rule, tt.q, tt.l0, tt.kappa, q, l, tt.wantQ, tt.wantL0)
		}
	}
	for _, s := range []string{"debt-over-liquidity", "debt_over_liquidity", "liquidity-over-debt"} {
		if _, err := ParseKappaRule(s); err != nil {
			t.Errorf("ParseKappaRule(%q): %v", s, err)
		}
	}
	if _, err := ParseKappaRule("debt/liquidity"); err == nil {
		t.Error("ParseKappaRule accepted a bad rule")
	}
}

// Due days from bilancio's _build_due_days(n, days, Decimal(mu)); lead =
// round(mu·(days−1)) rounds half to even (0.5·9 = 4.5 → 4, 0.25·2 = 0.5 → 0).
func TestDueDays(t *testing.T) {
	tests := []struct {
		n, days int
		mu      string
		want    []int
	}{
		{7, 10, "0.5", []int{7, 1, 5, 9, 3, 7, 1}},
		{7, 10, "0.25", []int{9, 1, 3, 5, 7, 9, 1}},
		{7, 10, "0.75", []int{4, 1, 8, 5, 2, 9, 6}},
		{12, 10, "1", []int{2, 1, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1}},
		{5, 10, "0.05", []int{1, 1, 1, 1, 1}},
		{5, 1, "1", []int{1, 1, 1, 1, 1}},
		{6, 3, "0.25", []int{1, 1, 1, 1, 1, 1}},
		{6, 2, "0.5", []int{1, 1, 1, 1, 1, 1}},
		{6, 4, "0.5", []int{3, 1, 3, 1, 3, 1}},
	}
	for _, tt := range tests {
		if got := dueDays(tt.n, tt.days, *dec(t, tt.mu)); !slices.Equal(got, tt.want) {
			t.Errorf("dueDays(%d, %d, %s) = %v, want %v", tt.n, tt.days, tt.mu, got, tt.want)
		}
	}
}

func TestLiquidityModes(t *testing.T) {
	strs := func(ds []pynum.Amount) []string {
		var out []string
		for _, d := range ds {
			out = append(out, d.String())
		}
		return out
	}
	base := Params{NAgents: 3, Seed: 1, Kappa: dec(t, "1"), QTotal: dec(t, "100")}
	tests := []struct {
		mode   LiquidityMode
		agent  string
		vector []string
		want   []string
		mints  int
	}{
		{Uniform, "", nil, []string{"33.33333333333333333333333333", "33.33333333333333333333333333", "33.33333333333333333333333333"}, 3},
		{SingleAt, "H2", nil, []string{"0", "100", "0"}, 1},
		{SingleAt, "", nil, []string{"100", "0", "0"}, 1}, // H1 by default
		{VectorMode, "", []string{"1", "1", "2"}, []string{"25", "25", "50"}, 3},
		{VectorMode, "", []string{"1", "1", "1"}, []string{"33.33333333333333333333333333", "33.33333333333333333333333333", "33.33333333333333333333333334"}, 3},
	}
	for _, tt := range tests {
		p := base
		p.Liquidity, p.LiquidityAgent = tt.mode, tt.agent
		for _, v := range tt.vector {
			p.LiquidityVector = append(p.LiquidityVector, *dec(t, v))
		}
		g, err := Generate(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := strs(g.Liquidity); !slices.Equal(got, tt.want) {
			t.Errorf("%s %s %v: %v, want %v", tt.mode, tt.agent, tt.vector, got, tt.want)
		}
		if got := strings.Count(string(g.YAML), "- mint_cash:"); got != tt.mints {
			t.Errorf("%s %s: %d mint_cash actions, want %d", tt.mode, tt.agent, got, tt.mints)
		}
	}
}

// Orderings from bilancio's _apply_monotonicity on [3, 1, 2, 1.0, 5] with
// random.Random(1), and the next random() after it (which shows how many
// draws the swaps consumed).
func TestMonotonicity(t *testing.T) {
	input := []string{"3", "1", "2", "1.0", "5"}
	tests := []struct {
		m    float64
		want []string
		next string // random().hex() afterwards; "" when no draw is made
	}{
		{0, []string{"3", "1", "2", "1.0", "5"}, ""},
		{1e-10, []string{"3", "1", "2", "1.0", "5"}, ""},
		{1, []string{"5", "3", "2", "1", "1.0"}, ""},
		{-1, []string{"1", "1.0", "2", "3", "5"}, ""},
		{0.5, []string{"1", "5", "2", "3", "1.0"}, "0x1.f390b203a0e3cp-2"},
		{-0.9, []string{"2", "1", "1.0", "3", "5"}, "0x1.0530d08f17f5cp-2"},
	}
	for _, tt := range tests {
		var amounts []pynum.Amount
		for _, s := range input {
			amounts = append(amounts, *dec(t, s))
		}
		rng := pyrandom.New(1)
		var got []string
		for _, d := range applyMonotonicity(amounts, tt.m, rng) {
			got = append(got, d.String())
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("m=%v: %v, want %v", tt.m, got, tt.want)
		}
		next := rng.Random()
		if tt.next != "" && next != hexFloat(t, tt.next) {
			t.Errorf("m=%v: next random() %x, want %s", tt.m, next, tt.next)
		}
		if tt.next == "" && next != pyrandom.New(1).Random() {
			t.Errorf("m=%v: drew random numbers", tt.m)
		}
	}
}

// bilancio's _fmt_decimal.
func TestFmtDecimal(t *testing.T) {
	for in, want := range map[string]string{
		"10000.0": "10000", "2.50": "2.5", "1E-7": "0.0000001", "1E+3": "1000",
		"0.000": "0", "-0.50": "-0.5", "123.456000": "123.456",
	} {
		if got := fmtDecimal(*dec(t, in)); got != want {
			t.Errorf("fmtDecimal(%s) = %s, want %s", in, got, want)
		}
	}
}

// fmtDecimal and decimalNode read a Decimal's normalised digits
// (pynum.NormalizedDigits); they must print what the normalised Decimal's
// coefficient and float say, for values of every form (int64, 128-bit and
// larger coefficients, 28-digit quotients, rounded ones).
func TestNormalizedTexts(t *testing.T) {
	ins := []string{"0", "-0", "0E-7", "5", "-5", "10000.0", "2.50", "1E-7", "1E+3", "-0.50", "123.456000",
		"0.3333333333333333333333333333", "166.6666666666666666666666667", "-98765432109876543210.5",
		"123456789012345678901234567890123", "1.00000000000000000000000000000000001", "9E+40", "1E-30"}
	third := pynum.Quo(pynum.Dec(500, 0), pynum.Dec(3, 0))
	for _, in := range ins {
		d := *dec(t, in)
		for _, a := range []pynum.Amount{d, pynum.Mul(d, third), pynum.Add(d, pynum.Dec(1, -20))} {
			norm := pynum.Normalize(a)
			coef, exp := norm.Coefficient()
			var want string
			if exp >= 0 {
				want = new(big.Int).Mul(coef, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(exp)), nil)).String()
				if got := decimalNode(a); got.Kind != pyyaml.IntNode || got.Text != want {
					t.Errorf("decimalNode(%s) = %+v, want int %s", a, got, want)
				}
			} else {
				if got, want := decimalNode(a), pyyaml.Float(norm.Float64()); got.Kind != want.Kind || got.Text != want.Text {
					t.Errorf("decimalNode(%s) = %+v, want %+v", a, got, want)
				}
				neg := coef.Sign() < 0
				digits := coef.Abs(coef).String()
				if k := len(digits) + int(exp); k > 0 {
					want = digits[:k] + "." + digits[k:]
				} else {
					want = "0." + strings.Repeat("0", -k) + digits
				}
				if neg {
					want = "-" + want
				}
			}
			if got := fmtDecimal(a); got != want {
				t.Errorf("fmtDecimal(%s) = %s, want %s", a, got, want)
			}
		}
	}
}

func TestGenerateErrors(t *testing.T) {
	ok := Params{NAgents: 5, Seed: 1, Kappa: dec(t, "1"), QTotal: dec(t, "100")}
	tests := []struct {
		name   string
		mutate func(*Params)
		want   string
	}{
		{"kappa zero", func(p *Params) { p.Kappa = dec(t, "0") }, "kappa must be greater than 0"},
		{"kappa negative", func(p *Params) { p.Kappa = dec(t, "-2") }, "kappa must be greater than 0"},
		{"kappa missing", func(p *Params) { p.Kappa = nil }, "kappa is required"},
		{"n below 3", func(p *Params) { p.NAgents = 2 }, "n_agents must be between 3 (a ring needs three agents) and 1000000, got 2"},
		{"unknown agent", func(p *Params) { p.Liquidity, p.LiquidityAgent = SingleAt, "H6" }, `agent "H6" not in ring`},
		{"no totals", func(p *Params) { p.QTotal = nil }, "either Q_total or the liquidity total"},
		{"negative total", func(p *Params) { p.QTotal = dec(t, "-100") }, "must be positive"},
		{"liquidity total zero", func(p *Params) { p.LiquidityTotal = dec(t, "0") }, "the liquidity total L0 must be greater than 0, got 0"},
		{"concentration", func(p *Params) { p.Concentration = dec(t, "0") }, "concentration must be greater than 0"},
		{"monotonicity", func(p *Params) { p.Monotonicity = dec(t, "1.5") }, "monotonicity must be between -1 and 1"},
		{"mu", func(p *Params) { p.Mu = dec(t, "1.01") }, "mu must be between 0 and 1"},
		{"days", func(p *Params) { p.MaturityDays = -1 }, "maturity_days must be at least 1"},
		{"mode", func(p *Params) { p.Liquidity = "spread" }, `unknown liquidity mode "spread"`},
		{"vector length", func(p *Params) { p.Liquidity, p.LiquidityVector = VectorMode, []pynum.Amount{*dec(t, "1")} }, "liquidity vector has 1 values"},
		{"vector sign", func(p *Params) { p.Liquidity, p.LiquidityVector = VectorMode, []pynum.Amount{*dec(t, "0")} }, "positive values"},
		{"kappa rule", func(p *Params) { p.KappaRule = "inverse" }, `kappa_rule must be "debt-over-liquidity"`},
		{"default handling", func(p *Params) { p.DefaultHandling = "ignore" }, `default_handling must be "fail-fast"`},
		{"original with monotonicity", func(p *Params) { p.Revision, p.Monotonicity = Original, dec(t, "0.5") }, "no monotonicity"},
		{"revision", func(p *Params) { p.Revision = "v9" }, `unknown generator revision "v9"`},
		{"quiet days", func(p *Params) { q := -1; p.QuietDays = &q }, "quiet_days must be 0 or more"},
	}
	for _, tt := range tests {
		p := ok
		tt.mutate(&p)
		_, err := Generate(p)
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "ring: ") {
			t.Errorf("%s: error %v, want one containing %q", tt.name, err, tt.want)
		}
	}
	if _, err := Generate(ok); err != nil {
		t.Errorf("valid parameters: %v", err)
	}
}

// The run block: max_days = max(30, days+5) and quiet_days 2 unless given;
// no default_handling key unless set.
func TestRunBlock(t *testing.T) {
	q := 0
	g, err := Generate(Params{Seed: 1, Kappa: dec(t, "1"), QTotal: dec(t, "100"), MaturityDays: 40, QuietDays: &q})
	if err != nil {
		t.Fatal(err)
	}
	if g.MaxDays != 45 || g.QuietDays != 0 || !strings.Contains(string(g.YAML), "  max_days: 45\n  quiet_days: 0\n") {
		t.Errorf("max_days %d, quiet_days %d", g.MaxDays, g.QuietDays)
	}
	if strings.Contains(string(g.YAML), "default_handling") {
		t.Error("default_handling written although not set")
	}
	if !strings.HasPrefix(g.Name, DefaultNamePrefix+" (n=5, kappa=1, c=1, mu=0)") {
		t.Errorf("name %q", g.Name)
	}
	g, err = Generate(Params{Seed: 1, Kappa: dec(t, "1"), QTotal: dec(t, "100"), MaxDays: 7, DefaultHandling: "expel-agent"})
	if err != nil {
		t.Fatal(err)
	}
	if g.MaxDays != 7 || g.QuietDays != 2 || !strings.HasSuffix(string(g.YAML), "  default_handling: expel-agent\n") {
		t.Errorf("max_days %d, quiet_days %d, tail %q", g.MaxDays, g.QuietDays, g.YAML[len(g.YAML)-40:])
	}
}

// ParseCLIFloat is Decimal(str(float(s))), ParseDecimal is Decimal(s).
func TestParseNumbers(t *testing.T) {
	for in, want := range map[string]string{"10000": "10000.0", "500": "500.0", "0.1": "0.1", "1e-5": "0.00001", "1e17": "1E+17", "2.50": "2.5"} {
		d, err := ParseCLIFloat(in)
		if err != nil || d.String() != want {
			t.Errorf("ParseCLIFloat(%q) = %v, %v; want %s", in, d, err, want)
		}
	}
	for in, want := range map[string]string{"0.50": "0.50", "2": "2", "1E+1": "1E+1"} {
		d, err := ParseDecimal(in)
		if err != nil || d.String() != want {
			t.Errorf("ParseDecimal(%q) = %v, %v; want %s", in, d, err, want)
		}
	}
	if _, err := ParseCLIFloat("ten"); err == nil {
		t.Error("ParseCLIFloat accepted a non-number")
	}
	if _, err := ParseDecimal("two"); err == nil {
		t.Error("ParseDecimal accepted a non-number")
	}
}
