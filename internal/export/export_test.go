package export

import (
	"slices"
	"strconv"
	"testing"

	"github.com/bilancio-go/bilancio/internal/usage"
)

// TestShareCost checks how the measured cost of an experiment's machines is
// shared among its runs: by duration among the completed runs not made by
// the local executor, equally when none has a duration, not at all for
// mixed currencies or without machines.
func TestShareCost(t *testing.T) {
	cols := runColumns()
	row := func(status, executor, duration string) []string {
		r := make([]string, len(cols))
		for i, c := range cols {
			switch c.name {
			case "status":
				r[i] = status
			case "executor":
				r[i] = executor
			case "duration_ms":
				r[i] = duration
			}
		}
		return r
	}
	usd := func(costs ...float64) []usage.Record {
		var out []usage.Record
		for i, c := range costs {
			out = append(out, usage.Record{SandboxID: "sb-" + strconv.Itoa(i), Cost: c, Currency: "USD"})
		}
		return out
	}
	for _, c := range []struct {
		name     string
		rows     [][]string
		recs     []usage.Record
		want     []string // each row's cost
		currency string
	}{
		{"by duration", [][]string{row("completed", "worker", "30"), row("completed", "worker", "10")}, usd(0.25, 0.75), []string{"0.75", "0.25"}, "USD"},
		{"local and failed runs get none", [][]string{row("completed", "worker", "10"), row("completed", "local", "10"), row("failed", "worker", "")}, usd(1), []string{"1", "", ""}, "USD"},
		{"equal shares without durations", [][]string{row("completed", "worker", ""), row("completed", "worker", "")}, usd(0.5), []string{"0.25", "0.25"}, "USD"},
		{"mixed currencies", [][]string{row("completed", "worker", "10")}, append(usd(1), usage.Record{Cost: 1, Currency: "EUR"}), []string{""}, ""},
		{"no machines", [][]string{row("completed", "worker", "10")}, nil, []string{""}, ""},
	} {
		tab := &table{cols: cols, rows: c.rows}
		shareCost(tab, tab.rows, c.recs, "local")
		cost := slices.IndexFunc(cols, func(x column) bool { return x.name == "cost" })
		for i, r := range tab.rows {
			if r[cost] != c.want[i] || (c.want[i] != "" && r[cost+1] != c.currency) {
				t.Errorf("%s: row %d costs %q %q, want %q %q", c.name, i, r[cost], r[cost+1], c.want[i], c.currency)
			}
		}
	}
}
