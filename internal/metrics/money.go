package metrics

import (
	"strings"

	"github.com/bilancio-go/bilancio/internal/pynum"
)

// MoneyStock returns the money stock M_t of the balance rows as bilancio
// computes it from balances.csv: the sum over the agent rows (rows without an
// item_type whose agent_id is not SYSTEM) of assets_cash, assets_bank_deposit
// and assets_reserve_deposit, each parsed as a Decimal from its CSV text.
func MoneyStock(rows []BalanceRow) *pynum.Amount {
	return moneyStock(len(rows),
		func(i int, key string) string { return rows[i].Text(key) },
		func(i int, key string) pynum.Amount {
			c, ok := rows[i].Get(key)
			if !ok {
				return decZero()
			}
			if c.IsText {
				return cellDecimal(c.Text)
			}
			if v, ok := pynum.BalanceCellValue(c.Amount); ok {
				return v
			}
			return decZero()
		})
}

// MoneyStockText is MoneyStock for rows read back from a balances.csv file,
// each a map from column name to cell text (a missing key is an empty cell).
func MoneyStockText(rows []map[string]string) *pynum.Amount {
	return moneyStock(len(rows),
		func(i int, key string) string { return rows[i][key] },
		func(i int, key string) pynum.Amount { return cellDecimal(rows[i][key]) })
}

// moneyStock sums the money cells of n rows, given each cell's text and the
// Decimal that bilancio reads from that text.
func moneyStock(n int, text func(i int, key string) string, value func(i int, key string) pynum.Amount) *pynum.Amount {
	total := decZero()
	for i := 0; i < n; i++ {
		if text(i, "item_type") != "" || strings.ToUpper(text(i, "agent_id")) == "SYSTEM" {
			continue
		}
		for _, key := range [...]string{"assets_cash", "assets_bank_deposit", "assets_reserve_deposit"} {
			total = pynum.Add(total, value(i, key))
		}
	}
	return &total
}

// cellDecimal parses a CSV cell as bilancio's _get_decimal does: empty, "None"
// or unparsable text counts as 0.
func cellDecimal(s string) pynum.Amount {
	if s == "" || s == "None" {
		return decZero()
	}
	d, err := pynum.ParseDecimal(strings.TrimSpace(s))
	if err != nil {
		return decZero()
	}
	return d
}
