package engine

import (
	"strings"
	"testing"

	"github.com/bilancio-go/bilancio/internal/pynum"
)

func TestClearing(t *testing.T) {
	// Day 0: H1 (B1) pays H2 (B2) 50 in setup; B1 has 30 in reserves, so the
	// net becomes an overnight payable that B1 pays on day 1 after new
	// reserves. Day 1: a reverse payment is cleared in reserves. Day 2: two
	// opposite payments net to 15. Day 3: an intra-bank payment is not cleared.
	clearing := newScenario(FailFast, bankAgents...)
	clearing.InitialActions = []Action{
		act(ActMintReserves, "to", "B1", "amount", "30", "alias", "RES_B1"),
		act(ActMintReserves, "to", "B2", "amount", "100"),
		act(ActMintCash, "to", "H1", "amount", "100"),
		act(ActMintCash, "to", "H2", "amount", "50.5"),
		act(ActDepositCash, "customer", "H1", "bank", "B1", "amount", "80"),
		act(ActDepositCash, "customer", "H2", "bank", "B2", "amount", "30.5"),
		act(ActDepositCash, "customer", "H1", "bank", "B1", "amount", "5"),
		act(ActClientPayment, "payer", "H1", "payee", "H2", "amount", "50"),
		act(ActMintCash, "to", "H3", "amount", "3"),
	}
	clearing.ScheduledActions = []ScheduledAction{
		at(1, act(ActMintReserves, "to", "B1", "amount", "100")),
		at(1, act(ActClientPayment, "payer", "H2", "payee", "H1", "amount", "10.25")),
		at(1, act(ActWithdrawCash, "customer", "H1", "bank", "B1", "amount", "12")),
		at(2, act(ActClientPayment, "payer", "H1", "payee", "H2", "amount", "20")),
		at(2, act(ActClientPayment, "payer", "H2", "payee", "H1", "amount", "5")),
		at(2, act(ActDepositCash, "customer", "H3", "bank", "B1", "amount", "1")),
		at(3, act(ActClientPayment, "payer", "H3", "payee", "H1", "amount", "1")),
		at(3, act(ActTransferReserves, "from_bank", "B2", "to_bank", "B1", "amount", "7")),
	}
	// A bank that cannot pay its overnight payable defaults: its deposits
	// are written off, and the creditor of a later payment gets a deposit at
	// the payer's bank.
	overnight := func(mode string) *Scenario {
		sc := newScenario(mode, bankAgents...)
		sc.InitialActions = []Action{
			act(ActMintReserves, "to", "B1", "amount", "5"),
			act(ActMintCash, "to", "H1", "amount", "100"),
			act(ActMintCash, "to", "H2", "amount", "7"),
			act(ActDepositCash, "customer", "H1", "bank", "B1", "amount", "50"),
			act(ActDepositCash, "customer", "H2", "bank", "B2", "amount", "7"),
			act(ActCreatePayable, "from", "H1", "to", "H2", "amount", "20", "due_day", "0"),
			act(ActCreatePayable, "from", "H2", "to", "H1", "amount", "3", "due_day", "3", "alias", "PH2"),
		}
		sc.ScheduledActions = []ScheduledAction{at(4, act(ActDepositCash, "customer", "H1", "bank", "B1", "amount", "1"))}
		return sc
	}
	runScenarioCases(t, []scenarioCase{
		{name: "client payments, netting, overnight payable", sc: clearing, wantStop: StopStable, wantEvents: `
				0 ReservesMinted to=B1 amount=d:30 instr_id=R_1 alias=RES_B1
				0 ReservesMinted to=B2 amount=d:100 instr_id=R_2
				0 CashMinted to=H1 amount=d:100 instr_id=C_3
				0 CashMinted to=H2 amount=d:50.5 instr_id=C_4
				0 CashDeposited customer=H1 bank=B1 amount=d:80 cash_piece_ids=[C_5] deposit_id=D_6
				0 CashDeposited customer=H2 bank=B2 amount=d:30.5 cash_piece_ids=[C_7] deposit_id=D_8
				0 CashDeposited customer=H1 bank=B1 amount=d:5 cash_piece_ids=[C_9] deposit_id=D_6
				0 ClientPayment payer=H1 payer_bank=B1 payee=H2 payee_bank=B2 amount=d:50
				0 CashMinted to=H3 amount=d:3 instr_id=C_a
				0 InterbankOvernightCreated debtor_bank=B1 creditor_bank=B2 amount=d:50 payable_id=P_b due_day=1
				1 ReservesMinted to=B1 amount=d:100 instr_id=R_c
				1 ClientPayment payer=H2 payer_bank=B2 payee=H1 payee_bank=B1 amount=d:10.25
				1 CashWithdrawn customer=H1 bank=B1 amount=d:12 cash_piece_ids=[C_d]
				1 ReservesTransferred frm=B1 to=B2 amount=d:30 instr_id=R_1
				1 ReservesTransferred frm=B1 to=B2 amount=d:20 instr_id=C_e
				1 InstrumentMerged keep=R_2 removed=R_1
				1 InstrumentMerged keep=R_2 removed=C_e
				1 PayableSettled pid=P_b contract_id=P_b alias=null debtor=B1 creditor=B2 amount=d:50
				1 ReservesTransferred frm=B2 to=B1 amount=d:10.25 instr_id=C_f
				1 InstrumentMerged keep=R_c removed=C_f
				1 InterbankCleared debtor_bank=B2 creditor_bank=B1 amount=d:10.25
				2 ClientPayment payer=H1 payer_bank=B1 payee=H2 payee_bank=B2 amount=d:20
				2 ClientPayment payer=H2 payer_bank=B2 payee=H1 payee_bank=B1 amount=d:5
				2 CashDeposited customer=H3 bank=B1 amount=d:1 cash_piece_ids=[C_10] deposit_id=D_11
				2 ReservesTransferred frm=B1 to=B2 amount=d:15 instr_id=C_12
				2 InstrumentMerged keep=R_2 removed=C_12
				2 InterbankCleared debtor_bank=B1 creditor_bank=B2 amount=d:15
				3 IntraBankPayment payer=H3 payee=H1 bank=B1 amount=d:1
				3 ReservesTransferred frm=B2 to=B1 amount=d:7 instr_id=C_13
				3 InstrumentMerged keep=R_c removed=C_13
			`, wantState: `
				R_2 reserve_deposit d:147.75 B2<-CB
				C_3 cash d:15 H1<-CB
				C_4 cash d:20.0 H2<-CB
				C_5 cash d:68 B1<-CB
				D_6 bank_deposit d:19.25 H1<-B1
				C_7 cash d:30.5 B2<-CB
				D_8 bank_deposit d:85.25 H2<-B2
				C_9 cash d:5 B1<-CB
				C_a cash d:2 H3<-CB
				R_c reserve_deposit d:82.25 B1<-CB
				C_d cash d:12 H1<-CB
				C_10 cash d:1 B1<-CB
			`},
		{name: "overnight payable defaults, expel-agent", sc: overnight(ExpelAgent), wantStop: StopStable, wantEvents: `
				0 ReservesMinted to=B1 amount=d:5 instr_id=R_1
				0 CashMinted to=H1 amount=d:100 instr_id=C_2
				0 CashMinted to=H2 amount=d:7 instr_id=C_3
				0 CashDeposited customer=H1 bank=B1 amount=d:50 cash_piece_ids=[C_4] deposit_id=D_5
				0 CashDeposited customer=H2 bank=B2 amount=d:7 cash_piece_ids=[C_3] deposit_id=D_6
				0 PayableCreated debtor=H1 creditor=H2 amount=20 due_day=0 payable_id=PAY_7 alias=null
				0 PayableCreated debtor=H2 creditor=H1 amount=3 due_day=3 payable_id=PAY_8 alias=PH2
				0 ClientPayment payer=H1 payer_bank=B1 payee=H2 payee_bank=B2 amount=20
				0 PayableSettled pid=PAY_7 contract_id=PAY_7 alias=null debtor=H1 creditor=H2 amount=20
				0 InterbankOvernightCreated debtor_bank=B1 creditor_bank=B2 amount=20 payable_id=P_9 due_day=1
				1 ReservesTransferred frm=B1 to=B2 amount=d:5 instr_id=R_1
				1 PartialSettlement contract_id=P_9 alias=null debtor=B1 creditor=B2 contract_kind=payable settlement_kind=payable amount_paid=d:5 shortfall=d:15 original_amount=20 distribution=[{method=reserve_deposit,amount=d:5}]
				1 ObligationDefaulted contract_id=P_9 alias=null debtor=B1 creditor=B2 contract_kind=payable shortfall=d:15 amount_paid=d:5 original_amount=20 amount=d:15
				1 AgentDefaulted agent=B1 frm=B1 trigger_contract=P_9 contract_kind=payable shortfall=d:15 mode=expel-agent
				1 ObligationWrittenOff contract_id=D_5 alias=null debtor=B1 creditor=H1 contract_kind=bank_deposit amount=d:30
				1 ScheduledActionCancelled agent=B1 scheduled_day=4 action=deposit_cash mode=expel-agent
				3 IntraBankPayment payer=H2 payee=H1 bank=B2 amount=3
				3 PayableSettled pid=PAY_8 contract_id=PAY_8 alias=PH2 debtor=H2 creditor=H1 amount=3
			`, wantState: `
				R_1 reserve_deposit d:5 B2<-CB
				C_2 cash d:50 H1<-CB
				C_3 cash d:7 B2<-CB
				C_4 cash d:50 B1<-CB
				D_6 bank_deposit d:24 H2<-B2
				D_a bank_deposit 3 H1<-B2
			`},
		{name: "overnight payable defaults, fail-fast", sc: overnight(FailFast), wantStop: StopDefault,
			wantMessage: "Insufficient funds to settle payable P_000000000009: 15 still owed", wantEvents: `
				0 ReservesMinted to=B1 amount=d:5 instr_id=R_1
				0 CashMinted to=H1 amount=d:100 instr_id=C_2
				0 CashMinted to=H2 amount=d:7 instr_id=C_3
				0 CashDeposited customer=H1 bank=B1 amount=d:50 cash_piece_ids=[C_4] deposit_id=D_5
				0 CashDeposited customer=H2 bank=B2 amount=d:7 cash_piece_ids=[C_3] deposit_id=D_6
				0 PayableCreated debtor=H1 creditor=H2 amount=20 due_day=0 payable_id=PAY_7 alias=null
				0 PayableCreated debtor=H2 creditor=H1 amount=3 due_day=3 payable_id=PAY_8 alias=PH2
				0 ClientPayment payer=H1 payer_bank=B1 payee=H2 payee_bank=B2 amount=20
				0 PayableSettled pid=PAY_7 contract_id=PAY_7 alias=null debtor=H1 creditor=H2 amount=20
				0 InterbankOvernightCreated debtor_bank=B1 creditor_bank=B2 amount=20 payable_id=P_9 due_day=1
			`, wantState: `
				R_1 reserve_deposit d:5 B1<-CB
				C_2 cash d:50 H1<-CB
				C_3 cash d:7 B2<-CB
				C_4 cash d:50 B1<-CB
				D_5 bank_deposit d:30 H1<-B1
				D_6 bank_deposit d:27 H2<-B2
				PAY_8 payable 3 H1<-H2 due=3
				P_9 payable 20 B2<-B1 due=1
			`},
	})
}

// TestIntradayNets checks the netting order and signs directly.
func TestIntradayNets(t *testing.T) {
	s, err := newSystem(newScenario(FailFast, "CB:central_bank", "A:bank", "B:bank", "C:bank"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	pay := func(day int, from, to, amount string) {
		s.st.day = day
		s.log("ClientPayment", Field{"payer", Str("x")}, Field{"payer_bank", Str(from)}, Field{"payee", Str("y")},
			Field{"payee_bank", Str(to)}, Field{"amount", AmountV(mustDecimal(amount))})
		s.st.day = 3
	}
	pay(2, "A", "B", "100") // another day
	pay(3, "C", "A", "5")
	pay(3, "A", "B", "7")
	pay(3, "B", "A", "2.50")
	pay(3, "A", "A", "1") // same bank
	pay(3, "A", "C", "5")
	var got []string
	for _, n := range s.intradayNets(3) {
		got = append(got, n.pair.a+"/"+n.pair.b+"="+renderAmount(n.net))
	}
	want := "A/C=d:0 A/B=d:4.50"
	if g := strings.Join(got, " "); g != want {
		t.Errorf("nets %q, want %q", g, want)
	}
	if g := renderAmount(negate(mustDecimal("-4.50"))); g != "d:4.50" {
		t.Errorf("negate(-4.50) = %s", g)
	}
}

func mustDecimal(s string) pynum.Amount {
	a, err := pynum.ParseDecimal(s)
	if err != nil {
		panic(err)
	}
	return a
}
