package engine

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// FuzzDealerRun builds a small ring with a dealer from fuzzed numbers —
// liquidity, payable amounts and due days, ticket size, shares and a custom
// bucket — and runs it with every invariant check on: a run either ends or
// is refused, it never panics, and its dealer bookkeeping stays sound.
func FuzzDealerRun(f *testing.F) {
	f.Add(uint8(5), int64(1000), int64(400), uint8(3), uint8(2), int64(1), uint16(25), uint16(50), uint8(1), uint8(3), true)
	f.Add(uint8(3), int64(0), int64(5000), uint8(1), uint8(9), int64(20), uint16(0), uint16(50), uint8(2), uint8(2), false)
	f.Add(uint8(8), int64(1)<<50, int64(7), uint8(12), uint8(1), int64(3), uint16(100), uint16(0), uint8(1), uint8(99), true)
	f.Fuzz(func(t *testing.T, n uint8, cash, amount int64, due, spread uint8, ticket int64, dealerShare, vbtShare uint16, tauMin, tauMax uint8, expel bool) {
		n = n%8 + 3
		cash = max(cash%(1<<60), 0)
		amount = max(amount%(1<<50), 1)
		mode := FailFast
		if expel {
			mode = ExpelAgent
		}
		var b strings.Builder
		b.WriteString("version: 1\nname: fuzz\nagents:\n- {id: CB, kind: central_bank, name: CB}\n")
		for i := 1; i <= int(n); i++ {
			fmt.Fprintf(&b, "- {id: H%d, kind: household, name: H%d}\n", i, i)
		}
		b.WriteString("initial_actions:\n")
		for i := 1; i <= int(n); i++ {
			if c := cash / int64(i); c > 0 {
				fmt.Fprintf(&b, "- mint_cash: {to: H%d, amount: %d}\n", i, c)
			}
		}
		for i := 1; i <= int(n); i++ {
			fmt.Fprintf(&b, "- create_payable: {from: H%d, to: H%d, amount: %d, due_day: %d}\n",
				i, i%int(n)+1, amount+int64(i)*int64(spread), 1+(int(due)+i*int(spread))%20)
		}
		fmt.Fprintf(&b, "run: {mode: until_stable, max_days: 30, quiet_days: 2, default_handling: %s}\n", mode)
		fmt.Fprintf(&b, "dealer:\n  enabled: true\n  ticket_size: %d\n  dealer_share: '%d.%02d'\n  vbt_share: '%d.%02d'\n",
			max(ticket%1000, 1), dealerShare/100%2, dealerShare%100, vbtShare/100%2, vbtShare%100)
		fmt.Fprintf(&b, "  buckets:\n    near: {tau_min: %d, tau_max: %d}\n    far: {tau_min: %d, tau_max: 999}\n",
			tauMin%10+1, int(tauMin%10+1)+int(tauMax%10), int(tauMin%10+1)+int(tauMax%10)+1)
		sc, err := Load("fuzz.yaml", []byte(b.String()))
		if err != nil {
			return // a share above 1 and the like: refused, with a position
		}
		res, err := Run(context.Background(), sc, Options{CheckInvariants: CheckDaily})
		if err != nil {
			t.Fatalf("run: %v\n%s", err, b.String())
		}
		if res.Dealer == nil {
			t.Fatalf("no dealer\n%s", b.String())
		}
		st := res.Dealer.State
		for _, m := range st.Markets {
			if m.Dealer.KStar.Sign() < 0 || len(m.Dealer.Inventory) != m.Dealer.A {
				t.Fatalf("market %s: K* %s, a %d, inventory %d", m.Bucket.Name, m.Dealer.KStar, m.Dealer.A, len(m.Dealer.Inventory))
			}
			for _, tk := range m.Dealer.Inventory {
				if tk.Owner != m.Dealer.AgentID || tk.Bucket != m.Bucket.Name {
					t.Fatalf("dealer %s holds ticket %s of %s in bucket %s", m.Dealer.AgentID, tk.ID, tk.Owner, tk.Bucket)
				}
			}
		}
		for _, x := range st.Trades {
			if x.Price.Sign() < 0 || x.UnitPrice.Sign() < 0 {
				t.Fatalf("trade at a negative price: %+v", x)
			}
		}
	})
}
