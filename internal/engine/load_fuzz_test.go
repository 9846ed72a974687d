package engine

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func FuzzLoad(f *testing.F) {
	// Small scenarios covering the loader's features.
	seeds := []string{
		loadHead + "- mint_cash: {to: H1, amount: 50, alias: LIQ_H1}\n- create_payable: {from: H1, to: H2, amount: 36.2198, due_day: 1, alias: P1}\n",
		"version: 1\nname: ring\nagents:\n- id: CB\n  kind: central_bank\n  name: Central Bank\n- id: H1\n  kind: household\n  name: Agent 1\ninitial_actions:\n- mint_cash:\n    to: H1\n    amount: 833.3333333333334\n    alias: LIQ_H1\nscheduled_actions: []\nrun:\n  mode: until_stable\n  max_days: 30\n  quiet_days: 2\n  show:\n    balances:\n    - H1\n    events: detailed\n  export:\n    balances_csv: out/balances.csv\n    events_jsonl: out/events.jsonl\n  default_handling: expel-agent\n",
		loadBanks + "- mint_reserves: {to: B1, amount: '1000'}\n- deposit_cash: {customer: H1, bank: B1, amount: 5}\n- create_stock: {owner: F1, sku: W, quantity: 2, unit_price: 1.5}\n- create_delivery_obligation: {from: F1, to: H1, sku: W, quantity: 1, unit_price: 1, due_day: 2, alias: D}\nscheduled_actions:\n- {day: 2, action: {transfer_claim: {contract_alias: D, to_agent: H2}}}\npolicy_overrides: {mop_rank: {household: [cash, bank_deposit]}}\n",
		"version: 1\nname: t\nd: &d {from: H1, to: H2, due_day: !!int '1'}\nagents:\n- {id: CB, kind: central_bank, name: C}\n- {id: H1, kind: household, name: H}\n- {id: H2, kind: household, name: H}\ninitial_actions:\n- create_payable: {<<: *d, amount: 1_000.5}\ndealer: {enabled: yes, ticket_size: 1, buckets: {short: {tau_min: 1, tau_max: 3}}}\n_x: [2024-01-02, 0x1F, 1:30, .inf, ~]\n",
		"version: 1\ngenerator: ring_explorer_v1\n",
		"- a\n",
		"",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	// The small recorded scenarios (n = 5 rings) are good seeds too.
	if files, _ := filepath.Glob(filepath.Join(loadConformanceDir, "ring-*-n5", "runs", "*", "scenario.yaml")); len(files) > 0 {
		for _, file := range files[:min(len(files), 3)] {
			if data, err := os.ReadFile(file); err == nil {
				f.Add(data)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sc, err := Load("fuzz.yaml", data)
		if err != nil {
			var le *LoadError
			if !errors.As(err, &le) {
				t.Fatalf("error %T is not a *LoadError: %v", err, err)
			}
			if le.Line < 0 || le.Col < 0 || le.Msg == "" || le.File != "fuzz.yaml" {
				t.Fatalf("bad LoadError %+v", le)
			}
			return
		}
		ids := map[string]bool{}
		for _, a := range sc.Agents {
			if ids[a.ID] {
				t.Fatalf("duplicate agent %q accepted", a.ID)
			}
			ids[a.ID] = true
		}
		check := func(a Action) {
			for _, id := range []string{a.To, a.From, a.FromAgent, a.FromBank, a.ToBank, a.Customer, a.Bank, a.Payer, a.Payee, a.Owner} {
				if id != "" && !ids[id] {
					t.Fatalf("%s names unknown agent %q", a.Kind, id)
				}
			}
			switch a.Kind {
			case ActCreateStock, ActTransferStock, ActCreateDeliveryObligation:
				if a.Quantity <= 0 {
					t.Fatalf("%s quantity %d accepted", a.Kind, a.Quantity)
				}
			case ActTransferClaim:
			default:
				if !a.Amount.IsDecimal() || a.Amount.Sign() <= 0 {
					t.Fatalf("%s amount %s accepted", a.Kind, a.Amount)
				}
			}
		}
		for _, a := range sc.InitialActions {
			check(a)
		}
		for _, s := range sc.ScheduledActions {
			if s.Day < 1 {
				t.Fatalf("scheduled day %d accepted", s.Day)
			}
			check(s.Action)
		}
		if sc.Run.MaxDays <= 0 || sc.Run.QuietDays < 0 {
			t.Fatalf("run %+v accepted", sc.Run)
		}
	})
}
