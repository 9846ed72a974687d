package artifacts

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bilancio-go/bilancio/internal/engine"
	"github.com/bilancio-go/bilancio/internal/metrics"
	"github.com/bilancio-go/bilancio/internal/pynum"
	"github.com/bilancio-go/bilancio/sdk/runfolder"
)

// Day 1 of comparison_control_00b2d850311d (spec §6.4).
func specDay(t *testing.T) metrics.DayRow {
	s, peak := pynum.Dec(619, 0), pynum.Dec(77, 0)
	phi := pynum.Quo(peak, s)
	return metrics.DayRow{
		Day: 1, S: &s, Mbar: ptr(pynum.Dec(619, 0)), M: dec(t, "5000"), G: ptr(pynum.Dec(0, 0)),
		Alpha: ptr(pynum.Sub(pynum.Dec(1, 0), pynum.Quo(pynum.Dec(619, 0), s))),
		Mpeak: &peak, GrossSettled: &peak, V: ptr(pynum.Quo(peak, peak)),
		Phi: &phi, Delta: ptr(pynum.Sub(pynum.Dec(1, 0), phi)),
		NDebtors: 10, NCreditors: 10, HHIPlus: dec(t, "0.1487494812885445021805455147"),
	}
}

func TestMetricsFiles(t *testing.T) {
	day := specDay(t)
	excess := day
	excess.Day = 2
	excess.M = dec(t, "7500.0000000000001")
	excess.HHIPlus, excess.V = nil, nil
	excess.Notes = "no net creditors, no net debtors"
	days := []metrics.DayRow{day, excess}

	wantCSV := crlf(
		"G_t,HHIplus_t,M_t,Mbar_t,Mpeak_t,S_t,alpha_t,day,delta_t,gross_settled_t,n_creditors,n_debtors,notes,phi_t,v_t",
		"0,0.1487494812885445,5000,619,77,619,0,1,0.875605815831987,77,10,10,,0.12439418416801293,1",
		`0,,7500.0,619,77,619,0,2,0.875605815831987,77,10,10,"no net creditors, no net debtors",0.12439418416801293,`,
	)
	if got := string(AppendMetricsCSV(nil, days)); got != wantCSV {
		t.Errorf("metrics.csv:\n%s\nwant:\n%s", got, wantCSV)
	}

	wantJSON := `[
  {
    "day": 1,
    "S_t": 619,
    "Mbar_t": 619,
    "M_t": 5000,
    "G_t": 0,
    "alpha_t": 0,
    "Mpeak_t": 77,
    "gross_settled_t": 77,
    "v_t": 1,
    "phi_t": "0.124394184168012924071082391",
    "delta_t": "0.875605815831987075928917609",
    "n_debtors": 10,
    "n_creditors": 10,
    "HHIplus_t": "0.1487494812885445021805455147",
    "notes": ""
  },
  {
    "day": 2,
    "S_t": 619,
    "Mbar_t": 619,
    "M_t": "7500.0000000000001",
    "G_t": 0,
    "alpha_t": 0,
    "Mpeak_t": 77,
    "gross_settled_t": 77,
    "v_t": null,
    "phi_t": "0.124394184168012924071082391",
    "delta_t": "0.875605815831987075928917609",
    "n_debtors": 10,
    "n_creditors": 10,
    "HHIplus_t": null,
    "notes": "no net creditors, no net debtors"
  }
]`
	var buf bytes.Buffer
	if err := WriteMetricsJSON(&buf, days); err != nil {
		t.Fatal(err)
	}
	if buf.String() != wantJSON {
		t.Errorf("metrics.json:\n%s\nwant:\n%s", buf.String(), wantJSON)
	}

	ds := []metrics.DSRow{{Day: 1, Agent: "H2", DS: ptr(pynum.Dec(1, 0))}, {Day: 1, Agent: "H3", DS: dec(t, "0.3333333333333333333333333333")}, {Day: 2, Agent: "H4"}}
	if got, want := string(AppendMetricsDS(nil, ds)), crlf("DS_t,agent,day", "1,H2,1", "0.3333333333333333,H3,1", ",H4,2"); got != want {
		t.Errorf("metrics_ds.csv = %q, want %q", got, want)
	}
	steps := []metrics.StepRow{{Day: 1, Step: 1, Payer: "H1", Payee: "H2", Amount: ptr(pynum.Dec(36, 0)), PPrefix: dec(t, "36.0")}, {Day: 1, Step: 2, Amount: dec(t, "12.50"), PPrefix: dec(t, "0E-2")}}
	if got, want := string(AppendMetricsIntraday(nil, steps)), crlf("P_prefix,amount,day,payee,payer,step", "36,36,1,H2,H1,1", "0,12.5,1,,,2"); got != want {
		t.Errorf("metrics_intraday.csv = %q, want %q", got, want)
	}

	// No rows at all.
	for name, got := range map[string][]byte{
		"metrics.csv":          AppendMetricsCSV(nil, nil),
		"metrics_ds.csv":       AppendMetricsDS(nil, nil),
		"metrics_intraday.csv": AppendMetricsIntraday(nil, nil),
	} {
		if string(got) != "day\r\n" {
			t.Errorf("empty %s = %q, want the header day alone", name, got)
		}
	}
	if got := string(AppendMetricsJSON(nil, nil)); got != "[]" {
		t.Errorf("empty metrics.json = %q, want []", got)
	}
}

// metrics.json written directly is what the ordered JSON encoder writes for
// the rows as Python dicts.
func TestMetricsJSONMatchesEncoder(t *testing.T) {
	day := specDay(t)
	odd := metrics.DayRow{Day: 12, S: dec(t, "0E-28"), Mbar: dec(t, "1E+3"), Phi: dec(t, "0.0000001"), Notes: "quote \" and é"}
	for _, days := range [][]metrics.DayRow{nil, {day}, {day, odd, day}} {
		items := []JSON{}
		for i := range days {
			items = append(items, dayJSON(&days[i]))
		}
		want := "x" + string(AppendJSONIndent(nil, JSONArray(items...), 2))
		if got := string(AppendMetricsJSON([]byte("x"), days)); got != want {
			t.Errorf("metrics.json of %d rows:\n%s\nwant:\n%s", len(days), got, want)
		}
	}
}

// dayJSON is a day row as a JSON value with bilancio's keys in bilancio's
// order.
func dayJSON(r *metrics.DayRow) JSON {
	keys := [...]string{"day", "S_t", "Mbar_t", "M_t", "G_t", "alpha_t", "Mpeak_t", "gross_settled_t", "v_t", "phi_t", "delta_t", "n_debtors", "n_creditors", "HHIplus_t", "notes"}
	vals := [...]JSON{
		JSONInt(int64(r.Day)), JSONDecimal(r.S), JSONDecimal(r.Mbar), JSONDecimal(r.M), JSONDecimal(r.G),
		JSONDecimal(r.Alpha), JSONDecimal(r.Mpeak), JSONDecimal(r.GrossSettled), JSONDecimal(r.V),
		JSONDecimal(r.Phi), JSONDecimal(r.Delta), JSONInt(int64(r.NDebtors)),
		JSONInt(int64(r.NCreditors)), JSONDecimal(r.HHIPlus), JSONString(r.Notes),
	}
	members := make([]Member, len(vals))
	for i, v := range vals {
		members[i] = Member{keys[i], v}
	}
	return JSONObject(members...)
}

func TestWriteRun(t *testing.T) {
	events := []engine.Event{
		{Kind: "CashMinted", Day: 0, Phase: "setup", Fields: []engine.Field{{Key: "to", Val: engine.Str("H1")}, {Key: "amount", Val: engine.AmountV(pynum.Dec(500, -1))}}},
		{Kind: "PayableCreated", Day: 0, Phase: "setup", Fields: []engine.Field{{Key: "debtor", Val: engine.Str("H1")}, {Key: "creditor", Val: engine.Str("H2")}, {Key: "amount", Val: engine.AmountV(pynum.Int(36))}, {Key: "due_day", Val: engine.IntV(1)}, {Key: "payable_id", Val: engine.Str("PAY_1")}, {Key: "alias", Val: engine.Null()}}},
		{Kind: "PayableSettled", Day: 1, Phase: "simulation", Fields: []engine.Field{{Key: "pid", Val: engine.Str("PAY_1")}, {Key: "contract_id", Val: engine.Str("PAY_1")}, {Key: "alias", Val: engine.Null()}, {Key: "debtor", Val: engine.Str("H1")}, {Key: "creditor", Val: engine.Str("H2")}, {Key: "amount", Val: engine.AmountV(pynum.Int(36))}}},
	}
	res := &engine.Result{}
	res.SetFinal(engine.StateView{
		Agents: []engine.AgentView{
			agent("CB", "central_bank", nil, []string{"C_1", "C_2"}, nil),
			agent("H1", "household", []string{"C_1"}, nil, nil),
			agent("H2", "household", []string{"C_2"}, nil, nil),
		},
		Contracts: []engine.ContractView{cash("C_1", "H1", pynum.Dec(140, -1)), cash("C_2", "H2", pynum.Int(36))},
	})
	res.SetEvents(events)
	dir := filepath.Join(t.TempDir(), "runs", "r1")
	rep, sealed, err := WriteRun(dir, []byte("name: x\n"), res, func(*metrics.Report) ([]byte, error) { return []byte("<html></html>"), nil }, RunInfo{RunID: "r1"})
	if err != nil {
		t.Fatal(err)
	}
	if got := rep.Summary.PhiTotal.String(); got != "1" || rep.Summary.MaxDay != 1 {
		t.Errorf("summary = phi %s, max day %d", got, rep.Summary.MaxDay)
	}
	files, _, err := Outputs(res)
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, File{ScenarioFile, []byte("name: x\n")}, File{RunHTMLFile, []byte("<html></html>")})
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(dir, f.Name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b, f.Data) {
			t.Errorf("%s = %q, want %q", f.Name, b, f.Data)
		}
	}
	wantMetrics := crlf("G_t,HHIplus_t,M_t,Mbar_t,Mpeak_t,S_t,alpha_t,day,delta_t,gross_settled_t,n_creditors,n_debtors,notes,phi_t,v_t",
		"0,1,50,36,36,36,0,1,0,36,1,1,,1,1")
	if b, _ := os.ReadFile(filepath.Join(dir, MetricsCSVFile)); string(b) != wantMetrics {
		t.Errorf("metrics.csv = %q, want %q", b, wantMetrics)
	}
	for _, d := range []string{dir, filepath.Join(dir, "out")} {
		entries, _ := os.ReadDir(d)
		for _, e := range entries {
			if strings.Contains(e.Name(), ".tmp-") {
				t.Errorf("temporary file left: %s", e.Name())
			}
			if info, _ := e.Info(); !e.IsDir() && info.Mode().Perm() != 0o644 {
				t.Errorf("%s has mode %v", e.Name(), info.Mode().Perm())
			}
		}
	}
	// Writing again replaces the files in place.
	if got, err := runfolder.Verify(dir); err != nil || got.Manifest.RunID != "r1" || len(got.Manifest.Files) != len(sealed.Manifest.Files) || len(sealed.Manifest.Files) != 8 || got.SHA256 != sealed.SHA256 {
		t.Errorf("VerifyRun = %+v, %v; want the 8 files of run r1", got, err)
	}
	// A file that changes after the manifest was written fails verification.
	if err := os.WriteFile(filepath.Join(dir, MetricsCSVFile), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := runfolder.Verify(dir); !errors.Is(err, runfolder.ErrIncomplete) {
		t.Errorf("VerifyRun after tampering = %v, want ErrIncomplete", err)
	}
	// Writing again replaces the files in place and verifies again.
	if _, _, err := WriteRun(dir, nil, res, nil, RunInfo{}); err != nil {
		t.Fatal(err)
	}
	if _, err := runfolder.Verify(dir); err != nil {
		t.Errorf("VerifyRun after rewriting: %v", err)
	}
}
