package engine

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/bilancio-go/bilancio/internal/pynum"
)

// newScenario builds a scenario with agents given as "id:kind".
func newScenario(mode string, agents ...string) *Scenario {
	sc := &Scenario{Version: 1, Name: "test", Run: DefaultRunConfig()}
	sc.Run.DefaultHandling = mode
	sc.Run.MaxDays = 20
	for _, a := range agents {
		id, kind, _ := strings.Cut(a, ":")
		sc.Agents = append(sc.Agents, AgentSpec{ID: id, Kind: kind, Name: id})
	}
	return sc
}

// act builds an action from YAML-like key/value pairs: amount and unit_price
// are Decimals, quantity and due_day ints, alias sets HasAlias.
func act(kind string, kv ...string) Action {
	a := Action{Kind: kind}
	for i := 0; i+1 < len(kv); i += 2 {
		k, v := kv[i], kv[i+1]
		switch k {
		case "amount", "unit_price":
			d, err := pynum.ParseDecimal(v)
			if err != nil {
				panic(err)
			}
			if k == "amount" {
				a.Amount = d
			} else {
				a.UnitPrice = d
			}
		case "quantity", "due_day":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				panic(err)
			}
			if k == "quantity" {
				a.Quantity = n
			} else {
				a.DueDay = n
			}
		case "alias":
			a.Alias, a.HasAlias = v, true
		default:
			field := map[string]*string{
				"to": &a.To, "from": &a.From, "from_agent": &a.FromAgent, "to_agent": &a.ToAgent,
				"from_bank": &a.FromBank, "to_bank": &a.ToBank, "customer": &a.Customer, "bank": &a.Bank,
				"payer": &a.Payer, "payee": &a.Payee, "owner": &a.Owner, "sku": &a.SKU,
				"contract_alias": &a.ContractAlias, "contract_id": &a.ContractID,
			}[k]
			if field == nil {
				panic("unknown action key " + k)
			}
			*field = v
		}
	}
	return a
}

// at schedules an action on day.
func at(day int64, a Action) ScheduledAction { return ScheduledAction{Day: day, Action: a} }

// idPad matches the zero padding of the engine's sequential ids.
var idPad = regexp.MustCompile(`\b(C|PAY|P|D|R|S)_0*([0-9a-f]+)\b`)

// shortIDs writes C_000000000005 as C_5.
func shortIDs(s string) string { return idPad.ReplaceAllString(s, "${1}_$2") }

// renderValue prints a payload value; a Decimal amount is prefixed "d:".
func renderValue(v Value) string {
	switch v.Kind {
	case NullValue:
		return "null"
	case StringValue:
		return v.Str()
	case IntValue:
		return strconv.FormatInt(v.Int(), 10)
	case AmountValue:
		return renderAmount(v.Amount())
	case BoolValue:
		return strconv.FormatBool(v.Bool())
	case ListValue:
		items := make([]string, len(v.Items()))
		for i, it := range v.Items() {
			items[i] = renderValue(it.Val)
		}
		return "[" + strings.Join(items, ",") + "]"
	case ObjectValue:
		items := make([]string, len(v.Items()))
		for i, f := range v.Items() {
			items[i] = f.Key + "=" + renderValue(f.Val)
		}
		return "{" + strings.Join(items, ",") + "}"
	}
	return "?"
}

func renderAmount(a pynum.Amount) string {
	if a.IsDecimal() {
		return "d:" + a.String()
	}
	return a.String()
}

// renderEvents prints the events, day markers left out, one per line:
// "<day> <kind> key=value ...".
func renderEvents(events []Event) string {
	var b strings.Builder
	for _, e := range events {
		switch e.Kind {
		case "PhaseA", "PhaseB", "SubphaseB1", "SubphaseB2", "PhaseC":
			continue
		}
		fmt.Fprintf(&b, "%d %s", e.Day, e.Kind)
		for _, f := range e.Fields {
			fmt.Fprintf(&b, " %s=%s", f.Key, renderValue(f.Val))
		}
		b.WriteByte('\n')
	}
	return shortIDs(b.String())
}

// renderState prints the contracts and stock lots of a state, one per line.
func renderState(v *StateView) string {
	var b strings.Builder
	for _, c := range v.Contracts {
		fmt.Fprintf(&b, "%s %s %s %s<-%s", c.ID, c.Kind, renderAmount(c.Amount), c.Holder, c.Issuer)
		if c.Kind == KindPayable || c.Kind == KindDeliveryObligation {
			fmt.Fprintf(&b, " due=%d", c.DueDay)
		}
		if c.Kind == KindDeliveryObligation {
			fmt.Fprintf(&b, " %s@%s", c.SKU, renderAmount(c.UnitPrice))
		}
		b.WriteByte('\n')
	}
	for _, s := range v.Stocks {
		fmt.Fprintf(&b, "%s %s %d@%s %s\n", s.ID, s.SKU, s.Quantity, renderAmount(s.UnitPrice), s.Owner)
	}
	return shortIDs(b.String())
}

// lines trims a raw expected text block into the renderers' shape.
func lines(s string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	if len(out) == 0 {
		return ""
	}
	return strings.Join(out, "\n") + "\n"
}

// runCase runs sc with daily invariant checks.
func runCase(t *testing.T, sc *Scenario) *Result {
	t.Helper()
	res, err := Run(context.Background(), sc, Options{CheckInvariants: CheckDaily})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return res
}

// expect compares a rendering with the expected text.
func expect(t *testing.T, what, got, want string) {
	t.Helper()
	if got != lines(want) {
		t.Errorf("%s:\n--- got\n%s--- want\n%s", what, got, lines(want))
	}
}

// A failing atomic block undoes the state changes of the nested blocks that
// succeeded inside it: a fail-fast default after a partial payment restores
// the payment, as bilancio's deep-copy snapshot does.
func TestNestedRollback(t *testing.T) {
	sc := newScenario(FailFast, "CB:central_bank", "H1:household", "H2:household")
	sc.InitialActions = []Action{
		act(ActMintCash, "to", "H1", "amount", "5"),
		act(ActCreatePayable, "from", "H1", "to", "H2", "amount", "9", "due_day", "0"),
	}
	res := runCase(t, sc)
	if c := res.Final().Contracts[0]; c.Holder != "H1" {
		t.Fatalf("the rolled-back payment stayed with %s, want it back with H1", c.Holder)
	}
}

// runError runs sc and returns its error, which must be an ActionError.
func runError(t *testing.T, sc *Scenario) error {
	t.Helper()
	_, err := Run(context.Background(), sc, Options{})
	var ae *ActionError
	if !errors.As(err, &ae) {
		t.Fatalf("Run error %v, want an ActionError", err)
	}
	return err
}

// bankAgents are the agents of the banking tests.
var bankAgents = []string{"CB:central_bank", "B1:bank", "B2:bank", "H1:household", "H2:household", "H3:household"}

// mopScenario: H1 owes H2 60 and holds a 30 deposit at B1 and 50 cash; H2
// banks at B2.
func mopScenario() *Scenario {
	sc := newScenario(FailFast, bankAgents...)
	sc.InitialActions = []Action{
		act(ActMintReserves, "to", "B1", "amount", "100"),
		act(ActMintCash, "to", "H1", "amount", "80"),
		act(ActMintCash, "to", "H2", "amount", "10"),
		act(ActDepositCash, "customer", "H1", "bank", "B1", "amount", "30"),
		act(ActDepositCash, "customer", "H2", "bank", "B2", "amount", "10"),
		act(ActCreatePayable, "from", "H1", "to", "H2", "amount", "60", "due_day", "1", "alias", "P1"),
		act(ActCreatePayable, "from", "H2", "to", "H3", "amount", "5", "due_day", "2"),
	}
	return sc
}

// shortScenario: H1 owes 60 but has 25 in deposits and 15 in cash.
func shortScenario(mode string) *Scenario {
	sc := newScenario(mode, bankAgents...)
	sc.InitialActions = []Action{
		act(ActMintReserves, "to", "B1", "amount", "100"),
		act(ActMintCash, "to", "H1", "amount", "40"),
		act(ActDepositCash, "customer", "H1", "bank", "B1", "amount", "25"),
		act(ActCreatePayable, "from", "H1", "to", "H2", "amount", "60", "due_day", "1", "alias", "P1"),
		act(ActCreatePayable, "from", "H1", "to", "H3", "amount", "7", "due_day", "3", "alias", "P2"),
		act(ActCreatePayable, "from", "H2", "to", "H3", "amount", "30", "due_day", "2"),
	}
	sc.ScheduledActions = []ScheduledAction{
		at(2, act(ActMintCash, "to", "H1", "amount", "1")),
		at(2, act(ActTransferCash, "from_agent", "H3", "to_agent", "H1", "amount", "1")),
	}
	return sc
}

func TestPayWithDepositsThenCash(t *testing.T) {
	override := mopScenario()
	override.PolicyOverrides = map[string][]string{"household": {KindCash, KindBankDeposit}}
	tests := []struct {
		name        string
		sc          *Scenario
		wantEvents  string
		wantState   string
		wantStop    StopReason
		wantMessage string
	}{
		{name: "deposits first, then cash", sc: mopScenario(), wantStop: StopStable, wantEvents: `
				0 ReservesMinted to=B1 amount=d:100 instr_id=R_1
				0 CashMinted to=H1 amount=d:80 instr_id=C_2
				0 CashMinted to=H2 amount=d:10 instr_id=C_3
				0 CashDeposited customer=H1 bank=B1 amount=d:30 cash_piece_ids=[C_4] deposit_id=D_5
				0 CashDeposited customer=H2 bank=B2 amount=d:10 cash_piece_ids=[C_3] deposit_id=D_6
				0 PayableCreated debtor=H1 creditor=H2 amount=60 due_day=1 payable_id=PAY_7 alias=P1
				0 PayableCreated debtor=H2 creditor=H3 amount=5 due_day=2 payable_id=PAY_8 alias=null
				1 ClientPayment payer=H1 payer_bank=B1 payee=H2 payee_bank=B2 amount=d:30
				1 CashTransferred frm=H1 to=H2 amount=d:30 instr_id=C_9
				1 PayableSettled pid=PAY_7 contract_id=PAY_7 alias=P1 debtor=H1 creditor=H2 amount=60
				1 ReservesTransferred frm=B1 to=B2 amount=d:30 instr_id=C_a
				1 InterbankCleared debtor_bank=B1 creditor_bank=B2 amount=d:30
				2 IntraBankPayment payer=H2 payee=H3 bank=B2 amount=5
				2 PayableSettled pid=PAY_8 contract_id=PAY_8 alias=null debtor=H2 creditor=H3 amount=5
			`, wantState: `
				R_1 reserve_deposit d:70 B1<-CB
				C_2 cash d:20 H1<-CB
				C_3 cash d:10 B2<-CB
				C_4 cash d:30 B1<-CB
				D_6 bank_deposit d:35 H2<-B2
				C_9 cash d:30 H2<-CB
				C_a reserve_deposit d:30 B2<-CB
				D_b bank_deposit 5 H3<-B2
			`},
		{name: "policy override: cash first", sc: override, wantStop: StopStable, wantEvents: `
				0 ReservesMinted to=B1 amount=d:100 instr_id=R_1
				0 CashMinted to=H1 amount=d:80 instr_id=C_2
				0 CashMinted to=H2 amount=d:10 instr_id=C_3
				0 CashDeposited customer=H1 bank=B1 amount=d:30 cash_piece_ids=[C_4] deposit_id=D_5
				0 CashDeposited customer=H2 bank=B2 amount=d:10 cash_piece_ids=[C_3] deposit_id=D_6
				0 PayableCreated debtor=H1 creditor=H2 amount=60 due_day=1 payable_id=PAY_7 alias=P1
				0 PayableCreated debtor=H2 creditor=H3 amount=5 due_day=2 payable_id=PAY_8 alias=null
				1 CashTransferred frm=H1 to=H2 amount=d:50 instr_id=C_2
				1 ClientPayment payer=H1 payer_bank=B1 payee=H2 payee_bank=B2 amount=d:10
				1 PayableSettled pid=PAY_7 contract_id=PAY_7 alias=P1 debtor=H1 creditor=H2 amount=60
				1 ReservesTransferred frm=B1 to=B2 amount=d:10 instr_id=C_9
				1 InterbankCleared debtor_bank=B1 creditor_bank=B2 amount=d:10
				2 CashTransferred frm=H2 to=H3 amount=5 instr_id=C_a
				2 PayableSettled pid=PAY_8 contract_id=PAY_8 alias=null debtor=H2 creditor=H3 amount=5
			`, wantState: `
				R_1 reserve_deposit d:90 B1<-CB
				C_2 cash d:45 H2<-CB
				C_3 cash d:10 B2<-CB
				C_4 cash d:30 B1<-CB
				D_5 bank_deposit d:20 H1<-B1
				D_6 bank_deposit d:20 H2<-B2
				C_9 reserve_deposit d:10 B2<-CB
				C_a cash 5 H3<-CB
			`},
		{name: "shortfall, expel-agent", sc: shortScenario(ExpelAgent), wantStop: StopStable, wantEvents: `
				0 ReservesMinted to=B1 amount=d:100 instr_id=R_1
				0 CashMinted to=H1 amount=d:40 instr_id=C_2
				0 CashDeposited customer=H1 bank=B1 amount=d:25 cash_piece_ids=[C_3] deposit_id=D_4
				0 PayableCreated debtor=H1 creditor=H2 amount=60 due_day=1 payable_id=PAY_5 alias=P1
				0 PayableCreated debtor=H1 creditor=H3 amount=7 due_day=3 payable_id=PAY_6 alias=P2
				0 PayableCreated debtor=H2 creditor=H3 amount=30 due_day=2 payable_id=PAY_7 alias=null
				1 IntraBankPayment payer=H1 payee=H2 bank=B1 amount=d:25
				1 CashTransferred frm=H1 to=H2 amount=d:15 instr_id=C_2
				1 PartialSettlement contract_id=PAY_5 alias=P1 debtor=H1 creditor=H2 contract_kind=payable settlement_kind=payable amount_paid=d:40 shortfall=d:20 original_amount=60 distribution=[{method=bank_deposit,amount=d:25},{method=cash,amount=d:15}]
				1 ObligationDefaulted contract_id=PAY_5 alias=P1 debtor=H1 creditor=H2 contract_kind=payable shortfall=d:20 amount_paid=d:40 original_amount=60 amount=d:20
				1 AgentDefaulted agent=H1 frm=H1 trigger_contract=PAY_5 contract_kind=payable shortfall=d:20 mode=expel-agent
				1 ObligationWrittenOff contract_id=PAY_6 alias=P2 debtor=H1 creditor=H3 contract_kind=payable amount=7 due_day=3
				1 ScheduledActionCancelled agent=H1 scheduled_day=2 action=mint_cash mode=expel-agent
				1 ScheduledActionCancelled agent=H1 scheduled_day=2 action=transfer_cash mode=expel-agent
				2 IntraBankPayment payer=H2 payee=H3 bank=B1 amount=d:25
				2 CashTransferred frm=H2 to=H3 amount=d:5 instr_id=C_a
				2 PayableSettled pid=PAY_7 contract_id=PAY_7 alias=null debtor=H2 creditor=H3 amount=30
			`, wantState: `
				R_1 reserve_deposit d:100 B1<-CB
				C_2 cash d:10 H2<-CB
				C_3 cash d:25 B1<-CB
				D_9 bank_deposit d:25 H3<-B1
				C_a cash d:5 H3<-CB
			`},
		{name: "shortfall, fail-fast", sc: shortScenario(FailFast), wantStop: StopDefault, wantEvents: `
				0 ReservesMinted to=B1 amount=d:100 instr_id=R_1
				0 CashMinted to=H1 amount=d:40 instr_id=C_2
				0 CashDeposited customer=H1 bank=B1 amount=d:25 cash_piece_ids=[C_3] deposit_id=D_4
				0 PayableCreated debtor=H1 creditor=H2 amount=60 due_day=1 payable_id=PAY_5 alias=P1
				0 PayableCreated debtor=H1 creditor=H3 amount=7 due_day=3 payable_id=PAY_6 alias=P2
				0 PayableCreated debtor=H2 creditor=H3 amount=30 due_day=2 payable_id=PAY_7 alias=null
			`, wantState: `
				R_1 reserve_deposit d:100 B1<-CB
				C_2 cash d:15 H1<-CB
				C_3 cash d:25 B1<-CB
				D_4 bank_deposit d:25 H1<-B1
				PAY_5 payable 60 H2<-H1 due=1
				PAY_6 payable 7 H3<-H1 due=3
				PAY_7 payable 30 H3<-H2 due=2
			`,
			wantMessage: "Insufficient funds to settle payable PAY_000000000005: 20 still owed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runCase(t, tt.sc)
			expect(t, "events", renderEvents(res.Events()), tt.wantEvents)
			expect(t, "final state", renderState(res.Final()), tt.wantState)
			if res.Stop != tt.wantStop || res.StopMessage != tt.wantMessage {
				t.Errorf("stop %s %q, want %s %q", res.Stop, res.StopMessage, tt.wantStop, tt.wantMessage)
			}
		})
	}
}

// scenarioCase is one scenario with its expected events, final contracts and
// stock lots, and stop.
type scenarioCase struct {
	name        string
	sc          *Scenario
	wantEvents  string
	wantState   string
	wantStop    StopReason
	wantMessage string
}

// runScenarioCases runs each case and compares events, state and stop.
func runScenarioCases(t *testing.T, tests []scenarioCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runCase(t, tt.sc)
			expect(t, "events", renderEvents(res.Events()), tt.wantEvents)
			expect(t, "final state", renderState(res.Final()), tt.wantState)
			if res.Stop != tt.wantStop || res.StopMessage != tt.wantMessage {
				t.Errorf("stop %s %q, want %s %q", res.Stop, res.StopMessage, tt.wantStop, tt.wantMessage)
			}
		})
	}
}

func TestBankingOperations(t *testing.T) {
	twoBanks := newScenario(ExpelAgent, bankAgents...)
	twoBanks.InitialActions = []Action{
		act(ActMintReserves, "to", "B1", "amount", "100"),
		act(ActMintCash, "to", "H1", "amount", "100"),
		act(ActDepositCash, "customer", "H1", "bank", "B1", "amount", "10"),
		act(ActDepositCash, "customer", "H1", "bank", "B2", "amount", "50"),
		act(ActCreatePayable, "from", "H1", "to", "H2", "amount", "40", "due_day", "1"),
		act(ActCreatePayable, "from", "H1", "to", "H2", "amount", "5", "due_day", "2"),
	}
	intra := newScenario(FailFast, append(bankAgents, "F1:firm")...)
	intra.InitialActions = []Action{
		act(ActMintCash, "to", "F1", "amount", "10"),
		act(ActMintCash, "to", "H2", "amount", "10"),
		act(ActDepositCash, "customer", "F1", "bank", "B1", "amount", "4"),
		act(ActDepositCash, "customer", "H2", "bank", "B1", "amount", "1"),
		act(ActCreatePayable, "from", "F1", "to", "H2", "amount", "9", "due_day", "1"),
		act(ActClientPayment, "payer", "H2", "payee", "F1", "amount", "1"),
		act(ActWithdrawCash, "customer", "F1", "bank", "B1", "amount", "1"),
	}
	lastBank := newScenario(FailFast, bankAgents...)
	lastBank.InitialActions = []Action{
		act(ActMintReserves, "to", "B1", "amount", "5"),
		act(ActMintCash, "to", "H1", "amount", "100"),
		act(ActMintCash, "to", "H2", "amount", "100"),
		act(ActDepositCash, "customer", "H1", "bank", "B1", "amount", "10"),
		act(ActDepositCash, "customer", "H1", "bank", "B2", "amount", "40"),
		act(ActDepositCash, "customer", "H2", "bank", "B1", "amount", "3"),
		act(ActClientPayment, "payer", "H1", "payee", "H2", "amount", "30"),
		act(ActClientPayment, "payer", "H2", "payee", "H1", "amount", "2.5"),
	}
	lastBank.ScheduledActions = []ScheduledAction{at(1, act(ActClientPayment, "payer", "H2", "payee", "H1", "amount", "0.5"))}
	runScenarioCases(t, []scenarioCase{
		// The payment is capped by the deposits at both banks but debits only
		// the first bank's, which cannot cover it: deposits pay nothing.
		{name: "deposits at two banks", sc: twoBanks, wantStop: StopStable, wantEvents: `
				0 ReservesMinted to=B1 amount=d:100 instr_id=R_1
				0 CashMinted to=H1 amount=d:100 instr_id=C_2
				0 CashDeposited customer=H1 bank=B1 amount=d:10 cash_piece_ids=[C_3] deposit_id=D_4
				0 CashDeposited customer=H1 bank=B2 amount=d:50 cash_piece_ids=[C_5] deposit_id=D_6
				0 PayableCreated debtor=H1 creditor=H2 amount=40 due_day=1 payable_id=PAY_7 alias=null
				0 PayableCreated debtor=H1 creditor=H2 amount=5 due_day=2 payable_id=PAY_8 alias=null
				1 CashTransferred frm=H1 to=H2 amount=40 instr_id=C_2
				1 PayableSettled pid=PAY_7 contract_id=PAY_7 alias=null debtor=H1 creditor=H2 amount=40
				2 IntraBankPayment payer=H1 payee=H2 bank=B1 amount=5
				2 PayableSettled pid=PAY_8 contract_id=PAY_8 alias=null debtor=H1 creditor=H2 amount=5
			`, wantState: `
				R_1 reserve_deposit d:100 B1<-CB
				C_2 cash d:40 H2<-CB
				C_3 cash d:10 B1<-CB
				D_4 bank_deposit d:5 H1<-B1
				C_5 cash d:50 B2<-CB
				D_6 bank_deposit d:50 H1<-B2
				D_9 bank_deposit 5 H2<-B1
			`},
		// A firm pays cash first; the creditor's deposit is at the same bank.
		{name: "intra-bank payment and withdrawal", sc: intra, wantStop: StopStable, wantEvents: `
				0 CashMinted to=F1 amount=d:10 instr_id=C_1
				0 CashMinted to=H2 amount=d:10 instr_id=C_2
				0 CashDeposited customer=F1 bank=B1 amount=d:4 cash_piece_ids=[C_3] deposit_id=D_4
				0 CashDeposited customer=H2 bank=B1 amount=d:1 cash_piece_ids=[C_5] deposit_id=D_6
				0 PayableCreated debtor=F1 creditor=H2 amount=9 due_day=1 payable_id=PAY_7 alias=null
				0 IntraBankPayment payer=H2 payee=F1 bank=B1 amount=d:1
				0 CashWithdrawn customer=F1 bank=B1 amount=d:1 cash_piece_ids=[C_8]
				1 CashTransferred frm=F1 to=H2 amount=d:6 instr_id=C_1
				1 CashTransferred frm=F1 to=H2 amount=d:1 instr_id=C_8
				1 InstrumentMerged keep=C_2 removed=C_1
				1 InstrumentMerged keep=C_2 removed=C_8
				1 IntraBankPayment payer=F1 payee=H2 bank=B1 amount=d:2
				1 PayableSettled pid=PAY_7 contract_id=PAY_7 alias=null debtor=F1 creditor=H2 amount=9
			`, wantState: `
				C_2 cash d:16 H2<-CB
				C_3 cash d:3 B1<-CB
				D_4 bank_deposit d:2 F1<-B1
				C_5 cash d:1 B1<-CB
				D_9 bank_deposit d:2 H2<-B1
			`},
		// client_payment picks the last bank, in agent order, of each side;
		// B2 has no reserves, so its net becomes an overnight payable it
		// cannot pay the next day.
		{name: "client payment banks", sc: lastBank, wantStop: StopDefault,
			wantMessage: "Insufficient funds to settle payable P_00000000000a: 27.5 still owed", wantEvents: `
				0 ReservesMinted to=B1 amount=d:5 instr_id=R_1
				0 CashMinted to=H1 amount=d:100 instr_id=C_2
				0 CashMinted to=H2 amount=d:100 instr_id=C_3
				0 CashDeposited customer=H1 bank=B1 amount=d:10 cash_piece_ids=[C_4] deposit_id=D_5
				0 CashDeposited customer=H1 bank=B2 amount=d:40 cash_piece_ids=[C_6] deposit_id=D_7
				0 CashDeposited customer=H2 bank=B1 amount=d:3 cash_piece_ids=[C_8] deposit_id=D_9
				0 ClientPayment payer=H1 payer_bank=B2 payee=H2 payee_bank=B1 amount=d:30
				0 ClientPayment payer=H2 payer_bank=B1 payee=H1 payee_bank=B2 amount=d:2.5
				0 InterbankOvernightCreated debtor_bank=B2 creditor_bank=B1 amount=d:27.5 payable_id=P_a due_day=1
				1 ClientPayment payer=H2 payer_bank=B1 payee=H1 payee_bank=B2 amount=d:0.5
			`, wantState: `
				R_1 reserve_deposit d:5 B1<-CB
				C_2 cash d:50 H1<-CB
				C_3 cash d:97 H2<-CB
				C_4 cash d:10 B1<-CB
				D_5 bank_deposit d:10 H1<-B1
				C_6 cash d:40 B2<-CB
				D_7 bank_deposit d:13.0 H1<-B2
				C_8 cash d:3 B1<-CB
				D_9 bank_deposit d:30.0 H2<-B1
				P_a payable d:27.5 B1<-B2 due=1
			`},
	})
}

func TestBankingErrors(t *testing.T) {
	tests := []struct {
		name    string
		actions []Action
		want    string
	}{
		{"withdraw without deposit", []Action{
			act(ActWithdrawCash, "customer", "H1", "bank", "B1", "amount", "1"),
		}, "no deposit at this bank"},
		{"deposit more than cash", []Action{
			act(ActMintCash, "to", "H1", "amount", "5"),
			act(ActDepositCash, "customer", "H1", "bank", "B1", "amount", "6"),
		}, "insufficient cash for deposit"},
		{"withdraw more than deposit", []Action{
			act(ActMintCash, "to", "H1", "amount", "5"),
			act(ActDepositCash, "customer", "H1", "bank", "B1", "amount", "5"),
			act(ActWithdrawCash, "customer", "H1", "bank", "B1", "amount", "6"),
		}, "insufficient deposit balance"},
		{"bank short of cash", []Action{
			act(ActMintCash, "to", "H1", "amount", "5"),
			act(ActDepositCash, "customer", "H1", "bank", "B1", "amount", "5"),
			act(ActTransferCash, "from_agent", "B1", "to_agent", "H2", "amount", "2"),
			act(ActWithdrawCash, "customer", "H1", "bank", "B1", "amount", "4"),
		}, "bank has insufficient cash on hand"},
		{"deposit at a household", []Action{
			act(ActMintCash, "to", "H1", "amount", "5"),
			act(ActDepositCash, "customer", "H1", "bank", "H2", "amount", "5"),
		}, "household cannot issue bank_deposit"},
		{"client payment without banks", []Action{
			act(ActClientPayment, "payer", "H1", "payee", "H2", "amount", "1"),
		}, "cannot determine banks"},
		{"client payment beyond deposits", []Action{
			act(ActMintCash, "to", "H1", "amount", "5"),
			act(ActDepositCash, "customer", "H1", "bank", "B1", "amount", "5"),
			act(ActMintCash, "to", "H2", "amount", "0.5"),
			act(ActDepositCash, "customer", "H2", "bank", "B1", "amount", "0.5"),
			act(ActClientPayment, "payer", "H1", "payee", "H2", "amount", "6"),
		}, "insufficient funds for payment"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := newScenario(FailFast, bankAgents...)
			sc.InitialActions = tt.actions
			err := runError(t, sc)
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want it to mention %q", err, tt.want)
			}
		})
	}
}
