package metrics

import (
	"strings"

	"github.com/bilancio-go/bilancio/internal/pynum"
	"github.com/cockroachdb/apd/v3"
)

// MoneyStock returns the money stock M_t of the balance rows as bilancio
// computes it from balances.csv: the sum over the agent rows (rows without an
// item_type whose agent_id is not SYSTEM) of assets_cash, assets_bank_deposit
// and assets_reserve_deposit, each parsed as a Decimal from its CSV text.
func MoneyStock(rows []BalanceRow) *apd.Decimal {
	return moneyStock(len(rows), func(i int, key string) string { return rows[i].Text(key) })
}

// MoneyStockText is MoneyStock for rows read back from a balances.csv file,
// each a map from column name to cell text (a missing key is an empty cell).
func MoneyStockText(rows []map[string]string) *apd.Decimal {
	return moneyStock(len(rows), func(i int, key string) string { return rows[i][key] })
}

func moneyStock(n int, cell func(i int, key string) string) *apd.Decimal {
	total := apd.New(0, 0)
	for i := 0; i < n; i++ {
		if cell(i, "item_type") != "" || strings.ToUpper(cell(i, "agent_id")) == "SYSTEM" {
			continue
		}
		for _, key := range [...]string{"assets_cash", "assets_bank_deposit", "assets_reserve_deposit"} {
			total = pynum.DecAdd(total, cellDecimal(cell(i, key)))
		}
	}
	return total
}

// cellDecimal parses a CSV cell as bilancio's _get_decimal does: empty, "None"
// or unparsable text counts as 0.
func cellDecimal(s string) *apd.Decimal {
	if s == "" || s == "None" {
		return apd.New(0, 0)
	}
	d, ok := parseDecimal(s)
	if !ok {
		return apd.New(0, 0)
	}
	return d
}

// parseDecimal parses text as Python's Decimal(str) does for finite numbers
// (surrounding whitespace allowed).
func parseDecimal(s string) (*apd.Decimal, bool) {
	d, _, err := apd.NewFromString(strings.TrimSpace(s))
	if err != nil || d.Form != apd.Finite {
		return nil, false
	}
	return d, true
}
