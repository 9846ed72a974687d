package artifacts

import (
	"fmt"
	"io"
	"strconv"

	"github.com/bilancio-go/bilancio/internal/metrics"
	"github.com/bilancio-go/bilancio/internal/pynum"
	"github.com/cockroachdb/apd/v3"
)

// AppendBalances appends the balances.csv text of rows: the sorted union of
// the keys as header, then one record per row (missing keys empty).
func AppendBalances(dst []byte, rows []metrics.BalanceRow) []byte {
	header := metrics.BalanceHeader(rows)
	if len(header) == 0 {
		return dst // bilancio writes nothing without rows
	}
	dst = AppendCSVRecord(dst, header)
	rec := make([]string, len(header))
	for _, r := range rows {
		for i, k := range header {
			rec[i] = r.Text(k)
		}
		dst = AppendCSVRecord(dst, rec)
	}
	return dst
}

// WriteBalances writes balances.csv.
func WriteBalances(w io.Writer, rows []metrics.BalanceRow) error {
	return write(w, "balances", AppendBalances(nil, rows))
}

// ReadBalancesMoney reads a balances.csv file and returns its money stock
// (metrics.MoneyStockText), as bilancio's metrics read it.
func ReadBalancesMoney(r io.Reader) (*apd.Decimal, error) {
	rows, err := ReadCSVDicts(r)
	if err != nil {
		return nil, fmt.Errorf("reading balances: %w", err)
	}
	return metrics.MoneyStockText(rows), nil
}

// cell is a metrics CSV cell: a Decimal normalised and printed as an integer
// or repr(float), None empty (spec §8.4).
func cell(d *apd.Decimal) string {
	if d == nil {
		return ""
	}
	return pynum.MetricCell(d)
}

func jsonDec(d *apd.Decimal) JSON { return JSONDecimal(d) }

// dayCells returns a day row's CSV cells in metrics.csv column order:
// G_t,HHIplus_t,M_t,Mbar_t,Mpeak_t,S_t,alpha_t,day,delta_t,gross_settled_t,
// n_creditors,n_debtors,notes,phi_t,v_t.
func dayCells(r *metrics.DayRow) []string {
	return []string{
		cell(r.G), cell(r.HHIPlus), cell(r.M), cell(r.Mbar), cell(r.Mpeak), cell(r.S),
		cell(r.Alpha), strconv.Itoa(r.Day), cell(r.Delta), cell(r.GrossSettled),
		strconv.Itoa(r.NCreditors), strconv.Itoa(r.NDebtors), r.Notes, cell(r.Phi), cell(r.V),
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
	dst = AppendCSVRecord(dst, metricsCSVHeader())
	for i := range days {
		dst = AppendCSVRecord(dst, dayCells(&days[i]))
	}
	return dst
}

// WriteMetricsCSV writes metrics.csv.
func WriteMetricsCSV(w io.Writer, days []metrics.DayRow) error {
	return write(w, "metrics.csv", AppendMetricsCSV(nil, days))
}

// DayJSON returns a day row as metrics.json writes it, keys in bilancio's
// order.
func DayJSON(r *metrics.DayRow) JSON {
	keys := [...]string{"day", "S_t", "Mbar_t", "M_t", "G_t", "alpha_t", "Mpeak_t", "gross_settled_t", "v_t", "phi_t", "delta_t", "n_debtors", "n_creditors", "HHIplus_t", "notes"}
	vals := [...]JSON{
		JSONInt(int64(r.Day)), jsonDec(r.S), jsonDec(r.Mbar), jsonDec(r.M), jsonDec(r.G),
		jsonDec(r.Alpha), jsonDec(r.Mpeak), jsonDec(r.GrossSettled), jsonDec(r.V),
		jsonDec(r.Phi), jsonDec(r.Delta), JSONInt(int64(r.NDebtors)),
		JSONInt(int64(r.NCreditors)), jsonDec(r.HHIPlus), JSONString(r.Notes),
	}
	members := make([]Member, len(vals))
	for i, v := range vals {
		members[i] = Member{keys[i], v}
	}
	return JSONObject(members...)
}

// AppendMetricsJSON appends metrics.json: json.dump(rows, indent=2), without
// a final newline.
func AppendMetricsJSON(dst []byte, days []metrics.DayRow) []byte {
	items := make([]JSON, len(days))
	for i := range days {
		items[i] = DayJSON(&days[i])
	}
	return AppendJSONIndent(dst, JSONArray(items...), 2)
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
	dst = AppendCSVRecord(dst, []string{"DS_t", "agent", "day"})
	for _, r := range rows {
		dst = AppendCSVRecord(dst, []string{cell(r.DS), r.Agent, strconv.Itoa(r.Day)})
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
	dst = AppendCSVRecord(dst, []string{"P_prefix", "amount", "day", "payee", "payer", "step"})
	for _, s := range steps {
		dst = AppendCSVRecord(dst, []string{cell(s.PPrefix), cell(s.Amount), strconv.Itoa(s.Day), s.Payee, s.Payer, strconv.Itoa(s.Step)})
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
