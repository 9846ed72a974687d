package report

import (
	"bytes"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
		Events:          events,
		Final:           afterDay3,
		Snapshots:       []engine.StateView{setupState, afterDay0, afterDay1, afterDay2, afterDay3},
		DaysSimulated:   4,
		Stop:            engine.StopStable,
		DefaultHandling: engine.ExpelAgent,
		MaxDays:         10,
		QuietDays:       1,
	}
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

func TestWriteRunHTML(t *testing.T) {
	sc, res, sum := fixture()
	page := render(t, sc, res, sum)

	for _, want := range []string{
		"<title>Tiny ring (n=3) — bilancio run</title>",
		"<h1>Tiny ring (n=3)</h1>",
		"H2 cannot pay &amp; defaults.",
		"Final day 3 · 37 events · 4 agents · 2 remaining contracts · ",
		"Converged on day 3",
		"default handling expel-agent · max_days 10 · quiet_days 1",
		`<section id="agents">`,
		"<h2>Day 0 (Setup)</h2>",
		"3 cash instruments minted, 160.5 in total",
		"3 payables created, 300 in total, due on days 1–2",
		"Balance sheets after setup",
		"<h2>Day 1</h2>", "<h2>Day 2</h2>", "<h2>Day 3</h2>",
		"Phase B1 — Scheduled Actions", "Phase B2 — Settlement", "Phase C — Clearing",
		"Balance sheets after day 1",
		"<h2>Day metrics</h2>", "0.3478260869565217", "φ = 0.5",
		"<h2>Simulation End</h2>",
		"1 agent was expelled: H2.",
		// Amounts are normalised as in events.jsonl: 10.0 prints as 10.
		`<td class="num">130.5</td>`, `<td class="num">10</td>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(page, `id="day-0-run"`) {
		t.Error("the quiet simulated day 0 got a section")
	}

	// The agent's name is escaped everywhere.
	if strings.Contains(page, `<script>alert`) {
		t.Error("agent name not escaped")
	}
	if !strings.Contains(page, `&lt;script&gt;alert(&#34;pwned&#34;)&lt;/script&gt;`) {
		t.Error("escaped agent name missing")
	}

	// Defaults are highlighted: the agent row, the default events and the day.
	if !strings.Contains(page, `<tr class="defaulted"><td class="id">H2</td>`) {
		t.Error("defaulted agent not highlighted in the agents table")
	}
	if !strings.Contains(page, "defaulted on day 1") {
		t.Error("default day missing from the agents table")
	}
	day1 := between(t, page, `id="day-1"`, "</details>\n")
	for _, kind := range []string{"PartialSettlement", "ObligationDefaulted", "AgentDefaulted"} {
		if !strings.Contains(day1, `<tr class="default"><td class="kind">`+kind+`</td>`) {
			t.Errorf("%s not highlighted", kind)
		}
	}
	if strings.Contains(day1, `<tr class="default"><td class="kind">PayableSettled`) {
		t.Error("a settlement is highlighted as a default")
	}
	if !strings.Contains(page, `<details class="day alert" id="day-1"`) || strings.Contains(page, `<details class="day alert" id="day-2"`) {
		t.Error("day alert class wrong")
	}
	if !strings.Contains(page, `<a href="#day-1" class="alert">Day 1</a>`) {
		t.Error("nav link of the default day not highlighted")
	}

	// After day 1 the defaulted H2 is no longer shown; before, it is.
	day1Sheets := between(t, page, "Balance sheets after day 1", "</details>\n</details>")
	if strings.Contains(day1Sheets, `<span class="aid">H2</span>`) {
		t.Error("defaulted H2 shown after day 1")
	}
	if !strings.Contains(day1Sheets, "Not shown, defaulted: H2.") {
		t.Error("hidden defaulted agents not mentioned")
	}
	setup := between(t, page, "Balance sheets after setup", "</section>")
	for _, id := range []string{"H1", "H2", "H3"} {
		if !strings.Contains(setup, `<span class="aid">`+id+`</span>`) {
			t.Errorf("setup balance sheet of %s missing", id)
		}
	}
	if strings.Contains(setup, `<span class="aid">CB</span>`) {
		t.Error("CB shown although run.show.balances omits it")
	}
	// The T-account of H3 after day 1: cash 140.5 against CB; payable 70 to H1 due day 2.
	if !strings.Contains(day1Sheets, `<td class="k">cash</td><td class="p">CB</td><td class="due"></td><td class="num">140.5</td>`) ||
		!strings.Contains(day1Sheets, `<td class="k">payable</td><td class="p">H1</td><td class="due">d2</td><td class="num">70</td>`) {
		t.Error("H3's T-account after day 1 is wrong")
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
	for _, want := range []string{
		"Stopped without convergence (max_days = 4)",
		`<section id="final">`,
		"No daily snapshots were recorded",
		"No metrics were supplied for this run.",
		`<span class="aid">CB</span>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(page, "Balance sheets after") {
		t.Error("per-day balance sheets without snapshots")
	}
}

func TestWriteRunHTMLFailFast(t *testing.T) {
	sc, res, sum := fixture()
	// Cut the log at day 1's partial payment, as a fail-fast stop would.
	var events []engine.Event
	for _, e := range res.Events {
		if e.Kind == "PartialSettlement" {
			break
		}
		events = append(events, e)
	}
	msg := "Insufficient funds to settle payable PAY_000000000005: 150 still owed"
	res.Events = events
	res.Snapshots = res.Snapshots[:2]
	res.Final = res.Snapshots[1]
	res.DaysSimulated = 2
	res.Stop = engine.StopDefault
	res.StopMessage = msg
	res.DefaultHandling = engine.FailFast
	page := render(t, sc, res, sum)
	for _, want := range []string{
		"Stopped by default: " + msg,
		`<p class="stop">Run stopped: ` + msg + `</p>`,
		`<details class="day alert" id="day-1"`,
		"H2: fail-fast default ended the run",
		`<tr class="defaulted"><td class="id">H2</td>`,
		"failed on day 1 (fail-fast)",
		"Balance sheets after day 1", // from the final state
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(page, "Phase C — Clearing") {
		t.Error("the cut-short day shows a Phase C")
	}
}

// TestWriteRunHTMLLargeRing checks the layout choices for a long ring: day
// sections start collapsed, a side with many instruments is summarised by
// kind, and a dealer sub-phase gets its own table.
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
	res := &engine.Result{Events: events, Final: st, Snapshots: snaps, DaysSimulated: 8, Stop: engine.StopStable, MaxDays: 90, QuietDays: 2}
	page := render(t, sc, res, nil)
	for _, want := range []string{
		`<details class="day" id="day-7">`,
		"Phase B — Dealer Trading",
		"A quiet day: no events besides the phase markers.",
		`<span class="kv"><span class="k">side</span> sell</span>`,
		`<td class="id" title="Central Bank · central_bank">CB</td><td>—</td><td class="num">0</td><td>cash <span class="p">×30</span> 300<details class="all">`,
		"all 30 instruments",
		"30 cash instruments minted, 300 in total",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(page, `<details class="day" id="day-7" open`) {
		t.Error("large run: day sections should start collapsed")
	}
}

func TestWriteRunHTMLNil(t *testing.T) {
	if err := WriteRunHTML(io.Discard, nil, &engine.Result{}, nil); err == nil {
		t.Error("nil scenario accepted")
	}
}
