package metrics

import (
	"slices"

	"github.com/bilancio-go/bilancio/internal/engine"
	"github.com/bilancio-go/bilancio/internal/pynum"
)

// DayRow is one row of metrics.csv / metrics.json (spec §7.2). A nil decimal
// is Python's None. Day, NDebtors and NCreditors are Python ints; every other
// number is a Decimal.
type DayRow struct {
	Day          int
	S            *pynum.Amount // S_t: total dues
	Mbar         *pynum.Amount // Mbar_t: minimum net liquidity
	M            *pynum.Amount // M_t: money stock; nil without balances
	G            *pynum.Amount // G_t: liquidity gap; nil without balances
	Alpha        *pynum.Amount // alpha_t: netting potential; nil if S_t = 0
	Mpeak        *pynum.Amount // Mpeak_t: intraday RTGS peak
	GrossSettled *pynum.Amount // gross_settled_t
	V            *pynum.Amount // v_t: velocity; nil if Mpeak_t = 0
	Phi          *pynum.Amount // phi_t: on-time settlement ratio; nil if S_t = 0
	Delta        *pynum.Amount // delta_t = 1 - phi_t; nil if S_t = 0
	NDebtors     int
	NCreditors   int
	HHIPlus      *pynum.Amount // HHIplus_t: creditor concentration; nil without net creditors
	Notes        string
}

// DSRow is one row of metrics_ds.csv: an agent's share of the day's
// shortfalls (nil when no agent of the day is a net debtor).
type DSRow struct {
	Day   int
	Agent string
	DS    *pynum.Amount
}

// StepRow is one row of metrics_intraday.csv: a settlement step of the
// intraday replay. Payer and Payee are "" when the event had none (None).
type StepRow struct {
	Day     int
	Step    int
	Payer   string
	Payee   string
	Amount  *pynum.Amount
	PPrefix *pynum.Amount
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
func Analyze(events []engine.Event, money *pynum.Amount) *Report {
	r := ComputeDays(events, money)
	r.Summary = Summarize(r.Days)
	return r
}

// AnalyzeRun is Analyze on the events of res, read once in order without
// building them all (engine.Result.EachEvent). A caller that goes through
// the events itself (to write events.jsonl) gives them to an EventReader
// instead, and reads nothing twice.
func AnalyzeRun(res *engine.Result, money *pynum.Amount) *Report {
	r := NewEventReader(res)
	for e := range res.EachEvent() {
		r.Read(e)
	}
	return r.Analyze(money)
}

// EventReader keeps what the metrics need of a run's events, given one at
// a time in the log's order (each is read when given, nothing of it kept
// but its values): Analyze then computes the metrics, as AnalyzeRun does.
type EventReader struct {
	dues    []due
	settled []settlement
}

// NewEventReader returns an EventReader for the events of res (sized for
// them).
func NewEventReader(res *engine.Result) *EventReader {
	return newEventReader(res.CountEvents("PayableCreated"), res.CountEvents("PayableSettled"))
}

// newEventReader returns an EventReader sized for about nDues payables
// created and nSettled settled.
func newEventReader(nDues, nSettled int) *EventReader {
	return &EventReader{dues: make([]due, 0, nDues), settled: make([]settlement, 0, nSettled)}
}

// Read reads one event.
func (r *EventReader) Read(e *engine.Event) {
	switch e.Kind {
	case "PayableCreated":
		d, ok := intField(e, "due_day")
		if !ok {
			return
		}
		r.dues = append(r.dues, due{
			day:      d,
			debtor:   firstString(e, "debtor", "from"),
			creditor: firstString(e, "creditor", "to"),
			amount:   amountField(e, "amount"),
			pid:      firstString(e, "payable_id", "pid"),
			alias:    firstString(e, "alias"),
		})
	case "PayableSettled":
		r.settled = append(r.settled, settlement{
			day:    e.Day,
			id:     firstString(e, "pid", "contract_id"),
			alias:  firstString(e, "alias"),
			payer:  firstString(e, "debtor", "from"),
			payee:  firstString(e, "creditor", "to"),
			amount: amountField(e, "amount"),
		})
	}
}

// Analyze computes the metrics of the events read, with the money stock
// money (as Analyze), and summarises them.
func (r *EventReader) Analyze(money *pynum.Amount) *Report {
	rep := r.days(money, nil)
	rep.Summary = Summarize(rep.Days)
	return rep
}

// due is one payable falling due, as bilancio's dues_for_day lists it.
type due struct {
	day              int
	debtor, creditor string
	amount           pynum.Amount
	pid, alias       string
}

// settlement is what the metrics read from a PayableSettled event.
type settlement struct {
	day          int
	id, alias    string // the payable's pid (or contract_id) and alias
	payer, payee string
	amount       pynum.Amount
}

// ComputeDays computes the day rows, debtor shares and intraday steps of
// spec §7.2 (bilancio's compute_day_metrics with the inferred day list); the
// returned Report has a zero Summary.
//
// Agent-level sums iterate the agents in sorted id order, where bilancio uses
// Python's per-process set order; only the last digit of HHIplus_t and the row
// order of the debtor shares can depend on it.
//
// The sums are Decimal Amounts, which add the integral amounts of a run
// without allocating and round to 28 digits exactly where Python does.
func ComputeDays(events []engine.Event, money *pynum.Amount) *Report {
	return ComputeDaysOn(events, money, nil)
}

// ComputeDaysOn is ComputeDays on the given metric days (in that order, as
// bilancio's analyze --days lists them); nil or empty infers them.
func ComputeDaysOn(events []engine.Event, money *pynum.Amount, onDays []int) *Report {
	nDues, nSettled := 0, 0
	for i := range events {
		switch events[i].Kind {
		case "PayableCreated":
			nDues++
		case "PayableSettled":
			nSettled++
		}
	}
	r := newEventReader(nDues, nSettled)
	for i := range events {
		r.Read(&events[i])
	}
	return r.days(money, onDays)
}

// days computes the day rows, debtor shares and intraday steps of the
// events read (ComputeDaysOn).
func (rd *EventReader) days(money *pynum.Amount, onDays []int) *Report {
	dues, settled := rd.dues, rd.settled
	// Metric days: the due days, or else the days with a settlement.
	dueDays, duesOn := groupByDay(dues, func(d due) int { return d.day })
	settledDays, settledOn := groupByDay(settled, func(s settlement) int { return s.day })
	days := dueDays
	if len(dues) == 0 {
		days = settledDays
	}
	if len(onDays) > 0 {
		days = onDays
	}
	r := &Report{Days: make([]DayRow, 0, len(days)), Intraday: make([]StepRow, 0, len(settled))}
	w := dayWork{money: money}
	if money != nil {
		w.m = *money
	}
	for _, t := range days {
		r.addDay(t, duesOn(t), settledOn(t), &w)
	}
	return r
}

// groupByDay groups items by day, keeping their order within a day (a stable
// counting sort): it returns the distinct days in increasing order and a
// function giving the items of a day.
//
// A run's days are a short range of small numbers: they are counted in a
// slice over that range; a range wider than denseDays goes through a map
// (groupByDaySparse).
func groupByDay[T any](items []T, day func(T) int) ([]int, func(t int) []T) {
	if len(items) == 0 {
		return nil, func(int) []T { return nil }
	}
	lo, hi := day(items[0]), day(items[0])
	for _, x := range items[1:] {
		d := day(x)
		lo, hi = min(lo, d), max(hi, d)
	}
	if span := hi - lo; span < 0 || span >= denseDays { // < 0: overflowed
		return groupByDaySparse(items, day)
	}
	slot := make([]int, hi-lo+1) // day − lo → count, then 1 + its group (0: no group)
	for _, x := range items {
		slot[day(x)-lo]++
	}
	var days []int
	for i, n := range slot {
		if n > 0 {
			days = append(days, lo+i)
		}
	}
	sorted := make([]T, len(items))
	groups := make([][]T, len(days))
	start := 0
	for k, d := range days {
		n := slot[d-lo]
		groups[k] = sorted[start : start : start+n]
		slot[d-lo] = 1 + k
		start += n
	}
	for _, x := range items {
		k := slot[day(x)-lo] - 1
		groups[k] = append(groups[k], x)
	}
	return days, func(t int) []T {
		if t < lo || t > hi || slot[t-lo] == 0 {
			return nil
		}
		return groups[slot[t-lo]-1]
	}
}

// denseDays is the widest range of days groupByDay counts in a slice.
const denseDays = 1 << 12

// groupByDaySparse is groupByDay through a map, for days spread wide.
func groupByDaySparse[T any](items []T, day func(T) int) ([]int, func(t int) []T) {
	slot := map[int]int{} // day → count, then day → group
	var days []int
	for _, x := range items {
		d := day(x)
		if slot[d] == 0 {
			days = append(days, d)
		}
		slot[d]++
	}
	slices.Sort(days)
	sorted := make([]T, len(items))
	groups := make([][]T, len(days))
	start := 0
	for k, d := range days {
		n := slot[d]
		groups[k] = sorted[start : start : start+n]
		slot[d] = k
		start += n
	}
	for _, x := range items {
		k := slot[day(x)]
		groups[k] = append(groups[k], x)
	}
	return days, func(t int) []T {
		if k, ok := slot[t]; ok {
			return groups[k]
		}
		return nil
	}
}
