package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/bilancio-go/bilancio/internal/engine"
	"github.com/bilancio-go/bilancio/internal/pynum"
)

var update = flag.Bool("update", false, "rewrite testdata/run.golden.html")

const evilName = `<script>alert("pwned")</script>`

// fixture is a three-household ring (plus the central bank) in expel-agent
// mode: H1 pays on day 1, H2 pays part and defaults, H3 pays on day 2, and
// day 3 is quiet.
func fixture() (*engine.Scenario, *engine.Result, *RunSummary) {
	sc := &engine.Scenario{
		Version:     1,
		Name:        "Tiny ring (n=3)",
		Description: "Three households owe each other in a ring; H2 cannot pay & defaults.",
		Agents: []engine.AgentSpec{
			{ID: "CB", Kind: "central_bank", Name: "Central Bank"},
			{ID: "H1", Kind: "household", Name: "Agent 1"},
			{ID: "H2", Kind: "household", Name: evilName},
			{ID: "H3", Kind: "household", Name: "Agent 3"},
		},
		Run: engine.DefaultRunConfig(),
	}
	sc.Run.MaxDays, sc.Run.QuietDays, sc.Run.DefaultHandling = 10, 1, engine.ExpelAgent
	sc.Run.ShowBalances = []string{"H1", "H2", "H3"}

	cash := func(id, holder string, a pynum.Amount) engine.ContractView {
		return engine.ContractView{ID: id, Kind: engine.KindCash, Amount: a, Denomination: "X", Holder: holder, Issuer: "CB"}
	}
	pay := func(id, debtor, creditor string, n, due int64) engine.ContractView {
		return engine.ContractView{ID: id, Kind: engine.KindPayable, Amount: pynum.Int(n), Denomination: "X", Holder: creditor, Issuer: debtor, DueDay: due, HasDueDay: true}
	}
	c1, c2, c3 := "C_000000000001", "C_000000000002", "C_000000000003"
	p4, p5, p6 := "PAY_000000000004", "PAY_000000000005", "PAY_000000000006"
	c7, c8 := "C_000000000007", "C_000000000008"

	setupState := engine.StateView{
		Day: 0,
		Agents: []engine.AgentView{
			{ID: "CB", Name: "Central Bank", Kind: "central_bank", LiabilityIDs: []string{c1, c2, c3}},
			{ID: "H1", Name: "Agent 1", Kind: "household", AssetIDs: []string{c1}, LiabilityIDs: []string{p4}},
			{ID: "H2", Name: evilName, Kind: "household", AssetIDs: []string{c2, p4}, LiabilityIDs: []string{p5}},
			{ID: "H3", Name: "Agent 3", Kind: "household", AssetIDs: []string{c3, p5}, LiabilityIDs: []string{p6}},
		},
		Contracts: []engine.ContractView{
			cash(c1, "H1", pynum.Int(100)), cash(c2, "H2", pynum.Dec(505, -1)), cash(c3, "H3", pynum.Int(10)),
			pay(p4, "H1", "H2", 80, 1), pay(p5, "H2", "H3", 150, 1), pay(p6, "H3", "H1", 70, 2),
		},
	}
	// H1 also holds p6 (H3 owes it).
	setupState.Agents[1].AssetIDs = append(setupState.Agents[1].AssetIDs, p6)
	afterDay0 := setupState
	afterDay0.Day = 1

	afterDay1 := engine.StateView{
		Day: 2,
		Agents: []engine.AgentView{
			{ID: "CB", Name: "Central Bank", Kind: "central_bank", LiabilityIDs: []string{c1, c3}},
			{ID: "H1", Name: "Agent 1", Kind: "household", AssetIDs: []string{c1, p6}},
			{ID: "H2", Name: evilName, Kind: "household", Defaulted: true},
			{ID: "H3", Name: "Agent 3", Kind: "household", AssetIDs: []string{c3}, LiabilityIDs: []string{p6}},
		},
		Contracts: []engine.ContractView{
			cash(c1, "H1", pynum.Int(20)), cash(c3, "H3", pynum.Dec(1405, -1)), pay(p6, "H3", "H1", 70, 2),
		},
	}
	afterDay2 := engine.StateView{
		Day: 3,
		Agents: []engine.AgentView{
			{ID: "CB", Name: "Central Bank", Kind: "central_bank", LiabilityIDs: []string{c1, c3}},
			{ID: "H1", Name: "Agent 1", Kind: "household", AssetIDs: []string{c1}},
			{ID: "H2", Name: evilName, Kind: "household", Defaulted: true},
			{ID: "H3", Name: "Agent 3", Kind: "household", AssetIDs: []string{c3}},
		},
		Contracts: []engine.ContractView{cash(c1, "H1", pynum.Int(90)), cash(c3, "H3", pynum.Dec(705, -1))},
	}
	afterDay3 := afterDay2
	afterDay3.Day = 4

	ev := func(kind string, day int, fields ...engine.Field) engine.Event {
		phase := "simulation"
		if day < 0 {
			phase, day = "setup", 0
		}
		return engine.Event{Kind: kind, Day: day, Phase: phase, Fields: fields}
	}
	f := func(k string, v engine.Value) engine.Field { return engine.Field{Key: k, Val: v} }
	s, n, a := engine.Str, engine.IntV, func(x pynum.Amount) engine.Value { return engine.AmountV(x) }
	markers := func(day int, body ...engine.Event) []engine.Event {
		out := []engine.Event{ev("PhaseA", day), ev("PhaseB", day), ev("SubphaseB1", day), ev("SubphaseB2", day)}
		out = append(out, body...)
		return append(out, ev("PhaseC", day))
	}
	var events []engine.Event
	events = append(events,
		ev("CashMinted", -1, f("to", s("H1")), f("amount", a(pynum.Int(100))), f("instr_id", s(c1)), f("alias", s("LIQ_H1"))),
		ev("CashMinted", -1, f("to", s("H2")), f("amount", a(pynum.Dec(505, -1))), f("instr_id", s(c2)), f("alias", s("LIQ_H2"))),
		ev("CashMinted", -1, f("to", s("H3")), f("amount", a(pynum.Dec(100, -1))), f("instr_id", s(c3)), f("alias", s("LIQ_H3"))),
		ev("PayableCreated", -1, f("debtor", s("H1")), f("creditor", s("H2")), f("amount", n(80)), f("due_day", n(1)), f("payable_id", s(p4)), f("alias", s("P_H1_H2"))),
		ev("PayableCreated", -1, f("debtor", s("H2")), f("creditor", s("H3")), f("amount", n(150)), f("due_day", n(1)), f("payable_id", s(p5)), f("alias", s("P_H2_H3"))),
		ev("PayableCreated", -1, f("debtor", s("H3")), f("creditor", s("H1")), f("amount", n(70)), f("due_day", n(2)), f("payable_id", s(p6)), f("alias", engine.Null())),
	)
	events = append(events, markers(0)...)
	events = append(events, markers(1,
		ev("CashTransferred", 1, f("frm", s("H1")), f("to", s("H2")), f("amount", a(pynum.Int(80))), f("instr_id", s(c7))),
		ev("InstrumentMerged", 1, f("keep", s(c2)), f("removed", s(c7))),
		ev("PayableSettled", 1, f("pid", s(p4)), f("contract_id", s(p4)), f("alias", s("P_H1_H2")), f("debtor", s("H1")), f("creditor", s("H2")), f("amount", n(80))),
		ev("CashTransferred", 1, f("frm", s("H2")), f("to", s("H3")), f("amount", a(pynum.Dec(1305, -1))), f("instr_id", s(c2))),
		ev("InstrumentMerged", 1, f("keep", s(c3)), f("removed", s(c2))),
		ev("PartialSettlement", 1, f("contract_id", s(p5)), f("alias", s("P_H2_H3")), f("debtor", s("H2")), f("creditor", s("H3")),
			f("contract_kind", s("payable")), f("settlement_kind", s("payable")), f("amount_paid", a(pynum.Dec(1305, -1))),
			f("shortfall", a(pynum.Dec(195, -1))), f("original_amount", n(150)),
			f("distribution", engine.ListV(engine.ObjectV(f("method", s("cash")), f("amount", a(pynum.Dec(1305, -1))))))),
		ev("ObligationDefaulted", 1, f("contract_id", s(p5)), f("alias", s("P_H2_H3")), f("debtor", s("H2")), f("creditor", s("H3")),
			f("contract_kind", s("payable")), f("shortfall", a(pynum.Dec(195, -1))), f("amount_paid", a(pynum.Dec(1305, -1))),
			f("original_amount", n(150)), f("amount", a(pynum.Dec(195, -1)))),
		ev("AgentDefaulted", 1, f("agent", s("H2")), f("frm", s("H2")), f("trigger_contract", s(p5)), f("contract_kind", s("payable")),
			f("shortfall", a(pynum.Dec(195, -1))), f("mode", s("expel-agent"))),
	)...)
	events = append(events, markers(2,
		ev("CashTransferred", 2, f("frm", s("H3")), f("to", s("H1")), f("amount", n(70)), f("instr_id", s(c8))),
		ev("InstrumentMerged", 2, f("keep", s(c1)), f("removed", s(c8))),
		ev("PayableSettled", 2, f("pid", s(p6)), f("contract_id", s(p6)), f("alias", engine.Null()), f("debtor", s("H3")), f("creditor", s("H1")), f("amount", n(70))),
	)...)
	events = append(events, markers(3)...)

	res := &engine.Result{
		Snapshots:       []engine.StateView{setupState, afterDay0, afterDay1, afterDay2, afterDay3},
		DaysSimulated:   4,
		Stop:            engine.StopStable,
		DefaultHandling: engine.ExpelAgent,
		MaxDays:         10,
		QuietDays:       1,
	}
	res.SetEvents(events)
	res.SetFinal(afterDay3)
	sum := &RunSummary{
		Days: []DayMetrics{
			{Day: 1, S: "230", Mpeak: "150", GrossSettled: "210.5", Phi: "0.3478260869565217", Delta: "0.6521739130434783"},
			{Day: 2, S: "70", Mpeak: "70", GrossSettled: "70", Phi: "1", Delta: "0"},
		},
		PhiTotal:   "0.5",
		DeltaTotal: "0.5",
	}
	return sc, res, sum
}

func render(t *testing.T, sc *engine.Scenario, res *engine.Result, sum *RunSummary) string {
	t.Helper()
	var b bytes.Buffer
	if err := WriteRunHTML(&b, sc, res, sum); err != nil {
		t.Fatalf("WriteRunHTML: %v", err)
	}
	checkPage(t, b.String())
	return b.String()
}

// checkPage checks what every page must satisfy: it parses as well-formed
// markup (the page is written XHTML-compatible, so a strict XML parse with
// HTML entities is a structural check), element ids are unique, and nothing
// refers to the network.
func checkPage(t *testing.T, page string) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(page))
	d.Strict = true
	d.Entity = xml.HTMLEntity
	ids := map[string]bool{}
	var stack []string
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("page does not parse: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			stack = append(stack, tok.Name.Local)
			for _, a := range tok.Attr {
				if a.Name.Local == "id" {
					if ids[a.Value] {
						t.Errorf("duplicate id %q", a.Value)
					}
					ids[a.Value] = true
				}
				if a.Name.Local == "src" || (a.Name.Local == "href" && !strings.HasPrefix(a.Value, "#")) {
					t.Errorf("external reference %s=%q", a.Name.Local, a.Value)
				}
			}
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		}
	}
	if len(stack) != 0 {
		t.Errorf("unclosed elements: %v", stack)
	}
	for _, bad := range []string{"http://", "https://", "<link", "<img", "@import", "url("} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains %q", bad)
		}
	}
}

// between returns the text of page from the first occurrence of start up to
// the next occurrence of end after it.
func between(t *testing.T, page, start, end string) string {
	t.Helper()
	i := strings.Index(page, start)
	if i < 0 {
		t.Fatalf("page lacks %q", start)
	}
	j := strings.Index(page[i:], end)
	if j < 0 {
		t.Fatalf("page lacks %q after %q", end, start)
	}
	return page[i : i+j]
}

// runDoc is run.html's data (run_data.go), decoded as run.js decodes it:
// the interned strings are restored.
type runDoc struct {
	raw   map[string]any
	setup [][]string
	days  []runDocDay
	ss    *runDocGrid
	fin   *runDocGrid
}

type runDocDay struct {
	day    int
	stop   string
	groups []runDocGroup
	grid   *runDocGrid
}

type runDocGroup struct {
	phase int
	rows  [][]string
}

type runDocGrid struct {
	note   string
	sheets map[string][]any // id -> the sheet (or [id] when unchanged)
	order  []string
}

// decodeRunDoc reads the JSON document of a page.
func decodeRunDoc(t *testing.T, page string) *runDoc {
	t.Helper()
	data := between(t, page, `<script type="application/json" id="run-data">`, "</script>")
	data = strings.TrimPrefix(data, `<script type="application/json" id="run-data">`)
	if strings.ContainsAny(data, "<>&") {
		t.Errorf("the data holds raw markup characters")
	}
	var raw map[string]any
	if err := json.Unmarshal([]byte(data), &raw); err != nil {
		t.Fatalf("run data: %v\n%s", err, data)
	}
	var table []string
	one := func(x any) string {
		switch x := x.(type) {
		case float64:
			return table[int(x)]
		case string:
			if len(utf16.Encode([]rune(x))) >= internMin { // as run.js counts: x.length
				table = append(table, x)
			}
			return x
		}
		t.Fatalf("unexpected %T %v in the data", x, x)
		return ""
	}
	row := func(x any) []string {
		var out []string
		for _, c := range x.([]any) {
			out = append(out, one(c))
		}
		return out
	}
	grid := func(x any) *runDocGrid {
		if x == nil {
			return nil
		}
		g := x.([]any)
		out := &runDocGrid{note: one(g[0]), sheets: map[string][]any{}}
		for _, s := range g[1].([]any) {
			sh := s.([]any)
			for _, k := range []int{2, 3, 7, 8} {
				if k < len(sh) {
					var lines [][]string
					for _, l := range sh[k].([]any) {
						lines = append(lines, row(l))
					}
					sh[k] = lines
				}
			}
			id := sh[0].(string)
			out.sheets[id] = sh
			out.order = append(out.order, id)
		}
		return out
	}
	d := &runDoc{raw: raw}
	for _, r := range raw["setup"].([]any) {
		d.setup = append(d.setup, row(r))
	}
	d.ss = grid(raw["ss"])
	days := raw["days"].([]any)
	for i, x := range days {
		dd := x.([]any)
		day := runDocDay{day: int(dd[0].(float64))}
		if stop, ok := raw["stop"].(string); ok && i == len(days)-1 {
			day.stop = stop // the default that stopped the run ended its last day
		}
		for _, g := range dd[1].([]any) {
			if p, ok := g.(float64); ok {
				day.groups = append(day.groups, runDocGroup{phase: int(p)})
				continue
			}
			gg := g.([]any)
			grp := runDocGroup{phase: int(gg[0].(float64))}
			for _, r := range gg[1].([]any) {
				grp.rows = append(grp.rows, row(r))
			}
			day.groups = append(day.groups, grp)
		}
		if len(dd) > 2 {
			day.grid = grid(dd[2])
		}
		d.days = append(d.days, day)
	}
	d.fin = grid(raw["fin"])
	return d
}

// kinds lists the event kinds of a day.
func (d *runDocDay) kinds() []string {
	var out []string
	for _, g := range d.groups {
		for _, r := range g.rows {
			out = append(out, r[0])
		}
	}
	return out
}

func TestWriteRunHTML(t *testing.T) {
	sc, res, sum := fixture()
	page := render(t, sc, res, sum)

	for _, want := range []string{
		"<title>Tiny ring (n=3) — bilancio run</title>",
		"<h1>Tiny ring (n=3)</h1>",
		"H2 cannot pay &amp; defaults.",
		"Final day 3 · 37 events · 4 agents · 2 remaining contracts · ",
		// It converged, but half the dues defaulted: not shown as a success.
		`<span class="status alert">Converged on day 3, δ = 0.5</span>`,
		"default handling expel-agent · max_days 10 · quiet_days 1",
		`<section id="agents">`,
		"<h2>Setup</h2>",
		"3 cash instruments minted, 160.5 in total",
		"3 payables created, 300 in total, due on days 1–2",
		"<h2>Simulation End</h2>",
		"1 agent was expelled: H2.",
		"<noscript>",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Count(page, "Day 0") != 0 {
		t.Error(`"Day 0" in the page: the setup is "Setup", and the quiet simulated day 0 has no section`)
	}
	// The agent's name is escaped everywhere.
	if strings.Contains(page, `<script>alert`) || strings.Contains(page, `alert("pwned")`) {
		t.Error("agent name not escaped")
	}

	d := decodeRunDoc(t, page)
	var days []int
	for _, dd := range d.days {
		days = append(days, dd.day)
	}
	if fmt.Sprint(days) != "[1 2 3]" {
		t.Errorf("day sections %v, want [1 2 3] (the quiet simulated day 0 has none)", days)
	}
	if len(d.setup) != 6 || d.setup[0][0] != "CashMinted" || d.setup[3][0] != "PayableCreated" {
		t.Errorf("setup events %v", d.setup)
	}
	day1 := d.days[0]
	var phases []int
	for _, g := range day1.groups {
		phases = append(phases, g.phase)
	}
	if fmt.Sprint(phases) != fmt.Sprint([]int{phaseB1, phaseB2, phaseC}) {
		t.Errorf("day 1 phases %v", phases)
	}
	if got := strings.Join(day1.kinds(), " "); got != "CashTransferred InstrumentMerged PayableSettled CashTransferred InstrumentMerged PartialSettlement ObligationDefaulted AgentDefaulted" {
		t.Errorf("day 1 events: %s", got)
	}
	// Amounts are normalised as in events.jsonl: 10.0 prints as 10.
	if got := d.setup[2][3]; got != "10" {
		t.Errorf("setup cash of H3 printed %q, want 10", got)
	}
	if got := day1.groups[1].rows[3][3]; got != "130.5" {
		t.Errorf("H2's transfer printed %q, want 130.5", got)
	}
	// After day 1 the defaulted H2 is no longer shown; after setup, it is.
	if _, ok := day1.grid.sheets["H2"]; ok || day1.grid.note != "Not shown, defaulted: H2." {
		t.Errorf("sheets after day 1: %v, note %q", day1.grid.order, day1.grid.note)
	}
	if fmt.Sprint(d.ss.order) != "[H1 H2 H3]" {
		t.Errorf("sheets after setup %v, want H1 H2 H3 (CB is not in run.show.balances)", d.ss.order)
	}
	// The T-account of H3 after day 1: cash 140.5 against CB; payable 70 to H1 due day 2.
	h3 := day1.grid.sheets["H3"]
	if fmt.Sprint(h3[2:7]) != "[[[cash CB  140.5]] [[payable H1 d2 70]] 140.5 70 70.5]" {
		t.Errorf("H3's T-account after day 1: %v", h3)
	}
	// H1 did not change from day 2 to day 3: written as [id].
	if s := d.days[2].grid.sheets["H1"]; len(s) != 1 {
		t.Errorf("H1's unchanged sheet after day 3 written whole: %v", s)
	}
	// The agents and the metrics.
	ag := d.raw["an"].([]any)
	if h2 := ag[2].([]any); h2[0] != "H2" || h2[1] != evilName || h2[3] != "defaulted on day 1" || len(h2) != 8 {
		t.Errorf("agent H2: %v", h2)
	}
	if m := fmt.Sprint(d.raw["m"]); !strings.Contains(m, "0.3478260869565217") || fmt.Sprint(d.raw["tot"]) != "[0.5 0.5]" {
		t.Errorf("metrics %v, totals %v", m, d.raw["tot"])
	}
}

func TestWriteRunHTMLGolden(t *testing.T) {
	sc, res, sum := fixture()
	page := render(t, sc, res, sum)
	path := filepath.Join("testdata", "run.golden.html")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(page), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if page != string(want) {
		t.Errorf("run.html differs from %s; run go test ./internal/report -run Golden -update and review the diff", path)
	}
}

func TestWriteRunHTMLWithoutSnapshots(t *testing.T) {
	sc, res, _ := fixture()
	res.Snapshots = nil
	res.Stop = engine.StopMaxDays
	res.MaxDays = 4
	sc.Run.ShowBalances = nil // all agents
	page := render(t, sc, res, nil)
	if !strings.Contains(page, "Stopped without convergence (max_days = 4)") {
		t.Error("stop reason missing")
	}
	d := decodeRunDoc(t, page)
	if d.fin == nil || d.ss != nil || d.days[0].grid != nil {
		t.Fatalf("without snapshots: want only the final sheets (fin %v, ss %v)", d.fin, d.ss)
	}
	if _, ok := d.fin.sheets["CB"]; !ok {
		t.Error("all agents shown when run.show.balances is empty: CB missing")
	}
	if _, ok := d.raw["m"]; ok {
		t.Error("metrics without a summary")
	}
}

func TestWriteRunHTMLFailFast(t *testing.T) {
	sc, res, sum := fixture()
	// Cut the log at day 1's partial payment, as a fail-fast stop would.
	var events []engine.Event
	for _, e := range res.Events() {
		if e.Kind == "PartialSettlement" {
			break
		}
		events = append(events, e)
	}
	msg := "Insufficient funds to settle payable PAY_000000000005: 150 still owed"
	res.SetEvents(events)
	res.Snapshots = res.Snapshots[:2]
	res.SetFinal(res.Snapshots[1])
	res.DaysSimulated = 2
	res.Stop = engine.StopDefault
	res.StopMessage = msg
	res.DefaultHandling = engine.FailFast
	page := render(t, sc, res, sum)
	for _, want := range []string{
		"Stopped by default: " + msg,
		"H2: fail-fast default ended the run",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	d := decodeRunDoc(t, page)
	last := d.days[len(d.days)-1]
	if last.day != 1 || last.stop != msg || last.grid == nil {
		t.Errorf("the stopped day: %+v", last)
	}
	for _, g := range last.groups {
		if g.phase == phaseC {
			t.Error("the cut-short day shows a Phase C")
		}
	}
	if h2 := d.raw["an"].([]any)[2].([]any); h2[3] != "failed on day 1 (fail-fast)" {
		t.Errorf("H2's status %v", h2[3])
	}
}

// TestWriteRunHTMLLargeRing checks the layout choices for a long ring: day
// sections start collapsed, a side with many instruments is summarised by
// kind, and a dealer sub-phase gets its own group.
func TestWriteRunHTMLLargeRing(t *testing.T) {
	const n = 30
	sc := &engine.Scenario{Name: "Ring n=30", Run: engine.DefaultRunConfig()}
	sc.Agents = append(sc.Agents, engine.AgentSpec{ID: "CB", Kind: "central_bank", Name: "Central Bank"})
	st := engine.StateView{Agents: []engine.AgentView{{ID: "CB", Name: "Central Bank", Kind: "central_bank"}}}
	var events []engine.Event
	for i := 1; i <= n; i++ {
		id, cid := fmt.Sprintf("H%d", i), fmt.Sprintf("C_%012d", i)
		sc.Agents = append(sc.Agents, engine.AgentSpec{ID: id, Kind: "household", Name: "Agent " + id})
		sc.Run.ShowBalances = append(sc.Run.ShowBalances, id)
		st.Agents[0].LiabilityIDs = append(st.Agents[0].LiabilityIDs, cid)
		st.Agents = append(st.Agents, engine.AgentView{ID: id, Name: "Agent " + id, Kind: "household", AssetIDs: []string{cid}})
		st.Contracts = append(st.Contracts, engine.ContractView{ID: cid, Kind: engine.KindCash, Amount: pynum.Int(10), Holder: id, Issuer: "CB"})
		events = append(events, engine.Event{Kind: "CashMinted", Phase: "setup", Fields: []engine.Field{{Key: "to", Val: engine.Str(id)}, {Key: "amount", Val: engine.IntV(10)}}})
	}
	for d := 0; d < 8; d++ {
		for _, k := range []string{"PhaseA", "PhaseB", "SubphaseB1", "SubphaseB_Dealer", "SubphaseB2", "PhaseC"} {
			events = append(events, engine.Event{Kind: k, Day: d, Phase: "simulation"})
			if d == 3 && k == "SubphaseB_Dealer" {
				events = append(events, engine.Event{Kind: "dealer_trade", Day: d, Phase: "simulation", Fields: []engine.Field{{Key: "side", Val: engine.Str("sell")}}})
			}
		}
	}
	snaps := make([]engine.StateView, 9)
	for i := range snaps {
		snaps[i] = st
		snaps[i].Day = i
	}
	sc.Run.ShowBalances = append(sc.Run.ShowBalances, "CB")
	res := &engine.Result{Snapshots: snaps, DaysSimulated: 8, Stop: engine.StopStable, MaxDays: 90, QuietDays: 2}
	res.SetEvents(events)
	res.SetFinal(st)
	page := render(t, sc, res, nil)
	if !strings.Contains(page, "30 cash instruments minted, 300 in total") {
		t.Error("setup facts missing")
	}
	d := decodeRunDoc(t, page)
	if _, open := d.raw["open"]; open {
		t.Error("large run: day sections should start collapsed")
	}
	var day3 runDocDay
	for _, dd := range d.days {
		if dd.day == 3 {
			day3 = dd
		}
	}
	if len(day3.groups) < 2 || fmt.Sprint(day3.groups[1].phase) != fmt.Sprint(phaseDealer) || fmt.Sprint(day3.groups[1].rows) != "[[dealer_trade      side sell]]" {
		t.Errorf("day 3's dealer phase: %+v", day3.groups)
	}
	cb := d.ss.sheets["CB"]
	if fmt.Sprint(cb[3]) != "[[cash ×30  300]]" || len(cb) != 9 || len(cb[8].([][]string)) != 30 {
		t.Errorf("CB's long side is not summarised by kind with the full list kept: %v", cb)
	}
	// Nothing changes after setup: every later sheet is a reference.
	for _, dd := range d.days {
		for id, s := range dd.grid.sheets {
			if len(s) != 1 {
				t.Errorf("day %d: unchanged sheet of %s written whole", dd.day, id)
			}
		}
	}
}

func TestWriteRunHTMLNil(t *testing.T) {
	if err := WriteRunHTML(io.Discard, nil, &engine.Result{}, nil); err == nil {
		t.Error("nil scenario accepted")
	}
}

// TestInternedAsJavaScriptCounts: the writer interns the strings that
// run.js interns, which counts a string's length in UTF-16 code units, not
// in bytes: "×12" (4 bytes, 3 code units) is not interned, so the next
// interned string is number 0 (it was 1, and every later number pointed at
// the string before the one meant).
func TestInternedAsJavaScriptCounts(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want string
	}{
		{[]string{"×12", "abcd", "abcd"}, `["×12","abcd",0]`},
		{[]string{"×123", "abcd", "×123", "abcd"}, `["×123","abcd",0,1]`},
		{[]string{"abc", "abc"}, `["abc","abc"]`},
		{[]string{"ééé", "ééé", "éééé", "éééé"}, `["ééé","ééé","éééé",0]`},
		{[]string{"𝔵𝔶", "𝔵𝔶"}, `["𝔵𝔶",0]`}, // two surrogate pairs: 4 code units
	} {
		j := &jsonBuf{}
		j.istrs(tc.in...)
		if got := string(j.b); got != tc.want {
			t.Errorf("istrs(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

// TestRunHTMLOutgrowsItsEstimates: the page is written in one buffer sized
// from estimates (room for the markup before the data, ~100 bytes of data
// an event); texts far longer than estimated, in the data (an agent's
// name) or in the markup (a description whose every character is escaped),
// still give the whole page.
func TestRunHTMLOutgrowsItsEstimates(t *testing.T) {
	for _, tc := range []struct {
		name, agent, desc string
	}{
		{"as estimated", "Agent 1", "A ring."},
		{"data longer", strings.Repeat("Agent ", 4000), "A ring."},
		{"markup longer", "Agent 1", strings.Repeat("&", 20000)},
		{"both", strings.Repeat("<é>", 5000), strings.Repeat("<'>", 10000)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sc, res, sum := fixture()
			sc.Agents[1].Name, sc.Description = tc.agent, tc.desc
			page := render(t, sc, res, sum)
			if !strings.HasPrefix(page, "<!DOCTYPE html>") || !strings.HasSuffix(page, "</script>\n</body></html>\n") {
				t.Errorf("page starts %q, ends %q", page[:min(40, len(page))], page[max(0, len(page)-40):])
			}
			var desc htmlBuf
			desc.text(tc.desc)
			if !strings.Contains(page, `<p class="desc">`+desc.String()+"</p>") {
				t.Error("the description is not in the page")
			}
			d := decodeRunDoc(t, page)
			var names []string
			for _, a := range d.raw["an"].([]any) {
				names = append(names, a.([]any)[1].(string))
			}
			if len(names) != 4 || names[1] != tc.agent {
				t.Errorf("agents' names %q, want the second %q", names, tc.agent)
			}
		})
	}
}
