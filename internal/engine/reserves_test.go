package engine

import (
	"strings"
	"testing"
)

// bankDebtScenario: bank B1 owes B2 60 then 15 and holds reserves of 50 and
// 20; H1 has a deposit at B1.
func bankDebtScenario(mode string) *Scenario {
	sc := newScenario(mode, bankAgents...)
	sc.InitialActions = []Action{
		act(ActMintReserves, "to", "B1", "amount", "50"),
		act(ActMintReserves, "to", "B1", "amount", "20"),
		act(ActMintCash, "to", "H1", "amount", "10"),
		act(ActDepositCash, "customer", "H1", "bank", "B1", "amount", "10"),
		act(ActCreatePayable, "from", "B1", "to", "B2", "amount", "60", "due_day", "1"),
		act(ActCreatePayable, "from", "B1", "to", "B2", "amount", "15", "due_day", "2"),
		act(ActCreatePayable, "from", "H2", "to", "H3", "amount", "1", "due_day", "5"),
	}
	return sc
}

func TestReserves(t *testing.T) {
	transfers := newScenario(FailFast, bankAgents...)
	transfers.InitialActions = []Action{
		act(ActMintReserves, "to", "B1", "amount", "10.5", "alias", "R1"),
		act(ActMintReserves, "to", "B1", "amount", "4"),
		act(ActMintReserves, "to", "B2", "amount", "1"),
		act(ActTransferReserves, "from_bank", "B1", "to_bank", "B2", "amount", "12"),
	}
	transfers.ScheduledActions = []ScheduledAction{
		at(1, act(ActTransferReserves, "from_bank", "B2", "to_bank", "B1", "amount", "13")),
	}
	runScenarioCases(t, []scenarioCase{
		// Pieces are split and coalesced at the receiver as cash is.
		{name: "mint and transfer", sc: transfers, wantStop: StopStable, wantEvents: `
				0 ReservesMinted to=B1 amount=d:10.5 instr_id=R_1 alias=R1
				0 ReservesMinted to=B1 amount=d:4 instr_id=R_2
				0 ReservesMinted to=B2 amount=d:1 instr_id=R_3
				0 ReservesTransferred frm=B1 to=B2 amount=d:10.5 instr_id=R_1
				0 ReservesTransferred frm=B1 to=B2 amount=d:1.5 instr_id=C_4
				0 InstrumentMerged keep=R_3 removed=R_1
				0 InstrumentMerged keep=R_3 removed=C_4
				1 ReservesTransferred frm=B2 to=B1 amount=d:13 instr_id=R_3
				1 InstrumentMerged keep=R_2 removed=R_3
			`, wantState: `
				R_2 reserve_deposit d:15.5 B1<-CB
			`},
		// The bank's second payable is short: its deposit liability is
		// written off and H1 loses its deposit.
		{name: "bank pays in reserves, expel-agent", sc: bankDebtScenario(ExpelAgent), wantStop: StopStable,
			wantEvents: `
				0 ReservesMinted to=B1 amount=d:50 instr_id=R_1
				0 ReservesMinted to=B1 amount=d:20 instr_id=R_2
				0 CashMinted to=H1 amount=d:10 instr_id=C_3
				0 CashDeposited customer=H1 bank=B1 amount=d:10 cash_piece_ids=[C_3] deposit_id=D_4
				0 PayableCreated debtor=B1 creditor=B2 amount=60 due_day=1 payable_id=PAY_5 alias=null
				0 PayableCreated debtor=B1 creditor=B2 amount=15 due_day=2 payable_id=PAY_6 alias=null
				0 PayableCreated debtor=H2 creditor=H3 amount=1 due_day=5 payable_id=PAY_7 alias=null
				1 ReservesTransferred frm=B1 to=B2 amount=d:50 instr_id=R_1
				1 ReservesTransferred frm=B1 to=B2 amount=d:10 instr_id=C_8
				1 InstrumentMerged keep=R_1 removed=C_8
				1 PayableSettled pid=PAY_5 contract_id=PAY_5 alias=null debtor=B1 creditor=B2 amount=60
				2 ReservesTransferred frm=B1 to=B2 amount=d:10 instr_id=R_2
				2 InstrumentMerged keep=R_1 removed=R_2
				2 PartialSettlement contract_id=PAY_6 alias=null debtor=B1 creditor=B2 contract_kind=payable settlement_kind=payable amount_paid=d:10 shortfall=d:5 original_amount=15 distribution=[{method=reserve_deposit,amount=d:10}]
				2 ObligationDefaulted contract_id=PAY_6 alias=null debtor=B1 creditor=B2 contract_kind=payable shortfall=d:5 amount_paid=d:10 original_amount=15 amount=d:5
				2 AgentDefaulted agent=B1 frm=B1 trigger_contract=PAY_6 contract_kind=payable shortfall=d:5 mode=expel-agent
				2 ObligationWrittenOff contract_id=D_4 alias=null debtor=B1 creditor=H1 contract_kind=bank_deposit amount=d:10
				5 ObligationDefaulted contract_id=PAY_7 alias=null debtor=H2 creditor=H3 contract_kind=payable shortfall=1 amount_paid=0 original_amount=1 amount=1
				5 AgentDefaulted agent=H2 frm=H2 trigger_contract=PAY_7 contract_kind=payable shortfall=1 mode=expel-agent
			`, wantState: `
				R_1 reserve_deposit d:70 B2<-CB
				C_3 cash d:10 B1<-CB
			`},
		{name: "bank pays in reserves, fail-fast", sc: bankDebtScenario(FailFast), wantStop: StopDefault,
			wantMessage: "Insufficient funds to settle payable PAY_000000000006: 5 still owed", wantEvents: `
				0 ReservesMinted to=B1 amount=d:50 instr_id=R_1
				0 ReservesMinted to=B1 amount=d:20 instr_id=R_2
				0 CashMinted to=H1 amount=d:10 instr_id=C_3
				0 CashDeposited customer=H1 bank=B1 amount=d:10 cash_piece_ids=[C_3] deposit_id=D_4
				0 PayableCreated debtor=B1 creditor=B2 amount=60 due_day=1 payable_id=PAY_5 alias=null
				0 PayableCreated debtor=B1 creditor=B2 amount=15 due_day=2 payable_id=PAY_6 alias=null
				0 PayableCreated debtor=H2 creditor=H3 amount=1 due_day=5 payable_id=PAY_7 alias=null
				1 ReservesTransferred frm=B1 to=B2 amount=d:50 instr_id=R_1
				1 ReservesTransferred frm=B1 to=B2 amount=d:10 instr_id=C_8
				1 InstrumentMerged keep=R_1 removed=C_8
				1 PayableSettled pid=PAY_5 contract_id=PAY_5 alias=null debtor=B1 creditor=B2 amount=60
			`, wantState: `
				R_1 reserve_deposit d:60 B2<-CB
				R_2 reserve_deposit d:10 B1<-CB
				C_3 cash d:10 B1<-CB
				D_4 bank_deposit d:10 H1<-B1
				PAY_6 payable 15 B2<-B1 due=2
				PAY_7 payable 1 H3<-H2 due=5
			`},
	})
}

func TestReserveErrors(t *testing.T) {
	tests := []struct {
		name    string
		actions []Action
		want    string
	}{
		{"reserves to a household", []Action{act(ActMintReserves, "to", "H1", "amount", "5")},
			"household cannot hold reserve_deposit"},
		{"duplicate alias", []Action{
			act(ActMintReserves, "to", "B1", "amount", "5", "alias", "X"),
			act(ActMintReserves, "to", "B2", "amount", "5", "alias", "X"),
		}, "alias already exists: X"},
		{"insufficient reserves", []Action{
			act(ActMintReserves, "to", "B1", "amount", "5"),
			act(ActTransferReserves, "from_bank", "B1", "to_bank", "B2", "amount", "6"),
		}, "insufficient reserves"},
		{"same bank", []Action{
			act(ActMintReserves, "to", "B1", "amount", "5"),
			act(ActTransferReserves, "from_bank", "B1", "to_bank", "B1", "amount", "1"),
		}, "no-op transfer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := newScenario(FailFast, bankAgents...)
			sc.InitialActions = tt.actions
			if err := runError(t, sc); !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestMintReservesWithoutCentralBank(t *testing.T) {
	sc := newScenario(FailFast, "B1:bank")
	sc.InitialActions = []Action{act(ActMintReserves, "to", "B1", "amount", "5")}
	if err := runError(t, sc); !strings.Contains(err.Error(), "CentralBank must exist") {
		t.Errorf("error %q, want CentralBank must exist", err)
	}
}
