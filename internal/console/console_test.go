package console

import (
	"context"
	"strings"
	"testing"

	"github.com/bilancio-go/bilancio/internal/engine"
)

const ring = `version: 1
name: Three
description: a ring of three
agents:
- {id: CB, kind: central_bank, name: Central Bank}
- {id: H1, kind: household, name: One}
- {id: H2, kind: household, name: Two}
- {id: H3, kind: household, name: Three}
initial_actions:
- mint_cash: {to: H1, amount: 10}
- create_payable: {from: H1, to: H2, amount: 10, due_day: 1}
- create_payable: {from: H2, to: H3, amount: 15, due_day: 2}
- create_payable: {from: H3, to: H1, amount: 5, due_day: 3}
run: {default_handling: expel-agent, show: {balances: [H1, H2]}}
`

func render(t *testing.T, o Options) string {
	t.Helper()
	sc, err := engine.Load("ring.yaml", []byte(ring))
	if err != nil {
		t.Fatal(err)
	}
	res, err := engine.Run(context.Background(), sc, engine.Options{Snapshots: true})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := Write(&b, sc, res, o); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestWrite(t *testing.T) {
	tests := []struct {
		name      string
		o         Options
		want, not []string
	}{
		{"detailed", Options{Show: ShowDetailed, Agents: []string{"H1", "H2"}},
			[]string{"Three\na ring of three\nAgents: 4\n", "\nDay 0 (After Setup)\n", "  Payable Created: 15\n      H2 owes H3\n      Due: Day 2\n",
				"\nDay 1\n", "  Payable Settled: 10\n      H1 → H2\n", "  Partial Settlement: 10 paid, 5 short\n", "  Agent Defaulted: H2\n",
				"  H1 (household) — One\n", "    instrument     assets  liabilities\n", "\nDay 2\n"},
			[]string{"PhaseA", "System Trial Balance"}},
		{"summary", Options{Show: ShowSummary},
			[]string{"  • CashMinted: 1\n", "  • PayableCreated: 3\n", "  • PhaseA: 1\n", "\nSystem Trial Balance:\n", "    Total Assets       40\n", "    Status             OK Balanced\n"},
			[]string{"Balances:"}},
		{"table", Options{Show: ShowTable, Agents: []string{"H3"}},
			[]string{"  Setup\n    kind", "  Phase B2 — Settlement\n", "    CashTransferred  H1    H2  10"},
			nil},
		{"t-account", Options{Show: ShowDetailed, Agents: []string{"H1", "H2"}, TAccount: true},
			[]string{"    Assets                          Liabilities\n", "    payable 5 from H3 (due day 3)", "    cash 10 "},
			nil},
		{"no active agent", Options{Show: ShowSummary, Agents: []string{"H2"}},
			[]string{"\nDay 2\n", "  • No active agents to display\n"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := render(t, tt.o)
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			for _, w := range tt.not {
				if strings.Contains(out, w) {
					t.Errorf("output has %q:\n%s", w, out)
				}
			}
		})
	}
	if ParseShow("everything") == nil || ParseShow(ShowTable) != nil {
		t.Error("ParseShow")
	}
}
