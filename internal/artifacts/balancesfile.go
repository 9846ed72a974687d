package artifacts

import (
	"fmt"
	"io"

	"github.com/bilancio-go/bilancio/internal/metrics"
	"github.com/bilancio-go/bilancio/internal/pynum"
)

// AppendBalances appends the balances.csv text of rows: the sorted union of
// the keys as header, then one record per row (missing keys empty).
func AppendBalances(dst []byte, rows []metrics.BalanceRow) []byte {
	header := metrics.BalanceHeader(rows)
	if len(header) == 0 {
		return dst // bilancio writes nothing without rows
	}
	if dst == nil {
		dst = make([]byte, 0, 4*len(header)*(len(rows)+1))
	}
	dst = AppendCSVRecord(dst, header)
	cellAt := make([]int, len(header)) // by column: 1 + the index of the row's cell, 0 for none
	var last metrics.BalanceRow        // the row cellAt was made for
	for _, r := range rows {
		if !metrics.SameKeys(r, last) {
			clear(cellAt)
			for i := range r {
				cellAt[columnOf(header, r[i].Key)] = 1 + i
			}
			last = r
		}
		rec := startCSVRecord(dst)
		for _, at := range cellAt {
			if at == 0 {
				rec.next()
				continue
			}
			if c := &r[at-1]; c.IsText {
				rec.text(c.Text)
			} else {
				rec.next()
				rec.dst = pynum.AppendBalanceCell(rec.dst, c.Amount)
			}
		}
		dst = rec.end()
	}
	return dst
}

// columnOf returns the column of key in the sorted header, which holds it.
func columnOf(header []string, key string) int {
	lo, hi := 0, len(header)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if header[m] < key {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// WriteBalances writes balances.csv.
func WriteBalances(w io.Writer, rows []metrics.BalanceRow) error {
	return write(w, "balances", AppendBalances(nil, rows))
}

// ReadBalancesMoney reads a balances.csv file and returns its money stock
// (metrics.MoneyStockText), as bilancio's metrics read it.
func ReadBalancesMoney(r io.Reader) (*pynum.Amount, error) {
	rows, err := ReadCSVDicts(r)
	if err != nil {
		return nil, fmt.Errorf("reading balances: %w", err)
	}
	return metrics.MoneyStockText(rows), nil
}
