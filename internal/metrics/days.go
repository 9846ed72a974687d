package metrics

import (
	"sort"
	"strconv"
	"strings"

	"github.com/bilancio-go/bilancio/internal/engine"
	"github.com/bilancio-go/bilancio/internal/pynum"
	"github.com/cockroachdb/apd/v3"
)

// DayRow is one row of metrics.csv / metrics.json (spec §7.2). A nil decimal
// is Python's None. Day, NDebtors and NCreditors are Python ints; every other
// number is a Decimal.
type DayRow struct {
	Day          int
	S            *apd.Decimal // S_t: total dues
	Mbar         *apd.Decimal // Mbar_t: minimum net liquidity
	M            *apd.Decimal // M_t: money stock; nil without balances
	G            *apd.Decimal // G_t: liquidity gap; nil without balances
	Alpha        *apd.Decimal // alpha_t: netting potential; nil if S_t = 0
	Mpeak        *apd.Decimal // Mpeak_t: intraday RTGS peak
	GrossSettled *apd.Decimal // gross_settled_t
	V            *apd.Decimal // v_t: velocity; nil if Mpeak_t = 0
	Phi          *apd.Decimal // phi_t: on-time settlement ratio; nil if S_t = 0
	Delta        *apd.Decimal // delta_t = 1 - phi_t; nil if S_t = 0
	NDebtors     int
	NCreditors   int
	HHIPlus      *apd.Decimal // HHIplus_t: creditor concentration; nil without net creditors
	Notes        string
}

// DSRow is one row of metrics_ds.csv: an agent's share of the day's
// shortfalls (nil when no agent of the day is a net debtor).
type DSRow struct {
	Day   int
	Agent string
	DS    *apd.Decimal
}

// StepRow is one row of metrics_intraday.csv: a settlement step of the
// intraday replay. Payer and Payee are "" when the event had none (None).
type StepRow struct {
	Day     int
	Step    int
	Payer   string
	Payee   string
	Amount  *apd.Decimal
	PPrefix *apd.Decimal
}

// Report is everything bilancio's compute_day_metrics and
// summarize_day_metrics produce for a run.
type Report struct {
	Days         []DayRow
	DebtorShares []DSRow
	Intraday     []StepRow
	Summary      Summary
}

// Analyze computes the metrics of a run from its event log and its money stock
// (MoneyStock of the final balances; nil when there are no balances, which
// leaves M_t and G_t empty), and summarises them.
func Analyze(events []engine.Event, money *apd.Decimal) *Report {
	r := ComputeDays(events, money)
	r.Summary = Summarize(r.Days)
	return r
}

// due is one payable falling due, as bilancio's dues_for_day lists it.
type due struct {
	debtor, creditor string
	amount           *apd.Decimal
	pid, alias       string
}

// ComputeDays computes the day rows, debtor shares and intraday steps of
// spec §7.2 (bilancio's compute_day_metrics with the inferred day list); the
// returned Report has a zero Summary.
//
// Agent-level sums iterate the agents in sorted id order, where bilancio uses
// Python's per-process set order; only the last digit of HHIplus_t and the row
// order of the debtor shares can depend on it.
func ComputeDays(events []engine.Event, money *apd.Decimal) *Report {
	dues := map[int][]due{}
	settled := map[int][]*engine.Event{}
	var dueDays, settledDays []int
	for i := range events {
		e := &events[i]
		switch e.Kind {
		case "PayableCreated":
			d, ok := intField(e, "due_day")
			if !ok {
				continue
			}
			if _, seen := dues[d]; !seen {
				dueDays = append(dueDays, d)
			}
			dues[d] = append(dues[d], due{
				debtor:   firstString(e, "debtor", "from"),
				creditor: firstString(e, "creditor", "to"),
				amount:   amountField(e, "amount"),
				pid:      firstString(e, "payable_id", "pid"),
				alias:    firstString(e, "alias"),
			})
		case "PayableSettled":
			if _, seen := settled[e.Day]; !seen {
				settledDays = append(settledDays, e.Day)
			}
			settled[e.Day] = append(settled[e.Day], e)
		}
	}
	days := dueDays
	if len(days) == 0 {
		days = settledDays
	}
	sort.Ints(days)

	r := &Report{}
	for _, t := range days {
		r.addDay(t, dues[t], settled[t], money)
	}
	return r
}

// position is an agent's F (owed), I (receivable) and n = I - F for one day.
type position struct{ f, i, n *apd.Decimal }

func zero() *apd.Decimal { return apd.New(0, 0) }

// maxZero returns Python's max(Decimal("0"), x).
func maxZero(x *apd.Decimal) *apd.Decimal {
	if x.Sign() > 0 {
		return x
	}
	return zero()
}

func (r *Report) addDay(t int, dues []due, settled []*engine.Event, money *apd.Decimal) {
	row := DayRow{Day: t}

	// Net positions.
	f, in := map[string]*apd.Decimal{}, map[string]*apd.Decimal{}
	for _, d := range dues {
		if d.debtor != "" {
			f[d.debtor] = pynum.DecAdd(orZero(f[d.debtor]), d.amount)
		}
		if d.creditor != "" {
			in[d.creditor] = pynum.DecAdd(orZero(in[d.creditor]), d.amount)
		}
	}
	agents := make([]string, 0, len(f)+len(in))
	for a := range f {
		agents = append(agents, a)
	}
	for a := range in {
		if f[a] == nil {
			agents = append(agents, a)
		}
	}
	sort.Strings(agents)
	nets := make([]position, len(agents))
	for k, a := range agents {
		p := position{f: orZero(f[a]), i: orZero(in[a])}
		p.n = pynum.DecSub(p.i, p.f)
		nets[k] = p
	}

	// Sizes.
	row.Mbar = zero()
	for _, p := range nets {
		row.Mbar = pynum.DecAdd(row.Mbar, maxZero(pynum.DecSub(p.f, p.i)))
	}
	row.S = zero()
	for _, d := range dues {
		row.S = pynum.DecAdd(row.S, d.amount)
	}

	// On-time settlement.
	if row.S.Sign() != 0 {
		ids := map[string]bool{}
		for _, d := range dues {
			if d.pid != "" {
				ids[d.pid] = true
			}
			if d.alias != "" {
				ids[d.alias] = true
			}
		}
		num := zero()
		for _, e := range settled {
			pid := firstString(e, "pid", "contract_id")
			alias := firstString(e, "alias")
			if (pid != "" && ids[pid]) || (alias != "" && ids[alias]) {
				num = pynum.DecAdd(num, amountField(e, "amount"))
			}
		}
		row.Phi = pynum.DecQuo(num, row.S)
		row.Delta = pynum.DecSub(apd.New(1, 0), row.Phi)
	}

	// Intraday replay.
	var order []string
	delta := map[string]*apd.Decimal{}
	touch := func(a string, x *apd.Decimal, sub bool) {
		cur, ok := delta[a]
		if !ok {
			order = append(order, a)
			cur = zero()
		}
		if sub {
			delta[a] = pynum.DecSub(cur, x)
		} else {
			delta[a] = pynum.DecAdd(cur, x)
		}
	}
	gross, peak := zero(), zero()
	step := 0
	for _, e := range settled {
		amount := amountField(e, "amount")
		payer := firstString(e, "debtor", "from")
		payee := firstString(e, "creditor", "to")
		if amount.IsZero() {
			continue
		}
		if payer != "" {
			touch(payer, amount, false)
		}
		if payee != "" {
			touch(payee, amount, true)
		}
		gross = pynum.DecAdd(gross, amount)
		p := zero()
		for _, a := range order {
			p = pynum.DecAdd(p, maxZero(delta[a]))
		}
		if p.Cmp(peak) > 0 {
			peak = p
		}
		step++
		r.Intraday = append(r.Intraday, StepRow{Day: t, Step: step, Payer: payer, Payee: payee, Amount: amount, PPrefix: p})
	}
	row.Mpeak, row.GrossSettled = peak, gross
	if !peak.IsZero() {
		row.V = pynum.DecQuo(gross, peak)
	}

	// Concentration and shortfall shares.
	s := zero()
	havePos := false
	for _, p := range nets {
		if p.n.Sign() > 0 {
			s = pynum.DecAdd(s, p.n)
			havePos = true
		}
	}
	if havePos && !s.IsZero() {
		h := zero()
		for _, p := range nets {
			if p.n.Sign() > 0 {
				h = pynum.DecAdd(h, pynum.DecSquare(pynum.DecQuo(p.n, s)))
			}
		}
		row.HHIPlus = h
	}
	shorts := make([]*apd.Decimal, len(nets))
	denom := zero()
	for k, p := range nets {
		shorts[k] = maxZero(pynum.DecSub(p.f, p.i))
		denom = pynum.DecAdd(denom, shorts[k])
	}
	for k, a := range agents {
		var share *apd.Decimal
		if !denom.IsZero() {
			share = pynum.DecQuo(shorts[k], denom)
		}
		r.DebtorShares = append(r.DebtorShares, DSRow{Day: t, Agent: a, DS: share})
	}
	for _, p := range nets {
		if p.f.Cmp(p.i) > 0 {
			row.NDebtors++
		}
		if p.n.Sign() > 0 {
			row.NCreditors++
		}
	}

	if money != nil {
		row.M = money
		gap := pynum.DecSub(row.Mbar, money)
		row.G = maxZero(gap)
	}
	if row.S.Sign() != 0 {
		row.Alpha = pynum.DecSub(apd.New(1, 0), pynum.DecQuo(row.Mbar, row.S))
	}

	var notes []string
	if row.HHIPlus == nil {
		notes = append(notes, "no net creditors")
	}
	if denom.IsZero() { // every share is None (also when the day has no agents)
		notes = append(notes, "no net debtors")
	}
	row.Notes = strings.Join(notes, ", ")
	r.Days = append(r.Days, row)
}

func orZero(d *apd.Decimal) *apd.Decimal {
	if d == nil {
		return zero()
	}
	return d
}

// amountField returns an event amount as bilancio's loader and metrics read
// it: Decimal of the value as events.jsonl writes it (an int, or a Decimal
// normalised the way the JSON writer normalises it), a decimal string parsed,
// and 0 when missing, null or unparsable.
func amountField(e *engine.Event, key string) *apd.Decimal {
	v, _ := e.Get(key)
	switch v.Kind {
	case engine.IntValue:
		return apd.New(v.Int, 0)
	case engine.AmountValue:
		text, _ := pynum.AmountJSON(v.Amount)
		if d, ok := parseDecimal(text); ok {
			return d
		}
	case engine.StringValue:
		if d, ok := parseDecimal(v.Str); ok {
			return d
		}
	case engine.BoolValue:
		if v.Bool {
			return apd.New(1, 0)
		}
	}
	return zero()
}

// intField returns Python's int(e[key]) for an int, integral amount or
// integer string, and false when the key is missing or null.
func intField(e *engine.Event, key string) (int, bool) {
	v, _ := e.Get(key)
	switch v.Kind {
	case engine.IntValue:
		return int(v.Int), true
	case engine.AmountValue:
		n, ok := v.Amount.Trunc().Int64()
		return int(n), ok
	case engine.StringValue:
		n, err := strconv.Atoi(strings.TrimSpace(v.Str))
		return n, err == nil
	}
	return 0, false
}

// firstString returns the first of the keys whose value is a non-empty string
// (Python's e.get(a) or e.get(b)), or "".
func firstString(e *engine.Event, keys ...string) string {
	for _, k := range keys {
		if s := e.GetString(k); s != "" {
			return s
		}
	}
	return ""
}
