package ring

import (
	"strings"
	"testing"

	"github.com/bilancio-go/bilancio/internal/pynum"
)

// balancedN5 is a small valid balanced parameter set (the n = 5 example of
// spec/dealer.md §12.1).
func balancedN5(t *testing.T, mode BalancedMode) BalancedParams {
	t.Helper()
	return BalancedParams{
		Params: Params{NAgents: 5, Seed: 70, MaturityDays: 10, Kappa: mustDec(t, "0.5"),
			QTotal: mustDec(t, "10000"), Concentration: mustDec(t, "0.2"), Mu: mustDec(t, "0.75")},
		Mode:            mode,
		OutsideMidRatio: mustDec(t, "0.75"),
	}
}

func TestGenerateBalancedValidation(t *testing.T) {
	tests := []struct {
		name   string
		modify func(p *BalancedParams)
		err    string // "" when valid
	}{
		{"valid passive", func(p *BalancedParams) { p.Mode = Passive }, ""},
		{"valid active", func(*BalancedParams) {}, ""},
		{"defaults", func(p *BalancedParams) {
			p.FaceValue, p.OutsideMidRatio, p.BigEntityShare, p.VBTShare = nil, nil, nil, nil
		}, ""},
		{"fractional face value", func(p *BalancedParams) { p.FaceValue = mustDec(t, "20.9") }, ""},
		{"missing mode", func(p *BalancedParams) { p.Mode = "" }, "unknown balanced mode"},
		{"bad mode", func(p *BalancedParams) { p.Mode = "dealer" }, "unknown balanced mode"},
		{"zero face value", func(p *BalancedParams) { p.FaceValue = mustDec(t, "0") }, "face_value must be greater than 0"},
		{"face value below one in active mode", func(p *BalancedParams) { p.FaceValue = mustDec(t, "0.5") }, "at least 1 in active mode"},
		{"face value below one in passive mode", func(p *BalancedParams) { p.Mode, p.FaceValue = Passive, mustDec(t, "0.5") }, ""},
		{"negative rho", func(p *BalancedParams) { p.OutsideMidRatio = mustDec(t, "-0.5") }, "outside_mid_ratio must be greater than 0"},
		{"zero rho", func(p *BalancedParams) { p.OutsideMidRatio = mustDec(t, "0") }, "outside_mid_ratio must be greater than 0"},
		{"zero beta", func(p *BalancedParams) { p.BigEntityShare = mustDec(t, "0") }, "big_entity_share must be greater than 0"},
		{"zero vbt share", func(p *BalancedParams) { p.VBTShare = mustDec(t, "0") }, "vbt_share must be greater than 0"},
		{"original revision", func(p *BalancedParams) { p.Revision = Original }, "clamped revision"},
		{"ring: no kappa", func(p *BalancedParams) { p.Kappa = nil }, "kappa is required"},
		{"ring: too few agents", func(p *BalancedParams) { p.NAgents = 2 }, "n_agents must be between 3"},
		{"ring: bad default handling", func(p *BalancedParams) { p.DefaultHandling = "ignore" }, "default_handling must be"},
		{"ring: mu out of range", func(p *BalancedParams) { p.Mu = mustDec(t, "1.5") }, "mu must be between 0 and 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := balancedN5(t, Active)
			tt.modify(&p)
			g, err := GenerateBalanced(p)
			switch {
			case tt.err == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.err == "":
				if g == nil || len(g.YAML) == 0 {
					t.Fatal("no scenario")
				}
			case err == nil:
				t.Fatalf("no error, want %q", tt.err)
			case !strings.Contains(err.Error(), tt.err) || !strings.HasPrefix(err.Error(), "ring: balanced: "):
				t.Fatalf("error %q, want one containing %q", err, tt.err)
			}
		})
	}
}

// The n = 5 example of spec/dealer.md §12.1: each Hi owes 500 to a big
// entity in rotation, each big entity is minted 625 (ρ 0.75), the ring is
// scaled by 1.25, and the texts, agents, balances and trailing blocks are
// bilancio's.
func TestGenerateBalancedStructure(t *testing.T) {
	for _, mode := range []BalancedMode{Passive, Active} {
		t.Run(string(mode), func(t *testing.T) {
			p := balancedN5(t, mode)
			g, err := GenerateBalanced(p)
			if err != nil {
				t.Fatal(err)
			}
			ring, err := Generate(p.Params)
			if err != nil {
				t.Fatal(err)
			}
			prefix := map[BalancedMode]string{Passive: BalancedPassivePrefix, Active: BalancedActivePrefix}[mode]
			wantName := prefix + " (n=5, kappa=0.5, c=0.2, mu=0.75) [Balanced " + string(mode) + "]"
			if g.Name != wantName {
				t.Errorf("name %q, want %q", g.Name, wantName)
			}
			if want := "L0=20000 (kappa=0.5)"; !strings.Contains(g.Description, want) ||
				!strings.HasSuffix(g.Description, "; balanced mode="+string(mode)+", β=0.25, ρ=0.75") {
				t.Errorf("description %q", g.Description)
			}
			if len(g.Payables) != 10 || len(g.Liquidity) != 8 {
				t.Fatalf("%d payables, %d liquidity entries", len(g.Payables), len(g.Liquidity))
			}
			for i := range 5 {
				want := pynum.Mul(ring.Payables[i].Amount, pynum.Dec(125, -2))
				if got := g.Payables[i]; pynum.Cmp(got.Amount, want) != 0 || got.DueDay != ring.Payables[i].DueDay {
					t.Errorf("ring payable %d: %s due %d, want %s due %d", i, got.Amount.String(), got.DueDay, want.String(), ring.Payables[i].DueDay)
				}
				big := g.Payables[5+i]
				if wantTo := "big_" + []string{"short", "mid", "long"}[i%3]; big.From != agentID(i) || big.To != wantTo ||
					pynum.Cmp(big.Amount, pynum.Dec(500, 0)) != 0 || big.DueDay != ring.Payables[i].DueDay {
					t.Errorf("big payable %d: %+v", i, big)
				}
				if pynum.Cmp(g.Liquidity[i], pynum.Dec(5000, 0)) != 0 {
					t.Errorf("H%d cash %s, want 5000", i+1, g.Liquidity[i].String())
				}
			}
			for i := 5; i < 8; i++ {
				if pynum.Cmp(g.Liquidity[i], pynum.Dec(625, 0)) != 0 {
					t.Errorf("big entity cash %s, want 625", g.Liquidity[i].String())
				}
			}
			if got := g.L0.String(); got != "26875.00000000000000000000000" {
				t.Errorf("L0 %s", got)
			}
			y := string(g.YAML)
			for _, want := range []string{
				"- id: big_long\n  kind: household\n  name: Big Entity (long)\n",
				"    alias: P_H4_big_short_big\n",
				"- mint_cash:\n    to: big_mid\n    amount: 625\n    alias: LIQ_big_mid\n",
				"    balances:\n    - CB\n    - H1\n",
				"  default_handling: fail-fast\n_balanced_config:\n  face_value: 20.0\n  outside_mid_ratio: 0.75\n  big_entity_share: 0.25\n  mode: " + string(mode) + "\n",
			} {
				if !strings.Contains(y, want) {
					t.Errorf("scenario lacks %q", want)
				}
			}
			dealer := "dealer:\n  enabled: true\n  ticket_size: 20\n  dealer_share: '0'\n  vbt_share: '0.50'\n"
			if got := strings.HasSuffix(y, "\n"+dealer); got != (mode == Active) {
				t.Errorf("dealer block at the end: %v, want %v", got, mode == Active)
			}
			if mode == Passive && strings.Contains(y, "dealer:") {
				t.Error("passive scenario has a dealer block")
			}
		})
	}
}

// int(face_value) truncates, and vbt_share is written as str(Decimal).
func TestGenerateBalancedDealerBlock(t *testing.T) {
	p := balancedN5(t, Active)
	p.FaceValue, p.VBTShare = mustDec(t, "20.9"), mustDec(t, "0.5")
	g, err := GenerateBalanced(p)
	if err != nil {
		t.Fatal(err)
	}
	y := string(g.YAML)
	if !strings.HasSuffix(y, "  ticket_size: 20\n  dealer_share: '0'\n  vbt_share: '0.5'\n") || !strings.Contains(y, "  face_value: 20.9\n") {
		t.Errorf("scenario tail:\n%s", y[strings.Index(y, "_balanced_config"):])
	}
}
