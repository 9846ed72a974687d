package metrics

import (
	"testing"

	"github.com/bilancio-go/bilancio/internal/engine"
	"github.com/bilancio-go/bilancio/internal/pynum"
)

// The rows of spec §6.3: the int-versus-Decimal type of each total decides
// how balances.csv prints it.
func TestBalancesTypes(t *testing.T) {
	v := &engine.StateView{
		Agents: []engine.AgentView{
			{ID: "CB", Kind: "central_bank", LiabilityIDs: []string{"C_1", "C_2", "C_3"}},
			{ID: "H1", Kind: "household", AssetIDs: []string{"C_1"}},
			{ID: "H2", Kind: "household", AssetIDs: []string{"C_2"}},
			{ID: "H3", Kind: "household", AssetIDs: []string{"C_3"}},
		},
		Contracts: []engine.ContractView{
			{ID: "C_1", Kind: engine.KindCash, Amount: pynum.Dec(640, -1), Holder: "H1", Issuer: "CB"},
			{ID: "C_2", Kind: engine.KindCash, Amount: pynum.Int(36), Holder: "H2", Issuer: "CB"},
			{ID: "C_3", Kind: engine.KindCash, Amount: pynum.Dec(49000, -1), Holder: "H3", Issuer: "CB"},
		},
	}
	rows := Balances(v)
	if len(rows) != 8 {
		t.Fatalf("%d rows, want 8", len(rows))
	}
	tests := []struct {
		row         int
		key, text   string
		wantDecimal bool
	}{
		{0, "liabilities_cash", "5000.0", true},
		{0, "total_financial_assets", "0", false},
		{0, "net_financial", "-5000.0", true},
		{0, "total_nonfinancial_value", "0.0", true},
		{1, "assets_cash", "64.0", true},
		{2, "assets_cash", "36", false},
		{2, "total_financial_liabilities", "0", false},
		{4, "net_financial", "0", false},
		{4, "assets_cash", "5000.0", true},
		{7, "amount", "0.0", true},
	}
	for _, tt := range tests {
		c, ok := rows[tt.row].Get(tt.key)
		if !ok || c.IsText || c.CSV() != tt.text || c.Amount.IsDecimal() != tt.wantDecimal {
			t.Errorf("row %d %s = %+v (%q), want %s (decimal %v)", tt.row, tt.key, c, c.CSV(), tt.text, tt.wantDecimal)
		}
	}
	if got := rows[2].Text("assets_payable"); got != "" {
		t.Errorf("absent key printed %q", got)
	}
	if got := rows[5].Text("item_name"); got != "Total Assets" {
		t.Errorf("summary row item_name = %q", got)
	}
	if got := MoneyStock(rows).String(); got != "5000.0" {
		t.Errorf("MoneyStock = %s, want 5000.0", got)
	}
}
