// Package console renders a run for the terminal as bilancio's run command
// shows it day by day (`bilancio run -show`): the scenario's header, each
// day's events (in detail, as counts per kind, or as tables per phase) and
// the balance sheets of the agents asked for (as tables or T-accounts), or
// the system's trial balance.
package console

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/bilancio-go/bilancio/internal/engine"
	"github.com/bilancio-go/bilancio/internal/pynum"
)

// Event display modes (bilancio's --show).
const (
	ShowDetailed = "detailed"
	ShowSummary  = "summary"
	ShowTable    = "table"
)

// Options say what to show.
type Options struct {
	// Show is ShowDetailed, ShowSummary or ShowTable.
	Show string
	// Agents are the agents whose balance sheets are shown after each day
	// (those still active); nil shows the system's trial balance.
	Agents []string
	// TAccount shows T-accounts instead of balance tables.
	TAccount bool
}

// ParseShow checks an event display mode.
func ParseShow(s string) error {
	switch s {
	case ShowDetailed, ShowSummary, ShowTable:
		return nil
	}
	return fmt.Errorf("must be %s, %s or %s, not %q", ShowDetailed, ShowSummary, ShowTable, s)
}

// Write renders a finished run: it needs the run's snapshots (the state
// after setup and after each day, engine.Options.Snapshots).
func Write(w io.Writer, sc *engine.Scenario, res *engine.Result, o Options) error {
	p := &printer{w: w, o: o, names: map[string]string{}}
	for _, a := range sc.Agents {
		p.names[a.ID] = a.Name
	}
	p.header(sc)
	for i, snap := range res.Snapshots {
		if i == 0 {
			p.line("\nDay 0 (After Setup)")
			p.events(res.Events(), func(e *engine.Event) bool { return e.Phase == "setup" })
			p.balances(&snap, false)
			continue
		}
		// Snapshot i follows the i-th simulated day, days 0, 1, …; bilancio
		// shows days from 1 (day 0's simulation is quiet in its scenarios).
		simDay := i - 1
		if simDay == 0 {
			continue
		}
		p.line(fmt.Sprintf("\nDay %d", simDay))
		p.events(res.Events(), func(e *engine.Event) bool { return e.Phase == "simulation" && e.Day == simDay })
		p.balances(&snap, true)
	}
	return p.err
}

// printer writes lines and keeps the first error.
type printer struct {
	w     io.Writer
	o     Options
	names map[string]string
	err   error
}

func (p *printer) line(s string) {
	if p.err == nil {
		_, p.err = io.WriteString(p.w, s+"\n")
	}
}

// header is the scenario's name, description and agents.
func (p *printer) header(sc *engine.Scenario) {
	p.line(sc.Name)
	if sc.Description != "" {
		p.line(sc.Description)
	}
	p.line(fmt.Sprintf("Agents: %d", len(sc.Agents)))
	for _, a := range sc.Agents {
		p.line(fmt.Sprintf("  • %s (%s): %s", a.ID, a.Kind, a.Name))
	}
}

// markers are the phase markers, which the detailed and table views leave
// out (the summary counts them, as bilancio's does).
func isMarker(kind string) bool {
	switch kind {
	case "PhaseA", "PhaseB", "PhaseC", "SubphaseB1", "SubphaseB2", "SubphaseB_Dealer", "SubphaseB_Rollover":
		return true
	}
	return false
}

// events shows the events that keep selects.
func (p *printer) events(all []engine.Event, keep func(*engine.Event) bool) {
	var evs []*engine.Event
	for i := range all {
		if keep(&all[i]) {
			evs = append(evs, &all[i])
		}
	}
	if len(evs) == 0 {
		return
	}
	p.line("\nEvents:")
	switch p.o.Show {
	case ShowSummary:
		counts := map[string]int{}
		for _, e := range evs {
			counts[e.Kind]++
		}
		kinds := make([]string, 0, len(counts))
		for k := range counts {
			kinds = append(kinds, k)
		}
		sort.Strings(kinds)
		for _, k := range kinds {
			p.line(fmt.Sprintf("  • %s: %d", k, counts[k]))
		}
	case ShowTable:
		p.eventTables(evs)
	default:
		for _, e := range evs {
			if isMarker(e.Kind) {
				continue
			}
			title, lines := describe(e)
			p.line("  " + title)
			for _, l := range lines {
				p.line("      " + l)
			}
		}
	}
}

// eventTables shows the events as one table per phase.
func (p *printer) eventTables(evs []*engine.Event) {
	phase := ""
	var rows [][]string
	flush := func() {
		if len(rows) > 0 {
			p.line("  " + phase)
			p.table([]string{"kind", "from", "to", "amount", "id"}, rows)
		}
		rows = nil
	}
	for _, e := range evs {
		name := ""
		switch e.Kind {
		case "SubphaseB1":
			name = "Phase B1 — Scheduled Actions"
		case "SubphaseB_Dealer":
			name = "Phase B — Dealer Trading"
		case "SubphaseB2":
			name = "Phase B2 — Settlement"
		case "PhaseC":
			name = "Phase C — Clearing"
		}
		if e.Phase == "setup" {
			name = "Setup"
		}
		if name != "" && name != phase {
			flush()
			phase = name
		}
		if isMarker(e.Kind) {
			continue
		}
		from, to := parties(e)
		amount := ""
		if a, ok := e.GetAmount("amount"); ok {
			amount = amountText(a)
		}
		rows = append(rows, []string{e.Kind, from, to, amount, firstOf(e, "payable_id", "pid", "contract_id", "instr_id", "alias")})
	}
	flush()
}

// table writes rows in aligned columns.
func (p *printer) table(header []string, rows [][]string) {
	widths := make([]int, len(header))
	for _, r := range append([][]string{header}, rows...) {
		for i, c := range r {
			widths[i] = max(widths[i], len([]rune(c)))
		}
	}
	format := func(r []string) string {
		var b strings.Builder
		b.WriteString("    ")
		for i, c := range r {
			if i > 0 {
				b.WriteString("  ")
			}
			b.WriteString(c + strings.Repeat(" ", widths[i]-len([]rune(c))))
		}
		return strings.TrimRight(b.String(), " ")
	}
	p.line(format(header))
	for _, r := range rows {
		p.line(format(r))
	}
}

// firstOf is the first of the keys the event has.
func firstOf(e *engine.Event, keys ...string) string {
	for _, k := range keys {
		if s := e.GetString(k); s != "" {
			return s
		}
	}
	return ""
}

// parties are an event's payer and payee.
func parties(e *engine.Event) (string, string) {
	from := firstOf(e, "frm", "debtor", "from", "from_agent", "from_bank", "payer", "customer", "trader", "agent")
	to := firstOf(e, "to", "creditor", "to_agent", "to_bank", "payee", "bank")
	return from, to
}

// amountText prints an amount as the event log does.
func amountText(a pynum.Amount) string { return a.String() }

// describe is an event's title and detail lines (bilancio's formatters).
func describe(e *engine.Event) (string, []string) {
	amt := ""
	if a, ok := e.GetAmount("amount"); ok {
		amt = amountText(a)
	}
	from, to := parties(e)
	switch e.Kind {
	case "CashMinted":
		return "Cash Minted: " + amt, []string{"To: " + to}
	case "ReservesMinted":
		return "Reserves Minted: " + amt, []string{"Bank: " + to}
	case "CashTransferred":
		return "Cash Transfer: " + amt, []string{from + " → " + to}
	case "ReservesTransferred":
		return "Reserves Transfer: " + amt, []string{from + " → " + to}
	case "PayableCreated":
		lines := []string{from + " owes " + to}
		if d, ok := e.GetInt("due_day"); ok {
			lines = append(lines, fmt.Sprintf("Due: Day %d", d))
		}
		return "Payable Created: " + amt, lines
	case "PayableSettled":
		return "Payable Settled: " + amt, []string{from + " → " + to}
	case "PartialSettlement":
		paid, _ := e.GetAmount("amount_paid")
		short, _ := e.GetAmount("shortfall")
		return "Partial Settlement: " + amountText(paid) + " paid, " + amountText(short) + " short", []string{from + " → " + to}
	case "ObligationDefaulted":
		short, _ := e.GetAmount("shortfall")
		return "Obligation Defaulted: " + amountText(short) + " short", []string{from + " owed " + to}
	case "AgentDefaulted":
		return "Agent Defaulted: " + e.GetString("agent"), []string{"Expelled (" + e.GetString("mode") + ")"}
	case "ObligationWrittenOff":
		return "Obligation Written Off: " + amt, []string{from + " owed " + to}
	case "InstrumentMerged":
		return "Cash Consolidation", []string{"Merged: " + e.GetString("removed") + " → " + e.GetString("keep")}
	case "CashDeposited":
		return "Cash Deposit: " + amt, []string{from + " → " + to}
	case "CashWithdrawn":
		return "Cash Withdrawal: " + amt, []string{from + " <- " + to}
	case "ClientPayment":
		return "Inter-Bank Payment: " + amt, []string{from + " → " + to}
	case "dealer_trade":
		return "Dealer Trade: " + e.GetString("side") + " " + e.GetString("ticket_id"), []string{from + " in bucket " + e.GetString("bucket")}
	}
	var lines []string
	for _, f := range e.Fields {
		if len(lines) == 3 {
			break
		}
		lines = append(lines, f.Key+": "+valueText(f.Val))
	}
	return e.Kind + " Event", lines
}

// valueText prints a payload value.
func valueText(v engine.Value) string {
	switch v.Kind {
	case engine.StringValue, engine.FloatValue:
		return v.Str()
	case engine.IntValue:
		return fmt.Sprint(v.Int())
	case engine.AmountValue:
		return v.Amount().String()
	case engine.BoolValue:
		return fmt.Sprint(v.Bool())
	case engine.NullValue:
		return "None"
	}
	return "…"
}

// balances shows the balance sheets of the agents asked for (only those
// still active after a simulated day), or the trial balance.
func (p *printer) balances(v *engine.StateView, activeOnly bool) {
	if p.o.Agents == nil {
		p.trialBalance(v)
		return
	}
	byID := map[string]*engine.AgentView{}
	for i := range v.Agents {
		byID[v.Agents[i].ID] = &v.Agents[i]
	}
	var shown []*engine.AgentView
	for _, id := range p.o.Agents {
		if a, ok := byID[id]; ok && !(activeOnly && a.Defaulted) {
			shown = append(shown, a)
		}
	}
	p.line("\nBalances:")
	if len(shown) == 0 {
		p.line("  • No active agents to display")
		return
	}
	contracts := map[string]*engine.ContractView{}
	for i := range v.Contracts {
		contracts[v.Contracts[i].ID] = &v.Contracts[i]
	}
	for _, a := range shown {
		if p.o.TAccount {
			p.tAccount(a, contracts)
		} else {
			p.balanceTable(a, contracts)
		}
	}
}

// side is one side of a balance sheet: amounts per instrument kind.
type side struct {
	kinds  []string
	totals map[string]pynum.Amount
	total  pynum.Amount
}

func (s *side) add(kind string, a pynum.Amount) {
	if s.totals == nil {
		s.totals = map[string]pynum.Amount{}
		s.total = pynum.Int(0)
	}
	if _, ok := s.totals[kind]; !ok {
		s.kinds = append(s.kinds, kind)
		s.totals[kind] = pynum.Int(0)
	}
	s.totals[kind] = pynum.Add(s.totals[kind], a)
	s.total = pynum.Add(s.total, a)
}

// sides sums an agent's financial assets and liabilities by kind.
func sides(a *engine.AgentView, contracts map[string]*engine.ContractView) (assets, liabs side) {
	for _, id := range a.AssetIDs {
		if c, ok := contracts[id]; ok && c.Financial() {
			assets.add(c.Kind, c.Amount)
		}
	}
	for _, id := range a.LiabilityIDs {
		if c, ok := contracts[id]; ok && c.Financial() {
			liabs.add(c.Kind, c.Amount)
		}
	}
	return assets, liabs
}

// balanceTable is an agent's balance sheet by instrument kind.
func (p *printer) balanceTable(a *engine.AgentView, contracts map[string]*engine.ContractView) {
	assets, liabs := sides(a, contracts)
	p.line(fmt.Sprintf("  %s (%s) — %s", a.ID, a.Kind, p.names[a.ID]))
	var rows [][]string
	kinds := slices.Clone(assets.kinds)
	for _, k := range liabs.kinds {
		if !slices.Contains(kinds, k) {
			kinds = append(kinds, k)
		}
	}
	for _, k := range kinds {
		rows = append(rows, []string{k, cell(assets.totals, k), cell(liabs.totals, k)})
	}
	ta, tl := total(assets), total(liabs)
	rows = append(rows, []string{"total", amountText(ta), amountText(tl)},
		[]string{"net financial", amountText(pynum.Sub(ta, tl)), ""})
	p.table([]string{"instrument", "assets", "liabilities"}, rows)
}

func total(s side) pynum.Amount {
	if s.totals == nil {
		return pynum.Int(0)
	}
	return s.total
}

func cell(m map[string]pynum.Amount, k string) string {
	if a, ok := m[k]; ok {
		return amountText(a)
	}
	return ""
}

// tAccount is an agent's T-account: each asset and liability with its
// counterparty and due day.
func (p *printer) tAccount(a *engine.AgentView, contracts map[string]*engine.ContractView) {
	p.line(fmt.Sprintf("  %s (%s) — %s", a.ID, a.Kind, p.names[a.ID]))
	entry := func(c *engine.ContractView, asset bool) string {
		s := c.Kind + " " + amountText(c.Amount)
		if c.Kind == engine.KindDeliveryObligation {
			s = fmt.Sprintf("%s %s × %s", c.Kind, c.SKU, amountText(c.Amount))
		}
		other := c.Issuer
		if !asset {
			other = c.Holder
		}
		if other != "" && c.Kind != engine.KindCash {
			if asset {
				s += " from " + other
			} else {
				s += " to " + other
			}
		}
		if c.HasDueDay {
			s += fmt.Sprintf(" (due day %d)", c.DueDay)
		}
		return s
	}
	var left, right []string
	for _, id := range a.AssetIDs {
		if c, ok := contracts[id]; ok {
			left = append(left, entry(c, true))
		}
	}
	for _, id := range a.LiabilityIDs {
		if c, ok := contracts[id]; ok {
			right = append(right, entry(c, false))
		}
	}
	var rows [][]string
	for i := range max(len(left), len(right)) {
		r := []string{"", ""}
		if i < len(left) {
			r[0] = left[i]
		}
		if i < len(right) {
			r[1] = right[i]
		}
		rows = append(rows, r)
	}
	assets, liabs := sides(a, contracts)
	rows = append(rows, []string{"total " + amountText(total(assets)), "total " + amountText(total(liabs))})
	p.table([]string{"Assets", "Liabilities"}, rows)
}

// trialBalance is the system's total assets, liabilities and equity.
func (p *printer) trialBalance(v *engine.StateView) {
	assets, liabs := pynum.Int(0), pynum.Int(0)
	for i := range v.Contracts {
		if c := &v.Contracts[i]; c.Financial() {
			assets = pynum.Add(assets, c.Amount)
			liabs = pynum.Add(liabs, c.Amount)
		}
	}
	status := "OK Balanced"
	if pynum.Cmp(assets, liabs) != 0 {
		status = "X Imbalanced"
	}
	p.line("\nSystem Trial Balance:")
	p.table([]string{"Metric", "Value"}, [][]string{
		{"Total Assets", amountText(assets)},
		{"Total Liabilities", amountText(liabs)},
		{"Total Equity", amountText(pynum.Sub(assets, liabs))},
		{"Status", status},
	})
}
