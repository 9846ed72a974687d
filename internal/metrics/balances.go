package metrics

import (
	"slices"

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
	// A run's rows share a handful of keys, found faster in the list of
	// those seen than in a map; a map takes over if there are many.
	const listed = 32
	var keys []string
	var seen map[string]bool
	var last BalanceRow
	for _, r := range rows {
		if SameKeys(r, last) {
			continue // no key that is not in keys already
		}
		last = r
		for _, c := range r {
			switch {
			case seen != nil:
				if seen[c.Key] {
					continue
				}
				seen[c.Key] = true
			case slices.Contains(keys, c.Key):
				continue
			case len(keys) == listed:
				seen = make(map[string]bool, 2*listed)
				for _, k := range keys {
					seen[k] = true
				}
				seen[c.Key] = true
			}
			keys = append(keys, c.Key)
		}
	}
	slices.Sort(keys)
	return keys
}

// SameKeys reports whether rows a and b have the same keys in the same
// order (the rows of most agents of a run do).
func SameKeys(a, b BalanceRow) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Key != b[i].Key {
			return false
		}
	}
	return true
}

// sums is an insertion-ordered map of running sums, like a Python
// defaultdict filled in order. A balance sheet sums a handful of kinds, for
// which a slice is cheaper than a map.
type sums []sum

type sum struct {
	key string
	val pynum.Amount
}

func (s *sums) add(key string, zero, a pynum.Amount) {
	for i := range *s {
		if (*s)[i].key == key {
			(*s)[i].val = pynum.Add((*s)[i].val, a)
			return
		}
	}
	*s = append(*s, sum{key, pynum.Add(zero, a)})
}

// columns builds the names of balances.csv's per-kind and per-SKU columns
// once per Balances call, rather than once per agent.
type columns map[[3]string]string

func (c columns) name(prefix, key, suffix string) string {
	k := [3]string{prefix, key, suffix}
	name, ok := c[k]
	if !ok {
		name = prefix + key + suffix
		c[k] = name
	}
	return name
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

func (g *goods) put(r *BalanceRow, prefix string, cols columns) {
	for _, q := range g.quantity {
		r.setAmount(cols.name(prefix, q.key, "_quantity"), q.val)
	}
	for _, v := range g.value {
		r.setAmount(cols.name(prefix, v.key, "_value"), v.val)
	}
}

// asDecimal returns a as a Python Decimal (Decimal(str(a)) for an int).
func asDecimal(a pynum.Amount) pynum.Amount {
	if a.IsDecimal() {
		return a
	}
	return pynum.AsDecimal(a)
}

// rowStore keeps finished rows in shared blocks of cells, so that a hundred
// rows cost a few allocations rather than one each.
type rowStore struct {
	cells []BalanceCell
	block int // the size of a new block
}

// keep returns a copy of r cut from the current block.
func (st *rowStore) keep(r BalanceRow) BalanceRow {
	if cap(st.cells)-len(st.cells) < len(r) {
		st.cells = make([]BalanceCell, 0, max(st.block, len(r)))
	}
	start := len(st.cells)
	st.cells = append(st.cells, r...)
	return st.cells[start:len(st.cells):len(st.cells)]
}

// sheet is the balance sheet of one agent or of the whole system.
type sheet struct {
	assets, liabilities       sums
	totalAssets, totalLiabs   pynum.Amount
	nonfinAssets, nonfinLiabs goods
	totalNonfin               pynum.Amount
	inventory                 goods
	totalInventory            pynum.Amount
	scratch                   BalanceRow // where row builds a row
}

// reset empties s for the next agent, keeping its slices' storage.
func (s *sheet) reset() {
	*s = sheet{
		scratch:        s.scratch[:0],
		assets:         s.assets[:0],
		liabilities:    s.liabilities[:0],
		totalAssets:    pynum.Int(0),
		totalLiabs:     pynum.Int(0),
		nonfinAssets:   goods{s.nonfinAssets.quantity[:0], s.nonfinAssets.value[:0]},
		nonfinLiabs:    goods{s.nonfinLiabs.quantity[:0], s.nonfinLiabs.value[:0]},
		totalNonfin:    decZero(),
		inventory:      goods{s.inventory.quantity[:0], s.inventory.value[:0]},
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
	cols := columns{}
	store := rowStore{block: 8*len(v.Agents) + 32} // agent rows have 6 cells and a few per kind

	rows := make([]BalanceRow, 0, len(v.Agents)+4)
	var s sheet
	for i := range v.Agents {
		a := &v.Agents[i]
		s.reset()
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
		rows = append(rows, store.keep(s.row(a.ID, pynum.Sub(s.totalAssets, s.totalLiabs), &s.nonfinAssets, cols)))
	}

	s.reset()
	for i := range v.Stocks {
		s.addStock(&v.Stocks[i])
	}
	for i := range v.Contracts {
		c := &v.Contracts[i]
		s.assets.add(c.Kind, pynum.Int(0), c.Amount)
		s.liabilities.add(c.Kind, pynum.Int(0), c.Amount)
		if c.Financial() {
			s.totalAssets = pynum.Add(s.totalAssets, c.Amount)
			s.totalLiabs = pynum.Add(s.totalLiabs, c.Amount)
		} else {
			// bilancio lists the system's non-financial items from the
			// liability side and never adds them to total_nonfinancial_value.
			sku, value := nonfinancial(c)
			s.nonfinLiabs.add(sku, c.Amount, value)
		}
	}
	rows = append(rows, store.keep(s.row("SYSTEM", pynum.Int(0), &s.nonfinLiabs, cols)))

	for _, item := range []struct {
		name   string
		amount pynum.Amount
	}{
		{"Total Assets", s.totalAssets},
		{"Total Liabilities", s.totalLiabs},
		{"Total Equity", pynum.Sub(s.totalAssets, s.totalLiabs)},
	} {
		r := s.scratch[:0]
		r.setText("agent_id", "SYSTEM")
		r.setText("agent_name", "System Total")
		r.setText("agent_kind", "system")
		r.setText("item_type", "summary")
		r.setText("item_name", item.name)
		r.setAmount("amount", item.amount)
		rows = append(rows, store.keep(r))
	}
	return rows
}

// row builds an as_rows row in s's scratch row; nonfin is the goods listed
// under nonfinancial_.
func (s *sheet) row(id string, net pynum.Amount, nonfin *goods, cols columns) BalanceRow {
	r := s.scratch[:0]
	r.setText("agent_id", id)
	r.setAmount("total_financial_assets", s.totalAssets)
	r.setAmount("total_financial_liabilities", s.totalLiabs)
	r.setAmount("net_financial", net)
	r.setAmount("total_nonfinancial_value", s.totalNonfin)
	r.setAmount("total_inventory_value", s.totalInventory)
	for _, a := range s.assets {
		r.setAmount(cols.name("assets_", a.key, ""), a.val)
	}
	for _, l := range s.liabilities {
		r.setAmount(cols.name("liabilities_", l.key, ""), l.val)
	}
	nonfin.put(&r, "nonfinancial_", cols)
	s.inventory.put(&r, "inventory_", cols)
	s.scratch = r
	return r
}
