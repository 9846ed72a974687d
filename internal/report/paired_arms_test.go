package report

import (
	"strings"
	"testing"
	"time"
)

func TestFmtElapsed(t *testing.T) {
	for _, tt := range []struct {
		d    time.Duration
		want string
	}{
		{0, "0s"},
		{1499 * time.Millisecond, "1s"},
		{59*time.Second + 600*time.Millisecond, "1m 00s"},
		{2*time.Minute + 3*time.Second, "2m 03s"},
		{time.Hour + 2*time.Minute + 3*time.Second, "1h 02m 03s"},
		{27*time.Hour + 5*time.Second, "27h 00m 05s"},
	} {
		if got := fmtElapsed(tt.d); got != tt.want {
			t.Errorf("fmtElapsed(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

// pairedTestArms are a local control arm and a treatment arm on modal
// with measured usage.
func pairedTestArms() []PairedArm {
	start := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	return []PairedArm{
		{Name: "control", Executor: "local", Started: start, Finished: start.Add(2*time.Minute + 5*time.Second)},
		{Name: "treatment", Executor: "modal", Started: start.Add(time.Second), Finished: start.Add(time.Hour + 2*time.Minute + 3*time.Second),
			Usage: &PairedUsage{Sandboxes: 3, SandboxSeconds: 1234.56, CoreSeconds: 2469.12, GiBSeconds: 617.28, Cost: 0.0123456789, Currency: "USD", Source: "usage_summary.json"}},
	}
}

func TestWritePairedDashboardArms(t *testing.T) {
	modalArms := pairedTestArms()
	bothRemote := pairedTestArms()
	bothRemote[0].Executor = "modal"
	bothRemote[0].Usage = &PairedUsage{Sandboxes: 1, SandboxSeconds: 10, Cost: 0.5, Currency: "USD", Source: "summary.json"}
	mixed := pairedTestArms()
	mixed[0].Usage = &PairedUsage{Sandboxes: 1, SandboxSeconds: 10, Cost: 1, Currency: "EUR", Source: "usage.csv"}
	unknown := []PairedArm{{Name: "control"}, {Name: "treatment", Executor: "local", Started: time.Unix(100, 0)}}
	running := pairedTestArms()
	running[1].Running, running[1].Finished = true, time.Time{}
	for _, tt := range []struct {
		name   string
		arms   []PairedArm
		cards  map[string]string // key → value
		absent []string          // card keys that must not be shown
		text   []string
	}{
		{"local and modal", modalArms, map[string]string{
			"executor-control": "local", "executor-treatment": "modal",
			"elapsed-control": "2m 05s", "elapsed-treatment": "1h 02m 02s",
			"sandbox-seconds-treatment": "1234.6", "cost-treatment": "0.012346 USD", "cost-total": "0.012346 USD",
		}, []string{"sandbox-seconds-control", "cost-control"}, []string{
			"started 2026-11-28 09:00:00 UTC · finished 2026-11-28 09:02:05 UTC", "3 sandboxes, 2469.1 core-s, 617.3 GiB-s; from usage_summary.json",
			"1234.6 s in sandboxes of treatment", "and what they cost",
		}},
		{"both remote", bothRemote, map[string]string{
			"cost-control": "0.5 USD", "sandbox-seconds-control": "10", "cost-total": "0.512346 USD",
		}, nil, []string{"1244.6 s in sandboxes of control and treatment"}},
		{"mixed currencies", mixed, map[string]string{"cost-control": "1 EUR", "cost-total": "1.012346 mixed"}, nil, nil},
		{"running", running, map[string]string{"elapsed-treatment": "running", "elapsed-control": "2m 05s", "cost-treatment": "0.012346 USD", "cost-total": "0.012346 USD"}, nil,
			[]string{"started 2026-11-28 09:00:01 UTC · still running", "not finished when the page was written"}},
		{"unknown", unknown, map[string]string{"executor-control": "—", "elapsed-control": "—", "executor-treatment": "local", "elapsed-treatment": "—"},
			[]string{"cost-total", "cost-control", "cost-treatment", "sandbox-seconds-treatment"}, []string{"no experiment.json in control/", "finished —"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			page := renderPaired(t, &PairedDashboard{ExperimentID: "x", Layout: PairedComparison, Pairs: syntheticPairs(true), Arms: tt.arms})
			if !strings.Contains(page, `<section id="arms">`) {
				t.Fatal("no arms section")
			}
			for key, want := range tt.cards {
				if got := cardValue(t, page, key); got != want {
					t.Errorf("card %s = %q, want %q", key, got, want)
				}
			}
			for _, key := range tt.absent {
				if strings.Contains(page, `data-key="`+key+`"`) {
					t.Errorf("card %s is shown", key)
				}
			}
			for _, s := range tt.text {
				if !strings.Contains(page, s) {
					t.Errorf("the page lacks %q", s)
				}
			}
			if tt.cards["cost-total"] == "" && strings.Contains(page, "and what they cost") {
				t.Error("the heading speaks of cost without usage")
			}
		})
	}
	// Without arms there is no section.
	if page := renderPaired(t, &PairedDashboard{ExperimentID: "x", Layout: PairedComparison, Pairs: syntheticPairs(true)}); strings.Contains(page, `id="arms"`) {
		t.Error("an arms section without arms")
	}
}

func TestWritePairedDashboardFigureList(t *testing.T) {
	names := []string{"relief_mu_0.png", "deltas.svg"}
	page := renderPaired(t, &PairedDashboard{ExperimentID: "x", Layout: PairedComparison, Pairs: syntheticPairs(false), Figures: names})
	for _, n := range names {
		if !strings.Contains(page, `<li><a href="figures/`+n+`">`+n+`</a></li>`) {
			t.Errorf("the page does not list %s", n)
		}
	}
	if page := renderPaired(t, &PairedDashboard{ExperimentID: "x", Layout: PairedComparison, Pairs: syntheticPairs(false)}); strings.Contains(page, `id="figures"`) {
		t.Error("a figure list without figures")
	}
}
