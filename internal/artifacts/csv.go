package artifacts

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
)

// AppendCSVRecord appends one record as Python's csv.writer (excel dialect,
// QUOTE_MINIMAL) writes it: fields separated by ",", a field quoted (with
// inner quotes doubled) only if it contains ',', '"', '\r' or '\n', a record
// made of a single empty field written as "", and the line ended by CRLF.
func AppendCSVRecord(dst []byte, fields []string) []byte {
	rec := startCSVRecord(dst)
	for _, f := range fields {
		rec.text(f)
	}
	return rec.end()
}

// csvRecord appends one record field by field, as AppendCSVRecord writes it.
type csvRecord struct {
	dst    []byte
	start  int // where the record starts in dst
	fields int
}

func startCSVRecord(dst []byte) csvRecord { return csvRecord{dst: dst, start: len(dst)} }

// next starts the next field; a field that never needs quoting (a number
// printed by package pynum) is then appended to dst directly.
func (r *csvRecord) next() {
	if r.fields > 0 {
		r.dst = append(r.dst, ',')
	}
	r.fields++
}

// text appends a text field, quoted if needed.
func (r *csvRecord) text(f string) {
	r.next()
	if !csvQuoted(f) {
		r.dst = append(r.dst, f...)
		return
	}
	r.dst = append(r.dst, '"')
	for j := 0; j < len(f); j++ {
		if f[j] == '"' {
			r.dst = append(r.dst, '"')
		}
		r.dst = append(r.dst, f[j])
	}
	r.dst = append(r.dst, '"')
}

// csvQuoted reports whether a field is quoted: it holds ',', '"', '\r' or
// '\n' (a loop over the bytes: strings.ContainsAny costs several times
// more on the short fields of a run's files).
func csvQuoted(f string) bool {
	for i := 0; i < len(f); i++ {
		switch f[i] {
		case ',', '"', '\r', '\n':
			return true
		}
	}
	return false
}

// int appends an int field.
func (r *csvRecord) int(n int) {
	r.next()
	r.dst = strconv.AppendInt(r.dst, int64(n), 10)
}

// end ends the record and returns the extended buffer.
func (r *csvRecord) end() []byte {
	if r.fields == 1 && len(r.dst) == r.start {
		r.dst = append(r.dst, `""`...)
	}
	return append(r.dst, '\r', '\n')
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
