package report

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/bilancio-go/bilancio/internal/dealer"
	"github.com/bilancio-go/bilancio/internal/engine"
	"github.com/bilancio-go/bilancio/internal/pynum"
)

// run.html draws its day-by-day part — events by phase, T-account balance
// sheets, the per-day charts, the settlement network and the dealer's
// charts — with its script, from a compact JSON document embedded in the
// page (runData). Writing the data is a fraction of the cost of writing
// the markup, and the page is a third of the size. An agent's balance sheet
// that did not change since the last one shown is written as [id] only.
//
// The document (every array drops its trailing empty strings):
//
//	m:     [[day, S, Mpeak, gross settled, φ, δ], ...] the day metrics
//	tot:   [φ total, δ total], when there are metrics
//	setup: [event, ...]                            the setup events
//	ss:    sheets after setup    (a sheet grid, see below)
//	days:  [[day, [[phase, [event, ...]] or phase, ...], grid], ...] (phase: see phaseStart)
//	fin:   the final sheets, when no daily snapshot was kept
//	dl:    {t: [[day, buys, sells], ...], inv: [[bucket, [[day, inventory], ...]], ...]}
//	an:    [[id, name, kind, status, assets, liabilities, net worth, defaulted 0/1], ...]
//	       the agents, with their final positions
//	open:  1 when the day sections start open
//	stop:  the default that stopped the run, shown on the last day
//
// The document is written in one pass over the event log (the agents'
// statuses come from its AgentDefaulted events, hence "an" after "days").
// Events, the notes and lines of balance sheets are interned (jsonBuf.istrs), in
// document order: a string of 4 bytes or more seen before is written as its
// number.
//
// event: [kind, from, to, amount, id, alias, key, value, key, value, ...]
// (the settlement network is drawn from the setup's PayableCreated events
// and what the days did to each payable)
// grid:  [note, [sheet, ...]]; sheet: [id, defaulted 0/1, assets, liabilities,
// total assets, total liabilities, net worth, all assets, all liabilities]
// or [id] when unchanged; assets etc.: [[kind, party, due, amount], ...].

// runData appends the JSON document of run.html to buf and returns buf.
// Going through the event log,
// it also gathers what the rest of the page needs from the events: the
// expelled agents (f.defaulters, f.defaultDay), the setup facts and the
// agents' rows (p.SetupFacts, p.Agents).
func runData(p *runPage, sc *engine.Scenario, res *engine.Result, f *runFacts, buf []byte) []byte {
	w := &dataWriter{
		j:     &jsonBuf{b: buf, first: make([]bool, 0, 16)},
		one:   &jsonBuf{plain: true, first: make([]bool, 0, 16)}, // a sheet, to compare
		res:   res,
		f:     f,
		slots: map[string]int32{},
		setup: setupTally{minDue: -1, maxDue: -1},
	}
	j := w.j
	j.obj()
	if p.HasMetrics {
		j.key("m")
		j.arr()
		for _, m := range p.Metrics {
			j.arr()
			j.int(m.Day)
			for _, s := range []string{m.S, m.Mpeak, m.GrossSettled, m.Phi, m.Delta} {
				j.str(s)
			}
			j.endArr()
		}
		j.endArr()
		j.key("tot")
		j.strs(p.PhiTotal, p.DeltaTotal)
	}
	days := w.events()
	if len(res.Snapshots) == 0 {
		j.key("fin")
		w.grid(res.Final(), false)
	}
	if res.Dealer != nil && res.Dealer.State != nil {
		writeDealerData(j, res.Dealer.State)
	}
	p.SetupFacts = w.setup.facts()
	p.Agents = agentRows(sc, w.index(res.Final()), f)
	j.key("an")
	j.arr()
	for _, a := range p.Agents {
		j.arr()
		for _, s := range []string{a.ID, a.Name, a.Kind, a.Status, a.Assets, a.Liabs, a.Net} {
			j.str(s)
		}
		if a.Defaulted {
			j.int(1)
		}
		j.endArr()
	}
	j.endArr()
	if days <= openDaysMax && len(f.shown) <= openAgentsMax {
		j.key("open")
		j.int(1)
	}
	if res.Stop == engine.StopDefault || res.Stop == engine.StopAllDefaulted {
		j.key("stop")
		j.str(res.StopMessage)
	}
	j.endObj()
	return j.b
}

// dataWriter writes runData's document.
type dataWriter struct {
	j, one *jsonBuf
	res    *engine.Result
	f      *runFacts
	setup  setupTally
	// slots numbers the contracts of the run by id, in the order first
	// seen; each state's index maps a slot to the contract's place in it.
	slots   map[string]int32
	lastIx  *stateIndex
	shown   []shownAgent
	avs     []*engine.AgentView
	layouts []layout
	cells   []cell
	scratch []byte
	cs      []*engine.ContractView
	fin     []pynum.Amount
}

// events writes "setup", "ss" and "days" in one pass over the event log
// and returns the number of day sections.
func (w *dataWriter) events() int {
	j, res := w.j, w.res
	var (
		inSetup  = true
		days     int
		dayOpen  bool
		day      int
		rows     int  // the day's events
		mark     int  // where the day's element starts
		wasFirst bool // the days array had no element before it
		phase    = -1 // the open group's phase; -1 none
		grpRows  int  // the open group's events written
	)
	j.key("setup")
	j.arr()
	endGroup := func() {
		switch {
		case phase < 0:
		case grpRows == 0: // a phase without events: its number alone
			j.int(phase)
		default:
			j.endArr()
			j.endArr()
		}
		phase, grpRows = -1, 0
	}
	endDay := func(lastDay bool) {
		if !dayOpen {
			return
		}
		dayOpen = false
		endGroup()
		j.endArr()
		// Keep day 0 of the simulation only when it has events of its own.
		if day < 1 && rows == 0 {
			j.b = j.b[:mark]
			j.first[len(j.first)-1] = wasFirst
			return
		}
		days++
		// The state after day d is the snapshot after the (d+1)-th run_day.
		var sv *engine.StateView
		if k := day + 1; k < len(res.Snapshots) {
			sv = &res.Snapshots[k]
		} else if lastDay && len(res.Snapshots) > 0 {
			sv = res.Final()
		}
		if sv != nil {
			w.grid(sv, true)
		}
		j.endArr()
	}
	endSetup := func() {
		inSetup = false
		j.endArr()
		if len(res.Snapshots) > 0 {
			j.key("ss")
			w.grid(&res.Snapshots[0], false)
		}
		j.key("days")
		j.arr()
	}
	for e := range res.EachEvent() {
		if e.Kind == kindAgentDef {
			id := e.GetString("agent")
			w.f.defaulters = append(w.f.defaulters, id)
			if _, seen := w.f.defaultDay[id]; !seen {
				w.f.defaultDay[id] = e.Day
			}
		}
		if e.Phase == "setup" && inSetup {
			w.setup.add(e)
			w.eventRow(e)
			continue
		}
		if inSetup {
			endSetup()
		}
		if !dayOpen || day != e.Day {
			endDay(false)
			dayOpen, day, rows = true, e.Day, 0
			mark, wasFirst = len(j.b), j.first[len(j.first)-1]
			j.arr()
			j.int(day)
			j.arr()
		}
		if ph, ok := phaseOf(e.Kind); ok {
			endGroup()
			phase = ph
			continue
		}
		if e.Kind == markerPhaseA || e.Kind == markerPhaseB {
			continue
		}
		if phase < 0 {
			phase = phaseStart
		}
		if grpRows == 0 {
			j.arr()
			j.int(phase)
			j.arr()
		}
		grpRows++
		rows++
		w.eventRow(e)
	}
	if inSetup {
		endSetup()
	}
	endDay(true)
	j.endArr()
	return days
}

// index indexes a state of the run, numbering its contracts as the
// states before it.
func (w *dataWriter) index(sv *engine.StateView) *stateIndex {
	ix := newStateIndex(sv, w.slots, w.lastIx)
	w.lastIx = ix
	return ix
}

// An event's row: the event's kind, then the values of its From, To,
// Amount, ID and Alias columns (keyRole: when several keys compete for a
// column, the one of the lowest rank), then key and value of the payload's
// other keys, but an alias that is null and repeats of a value already
// shown in its column.

// layout is where the payload keys of an event go (keyRole), for events
// with the same keys: most events of a kind have the same.
type layout struct {
	kind  string
	keys  []string
	roles []int8
	ranks []int8
	// nos are the numbers the kind (nos[0]) and the keys (nos[1+i]) were
	// interned as (jsonBuf.istrAt), -1 until known.
	nos []int32
}

// layoutOf returns the layout of e's keys.
func (w *dataWriter) layoutOf(e *engine.Event) *layout {
next:
	for i := range w.layouts {
		l := &w.layouts[i]
		if l.kind != e.Kind || len(l.keys) != len(e.Fields) {
			continue
		}
		for k, f := range e.Fields {
			if l.keys[k] != f.Key {
				continue next
			}
		}
		return l
	}
	n := len(e.Fields)
	l := layout{kind: e.Kind, keys: make([]string, n), nos: make([]int32, 1+n)}
	rr := make([]int8, 2*n)
	l.roles, l.ranks = rr[:n:n], rr[n:]
	for i := range l.nos {
		l.nos[i] = -1
	}
	for i, f := range e.Fields {
		role, rank := keyRole(f.Key)
		l.keys[i], l.roles[i], l.ranks[i] = f.Key, int8(role), int8(rank)
	}
	w.layouts = append(w.layouts, l)
	return &w.layouts[len(w.layouts)-1]
}

// cell is a cell of an event's row: text s, or number (in scratch, from
// at to end), which never needs escaping.
type cell struct {
	s       string
	at, end int
	num     bool
	no      *int32 // for the kind and keys: where its layout keeps its number
}

// cellOf makes a cell of a payload value.
func (w *dataWriter) cellOf(v engine.Value) cell {
	switch v.Kind {
	case engine.StringValue, engine.FloatValue:
		return cell{s: v.Str()}
	case engine.IntValue:
		at := len(w.scratch)
		w.scratch = strconv.AppendInt(w.scratch, v.Int(), 10)
		return cell{at: at, end: len(w.scratch), num: true}
	case engine.AmountValue:
		at := len(w.scratch)
		w.scratch = appendAmountText(w.scratch, v.Amount())
		return cell{at: at, end: len(w.scratch), num: true}
	case engine.NullValue:
		return cell{s: "null"}
	case engine.BoolValue:
		return cell{s: strconv.FormatBool(v.Bool())}
	}
	return cell{s: valueText(v)}
}

// text returns the cell's text (a number's without a copy: for
// comparisons and map lookups only).
func (w *dataWriter) text(c *cell) []byte {
	return w.scratch[c.at:c.end]
}

func (w *dataWriter) same(a, b *cell) bool {
	switch {
	case !a.num && !b.num:
		return a.s == b.s
	case a.num && b.num:
		return string(w.text(a)) == string(w.text(b))
	case a.num:
		return string(w.text(a)) == b.s
	}
	return a.s == string(w.text(b))
}

func (c *cell) empty() bool { return c.num && c.at == c.end || !c.num && c.s == "" }

// eventRow writes e's row, interned.
func (w *dataWriter) eventRow(e *engine.Event) {
	l := w.layoutOf(e)
	var chosen, ranks [roleCount]int
	for r := range chosen {
		chosen[r] = -1
	}
	for i, f := range e.Fields {
		role, rank := int(l.roles[i]), int(l.ranks[i])
		if role == roleNone || (role == roleAlias && f.Val.Kind == engine.NullValue) {
			continue
		}
		if chosen[role] < 0 || rank < ranks[role] {
			chosen[role], ranks[role] = i, rank
		}
	}
	w.scratch = w.scratch[:0]
	cells := append(w.cells[:0], cell{s: e.Kind, no: &l.nos[0]})
	for _, role := range [...]int{roleFrom, roleTo, roleAmount, roleID, roleAlias} {
		if i := chosen[role]; i >= 0 {
			cells = append(cells, w.cellOf(e.Fields[i].Val))
		} else {
			cells = append(cells, cell{})
		}
	}
	for i, f := range e.Fields {
		role := int(l.roles[i])
		if role != roleNone && i == chosen[role] || role == roleAlias && f.Val.Kind == engine.NullValue {
			continue
		}
		v := w.cellOf(f.Val)
		// The role's column in cells: 1 + its place after the kind.
		if role != roleNone && role != roleAmount && w.same(&v, &cells[role]) {
			continue
		}
		cells = append(cells, cell{s: f.Key, no: &l.nos[1+i]}, v)
	}
	w.cells = cells
	n := len(cells)
	for n > 0 && cells[n-1].empty() {
		n--
	}
	j := w.j
	j.arr()
	for i := range cells[:n] {
		c := &cells[i]
		if !c.num {
			if c.no != nil {
				j.istrAt(c.s, c.no)
				continue
			}
			j.istr(c.s)
			continue
		}
		j.inum(w.text(c))
	}
	j.endArr()
}

// setupTally gathers the setup facts: money minted and payables created.
type setupTally struct {
	minted, owed   []pynum.Amount
	minDue, maxDue int64 // -1 when none yet
}

func (t *setupTally) add(e *engine.Event) {
	switch e.Kind {
	case kindCashMinted:
		if a, ok := e.GetAmount("amount"); ok {
			t.minted = append(t.minted, a)
		}
	case kindPayableNew:
		if a, ok := e.GetAmount("amount"); ok {
			t.owed = append(t.owed, a)
		}
		if d, ok := e.GetInt("due_day"); ok {
			if t.minDue < 0 || d < t.minDue {
				t.minDue = d
			}
			if d > t.maxDue {
				t.maxDue = d
			}
		}
	}
}

// facts summarises the setup.
func (t *setupTally) facts() []string {
	var facts []string
	if len(t.minted) > 0 {
		facts = append(facts, fmt.Sprintf("%s minted, %s in total", plural(len(t.minted), "cash instrument", "cash instruments"), amountText(pynum.Sum(t.minted...))))
	}
	if len(t.owed) > 0 {
		due := ""
		if t.minDue >= 0 {
			due = fmt.Sprintf(", due on day %d", t.minDue)
			if t.maxDue != t.minDue {
				due = fmt.Sprintf(", due on days %d–%d", t.minDue, t.maxDue)
			}
		}
		facts = append(facts, fmt.Sprintf("%s created, %s in total%s", plural(len(t.owed), "payable", "payables"), amountText(pynum.Sum(t.owed...)), due))
	}
	return facts
}

// agentAt is an agent in a state, as last written.
type agentAt struct {
	ix *stateIndex
	av *engine.AgentView
}

// sameAgent says whether an agent's balance sheet is certainly unchanged
// between two states: the same agent fields, instrument lists and
// instruments (an Amount compares by representation, so equal ones may be
// missed; they are then found equal by their encoding).
func sameAgent(a, b agentAt) bool {
	x, y := a.av, b.av
	if x.ID != y.ID || x.Name != y.Name || x.Kind != y.Kind || x.Defaulted != y.Defaulted ||
		!slices.Equal(x.AssetIDs, y.AssetIDs) || !slices.Equal(x.LiabilityIDs, y.LiabilityIDs) || !slices.Equal(x.StockIDs, y.StockIDs) {
		return false
	}
	for _, ids := range [2][]string{x.AssetIDs, x.LiabilityIDs} {
		for _, id := range ids {
			c, d := a.ix.contract(id), b.ix.contract(id)
			if (c == nil) != (d == nil) || c != nil && *c != *d {
				return false
			}
		}
	}
	for _, id := range x.StockIDs {
		if a.ix.stock(id) != b.ix.stock(id) {
			return false
		}
	}
	return true
}

// shownAgent is an agent whose T-account the grids show: where it was in
// the last state (a hint: the agents of a run keep their places) and what
// was last written of it.
type shownAgent struct {
	id   string
	pos  int
	same int // the first shown agent with this id (run.show.balances may repeat one)
	// last is the sheet last written (its plain encoding), unless
	// lastDirect: it was written straight from the state (sheet), and prev
	// shows the same; prev is the agent in the state it was last compared in.
	last       string
	lastDirect bool
	prev       agentAt
	seen       bool
}

// grid writes the T-accounts of the shown agents in sv; activeOnly leaves
// the defaulted ones out (and the note says so). A sheet equal to the
// agent's last one written is written as [id]: known equal without building
// it when the agent and its instruments are unchanged since (prev), else by
// comparing its encoding with the last one (last).
func (w *dataWriter) grid(sv *engine.StateView, activeOnly bool) {
	j, one := w.j, w.one
	if w.shown == nil {
		w.shown = make([]shownAgent, len(w.f.shown))
		first := make(map[string]int, len(w.f.shown))
		for i, id := range w.f.shown {
			k, dup := first[id]
			if !dup {
				k, first[id] = i, i
			}
			w.shown[i] = shownAgent{id: id, pos: -1, same: k}
		}
	}
	ix := w.index(sv)
	avs := w.avs[:0]
	var hidden, missing []string
	for i := range w.shown {
		s := &w.shown[i]
		var av *engine.AgentView
		if s.pos >= 0 && s.pos < len(sv.Agents) && sv.Agents[s.pos].ID == s.id {
			av = &sv.Agents[s.pos]
		} else if s.pos = ix.agentIndex(s.id); s.pos >= 0 {
			av = &sv.Agents[s.pos]
		}
		avs = append(avs, av)
		switch {
		case av == nil:
			missing = append(missing, s.id)
		case activeOnly && av.Defaulted:
			hidden = append(hidden, s.id)
		}
	}
	w.avs = avs
	j.arr()
	j.istr(gridNote(hidden, missing))
	j.arr()
	for i, av := range avs {
		if av == nil || activeOnly && av.Defaulted {
			continue
		}
		s := &w.shown[w.shown[i].same]
		cur := agentAt{ix, av}
		if s.seen && sameAgent(s.prev, cur) {
			s.prev = cur
			j.strs(s.id)
			continue
		}
		prev, seen := s.prev, s.seen
		s.prev, s.seen = cur, true
		if w.direct(ix, av) {
			// Written straight from the state: compared with the
			// state last compared (shown as the sheet last written) by
			// what the sheet shows, without writing it twice.
			if seen && s.lastDirect && sameSheet(prev, cur) {
				j.strs(s.id)
				continue
			}
			s.last, s.lastDirect = "", true
			w.sheet(j, av)
			continue
		}
		one.b = one.b[:0] // the sheet not interned, to compare
		t := buildTAccount(ix, av)
		writeSheet(one, &t)
		if !s.lastDirect && s.last == string(one.b) { // compared without a copy
			j.strs(s.id)
			continue
		}
		s.last, s.lastDirect = string(one.b), false
		writeSheet(j, &t)
	}
	j.endArr()
	j.endArr()
}

// direct reports whether av's T-account can be written straight from the
// state (sheet): an agent of financial instruments only, with sides short
// enough to list every one. It leaves them in w.cs for sheet, each side
// ended by a nil.
func (w *dataWriter) direct(ix *stateIndex, av *engine.AgentView) bool {
	if len(av.StockIDs) > 0 || len(av.AssetIDs) > sideLinesMax || len(av.LiabilityIDs) > sideLinesMax {
		return false
	}
	cs := w.cs[:0]
	for _, ids := range [2][]string{av.AssetIDs, av.LiabilityIDs} {
		for _, id := range ids {
			if c := ix.contract(id); c != nil {
				if !c.Financial() {
					return false
				}
				cs = append(cs, c)
			}
		}
		cs = append(cs, nil) // the end of a side
	}
	w.cs = cs
	return true
}

// sameSheet says whether two agents whose T-accounts are written straight
// from their states (direct) show the same sheet: the same agent, default
// and, side by side, instruments of the same kind, party, due day and
// amount (an Amount compares by representation: equal ones may be missed,
// and the sheet is then written again).
func sameSheet(a, b agentAt) bool {
	x, y := a.av, b.av
	if x.ID != y.ID || x.Defaulted != y.Defaulted {
		return false
	}
	for side, ids := range [2][2][]string{{x.AssetIDs, y.AssetIDs}, {x.LiabilityIDs, y.LiabilityIDs}} {
		p, q := ids[0], ids[1]
		for {
			var c, d *engine.ContractView
			for c == nil && len(p) > 0 {
				c, p = a.ix.contract(p[0]), p[1:]
			}
			for d == nil && len(q) > 0 {
				d, q = b.ix.contract(q[0]), q[1:]
			}
			if c == nil || d == nil {
				if c != d {
					return false
				}
				break
			}
			if c.Kind != d.Kind || c.HasDueDay != d.HasDueDay || c.HasDueDay && c.DueDay != d.DueDay || c.Amount != d.Amount ||
				side == 0 && c.Issuer != d.Issuer || side == 1 && c.Holder != d.Holder {
				return false
			}
		}
	}
	return true
}

// sheet writes av's T-account as writeSheet(buildTAccount(ix, av)) does,
// straight from the state, for an agent that direct has just accepted
// (its instruments in w.cs).
func (w *dataWriter) sheet(j *jsonBuf, av *engine.AgentView) {
	cs := w.cs
	j.arr()
	j.str(av.ID)
	j.flag(av.Defaulted)
	var total [2]pynum.Amount
	for side := range 2 {
		fin := w.fin[:0]
		j.arr()
		for ; cs[0] != nil; cs = cs[1:] {
			c := cs[0]
			fin = append(fin, c.Amount)
			party := c.Issuer // an asset's
			if side == 1 {
				party = c.Holder // a liability's
			}
			w.scratch = w.scratch[:0]
			if c.HasDueDay {
				w.scratch = strconv.AppendInt(append(w.scratch, 'd'), c.DueDay, 10)
			}
			due := len(w.scratch)
			w.scratch = appendAmountText(w.scratch, c.Amount)
			j.arr()
			j.istr(c.Kind)
			j.istr(party)
			j.inum(w.scratch[:due])
			j.inum(w.scratch[due:])
			j.endArr()
		}
		cs = cs[1:]
		j.endArr()
		total[side] = pynum.Sum(fin...)
		w.fin = fin
	}
	net := pynum.Sub(total[0], total[1])
	for _, a := range [...]pynum.Amount{total[0], total[1], net} {
		w.scratch = appendAmountText(w.scratch[:0], a)
		j.numText(w.scratch)
	}
	j.endArr()
}

// appendAmountText appends amountText(a).
func appendAmountText(dst []byte, a pynum.Amount) []byte {
	at := len(dst)
	dst = pynum.AppendAmountJSON(dst, a)
	if n := len(dst); dst[at] == '"' { // a decimal's text, quoted
		copy(dst[at:], dst[at+1:n-1])
		dst = dst[:n-2]
	}
	return dst
}

func writeSheet(j *jsonBuf, t *tAccount) {
	j.arr()
	j.str(t.ID)
	j.flag(t.Defaulted)
	writeLinesData(j, t.Assets.Lines)
	writeLinesData(j, t.Liabs.Lines)
	j.str(t.Assets.Total)
	j.str(t.Liabs.Total)
	j.str(t.Net)
	if len(t.Assets.All) > 0 || len(t.Liabs.All) > 0 {
		writeLinesData(j, t.Assets.All)
		writeLinesData(j, t.Liabs.All)
	}
	j.endArr()
}

func writeLinesData(j *jsonBuf, lines []sheetLine) {
	j.arr()
	for _, l := range lines {
		j.istrs(l.Kind, l.Party, l.Due, l.Amount)
	}
	j.endArr()
}

// writeDealerData writes the dealer's trades per day and each bucket's
// inventory over the days.
func writeDealerData(j *jsonBuf, st *dealer.State) {
	j.key("dl")
	j.obj()
	j.key("t")
	j.arr()
	for i := 0; i < len(st.Trades); {
		day, buys, sells := st.Trades[i].Day, 0, 0
		for ; i < len(st.Trades) && st.Trades[i].Day == day; i++ {
			if st.Trades[i].Side == dealer.Buy {
				buys++
			} else {
				sells++
			}
		}
		j.arr()
		j.int(day)
		j.int(buys)
		j.int(sells)
		j.endArr()
	}
	j.endArr()
	j.key("inv")
	j.arr()
	for _, m := range st.Markets {
		name := m.Bucket.Name
		j.arr()
		j.str(name)
		j.arr()
		for _, s := range st.Instruments.Buckets {
			if s.Bucket == name {
				j.arr()
				j.int(s.Day)
				j.int(s.Inventory)
				j.endArr()
			}
		}
		j.endArr()
		j.endArr()
	}
	j.endArr()
	j.endObj()
}
