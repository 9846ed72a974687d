package metrics

import (
	"slices"
	"strings"

	"github.com/bilancio-go/bilancio/internal/pynum"
)

// position is an agent's F (owed), I (receivable), n = I - F and shortfall
// max(0, F - I) for one day.
type position struct {
	agent          string
	f, i, n, short pynum.Amount
}

// dayWork is what ComputeDays carries from one day to the next: the money
// stock and scratch space that is reset, not reallocated, for every day.
type dayWork struct {
	money *pynum.Amount // M_t, nil without balances
	m     pynum.Amount  // money as an Amount

	index  map[string]int // agent → its entry in nets
	nets   []position
	ids    map[string]bool // the day's payable ids and aliases
	slot   map[string]int  // agent → its entry in deltas
	deltas []pynum.Amount  // intraday net outflows, in first-touch order
	whole  []int64         // the same, for replayWhole

	out decimals
}

// decZero is Python's Decimal('0').
func decZero() pynum.Amount { return pynum.Dec(0, 0) }

// decOne is Python's Decimal('1').
func decOne() pynum.Amount { return pynum.Dec(1, 0) }

// maxZero returns Python's max(Decimal("0"), x).
func maxZero(x pynum.Amount) pynum.Amount {
	if x.Sign() > 0 {
		return x
	}
	return decZero()
}

// addDay appends day t's row, debtor shares and intraday steps to r.
func (r *Report) addDay(t int, dues []due, settled []settlement, w *dayWork) {
	row := DayRow{Day: t}
	nets := w.positions(dues)

	// Sizes.
	mbar := decZero()
	for _, p := range nets {
		mbar = pynum.Add(mbar, p.short)
	}
	s := decZero()
	for _, d := range dues {
		s = pynum.Add(s, d.amount)
	}
	row.S, row.Mbar = w.out.of(s), w.out.of(mbar)

	// On-time settlement.
	if s.Sign() != 0 {
		phi := pynum.Quo(w.onTime(dues, settled), s)
		row.Phi, row.Delta = w.out.of(phi), w.out.of(pynum.Sub(decOne(), phi))
	}

	// Intraday replay.
	gross, peak := r.replay(t, settled, w)
	row.Mpeak, row.GrossSettled = w.out.of(peak), w.out.of(gross)
	if !peak.IsZero() {
		row.V = w.out.of(pynum.Quo(gross, peak))
	}

	// Concentration and shortfall shares.
	if h, ok := hhiPlus(nets); ok {
		row.HHIPlus = w.out.of(h)
	}
	denom := mbar // the sum of the shortfalls
	for _, p := range nets {
		var share *pynum.Amount
		if !denom.IsZero() {
			share = w.out.of(pynum.Quo(p.short, denom))
		}
		r.DebtorShares = append(r.DebtorShares, DSRow{Day: t, Agent: p.agent, DS: share})
	}
	for _, p := range nets {
		if pynum.Cmp(p.f, p.i) > 0 {
			row.NDebtors++
		}
		if p.n.Sign() > 0 {
			row.NCreditors++
		}
	}

	if w.money != nil {
		row.M = w.money
		row.G = w.out.of(maxZero(pynum.Sub(mbar, w.m)))
	}
	if s.Sign() != 0 {
		row.Alpha = w.out.of(pynum.Sub(decOne(), pynum.Quo(mbar, s)))
	}

	noCreditors := row.HHIPlus == nil
	noDebtors := denom.IsZero() // every share is None (also when the day has no agents)
	switch {
	case noCreditors && noDebtors:
		row.Notes = "no net creditors, no net debtors"
	case noCreditors:
		row.Notes = "no net creditors"
	case noDebtors:
		row.Notes = "no net debtors"
	}
	r.Days = append(r.Days, row)
}

// positions returns the net positions of the agents appearing in dues, in
// sorted agent order; the slice is reused by the next day.
func (w *dayWork) positions(dues []due) []position {
	if w.index == nil {
		w.index = map[string]int{}
	}
	clear(w.index)
	w.nets = w.nets[:0]
	at := func(agent string) *position {
		k, ok := w.index[agent]
		if !ok {
			k = len(w.nets)
			w.index[agent] = k
			w.nets = append(w.nets, position{agent: agent, f: decZero(), i: decZero()})
		}
		return &w.nets[k]
	}
	for _, d := range dues {
		if d.debtor != "" {
			p := at(d.debtor)
			p.f = pynum.Add(p.f, d.amount)
		}
		if d.creditor != "" {
			p := at(d.creditor)
			p.i = pynum.Add(p.i, d.amount)
		}
	}
	slices.SortFunc(w.nets, func(a, b position) int { return strings.Compare(a.agent, b.agent) })
	for k := range w.nets {
		p := &w.nets[k]
		p.n = pynum.Sub(p.i, p.f)
		p.short = maxZero(pynum.Sub(p.f, p.i))
	}
	return w.nets
}

// onTime returns the sum of the settled amounts whose payable id or alias is
// one of the dues'.
func (w *dayWork) onTime(dues []due, settled []settlement) pynum.Amount {
	if w.ids == nil {
		w.ids = map[string]bool{}
	}
	clear(w.ids)
	for _, d := range dues {
		if d.pid != "" {
			w.ids[d.pid] = true
		}
		if d.alias != "" {
			w.ids[d.alias] = true
		}
	}
	num := decZero()
	for _, s := range settled {
		if (s.id != "" && w.ids[s.id]) || (s.alias != "" && w.ids[s.alias]) {
			num = pynum.Add(num, s.amount)
		}
	}
	return num
}

// replay walks the day's settlements in log order, skipping zero amounts, and
// appends a step row after each: payer and payee move the amount between
// their net outflows, and the prefix P is the sum of the positive ones (agents
// in first-touch order). It returns the gross settled and the peak P.
func (r *Report) replay(t int, settled []settlement, w *dayWork) (gross, peak pynum.Amount) {
	if g, p, ok := r.replayWhole(t, settled, w); ok {
		return g, p
	}
	return r.replayDecimal(t, settled, w)
}

// replayWhole is replay for a day whose amounts are all whole numbers of
// exponent 0 (a ring's payables are ints) and small enough for their sums
// to fit an int64: then every Decimal sum replay makes is exact, whatever
// its order, and its exponent is 0, so the prefix P can be kept up to date
// by the change of the two agents a step moves instead of summed again over
// every agent touched so far (quadratic in the ring's size). It gives
// replayDecimal's rows exactly (FuzzReplay); ok is false, with nothing
// appended, for any other day.
func (r *Report) replayWhole(t int, settled []settlement, w *dayWork) (gross, peak pynum.Amount, ok bool) {
	const limit = 1 << 60
	var total int64
	for _, s := range settled {
		a, ok := s.amount.Whole()
		if !ok || a > limit || a < -limit {
			return gross, peak, false
		}
		if total += max(a, -a); total > limit {
			return gross, peak, false
		}
	}
	if w.slot == nil {
		w.slot = map[string]int{}
	}
	clear(w.slot)
	w.whole = w.whole[:0]
	move := func(agent string, by int64, p int64) int64 {
		k, ok := w.slot[agent]
		if !ok {
			k = len(w.whole)
			w.slot[agent] = k
			w.whole = append(w.whole, 0)
		}
		old := w.whole[k]
		w.whole[k] += by
		return p - max(old, 0) + max(w.whole[k], 0)
	}
	var g, p, pk int64
	step := 0
	for _, s := range settled {
		a, _ := s.amount.Whole()
		if a == 0 {
			continue
		}
		if s.payer != "" {
			p = move(s.payer, a, p)
		}
		if s.payee != "" {
			p = move(s.payee, -a, p)
		}
		g += a
		pk = max(pk, p)
		step++
		r.Intraday = append(r.Intraday, StepRow{Day: t, Step: step, Payer: s.payer, Payee: s.payee,
			Amount: w.out.of(s.amount), PPrefix: w.out.of(pynum.Dec(p, 0))})
	}
	return pynum.Dec(g, 0), pynum.Dec(pk, 0), true
}

// replayDecimal is replay in Decimal arithmetic, as bilancio does it.
func (r *Report) replayDecimal(t int, settled []settlement, w *dayWork) (gross, peak pynum.Amount) {
	if w.slot == nil {
		w.slot = map[string]int{}
	}
	clear(w.slot)
	w.deltas = w.deltas[:0]
	slot := func(agent string) *pynum.Amount {
		k, ok := w.slot[agent]
		if !ok {
			k = len(w.deltas)
			w.slot[agent] = k
			w.deltas = append(w.deltas, decZero())
		}
		return &w.deltas[k]
	}
	gross, peak = decZero(), decZero()
	step := 0
	for _, s := range settled {
		if s.amount.IsZero() {
			continue
		}
		if s.payer != "" {
			d := slot(s.payer)
			*d = pynum.Add(*d, s.amount)
		}
		if s.payee != "" {
			d := slot(s.payee)
			*d = pynum.Sub(*d, s.amount)
		}
		gross = pynum.Add(gross, s.amount)
		p := decZero()
		for _, d := range w.deltas {
			p = pynum.Add(p, maxZero(d))
		}
		if pynum.Cmp(p, peak) > 0 {
			peak = p
		}
		step++
		r.Intraday = append(r.Intraday, StepRow{Day: t, Step: step, Payer: s.payer, Payee: s.payee,
			Amount: w.out.of(s.amount), PPrefix: w.out.of(p)})
	}
	return gross, peak
}

// hhiPlus returns HHIplus_t, the sum over the net creditors of the square of
// their share of the net credit, and false when there is none (or the net
// credit is zero).
func hhiPlus(nets []position) (pynum.Amount, bool) {
	s := decZero()
	havePos := false
	for _, p := range nets {
		if p.n.Sign() > 0 {
			s = pynum.Add(s, p.n)
			havePos = true
		}
	}
	if !havePos || s.IsZero() {
		return pynum.Amount{}, false
	}
	h := decZero()
	for _, p := range nets {
		if p.n.Sign() > 0 {
			h = pynum.Add(h, pynum.Square(pynum.Quo(p.n, s)))
		}
	}
	return h, true
}
