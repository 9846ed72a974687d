package pyrandom

import (
	"math"
	"testing"
)

// Correctly rounded references, produced with CPython 3.11's decimal module
// at 60 digits from the exact value of each float (random inputs from
// random.Random(2024)):
//
//	getcontext().prec = 60
//	float(Decimal(x).ln()).hex(), float(Decimal(x).exp()).hex(),
//	float(Decimal(x) ** Decimal(y)).hex()
var logVectors = [][2]string{
	{"0x1.e15f76174224ap-2", "-0x1.827905faf5079p-1"},
	{"0x1.74df0ea503bb8p-1", "-0x1.44b3922cfba9dp-2"},
	{"0x1.370a9899a035ep-2", "-0x1.310925775f701p+0"},
	{"0x1.c64bf56e4e114p-1", "-0x1.e9c6844d7125fp-4"},
	{"0x1.a3ee4360ec7d6p-2", "-0x1.c8633b14372aep-1"},
	{"0x1.6ee814f08d538p-1", "-0x1.5536f066273fap-2"},
	{"0x1.0f9621443f420p-2", "-0x1.53c2cf6d6b992p+0"},
	{"0x1.f619eea2da958p-3", "-0x1.67e3a11fd75c5p+0"},
	{"0x1.a00ab2ef0e35dp-1", "-0x1.a90a287ab6192p-3"},
	{"0x1.fe42b7ad55850p-2", "-0x1.64a23a53fc6a1p-1"},
	{"0x1.a9da60437f86ep-2", "-0x1.c137a02fe4c69p-1"},
	{"0x1.749cd86766d4cp-1", "-0x1.456978060c3f2p-2"},
	{"0x1.ed2f0ecdf5cb9p-1", "-0x1.32baf3a562333p-5"},
	{"0x1.3cf539c59c482p-2", "-0x1.2c36404f66b9cp+0"},
	{"0x1.687a861522a12p-1", "-0x1.67503c169dbcfp-2"},
	{"0x1.ffffee92cfaebp-1", "-0x1.16d309d3bc0f8p-21"},
	{"0x1.ffffe775aa2b0p-1", "-0x1.88a566b8ebaf5p-21"},
	{"0x1.ffffde74f58c9p-1", "-0x1.0c585c65c8ce8p-20"},
	{"0x1.fffff913318cep-1", "-0x1.bb339fc74bb1fp-23"},
	{"0x1.ffffe6bf4b8d1p-1", "-0x1.940b5125ceb89p-21"},
	{"0x1.c98d4de8fdf50p+18", "0x1.a1d5e96b616a6p+3"},
	{"0x1.5a355c330a41dp+19", "0x1.af17d6b779e73p+3"},
	{"0x1.a9bc576fefa23p+19", "0x1.b5b5c30fa2709p+3"},
	{"0x1.21c9b38229841p+17", "0x1.7d0a06ac4320ep+3"},
	{"0x1.9f41890f40516p+17", "0x1.888d1092c105dp+3"},
	{"0x1.1a7956c8c0907p-998", "-0x1.59d4cc0d8d5cfp+9"},
	{"0x1.40db2ddacc230p-1001", "-0x1.5acea856419bcp+9"},
	{"0x1.df4648495474bp-999", "-0x1.59e9d91452ca8p+9"},
	{"0x1.0000000000000p+2", "0x1.62e42fefa39efp+0"},
	{"0x1.2000000000000p+2", "0x1.810b375dce91ep+0"},
	{"0x1.0000000000000p-1", "-0x1.62e42fefa39efp-1"},
	{"0x1.0000000000000p+1", "0x1.62e42fefa39efp-1"},
	{"0x1.1ccf385ebc8a0p+1023", "0x1.62991d5d62a5ep+9"},
}
var expVectors = [][2]string{
	{"-0x1.ab288155d6000p+2", "0x1.4b0f8fcc74d41p-10"},
	{"-0x1.e10b8b6bf3063p+4", "0x1.8ac84f4ec9396p-44"},
	{"0x1.37af41563c0aap+4", "0x1.13284b8f25bf8p+28"},
	{"0x1.5065f6f456b9ep+4", "0x1.425b1256a14fep+30"},
	{"-0x1.18d1095622b74p+3", "0x1.43f1e950d86fep-13"},
	{"-0x1.8c0a8c82077e0p+3", "0x1.1b06ac1fe3a7bp-18"},
	{"-0x1.7e87f68bec3a4p+4", "0x1.6bfe35acb5b34p-35"},
	{"-0x1.76bfb2f6cb578p+2", "0x1.776c1fce103c3p-9"},
	{"-0x1.d5e09d8a56f8cp+3", "0x1.c2accf5d17233p-22"},
	{"-0x1.6e01c74f31745p+4", "0x1.ff316db512c8ap-34"},
	{"0x1.d6c8e2811db3cp+4", "0x1.5db00243e825ep+42"},
	{"-0x1.5abf839f480bcp+4", "0x1.a9de5c4cc0216p-32"},
	{"-0x1.26169a1401ddcp+5", "0x1.f3bd96bd1ef71p-54"},
	{"-0x1.5fb8034617d6fp+4", "0x1.3824ac3326354p-32"},
	{"-0x1.3392183250c88p+5", "0x1.7295e71614bc8p-56"},
	{"0x1.f63809b3360acp-28", "0x1.0000001f6380ap+0"},
	{"0x1.d8bbb4f8661b8p-28", "0x1.0000001d8bbb5p+0"},
	{"-0x1.f0e9e584ae8b2p-29", "0x1.ffffffe0f161bp-1"},
	{"-0x1.5e40000000000p+9", "0x1.4ff475c68ca02p-1011"},
	{"0x1.5e40000000000p+9", "0x1.8625c7d4f56c2p+1010"},
	{"-0x1.7400000000000p+9", "0x0.0000000000002p-1022"},
}
var powVectors = [][3]string{
	{"0x1.ebb278e47da3ep-1", "0x1.4000000000000p+2", "0x1.a239449771b48p-1"},
	{"0x1.9bd7df6d214abp-1", "0x1.4000000000000p+2", "0x1.58d57931b2e92p-2"},
	{"0x1.af27854e8d464p-2", "0x1.4000000000000p+2", "0x1.b19ff585c8635p-7"},
	{"0x1.cae4e6a989818p-4", "0x1.0000000000000p+1", "0x1.9b4beb0126eabp-7"},
	{"0x1.b3e303e9c64f3p-1", "0x1.0000000000000p+1", "0x1.7316a44e344b1p-1"},
	{"0x1.36a13f71f1935p-1", "0x1.0000000000000p+1", "0x1.78eaeb38d21bfp-2"},
	{"0x1.d8460a3c6fc14p-3", "0x1.aaaaaaaaaaaabp+1", "0x1.ecd3134492ec6p-8"},
	{"0x1.fd7bf25db680ep-1", "0x1.aaaaaaaaaaaabp+1", "0x1.f7a96fa6d1d18p-1"},
	{"0x1.767cd2116bdeap-2", "0x1.aaaaaaaaaaaabp+1", "0x1.1e899a61ff637p-5"},
	{"0x1.9feee65e684f8p-3", "0x1.6db6db6db6db7p+0", "0x1.a41926121fa84p-4"},
	{"0x1.f92e964c38ebap-2", "0x1.6db6db6db6db7p+0", "0x1.7532cc3745b18p-2"},
	{"0x1.ac4b832832c2cp-1", "0x1.6db6db6db6db7p+0", "0x1.8cc00b32a0dc5p-1"},
	{"0x1.2194d1430e07cp-3", "-0x1.0000000000000p-1", "0x1.54666cc672b81p+1"},
	{"0x1.8c90f1cfd38d2p-2", "-0x1.0000000000000p-1", "0x1.9b5e98540b009p+0"},
	{"0x1.595a9caaf1b3cp-2", "-0x1.0000000000000p-1", "0x1.b8d0fe8d44355p+0"},
	{"0x1.e14e6fad58847p-1", "-0x1.999999999999ap-1", "0x1.0cfaaa254a13dp+0"},
	{"0x1.ff92926d9dc2cp-1", "-0x1.999999999999ap-1", "0x1.002bcddad7b6ap+0"},
	{"0x1.dc1ebd6e3cf46p-2", "-0x1.999999999999ap-1", "0x1.d865857b2dfc4p+0"},
	{"0x1.5bc830af1f7f8p-3", "-0x1.3333333333333p-2", "0x1.b3c26bee58b38p+0"},
	{"0x1.6424563123fd2p-1", "-0x1.3333333333333p-2", "0x1.1d73de3745c1fp+0"},
	{"0x1.b8ed324872d99p-1", "-0x1.3333333333333p-2", "0x1.0bbd188f214fbp+0"},
	{"0x1.53c6e5f656c34p-2", "0x1.0624dd2f1a9fcp-10", "0x1.ff6f7bc012c85p-1"},
	{"0x1.a7c0c494bdca4p-3", "0x1.0624dd2f1a9fcp-10", "0x1.ff31a9adbbde3p-1"},
	{"0x1.5f86868430549p-1", "0x1.0624dd2f1a9fcp-10", "0x1.ffceb87ba8ce5p-1"},
	{"0x1.ebbde184af39fp+1", "-0x1.999999999999ap-1", "0x1.5ce1bc25cf5bdp-2"},
	{"0x1.9769186013a8ep+4", "-0x1.999999999999ap-1", "0x1.33590aaddbd1dp-4"},
	{"0x1.200c64a3143e6p+0", "-0x1.999999999999ap-1", "0x1.d1e587f83228ap-1"},
}

func TestCorrectlyRounded(t *testing.T) {
	for _, v := range logVectors {
		x, want := hexFloat(t, v[0]), hexFloat(t, v[1])
		if got := crLog(x); got != want {
			t.Errorf("log(%s) = %x, want %s", v[0], got, v[1])
		}
	}
	for _, v := range expVectors {
		x, want := hexFloat(t, v[0]), hexFloat(t, v[1])
		if got := crExp(x); got != want {
			t.Errorf("exp(%s) = %x, want %s", v[0], got, v[1])
		}
	}
	for _, v := range powVectors {
		x, y, want := hexFloat(t, v[0]), hexFloat(t, v[1]), hexFloat(t, v[2])
		if got := crPow(x, y); got != want {
			t.Errorf("pow(%s, %s) = %x, want %s", v[0], v[1], got, v[2])
		}
	}
}

// The special values follow C99 (and so Python where it does not raise).
func TestCorrectlyRoundedSpecials(t *testing.T) {
	eq := func(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }
	cases := []struct {
		name      string
		got, want float64
	}{
		{"log(0)", crLog(0), math.Inf(-1)},
		{"log(-1)", crLog(-1), math.NaN()},
		{"log(inf)", crLog(math.Inf(1)), math.Inf(1)},
		{"log(1)", crLog(1), 0},
		{"exp(0)", crExp(0), 1},
		{"exp(1000)", crExp(1000), math.Inf(1)},
		{"exp(-1000)", crExp(-1000), 0},
		{"exp(nan)", crExp(math.NaN()), math.NaN()},
		{"pow(0, 5)", crPow(0, 5), 0},
		{"pow(2, 0)", crPow(2, 0), 1},
		{"pow(1, 7.5)", crPow(1, 7.5), 1},
		{"pow(0.5, 3)", crPow(0.5, 3), 0.125},
		{"pow(3, 1)", crPow(3, 1), 3},
	}
	for _, c := range cases {
		if !eq(c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

// Against Go's math package, which is accurate to about an ulp, over many
// inputs: a gross error in the series or the reduction would show here.
func TestCorrectlyRoundedNearGoMath(t *testing.T) {
	r := New(99)
	for range 2000 {
		u := r.Random()
		if u == 0 {
			continue
		}
		if d := ulps(crLog(u), math.Log(u)); d > 2 {
			t.Fatalf("log(%x): %d ulp from math.Log", u, d)
		}
		x := 80*u - 40
		if d := ulps(crExp(x), math.Exp(x)); d > 2 {
			t.Fatalf("exp(%x): %d ulp from math.Exp", x, d)
		}
		if d := ulps(crPow(u, 1/0.3), math.Pow(u, 1/0.3)); d > 4 {
			t.Fatalf("pow(%x, 1/0.3): %d ulp from math.Pow", u, d)
		}
	}
}

// The double-double fast paths agree with the big.Float evaluations over
// inputs spread across the ranges gammavariate uses and beyond.
func TestFastPathsAgreeWithBigFloat(t *testing.T) {
	r := New(2024)
	ys := []float64{1 / 0.3, 5, 2, 1 / 0.7, -0.5, -0.8, -0.3, 0.9, 1e-3, 37.5}
	for i := range 1500 {
		u := r.Random()
		if u == 0 {
			continue
		}
		// log over many binades, including subnormals and values near 1.
		for _, x := range []float64{u, 1 + (u-0.5)*1e-9, math.Ldexp(u, int(r.Randrange(2100))-1075), u * 1e6} {
			if x > 0 {
				if got, want := crLog(x), slowLog(x); got != want {
					t.Fatalf("log(%x) = %x, big.Float %x", x, got, want)
				}
			}
		}
		x := 1400*u - 700
		if got, want := crExp(x), slowExp(x); got != want {
			t.Fatalf("exp(%x) = %x, big.Float %x", x, got, want)
		}
		y := ys[i%len(ys)]
		for _, b := range []float64{u, 1 + 40*u} {
			if got, want := crPow(b, y), slowPow(b, y); got != want {
				t.Fatalf("pow(%x, %x) = %x, big.Float %x", b, y, got, want)
			}
		}
	}
}
