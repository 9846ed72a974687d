package engine

import (
	"strings"
	"testing"
)

// deliveryScenario: F1 owes F2 12 units of A on day 1 (DO1) and F3 1 unit on
// day 3 (DO2), holding lots of 10 and 5 (or 1 when short); F2 owes F3 2 units
// on day 2; F1 also owes F3 a payable due on day 4.
func deliveryScenario(mode string, short bool) *Scenario {
	second := "5"
	if short {
		second = "1"
	}
	sc := newScenario(mode, firmAgents...)
	sc.InitialActions = []Action{
		act(ActCreateStock, "owner", "F1", "sku", "A", "quantity", "10", "unit_price", "2.5"),
		act(ActCreateStock, "owner", "F1", "sku", "B", "quantity", "4", "unit_price", "1"),
		act(ActCreateStock, "owner", "F1", "sku", "A", "quantity", second, "unit_price", "3"),
		act(ActTransferStock, "from_agent", "F1", "to_agent", "F3", "sku", "B", "quantity", "1"),
		act(ActTransferStock, "from_agent", "F1", "to_agent", "F3", "sku", "B", "quantity", "3"),
		act(ActCreateDeliveryObligation, "from", "F1", "to", "F2", "sku", "A", "quantity", "12", "unit_price", "2", "due_day", "1", "alias", "DO1"),
		act(ActCreateDeliveryObligation, "from", "F1", "to", "F3", "sku", "A", "quantity", "1", "unit_price", "2", "due_day", "3", "alias", "DO2"),
		act(ActCreateDeliveryObligation, "from", "F2", "to", "F3", "sku", "A", "quantity", "2", "unit_price", "2", "due_day", "2"),
		act(ActMintCash, "to", "F1", "amount", "5"),
		act(ActCreatePayable, "from", "F1", "to", "F3", "amount", "4", "due_day", "4", "alias", "PF"),
	}
	sc.ScheduledActions = []ScheduledAction{
		at(3, act(ActTransferStock, "from_agent", "F2", "to_agent", "F1", "sku", "A", "quantity", "2")),
		at(4, act(ActCreateStock, "owner", "F1", "sku", "A", "quantity", "2", "unit_price", "2.5")),
	}
	return sc
}

func TestDeliveryObligations(t *testing.T) {
	runScenarioCases(t, []scenarioCase{
		// Lots are consumed in stock-id order, the last one split.
		{name: "settled, fail-fast", sc: deliveryScenario(FailFast, false), wantStop: StopStable, wantEvents: `
				0 StockCreated owner=F1 sku=A qty=10 unit_price=d:2.5 stock_id=S_1
				0 StockCreated owner=F1 sku=B qty=4 unit_price=d:1 stock_id=S_2
				0 StockCreated owner=F1 sku=A qty=5 unit_price=d:3 stock_id=S_3
				0 StockSplit original_id=S_2 new_id=S_4 sku=B original_qty=4 split_qty=1 remaining_qty=3
				0 StockTransferred frm=F1 to=F3 stock_id=S_4 sku=B qty=1
				0 StockTransferred frm=F1 to=F3 stock_id=S_2 sku=B qty=3
				0 DeliveryObligationCreated id=D_5 frm=F1 to=F2 sku=A qty=12 due_day=1 unit_price=d:2 alias=DO1
				0 DeliveryObligationCreated id=D_6 frm=F1 to=F3 sku=A qty=1 due_day=3 unit_price=d:2 alias=DO2
				0 DeliveryObligationCreated id=D_7 frm=F2 to=F3 sku=A qty=2 due_day=2 unit_price=d:2
				0 CashMinted to=F1 amount=d:5 instr_id=C_8
				0 PayableCreated debtor=F1 creditor=F3 amount=4 due_day=4 payable_id=PAY_9 alias=PF
				1 StockTransferred frm=F1 to=F2 stock_id=S_1 sku=A qty=10
				1 StockSplit original_id=S_3 new_id=S_a sku=A original_qty=5 split_qty=2 remaining_qty=3
				1 StockTransferred frm=F1 to=F2 stock_id=S_a sku=A qty=2
				1 DeliveryObligationCancelled obligation_id=D_5 contract_id=D_5 alias=DO1 debtor=F1 creditor=F2 sku=A qty=12
				1 DeliveryObligationSettled obligation_id=D_5 contract_id=D_5 alias=DO1 debtor=F1 creditor=F2 sku=A qty=12
				2 StockSplit original_id=S_1 new_id=S_b sku=A original_qty=10 split_qty=2 remaining_qty=8
				2 StockTransferred frm=F2 to=F3 stock_id=S_b sku=A qty=2
				2 DeliveryObligationCancelled obligation_id=D_7 contract_id=D_7 alias=null debtor=F2 creditor=F3 sku=A qty=2
				2 DeliveryObligationSettled obligation_id=D_7 contract_id=D_7 alias=null debtor=F2 creditor=F3 sku=A qty=2
				3 StockSplit original_id=S_1 new_id=S_c sku=A original_qty=8 split_qty=2 remaining_qty=6
				3 StockTransferred frm=F2 to=F1 stock_id=S_c sku=A qty=2
				3 StockSplit original_id=S_3 new_id=S_d sku=A original_qty=3 split_qty=1 remaining_qty=2
				3 StockTransferred frm=F1 to=F3 stock_id=S_d sku=A qty=1
				3 DeliveryObligationCancelled obligation_id=D_6 contract_id=D_6 alias=DO2 debtor=F1 creditor=F3 sku=A qty=1
				3 DeliveryObligationSettled obligation_id=D_6 contract_id=D_6 alias=DO2 debtor=F1 creditor=F3 sku=A qty=1
				4 StockCreated owner=F1 sku=A qty=2 unit_price=d:2.5 stock_id=S_e
				4 CashTransferred frm=F1 to=F3 amount=4 instr_id=C_f
				4 PayableSettled pid=PAY_9 contract_id=PAY_9 alias=PF debtor=F1 creditor=F3 amount=4
			`, wantState: `
				C_8 cash d:1 F1<-CB
				C_f cash 4 F3<-CB
				S_1 A 6@d:2.5 F2
				S_2 B 3@d:1 F3
				S_3 A 2@d:3 F1
				S_4 B 1@d:1 F3
				S_a A 2@d:3 F2
				S_b A 2@d:2.5 F3
				S_c A 2@d:2.5 F1
				S_d A 1@d:3 F3
				S_e A 2@d:2.5 F1
			`},
		{name: "settled, expel-agent", sc: deliveryScenario(ExpelAgent, false), wantStop: StopStable, wantEvents: `
				0 StockCreated owner=F1 sku=A qty=10 unit_price=d:2.5 stock_id=S_1
				0 StockCreated owner=F1 sku=B qty=4 unit_price=d:1 stock_id=S_2
				0 StockCreated owner=F1 sku=A qty=5 unit_price=d:3 stock_id=S_3
				0 StockSplit original_id=S_2 new_id=S_4 sku=B original_qty=4 split_qty=1 remaining_qty=3
				0 StockTransferred frm=F1 to=F3 stock_id=S_4 sku=B qty=1
				0 StockTransferred frm=F1 to=F3 stock_id=S_2 sku=B qty=3
				0 DeliveryObligationCreated id=D_5 frm=F1 to=F2 sku=A qty=12 due_day=1 unit_price=d:2 alias=DO1
				0 DeliveryObligationCreated id=D_6 frm=F1 to=F3 sku=A qty=1 due_day=3 unit_price=d:2 alias=DO2
				0 DeliveryObligationCreated id=D_7 frm=F2 to=F3 sku=A qty=2 due_day=2 unit_price=d:2
				0 CashMinted to=F1 amount=d:5 instr_id=C_8
				0 PayableCreated debtor=F1 creditor=F3 amount=4 due_day=4 payable_id=PAY_9 alias=PF
				1 StockTransferred frm=F1 to=F2 stock_id=S_1 sku=A qty=10
				1 StockSplit original_id=S_3 new_id=S_a sku=A original_qty=5 split_qty=2 remaining_qty=3
				1 StockTransferred frm=F1 to=F2 stock_id=S_a sku=A qty=2
				1 DeliveryObligationCancelled obligation_id=D_5 contract_id=D_5 alias=DO1 debtor=F1 creditor=F2 sku=A qty=12
				1 DeliveryObligationSettled obligation_id=D_5 contract_id=D_5 alias=DO1 debtor=F1 creditor=F2 sku=A qty=12
				2 StockSplit original_id=S_1 new_id=S_b sku=A original_qty=10 split_qty=2 remaining_qty=8
				2 StockTransferred frm=F2 to=F3 stock_id=S_b sku=A qty=2
				2 DeliveryObligationCancelled obligation_id=D_7 contract_id=D_7 alias=null debtor=F2 creditor=F3 sku=A qty=2
				2 DeliveryObligationSettled obligation_id=D_7 contract_id=D_7 alias=null debtor=F2 creditor=F3 sku=A qty=2
				3 StockSplit original_id=S_1 new_id=S_c sku=A original_qty=8 split_qty=2 remaining_qty=6
				3 StockTransferred frm=F2 to=F1 stock_id=S_c sku=A qty=2
				3 StockSplit original_id=S_3 new_id=S_d sku=A original_qty=3 split_qty=1 remaining_qty=2
				3 StockTransferred frm=F1 to=F3 stock_id=S_d sku=A qty=1
				3 DeliveryObligationCancelled obligation_id=D_6 contract_id=D_6 alias=DO2 debtor=F1 creditor=F3 sku=A qty=1
				3 DeliveryObligationSettled obligation_id=D_6 contract_id=D_6 alias=DO2 debtor=F1 creditor=F3 sku=A qty=1
				4 StockCreated owner=F1 sku=A qty=2 unit_price=d:2.5 stock_id=S_e
				4 CashTransferred frm=F1 to=F3 amount=4 instr_id=C_f
				4 PayableSettled pid=PAY_9 contract_id=PAY_9 alias=PF debtor=F1 creditor=F3 amount=4
			`, wantState: `
				C_8 cash d:1 F1<-CB
				C_f cash 4 F3<-CB
				S_1 A 6@d:2.5 F2
				S_2 B 3@d:1 F3
				S_3 A 2@d:3 F1
				S_4 B 1@d:1 F3
				S_a A 2@d:3 F2
				S_b A 2@d:2.5 F3
				S_c A 2@d:2.5 F1
				S_d A 1@d:3 F3
				S_e A 2@d:2.5 F1
			`},
		// The partial delivery is rolled back: F1 keeps both lots.
		{name: "short, fail-fast", sc: deliveryScenario(FailFast, true), wantStop: StopDefault,
			wantMessage: "Insufficient stock to settle delivery obligation D_000000000005: 1 units of A still owed",
			wantEvents: `
				0 StockCreated owner=F1 sku=A qty=10 unit_price=d:2.5 stock_id=S_1
				0 StockCreated owner=F1 sku=B qty=4 unit_price=d:1 stock_id=S_2
				0 StockCreated owner=F1 sku=A qty=1 unit_price=d:3 stock_id=S_3
				0 StockSplit original_id=S_2 new_id=S_4 sku=B original_qty=4 split_qty=1 remaining_qty=3
				0 StockTransferred frm=F1 to=F3 stock_id=S_4 sku=B qty=1
				0 StockTransferred frm=F1 to=F3 stock_id=S_2 sku=B qty=3
				0 DeliveryObligationCreated id=D_5 frm=F1 to=F2 sku=A qty=12 due_day=1 unit_price=d:2 alias=DO1
				0 DeliveryObligationCreated id=D_6 frm=F1 to=F3 sku=A qty=1 due_day=3 unit_price=d:2 alias=DO2
				0 DeliveryObligationCreated id=D_7 frm=F2 to=F3 sku=A qty=2 due_day=2 unit_price=d:2
				0 CashMinted to=F1 amount=d:5 instr_id=C_8
				0 PayableCreated debtor=F1 creditor=F3 amount=4 due_day=4 payable_id=PAY_9 alias=PF
			`, wantState: `
				D_5 delivery_obligation 12 F2<-F1 due=1 A@d:2
				D_6 delivery_obligation 1 F3<-F1 due=3 A@d:2
				D_7 delivery_obligation 2 F3<-F2 due=2 A@d:2
				C_8 cash d:5 F1<-CB
				PAY_9 payable 4 F3<-F1 due=4
				S_1 A 10@d:2.5 F1
				S_2 B 3@d:1 F3
				S_3 A 1@d:3 F1
				S_4 B 1@d:1 F3
			`},
		// The partial delivery stays with F2; F1's other obligations (DO2 and
		// the payable PF) are written off and its scheduled actions cancelled.
		{name: "short, expel-agent", sc: deliveryScenario(ExpelAgent, true), wantStop: StopStable, wantEvents: `
				0 StockCreated owner=F1 sku=A qty=10 unit_price=d:2.5 stock_id=S_1
				0 StockCreated owner=F1 sku=B qty=4 unit_price=d:1 stock_id=S_2
				0 StockCreated owner=F1 sku=A qty=1 unit_price=d:3 stock_id=S_3
				0 StockSplit original_id=S_2 new_id=S_4 sku=B original_qty=4 split_qty=1 remaining_qty=3
				0 StockTransferred frm=F1 to=F3 stock_id=S_4 sku=B qty=1
				0 StockTransferred frm=F1 to=F3 stock_id=S_2 sku=B qty=3
				0 DeliveryObligationCreated id=D_5 frm=F1 to=F2 sku=A qty=12 due_day=1 unit_price=d:2 alias=DO1
				0 DeliveryObligationCreated id=D_6 frm=F1 to=F3 sku=A qty=1 due_day=3 unit_price=d:2 alias=DO2
				0 DeliveryObligationCreated id=D_7 frm=F2 to=F3 sku=A qty=2 due_day=2 unit_price=d:2
				0 CashMinted to=F1 amount=d:5 instr_id=C_8
				0 PayableCreated debtor=F1 creditor=F3 amount=4 due_day=4 payable_id=PAY_9 alias=PF
				1 StockTransferred frm=F1 to=F2 stock_id=S_1 sku=A qty=10
				1 StockTransferred frm=F1 to=F2 stock_id=S_3 sku=A qty=1
				1 PartialSettlement contract_id=D_5 alias=DO1 debtor=F1 creditor=F2 contract_kind=delivery_obligation settlement_kind=delivery delivered_quantity=11 required_quantity=12 shortfall=1 sku=A
				1 ObligationDefaulted contract_id=D_5 alias=DO1 debtor=F1 creditor=F2 contract_kind=delivery_obligation shortfall=1 delivered_quantity=11 required_quantity=12 sku=A qty=1
				1 AgentDefaulted agent=F1 frm=F1 trigger_contract=D_5 contract_kind=delivery_obligation shortfall=1 mode=expel-agent
				1 ObligationWrittenOff contract_id=D_6 alias=DO2 debtor=F1 creditor=F3 contract_kind=delivery_obligation amount=1 due_day=3 sku=A
				1 ObligationWrittenOff contract_id=PAY_9 alias=PF debtor=F1 creditor=F3 contract_kind=payable amount=4 due_day=4
				1 ScheduledActionCancelled agent=F1 scheduled_day=3 action=transfer_stock mode=expel-agent
				1 ScheduledActionCancelled agent=F1 scheduled_day=4 action=create_stock mode=expel-agent
				2 StockSplit original_id=S_1 new_id=S_a sku=A original_qty=10 split_qty=2 remaining_qty=8
				2 StockTransferred frm=F2 to=F3 stock_id=S_a sku=A qty=2
				2 DeliveryObligationCancelled obligation_id=D_7 contract_id=D_7 alias=null debtor=F2 creditor=F3 sku=A qty=2
				2 DeliveryObligationSettled obligation_id=D_7 contract_id=D_7 alias=null debtor=F2 creditor=F3 sku=A qty=2
			`, wantState: `
				C_8 cash d:5 F1<-CB
				S_1 A 8@d:2.5 F2
				S_2 B 3@d:1 F3
				S_3 A 1@d:3 F2
				S_4 B 1@d:1 F3
				S_a A 2@d:2.5 F3
			`},
	})
}

func TestTransferClaim(t *testing.T) {
	sc := newScenario(FailFast, append(bankAgents, "F1:firm", "F2:firm")...)
	sc.InitialActions = []Action{
		act(ActMintCash, "to", "H1", "amount", "20", "alias", "C1"),
		act(ActCreatePayable, "from", "H1", "to", "H2", "amount", "15", "due_day", "2", "alias", "P1"),
		act(ActTransferClaim, "contract_alias", "P1", "to_agent", "H3"),
		act(ActCreateStock, "owner", "F1", "sku", "X", "quantity", "3", "unit_price", "1.25"),
		act(ActCreateDeliveryObligation, "from", "F1", "to", "F2", "sku", "X", "quantity", "3", "unit_price", "1.25", "due_day", "2", "alias", "D1"),
	}
	sc.ScheduledActions = []ScheduledAction{at(1, act(ActTransferClaim, "contract_alias", "D1", "to_agent", "H2"))}
	runScenarioCases(t, []scenarioCase{
		// The payable is paid to, and the goods delivered to, the new holders.
		{name: "payable and delivery claims", sc: sc, wantStop: StopStable, wantEvents: `
				0 CashMinted to=H1 amount=d:20 instr_id=C_1 alias=C1
				0 PayableCreated debtor=H1 creditor=H2 amount=15 due_day=2 payable_id=PAY_2 alias=P1
				0 ClaimTransferred contract_id=PAY_2 frm=H2 to=H3 contract_kind=payable amount=15 due_day=2 sku=null alias=P1
				0 StockCreated owner=F1 sku=X qty=3 unit_price=d:1.25 stock_id=S_3
				0 DeliveryObligationCreated id=D_4 frm=F1 to=F2 sku=X qty=3 due_day=2 unit_price=d:1.25 alias=D1
				1 ClaimTransferred contract_id=D_4 frm=F2 to=H2 contract_kind=delivery_obligation amount=3 due_day=2 sku=X alias=D1
				2 CashTransferred frm=H1 to=H3 amount=15 instr_id=C_5
				2 PayableSettled pid=PAY_2 contract_id=PAY_2 alias=P1 debtor=H1 creditor=H3 amount=15
				2 StockTransferred frm=F1 to=H2 stock_id=S_3 sku=X qty=3
				2 DeliveryObligationCancelled obligation_id=D_4 contract_id=D_4 alias=D1 debtor=F1 creditor=H2 sku=X qty=3
				2 DeliveryObligationSettled obligation_id=D_4 contract_id=D_4 alias=D1 debtor=F1 creditor=H2 sku=X qty=3
			`, wantState: `
				C_1 cash d:5 H1<-CB
				C_5 cash 15 H3<-CB
				S_3 X 3@d:1.25 H2
			`},
	})
}

func TestDeliveryObligationErrors(t *testing.T) {
	sc := newScenario(FailFast, firmAgents...)
	sc.InitialActions = []Action{
		act(ActCreateDeliveryObligation, "from", "F1", "to", "F2", "sku", "A", "quantity", "1", "unit_price", "1", "due_day", "1", "alias", "X"),
		act(ActCreateDeliveryObligation, "from", "F1", "to", "F3", "sku", "A", "quantity", "1", "unit_price", "1", "due_day", "1", "alias", "X"),
	}
	if err := runError(t, sc); !strings.Contains(err.Error(), "alias already exists: X") {
		t.Errorf("error %q, want a duplicate alias", err)
	}
	sc.InitialActions = []Action{
		act(ActCreateDeliveryObligation, "from", "F1", "to", "F1", "sku", "A", "quantity", "1", "unit_price", "1", "due_day", "1"),
	}
	if err := runError(t, sc); !strings.Contains(err.Error(), "self-counterparty") {
		t.Errorf("error %q, want self-counterparty", err)
	}
}
