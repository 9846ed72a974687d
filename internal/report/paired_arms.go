package report

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// The arms of a paired sweep on its dashboard: where and when each ran,
// and, for an arm run on a remote executor, what its sandboxes measured
// and cost.

// PairedArm is one arm's experiment as its folder tells.
type PairedArm struct {
	// Name is the arm's folder: control, treatment, passive or active.
	Name string
	// Executor is the executor plugin of the arm's experiment.json
	// (local, modal …), empty when the arm has none.
	Executor string
	// Started and Finished are experiment.json's created and updated
	// times (the arm's runner rewrites it as it ends), zero when unknown;
	// Finished is zero while the arm runs.
	Started, Finished time.Time
	// Running says a bilancio process was running the arm when the page
	// was written.
	Running bool
	// Usage is what the arm's sandboxes measured, nil when it ran none.
	Usage *PairedUsage
}

// Elapsed is the time from Started to Finished, 0 when either is unknown
// or they are out of order.
func (a *PairedArm) Elapsed() time.Duration {
	if a.Started.IsZero() || a.Finished.IsZero() || a.Finished.Before(a.Started) {
		return 0
	}
	return a.Finished.Sub(a.Started)
}

// PairedUsage is the measured usage of an arm's sandboxes (the totals of
// its usage.csv).
type PairedUsage struct {
	Sandboxes      int
	SandboxSeconds float64
	CoreSeconds    float64
	GiBSeconds     float64
	GPUSeconds     float64
	Cost           float64
	Currency       string
	// Source names the file the totals were read from.
	Source string
}

// pairedTime prints a time for a card, "—" when unknown.
func pairedTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

// fmtElapsed prints a duration to the second: "1h 02m 03s", "2m 03s",
// "3s".
func fmtElapsed(d time.Duration) string {
	d = d.Round(time.Second)
	h, m, s := int(d/time.Hour), int(d%time.Hour/time.Minute), int(d%time.Minute/time.Second)
	switch {
	case h > 0:
		return fmt.Sprintf("%dh %02dm %02ds", h, m, s)
	case m > 0:
		return fmt.Sprintf("%dm %02ds", m, s)
	}
	return fmt.Sprintf("%ds", s)
}

// fmtSeconds prints a measure in seconds to a tenth.
func fmtSeconds(v float64) string {
	return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64)
}

// fmtCost prints a cost to a millionth and its currency.
func fmtCost(v float64, currency string) string {
	s := strconv.FormatFloat(math.Round(v*1e6)/1e6, 'f', -1, 64)
	if currency != "" {
		s += " " + currency
	}
	return s
}

// pairedArmCards are the cards of the arms: each arm's executor with its
// start and end, its elapsed time, and when it ran sandboxes their
// measured seconds and cost; then the total cost when any arm has usage.
func pairedArmCards(arms []PairedArm) []sweepCard {
	var out []sweepCard
	var total, seconds float64
	var currency string
	var costed []string
	for i := range arms {
		a := &arms[i]
		exec, note := a.Executor, "started "+pairedTime(a.Started)+" · finished "+pairedTime(a.Finished)
		if a.Running {
			note = "started " + pairedTime(a.Started) + " · still running"
		}
		if exec == "" {
			exec, note = "—", "no experiment.json in "+a.Name+"/"
		}
		out = append(out, sweepCard{"executor-" + a.Name, "Executor · " + a.Name, exec, note})
		elapsed, enote := "—", "experiment.json created → last updated"
		switch {
		case a.Running:
			elapsed, enote = "running", "not finished when the page was written"
		case !a.Started.IsZero() && !a.Finished.IsZero() && !a.Finished.Before(a.Started):
			elapsed = fmtElapsed(a.Elapsed())
		}
		out = append(out, sweepCard{"elapsed-" + a.Name, "Elapsed · " + a.Name, elapsed, enote})
		u := a.Usage
		if u == nil {
			continue
		}
		parts := []string{fmt.Sprintf("%d sandboxes", u.Sandboxes), fmtSeconds(u.CoreSeconds) + " core-s", fmtSeconds(u.GiBSeconds) + " GiB-s"}
		if u.GPUSeconds > 0 {
			parts = append(parts, fmtSeconds(u.GPUSeconds)+" GPU-s")
		}
		out = append(out,
			sweepCard{"sandbox-seconds-" + a.Name, "Sandbox-seconds · " + a.Name, fmtSeconds(u.SandboxSeconds), strings.Join(parts, ", ") + "; from " + u.Source},
			sweepCard{"cost-" + a.Name, "Cost · " + a.Name, fmtCost(u.Cost, u.Currency), "measured sandboxes priced with the rate card"},
		)
		total += u.Cost
		seconds += u.SandboxSeconds
		switch {
		case len(costed) == 0:
			currency = u.Currency
		case u.Currency != currency:
			currency = "mixed"
		}
		costed = append(costed, a.Name)
	}
	if len(costed) > 0 {
		out = append(out, sweepCard{"cost-total", "Total cost", fmtCost(total, currency),
			fmt.Sprintf("%s s in sandboxes of %s", fmtSeconds(seconds), strings.Join(costed, " and "))})
	}
	return out
}
