package analysis

import (
	"bytes"
	"cmp"
	"fmt"
	"html/template"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/bilancio-go/bilancio/internal/artifacts"
	"github.com/bilancio-go/bilancio/internal/atomicfile"
	"github.com/bilancio-go/bilancio/internal/metrics"
	"github.com/bilancio-go/bilancio/internal/pynum"
)

// MetricsRequest is `bilancio analyze`: the files of a finished run to read
// and the metric files to write (bilancio's analyze command).
type MetricsRequest struct {
	// Events is the run's events.jsonl (required); Balances its
	// balances.csv, optional (without it M_t and G_t stay empty).
	Events, Balances string
	// Days are the metric days; none infers them from the events.
	Days []int
	// OutCSV and OutJSON default to <events folder>/<name>_metrics_day.csv
	// and .json, where name is the events file's stem without "_events"; the
	// debtor shares always go beside OutCSV as <name>_ds.csv. IntradayCSV
	// and HTML are written only when given.
	OutCSV, OutJSON, IntradayCSV, HTML string
}

// Written is a file an analysis wrote: what it holds, and where.
type Written struct{ What, Path string }

// ParseDayRanges reads bilancio's --days ("1,2-4"): the listed days and
// ranges, sorted without repeats; parts that are not numbers are skipped.
func ParseDayRanges(spec string) []int {
	seen := map[int]bool{}
	var out []int
	add := func(d int) {
		if !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if a, b, ok := strings.Cut(part, "-"); ok {
			x, err1 := strconv.Atoi(strings.TrimSpace(a))
			y, err2 := strconv.Atoi(strings.TrimSpace(b))
			if err1 != nil || err2 != nil {
				continue
			}
			for d := min(x, y); d <= max(x, y); d++ {
				add(d)
			}
			continue
		}
		if d, err := strconv.Atoi(part); err == nil {
			add(d)
		}
	}
	slices.Sort(out)
	return out
}

// RecomputeMetrics reads a run's events (and balances) and writes its
// metric files as bilancio's analyze does; the files are the run folder's
// metrics.csv, metrics.json, metrics_ds.csv and metrics_intraday.csv, byte
// for byte. It returns nothing written, and no error, when there is no
// metric day (bilancio then says "No days found to analyze.").
func RecomputeMetrics(req MetricsRequest) ([]Written, error) {
	f, err := os.Open(req.Events)
	if err != nil {
		return nil, err
	}
	events, err := artifacts.ReadEvents(f)
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", req.Events, err)
	}
	var money *pynum.Amount
	if req.Balances != "" {
		b, err := os.Open(req.Balances)
		if err == nil {
			money, err = artifacts.ReadBalancesMoney(b)
			b.Close()
			if err != nil {
				return nil, fmt.Errorf("%s: %w", req.Balances, err)
			}
		} else if !os.IsNotExist(err) {
			return nil, err
		}
	}
	rep := metrics.ComputeDaysOn(events, money, req.Days)
	if len(rep.Days) == 0 {
		return nil, nil
	}
	dir := filepath.Dir(req.Events)
	base := strings.ReplaceAll(strings.TrimSuffix(filepath.Base(req.Events), filepath.Ext(req.Events)), "_events", "")
	if base == "" {
		base = "metrics"
	}
	outCSV := cmp.Or(req.OutCSV, filepath.Join(dir, base+"_metrics_day.csv"))
	outJSON := cmp.Or(req.OutJSON, filepath.Join(dir, base+"_metrics_day.json"))
	dsBase := strings.ReplaceAll(strings.TrimSuffix(filepath.Base(outCSV), filepath.Ext(outCSV)), "_metrics_day", "")
	outDS := filepath.Join(filepath.Dir(outCSV), dsBase+"_ds.csv")
	files := []struct {
		what, path string
		data       []byte
	}{
		{"day metrics CSV", outCSV, artifacts.AppendMetricsCSV(nil, rep.Days)},
		{"day metrics JSON", outJSON, artifacts.AppendMetricsJSON(nil, rep.Days)},
		{"debtor shares CSV", outDS, artifacts.AppendMetricsDS(nil, rep.DebtorShares)},
	}
	if req.IntradayCSV != "" {
		files = append(files, struct {
			what, path string
			data       []byte
		}{"intraday CSV", req.IntradayCSV, artifacts.AppendMetricsIntraday(nil, rep.Intraday)})
	}
	if req.HTML != "" {
		page, err := metricsHTML(req, rep)
		if err != nil {
			return nil, err
		}
		files = append(files, struct {
			what, path string
			data       []byte
		}{"HTML analytics", req.HTML, page})
	}
	var wrote []Written
	for _, w := range files {
		if err := os.MkdirAll(filepath.Dir(w.path), 0o755); err != nil {
			return wrote, err
		}
		if err := atomicfile.WriteFile(w.path, w.data, 0o644); err != nil {
			return wrote, err
		}
		wrote = append(wrote, Written{w.what, w.path})
	}
	return wrote, nil
}

// metricsPage is the HTML analytics page: the day metrics, the debtor
// shares and the intraday steps (bilancio's metrics.html is presentational;
// this one shows the same tables).
const metricsPage = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;color:#222}table{border-collapse:collapse;margin:1rem 0}
th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:right}th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}</style>
</head><body><h1>{{.Title}}</h1><p>{{.Subtitle}}</p>
<h2>Day metrics</h2><table><tr>{{range .DayHeader}}<th>{{.}}</th>{{end}}</tr>{{range .Days}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>{{end}}</table>
<h2>Debtor shortfall shares</h2><table><tr><th>day</th><th>agent</th><th>DS_t</th></tr>{{range .DS}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>{{end}}</table>
<h2>Intraday settlement steps</h2><table><tr><th>day</th><th>step</th><th>payer</th><th>payee</th><th>amount</th><th>P_prefix</th></tr>{{range .Steps}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>{{end}}</table>
</body></html>
`

// metricsHTML renders the analytics page of a report.
func metricsHTML(req MetricsRequest, rep *metrics.Report) ([]byte, error) {
	cell := func(d *pynum.Amount) string {
		if d == nil {
			return ""
		}
		return pynum.MetricCell(*d)
	}
	stem := strings.ReplaceAll(strings.TrimSuffix(filepath.Base(req.Events), filepath.Ext(req.Events)), "_events", "")
	data := struct {
		Title, Subtitle string
		DayHeader       []string
		Days, DS, Steps [][]string
	}{
		Title:     "Bilancio Analytics — " + stem,
		Subtitle:  "Events: " + filepath.Base(req.Events),
		DayHeader: []string{"day", "S_t", "Mbar_t", "M_t", "G_t", "alpha_t", "Mpeak_t", "gross_settled_t", "v_t", "phi_t", "delta_t", "n_debtors", "n_creditors", "HHIplus_t", "notes"},
	}
	if req.Balances != "" {
		data.Subtitle += " | Balances: " + filepath.Base(req.Balances)
	}
	for _, d := range rep.Days {
		data.Days = append(data.Days, []string{strconv.Itoa(d.Day), cell(d.S), cell(d.Mbar), cell(d.M), cell(d.G), cell(d.Alpha),
			cell(d.Mpeak), cell(d.GrossSettled), cell(d.V), cell(d.Phi), cell(d.Delta), strconv.Itoa(d.NDebtors), strconv.Itoa(d.NCreditors), cell(d.HHIPlus), d.Notes})
	}
	for _, r := range rep.DebtorShares {
		data.DS = append(data.DS, []string{strconv.Itoa(r.Day), r.Agent, cell(r.DS)})
	}
	for _, s := range rep.Intraday {
		data.Steps = append(data.Steps, []string{strconv.Itoa(s.Day), strconv.Itoa(s.Step), s.Payer, s.Payee, cell(s.Amount), cell(s.PPrefix)})
	}
	page, err := template.New("metrics").Parse(metricsPage)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	err = page.Execute(&b, data)
	return b.Bytes(), err
}
