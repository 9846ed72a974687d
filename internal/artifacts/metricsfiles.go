package artifacts

import (
	"fmt"
	"io"
	"strconv"

	"github.com/bilancio-go/bilancio/internal/metrics"
	"github.com/bilancio-go/bilancio/internal/pynum"
)

// metric appends a metrics CSV cell: a Decimal normalised and printed as an
// integer or repr(float), None empty (spec §8.4).
func (r *csvRecord) metric(d *pynum.Amount) {
	r.next()
	if d != nil {
		r.dst = pynum.AppendMetricCell(r.dst, *d)
	}
}

// metricsCSVHeader is the header of metrics.csv.
func metricsCSVHeader() []string {
	return []string{"G_t", "HHIplus_t", "M_t", "Mbar_t", "Mpeak_t", "S_t", "alpha_t", "day", "delta_t", "gross_settled_t", "n_creditors", "n_debtors", "notes", "phi_t", "v_t"}
}

// AppendMetricsCSV appends metrics.csv: the header `day` alone when there are
// no rows.
func AppendMetricsCSV(dst []byte, days []metrics.DayRow) []byte {
	if len(days) == 0 {
		return AppendCSVRecord(dst, []string{"day"})
	}
	if dst == nil {
		dst = make([]byte, 0, 128*(len(days)+1))
	}
	dst = AppendCSVRecord(dst, metricsCSVHeader())
	for i := range days {
		r := &days[i]
		rec := startCSVRecord(dst)
		rec.metric(r.G)
		rec.metric(r.HHIPlus)
		rec.metric(r.M)
		rec.metric(r.Mbar)
		rec.metric(r.Mpeak)
		rec.metric(r.S)
		rec.metric(r.Alpha)
		rec.int(r.Day)
		rec.metric(r.Delta)
		rec.metric(r.GrossSettled)
		rec.int(r.NCreditors)
		rec.int(r.NDebtors)
		rec.text(r.Notes)
		rec.metric(r.Phi)
		rec.metric(r.V)
		dst = rec.end()
	}
	return dst
}

// WriteMetricsCSV writes metrics.csv.
func WriteMetricsCSV(w io.Writer, days []metrics.DayRow) error {
	return write(w, "metrics.csv", AppendMetricsCSV(nil, days))
}

// AppendMetricsJSON appends metrics.json: json.dump(rows, indent=2), without
// a final newline. A row is an object with bilancio's keys in bilancio's
// order; a Decimal is written as AppendJSONNumber writes it, None as null.
func AppendMetricsJSON(dst []byte, days []metrics.DayRow) []byte {
	if len(days) == 0 {
		return append(dst, "[]"...)
	}
	if dst == nil {
		dst = make([]byte, 0, 512*len(days))
	}
	dst = append(dst, '[')
	for i := range days {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, "\n  "...)
		r := &days[i]
		o := dayObject{dst: append(dst, '{')}
		o.int(`"day"`, r.Day)
		o.decimal(`"S_t"`, r.S)
		o.decimal(`"Mbar_t"`, r.Mbar)
		o.decimal(`"M_t"`, r.M)
		o.decimal(`"G_t"`, r.G)
		o.decimal(`"alpha_t"`, r.Alpha)
		o.decimal(`"Mpeak_t"`, r.Mpeak)
		o.decimal(`"gross_settled_t"`, r.GrossSettled)
		o.decimal(`"v_t"`, r.V)
		o.decimal(`"phi_t"`, r.Phi)
		o.decimal(`"delta_t"`, r.Delta)
		o.int(`"n_debtors"`, r.NDebtors)
		o.int(`"n_creditors"`, r.NCreditors)
		o.decimal(`"HHIplus_t"`, r.HHIPlus)
		o.string(`"notes"`, r.Notes)
		dst = append(o.dst, "\n  }"...)
	}
	return append(dst, "\n]"...)
}

// dayObject appends the members of one object of metrics.json, which
// json.dump(rows, indent=2) writes one per line at nesting level 2.
type dayObject struct {
	dst     []byte
	members int
}

// key starts the member of key k, given as JSON ("\"S_t\"": the keys are
// bilancio's names, written as they are).
func (o *dayObject) key(k string) {
	if o.members > 0 {
		o.dst = append(o.dst, ',')
	}
	o.members++
	o.dst = append(o.dst, "\n    "...)
	o.dst = append(o.dst, k...)
	o.dst = append(o.dst, ": "...)
}

func (o *dayObject) int(k string, n int) {
	o.key(k)
	o.dst = strconv.AppendInt(o.dst, int64(n), 10)
}

func (o *dayObject) decimal(k string, d *pynum.Amount) {
	o.key(k)
	if d == nil {
		o.dst = append(o.dst, "null"...)
		return
	}
	o.dst = pynum.AppendJSONNumber(o.dst, *d)
}

func (o *dayObject) string(k, s string) {
	o.key(k)
	o.dst = AppendJSONString(o.dst, s)
}

// WriteMetricsJSON writes metrics.json.
func WriteMetricsJSON(w io.Writer, days []metrics.DayRow) error {
	return write(w, "metrics.json", AppendMetricsJSON(nil, days))
}

// AppendMetricsDS appends metrics_ds.csv (columns DS_t,agent,day): the
// header `day` alone when there are no rows.
func AppendMetricsDS(dst []byte, rows []metrics.DSRow) []byte {
	if len(rows) == 0 {
		return AppendCSVRecord(dst, []string{"day"})
	}
	if dst == nil {
		dst = make([]byte, 0, 32*(len(rows)+1))
	}
	dst = AppendCSVRecord(dst, []string{"DS_t", "agent", "day"})
	for _, r := range rows {
		rec := startCSVRecord(dst)
		rec.metric(r.DS)
		rec.text(r.Agent)
		rec.int(r.Day)
		dst = rec.end()
	}
	return dst
}

// WriteMetricsDS writes metrics_ds.csv.
func WriteMetricsDS(w io.Writer, rows []metrics.DSRow) error {
	return write(w, "metrics_ds.csv", AppendMetricsDS(nil, rows))
}

// AppendMetricsIntraday appends metrics_intraday.csv (columns
// P_prefix,amount,day,payee,payer,step): the header `day` alone when nothing
// was settled.
func AppendMetricsIntraday(dst []byte, steps []metrics.StepRow) []byte {
	if len(steps) == 0 {
		return AppendCSVRecord(dst, []string{"day"})
	}
	if dst == nil {
		dst = make([]byte, 0, 32*(len(steps)+1))
	}
	dst = AppendCSVRecord(dst, []string{"P_prefix", "amount", "day", "payee", "payer", "step"})
	for _, s := range steps {
		rec := startCSVRecord(dst)
		rec.metric(s.PPrefix)
		rec.metric(s.Amount)
		rec.int(s.Day)
		rec.text(s.Payee)
		rec.text(s.Payer)
		rec.int(s.Step)
		dst = rec.end()
	}
	return dst
}

// WriteMetricsIntraday writes metrics_intraday.csv.
func WriteMetricsIntraday(w io.Writer, steps []metrics.StepRow) error {
	return write(w, "metrics_intraday.csv", AppendMetricsIntraday(nil, steps))
}

func write(w io.Writer, what string, b []byte) error {
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("writing %s: %w", what, err)
	}
	return nil
}
