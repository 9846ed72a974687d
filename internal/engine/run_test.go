package engine

import (
	"context"
	"strings"
	"testing"

	"github.com/bilancio-go/bilancio/internal/pynum"
)

// ring builds a ring scenario: cash[i] minted to H(i+1) (0 = none), payable i
// from H(i+1) to the next agent with amounts[i] due on dues[i].
func ring(mode string, cash []pynum.Amount, amounts []pynum.Amount, dues []int64) *Scenario {
	n := len(amounts)
	sc := &Scenario{Version: 1, Name: "test ring", Run: DefaultRunConfig()}
	sc.Run.DefaultHandling = mode
	sc.Run.MaxDays = 30
	sc.Agents = append(sc.Agents, AgentSpec{ID: "CB", Kind: "central_bank", Name: "Central Bank"})
	id := func(i int) string { return "H" + itoa(i%n+1) }
	for i := 0; i < n; i++ {
		sc.Agents = append(sc.Agents, AgentSpec{ID: id(i), Kind: "household", Name: "Agent " + itoa(i+1)})
	}
	for i, c := range cash {
		if c.IsZero() {
			continue
		}
		sc.InitialActions = append(sc.InitialActions, Action{Kind: ActMintCash, To: id(i), Amount: c, Alias: "LIQ_" + id(i), HasAlias: true})
	}
	for i := range amounts {
		sc.InitialActions = append(sc.InitialActions, Action{Kind: ActCreatePayable, From: id(i), To: id(i + 1),
			Amount: amounts[i], DueDay: dues[i], Alias: "P_" + id(i) + "_" + id(i+1), HasAlias: true})
	}
	return sc
}

func itoa(i int) string { return pynum.Int(int64(i)).String() }

func dec(s string) pynum.Amount {
	a, err := pynum.ParseDecimal(s)
	if err != nil {
		panic(err)
	}
	return a
}

// kinds lists the kinds of the simulation-phase events, day markers excluded.
func kinds(res *Result) string {
	var k []string
	for _, e := range res.Events() {
		switch e.Kind {
		case "PhaseA", "PhaseB", "SubphaseB1", "SubphaseB2", "PhaseC", "CashMinted", "PayableCreated":
			continue
		}
		k = append(k, e.Kind)
	}
	return strings.Join(k, " ")
}

func TestRunRings(t *testing.T) {
	tests := []struct {
		name        string
		sc          *Scenario
		wantStop    StopReason
		wantDays    int
		wantKinds   string
		wantMessage string
	}{
		{
			name: "ring clears in one day",
			sc: ring(ExpelAgent, []pynum.Amount{dec("100"), {}, {}},
				[]pynum.Amount{dec("100"), dec("100"), dec("100")}, []int64{1, 2, 3}),
			wantStop: StopStable, wantDays: 6,
			wantKinds: "CashTransferred PayableSettled CashTransferred PayableSettled CashTransferred PayableSettled",
		},
		{
			name: "partial payment then expulsion",
			sc: ring(ExpelAgent, []pynum.Amount{dec("50"), {}, {}},
				[]pynum.Amount{dec("80"), dec("40"), dec("30")}, []int64{1, 2, 3}),
			wantStop: StopStable, wantDays: 6,
			// Each receiver has no cash of its own, so nothing merges.
			wantKinds: "CashTransferred PartialSettlement ObligationDefaulted AgentDefaulted " +
				"CashTransferred PayableSettled CashTransferred PayableSettled",
		},
		{
			name: "fail-fast stops at the first default and rolls it back",
			sc: ring(FailFast, []pynum.Amount{dec("50"), {}, {}},
				[]pynum.Amount{dec("80"), dec("40"), dec("30")}, []int64{1, 2, 3}),
			wantStop: StopDefault, wantDays: 2, wantKinds: "",
			wantMessage: "Insufficient funds to settle payable PAY_000000000002: 30 still owed",
		},
		{
			name: "all defaulted: the last default is rolled back",
			sc: ring(ExpelAgent, []pynum.Amount{{}, {}, {}},
				[]pynum.Amount{dec("10"), dec("10"), dec("10")}, []int64{1, 1, 1}),
			wantStop: StopAllDefaulted, wantDays: 2,
			wantKinds:   "ObligationDefaulted AgentDefaulted ObligationDefaulted AgentDefaulted",
			wantMessage: "All non-central-bank agents have defaulted",
		},
		{
			name: "a payable truncated to zero settles without payment",
			sc: ring(ExpelAgent, []pynum.Amount{dec("1"), {}, {}},
				[]pynum.Amount{dec("0.5"), dec("1"), dec("1")}, []int64{1, 2, 3}),
			// Day 1 settles the zero payable; H2 and H3 hold nothing and are
			// expelled (no PartialSettlement when nothing was paid); days 2 and 3
			// are quiet and nothing is open, so the run stops after day 3.
			wantStop: StopStable, wantDays: 4,
			wantKinds: "PayableSettled ObligationDefaulted AgentDefaulted ObligationDefaulted AgentDefaulted",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Run(context.Background(), tt.sc, Options{CheckInvariants: CheckDaily})
			if err != nil {
				t.Fatal(err)
			}
			if res.Stop != tt.wantStop || res.DaysSimulated != tt.wantDays {
				t.Errorf("stop %s after %d days, want %s after %d", res.Stop, res.DaysSimulated, tt.wantStop, tt.wantDays)
			}
			if got := kinds(res); got != tt.wantKinds {
				t.Errorf("events:\n got  %s\n want %s", got, tt.wantKinds)
			}
			if res.StopMessage != tt.wantMessage {
				t.Errorf("message %q, want %q", res.StopMessage, tt.wantMessage)
			}
		})
	}
}

// The fail-fast rollback leaves the failing payable outstanding and the last
// event is SubphaseB2 (or the preceding settlement); the day counter stays.
func TestFailFastState(t *testing.T) {
	sc := ring(FailFast, []pynum.Amount{dec("50"), {}, {}},
		[]pynum.Amount{dec("50"), dec("40"), dec("45")}, []int64{1, 1, 1})
	res, err := Run(context.Background(), sc, Options{})
	if err != nil {
		t.Fatal(err)
	}
	last := res.Events()[len(res.Events())-1]
	if last.Kind != "PayableSettled" || last.GetString("debtor") != "H2" {
		t.Errorf("last event %s by %s, want H2's PayableSettled", last.Kind, last.GetString("debtor"))
	}
	if res.Final().Day != 1 {
		t.Errorf("day counter %d, want 1 (not incremented on a default)", res.Final().Day)
	}
	var open []string
	for _, c := range res.Final().Contracts {
		if c.Kind == KindPayable {
			open = append(open, c.Issuer)
		}
	}
	if strings.Join(open, ",") != "H3" {
		t.Errorf("open payables of %v, want H3's only", open)
	}
}

// Amount types follow Python: a payable paid in full moves an int piece; the
// payer keeps a Decimal remainder.
func TestAmountTypesAfterSettlement(t *testing.T) {
	sc := ring(ExpelAgent, []pynum.Amount{dec("100"), {}, {}},
		[]pynum.Amount{dec("36.9"), dec("10"), dec("0.2")}, []int64{1, 5, 5})
	res, err := Run(context.Background(), sc, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"H1": "64.0 (decimal)", "H2": "26 (int)", "H3": "10 (int)"}
	for _, c := range res.Final().Contracts {
		if c.Kind != KindCash {
			continue
		}
		typ := "int"
		if c.Amount.IsDecimal() {
			typ = "decimal"
		}
		got := pynum.BalanceCell(c.Amount) + " (" + typ + ")"
		if got != want[c.Holder] {
			t.Errorf("%s holds %s, want %s", c.Holder, got, want[c.Holder])
		}
	}
}

// Expelling an agent writes off its other liabilities and cancels the
// scheduled actions that name it.
func TestExpelWritesOffAndCancels(t *testing.T) {
	sc := ring(ExpelAgent, []pynum.Amount{{}, dec("5"), dec("5")},
		[]pynum.Amount{dec("10"), dec("5"), dec("5")}, []int64{1, 3, 3})
	sc.InitialActions = append(sc.InitialActions, Action{Kind: ActCreatePayable, From: "H1", To: "H3", Amount: dec("7"), DueDay: 4, Alias: "EXTRA", HasAlias: true})
	sc.ScheduledActions = []ScheduledAction{
		{Day: 2, Action: Action{Kind: ActTransferCash, FromAgent: "H2", ToAgent: "H1", Amount: dec("1")}},
		{Day: 2, Action: Action{Kind: ActTransferCash, FromAgent: "H2", ToAgent: "H3", Amount: dec("1")}},
	}
	res, err := Run(context.Background(), sc, Options{CheckInvariants: CheckDaily})
	if err != nil {
		t.Fatal(err)
	}
	// Day 1: H1 cannot pay; expelling it writes off EXTRA and cancels the
	// transfer to H1. Day 2: H2 sends 1 to H3. Day 3: H2 pays 4 of 5 and is
	// expelled, which cancels its day-2 action again (bilancio keeps executed
	// days in its schedule); H3 then pays H1 in full.
	want := "ObligationDefaulted AgentDefaulted ObligationWrittenOff ScheduledActionCancelled " +
		"CashTransferred InstrumentMerged " +
		"CashTransferred InstrumentMerged PartialSettlement ObligationDefaulted AgentDefaulted ScheduledActionCancelled " +
		"CashTransferred PayableSettled"
	if got := kinds(res); got != want {
		t.Errorf("events:\n got  %s\n want %s", got, want)
	}
	for _, e := range res.Events() {
		if e.Kind == "ObligationWrittenOff" {
			if e.GetString("alias") != "EXTRA" || e.GetString("creditor") != "H3" {
				t.Errorf("written off %v", e.Fields)
			}
			if d, _ := e.GetInt("due_day"); d != 4 {
				t.Errorf("written-off due_day %d, want 4", d)
			}
		}
	}
}

func TestDeterministicIDs(t *testing.T) {
	sc := ring(ExpelAgent, []pynum.Amount{dec("50"), {}, {}},
		[]pynum.Amount{dec("80"), dec("40"), dec("30")}, []int64{1, 2, 3})
	a, _ := Run(context.Background(), sc, Options{})
	b, _ := Run(context.Background(), sc, Options{})
	if len(a.Events()) != len(b.Events()) {
		t.Fatal("event counts differ between two runs")
	}
	for i := range a.Events() {
		if a.Events()[i].GetString("instr_id") != b.Events()[i].GetString("instr_id") ||
			a.Events()[i].GetString("payable_id") != b.Events()[i].GetString("payable_id") {
			t.Fatalf("event %d ids differ between runs", i)
		}
	}
	id := a.Events()[0].GetString("instr_id")
	if len(id) != len("C_")+12 || !strings.HasPrefix(id, "C_") {
		t.Errorf("id %q not in bilancio's shape", id)
	}
}

func TestCancelledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	sc := ring(ExpelAgent, []pynum.Amount{dec("50"), {}, {}}, []pynum.Amount{dec("80"), dec("40"), dec("30")}, []int64{1, 2, 3})
	if _, err := Run(ctx, sc, Options{}); err == nil {
		t.Fatal("want an error from a cancelled context")
	}
}
