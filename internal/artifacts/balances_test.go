package artifacts

import (
	"bytes"
	"strings"
	"testing"

	"github.com/bilancio-go/bilancio/internal/engine"
	"github.com/bilancio-go/bilancio/internal/metrics"
	"github.com/bilancio-go/bilancio/internal/pynum"
)

func cash(id, holder string, a pynum.Amount) engine.ContractView {
	return engine.ContractView{ID: id, Kind: engine.KindCash, Amount: a, Denomination: "X", Holder: holder, Issuer: "CB"}
}

func agent(id, kind string, assets, liabilities, stocks []string) engine.AgentView {
	return engine.AgentView{ID: id, Name: id, Kind: kind, AssetIDs: assets, LiabilityIDs: liabilities, StockIDs: stocks}
}

func crlf(lines ...string) string { return strings.Join(lines, "\r\n") + "\r\n" }

// Expected files written by bilancio's write_balances_csv for the same state.
func TestWriteBalances(t *testing.T) {
	tests := []struct {
		name  string
		state engine.StateView
		want  string
	}{
		{
			name: "spec §6.3 rows",
			state: engine.StateView{
				Agents: []engine.AgentView{
					agent("CB", "central_bank", nil, []string{"C_1", "C_2", "C_3"}, nil),
					agent("H1", "household", []string{"C_1"}, nil, nil),
					agent("H2", "household", []string{"C_2", "C_gone"}, nil, nil),
					agent("H3", "household", []string{"C_3"}, nil, nil),
				},
				Contracts: []engine.ContractView{
					cash("C_1", "H1", pynum.Dec(640, -1)),
					cash("C_2", "H2", pynum.Int(36)),
					cash("C_3", "H3", pynum.Dec(49000, -1)),
				},
			},
			want: crlf(
				"agent_id,agent_kind,agent_name,amount,assets_cash,item_name,item_type,liabilities_cash,net_financial,total_financial_assets,total_financial_liabilities,total_inventory_value,total_nonfinancial_value",
				"CB,,,,,,,5000.0,-5000.0,0,5000.0,0.0,0.0",
				"H1,,,,64.0,,,,64.0,64.0,0,0.0,0.0",
				"H2,,,,36,,,,36,36,0,0.0,0.0",
				"H3,,,,4900.0,,,,4900.0,4900.0,0,0.0,0.0",
				"SYSTEM,,,,5000.0,,,5000.0,0,5000.0,5000.0,0.0,0.0",
				"SYSTEM,system,System Total,5000.0,,Total Assets,summary,,,,,,",
				"SYSTEM,system,System Total,5000.0,,Total Liabilities,summary,,,,,,",
				"SYSTEM,system,System Total,0.0,,Total Equity,summary,,,,,,",
			),
		},
		{
			name: "payable, delivery obligation and stock lots",
			state: engine.StateView{
				Agents: []engine.AgentView{
					agent("CB", "central_bank", nil, []string{"C_1", "C_2", "C_3"}, nil),
					agent("H1", "household", []string{"C_1", "D_1"}, []string{"PAY_1"}, nil),
					agent("H2", "household", []string{"C_2", "PAY_1"}, nil, []string{"S_2"}),
					agent("F1", "firm", []string{"C_3"}, []string{"D_1"}, []string{"S_1"}),
				},
				Contracts: []engine.ContractView{
					cash("C_1", "H1", pynum.Dec(640, -1)),
					cash("C_2", "H2", pynum.Int(36)),
					cash("C_3", "F1", pynum.Dec(1005, -1)),
					{ID: "PAY_1", Kind: engine.KindPayable, Amount: pynum.Int(40), Denomination: "X", Holder: "H2", Issuer: "H1", DueDay: 3, HasDueDay: true},
					{ID: "D_1", Kind: engine.KindDeliveryObligation, Amount: pynum.Int(2), Denomination: "N/A", Holder: "H1", Issuer: "F1", DueDay: 2, HasDueDay: true, SKU: "WIDGET", UnitPrice: pynum.Dec(250, -2)},
				},
				Stocks: []engine.StockView{
					{ID: "S_1", SKU: "WIDGET", Quantity: 5, UnitPrice: pynum.Dec(250, -2), Owner: "F1", Divisible: true},
					{ID: "S_2", SKU: "GADGET", Quantity: 3, UnitPrice: pynum.Dec(11, -1), Owner: "H2", Divisible: true},
				},
			},
			want: crlf(
				"agent_id,agent_kind,agent_name,amount,assets_cash,assets_delivery_obligation,assets_payable,inventory_GADGET_quantity,inventory_GADGET_value,inventory_WIDGET_quantity,inventory_WIDGET_value,item_name,item_type,liabilities_cash,liabilities_delivery_obligation,liabilities_payable,net_financial,nonfinancial_WIDGET_quantity,nonfinancial_WIDGET_value,total_financial_assets,total_financial_liabilities,total_inventory_value,total_nonfinancial_value",
				"CB,,,,,,,,,,,,,200.5,,,-200.5,,,0,200.5,0.0,0.0",
				"H1,,,,64.0,2,,,,,,,,,,40,24.0,2,5.0,64.0,40,0.0,5.0",
				"H2,,,,36,,40,3,3.3,,,,,,,,76,,,76,0,3.3,0.0",
				"F1,,,,100.5,,,,,5,12.5,,,,2,,100.5,,,100.5,0,12.5,0.0",
				"SYSTEM,,,,200.5,2,40,3,3.3,5,12.5,,,200.5,2,40,0,2,5.0,240.5,240.5,15.8,0.0",
				"SYSTEM,system,System Total,240.5,,,,,,,,Total Assets,summary,,,,,,,,,,",
				"SYSTEM,system,System Total,240.5,,,,,,,,Total Liabilities,summary,,,,,,,,,,",
				"SYSTEM,system,System Total,0.0,,,,,,,,Total Equity,summary,,,,,,,,,,",
			),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows := metrics.Balances(&tt.state)
			var buf bytes.Buffer
			if err := WriteBalances(&buf, rows); err != nil {
				t.Fatal(err)
			}
			if buf.String() != tt.want {
				t.Errorf("balances.csv:\n%s\nwant:\n%s", buf.String(), tt.want)
			}
			// The money stock is the same from the rows and from the file.
			m1 := metrics.MoneyStock(rows)
			m2, err := ReadBalancesMoney(&buf)
			if err != nil {
				t.Fatal(err)
			}
			if m1.String() != m2.String() {
				t.Errorf("money stock %s from rows, %s from the file", m1.String(), m2.String())
			}
		})
	}
}
