// Package report renders the human-readable pages of a simulation: run.html,
// the self-contained page an economist opens to follow one run day by day
// (events by phase, defaults, T-account balance sheets, day metrics, per-day
// charts and the settlement network as inline SVG).
//
// The pages embed their CSS and the little script they use, and load nothing
// from the network. The package reads the engine's types only; metric values
// come from the caller, already formatted, so that it does not depend on the
// metrics package.
package report

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/bilancio-go/bilancio/internal/dealer"
	"github.com/bilancio-go/bilancio/internal/engine"
	"github.com/bilancio-go/bilancio/internal/pynum"
)

// RunSummary holds a run's day metrics, formatted by the caller (for example
// as metrics.csv prints them). A nil *RunSummary leaves the metric table and
// cards empty.
type RunSummary struct {
	// Days are the metric rows, in day order.
	Days []DayMetrics
	// PhiTotal and DeltaTotal are the run-level settled and defaulted
	// shares (φ_total, δ_total).
	PhiTotal   string
	DeltaTotal string
}

// DayMetrics is one row of the day metric table.
type DayMetrics struct {
	Day          int
	S            string // S_t: dues falling due on the day
	Mpeak        string // Mpeak_t: peak liquidity needed
	GrossSettled string // gross_settled_t
	Phi          string // φ_t: share of the dues settled
	Delta        string // δ_t: share of the dues defaulted
}

// Event kinds the page treats specially.
const (
	kindPartial       = "PartialSettlement"
	kindObligationDef = "ObligationDefaulted"
	kindAgentDef      = "AgentDefaulted"
	kindSettled       = "PayableSettled"
	kindCashMinted    = "CashMinted"
	kindPayableNew    = "PayableCreated"
	markerPhaseA      = "PhaseA"
	markerPhaseB      = "PhaseB"
	markerB1          = "SubphaseB1"
	markerDealer      = "SubphaseB_Dealer"
	markerB2          = "SubphaseB2"
	markerRollover    = "SubphaseB_Rollover"
	markerPhaseC      = "PhaseC"
)

// Layout thresholds: small runs open every day section; large ones start
// collapsed, and long sides of a T-account are summarised by kind.
const (
	openDaysMax    = 6
	openAgentsMax  = 12
	openSetupMax   = 40
	sideLinesMax   = 10
	defaultsListed = 12
)

// WriteRunHTML writes the run.html page of a run: the scenario sc, its result
// res and, optionally, its day metrics sum.
//
// Balance sheets come from res.Snapshots when present: Snapshots[0] is the
// state after setup and Snapshots[k] the state after the k-th run_day call,
// that is after day k-1 (the first simulated day is day 0). Without
// snapshots only the final state is shown. Day sections follow the day
// numbers of the event log; day 0 of the simulation gets a section only when
// something happened on it besides the phase markers.
//
// The page is written by hand (no template), its style and script are
// constants prepared once per process, and its day-by-day part is data that
// the script draws (see runData): writing it costs little next to the run.
func WriteRunHTML(w io.Writer, sc *engine.Scenario, res *engine.Result, sum *RunSummary) error {
	page, err := RunHTML(sc, res, sum)
	if err != nil {
		return err
	}
	_, err = w.Write(page)
	return err
}

// RunHTML is WriteRunHTML into a new slice: the page's bytes as rendered,
// without a copy.
func RunHTML(sc *engine.Scenario, res *engine.Result, sum *RunSummary) ([]byte, error) {
	if sc == nil || res == nil {
		return nil, errors.New("report: WriteRunHTML needs a scenario and a result")
	}
	// The page is written in one buffer, sized near enough that it is
	// allocated once: the data first, after room for the markup before it
	// (its style and a few KB: the agents and the days are in the data),
	// which is then written into that room and the data moved up to it, and
	// the script last.
	a := pageAssets()
	room := 4096 + len(a.runCSS) + 2*(len(sc.Name)+len(sc.Description)+len(res.StopMessage))
	buf := make([]byte, room, room+1024+100*res.EventCount()+max(len(a.runLoader), len(a.runDealerLoader))+len(tailOpen)+len(tailClose))
	p := buildRunPage(sc, res, sum, buf)
	head := htmlBuf{*bytes.NewBuffer(p.buf[:0:room])} // a longer markup goes elsewhere
	writeRunHead(&head, p)
	if head.Len() > room { // an uncommonly long text: the page is assembled anew
		page := make([]byte, 0, head.Len()+len(p.Data)+max(len(a.runLoader), len(a.runDealerLoader))+len(tailOpen)+len(tailClose))
		page = append(append(page, head.Bytes()...), p.Data...)
		return appendRunTail(page, p), nil
	}
	n := head.Len() + copy(p.buf[head.Len():], p.Data)
	return appendRunTail(p.buf[:n], p), nil
}

// runPage is everything the page shows; Data is the part its script draws.
type runPage struct {
	Title       string
	Description string
	Meta        []string
	Status      string
	StatusLevel string // "" (fine), "warn" or "alert"
	Settings    string
	Cards       []card
	Nav         []navLink
	Agents      []agentRow
	SetupFacts  []string
	HasMetrics  bool
	Metrics     []DayMetrics
	PhiTotal    string
	DeltaTotal  string
	HasCharts   bool // day metrics or the network to draw
	Dealer      []card
	End         []string
	Data        []byte
	buf         []byte // room for the markup before Data, and Data
}

type card struct {
	Label, Value, Note string
	Title              string // the exact value, when Value rounds it
	Level              string // "" (fine), "warn" or "alert"
}

type navLink struct {
	Href, Text string
	Alert      bool
}

type agentRow struct {
	ID, Name, Kind     string
	Defaulted          bool
	Status             string
	Assets, Liabs, Net string
	NetNegative        bool
}

type tAccount struct {
	ID, Name, Kind string
	Defaulted      bool
	Assets, Liabs  side
	Net            string
	NetNegative    bool
}

type side struct {
	Lines []sheetLine // shown lines (per-kind aggregates when long)
	All   []sheetLine // the full list, when Lines aggregates it
	Total string
}

type sheetLine struct {
	Kind, Party, Due, Amount string
}

// runFacts are the facts about a run that several parts of the page use.
type runFacts struct {
	lastDay    int // the last simulated day (the day counter of the last run_day)
	maxDays    int
	quietDays  int
	handling   string
	defaulters []string       // expelled agents, in order (from the events: runData)
	defaultDay map[string]int // expelled agent -> day (runData)
	failed     string         // the debtor of a fail-fast stop, if known
	shown      []string       // agents whose T-accounts are shown
	delta      float64        // δ_total, NaN when unknown
}

func collectFacts(sc *engine.Scenario, res *engine.Result, sum *RunSummary) runFacts {
	f := runFacts{
		lastDay:    max(res.DaysSimulated-1, 0),
		maxDays:    sc.Run.MaxDays,
		quietDays:  sc.Run.QuietDays,
		handling:   sc.Run.DefaultHandling,
		defaultDay: map[string]int{},
		failed:     failFastDebtor(res),
		shown:      sc.Run.ShowBalances,
		delta:      math.NaN(),
	}
	if sum != nil {
		if v, err := strconv.ParseFloat(sum.DeltaTotal, 64); err == nil {
			f.delta = v
		}
	}
	if res.MaxDays > 0 { // the settings the run used, overrides included
		f.maxDays, f.quietDays = res.MaxDays, res.QuietDays
	}
	if res.DefaultHandling != "" {
		f.handling = res.DefaultHandling
	}
	if len(f.shown) == 0 {
		for _, a := range sc.Agents {
			f.shown = append(f.shown, a.ID)
		}
	}
	return f
}

// outcomeLevel grades a run that ran to its end by its default rate: fine
// without defaults, a warning when some dues defaulted, an alert when most
// did (a ring that "converged" at δ = 0.89 converged to failure).
func outcomeLevel(f *runFacts) string {
	switch {
	case !math.IsNaN(f.delta) && f.delta >= 0.5:
		return "alert"
	case !math.IsNaN(f.delta) && f.delta > 0, math.IsNaN(f.delta) && len(f.defaulters) > 0:
		return "warn"
	}
	return ""
}

// buildRunPage turns the scenario and result into the page model.
// The page's data is appended to buf.
func buildRunPage(sc *engine.Scenario, res *engine.Result, sum *RunSummary, buf []byte) *runPage {
	f := collectFacts(sc, res, sum)
	p := &runPage{Title: sc.Name, Description: sc.Description}
	if p.Title == "" {
		p.Title = "bilancio run"
	}
	if sum != nil && (len(sum.Days) > 0 || sum.PhiTotal != "" || sum.DeltaTotal != "") {
		p.HasMetrics = true
		p.Metrics = sum.Days
		p.PhiTotal, p.DeltaTotal = sum.PhiTotal, sum.DeltaTotal
	}
	// The data first: it goes through the events, which give the expelled
	// agents, the setup facts and the agents' rows.
	p.buf = runData(p, sc, res, &f, buf)
	p.Data = p.buf[len(buf):]
	switch res.Stop {
	case engine.StopStable:
		p.Status = "Converged on day " + strconv.Itoa(f.lastDay)
		p.StatusLevel = outcomeLevel(&f)
		if !math.IsNaN(f.delta) && f.delta > 0 {
			p.Status += ", δ = " + fmtVal(f.delta)
		}
	case engine.StopMaxDays:
		p.Status = "Stopped without convergence (max_days = " + strconv.Itoa(f.maxDays) + ")"
		p.StatusLevel = "warn"
	case engine.StopDefault, engine.StopAllDefaulted:
		p.Status = "Stopped by default: " + res.StopMessage
		p.StatusLevel = "alert"
	default:
		p.Status = "Stopped (" + string(res.Stop) + ")"
	}
	p.Meta = []string{
		"Final day " + strconv.Itoa(f.lastDay),
		plural(res.EventCount(), "event", "events"),
		plural(len(sc.Agents), "agent", "agents"),
		plural(len(res.Final().Contracts), "remaining contract", "remaining contracts"),
	}
	p.Settings = fmt.Sprintf("default handling %s · max_days %d · quiet_days %d", f.handling, f.maxDays, f.quietDays)
	p.Cards = summaryCards(res, sum, &f, p.StatusLevel)
	p.HasCharts = len(p.Metrics) > 0 || res.EventCount() > 0
	// The dealer's PnL needs the December-era instrumentation (E_0 and the
	// snapshots); a data-era run has none to summarise.
	if res.Dealer != nil && res.Dealer.State != nil && res.Dealer.State.Instrumented {
		p.Dealer = dealerCards(res.Dealer.State)
	}
	if p.HasCharts {
		p.Nav = append(p.Nav, navLink{Href: "#charts", Text: "Charts"})
	}
	if p.Dealer != nil {
		p.Nav = append(p.Nav, navLink{Href: "#dealer", Text: "Dealer"})
	}
	p.Nav = append(p.Nav, navLink{Href: "#agents", Text: "Agents"}, navLink{Href: "#setup", Text: "Setup"})
	p.Nav = append(p.Nav, navLink{Href: "#days"}) // run.js puts a link per day here
	if len(res.Snapshots) == 0 {
		p.Nav = append(p.Nav, navLink{Href: "#final", Text: "Final balances"})
	}
	p.Nav = append(p.Nav, navLink{Href: "#metrics", Text: "Metrics"}, navLink{Href: "#end", Text: "End"})
	p.End = endText(res, &f)
	return p
}

// dealerCards are the dealer's results: its PnL and return, overall and
// per bucket, and its trades.
func dealerCards(st *dealer.State) []card {
	s := st.Summarize()
	level := func(a pynum.Amount) string {
		if a.Sign() < 0 {
			return "alert"
		}
		return ""
	}
	pnl, _ := fmtText(amountText(s.TotalPnL))
	ret, _ := fmtText(amountText(s.TotalReturn))
	out := []card{
		{Label: "Dealer PnL", Value: pnl, Title: amountText(s.TotalPnL), Note: "return " + ret + " on its initial capital and inventory", Level: level(s.TotalPnL)},
		{Label: "Trades", Value: strconv.Itoa(len(st.Trades)), Note: fmt.Sprintf("%d interior, %d through the VBT", s.InteriorTrades, s.PassthroughTrades)},
	}
	for i, b := range s.Buckets {
		v, _ := fmtText(amountText(s.PnLByBucket[i]))
		r, _ := fmtText(amountText(s.ReturnByBucket[i]))
		out = append(out, card{Label: "PnL, " + b + " bucket", Value: v, Title: amountText(s.PnLByBucket[i]), Note: "return " + r, Level: level(s.PnLByBucket[i])})
	}
	return out
}

// summaryCards are the cards under the header.
func summaryCards(res *engine.Result, sum *RunSummary, f *runFacts, stopLevel string) []card {
	nDefaults := len(f.defaulters)
	defNote := "no agent defaulted"
	if len(f.defaulters) > 0 {
		defNote = listSome(f.defaulters, defaultsListed)
	}
	if res.Stop == engine.StopDefault {
		nDefaults++ // the fail-fast default that ended the run
		note := "fail-fast default ended the run"
		if f.failed != "" {
			note = f.failed + ": " + note
		}
		if len(f.defaulters) > 0 {
			note = defNote + "; then " + note
		}
		defNote = note
	}
	phi, delta := "—", "—"
	if sum != nil {
		phi, delta = orDash(sum.PhiTotal), orDash(sum.DeltaTotal)
	}
	stopLabel, stopNote := stopCard(res, f)
	return []card{
		{Label: "Days simulated", Value: strconv.Itoa(res.DaysSimulated), Note: dayRange(res.DaysSimulated)},
		{Label: "Stop reason", Value: stopLabel, Note: stopNote, Level: stopLevel},
		{Label: "Defaults", Value: strconv.Itoa(nDefaults), Note: defNote, Level: alertIf(nDefaults > 0)},
		shareCard("φ total", phi, "share of dues settled"),
		shareCard("δ total", delta, "share of dues defaulted"),
	}
}

// alertIf is the "alert" level when bad holds.
func alertIf(bad bool) string {
	if bad {
		return "alert"
	}
	return ""
}

// shareCard is a card for a run-level share; a long decimal (28 digits)
// shows rounded (fmtText), with the exact value in its tooltip.
func shareCard(label, value, note string) card {
	c := card{Label: label, Value: value, Note: note}
	if shown, rounded := fmtText(value); rounded {
		c.Value, c.Title = shown, value
	}
	return c
}

// agentRows is the agents table, with each agent's final totals (ix
// indexes the final state).
func agentRows(sc *engine.Scenario, ix *stateIndex, f *runFacts) []agentRow {
	out := make([]agentRow, 0, len(sc.Agents))
	var fin []pynum.Amount
	for _, a := range sc.Agents {
		row := agentRow{ID: a.ID, Name: a.Name, Kind: a.Kind, Status: "active"}
		if av := ix.agent(a.ID); av != nil {
			switch {
			case av.Defaulted:
				row.Defaulted, row.Status = true, "defaulted"
				if d, ok := f.defaultDay[a.ID]; ok {
					row.Status = "defaulted on day " + strconv.Itoa(d)
				}
			case a.ID == f.failed:
				row.Defaulted, row.Status = true, "failed on day "+strconv.Itoa(f.lastDay)+" (fail-fast)"
			}
			ta, tl := totals(ix, av, fin)
			net := pynum.Sub(ta, tl)
			row.Assets, row.Liabs, row.Net, row.NetNegative = amountText(ta), amountText(tl), amountText(net), net.Sign() < 0
		}
		out = append(out, row)
	}
	return out
}

// stopCard returns the stop-reason card's value and note.
func stopCard(res *engine.Result, f *runFacts) (string, string) {
	lastDay, maxDays := f.lastDay, f.maxDays
	switch res.Stop {
	case engine.StopStable:
		return "Converged", "stable on day " + strconv.Itoa(lastDay)
	case engine.StopMaxDays:
		return "max_days", "no convergence within " + strconv.Itoa(maxDays) + " days"
	case engine.StopDefault:
		return "Default", "fail-fast default on day " + strconv.Itoa(lastDay)
	case engine.StopAllDefaulted:
		return "All defaulted", "every non-central-bank agent would default"
	}
	return string(res.Stop), ""
}

// failFastDebtor returns the debtor of the payable named in a fail-fast
// stop message ("Insufficient funds to settle payable <id>: …"), or "".
func failFastDebtor(res *engine.Result) string {
	if res.Stop != engine.StopDefault {
		return ""
	}
	for i := range res.Final().Contracts {
		c := res.Final().Contracts[i]
		if c.Kind == engine.KindPayable && strings.Contains(res.StopMessage, c.ID+":") {
			return c.Issuer
		}
	}
	return ""
}

// endText is the closing "Simulation End" paragraph.
func endText(res *engine.Result, f *runFacts) []string {
	lastDay, maxDays, defaulters := f.lastDay, f.maxDays, f.defaulters
	var out []string
	switch res.Stop {
	case engine.StopStable:
		out = append(out, fmt.Sprintf("The system stabilised: the simulation converged on day %d after %s.", lastDay, plural(res.DaysSimulated, "simulated day", "simulated days")))
	case engine.StopMaxDays:
		out = append(out, fmt.Sprintf("The simulation stopped without convergence after %s (max_days = %d).", plural(res.DaysSimulated, "simulated day", "simulated days"), maxDays))
	case engine.StopDefault, engine.StopAllDefaulted:
		out = append(out, fmt.Sprintf("The simulation was stopped by a default on day %d: %s", lastDay, res.StopMessage))
	default:
		out = append(out, fmt.Sprintf("The simulation ended after %s.", plural(res.DaysSimulated, "simulated day", "simulated days")))
	}
	open := 0
	for i := range res.Final().Contracts {
		switch res.Final().Contracts[i].Kind {
		case engine.KindPayable, engine.KindDeliveryObligation:
			open++
		}
	}
	s := fmt.Sprintf("%s logged; %s remain, %s.", plural(res.EventCount(), "event was", "events were"),
		plural(len(res.Final().Contracts), "contract", "contracts"), plural(open, "open obligation", "open obligations"))
	if len(defaulters) == 0 {
		s += " No agent was expelled."
	} else {
		s += " " + plural(len(defaulters), "agent was", "agents were") + " expelled: " + listSome(defaulters, 20) + "."
	}
	return append(out, s)
}

// The phases a day's events are grouped by; run.js names them (PH).
const (
	phaseStart = iota // events before the first marker: "Start of day"
	phaseB1
	phaseDealer
	phaseB2
	phaseRollover
	phaseC
)

// phaseOf says which phase a marker event opens.
func phaseOf(kind string) (int, bool) {
	switch kind {
	case markerB1:
		return phaseB1, true
	case markerDealer:
		return phaseDealer, true
	case markerB2:
		return phaseB2, true
	case markerRollover:
		return phaseRollover, true
	case markerPhaseC:
		return phaseC, true
	}
	return 0, false
}

// Column roles of payload keys.
const (
	roleNone = iota
	roleFrom
	roleTo
	roleAmount
	roleID
	roleAlias
	roleCount
)

// keyRole says which column a payload key goes to and, when several keys of
// an event compete for it, its rank (lower wins).
func keyRole(key string) (role, rank int) {
	switch key {
	case "frm", "debtor", "agent", "from", "from_agent", "payer", "customer", "from_bank", "owner", "from_holder", "trader":
		return roleFrom, rankOf(key, "frm", "debtor", "agent", "from", "from_agent", "payer", "customer", "from_bank", "owner", "from_holder", "trader")
	case "to", "creditor", "to_agent", "payee", "to_bank", "bank", "to_holder":
		return roleTo, rankOf(key, "to", "creditor", "to_agent", "payee", "to_bank", "bank", "to_holder")
	case "amount", "amount_paid", "price":
		return roleAmount, rankOf(key, "amount", "amount_paid", "price")
	case "instr_id", "payable_id", "contract_id", "pid", "trigger_contract", "keep", "ticket_id":
		return roleID, rankOf(key, "instr_id", "payable_id", "contract_id", "pid", "trigger_contract", "keep", "ticket_id")
	case "alias":
		return roleAlias, 0
	}
	return roleNone, 0
}

func rankOf(key string, keys ...string) int {
	for i, k := range keys {
		if k == key {
			return i
		}
	}
	return len(keys)
}

// valueText prints a payload value: amounts as bilancio's JSON writer does
// (normalised), strings bare, lists and objects in a compact JSON-like form.
func valueText(v engine.Value) string {
	switch v.Kind {
	case engine.NullValue:
		return "null"
	case engine.StringValue:
		return v.Str()
	case engine.IntValue:
		return strconv.FormatInt(v.Int(), 10)
	case engine.AmountValue:
		return amountText(v.Amount())
	case engine.BoolValue:
		return strconv.FormatBool(v.Bool())
	case engine.FloatValue:
		return v.Str()
	case engine.ListValue:
		parts := make([]string, len(v.Items()))
		for i, x := range v.Items() {
			parts[i] = valueText(x.Val)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case engine.ObjectValue:
		parts := make([]string, len(v.Items()))
		for i, f := range v.Items() {
			parts[i] = f.Key + ": " + valueText(f.Val)
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return ""
}

// amountText prints an amount normalised, as in events.jsonl (without quotes).
func amountText(a pynum.Amount) string {
	s, _ := pynum.AmountJSON(a)
	return s
}

// gridNote says which shown agents a grid leaves out.
func gridNote(hidden, missing []string) string {
	var notes []string
	if len(hidden) > 0 {
		notes = append(notes, "Not shown, defaulted: "+listSome(hidden, defaultsListed)+".")
	}
	if len(missing) > 0 {
		notes = append(notes, "Unknown in this state: "+listSome(missing, defaultsListed)+".")
	}
	return strings.Join(notes, " ")
}

// buildTAccount lays out one agent's balance sheet: assets left (what it
// holds, against the issuer), liabilities right (what it owes, to the
// holder), with financial totals and net worth.
func buildTAccount(ix *stateIndex, av *engine.AgentView) tAccount {
	sv := ix.sv
	t := tAccount{ID: av.ID, Name: av.Name, Kind: av.Kind, Defaulted: av.Defaulted}
	var aLines, lLines []entry
	for _, id := range av.AssetIDs {
		if c := ix.contract(id); c != nil {
			aLines = append(aLines, contractEntry(c, c.Issuer))
		}
	}
	for _, id := range av.StockIDs {
		for i := range sv.Stocks {
			if s := &sv.Stocks[i]; s.ID == id {
				aLines = append(aLines, entry{
					line: sheetLine{Kind: "stock " + s.SKU, Party: strconv.FormatInt(s.Quantity, 10) + " × " + amountText(s.UnitPrice), Amount: amountText(s.Value())},
					amt:  s.Value(),
				})
			}
		}
	}
	for _, id := range av.LiabilityIDs {
		if c := ix.contract(id); c != nil {
			lLines = append(lLines, contractEntry(c, c.Holder))
		}
	}
	var ta, tl pynum.Amount
	t.Assets, ta = makeSide(aLines)
	t.Liabs, tl = makeSide(lLines)
	net := pynum.Sub(ta, tl)
	t.Net, t.NetNegative = amountText(net), net.Sign() < 0
	return t
}

// totals returns the financial totals of an agent's assets and liabilities,
// as buildTAccount does, without its lines (fin is room for the amounts).
func totals(ix *stateIndex, av *engine.AgentView, fin []pynum.Amount) (assets, liabilities pynum.Amount) {
	side := func(ids []string) pynum.Amount {
		fin = fin[:0]
		for _, id := range ids {
			if c := ix.contract(id); c != nil && c.Financial() {
				fin = append(fin, c.Amount)
			}
		}
		return pynum.Sum(fin...)
	}
	return side(av.AssetIDs), side(av.LiabilityIDs)
}

// stateIndex finds a state's agents and contracts by id: by scanning in a
// small state, by number in a large one (StateView's own lookups scan,
// which is quadratic over a large ring's balance sheets). The contracts of
// a large state are numbered by id (slots, shared by the states of a run),
// and at maps a number to the contract's place in the state.
type stateIndex struct {
	sv     *engine.StateView
	agents map[string]int32
	slots  map[string]int32
	at     []int32 // slot -> place in sv.Contracts, -1 when absent
	slotOf []int32 // place in sv.Contracts -> slot
}

// scanMax is the size up to which a state is scanned rather than indexed.
const scanMax = 24

// newStateIndex indexes sv, numbering its contracts in slots (a new
// numbering when nil). prev, the index of an earlier state of the same
// run, makes it cheap: the contracts that are still there keep their order
// (a state lists them in the order they were created), so most are found
// by walking prev's list alongside.
func newStateIndex(sv *engine.StateView, slots map[string]int32, prev *stateIndex) *stateIndex {
	ix := &stateIndex{sv: sv}
	if len(sv.Contracts) <= scanMax {
		return ix
	}
	if slots == nil {
		slots = make(map[string]int32, len(sv.Contracts))
	}
	if prev != nil && prev.at == nil {
		prev = nil
	}
	ix.slots = slots
	ix.at = make([]int32, len(slots)+len(sv.Contracts))
	for i := range ix.at {
		ix.at[i] = -1
	}
	ix.slotOf = make([]int32, len(sv.Contracts))
	k := 0 // the place in prev's list to look at next
	for i := range sv.Contracts {
		id := sv.Contracts[i].ID
		var slot int32
		if prev != nil && k < len(prev.sv.Contracts) && prev.sv.Contracts[k].ID == id {
			slot = prev.slotOf[k]
			k++
		} else {
			var known bool
			if slot, known = slots[id]; !known {
				slot = int32(len(slots))
				slots[id] = slot
			} else if prev != nil && int(slot) < len(prev.at) && prev.at[slot] >= 0 {
				k = int(prev.at[slot]) + 1
			}
		}
		ix.slotOf[i] = slot
		if ix.at[slot] < 0 { // the first, as StateView.Contract
			ix.at[slot] = int32(i)
		}
	}
	return ix
}

// agentIndex returns the place of agent id in the state, or -1.
func (ix *stateIndex) agentIndex(id string) int {
	sv := ix.sv
	if ix.agents == nil && len(sv.Agents) > scanMax {
		ix.agents = make(map[string]int32, len(sv.Agents))
		for i := range sv.Agents {
			if _, dup := ix.agents[sv.Agents[i].ID]; !dup { // the first, as StateView.Agent
				ix.agents[sv.Agents[i].ID] = int32(i)
			}
		}
	}
	if ix.agents != nil {
		if i, ok := ix.agents[id]; ok {
			return int(i)
		}
		return -1
	}
	for i := range ix.sv.Agents {
		if ix.sv.Agents[i].ID == id {
			return i
		}
	}
	return -1
}

func (ix *stateIndex) agent(id string) *engine.AgentView {
	if i := ix.agentIndex(id); i >= 0 {
		return &ix.sv.Agents[i]
	}
	return nil
}

// stock returns the stock id of the state (the zero value when none).
func (ix *stateIndex) stock(id string) engine.StockView {
	for i := range ix.sv.Stocks {
		if ix.sv.Stocks[i].ID == id {
			return ix.sv.Stocks[i]
		}
	}
	return engine.StockView{}
}

func (ix *stateIndex) contract(id string) *engine.ContractView {
	if ix.at != nil {
		if slot, ok := ix.slots[id]; ok && int(slot) < len(ix.at) && ix.at[slot] >= 0 {
			return &ix.sv.Contracts[ix.at[slot]]
		}
		return nil
	}
	for i := range ix.sv.Contracts {
		if ix.sv.Contracts[i].ID == id {
			return &ix.sv.Contracts[i]
		}
	}
	return nil
}

// entry is a balance-sheet line with its amount; financial says whether it
// counts in the financial totals.
type entry struct {
	line      sheetLine
	amt       pynum.Amount
	financial bool
}

func contractEntry(c *engine.ContractView, party string) entry {
	e := entry{line: sheetLine{Kind: c.Kind, Party: party}, amt: c.Amount, financial: c.Financial()}
	if c.HasDueDay {
		e.line.Due = "d" + strconv.FormatInt(c.DueDay, 10)
	}
	if !e.financial {
		e.line.Kind = c.Kind + " " + c.SKU
		e.amt = c.ValuedAmount()
	}
	e.line.Amount = amountText(e.amt)
	return e
}

// makeSide builds one side of a T-account and returns its financial total
// (a Python sum, so int 0 when empty). Short sides list every instrument;
// long ones show one line per kind and keep the full list for a
// collapsible detail.
func makeSide(entries []entry) (side, pynum.Amount) {
	var fin []pynum.Amount
	lines := make([]sheetLine, len(entries))
	for i, e := range entries {
		lines[i] = e.line
		if e.financial {
			fin = append(fin, e.amt)
		}
	}
	total := pynum.Sum(fin...)
	s := side{Lines: lines, Total: amountText(total)}
	if len(entries) <= sideLinesMax {
		return s, total
	}
	var kinds []string
	count := map[string]int{}
	sums := map[string][]pynum.Amount{}
	for _, e := range entries {
		k := e.line.Kind
		if count[k] == 0 {
			kinds = append(kinds, k)
		}
		count[k]++
		sums[k] = append(sums[k], e.amt)
	}
	s.All, s.Lines = lines, nil
	for _, k := range kinds {
		s.Lines = append(s.Lines, sheetLine{Kind: k, Party: "×" + strconv.Itoa(count[k]), Amount: amountText(pynum.Sum(sums[k]...))})
	}
	return s, total
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

func dayRange(n int) string {
	switch {
	case n <= 0:
		return "no day simulated"
	case n == 1:
		return "day 0"
	}
	return "days 0–" + strconv.Itoa(n-1)
}

// listSome joins up to limit ids and says how many more there are.
func listSome(ids []string, limit int) string {
	if len(ids) <= limit {
		return strings.Join(ids, ", ")
	}
	return strings.Join(ids[:limit], ", ") + fmt.Sprintf(" and %d more", len(ids)-limit)
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
