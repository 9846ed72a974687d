package analysis

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/bilancio-go/bilancio/internal/artifacts"
	"github.com/bilancio-go/bilancio/internal/atomicfile"
	"github.com/bilancio-go/bilancio/internal/pynum"
)

// kind is a value's Python type, or a column's pandas dtype.
type kind uint8

const (
	kNone  kind = iota // None (a missing cell)
	kInt               // int, int64
	kFloat             // float, float64 (NaN is a missing float)
	kBool              // bool
	kStr               // str, object
)

// value is one Python value, as the analyses hold them.
type value struct {
	kind kind
	i    int64
	f    float64
	b    bool
	s    string
}

func intV(i int64) value     { return value{kind: kInt, i: i} }
func floatV(f float64) value { return value{kind: kFloat, f: f} }
func strV(s string) value    { return value{kind: kStr, s: s} }
func noneV() value           { return value{} }

// missing reports pandas' isna: None and NaN.
func (v value) missing() bool {
	return v.kind == kNone || (v.kind == kFloat && math.IsNaN(v.f))
}

// float is float(v) for a number (NaN otherwise).
func (v value) float() float64 {
	switch v.kind {
	case kInt:
		return float64(v.i)
	case kFloat:
		return v.f
	case kBool:
		if v.b {
			return 1
		}
		return 0
	}
	return math.NaN()
}

// column is one column of a frame: its dtype and its values.
type column struct {
	name string
	kind kind
	vals []value
}

// frame is a pandas DataFrame as the analyses use it: named columns of
// equal length.
type frame struct {
	cols  []*column
	index map[string]int
	rows  int
}

// col returns the named column, nil if absent.
func (f *frame) col(name string) *column {
	if i, ok := f.index[name]; ok {
		return f.cols[i]
	}
	return nil
}

// naValues are the strings pandas' read_csv reads as NaN by default.
func naValues() map[string]bool {
	m := map[string]bool{}
	for _, s := range []string{"", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
		"<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"} {
		m[s] = true
	}
	return m
}

// readCSV reads a CSV file as pandas.read_csv does with its defaults: a
// header line, then each column typed int64 when every cell is an integer,
// float64 when every cell is a number or missing (NaN), bool when every cell
// is True or False, object (strings, NaN when missing) otherwise. Numbers
// are parsed as pandas' C parser does (preciseXstrtod), not correctly
// rounded.
func readCSV(path string) (*frame, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parseCSV(data)
}

// parseCSV is readCSV of data.
func parseCSV(data []byte) (*frame, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("no columns to parse from file")
	}
	if err != nil {
		return nil, err
	}
	var recs [][]string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if len(rec) == 1 && rec[0] == "" {
			continue // a blank line
		}
		recs = append(recs, rec)
	}
	na := naValues()
	f := &frame{index: map[string]int{}, rows: len(recs)}
	for j, name := range header {
		cells := make([]string, len(recs))
		for i, rec := range recs {
			if j < len(rec) {
				cells[i] = rec[j]
			}
		}
		f.index[name] = len(f.cols)
		f.cols = append(f.cols, inferColumn(name, cells, na))
	}
	return f, nil
}

// inferColumn types a column of cells as read_csv does.
func inferColumn(name string, cells []string, na map[string]bool) *column {
	c := &column{name: name, vals: make([]value, len(cells))}
	hasNA := false
	ints, floats, bools := true, true, true
	for _, s := range cells {
		if na[s] {
			hasNA = true
			continue
		}
		if _, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64); err != nil {
			ints = false
		}
		if _, ok := preciseXstrtod(s); !ok {
			floats = false
		}
		switch s {
		case "True", "TRUE", "true", "False", "FALSE", "false":
		default:
			bools = false
		}
	}
	switch {
	case ints && !hasNA && len(cells) > 0:
		c.kind = kInt
		for i, s := range cells {
			n, _ := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
			c.vals[i] = intV(n)
		}
	case floats:
		c.kind = kFloat
		for i, s := range cells {
			if na[s] {
				c.vals[i] = floatV(math.NaN())
				continue
			}
			x, _ := preciseXstrtod(s)
			c.vals[i] = floatV(x)
		}
	case bools && !hasNA:
		c.kind = kBool
		for i, s := range cells {
			c.vals[i] = value{kind: kBool, b: s == "True" || s == "TRUE" || s == "true"}
		}
	default:
		c.kind = kStr
		for i, s := range cells {
			if na[s] {
				c.vals[i] = floatV(math.NaN())
			} else {
				c.vals[i] = strV(s)
			}
		}
	}
	return c
}

// preciseXstrtod parses a number as pandas' C parser does by default
// (precise_xstrtod in pandas/_libs/src/parser/tokenizer.c): at most 17
// digits are accumulated in a float64, leading zeros included, the rest
// ignored, and the result is scaled by a power of ten: not always the
// correctly rounded float ("-0.0336044805974129883984531271" reads as
// -0.0336044805974129). It also reads inf and nan as pandas does. ok is
// false unless the whole string is a number.
func preciseXstrtod(s string) (float64, bool) {
	t := strings.TrimSpace(s)
	switch strings.ToLower(strings.TrimLeft(t, "+-")) {
	case "inf", "infinity":
		if strings.HasPrefix(t, "-") {
			return math.Inf(-1), true
		}
		return math.Inf(1), true
	}
	p := 0
	at := func() byte {
		if p < len(t) {
			return t[p]
		}
		return 0
	}
	isDigit := func(c byte) bool { return c >= '0' && c <= '9' }
	negative := false
	switch at() {
	case '-':
		negative = true
		p++
	case '+':
		p++
	}
	const maxDigits = 17
	number, exponent, numDigits, numDecimals := 0.0, 0, 0, 0
	start := p
	for isDigit(at()) {
		if numDigits < maxDigits {
			number = number*10 + float64(at()-'0')
			numDigits++
		} else {
			exponent++
		}
		p++
	}
	sawDigits := p > start
	if at() == '.' {
		p++
		fracStart := p
		for numDigits < maxDigits && isDigit(at()) {
			number = number*10 + float64(at()-'0')
			p++
			numDigits++
			numDecimals++
		}
		for isDigit(at()) {
			p++
		}
		sawDigits = sawDigits || p > fracStart
		exponent -= numDecimals
	}
	if !sawDigits {
		return 0, false
	}
	if negative {
		number = -number
	}
	if c := at(); c == 'e' || c == 'E' {
		q := p + 1
		expNeg := false
		if q < len(t) && (t[q] == '-' || t[q] == '+') {
			expNeg = t[q] == '-'
			q++
		}
		n, digits := 0, 0
		for q < len(t) && isDigit(t[q]) && digits < maxDigits {
			n = n*10 + int(t[q]-'0')
			digits++
			q++
		}
		if digits > 0 {
			if expNeg {
				exponent -= n
			} else {
				exponent += n
			}
			p = q
		}
	}
	if p != len(t) {
		return 0, false
	}
	switch {
	case exponent > 308:
		return math.Inf(1), true
	case exponent > 0:
		number *= math.Pow10(exponent)
	case exponent < -616:
		number = 0
	case exponent < -308:
		number /= math.Pow10(-308 - exponent)
		number /= math.Pow10(308)
	default:
		number /= math.Pow10(-exponent)
	}
	return number, true
}

// pairwiseSum is numpy's sum of a float64 array (pairwise_sum in
// numpy/core/src/umath/loops_utils.h): blocks of up to 128 values summed
// with 8 accumulators, larger arrays halved. Its last digit can differ from
// a left-to-right sum.
func pairwiseSum(a []float64) float64 {
	n := len(a)
	switch {
	case n < 8:
		res := 0.0
		for _, x := range a {
			res += x
		}
		return res
	case n <= 128:
		var r [8]float64
		copy(r[:], a[:8])
		i := 8
		for ; i < n-n%8; i += 8 {
			for j := range 8 {
				r[j] += a[i+j]
			}
		}
		res := ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
		for ; i < n; i++ {
			res += a[i]
		}
		return res
	}
	n2 := n / 2
	n2 -= n2 % 8
	return pairwiseSum(a[:n2]) + pairwiseSum(a[n2:])
}

// sum is Series.sum(): NaN counted as 0, an empty sum 0; an int or bool
// column sums exactly to an int.
func (c *column) sum(rows []int) value {
	if c.kind == kInt || c.kind == kBool {
		var t int64
		for _, r := range rows {
			if c.kind == kBool {
				if c.vals[r].b {
					t++
				}
			} else {
				t += c.vals[r].i
			}
		}
		return intV(t)
	}
	return floatV(nanSum(c.vals, rows))
}

// nanSum is pandas' nansum of float values: the missing ones count as 0 in
// their places, then numpy's pairwise sum.
func nanSum(vals []value, rows []int) float64 {
	xs := make([]float64, 0, len(rows))
	for _, r := range rows {
		x := 0.0
		if v := vals[r]; !v.missing() {
			x = v.float()
		}
		xs = append(xs, x)
	}
	return pairwiseSum(xs)
}

// mean is Series.mean(): the sum of the values that are not missing over
// their count, NaN when there are none.
func (c *column) mean(rows []int) float64 {
	n := 0
	for _, r := range rows {
		if !c.vals[r].missing() {
			n++
		}
	}
	if n == 0 {
		return math.NaN()
	}
	return nanSum(c.vals, rows) / float64(n)
}

// allRows lists 0…n−1.
func allRows(n int) []int {
	rows := make([]int, n)
	for i := range rows {
		rows[i] = i
	}
	return rows
}

// record is one output row: its values by column, in column order.
type record struct {
	keys []string
	vals map[string]value
}

func newRecord() *record { return &record{vals: map[string]value{}} }

// set sets a column's value, appending the column the first time.
func (r *record) set(key string, v value) {
	if _, ok := r.vals[key]; !ok {
		r.keys = append(r.keys, key)
	}
	r.vals[key] = v
}

// writeCSV writes rows as pandas writes pd.DataFrame(rows).to_csv(path,
// index=False): the columns in first-seen order, each typed by its Python
// values (int64 if all ints; float64 if all numbers or None, ints then
// printed as floats and None as empty; bool if all bools; object
// otherwise, printed with str()), "\n" line ends, minimal quoting.
func writeCSV(path string, rows []*record) error {
	var keys []string
	seen := map[string]bool{}
	for _, r := range rows {
		for _, k := range r.keys {
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	kinds := make([]kind, len(keys))
	for j, k := range keys {
		kinds[j] = columnKind(rows, k)
	}
	// Python's csv writer (QUOTE_MINIMAL) with pandas' "\n" line ends.
	line := func(dst []byte, fields []string) []byte {
		dst = artifacts.AppendCSVRecord(dst, fields)
		return append(dst[:len(dst)-2], '\n')
	}
	b := line(nil, keys)
	rec := make([]string, len(keys))
	for _, r := range rows {
		for j, k := range keys {
			v, ok := r.vals[k]
			if !ok {
				v = floatV(math.NaN())
			}
			rec[j] = formatCell(v, kinds[j])
		}
		b = line(b, rec)
	}
	return atomicfile.WriteFile(path, b, 0o644)
}

// columnKind is the dtype pandas gives a column of Python values.
func columnKind(rows []*record, key string) kind {
	ints, floats, bools, any := true, true, true, false
	for _, r := range rows {
		v, ok := r.vals[key]
		if !ok {
			v = floatV(math.NaN())
		}
		switch v.kind {
		case kInt:
			any = true
			bools = false
		case kFloat:
			any = true
			ints, bools = false, false
		case kBool:
			any = true
			ints, floats = false, false
		case kNone:
			ints, bools = false, false
		default:
			return kStr
		}
	}
	switch {
	case !any:
		return kStr
	case ints:
		return kInt
	case floats:
		return kFloat
	case bools:
		return kBool
	}
	return kStr
}

// formatCell prints a value of a column of kind k as to_csv does.
func formatCell(v value, k kind) string {
	if v.missing() {
		return ""
	}
	switch v.kind {
	case kInt:
		if k == kFloat {
			return pynum.FloatRepr(float64(v.i))
		}
		return strconv.FormatInt(v.i, 10)
	case kFloat:
		return pynum.FloatRepr(v.f)
	case kBool:
		if v.b {
			return "True"
		}
		return "False"
	}
	return v.s
}
