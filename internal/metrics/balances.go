package metrics

import (
	"sort"

	"github.com/bilancio-go/bilancio/internal/engine"
	"github.com/bilancio-go/bilancio/internal/pynum"
)

// BalanceCell is one cell of a balances.csv row: an amount (a Python int or
// Decimal) or, when IsText, a text.
type BalanceCell struct {
	Key    string
	Amount pynum.Amount
	Text   string
	IsText bool
}

// CSV returns the cell as balances.csv prints it: a Decimal as repr(float), an
// int as its digits, a text as is.
func (c BalanceCell) CSV() string {
	if c.IsText {
		return c.Text
	}
	return pynum.BalanceCell(c.Amount)
}

// BalanceRow is one row of balances.csv: its cells in the order bilancio
// builds the row (each key once). Keys missing from a row print as empty
// fields.
type BalanceRow []BalanceCell

// Get returns the cell of key.
func (r BalanceRow) Get(key string) (BalanceCell, bool) {
	for _, c := range r {
		if c.Key == key {
			return c, true
		}
	}
	return BalanceCell{}, false
}

// Text returns the CSV text of key's cell, or "" when the row has no such key.
func (r BalanceRow) Text(key string) string {
	c, ok := r.Get(key)
	if !ok {
		return ""
	}
	return c.CSV()
}

// set stores a cell as a Python dict assignment does: an existing key keeps
// its position and gets the new value.
func (r *BalanceRow) set(c BalanceCell) {
	for i := range *r {
		if (*r)[i].Key == c.Key {
			(*r)[i] = c
			return
		}
	}
	*r = append(*r, c)
}

func (r *BalanceRow) setAmount(key string, a pynum.Amount) {
	r.set(BalanceCell{Key: key, Amount: a})
}

func (r *BalanceRow) setText(key, text string) {
	r.set(BalanceCell{Key: key, Text: text, IsText: true})
}

// BalanceHeader returns the balances.csv header: the sorted union of the rows'
// keys.
func BalanceHeader(rows []BalanceRow) []string {
	seen := map[string]bool{}
	var keys []string
	for _, r := range rows {
		for _, c := range r {
			if !seen[c.Key] {
				seen[c.Key] = true
				keys = append(keys, c.Key)
			}
		}
	}
	sort.Strings(keys)
	return keys
}

// sums is an insertion-ordered map of running sums, like a Python
// defaultdict filled in order.
type sums struct {
	keys []string
	vals map[string]pynum.Amount
}

func (s *sums) add(key string, zero, a pynum.Amount) {
	if s.vals == nil {
		s.vals = map[string]pynum.Amount{}
	}
	cur, ok := s.vals[key]
	if !ok {
		s.keys = append(s.keys, key)
		cur = zero
	}
	s.vals[key] = pynum.Add(cur, a)
}

// goods holds bilancio's per-SKU {quantity, value} dictionaries.
type goods struct {
	quantity sums // ints
	value    sums // Decimals
}

func (g *goods) add(sku string, quantity, value pynum.Amount) {
	g.quantity.add(sku, pynum.Int(0), quantity)
	g.value.add(sku, decZero(), value)
}

func (g *goods) put(r *BalanceRow, prefix string) {
	for _, sku := range g.quantity.keys {
		r.setAmount(prefix+sku+"_quantity", g.quantity.vals[sku])
	}
	for _, sku := range g.value.keys {
		r.setAmount(prefix+sku+"_value", g.value.vals[sku])
	}
}

// decZero is Python's Decimal('0').
func decZero() pynum.Amount { return pynum.Dec(0, 0) }

// asDecimal returns a as a Python Decimal (Decimal(str(a)) for an int).
func asDecimal(a pynum.Amount) pynum.Amount {
	if a.IsDecimal() {
		return a
	}
	return pynum.FromDecimal(a.Decimal(), true)
}

// sheet is the balance sheet of one agent or of the whole system.
type sheet struct {
	assets, liabilities       sums
	totalAssets, totalLiabs   pynum.Amount
	nonfinAssets, nonfinLiabs goods
	totalNonfin               pynum.Amount
	inventory                 goods
	totalInventory            pynum.Amount
}

func newSheet() *sheet {
	return &sheet{
		totalAssets:    pynum.Int(0),
		totalLiabs:     pynum.Int(0),
		totalNonfin:    decZero(),
		totalInventory: decZero(),
	}
}

func (s *sheet) addStock(st *engine.StockView) {
	value := asDecimal(st.Value())
	s.inventory.add(st.SKU, pynum.Int(st.Quantity), value)
	s.totalInventory = pynum.Add(s.totalInventory, value)
}

// nonfinancial returns the SKU and value under which a non-financial contract
// is listed.
func nonfinancial(c *engine.ContractView) (string, pynum.Amount) {
	sku := c.Kind
	if c.Kind == engine.KindDeliveryObligation {
		sku = c.SKU
	}
	return sku, asDecimal(c.ValuedAmount())
}

// Balances returns the rows of balances.csv for the state v, as bilancio's
// as_rows and write_balances_csv build them: one row per agent in agent
// order, the SYSTEM trial-balance row, and the three system summary rows
// (Total Assets, Total Liabilities, Total Equity).
func Balances(v *engine.StateView) []BalanceRow {
	contracts := make(map[string]*engine.ContractView, len(v.Contracts))
	for i := range v.Contracts {
		contracts[v.Contracts[i].ID] = &v.Contracts[i]
	}
	stocks := make(map[string]*engine.StockView, len(v.Stocks))
	for i := range v.Stocks {
		stocks[v.Stocks[i].ID] = &v.Stocks[i]
	}

	rows := make([]BalanceRow, 0, len(v.Agents)+4)
	for i := range v.Agents {
		a := &v.Agents[i]
		s := newSheet()
		for _, id := range a.StockIDs {
			if st := stocks[id]; st != nil {
				s.addStock(st)
			}
		}
		for _, id := range a.AssetIDs {
			c := contracts[id]
			if c == nil { // settled or removed
				continue
			}
			s.assets.add(c.Kind, pynum.Int(0), c.Amount)
			if c.Financial() {
				s.totalAssets = pynum.Add(s.totalAssets, c.Amount)
			} else {
				sku, value := nonfinancial(c)
				s.nonfinAssets.add(sku, c.Amount, value)
				s.totalNonfin = pynum.Add(s.totalNonfin, value)
			}
		}
		for _, id := range a.LiabilityIDs {
			c := contracts[id]
			if c == nil {
				continue
			}
			s.liabilities.add(c.Kind, pynum.Int(0), c.Amount)
			if c.Financial() {
				s.totalLiabs = pynum.Add(s.totalLiabs, c.Amount)
			} else {
				sku, value := nonfinancial(c)
				s.nonfinLiabs.add(sku, c.Amount, value)
			}
		}
		rows = append(rows, s.row(a.ID, pynum.Sub(s.totalAssets, s.totalLiabs), &s.nonfinAssets))
	}

	sys := newSheet()
	for i := range v.Stocks {
		sys.addStock(&v.Stocks[i])
	}
	for i := range v.Contracts {
		c := &v.Contracts[i]
		sys.assets.add(c.Kind, pynum.Int(0), c.Amount)
		sys.liabilities.add(c.Kind, pynum.Int(0), c.Amount)
		if c.Financial() {
			sys.totalAssets = pynum.Add(sys.totalAssets, c.Amount)
			sys.totalLiabs = pynum.Add(sys.totalLiabs, c.Amount)
		} else {
			// bilancio lists the system's non-financial items from the
			// liability side and never adds them to total_nonfinancial_value.
			sku, value := nonfinancial(c)
			sys.nonfinLiabs.add(sku, c.Amount, value)
		}
	}
	rows = append(rows, sys.row("SYSTEM", pynum.Int(0), &sys.nonfinLiabs))

	for _, item := range []struct {
		name   string
		amount pynum.Amount
	}{
		{"Total Assets", sys.totalAssets},
		{"Total Liabilities", sys.totalLiabs},
		{"Total Equity", pynum.Sub(sys.totalAssets, sys.totalLiabs)},
	} {
		var r BalanceRow
		r.setText("agent_id", "SYSTEM")
		r.setText("agent_name", "System Total")
		r.setText("agent_kind", "system")
		r.setText("item_type", "summary")
		r.setText("item_name", item.name)
		r.setAmount("amount", item.amount)
		rows = append(rows, r)
	}
	return rows
}

// row builds an as_rows row; nonfin is the goods listed under nonfinancial_.
func (s *sheet) row(id string, net pynum.Amount, nonfin *goods) BalanceRow {
	var r BalanceRow
	r.setText("agent_id", id)
	r.setAmount("total_financial_assets", s.totalAssets)
	r.setAmount("total_financial_liabilities", s.totalLiabs)
	r.setAmount("net_financial", net)
	r.setAmount("total_nonfinancial_value", s.totalNonfin)
	r.setAmount("total_inventory_value", s.totalInventory)
	for _, k := range s.assets.keys {
		r.setAmount("assets_"+k, s.assets.vals[k])
	}
	for _, k := range s.liabilities.keys {
		r.setAmount("liabilities_"+k, s.liabilities.vals[k])
	}
	nonfin.put(&r, "nonfinancial_")
	s.inventory.put(&r, "inventory_")
	return r
}
