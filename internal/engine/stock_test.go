package engine

import (
	"errors"
	"strings"
	"testing"

	"github.com/bilancio-go/bilancio/internal/pynum"
)

// firmAgents are the agents of the stock and delivery tests.
var firmAgents = []string{"CB:central_bank", "F1:firm", "F2:firm", "F3:firm"}

func TestStockActions(t *testing.T) {
	split := newScenario(FailFast, firmAgents...)
	split.InitialActions = []Action{
		act(ActCreateStock, "owner", "F1", "sku", "A", "quantity", "10", "unit_price", "2"),
		act(ActCreateStock, "owner", "F2", "sku", "A", "quantity", "1", "unit_price", "2"),
		act(ActTransferStock, "from_agent", "F1", "to_agent", "F2", "sku", "A", "quantity", "4"),
		act(ActTransferStock, "from_agent", "F2", "to_agent", "F3", "sku", "A", "quantity", "1"),
	}
	split.ScheduledActions = []ScheduledAction{
		at(1, act(ActTransferStock, "from_agent", "F1", "to_agent", "F3", "sku", "A", "quantity", "6")),
	}
	whole := newScenario(FailFast, firmAgents...)
	whole.InitialActions = []Action{
		act(ActCreateStock, "owner", "F1", "sku", "A", "quantity", "3", "unit_price", "1.5"),
		act(ActCreateStock, "owner", "F1", "sku", "A", "quantity", "3", "unit_price", "1.5"),
		act(ActTransferStock, "from_agent", "F1", "to_agent", "F2", "sku", "A", "quantity", "3"),
		act(ActTransferStock, "from_agent", "F1", "to_agent", "F1", "sku", "A", "quantity", "2"),
		act(ActCreateDeliveryObligation, "from", "F2", "to", "F3", "sku", "A", "quantity", "3", "unit_price", "0", "due_day", "0"),
	}
	runScenarioCases(t, []scenarioCase{
		// A partial transfer splits the first lot of the SKU; lots are never
		// merged at the receiver.
		{name: "split transfers", sc: split, wantStop: StopStable, wantEvents: `
				0 StockCreated owner=F1 sku=A qty=10 unit_price=d:2 stock_id=S_1
				0 StockCreated owner=F2 sku=A qty=1 unit_price=d:2 stock_id=S_2
				0 StockSplit original_id=S_1 new_id=S_3 sku=A original_qty=10 split_qty=4 remaining_qty=6
				0 StockTransferred frm=F1 to=F2 stock_id=S_3 sku=A qty=4
				0 StockTransferred frm=F2 to=F3 stock_id=S_2 sku=A qty=1
				1 StockTransferred frm=F1 to=F3 stock_id=S_1 sku=A qty=6
			`, wantState: `
				S_1 A 6@d:2 F3
				S_2 A 1@d:2 F3
				S_3 A 4@d:2 F2
			`},
		// A whole-lot transfer moves the lot; a transfer to its owner is
		// allowed and moves the lot to the end of the owner's list.
		{name: "whole lots", sc: whole, wantStop: StopStable, wantEvents: `
				0 StockCreated owner=F1 sku=A qty=3 unit_price=d:1.5 stock_id=S_1
				0 StockCreated owner=F1 sku=A qty=3 unit_price=d:1.5 stock_id=S_2
				0 StockTransferred frm=F1 to=F2 stock_id=S_1 sku=A qty=3
				0 StockSplit original_id=S_2 new_id=S_3 sku=A original_qty=3 split_qty=2 remaining_qty=1
				0 StockTransferred frm=F1 to=F1 stock_id=S_3 sku=A qty=2
				0 DeliveryObligationCreated id=D_4 frm=F2 to=F3 sku=A qty=3 due_day=0 unit_price=d:0
				0 StockTransferred frm=F2 to=F3 stock_id=S_1 sku=A qty=3
				0 DeliveryObligationCancelled obligation_id=D_4 contract_id=D_4 alias=null debtor=F2 creditor=F3 sku=A qty=3
				0 DeliveryObligationSettled obligation_id=D_4 contract_id=D_4 alias=null debtor=F2 creditor=F3 sku=A qty=3
			`, wantState: `
				S_1 A 3@d:1.5 F3
				S_2 A 1@d:1.5 F1
				S_3 A 2@d:1.5 F1
			`},
	})
}

func TestStockErrors(t *testing.T) {
	tests := []struct {
		name    string
		actions []Action
		want    string
	}{
		{"more than the first lot", []Action{
			act(ActCreateStock, "owner", "F1", "sku", "A", "quantity", "3", "unit_price", "1"),
			act(ActCreateStock, "owner", "F1", "sku", "A", "quantity", "3", "unit_price", "1"),
			act(ActTransferStock, "from_agent", "F1", "to_agent", "F2", "sku", "A", "quantity", "4"),
		}, "insufficient stock: 3 < 4"},
		{"no lot of the SKU", []Action{
			act(ActCreateStock, "owner", "F1", "sku", "A", "quantity", "3", "unit_price", "1"),
			act(ActTransferStock, "from_agent", "F1", "to_agent", "F2", "sku", "B", "quantity", "1"),
		}, "no stock with SKU B owned by F1"},
		{"unknown owner", []Action{
			act(ActCreateStock, "owner", "F9", "sku", "A", "quantity", "3", "unit_price", "1"),
		}, `unknown agent "F9"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := newScenario(FailFast, firmAgents...)
			sc.InitialActions = tt.actions
			if err := runError(t, sc); !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want it to mention %q", err, tt.want)
			}
		})
	}
}

// TestStockRollback checks that a failed atomic block undoes lot creation,
// splits, quantity and owner changes.
func TestStockRollback(t *testing.T) {
	sc := newScenario(FailFast, firmAgents...)
	s, err := newSystem(sc, Options{})
	if err != nil {
		t.Fatal(err)
	}
	lot := s.createStock(1, "A", 10, pynum.Int(2))
	before := s.view()
	boom := errors.New("boom")
	err = s.atomic(func() error {
		s.createStock(2, "A", 1, pynum.Int(1))
		if _, err := s.transferStock(lot, 1, 2, 4, true); err != nil {
			return err
		}
		if _, err := s.transferStock(lot, 1, 3, 6, true); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("atomic returned %v", err)
	}
	after := s.view()
	if got, want := renderState(&after), renderState(&before); got != want {
		t.Errorf("stock after rollback:\n%s\nwant\n%s", got, want)
	}
	for i := range before.Agents {
		if got, want := strings.Join(after.Agents[i].StockIDs, ","), strings.Join(before.Agents[i].StockIDs, ","); got != want {
			t.Errorf("%s stocks %q, want %q", before.Agents[i].ID, got, want)
		}
	}
	if len(s.st.stocks) != 1 || len(s.ev.recs) != 1 {
		t.Errorf("registry %d lots, %d events after rollback, want 1/1", len(s.st.stocks), len(s.ev.recs))
	}
	if err := s.checkInvariants(); err != nil {
		t.Error(err)
	}
}

// TestStockUnitPriceIsDecimal checks that an int unit price becomes a Decimal,
// as bilancio's StockLot converts it.
func TestStockUnitPriceIsDecimal(t *testing.T) {
	s, err := newSystem(newScenario(FailFast, firmAgents...), Options{})
	if err != nil {
		t.Fatal(err)
	}
	l := s.st.stocks[s.createStock(1, "A", 2, pynum.Int(3))]
	if !l.unitPrice.IsDecimal() || l.unitPrice.String() != "3" {
		t.Errorf("unit price %v (decimal %v), want Decimal 3", l.unitPrice, l.unitPrice.IsDecimal())
	}
}
