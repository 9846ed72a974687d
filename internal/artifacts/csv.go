package artifacts

import (
	"encoding/csv"
	"fmt"
	"io"
	"strings"
)

// AppendCSVRecord appends one record as Python's csv.writer (excel dialect,
// QUOTE_MINIMAL) writes it: fields separated by ",", a field quoted (with
// inner quotes doubled) only if it contains ',', '"', '\r' or '\n', a record
// made of a single empty field written as "", and the line ended by CRLF.
func AppendCSVRecord(dst []byte, fields []string) []byte {
	if len(fields) == 1 && fields[0] == "" {
		return append(dst, "\"\"\r\n"...)
	}
	for i, f := range fields {
		if i > 0 {
			dst = append(dst, ',')
		}
		if !strings.ContainsAny(f, ",\"\r\n") {
			dst = append(dst, f...)
			continue
		}
		dst = append(dst, '"')
		for j := 0; j < len(f); j++ {
			if f[j] == '"' {
				dst = append(dst, '"')
			}
			dst = append(dst, f[j])
		}
		dst = append(dst, '"')
	}
	return append(dst, '\r', '\n')
}

// ReadCSVDicts reads a CSV file with a header line as Python's csv.DictReader
// does: one map per non-empty record from column name to cell text; cells
// beyond the header are dropped and missing cells are absent.
func ReadCSVDicts(r io.Reader) ([]map[string]string, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	header, err := cr.Read()
	if err == io.EOF {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading CSV header: %w", err)
	}
	var rows []map[string]string
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading CSV record %d: %w", len(rows)+1, err)
		}
		row := make(map[string]string, len(header))
		for i, name := range header {
			if i < len(rec) {
				row[name] = rec[i]
			}
		}
		rows = append(rows, row)
	}
}
