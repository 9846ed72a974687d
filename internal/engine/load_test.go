package engine

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/bilancio-go/bilancio/internal/conformance"
	"github.com/bilancio-go/bilancio/internal/pynum"
)

// loadHead is a valid scenario start; initial actions follow from line 8.
const loadHead = `version: 1
name: t
agents:
- {id: CB, kind: central_bank, name: Central Bank}
- {id: H1, kind: household, name: H1}
- {id: H2, kind: household, name: H2}
initial_actions:
`

// loadBanks adds loadBanks and a firm to loadHead; initial actions follow from line 11.
const loadBanks = `version: 1
name: t
agents:
- {id: CB, kind: central_bank, name: Central Bank}
- {id: B1, kind: bank, name: Bank 1}
- {id: B2, kind: bank, name: Bank 2}
- {id: H1, kind: household, name: H1}
- {id: H2, kind: household, name: H2}
- {id: F1, kind: firm, name: F1}
initial_actions:
`

func mustLoadScenario(t *testing.T, src string) *Scenario {
	t.Helper()
	sc, err := Load("s.yaml", []byte(src))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return sc
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name      string
		src       string
		line, col int
		msg       string
	}{
		{"malformed YAML", "version: 1\nname: t\nagents:\n  - a\n  b: 2\n", 3, 0, "invalid YAML"},
		{"unclosed flow", "version: 1\nname: [t\n", 1, 0, "invalid YAML: did not find expected"},
		{"empty file", "", 0, 0, "the file is empty"},
		{"comment only", "# nothing\n", 0, 0, "the file is empty"},
		{"second document", "version: 1\n---\nname: x\n", 2, 1, "expected a single YAML document"},
		{"top-level list", "- a\n- b\n", 1, 1, "must contain a scenario mapping at the top level, got a list"},
		{"generator spec without params", "version: 1\ngenerator: ring_explorer_v1\nname_prefix: x\n", 1, 1, `missing required field "params"`},
		{"bad version", "version: 2\nname: t\nagents: []\n", 1, 10, "version: unsupported configuration version 2"},
		{"version string", "version: one\nname: t\nagents: []\n", 1, 10, `version: expected an integer, got "one"`},
		{"missing name", "version: 1\nagents: []\n", 1, 1, `missing required field "name"`},
		{"numeric name", "version: 1\nname: '2024'\nagents: []\n", 2, 7, `name: expected a string, got the number "2024" (bilancio reads a numeric string as a number)`},
		{"missing agents", "version: 1\nname: t\n", 1, 1, `missing required key "agents"`},
		{"agents mapping", "version: 1\nname: t\nagents: {CB: central_bank}\n", 3, 9, "agents: expected a list, got a mapping"},
		{"agent not mapping", "version: 1\nname: t\nagents:\n- CB\n", 4, 3, `agents[0]: expected a mapping, got "CB"`},
		{"agent unknown kind", "version: 1\nname: t\nagents:\n- {id: CB, kind: centralbank, name: C}\n", 4, 18, `agents[0].kind: expected one of "central_bank", "bank", "household", "firm", "treasury", got "centralbank"`},
		{"agent without kind", "version: 1\nname: t\nagents:\n- id: CB\n  name: C\n", 4, 3, `agents[0]: missing required field "kind"`},
		{"agent id int", "version: 1\nname: t\nagents:\n- {id: 7, kind: bank, name: C}\n", 4, 8, "agents[0].id: expected a string, got the integer 7"},
		{"duplicate agent id", "version: 1\nname: t\nagents:\n- {id: CB, kind: central_bank, name: C}\n- {id: H1, kind: household, name: H}\n- {id: CB, kind: bank, name: B}\n", 6, 8, `agents[2].id: duplicate agent id "CB" (first defined at line 4)`},
		{"unknown action", loadHead + "- mint_cash: {to: H1, amount: 1}\n- mint: {to: H1, amount: 1}\n", 9, 3, `initial_actions[1]: unknown action: expected one of mint_reserves, mint_cash,`},
		{"empty action", loadHead + "- {}\n", 8, 3, "initial_actions[0]: unknown action: expected one of mint_reserves, mint_cash, transfer_reserves, transfer_cash, deposit_cash, withdraw_cash, client_payment, create_stock, transfer_stock, create_delivery_obligation, create_payable, transfer_claim, got an empty mapping"},
		{"action not mapping", loadHead + "- mint_cash\n", 8, 3, `initial_actions[0]: expected a mapping, got "mint_cash"`},
		{"action body null", loadHead + "- mint_cash:\n", 8, 13, "initial_actions[0].mint_cash: expected a mapping, got null"},
		{"action body list", loadHead + "- mint_cash: [H1, 5]\n", 8, 14, "initial_actions[0].mint_cash: expected a mapping, got a list"},
		{"action int key", loadHead + "- {1: x}\n", 8, 4, "initial_actions[0]: keys must be strings, got the integer 1"},
		{"action field int key", loadHead + "- mint_cash: {to: H1, amount: 5, 3: x}\n", 8, 34, "initial_actions[0].mint_cash: keys must be strings, got the integer 3"},
		{"initial_actions mapping", loadHead[:len(loadHead)-1] + " {a: 1}\n", 7, 18, "initial_actions: expected a list, got a mapping"},
		{"unknown agent", loadHead + "- mint_cash: {to: H1, amount: 5}\n- mint_cash: {to: H1, amount: 5}\n- mint_cash: {to: H1, amount: 5}\n- mint_cash:\n    to: H9\n    amount: 5\n", 12, 9, `initial_actions[3].mint_cash.to: unknown agent "H9"`},
		{"unknown payee", loadBanks + "- client_payment: {payer: H1, payee: X, amount: 5}\n", 11, 38, `initial_actions[0].client_payment.payee: unknown agent "X"`},
		{"unknown from", loadHead + "- create_payable: {from: Z, to: H2, amount: 5, due_day: 1}\n", 8, 26, `initial_actions[0].create_payable.from: unknown agent "Z"`},
		{"negative amount", loadHead + "- mint_cash: {to: H1, amount: -5}\n", 8, 31, "initial_actions[0].mint_cash.amount: amount must be > 0, got -5"},
		{"zero amount", loadHead + "- create_payable: {from: H1, to: H2, amount: 0.0, due_day: 1}\n", 8, 46, "initial_actions[0].create_payable.amount: amount must be > 0, got 0.0"},
		{"quoted negative amount", loadHead + "- mint_cash: {to: H1, amount: '-0.5'}\n", 8, 31, "amount must be > 0, got -0.5"},
		{"amount string", loadHead + "- mint_cash: {to: H1, amount: lots}\n", 8, 31, `initial_actions[0].mint_cash.amount: expected a number, got "lots"`},
		{"amount bool", loadHead + "- mint_cash: {to: H1, amount: yes}\n", 8, 31, "amount: expected a number, got the boolean true"},
		{"amount inf", loadHead + "- mint_cash: {to: H1, amount: .inf}\n", 8, 31, "amount: expected a finite number, got the number inf"},
		{"missing amount", loadHead + "- mint_cash: {to: H1}\n", 8, 14, `initial_actions[0].mint_cash: missing required field "amount"`},
		{"negative due_day", loadHead + "- create_payable: {from: H1, to: H2, amount: 5, due_day: -1}\n", 8, 58, "create_payable.due_day: due_day must be >= 0, got -1"},
		{"fractional due_day", loadHead + "- create_payable: {from: H1, to: H2, amount: 5, due_day: 1.5}\n", 8, 58, "due_day: expected an integer, got the number 1.5, which has a fractional part"},
		{"due_day string", loadHead + "- create_payable: {from: H1, to: H2, amount: 5, due_day: soon}\n", 8, 58, `due_day: expected an integer, got "soon"`},
		{"due_day huge", loadHead + "- create_payable: {from: H1, to: H2, amount: 5, due_day: 99999999999999999999}\n", 8, 58, "due_day: integer 99999999999999999999 is out of range"},
		{"maturity_distance string", loadHead + "- create_payable: {from: H1, to: H2, amount: 5, due_day: 1, maturity_distance: x}\n", 8, 80, `maturity_distance: expected an integer, got "x"`},
		{"zero quantity", loadBanks + "- create_stock: {owner: F1, sku: W, quantity: 0, unit_price: 1}\n", 11, 47, "create_stock.quantity: quantity must be > 0, got 0"},
		{"quantity list", loadBanks + "- create_stock: {owner: F1, sku: W, quantity: [1], unit_price: 1}\n", 11, 47, "quantity: expected an integer, got a list"},
		{"negative unit_price", loadBanks + "- create_stock: {owner: F1, sku: W, quantity: 1, unit_price: -1}\n", 11, 62, "unit_price: unit_price must be >= 0, got -1"},
		{"sku number", loadBanks + "- create_stock: {owner: F1, sku: 12, quantity: 1, unit_price: 1}\n", 11, 34, "create_stock.sku: expected a string, got the integer 12"},
		{"wrong action field", loadHead + "- mint_cash: {action: mint_reserves, to: H1, amount: 5}\n", 8, 23, `mint_cash.action: expected one of "mint_cash", got "mint_reserves"`},
		{"no central bank", "version: 1\nname: t\nagents:\n- {id: H1, kind: household, name: H1}\ninitial_actions:\n- create_payable: {from: H1, to: H1, amount: 5, due_day: 1}\n- mint_cash: {to: H1, amount: 5}\n", 7, 3, "initial_actions[1].mint_cash: mint_cash needs a central_bank agent to issue the cash, and the scenario has none"},
		{"no central bank for reserves", "version: 1\nname: t\nagents:\n- {id: B1, kind: bank, name: B}\nscheduled_actions:\n- day: 2\n  action: {mint_reserves: {to: B1, amount: 5}}\n", 7, 12, "scheduled_actions[0].action.mint_reserves: mint_reserves needs a central_bank agent to issue the reserves"},
		{"duplicate alias", loadHead + "- mint_cash: {to: H1, amount: 5, alias: A}\n- create_payable: {from: H1, to: H2, amount: 5, due_day: 1, alias: A}\n", 9, 68, `initial_actions[1].create_payable.alias: duplicate alias "A" (already created by initial_actions[0].mint_cash)`},
		{"duplicate alias scheduled", loadHead + "- mint_cash: {to: H1, amount: 5, alias: A}\nscheduled_actions:\n- {day: 3, action: {mint_cash: {to: H2, amount: 1, alias: A}}}\n", 10, 59, `scheduled_actions[0].action.mint_cash.alias: duplicate alias "A" (already created by initial_actions[0].mint_cash)`},
		{"duplicate alias across days", loadHead + "- mint_cash: {to: H1, amount: 5}\nscheduled_actions:\n- {day: 3, action: {mint_cash: {to: H2, amount: 1, alias: A}}}\n- {day: 2, action: {mint_cash: {to: H2, amount: 1, alias: A}}}\n", 10, 59, `scheduled_actions[0].action.mint_cash.alias: duplicate alias "A" (already created by scheduled_actions[1].action.mint_cash)`},
		{"scheduled day zero", loadHead + "- mint_cash: {to: H1, amount: 5}\nscheduled_actions:\n- {day: 0, action: {mint_cash: {to: H2, amount: 1}}}\n", 10, 9, "scheduled_actions[0].day: day must be > 0, got 0"},
		{"scheduled without action", loadHead + "- mint_cash: {to: H1, amount: 5}\nscheduled_actions:\n- {day: 1}\n", 10, 3, `scheduled_actions[0]: missing required field "action"`},
		{"scheduled unknown agent", loadHead + "- mint_cash: {to: H1, amount: 5}\nscheduled_actions:\n- day: 1\n  action:\n    transfer_cash: {from_agent: H1, to_agent: H7, amount: 1}\n", 12, 47, `scheduled_actions[0].action.transfer_cash.to_agent: unknown agent "H7"`},
		{"claim without reference", loadHead + "- transfer_claim: {to_agent: H2}\n", 8, 19, "initial_actions[0].transfer_claim: transfer_claim needs contract_alias or contract_id"},
		{"claim unknown alias", loadHead + "- create_payable: {from: H1, to: H2, amount: 5, due_day: 1, alias: P}\n- transfer_claim: {contract_alias: Q, to_agent: H1}\n", 9, 36, `initial_actions[1].transfer_claim.contract_alias: unknown alias "Q" (no earlier action creates it)`},
		{"claim alias created later", loadHead + "- mint_cash: {to: H1, amount: 5}\nscheduled_actions:\n- {day: 1, action: {transfer_claim: {contract_alias: P, to_agent: H1}}}\n- {day: 1, action: {create_payable: {from: H1, to: H2, amount: 5, due_day: 2, alias: P}}}\n", 10, 54, `unknown alias "P"`},
		{"claim empty to_agent", loadHead + "- transfer_claim: {contract_id: X, to_agent: ''}\n", 8, 46, "transfer_claim.to_agent: to_agent must not be empty"},
		{"unknown payment method", loadHead + "- mint_cash: {to: H1, amount: 5}\npolicy_overrides:\n  mop_rank:\n    household: [cash, gold]\n", 11, 23, `policy_overrides.mop_rank.household[1]: unknown payment method "gold" (expected one of "bank_deposit", "cash", "reserve_deposit")`},
		{"unknown kind in mop_rank", loadHead + "- mint_cash: {to: H1, amount: 5}\npolicy_overrides:\n  mop_rank:\n    dealer: [cash]\n", 11, 5, `policy_overrides.mop_rank.dealer: unknown agent kind "dealer"`},
		{"mop_rank not list", loadHead + "- mint_cash: {to: H1, amount: 5}\npolicy_overrides:\n  mop_rank: {household: cash}\n", 10, 25, `policy_overrides.mop_rank.household: expected a list, got "cash"`},
		{"run list", loadHead + "- mint_cash: {to: H1, amount: 5}\nrun: [1]\n", 9, 6, "run: expected a mapping, got a list"},
		{"run max_days zero", loadHead + "- mint_cash: {to: H1, amount: 5}\nrun: {max_days: 0}\n", 9, 17, "run.max_days: max_days must be > 0, got 0"},
		{"run quiet_days negative", loadHead + "- mint_cash: {to: H1, amount: 5}\nrun: {quiet_days: -1}\n", 9, 19, "run.quiet_days: quiet_days must be >= 0, got -1"},
		{"run default_handling", loadHead + "- mint_cash: {to: H1, amount: 5}\nrun: {default_handling: expel}\n", 9, 25, `run.default_handling: expected one of "fail-fast", "expel-agent", got "expel"`},
		{"run show null", loadHead + "- mint_cash: {to: H1, amount: 5}\nrun: {show: null}\n", 9, 13, "run.show: expected a mapping, got null"},
		{"run show.balances int", loadHead + "- mint_cash: {to: H1, amount: 5}\nrun: {show: {balances: [H1, 2]}}\n", 9, 29, "run.show.balances[1]: expected a string, got the integer 2"},
		{"dealer ticket_size", loadHead + "- mint_cash: {to: H1, amount: 5}\ndealer: {enabled: true, ticket_size: 0}\n", 9, 38, "dealer.ticket_size: ticket_size must be > 0, got 0"},
		{"dealer share", loadHead + "- mint_cash: {to: H1, amount: 5}\ndealer: {enabled: true, dealer_share: '1.5'}\n", 9, 39, "dealer.dealer_share: dealer_share must be between 0 and 1, got 1.5"},
		{"dealer enabled", loadHead + "- mint_cash: {to: H1, amount: 5}\ndealer: {enabled: maybe}\n", 9, 19, `dealer.enabled: expected a boolean, got "maybe"`},
		{"dealer bucket range", loadHead + "- mint_cash: {to: H1, amount: 5}\ndealer:\n  buckets:\n    short: {tau_min: 3, tau_max: 1}\n", 11, 12, "dealer.buckets.short: tau_min must be <= tau_max, got 3 > 1"},
		{"unknown tag", loadHead + "- mint_cash: {to: H1, amount: !money 5}\n", 8, 31, `could not determine a constructor for the tag "!money"`},
		{"invalid date in ignored key", loadHead + "- mint_cash: {to: H1, amount: 5}\n_note: 2024-13-01\n", 9, 8, "month must be in 1..12"},
		{"bad explicit int", loadHead + "- mint_cash: {to: H1, amount: !!int 1.5}\n", 8, 31, "invalid literal for int()"},
		{"duplicate anchor", loadHead + "- mint_cash: &a {to: H1, amount: 5}\n- mint_cash: &a {to: H1, amount: 6}\n", 9, 14, `found duplicate anchor "a"`},
		{"unhashable key", loadHead + "- mint_cash: {to: H1, amount: 5}\n? [a, b]\n: 1\n", 9, 3, "found unhashable key"},
		{"bad merge", loadHead + "- mint_cash: {<<: 5, to: H1, amount: 5}\n", 8, 19, "expected a mapping or list of mappings for merging, but found a scalar"},
		{"self merge", loadHead + "- mint_cash: &m {<<: *m, to: H1, amount: 5}\n", 8, 14, "merge key (<<) refers to a mapping that contains it"},
		{"value tag as value", loadHead + "- mint_cash: {to: H1, amount: 5}\n_x: =\n", 9, 5, "tag:yaml.org,2002:value"},
		{"merge key as value", loadHead + "- mint_cash: {to: H1, amount: 5}\n_x: <<\n", 9, 5, "merge key (<<) can only be used as a mapping key"},
		{"empty binary int", loadHead + "- mint_cash: {to: H1, amount: 0b_}\n", 8, 31, "invalid literal for int() with base 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc, err := Load("s.yaml", []byte(tt.src))
			if err == nil {
				t.Fatalf("Load succeeded (%d agents), want error %q", len(sc.Agents), tt.msg)
			}
			var le *LoadError
			if !errors.As(err, &le) {
				t.Fatalf("error %T %v is not a *LoadError", err, err)
			}
			if le.File != "s.yaml" || le.Line != tt.line || le.Col != tt.col {
				t.Errorf("position %s:%d:%d, want s.yaml:%d:%d (error: %v)", le.File, le.Line, le.Col, tt.line, tt.col, err)
			}
			if !strings.Contains(le.Msg, tt.msg) {
				t.Errorf("message %q does not contain %q", le.Msg, tt.msg)
			}
		})
	}
}

func TestLoadErrorFormat(t *testing.T) {
	tests := []struct {
		e    LoadError
		want string
	}{
		{LoadError{File: "a.yaml", Line: 12, Col: 13, Msg: "bad"}, "a.yaml:12:13: bad"},
		{LoadError{File: "a.yaml", Line: 3, Msg: "bad"}, "a.yaml:3: bad"},
		{LoadError{File: "a.yaml", Msg: "bad"}, "a.yaml: bad"},
	}
	for _, tt := range tests {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
	_, err := Load("scenario.yaml", []byte(loadHead+"- mint_cash: {to: H1, amount: 5}\n- mint_cash: {to: H1, amount: 5}\n- mint_cash: {to: H1, amount: 5}\n- mint_cash: {to: H9, amount: 5}\n"))
	want := `scenario.yaml:11:19: initial_actions[3].mint_cash.to: unknown agent "H9"`
	if err == nil || err.Error() != want {
		t.Errorf("Load error = %v, want %s", err, want)
	}
}

// dec checks that a is a Python Decimal printing as want.
func wantDecimal(t *testing.T, what string, a pynum.Amount, want string) {
	t.Helper()
	if !a.IsDecimal() || a.String() != want {
		t.Errorf("%s = %s (decimal %v), want Decimal %s", what, a, a.IsDecimal(), want)
	}
}

func TestLoadRingBlockStyle(t *testing.T) {
	src := `version: 1
name: Ring (n=3)
description: Ring of 3 agents with total dues S1=100; initial liquidity L0=50
  (kappa=2)
agents:
- id: CB
  kind: central_bank
  name: Central Bank
- id: H1
  kind: household
  name: Agent 1
- id: H2
  kind: household
  name: Agent 2
- id: H3
  kind: household
  name: Agent 3
initial_actions:
- mint_cash:
    to: H1
    amount: 50
    alias: LIQ_H1
- mint_cash:
    to: H2
    amount: 833.3333333333334
    alias: LIQ_H2
- mint_cash:
    to: H3
    amount: 100.0
- create_payable:
    from: H1
    to: H2
    amount: 36.2198
    due_day: 1
    alias: P_H1_H2
- create_payable:
    from: H2
    to: H3
    amount: 0.5
    due_day: 0
    alias: P_H2_H3
- create_payable:
    from: H3
    to: H1
    amount: 1.0e-05
    due_day: 2
    maturity_distance: 2
scheduled_actions: []
run:
  mode: until_stable
  max_days: 30
  quiet_days: 2
  show:
    balances:
    - H1
    - H2
    events: detailed
  export:
    balances_csv: out/balances.csv
    events_jsonl: out/events.jsonl
  default_handling: expel-agent
  check_invariants: daily
_balanced_config:
  face_value: 20.0
  mode: passive
`
	sc := mustLoadScenario(t, src)
	if sc.Version != 1 || sc.Name != "Ring (n=3)" || sc.Description != "Ring of 3 agents with total dues S1=100; initial liquidity L0=50 (kappa=2)" {
		t.Errorf("header = %d %q %q", sc.Version, sc.Name, sc.Description)
	}
	wantAgents := []AgentSpec{
		{ID: "CB", Kind: "central_bank", Name: "Central Bank", Pos: Pos{6, 3}},
		{ID: "H1", Kind: "household", Name: "Agent 1", Pos: Pos{9, 3}},
		{ID: "H2", Kind: "household", Name: "Agent 2", Pos: Pos{12, 3}},
		{ID: "H3", Kind: "household", Name: "Agent 3", Pos: Pos{15, 3}},
	}
	if !reflect.DeepEqual(sc.Agents, wantAgents) {
		t.Errorf("agents = %+v", sc.Agents)
	}
	if len(sc.InitialActions) != 6 || len(sc.ScheduledActions) != 0 {
		t.Fatalf("%d initial, %d scheduled actions", len(sc.InitialActions), len(sc.ScheduledActions))
	}
	a := sc.InitialActions
	if a[0].Kind != ActMintCash || a[0].To != "H1" || a[0].Alias != "LIQ_H1" || !a[0].HasAlias || a[0].Pos != (Pos{19, 3}) {
		t.Errorf("action 0 = %+v", a[0])
	}
	wantDecimal(t, "int amount", a[0].Amount, "50")
	wantDecimal(t, "float amount", a[1].Amount, "833.3333333333334")
	wantDecimal(t, "integral float amount", a[2].Amount, "100.0")
	if a[2].HasAlias {
		t.Errorf("action 2 has an alias")
	}
	if a[3].Kind != ActCreatePayable || a[3].From != "H1" || a[3].To != "H2" || a[3].DueDay != 1 || a[3].Alias != "P_H1_H2" {
		t.Errorf("action 3 = %+v", a[3])
	}
	wantDecimal(t, "payable amount", a[3].Amount, "36.2198")
	if got := a[3].Amount.Trunc().String(); got != "36" {
		t.Errorf("int(36.2198) = %s", got)
	}
	wantDecimal(t, "half amount", a[4].Amount, "0.5")
	if a[4].DueDay != 0 || a[4].MaturityDistance != nil {
		t.Errorf("action 4 = %+v", a[4])
	}
	wantDecimal(t, "exponent float amount", a[5].Amount, "0.00001")
	if a[5].MaturityDistance == nil || *a[5].MaturityDistance != 2 {
		t.Errorf("maturity_distance = %v", a[5].MaturityDistance)
	}
	wantRun := RunConfig{Mode: "until_stable", MaxDays: 30, QuietDays: 2, DefaultHandling: ExpelAgent,
		ShowBalances: []string{"H1", "H2"}, ShowEvents: "detailed", ExportBalances: "out/balances.csv", ExportEvents: "out/events.jsonl"}
	if !reflect.DeepEqual(sc.Run, wantRun) {
		t.Errorf("run = %+v", sc.Run)
	}
	if sc.Dealer != nil || sc.PolicyOverrides != nil {
		t.Errorf("dealer %v, policy overrides %v", sc.Dealer, sc.PolicyOverrides)
	}
}

func TestLoadFlowStyle(t *testing.T) {
	src := `version: 1
name: "Kalecki ring baseline"
description: null
agents:
  - { id: CB, kind: central_bank, name: Central Bank }
  - { id: H1, kind: household, name: Household 1 }
  - { id: H2, kind: household, name: "Household 2" }
initial_actions:
  - { mint_cash: { to: H1, amount: "0.5" } }
  - { mint_cash: { to: H2, amount: '100', alias: null } }
  - { create_payable: { from: H1, to: H2, amount: 1e-05, due_day: "1" } }
  - { create_payable: { from: H2, to: H1, amount: 7, due_day: 2.0, alias: "" } }
run: { mode: until_stable, max_days: 5, quiet_days: 1, show: { events: table }, export: { balances_csv: null } }
`
	sc := mustLoadScenario(t, src)
	if sc.Name != "Kalecki ring baseline" || sc.Description != "" || len(sc.Agents) != 3 || sc.Agents[2].Name != "Household 2" {
		t.Errorf("scenario = %+v", sc)
	}
	a := sc.InitialActions
	wantDecimal(t, "quoted decimal", a[0].Amount, "0.5")
	wantDecimal(t, "quoted int", a[1].Amount, "100")
	if a[1].HasAlias {
		t.Errorf("null alias counted as an alias")
	}
	wantDecimal(t, "YAML 1.1 string 1e-05", a[2].Amount, "0.00001")
	if a[2].DueDay != 1 || a[3].DueDay != 2 {
		t.Errorf("due days %d %d", a[2].DueDay, a[3].DueDay)
	}
	wantDecimal(t, "int amount", a[3].Amount, "7")
	if !a[3].HasAlias || a[3].Alias != "" {
		t.Errorf("empty alias: %q %v", a[3].Alias, a[3].HasAlias)
	}
	if a[0].Pos != (Pos{9, 7}) {
		t.Errorf("flow action position %+v", a[0].Pos)
	}
	want := RunConfig{Mode: "until_stable", MaxDays: 5, QuietDays: 1, DefaultHandling: FailFast, ShowEvents: "table"}
	if !reflect.DeepEqual(sc.Run, want) {
		t.Errorf("run = %+v", sc.Run)
	}
}

func TestLoadDefaults(t *testing.T) {
	sc := mustLoadScenario(t, "name: minimal\nagents: []\n")
	if sc.Version != 1 || len(sc.Agents) != 0 || sc.InitialActions != nil || sc.ScheduledActions != nil {
		t.Errorf("scenario = %+v", sc)
	}
	if !reflect.DeepEqual(sc.Run, DefaultRunConfig()) {
		t.Errorf("run = %+v, want defaults", sc.Run)
	}
}

// allKindsSrc has an initial action of every kind.
const allKindsSrc = loadBanks + `- mint_reserves: {to: B1, amount: 1000, alias: R1}
- mint_cash: {to: H1, amount: 200}
- transfer_reserves: {from_bank: B1, to_bank: B2, amount: 10}
- transfer_cash: {from_agent: H1, to_agent: H2, amount: 20}
- deposit_cash: {customer: H1, bank: B1, amount: 50}
- withdraw_cash: {customer: H1, bank: B1, amount: 5}
- client_payment: {payer: H1, payee: H2, amount: 3}
- create_stock: {owner: F1, sku: WIDGET, quantity: 10, unit_price: '2.5'}
- transfer_stock: {from_agent: F1, to_agent: H1, sku: WIDGET, quantity: 2}
- create_delivery_obligation: {from: F1, to: H2, sku: WIDGET, quantity: 3, unit_price: 0, due_day: 2, alias: D1}
- create_payable: {from: H2, to: F1, amount: 7.5, due_day: 2, alias: P1}
- transfer_claim: {contract_alias: P1, to_agent: H1}
- transfer_claim: {contract_id: PAY_123, to_agent: B1}
- mint_cash: {to: H2, amount: 1, transfer_cash: ignored}
`

func TestLoadAllActionKinds(t *testing.T) {
	sc := mustLoadScenario(t, allKindsSrc)
	a := sc.InitialActions
	kinds := make([]string, len(a))
	for i := range a {
		kinds[i] = a[i].Kind
	}
	wantKinds := append(append([]string{}, ActionKinds...), ActTransferClaim, ActMintCash)
	if !reflect.DeepEqual(kinds, wantKinds) {
		t.Fatalf("kinds = %v", kinds)
	}
	check := func(i int, got, want any) {
		t.Helper()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("action %d (%s): got %v, want %v", i, a[i].Kind, got, want)
		}
	}
	check(0, []any{a[0].To, a[0].Alias, a[0].Amount.String()}, []any{"B1", "R1", "1000"})
	check(2, []any{a[2].FromBank, a[2].ToBank, a[2].Amount.String()}, []any{"B1", "B2", "10"})
	check(3, []any{a[3].FromAgent, a[3].ToAgent}, []any{"H1", "H2"})
	check(4, []any{a[4].Customer, a[4].Bank, a[4].Amount.String()}, []any{"H1", "B1", "50"})
	check(5, []any{a[5].Customer, a[5].Bank}, []any{"H1", "B1"})
	check(6, []any{a[6].Payer, a[6].Payee, a[6].Amount.String()}, []any{"H1", "H2", "3"})
	check(7, []any{a[7].Owner, a[7].SKU, a[7].Quantity, a[7].UnitPrice.String()}, []any{"F1", "WIDGET", int64(10), "2.5"})
	check(8, []any{a[8].FromAgent, a[8].ToAgent, a[8].SKU, a[8].Quantity}, []any{"F1", "H1", "WIDGET", int64(2)})
	check(9, []any{a[9].From, a[9].To, a[9].Quantity, a[9].UnitPrice.String(), a[9].DueDay, a[9].Alias}, []any{"F1", "H2", int64(3), "0", int64(2), "D1"})
	check(10, []any{a[10].From, a[10].To, a[10].Amount.String(), a[10].Alias}, []any{"H2", "F1", "7.5", "P1"})
	check(11, []any{a[11].ContractAlias, a[11].ContractID, a[11].ToAgent}, []any{"P1", "", "H1"})
	check(12, []any{a[12].ContractAlias, a[12].ContractID, a[12].ToAgent}, []any{"", "PAY_123", "B1"})
	check(13, []any{a[13].To, a[13].Amount.String()}, []any{"H2", "1"})
	for i := range a {
		if a[i].Kind != ActCreateStock && a[i].Kind != ActTransferStock && a[i].Kind != ActCreateDeliveryObligation && a[i].Kind != ActTransferClaim && !a[i].Amount.IsDecimal() {
			t.Errorf("action %d amount %s is not a Decimal", i, a[i].Amount)
		}
	}
}

func TestLoadScheduledAndPolicy(t *testing.T) {
	src := loadHead + `- create_payable: {from: H1, to: H2, amount: 5, due_day: 3, alias: P1}
scheduled_actions:
- day: 2
  action:
    transfer_claim: {contract_alias: P1, to_agent: CB}
- day: 1
  action: {mint_cash: {to: H1, amount: 5, alias: M1}}
policy_overrides:
  mop_rank:
    household: [cash, bank_deposit]
    firm: []
`
	sc := mustLoadScenario(t, src)
	if len(sc.ScheduledActions) != 2 {
		t.Fatalf("scheduled = %+v", sc.ScheduledActions)
	}
	s0, s1 := sc.ScheduledActions[0], sc.ScheduledActions[1]
	if s0.Day != 2 || s0.Action.Kind != ActTransferClaim || s0.Action.ContractAlias != "P1" || s0.Action.ToAgent != "CB" || s0.Action.Pos != (Pos{12, 5}) {
		t.Errorf("scheduled[0] = %+v", s0)
	}
	if s1.Day != 1 || s1.Action.Kind != ActMintCash || s1.Action.Alias != "M1" {
		t.Errorf("scheduled[1] = %+v", s1)
	}
	wantDecimal(t, "scheduled mint", s1.Action.Amount, "5")
	want := map[string][]string{"household": {"cash", "bank_deposit"}, "firm": {}}
	if !reflect.DeepEqual(sc.PolicyOverrides, want) {
		t.Errorf("policy overrides = %v", sc.PolicyOverrides)
	}
	if sc := mustLoadScenario(t, loadHead+"- mint_cash: {to: H1, amount: 5}\npolicy_overrides: {mop_rank: null}\n"); sc.PolicyOverrides != nil {
		t.Errorf("null mop_rank = %v", sc.PolicyOverrides)
	}
}

func TestLoadYAML11(t *testing.T) {
	src := loadHead + `- create_payable: {from: H1, to: H2, amount: 0x10, due_day: 010}
- create_payable: {from: H1, to: H2, amount: 1_000.5, due_day: 1:00}
- create_payable: {from: H1, to: H2, amount: !!str 12, due_day: !!int "3"}
- create_payable: {from: H1, to: H2, amount: !decimal 1.10, due_day: true}
- create_payable: {from: H1, to: H2, amount: 09, due_day: '  4 '}
- create_payable: {from: H1, to: H2, amount: 2.50e+2, due_day: 2E1}
`
	sc := mustLoadScenario(t, src)
	a := sc.InitialActions
	want := []struct {
		amount string
		due    int64
	}{{"16", 8}, {"1000.5", 60}, {"12", 3}, {"1.10", 1}, {"9", 4}, {"250.0", 20}}
	for i, w := range want {
		wantDecimal(t, "amount", a[i].Amount, w.amount)
		if a[i].DueDay != w.due {
			t.Errorf("action %d due_day = %d, want %d", i, a[i].DueDay, w.due)
		}
	}
	// Booleans are not Python strings: on/off/yes/no are read as booleans.
	if _, err := Load("s.yaml", []byte("version: 1\nname: no\nagents: []\n")); err == nil || !strings.Contains(err.Error(), "name: expected a string, got the boolean false") {
		t.Errorf("name: no -> %v", err)
	}
}

func TestLoadAliasesAndMerges(t *testing.T) {
	src := `version: 1
name: t
_defaults:
  payable: &pay {from: H1, to: H2, due_day: 1}
  names: &hh household
agents:
- {id: CB, kind: central_bank, name: CB}
- {id: H1, kind: *hh, name: H1}
- {id: H2, kind: *hh, name: H2}
initial_actions:
- create_payable: {<<: *pay, amount: 5, alias: A}
- create_payable:
    <<: *pay
    due_day: 4
    amount: 6
- create_payable: {<<: [{due_day: 7, amount: 8}, *pay]}
name: last wins
`
	sc := mustLoadScenario(t, src)
	if sc.Name != "last wins" {
		t.Errorf("duplicate key: name = %q, want the last value", sc.Name)
	}
	a := sc.InitialActions
	if a[0].From != "H1" || a[0].To != "H2" || a[0].DueDay != 1 || a[0].Alias != "A" || sc.Agents[1].Kind != "household" {
		t.Errorf("merged action 0 = %+v", a[0])
	}
	if a[1].DueDay != 4 || a[1].Amount.String() != "6" {
		t.Errorf("merged action 1 = %+v", a[1])
	}
	if a[2].DueDay != 7 || a[2].Amount.String() != "8" || a[2].From != "H1" {
		t.Errorf("merged action 2 = %+v", a[2])
	}
}

func TestLoadDealerBlock(t *testing.T) {
	src := loadHead + `- mint_cash: {to: H1, amount: 5}
dealer:
  enabled: true
  ticket_size: 20
  dealer_share: '0'
  vbt_share: '0.50'
  order_flow: {pi_sell: 0.5}
  risk_assessment: {enabled: false}
`
	sc := mustLoadScenario(t, src)
	want := &DealerConfig{Enabled: true, Raw: []KeyValue{
		{Key: "enabled", Value: "true"}, {Key: "ticket_size", Value: "20"}, {Key: "dealer_share", Value: "0"},
		{Key: "vbt_share", Value: "0.50"}, {Key: "order_flow.pi_sell", Value: "0.5", Float: true},
		{Key: "risk_assessment.enabled", Value: "false"},
	}}
	if !reflect.DeepEqual(sc.Dealer, want) {
		t.Errorf("dealer = %+v", sc.Dealer)
	}
	if sc := mustLoadScenario(t, loadHead+"- mint_cash: {to: H1, amount: 5}\ndealer: {enabled: 'no'}\n"); sc.Dealer == nil || sc.Dealer.Enabled {
		t.Errorf("dealer = %+v", sc.Dealer)
	}
}

// loadConformanceDir is the shared folder of recorded bilancio runs, as seen from
// this package's directory.
const loadConformanceDir = "../../../shared/conformance"

// countScenarioLines counts the lines of a recorded (PyYAML safe_dump) scenario that
// start with one of the prefixes.
func countScenarioLines(t *testing.T, data []byte, prefixes ...string) int {
	t.Helper()
	n := 0
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		for _, p := range prefixes {
			if strings.HasPrefix(sc.Text(), p) {
				n++
			}
		}
	}
	return n
}

func TestLoadRecordedScenarios(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(conformance.Require(t), "*", "runs", "*", "scenario.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no recorded scenarios in the conformance folder")
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sc, err := Load(f, data)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		agents := countScenarioLines(t, data, "- id: ")
		actions := countScenarioLines(t, data, "- mint_cash:", "- create_payable:")
		if len(sc.Agents) != agents || len(sc.InitialActions) != actions || len(sc.ScheduledActions) != 0 {
			t.Errorf("%s: %d agents, %d initial and %d scheduled actions; the file has %d agents and %d actions",
				f, len(sc.Agents), len(sc.InitialActions), len(sc.ScheduledActions), agents, actions)
		}
		if len(sc.Agents) == 0 || sc.Agents[0].Kind != "central_bank" {
			t.Errorf("%s: first agent %+v", f, sc.Agents)
		}
		for i, a := range sc.InitialActions {
			if !a.Amount.IsDecimal() || a.Amount.Sign() <= 0 {
				t.Errorf("%s: action %d amount %s", f, i, a.Amount)
			}
		}
		if sc.Run.MaxDays != 30 || sc.Run.QuietDays != 2 {
			t.Errorf("%s: run %+v", f, sc.Run)
		}
		if strings.Contains(f, "dealer-") != (sc.Dealer != nil && sc.Dealer.Enabled) {
			t.Errorf("%s: dealer %+v", f, sc.Dealer)
		}
	}
	t.Logf("loaded %d recorded scenarios", len(files))
}
