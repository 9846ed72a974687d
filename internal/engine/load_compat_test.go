package engine

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	ringgen "github.com/bilancio-go/bilancio/internal/ring"
)

// The generator specs of bilancio's examples (testdata/generator, copied
// from bilancio's examples/scenarios at b6885723) compile as bilancio
// compiles them. The expected amounts are the Decimals bilancio's own
// compile_ring_explorer returns for these files (its module run under
// CPython 3.11 with the data-era kappa rule); mints keep the exponent of
// Q_total/kappa/n (2.0E+2), payables are the full 28-digit Decimals, not
// the floats of the YAML bilancio emits. The spec's dealer block is dropped,
// as bilancio drops it, and a note says so at its line.
func TestLoadGeneratorSpec(t *testing.T) {
	type act struct{ kind, from, to, amount string }
	tests := []struct {
		file, name, desc string
		acts             []act
		dues             []int64
		emit             string
		noteLine         int
	}{
		{
			file: "kalecki_with_dealer.yaml", name: "Kalecki Ring with Dealer (n=5, kappa=1, c=1, mu=0.5)",
			desc: "Ring of 5 agents with total dues S1=1000; initial liquidity L0=1000 (kappa=1); Dirichlet concentration c=1; maturity mu=0.5 over 3 day horizon",
			acts: []act{
				{"mint_cash", "", "H1", "2.0E+2"}, {"mint_cash", "", "H2", "2.0E+2"}, {"mint_cash", "", "H3", "2.0E+2"},
				{"mint_cash", "", "H4", "2.0E+2"}, {"mint_cash", "", "H5", "2.0E+2"},
				{"create_payable", "H1", "H2", "345.4093978293322074287675494"},
				{"create_payable", "H2", "H3", "8.576766638805158355470443772"},
				{"create_payable", "H3", "H4", "108.9072633112209385013132770"},
				{"create_payable", "H4", "H5", "85.52988816514735947471751382"},
				{"create_payable", "H5", "H1", "451.5766840554943362397312160"},
			},
			dues:     []int64{3, 1, 2, 3, 1},
			noteLine: 35,
		},
		{
			file: "simple_dealer.yaml", name: "Simple Dealer Demo (n=3, kappa=0.5, c=1, mu=0)",
			desc: "Ring of 3 agents with total dues S1=300; initial liquidity L0=600 (kappa=0.5); Dirichlet concentration c=1; maturity mu=0 over 2 day horizon",
			acts: []act{
				{"mint_cash", "", "H1", "2.0E+2"}, {"mint_cash", "", "H2", "2.0E+2"}, {"mint_cash", "", "H3", "2.0E+2"},
				{"create_payable", "H1", "H2", "24.15550164187258580511420456"},
				{"create_payable", "H2", "H3", "40.97022526028383517356665174"},
				{"create_payable", "H3", "H1", "234.8742730978435790213191437"},
			},
			dues:     []int64{1, 1, 1},
			emit:     "simple_dealer_demo_n_3_kappa_0_5_c_1_mu_0.yaml",
			noteLine: 19,
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join("testdata", "generator", tt.file)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			sc, err := Load(path, data)
			if err != nil {
				t.Fatal(err)
			}
			if sc.Name != tt.name || sc.Description != tt.desc {
				t.Errorf("name %q, description %q", sc.Name, sc.Description)
			}
			if len(sc.InitialActions) != len(tt.acts) {
				t.Fatalf("%d actions, want %d", len(sc.InitialActions), len(tt.acts))
			}
			pays := 0
			for i, a := range sc.InitialActions {
				w := tt.acts[i]
				if a.Kind != w.kind || a.From != w.from || a.To != w.to || a.Amount.String() != w.amount || !a.Amount.IsDecimal() {
					t.Errorf("action %d: %s %s→%s %s, want %+v", i, a.Kind, a.From, a.To, a.Amount, w)
				}
				if a.Kind == ActCreatePayable {
					if a.DueDay != tt.dues[pays] {
						t.Errorf("payable %d due on %d, want %d", pays, a.DueDay, tt.dues[pays])
					}
					pays++
				}
			}
			if sc.Dealer != nil {
				t.Errorf("the spec's dealer block was kept")
			}
			if len(sc.Notes) != 1 || sc.Notes[0].Line != tt.noteLine || !strings.Contains(sc.Notes[0].Msg, "dealer: dropped") {
				t.Errorf("notes %v, want the dealer block dropped at line %d", sc.Notes, tt.noteLine)
			}
			if r := sc.Run; r.MaxDays != 30 || r.QuietDays != 2 || r.DefaultHandling != FailFast || len(r.ShowBalances) != len(tt.dues) || r.ExportEvents != "out/events.jsonl" {
				t.Errorf("run block %+v", r)
			}
			c := sc.Compiled
			wantEmit := ""
			if tt.emit != "" {
				wantEmit = filepath.Join("testdata", "generator", tt.emit)
			}
			if c == nil || c.Generator != GeneratorRingExplorer || c.EmitPath != wantEmit {
				t.Fatalf("compiled %+v, want emit path %q", c, wantEmit)
			}
			// The emitted YAML is bilancio's safe_dump of the compiled
			// scenario: floats for the fractional amounts.
			if !strings.Contains(string(c.YAML), "    amount: 200\n") || !strings.Contains(string(c.YAML), "\nrun:\n  mode: until_stable\n") {
				t.Errorf("emitted YAML:\n%s", c.YAML)
			}
			again, err := Load("compiled.yaml", c.YAML)
			if err != nil || again.Name != sc.Name || len(again.InitialActions) != len(sc.InitialActions) {
				t.Errorf("the emitted YAML does not load back: %v", err)
			}
		})
	}
}

// The revision's kappa rule and generator revision compile the spec: under
// bilancio 2026-01's rule L0 = Q_total·kappa.
func TestLoadGeneratorSpecRules(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "generator", "simple_dealer.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	sc, err := LoadWith("s.yaml", data, LoadRules{Revision: "2026-01", KappaRule: ringgen.LiquidityOverDebt})
	if err != nil {
		t.Fatal(err)
	}
	if got := sc.InitialActions[0].Amount.String(); got != "50.0" {
		t.Errorf("mint under L0 = Q·kappa: %s, want 50.0 (150/3)", got)
	}
	if !strings.Contains(sc.Description, "L0=150 ") {
		t.Errorf("description %q", sc.Description)
	}
}

const genHead = `version: 1
generator: ring_explorer_v1
name_prefix: "G"
`

func TestLoadGeneratorSpecOptions(t *testing.T) {
	sc := mustLoadScenario(t, genHead+`params:
  n_agents: 3
  kappa: 2
  liquidity:
    total: 90
    allocation: {mode: single_at, agent: H2}
  policy_overrides:
    mop_rank: {household: [cash, bank_deposit]}
compile: {out_dir: gen, emit_yaml: true}
description: ignored
`)
	if got := sc.PolicyOverrides["household"]; len(got) != 2 || got[0] != "cash" {
		t.Errorf("policy overrides %v", sc.PolicyOverrides)
	}
	if len(sc.InitialActions) != 4 || sc.InitialActions[0].To != "H2" || sc.InitialActions[0].Amount.String() != "90" {
		t.Errorf("single_at H2: %+v", sc.InitialActions[0])
	}
	if !strings.Contains(sc.Description, "S1=180") {
		t.Errorf("Q_total from liquidity.total·kappa: %q", sc.Description)
	}
	if sc.Compiled.EmitPath != filepath.Join("gen", "g_n_3_kappa_2_c_1_mu_0.yaml") {
		t.Errorf("emit path %q", sc.Compiled.EmitPath)
	}
	if !strings.Contains(string(sc.Compiled.YAML), "description: Ring of 3 agents") || !strings.Contains(string(sc.Compiled.YAML), "policy_overrides:\n  mop_rank:\n    household:\n    - cash\n    - bank_deposit\nagents:") {
		t.Errorf("emitted YAML:\n%s", sc.Compiled.YAML)
	}
	if len(sc.Notes) != 1 || !strings.Contains(sc.Notes[0].Msg, "description: dropped") {
		t.Errorf("notes %v", sc.Notes)
	}
}

func TestLoadGeneratorSpecErrors(t *testing.T) {
	tests := []struct {
		name, src string
		line, col int
		msg       string
	}{
		{"unknown generator", "version: 1\ngenerator: ring_v2\nname_prefix: x\nparams: {kappa: 1, Q_total: 10}\n", 2, 12, `generator: unknown generator "ring_v2"`},
		{"no name_prefix", "generator: ring_explorer_v1\nparams: {kappa: 1, Q_total: 10}\n", 1, 1, `missing required field "name_prefix"`},
		{"no params", "generator: ring_explorer_v1\nname_prefix: x\n", 1, 1, `missing required field "params"`},
		{"version 2", "version: 2\ngenerator: ring_explorer_v1\nname_prefix: x\nparams: {kappa: 1, Q_total: 10}\n", 1, 10, "unsupported generator version 2"},
		{"no totals", genHead + "params: {kappa: 1}\n", 4, 1, "Either params.Q_total or params.liquidity.total must be provided"},
		{"kappa 0", genHead + "params: {kappa: 0, Q_total: 10}\n", 4, 17, "params.kappa: kappa must be > 0"},
		{"two agents", genHead + "params: {n_agents: 2, kappa: 1, Q_total: 10}\n", 4, 20, "n_agents must be >= 3"},
		{"single_at without agent", genHead + "params: {kappa: 1, Q_total: 10, liquidity: {allocation: {mode: single_at}}}\n", 4, 57, "liquidity.allocation.agent is required for single_at mode"},
		{"mu above 1", genHead + "params: {kappa: 1, Q_total: 10, maturity: {mu: 2}}\n", 4, 48, "mu must be between 0 and 1"},
		{"scheme", genHead + "params: {kappa: 1, Q_total: 10, inequality: {scheme: gamma}}\n", 4, 54, `expected one of "dirichlet"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load("g.yaml", []byte(tt.src))
			le, ok := err.(*LoadError)
			if !ok {
				t.Fatalf("err %v, want a *LoadError", err)
			}
			if le.Line != tt.line || le.Col != tt.col || !strings.Contains(le.Msg, tt.msg) {
				t.Errorf("got %d:%d %q, want %d:%d containing %q", le.Line, le.Col, le.Msg, tt.line, tt.col, tt.msg)
			}
		})
	}
}

// Keys that bilancio honours and this engine does not are refused with
// their position, the date bilancio introduced them and what to do, unless
// their value is the one that changes nothing.
func TestLoadRefusesNewerKeys(t *testing.T) {
	const pay = "- create_payable: {from: H1, to: H2, amount: 5, due_day: 2%s}\n"
	base := loadHead + "- mint_cash: {to: H1, amount: 1}\n" // keys below start on line 9
	tests := []struct {
		name  string
		src   string
		rules LoadRules
		line  int
		col   int
		msg   string // "" when accepted
	}{
		{"rollover on", base + "run: {rollover_enabled: true}\n", LoadRules{}, 9, 25, "run.rollover_enabled: not implemented: bilancio honours this key from 2025-12-10"},
		{"rollover off", base + "run: {rollover_enabled: false}\n", LoadRules{}, 0, 0, ""},
		{"rollover not a bool", base + "run: {rollover_enabled: maybe}\n", LoadRules{}, 9, 25, "expected a boolean"},
		{"maturity_distance", loadHead + strings.Replace(pay, "%s", ", maturity_distance: 3", 1), LoadRules{}, 8, 80, "maturity_distance: not implemented: bilancio honours this key from 2025-12-10"},
		{"maturity_distance = due_day", loadHead + strings.Replace(pay, "%s", ", maturity_distance: 2", 1), LoadRules{}, 0, 0, ""},
		{"risk assessment on", base + "dealer: {enabled: true, risk_assessment: {lookback_window: 3}}\n", LoadRules{}, 9, 25, "dealer.risk_assessment: not implemented: bilancio honours this key from 2026-01-13"},
		{"risk assessment explicitly on", base + "dealer:\n  enabled: true\n  risk_assessment: {enabled: yes}\n", LoadRules{}, 11, 30, "dealer.risk_assessment: not implemented"},
		{"risk assessment off", base + "dealer: {enabled: true, risk_assessment: {enabled: false}}\n", LoadRules{}, 0, 0, ""},
		{"risk assessment, dealer off", base + "dealer: {enabled: false, risk_assessment: {}}\n", LoadRules{}, 0, 0, ""},
		{"risk assessment invalid", base + "dealer: {enabled: false, risk_assessment: {lookback_window: 0}}\n", LoadRules{}, 9, 61, "lookback_window must be > 0"},
		{"risk assessment by default", base + "dealer: {enabled: true}\n", LoadRules{Revision: "2026-01", RiskAssessmentByDefault: true}, 9, 10, "dealer: not implemented: bilancio honours this key from 2026-01-13"},
		{"risk assessment off by default", base + "dealer: {enabled: true, risk_assessment: {enabled: false}}\n", LoadRules{Revision: "2026-01", RiskAssessmentByDefault: true}, 0, 0, ""},
		{"no dealer yet", base + "dealer: {enabled: true}\n", LoadRules{Revision: "2025-10", NoDealer: true}, 9, 19, "dealer.enabled: bilancio 2025-10 has no dealer"},
		{"no dealer yet, disabled", base + "dealer: {enabled: false}\n", LoadRules{Revision: "2025-10", NoDealer: true}, 0, 0, ""},
		{"balanced_dealer on", base + "balanced_dealer: {enabled: true}\n", LoadRules{}, 9, 28, "balanced_dealer.enabled: not implemented: bilancio reads this block from 2025-12-04"},
		{"balanced_dealer off", base + "balanced_dealer: {enabled: false, mode: passive}\n", LoadRules{}, 0, 0, ""},
		{"balanced_dealer invalid", base + "balanced_dealer: {outside_mid_ratio: 2}\n", LoadRules{}, 9, 38, "outside_mid_ratio must be between 0 (exclusive) and 1 (inclusive)"},
		{"balanced_dealer null", base + "balanced_dealer: null\n", LoadRules{}, 0, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadWith("s.yaml", []byte(tt.src), tt.rules)
			if tt.msg == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			le, ok := err.(*LoadError)
			if !ok {
				t.Fatalf("err %v, want a *LoadError", err)
			}
			if le.Line != tt.line || le.Col != tt.col || !strings.Contains(le.Msg, tt.msg) {
				t.Errorf("got %d:%d %q, want %d:%d containing %q", le.Line, le.Col, le.Msg, tt.line, tt.col, tt.msg)
			}
		})
	}
}
