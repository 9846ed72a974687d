package metrics

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/bilancio-go/bilancio/internal/engine"
	"github.com/bilancio-go/bilancio/internal/pynum"
)

func created(debtor, creditor string, amount int64, due int64, pid, alias string) engine.Event {
	return engine.Event{Kind: "PayableCreated", Day: 0, Phase: "setup", Fields: []engine.Field{
		{Key: "debtor", Val: engine.Str(debtor)},
		{Key: "creditor", Val: engine.Str(creditor)},
		{Key: "amount", Val: engine.AmountV(pynum.Int(amount))},
		{Key: "due_day", Val: engine.IntV(due)},
		{Key: "payable_id", Val: engine.Str(pid)},
		{Key: "alias", Val: engine.Str(alias)},
	}}
}

func settled(day int, ids []engine.Field, debtor, creditor string, amount engine.Value) engine.Event {
	fields := append(ids,
		engine.Field{Key: "debtor", Val: engine.Str(debtor)},
		engine.Field{Key: "creditor", Val: engine.Str(creditor)},
		engine.Field{Key: "amount", Val: amount})
	return engine.Event{Kind: "PayableSettled", Day: day, Phase: "simulation", Fields: fields}
}

func ids(pid, contractID, alias string) []engine.Field {
	var f []engine.Field
	if pid != "-" {
		f = append(f, engine.Field{Key: "pid", Val: engine.Str(pid)})
	}
	if contractID != "-" {
		f = append(f, engine.Field{Key: "contract_id", Val: engine.Str(contractID)})
	}
	return append(f, engine.Field{Key: "alias", Val: engine.Str(alias)})
}

func str(d *pynum.Amount) string {
	if d == nil {
		return "None"
	}
	return d.String()
}

// dp returns a new Decimal coef·10^exp.
func dp(coef int64, exp int32) *pynum.Amount {
	a := pynum.Dec(coef, exp)
	return &a
}

// The expected values are bilancio's compute_day_metrics and
// summarize_day_metrics on the same events, printed with str().
func TestAnalyze(t *testing.T) {
	events := []engine.Event{
		created("A", "B", 30, 1, "PAY_a", "P_A_B"),
		created("B", "C", 50, 1, "PAY_b", "P_B_C"),
		created("C", "A", 20, 1, "PAY_c", "P_C_A"),
		created("D", "A", 7, 2, "PAY_d", "P_D_A"),
		created("A", "D", 7, 2, "PAY_e", "P_A_D"),
		created("C", "B", 3, 3, "PAY_f", "P_C_B"),
		{Kind: "PhaseA", Day: 1, Phase: "simulation"},
		settled(1, ids("PAY_b", "PAY_b", "P_B_C"), "B", "C", engine.IntV(50)),
		settled(1, ids("PAY_a", "PAY_a", "P_A_B"), "A", "B", engine.IntV(0)),             // skipped
		settled(1, ids("-", "-", "P_C_A"), "C", "A", engine.AmountV(pynum.Dec(200, -1))), // matched by alias; 20.0 is written 20
		settled(2, ids("PAY_d", "PAY_d", "P_D_A"), "D", "A", engine.IntV(7)),
		settled(3, ids("PAY_x", "PAY_x", "P_x"), "B", "C", engine.Str("12.5")), // late: not in dues
		settled(3, ids("", "PAY_f", "zzz"), "C", "B", engine.IntV(3)),          // matched by contract_id
	}
	money := MoneyStockText([]map[string]string{
		{"agent_id": "A", "assets_cash": "100.5", "item_type": ""},
		{"agent_id": "B", "assets_cash": "36", "assets_bank_deposit": "0.25"},
		{"agent_id": "SYSTEM", "assets_cash": "999"},
		{"agent_id": "SYSTEM", "item_type": "summary", "assets_cash": "5"},
	})
	r := Analyze(events, money)

	type day struct {
		day                                               int
		S, Mbar, M, G, alpha, Mpeak, gross, v, phi, delta string
		nd, nc                                            int
		hhi, notes                                        string
	}
	want := []day{
		{1, "100", "30", "136.75", "0", "0.7", "50", "70", "1.4", "0.7", "0.3", 2, 1, "1", ""},
		{2, "14", "0", "136.75", "0", "1", "7", "7", "1", "0.5", "0.5", 0, 0, "None", "no net creditors, no net debtors"},
		{3, "3", "3", "136.75", "0", "0", "12.5", "15.5", "1.24", "1", "0", 1, 1, "1", ""},
	}
	if len(r.Days) != len(want) {
		t.Fatalf("%d day rows, want %d", len(r.Days), len(want))
	}
	for i, w := range want {
		g := r.Days[i]
		got := day{g.Day, str(g.S), str(g.Mbar), str(g.M), str(g.G), str(g.Alpha), str(g.Mpeak), str(g.GrossSettled),
			str(g.V), str(g.Phi), str(g.Delta), g.NDebtors, g.NCreditors, str(g.HHIPlus), g.Notes}
		if got != w {
			t.Errorf("day %d:\n got  %+v\n want %+v", w.day, got, w)
		}
	}

	wantDS := map[[2]any]string{
		{1, "B"}: "0.6666666666666666666666666667", {1, "A"}: "0.3333333333333333333333333333", {1, "C"}: "0",
		{2, "D"}: "None", {2, "A"}: "None", {3, "B"}: "0", {3, "C"}: "1",
	}
	if len(r.DebtorShares) != len(wantDS) {
		t.Errorf("%d debtor shares, want %d", len(r.DebtorShares), len(wantDS))
	}
	for _, ds := range r.DebtorShares {
		if w := wantDS[[2]any{ds.Day, ds.Agent}]; str(ds.DS) != w {
			t.Errorf("DS day %d agent %s = %s, want %s", ds.Day, ds.Agent, str(ds.DS), w)
		}
	}

	wantSteps := []StepRow{
		{1, 1, "B", "C", dp(50, 0), dp(50, 0)},
		{1, 2, "C", "A", dp(20, 0), dp(50, 0)},
		{2, 1, "D", "A", dp(7, 0), dp(7, 0)},
		{3, 1, "B", "C", dp(125, -1), dp(125, -1)},
		{3, 2, "C", "B", dp(3, 0), dp(95, -1)},
	}
	if len(r.Intraday) != len(wantSteps) {
		t.Fatalf("%d steps, want %d", len(r.Intraday), len(wantSteps))
	}
	for i, w := range wantSteps {
		g := r.Intraday[i]
		if g.Day != w.Day || g.Step != w.Step || g.Payer != w.Payer || g.Payee != w.Payee || str(g.Amount) != str(w.Amount) || str(g.PPrefix) != str(w.PPrefix) {
			t.Errorf("step %d: got %v %v %v %v %v %v, want %+v", i, g.Day, g.Step, g.Payer, g.Payee, str(g.Amount), str(g.PPrefix), w)
		}
	}

	s := r.Summary
	gotSum := []string{str(s.PhiTotal), str(s.DeltaTotal), str(s.MaxG), str(s.Alpha1), str(s.Mpeak1), str(s.V1), str(s.HHIPlus1)}
	wantSum := []string{"0.6837606837606837606837606838", "0.3162393162393162393162393162", "0", "0.7", "50", "1.4", "1"}
	for i := range wantSum {
		if gotSum[i] != wantSum[i] {
			t.Errorf("summary value %d = %s, want %s", i, gotSum[i], wantSum[i])
		}
	}
	if s.MaxDay != 3 {
		t.Errorf("MaxDay = %d, want 3", s.MaxDay)
	}
}

func TestAnalyzeWithoutBalancesOrDues(t *testing.T) {
	// No PayableCreated: the days are those with a PayableSettled.
	events := []engine.Event{
		settled(2, ids("P1", "P1", "a"), "X", "Y", engine.IntV(5)),
	}
	r := Analyze(events, nil)
	if len(r.Days) != 1 || r.Days[0].Day != 2 {
		t.Fatalf("days = %+v", r.Days)
	}
	d := r.Days[0]
	if d.M != nil || d.G != nil || d.Alpha != nil || d.Phi != nil || d.Delta != nil || d.HHIPlus != nil {
		t.Errorf("expected None values, got %+v", d)
	}
	if d.Notes != "no net creditors, no net debtors" || str(d.Mpeak) != "5" || str(d.S) != "0" {
		t.Errorf("row = %+v", d)
	}
	if r.Summary.PhiTotal != nil || r.Summary.MaxG != nil || r.Summary.MaxDay != 2 {
		t.Errorf("summary = %+v", r.Summary)
	}
	if r := Analyze(nil, dp(5, 0)); len(r.Days) != 0 || r.Summary.MaxDay != 0 || r.Summary.PhiTotal != nil {
		t.Errorf("empty log: %+v", r)
	}
}

// The run comparison_control_00b2d850311d of spec §7.4: ten days of S_t and
// on-time settled amounts give the registry's phi_total and delta_total.
func TestSummarizeSpecExamples(t *testing.T) {
	tests := []struct {
		name        string
		days        []int
		s, num      []int64
		phi, delta  string
		wantPhiDays []string
	}{
		{
			name: "comparison_control_00b2d850311d",
			days: []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10},
			s:    []int64{619, 1093, 711, 693, 772, 1517, 1363, 860, 1114, 1209},
			num:  []int64{77, 93, 123, 136, 78, 109, 49, 137, 50, 236},
			phi:  "0.1093357451512410812983619737", delta: "0.8906642548487589187016380263",
			wantPhiDays: []string{"0.1243941841680129240710823910", "0.08508691674290942360475754803", "0.1729957805907172995780590717",
				"0.1962481962481962481962481962", "0.1010362694300518134715025907", "0.07185234014502307185234014502",
				"0.03595011005135730007336757153", "0.1593023255813953488372093023", "0.04488330341113105924596050269",
				"0.1952026468155500413564929694"},
		},
		{
			name: "comparison_control_cfaff51bb13b",
			days: []int{1, 3, 5, 7, 9},
			s:    []int64{1721, 2352, 2135, 1591, 2157},
			num:  []int64{114, 89, 79, 257, 151},
			phi:  "0.06930494174367215749296906388", delta: "0.9306950582563278425070309361",
			wantPhiDays: []string{"0.06624055781522370714700755375", "0.03784013605442176870748299320", "0.03700234192037470725995316159",
				"0.1615336266499057196731615336", "0.07000463606861381548446917014"},
		},
	}
	for _, tt := range tests {
		var rows []DayRow
		for i, d := range tt.days {
			s := dp(tt.s[i], 0)
			phi := pynum.Quo(pynum.Dec(tt.num[i], 0), *s)
			if got := phi.String(); got != tt.wantPhiDays[i] {
				t.Errorf("%s day %d: phi_t = %s, want %s", tt.name, d, got, tt.wantPhiDays[i])
			}
			delta := pynum.Sub(pynum.Dec(1, 0), phi)
			rows = append(rows, DayRow{Day: d, S: s, Phi: &phi, Delta: &delta})
		}
		sum := Summarize(rows)
		if got := sum.PhiTotal.String(); got != tt.phi {
			t.Errorf("%s: phi_total = %s, want %s", tt.name, got, tt.phi)
		}
		if got := sum.DeltaTotal.String(); got != tt.delta {
			t.Errorf("%s: delta_total = %s, want %s", tt.name, got, tt.delta)
		}
		if sum.MaxDay != tt.days[len(tt.days)-1] {
			t.Errorf("%s: max_day = %d", tt.name, sum.MaxDay)
		}
	}
}

func TestMoneyStockTinyExcess(t *testing.T) {
	var rows []map[string]string
	for range 5 {
		rows = append(rows, map[string]string{"agent_id": "H", "assets_cash": "1250.0"})
	}
	for range 3 {
		rows = append(rows, map[string]string{"agent_id": "big", "assets_cash": "416.6666666666667"})
	}
	rows = append(rows, map[string]string{"agent_id": "CB", "assets_cash": "", "assets_reserve_deposit": "None"})
	if got := MoneyStockText(rows).String(); got != "7500.0000000000001" {
		t.Errorf("M = %s, want 7500.0000000000001", got)
	}
	if got := MoneyStockText(nil).String(); got != "0" {
		t.Errorf("M of no rows = %s, want 0", got)
	}
}

func TestGroupByDay(t *testing.T) {
	type item struct{ day, seq int }
	items := []item{{3, 0}, {1, 1}, {3, 2}, {-2, 3}, {1, 4}, {3, 5}}
	days, on := groupByDay(items, func(x item) int { return x.day })
	if fmt.Sprint(days) != "[-2 1 3]" {
		t.Errorf("days = %v, want [-2 1 3]", days)
	}
	for day, want := range map[int]string{-2: "[{-2 3}]", 1: "[{1 1} {1 4}]", 3: "[{3 0} {3 2} {3 5}]", 2: "[]"} {
		if got := fmt.Sprint(on(day)); got != want {
			t.Errorf("day %d: %s, want %s (log order kept)", day, got, want)
		}
	}
	if days, _ := groupByDay([]item(nil), func(x item) int { return x.day }); len(days) != 0 {
		t.Errorf("days of nothing = %v", days)
	}
}

// TestGroupByDayDenseAsSparse compares groupByDay (days counted in a slice
// when their range is short) with groupByDaySparse (a map) on days close
// together, negative, spread wide and at the ends of int's range.
func TestGroupByDayDenseAsSparse(t *testing.T) {
	type item struct{ day, n int }
	cases := [][]int{
		nil, {0}, {3, 1, 3, 2, 1, 1}, {-2, 5, -2, 0, 5}, {0, denseDays - 1, 7}, {0, denseDays, 7},
		{1 << 40, -(1 << 40), 3}, {math.MaxInt, math.MinInt, 0, math.MaxInt},
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 50 {
		days := make([]int, r.IntN(40))
		for i := range days {
			days[i] = r.IntN(12) - 2
		}
		cases = append(cases, days)
	}
	for _, days := range cases {
		items := make([]item, len(days))
		for i, d := range days {
			items[i] = item{d, i}
		}
		dayOf := func(x item) int { return x.day }
		gotDays, got := groupByDay(items, dayOf)
		wantDays, want := groupByDaySparse(items, dayOf)
		if !slices.Equal(gotDays, wantDays) {
			t.Fatalf("%v: days %v, want %v", days, gotDays, wantDays)
		}
		for _, d := range append(slices.Clone(days), -3, 0, 11, 12, math.MinInt, math.MaxInt) {
			if g, w := got(d), want(d); !slices.Equal(g, w) {
				t.Fatalf("%v: day %d: %v, want %v", days, d, g, w)
			}
		}
	}
}
