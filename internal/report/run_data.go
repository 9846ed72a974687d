package report

import (
	"slices"

	"github.com/bilancio-go/bilancio/internal/dealer"
	"github.com/bilancio-go/bilancio/internal/engine"
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
//	an:    [[id, name, kind, status, assets, liabilities, net worth, defaulted 0/1], ...]
//	       the agents, with their final positions
//	open:  1 when the day sections start open
//	m:     [[day, S, Mpeak, gross settled, φ, δ], ...] the day metrics
//	tot:   [φ total, δ total], when there are metrics
//	setup: [event, ...]                            the setup events
//	ss:    sheets after setup    (a sheet grid, see below)
//	days:  [[day, stop, [[phase, [event, ...]] or phase, ...], grid], ...] (phase: see phaseStart)
//	fin:   the final sheets, when no daily snapshot was kept
//	dl:    {t: [[day, buys, sells], ...], inv: [[bucket, [[day, inventory], ...]], ...]}
//
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

// runData is the JSON document of run.html.
func runData(p *runPage, res *engine.Result, f *runFacts, log *splitLog, open bool) []byte {
	j := &jsonBuf{b: make([]byte, 0, 1024+160*len(res.Events())), first: make([]bool, 0, 16)}
	one := &jsonBuf{plain: true, first: make([]bool, 0, 16)} // a sheet, to compare
	j.obj()
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
	if open {
		j.key("open")
		j.int(1)
	}
	j.key("setup")
	writeEventRows(j, log.setup)
	last := map[string]string{} // agent id -> its last sheet's encoding
	prev := map[string]agentAt{}
	if len(res.Snapshots) > 0 {
		j.key("ss")
		writeGrid(j, one, &res.Snapshots[0], f.shown, false, last, prev)
	}
	j.key("days")
	j.arr()
	for i, dd := range log.days {
		j.arr()
		j.int(dd.day)
		stop := ""
		isLast := i == len(log.days)-1
		if isLast && (res.Stop == engine.StopDefault || res.Stop == engine.StopAllDefaulted) {
			stop = res.StopMessage
		}
		j.str(stop)
		j.arr()
		for _, g := range dd.groups {
			if len(g.events) == 0 { // a phase without events: its number alone
				j.int(g.Phase)
				continue
			}
			j.arr()
			j.int(g.Phase)
			writeEventRows(j, g.events)
			j.endArr()
		}
		j.endArr()
		// The state after day d is the snapshot after the (d+1)-th run_day.
		var sv *engine.StateView
		if k := dd.day + 1; k < len(res.Snapshots) {
			sv = &res.Snapshots[k]
		} else if isLast && len(res.Snapshots) > 0 {
			sv = res.Final()
		}
		if sv != nil {
			writeGrid(j, one, sv, f.shown, true, last, prev)
		}
		j.endArr()
	}
	j.endArr()
	if len(res.Snapshots) == 0 {
		j.key("fin")
		writeGrid(j, one, res.Final(), f.shown, false, last, prev)
	}
	if res.Dealer != nil && res.Dealer.State != nil {
		writeDealerData(j, res.Dealer.State)
	}
	j.endObj()
	return j.b
}

// writeEventRows writes events as rows of the event table.
func writeEventRows(j *jsonBuf, events []engine.Event) {
	j.arr()
	var cells []string
	for i := range events {
		r := row(&events[i])
		cells = append(cells[:0], r.Kind, r.From, r.To, r.Amount, r.ID, r.Alias)
		for _, kv := range r.Extra {
			cells = append(cells, kv.K, kv.V)
		}
		j.istrs(cells...)
	}
	j.endArr()
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

// writeGrid writes the T-accounts of the shown agents in sv; activeOnly
// leaves the defaulted ones out (and the note says so). A sheet equal to
// the agent's last one written is written as [id]: known equal without
// building it when the agent and its instruments are unchanged since
// (prev), else by comparing its encoding with the last one (last).
func writeGrid(j, one *jsonBuf, sv *engine.StateView, shown []string, activeOnly bool, last map[string]string, prev map[string]agentAt) {
	ix := indexState(sv)
	var hidden, missing []string
	for _, id := range shown {
		switch av := ix.agent(id); {
		case av == nil:
			missing = append(missing, id)
		case activeOnly && av.Defaulted:
			hidden = append(hidden, id)
		}
	}
	j.arr()
	j.istr(gridNote(hidden, missing))
	j.arr()
	for _, id := range shown {
		av := ix.agent(id)
		if av == nil || activeOnly && av.Defaulted {
			continue
		}
		cur := agentAt{ix, av}
		if p, ok := prev[id]; ok && sameAgent(p, cur) {
			prev[id] = cur
			j.strs(id)
			continue
		}
		prev[id] = cur
		t := buildTAccount(ix, av)
		one.b = one.b[:0]
		writeSheet(one, &t)            // not interned, to compare
		if last[id] == string(one.b) { // compared without a copy
			j.strs(id)
			continue
		}
		last[id] = string(one.b)
		writeSheet(j, &t)
	}
	j.endArr()
	j.endArr()
}

func writeSheet(j *jsonBuf, t *tAccount) {
	j.arr()
	j.str(t.ID)
	if t.Defaulted {
		j.int(1)
	} else {
		j.int(0)
	}
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
