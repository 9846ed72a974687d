package engine

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/bilancio-go/bilancio/internal/dealer"
	"github.com/bilancio-go/bilancio/internal/pynum"
)

// dealerScenario is a small ring with a dealer: H2, without cash, is short
// for its payable to H3 and sells its claim on H1 to the short dealer on
// day 0; B, a household with 600 and no debt, is the day's buyer and takes
// that claim for about 1100, more than it has. H1 and H3 have exactly what
// they owe: neither sellers nor buyers.
const dealerScenario = `version: 1
name: dealer test
agents:
  - {id: CB, kind: central_bank, name: Central Bank}
  - {id: H1, kind: household, name: H1}
  - {id: H2, kind: household, name: H2}
  - {id: H3, kind: household, name: H3}
  - {id: B, kind: household, name: Buyer}
initial_actions:
  - mint_cash: {to: B, amount: 600}
  - mint_cash: {to: H1, amount: 1000}
  - mint_cash: {to: H3, amount: 1000}
  - create_payable: {from: H1, to: H2, amount: 1000, due_day: 2}
  - create_payable: {from: H2, to: H3, amount: 1000, due_day: 3}
  - create_payable: {from: H3, to: H1, amount: 1000, due_day: 4}
run:
  mode: until_stable
  max_days: 10
  default_handling: expel-agent
dealer:
  enabled: true
  ticket_size: 1
  dealer_share: '0.25'
  vbt_share: '0.5'
`

func runDealerScenario(t *testing.T, opts Options) *Result {
	t.Helper()
	sc, err := Load("dealer.yaml", []byte(dealerScenario))
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(context.Background(), sc, opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// eventsOfDay returns the kinds of day d's simulation events.
func eventsOfDay(res *Result, d int) []*Event {
	var out []*Event
	for i := range res.Events() {
		if e := &res.Events()[i]; e.Phase == "simulation" && e.Day == d {
			out = append(out, e)
		}
	}
	return out
}

func TestDealerDayZero(t *testing.T) {
	res := runDealerScenario(t, Options{CheckInvariants: CheckSetup})
	var got []string
	for _, e := range eventsOfDay(res, 0) {
		got = append(got, e.Kind)
	}
	want := "PhaseA PhaseB SubphaseB1 SubphaseB_Dealer dealer_trade dealer_trade ClaimTransferredDealer CashMinted SubphaseB2 PhaseC"
	if strings.Join(got, " ") != want {
		t.Fatalf("day 0 events:\n got %s\nwant %s", strings.Join(got, " "), want)
	}
	day0 := eventsOfDay(res, 0)
	sell, buy, move, mint := day0[4], day0[5], day0[6], day0[7]
	if sell.GetString("trader") != "H2" || sell.GetString("side") != "sell" || sell.GetString("bucket") != "short" {
		t.Errorf("sell = %+v", sell.Fields)
	}
	if buy.GetString("trader") != "B" || buy.GetString("side") != "buy" || buy.GetString("ticket_id") != sell.GetString("ticket_id") {
		t.Errorf("buy = %+v", buy.Fields)
	}
	if v, _ := sell.Get("face"); v.Kind != FloatValue || v.Str() != "1000.0" {
		t.Errorf("face = %+v", v)
	}
	// The claim went H2 → dealer_short → B on the same day: one transfer.
	if move.GetString("from_holder") != "H2" || move.GetString("to_holder") != "B" {
		t.Errorf("claim transfer = %+v", move.Fields)
	}
	// H2's proceeds, price·face, are minted rounded half to even, without an alias.
	price, _ := sell.Get("price")
	if mint.GetString("to") != "H2" {
		t.Errorf("mint = %+v", mint.Fields)
	}
	if _, ok := mint.Get("alias"); ok {
		t.Errorf("the sync mint has an alias: %+v", mint.Fields)
	}
	if a, _ := mint.GetAmount("amount"); a.IsDecimal() || !strings.HasPrefix(price.Str(), a.String()[:3]) {
		t.Errorf("minted %s for a sale at %s", a, price.Str())
	}
	for _, k := range []string{"is_liquidity_driven", "reduces_margin_below_zero"} {
		_, onSell := sell.Get(k)
		_, onBuy := buy.Get(k)
		if onSell == onBuy {
			t.Errorf("%s on the sell %v and the buy %v", k, onSell, onBuy)
		}
	}
}

func TestDealerBurnAndSettlementToHolder(t *testing.T) {
	res := runDealerScenario(t, Options{CheckInvariants: CheckSetup})
	v := res.Final()
	// B paid more than its 600: the instrument is gone (no event) and the
	// rest is forgiven; the central bank's list keeps the stale id.
	cb := v.Agent("CB")
	live := map[string]bool{}
	for _, c := range v.Contracts {
		live[c.ID] = true
	}
	stale := 0
	for _, id := range cb.LiabilityIDs {
		if !live[id] {
			stale++
		}
	}
	if stale != 1 {
		t.Errorf("%d stale ids in the central bank's liabilities, want 1 (the burnt 600)", stale)
	}
	// The agents end with the dealers and VBTs, in bucket order.
	var tail []string
	for _, a := range v.Agents[len(v.Agents)-6:] {
		tail = append(tail, a.ID+"/"+a.Kind)
	}
	if got := strings.Join(tail, " "); got != "dealer_short/dealer vbt_short/vbt dealer_mid/dealer vbt_mid/vbt dealer_long/dealer vbt_long/vbt" {
		t.Errorf("last agents = %s", got)
	}
	// H1's payable now belongs to B, so H1 pays B on day 2.
	found := false
	for _, e := range res.Events() {
		if e.Kind == "PayableSettled" && e.GetString("debtor") == "H1" {
			found = true
			if e.GetString("creditor") != "B" || e.Day != 2 {
				t.Errorf("H1 paid %s on day %d, want B on day 2", e.GetString("creditor"), e.Day)
			}
		}
	}
	if !found {
		t.Errorf("H1 did not pay")
	}
	if b := v.Agent("B"); len(b.AssetIDs) != 1 {
		t.Errorf("B ends with %v, want the 1000 H1 paid", b.AssetIDs)
	} else {
		for _, c := range v.Contracts {
			if c.ID == b.AssetIDs[0] && (c.Kind != KindCash || c.Amount.String() != "1000") {
				t.Errorf("B ends with %s %s, want cash 1000 (its 600 burnt)", c.Kind, c.Amount)
			}
		}
	}
	// Dealer events happen every simulated day.
	days := 0
	for _, e := range res.Events() {
		if e.Kind == "SubphaseB_Dealer" {
			days++
		}
	}
	if days != res.DaysSimulated {
		t.Errorf("%d SubphaseB_Dealer for %d days", days, res.DaysSimulated)
	}
}

// The burn breaks the central bank's cash bookkeeping: a daily invariant
// check warns, as bilancio's sweep does, instead of failing the run.
func TestDealerDailyInvariantsWarn(t *testing.T) {
	res := runDealerScenario(t, Options{CheckInvariants: CheckDaily})
	if len(res.Warnings) == 0 || !strings.Contains(res.Warnings[0], "after day 0: invariant violated") {
		t.Errorf("warnings = %q", res.Warnings)
	}
	if setup := runDealerScenario(t, Options{}); len(setup.Warnings) != 0 || setup.DaysSimulated != res.DaysSimulated {
		t.Errorf("setup-only check: %q, %d days vs %d", setup.Warnings, setup.DaysSimulated, res.DaysSimulated)
	}
}

func TestDealerEras(t *testing.T) {
	data := runDealerScenario(t, Options{DealerEra: DealerDataEra})
	dec := runDealerScenario(t, Options{DetailedLogging: true})
	if len(data.Events()) != len(dec.Events()) {
		t.Fatalf("%d events in the data era, %d in December", len(data.Events()), len(dec.Events()))
	}
	for i := range data.Events() {
		d, e := &data.Events()[i], &dec.Events()[i]
		if d.Kind != e.Kind {
			t.Fatalf("event %d: %s vs %s", i, d.Kind, e.Kind)
		}
		if d.Kind == "dealer_trade" && len(e.Fields) != len(d.Fields)+1 {
			t.Errorf("December trade has %d fields, data era %d", len(e.Fields), len(d.Fields))
		}
	}
	if dec.Dealer == nil || dec.Dealer.Era != DealerDecember || len(dec.Dealer.State.Instruments.System) != dec.DaysSimulated {
		t.Errorf("December run records %+v", dec.Dealer)
	}
	// Without detailed logging a December run keeps its markets' daily
	// snapshots (the dealer metrics and the run's page read them), the same
	// but for what only the detailed files print, and no system snapshots.
	plain := runDealerScenario(t, Options{})
	got, want := plain.Dealer.State.Instruments.Buckets, dec.Dealer.State.Instruments.Buckets
	if len(plain.Dealer.State.Instruments.System) != 0 || len(got) != len(want) || len(got) == 0 {
		t.Fatalf("without detailed logging: %d system and %d bucket snapshots, want 0 and %d",
			len(plain.Dealer.State.Instruments.System), len(got), len(want))
	}
	for i := range got {
		w := want[i]
		w.TotalSystemFace, w.DealerSharePct = pynum.Amount{}, pynum.Amount{}
		if got[i] != w {
			t.Fatalf("bucket snapshot %d: %+v, detailed run has %+v", i, got[i], want[i])
		}
	}
	// Its trades leave out what only trades.csv prints; the dealer metrics
	// are the same.
	if a, b := plain.Dealer.State.Summarize(), dec.Dealer.State.Summarize(); !reflect.DeepEqual(a, b) {
		t.Fatalf("dealer metrics without detailed logging %+v, with %+v", a, b)
	}
	if len(plain.Dealer.State.Trades) == 0 || len(plain.Dealer.State.Trades) != len(dec.Dealer.State.Trades) {
		t.Fatalf("%d trades without detailed logging, %d with", len(plain.Dealer.State.Trades), len(dec.Dealer.State.Trades))
	}
	margins := 0
	for i := range plain.Dealer.State.Trades {
		p, d := &plain.Dealer.State.Trades[i], &dec.Dealer.State.Trades[i]
		if p.Price != d.Price || p.BidBefore != d.BidBefore || p.AskBefore != d.AskBefore || p.LiquidityDriven != d.LiquidityDriven ||
			p.ReducesMarginBelowZero != d.ReducesMarginBelowZero {
			t.Fatalf("trade %d without detailed logging %+v, with %+v", i, *p, *d)
		}
		if p.Side == dealer.Buy || p.LiquidityDriven {
			if p.MarginBefore != d.MarginBefore || p.MarginAfter != d.MarginAfter {
				t.Fatalf("trade %d's margins without detailed logging %s, %s; with %s, %s", i, p.MarginBefore, p.MarginAfter, d.MarginBefore, d.MarginAfter)
			}
			if !d.MarginBefore.IsZero() {
				margins++
			}
		}
	}
	if margins == 0 {
		t.Fatal("no trade whose margins the metrics read")
	}
	if _, err := ParseDealerEra("2024"); err == nil {
		t.Errorf("ParseDealerEra accepted 2024")
	}
	// Without the block, or with enabled: false, there is no dealer at all.
	off := strings.Replace(dealerScenario, "enabled: true", "enabled: false", 1)
	sc, err := Load("off.yaml", []byte(off))
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(context.Background(), sc, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range res.Events() {
		if strings.Contains(strings.ToLower(e.Kind), "dealer") {
			t.Fatalf("a disabled dealer logged %s", e.Kind)
		}
	}
	if res.Dealer != nil || len(res.Final().Agents) != 5 {
		t.Errorf("a disabled dealer left %d agents and %+v", len(res.Final().Agents), res.Dealer)
	}
}

// bilancio's display bug (spec/dealer.md §14), emulated on request only:
// with the central bank in run.show.balances, the id B's burnt instrument
// leaves in its liabilities stops the run after day 1.
func TestDealerDisplayTruncation(t *testing.T) {
	shown := strings.Replace(dealerScenario, "  default_handling: expel-agent\n",
		"  default_handling: expel-agent\n  show:\n    balances: [CB, H1, H2, H3, B]\n", 1)
	sc, err := Load("shown.yaml", []byte(shown))
	if err != nil {
		t.Fatal(err)
	}
	full, err := Run(context.Background(), sc, Options{})
	if err != nil {
		t.Fatal(err)
	}
	cut, err := Run(context.Background(), sc, Options{EmulateDisplayTruncation: true})
	if err != nil {
		t.Fatal(err)
	}
	if cut.Stop != StopDisplayTruncated || cut.DaysSimulated != 2 {
		t.Errorf("emulated: stop %s after %d days, want display_truncated after 2 (days 0 and 1)", cut.Stop, cut.DaysSimulated)
	}
	if full.Stop == StopDisplayTruncated || full.DaysSimulated <= cut.DaysSimulated {
		t.Errorf("by default: stop %s after %d days", full.Stop, full.DaysSimulated)
	}
	// Without the central bank in the list nothing is cut.
	sc2, err := Load("plain.yaml", []byte(dealerScenario))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := Run(context.Background(), sc2, Options{EmulateDisplayTruncation: true})
	if err != nil {
		t.Fatal(err)
	}
	if plain.Stop != full.Stop || plain.DaysSimulated != full.DaysSimulated {
		t.Errorf("no central bank shown: %s after %d days, want %s after %d", plain.Stop, plain.DaysSimulated, full.Stop, full.DaysSimulated)
	}
}

// staleDealerCash lists the traders whose cash P0 would keep (their agent is
// not marked moved) although it is no longer what P0 read: the cash refresh
// would miss a change.
func staleDealerCash(s *system) []string {
	var stale []string
	d := s.dealer
	for i, a := range d.traders {
		if s.st.agents[a].moved {
			continue
		}
		if now := s.agentCash(a); now != d.cash[i] {
			stale = append(stale, fmt.Sprintf("%s: read %s, now %s", s.st.agents[a].id, d.cash[i], now))
		}
	}
	return stale
}

// The daily cash refresh reads again only the agents the engine marked as
// moved: every change of an agent's cash — payments, splits, merges, mints,
// the sync's mints and burns, expulsions — must mark it. Checked before
// every day of dealer rings that trade, settle, default and burn.
func TestDealerCashRefreshSeesEveryChange(t *testing.T) {
	ring := func(n int, cash, amount int64, mode string) string {
		var b strings.Builder
		b.WriteString("version: 1\nname: ring\nagents:\n- {id: CB, kind: central_bank, name: CB}\n")
		for i := 1; i <= n; i++ {
			fmt.Fprintf(&b, "- {id: H%d, kind: household, name: H%d}\n", i, i)
		}
		b.WriteString("initial_actions:\n")
		for i := 1; i <= n; i++ {
			if c := cash * int64(i%4) / 2; c > 0 {
				fmt.Fprintf(&b, "- mint_cash: {to: H%d, amount: %d}\n", i, c)
			}
		}
		for i := 1; i <= n; i++ {
			fmt.Fprintf(&b, "- create_payable: {from: H%d, to: H%d, amount: %d, due_day: %d}\n", i, i%n+1, amount+int64(i), 1+i%12)
		}
		fmt.Fprintf(&b, "run: {mode: until_stable, max_days: 20, quiet_days: 2, default_handling: %s}\n", mode)
		b.WriteString("dealer: {enabled: true, ticket_size: 1, dealer_share: '0.25', vbt_share: '0.5'}\n")
		return b.String()
	}
	for name, text := range map[string]string{
		"burn":          dealerScenario,
		"ring expel":    ring(30, 900, 800, ExpelAgent),
		"ring failfast": ring(12, 1500, 1000, FailFast),
	} {
		t.Run(name, func(t *testing.T) {
			sc, err := Load("dealer.yaml", []byte(text))
			if err != nil {
				t.Fatal(err)
			}
			s, err := newSystem(sc, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.setup(context.Background(), sc); err != nil {
				t.Fatal(err)
			}
			cfg, err := dealer.ParseConfig(true, sc.Dealer.Raw)
			if err != nil {
				t.Fatal(err)
			}
			s.initDealer(cfg, DealerDecember, true)
			trades := 0
			for range sc.Run.MaxDays {
				if stale := staleDealerCash(s); len(stale) > 0 {
					t.Fatalf("before day %d: %s", s.st.day, strings.Join(stale, "; "))
				}
				err := s.runDay()
				if _, ok := isDefaultError(err); err != nil && !ok {
					t.Fatal(err)
				} else if ok {
					break
				}
				trades = len(s.dealer.st.Trades)
			}
			if trades == 0 {
				t.Errorf("no trade: the scenario does not exercise the sync")
			}
		})
	}
}
