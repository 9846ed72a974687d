package sweep

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bilancio-go/bilancio/internal/store"
)

// An interrupted sweep brings its registry and aggregate up to date only
// within its budget: past it, the files are left as they were, the counts
// come from the journal and a warning says how to rebuild them; within it,
// they are rebuilt. Either way the journal is not compacted and the
// dashboard not rewritten (the next sweep run or sweep aggregate/report
// does it), so that Ctrl-C stops a sweep of any size at once.
func TestInterruptedFinishIsBounded(t *testing.T) {
	for _, c := range []struct {
		name    string
		budget  time.Duration
		rebuilt bool
	}{
		{"over budget", time.Nanosecond, false},
		{"within budget", time.Minute, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			spec := millionGrid(10, 10, 1)
			dir := fillExperiment(t, filepath.Join(t.TempDir(), "out"), spec)
			journal := filepath.Join(dir, filepath.FromSlash(store.JournalFile))
			before, err := os.ReadFile(journal)
			if err != nil {
				t.Fatal(err)
			}
			spec = ptrCopy(spec)
			spec.OutDir = filepath.Dir(dir)
			plan, err := NewPlan(spec)
			if err != nil {
				t.Fatal(err)
			}
			log := &eventLog{}
			opts := quick(inProcess(t), log)
			dashboards := 0
			opts.Dashboard = func(context.Context, string) error { dashboards++; return nil }
			// Interrupted once the journal is read: while the plan is
			// counted.
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			opts.Select = func(*Point) bool { cancel(); return true }
			r := newRunner(plan, opts)
			r.afterInterrupt = c.budget
			sum, err := r.run(ctx)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("err %v, want the interruption", err)
			}
			if sum.Status != StatusInterrupted || sum.Progress.Done != 100 || sum.Progress.Failed != 0 || sum.Ran != 0 {
				t.Errorf("summary %s: %+v, ran %d; want interrupted with the 100 runs done earlier", sum.Status, sum.Progress, sum.Ran)
			}
			_, regErr := os.Stat(filepath.Join(dir, filepath.FromSlash(store.RegistryFile)))
			_, sumErr := os.Stat(filepath.Join(dir, filepath.FromSlash(store.SummaryFile)))
			left := false
			for _, ev := range log.of(EventDiagnostic) {
				if strings.Contains(ev.Diagnostic.Summary, "left as they were") && strings.Contains(ev.Diagnostic.Detail, "sweep aggregate") {
					left = true
				}
			}
			if c.rebuilt {
				if regErr != nil || sumErr != nil || sum.Registry == "" || sum.SummaryJSON == "" || left {
					t.Errorf("within the budget: registry %v, summary %v, paths %q %q, warning %v", regErr, sumErr, sum.Registry, sum.SummaryJSON, left)
				}
			} else {
				if regErr == nil || sumErr == nil || sum.Registry != "" || sum.Results != "" || sum.SummaryJSON != "" || !left {
					t.Errorf("over the budget: registry %v, summary %v, paths %q %q %q, warning %v", regErr, sumErr, sum.Registry, sum.Results, sum.SummaryJSON, left)
				}
			}
			if dashboards != 0 || sum.Dashboard != "" {
				t.Errorf("the dashboard was written %d times (%q) after an interrupt", dashboards, sum.Dashboard)
			}
			after, err := os.ReadFile(journal)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(string(after), string(before)) {
				t.Errorf("the journal was rewritten (compacted) after an interrupt")
			}
			// Status agrees with the summary.
			st, err := store.ReadStatus(context.Background(), dir, false)
			if err != nil {
				t.Fatal(err)
			}
			if st.Done != sum.Progress.Done || st.Failed != sum.Progress.Failed {
				t.Errorf("status %d done %d failed, summary %+v", st.Done, st.Failed, sum.Progress)
			}
		})
	}
}
