package experiment

import (
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bilancio-go/bilancio/internal/report"
	"github.com/bilancio-go/bilancio/internal/store"
	"github.com/bilancio-go/bilancio/internal/sweep"
	"github.com/bilancio-go/bilancio/internal/usage"
)

// pdashArmStart is when the synthetic arms started.
func pdashArmStart() time.Time { return time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC) }

// pdashWriteArmMeta writes an arm's experiment.json: its executor ("" for
// a sweep without an executor block) and a run from pdashArmStart lasting
// took.
func pdashWriteArmMeta(t *testing.T, dir, arm, executor string, took time.Duration) {
	t.Helper()
	spec, err := json.Marshal(&sweep.Spec{Name: arm, Executor: sweep.ExecutorRef{Name: executor}})
	if err != nil {
		t.Fatal(err)
	}
	m := store.Meta{Format: store.Format, ExperimentID: arm, Spec: spec,
		Created: pdashArmStart(), Updated: pdashArmStart().Add(took)}
	b, err := json.MarshalIndent(&m, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	pdashWriteTestFile(t, filepath.Join(dir, arm, store.MetaFile), b)
}

// pdashUsageRecords are two sandboxes of 100 s and 50 s, 2 CPUs and 1 GiB,
// costing 0.25 and 0.125 USD.
func pdashUsageRecords() []usage.Record {
	var out []usage.Record
	for i, s := range []struct {
		secs float64
		cost float64
	}{{100, 0.25}, {50, 0.125}} {
		start := pdashArmStart().Add(time.Duration(i) * time.Minute)
		out = append(out, usage.Record{SandboxID: "sb-" + string(rune('a'+i)), Purpose: "runs", Start: start,
			End: start.Add(time.Duration(s.secs) * time.Second), Seconds: s.secs, CPU: 2, MemoryMiB: 1024, Runs: 2, Cost: s.cost, Currency: "USD"})
	}
	return out
}

func TestLoadPairedDashboardArms(t *testing.T) {
	const summaryUsage = `{"total_runs": 4, "usage": {"sandboxes": 4, "sandbox_seconds": 600.25, "cpu_core_seconds": 1200.5, "memory_gib_seconds": 300, "gpu_seconds": 0, "cost": 1.5, "currency": "USD"}, "config": {}}`
	wantRecords := &report.PairedUsage{Sandboxes: 2, SandboxSeconds: 150, CoreSeconds: 300, GiBSeconds: 150, Cost: 0.375, Currency: "USD"}
	for _, tt := range []struct {
		name  string
		setup func(t *testing.T, dir string)
		// want: the arms' executor, elapsed time and usage (Source set
		// apart); err: a loading error instead.
		want [2]report.PairedArm
		err  string
	}{
		{"no experiment.json", func(*testing.T, string) {}, [2]report.PairedArm{{Name: "control"}, {Name: "treatment"}}, ""},
		{"local without usage, modal with usage_summary.json", func(t *testing.T, dir string) {
			pdashWriteArmMeta(t, dir, "control", "", 2*time.Minute)
			pdashWriteArmMeta(t, dir, "treatment", "modal", time.Hour)
			if err := usage.Append(filepath.Join(dir, "treatment", usage.File), pdashUsageRecords()); err != nil {
				t.Fatal(err)
			}
			if err := usage.WriteSummary(filepath.Join(dir, "treatment"), "treatment"); err != nil {
				t.Fatal(err)
			}
		}, [2]report.PairedArm{
			{Name: "control", Executor: "local", Finished: pdashArmStart().Add(2 * time.Minute)},
			{Name: "treatment", Executor: "modal", Finished: pdashArmStart().Add(time.Hour), Usage: withSource(wantRecords, "usage_summary.json")},
		}, ""},
		{"usage in summary.json", func(t *testing.T, dir string) {
			pdashWriteArmMeta(t, dir, "control", "modal", time.Minute)
			pdashWriteTestFile(t, filepath.Join(dir, "control", "aggregate", "summary.json"), []byte(summaryUsage))
			pdashWriteTestFile(t, filepath.Join(dir, "treatment", "aggregate", "summary.json"), []byte(`{"total_runs": 4, "config": {}}`))
		}, [2]report.PairedArm{
			{Name: "control", Executor: "modal", Finished: pdashArmStart().Add(time.Minute),
				Usage: &report.PairedUsage{Sandboxes: 4, SandboxSeconds: 600.25, CoreSeconds: 1200.5, GiBSeconds: 300, Cost: 1.5, Currency: "USD", Source: "summary.json"}},
			{Name: "treatment"},
		}, ""},
		{"usage.csv only", func(t *testing.T, dir string) {
			pdashWriteArmMeta(t, dir, "treatment", "modal", 90*time.Second)
			if err := usage.Append(filepath.Join(dir, "treatment", usage.File), pdashUsageRecords()); err != nil {
				t.Fatal(err)
			}
		}, [2]report.PairedArm{
			{Name: "control"},
			{Name: "treatment", Executor: "modal", Finished: pdashArmStart().Add(90 * time.Second), Usage: withSource(wantRecords, "usage.csv")},
		}, ""},
		{"bad experiment.json", func(t *testing.T, dir string) {
			pdashWriteTestFile(t, filepath.Join(dir, "control", store.MetaFile), []byte("{"))
		}, [2]report.PairedArm{}, "experiment.json"},
		{"bad usage_summary.json", func(t *testing.T, dir string) {
			pdashWriteTestFile(t, filepath.Join(dir, "treatment", filepath.FromSlash(usage.SummaryFile)), []byte("[1"))
		}, [2]report.PairedArm{}, "treatment arm's sandbox usage"},
		{"bad arm summary.json", func(t *testing.T, dir string) {
			pdashWriteTestFile(t, filepath.Join(dir, "control", "aggregate", "summary.json"), []byte(`{"usage": 3}`))
		}, [2]report.PairedArm{}, "control arm's sandbox usage"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := pdashSynthetic(t)
			tt.setup(t, dir)
			d, err := testOptions().LoadPaired(context.Background(), dir)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("LoadPaired: %v, want an error with %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(d.Arms) != 2 {
				t.Fatalf("%d arms, want 2", len(d.Arms))
			}
			for i, want := range tt.want {
				got := d.Arms[i]
				if want.Executor != "" {
					want.Started = pdashArmStart()
				}
				if got.Name != want.Name || got.Executor != want.Executor || !got.Started.Equal(want.Started) || !got.Finished.Equal(want.Finished) {
					t.Errorf("arm %d: %s on %q from %v to %v; want %s on %q from %v to %v", i, got.Name, got.Executor, got.Started, got.Finished,
						want.Name, want.Executor, want.Started, want.Finished)
				}
				switch {
				case (got.Usage == nil) != (want.Usage == nil):
					t.Errorf("arm %s: usage %+v, want %+v", got.Name, got.Usage, want.Usage)
				case got.Usage != nil && *got.Usage != *want.Usage:
					t.Errorf("arm %s: usage\n got %+v\nwant %+v", got.Name, *got.Usage, *want.Usage)
				}
			}
		})
	}
}

// An arm whose lock is held is running: it has no end yet, whatever its
// experiment.json says.
func TestLoadPairedDashboardRunningArm(t *testing.T) {
	dir := pdashSynthetic(t)
	pdashWriteArmMeta(t, dir, "control", "", time.Minute)
	pdashWriteArmMeta(t, dir, "treatment", "modal", time.Minute)
	unlock, err := (&store.Store{Dir: filepath.Join(dir, "treatment")}).Lock()
	if err != nil {
		t.Fatal(err)
	}
	if !(&store.Store{Dir: filepath.Join(dir, "treatment")}).Locked() {
		unlock()
		t.Skip("skipping: no file locks on this platform")
	}
	d, err := testOptions().LoadPaired(context.Background(), dir)
	if err != nil {
		unlock()
		t.Fatal(err)
	}
	if c, tr := d.Arms[0], d.Arms[1]; c.Running || !c.Finished.Equal(pdashArmStart().Add(time.Minute)) || !tr.Running || !tr.Finished.IsZero() || !tr.Started.Equal(pdashArmStart()) {
		t.Errorf("arms %+v, want the control finished and the treatment running", d.Arms)
	}
	unlock()
	if d, err = testOptions().LoadPaired(context.Background(), dir); err != nil || d.Arms[1].Running {
		t.Errorf("after unlocking: %v, running %v", err, d != nil && d.Arms[1].Running)
	}
}

// withSource is a copy of u read from source.
func withSource(u *report.PairedUsage, source string) *report.PairedUsage {
	c := *u
	c.Source = source
	return &c
}

// The report of a paired experiment whose treatment arm ran on modal: the
// figure files (stable names, valid PNGs) and a page whose cards show the
// arms' executors, times and usage and which lists the figures.
func TestWritePairedReportArmsAndFigures(t *testing.T) {
	dir := pdashSynthetic(t)
	pdashWriteArmMeta(t, dir, "control", "", 2*time.Minute+5*time.Second)
	pdashWriteArmMeta(t, dir, "treatment", "modal", time.Hour+2*time.Minute+3*time.Second)
	if err := usage.Append(filepath.Join(dir, "treatment", usage.File), pdashUsageRecords()); err != nil {
		t.Fatal(err)
	}
	if err := usage.WriteSummary(filepath.Join(dir, "treatment"), "treatment"); err != nil {
		t.Fatal(err)
	}
	dash, figs, err := testOptions().writePairedReport(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range figs {
		if filepath.Dir(f) != filepath.Join(dir, filepath.FromSlash(store.FiguresDir)) {
			t.Errorf("figure %s is not in %s", f, store.FiguresDir)
		}
		names = append(names, filepath.Base(f))
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(f, ".png") {
			cfg, err := png.DecodeConfig(bytes.NewReader(b))
			if err != nil || cfg.Width == 0 || cfg.Height == 0 {
				t.Errorf("%s is not a valid PNG: %v", f, err)
			}
		}
	}
	want := "relief_mu_0.svg relief_mu_0.png relief_mu_1.svg relief_mu_1.png trades_mu_0.svg trades_mu_0.png trades_mu_1.svg trades_mu_1.png " +
		"pnl_mu_0.svg pnl_mu_0.png pnl_mu_1.svg pnl_mu_1.png deltas.svg deltas.png"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("figures\n got %s\nwant %s", got, want)
	}
	b, err := os.ReadFile(dash)
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	card := func(key string) string {
		m := regexp.MustCompile(`data-key="` + regexp.QuoteMeta(key) + `"><div class="label">[^<]*</div><div class="value">([^<]*)</div>`).FindStringSubmatch(page)
		if m == nil {
			t.Errorf("no card %s", key)
			return ""
		}
		return m[1]
	}
	for key, want := range map[string]string{
		"executor-control": "local", "executor-treatment": "modal", "elapsed-control": "2m 05s", "elapsed-treatment": "1h 02m 03s",
		"sandbox-seconds-treatment": "150", "cost-treatment": "0.375 USD", "cost-total": "0.375 USD",
	} {
		if got := card(key); got != want {
			t.Errorf("card %s = %q, want %q", key, got, want)
		}
	}
	if strings.Contains(page, `data-key="cost-control"`) {
		t.Error("the local arm has a cost card")
	}
	for _, n := range names {
		if !strings.Contains(page, `href="figures/`+n+`"`) {
			t.Errorf("the page does not list %s", n)
		}
	}
	// The page alone lists no figures.
	if err := testOptions().writePairedDashboardDir(context.Background(), dir); err != nil {
		t.Fatal(err)
	}
	if b, err = os.ReadFile(dash); err != nil || strings.Contains(string(b), `id="figures"`) {
		t.Errorf("the page alone lists figures (%v)", err)
	}
}
