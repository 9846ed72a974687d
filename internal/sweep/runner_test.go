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
	"github.com/bilancio-go/bilancio/sdk/runfolder"
)

// A failed run is retried with backoff (RetryDelay, then twice that) until
// it completes.
func TestRetryThenComplete(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "exp")
	spec := smallSpec(dir, 5)
	spec.Retries = 2
	var victim string
	f := newFlaky(func(id string, attempt int) bool {
		if victim == "" {
			victim = id
		}
		return id == victim && attempt <= 2
	})
	log := &eventLog{}
	sum := mustRun(t, spec, quick(f.opener(), log))
	if sum.Status != StatusCompleted || sum.Progress.Done != 12 || sum.Progress.Failed != 0 {
		t.Fatalf("summary %+v", sum)
	}
	if n := f.runCount(victim); n != 3 {
		t.Errorf("the flaky run was tried %d times, want 3", n)
	}
	failed := log.of(EventRunFailed)
	if len(failed) != 2 {
		t.Fatalf("%d run_failed events, want 2", len(failed))
	}
	for i, want := range []time.Duration{5 * time.Millisecond, 10 * time.Millisecond} {
		r := failed[i].Run
		if r.ID != victim || r.Final || r.RetryIn != want || r.Attempt != i+1 || r.Attempts != 3 {
			t.Errorf("run_failed %d: %+v, want attempt %d retrying in %v", i, r, i+1, want)
		}
	}
	rows := readCSV(t, filepath.Join(dir, store.RegistryFile))
	for _, r := range rows {
		if r["status"] != "completed" {
			t.Errorf("registry row %s is %s", r["run_id"], r["status"])
		}
	}
}

// A run that fails on every attempt is reported after its retries; the
// registry lists it as failed with the reason; the sweep exits as failed,
// and the next run of the sweep tries it again (and only it).
func TestRetriesSpent(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "exp")
	spec := smallSpec(dir, 5)
	spec.Retries = 1
	var victim string
	f := newFlaky(func(id string, attempt int) bool {
		if victim == "" {
			victim = id
		}
		return id == victim
	})
	log := &eventLog{}
	sum := mustRun(t, spec, quick(f.opener(), log))
	if sum.Status != StatusFailed || sum.Progress.Done != 11 || sum.Progress.Failed != 1 {
		t.Fatalf("summary %+v", sum.Progress)
	}
	failed := log.of(EventRunFailed)
	if len(failed) != 2 || failed[0].Run.Final || !failed[1].Run.Final {
		t.Fatalf("run_failed events: %+v", failed)
	}
	var row map[string]string
	for _, r := range readCSV(t, filepath.Join(dir, store.RegistryFile)) {
		if r["run_id"] == victim {
			row = r
		}
	}
	if row == nil || row["status"] != "failed" || !strings.Contains(row["error"], "injected failure") || row["phi_total"] != "" {
		t.Fatalf("registry row of the failed run: %v", row)
	}
	st, err := store.ReadStatus(context.Background(), dir, false)
	if err != nil {
		t.Fatal(err)
	}
	if st.Done != 11 || st.Failed != 1 || st.Pending != 0 || len(st.Failures) != 1 || st.Failures[0].RunID != victim {
		t.Errorf("status %+v", st)
	}

	g := newFlaky(nil)
	again := mustRun(t, spec, quick(g.opener(), nil))
	if again.Status != StatusCompleted || again.Ran != 1 || again.Progress.Reused != 11 || g.runCount(victim) != 1 || len(g.executed) != 1 {
		t.Errorf("second run: %+v, executed %v", again, g.executed)
	}
}

// -fail-fast stops the sweep at the first run that fails for good: the
// runs of the batch not yet ended are cancelled, no further batch starts.
func TestFailFast(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "exp")
	spec := smallSpec(dir, 5, "0.5", "1", "2", "4", "8", "16")
	spec.FailFast = true
	f := newFlaky(func(id string, attempt int) bool { return true })
	log := &eventLog{}
	sum, err := Run(context.Background(), spec, Options{Open: f.opener(), Events: log.add, BatchSize: 4})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Status != StatusFailed || sum.Progress.Failed == 0 || sum.Progress.Failed > 4 || sum.Progress.Pending() < 20 {
		t.Fatalf("summary %+v", sum.Progress)
	}
	if n := len(f.executed) + len(f.attempts); n > 4 {
		t.Errorf("%d runs were handed to the executor after the first failure", n)
	}
}

// Cancelling the context stops the sweep, which reports itself interrupted
// and leaves a folder that the next run finishes without repeating a run.
func TestInterruptAndResume(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "exp")
	spec := smallSpec(dir, 20, "0.5", "1", "2", "4")
	ctx, cancel := context.WithCancel(context.Background())
	opts := quick(newFlaky(nil).opener(), nil)
	opts.BatchSize = 4
	done := 0
	opts.Events = func(ev Event) {
		if ev.Type == EventRunFinished {
			if done++; done == 5 {
				cancel()
			}
		}
	}
	sum, err := Run(ctx, spec, opts)
	if !errors.Is(err, context.Canceled) || sum == nil || sum.Status != StatusInterrupted {
		t.Fatalf("Run: %v, %+v", err, sum)
	}
	first := manifests(t, dir)
	if len(first) < 5 || len(first) >= 16 {
		t.Fatalf("%d runs done after the interruption", len(first))
	}
	f := newFlaky(nil)
	again := mustRun(t, spec, quick(f.opener(), nil))
	if again.Status != StatusCompleted || again.Progress.Done != 16 || again.Ran+again.Progress.Reused != 16 {
		t.Fatalf("second run: %+v", again)
	}
	for id, started := range first {
		if f.runCount(id) != 0 {
			t.Errorf("run %s was run again", id)
		}
		if m, _, err := runfolder.ReadManifest(filepath.Join(dir, store.RunsDir, id)); err != nil || !m.Started.Equal(started) {
			t.Errorf("run %s: manifest changed (%v)", id, err)
		}
	}
}

// manifests returns the start time of every complete run of an experiment.
func manifests(t *testing.T, dir string) map[string]time.Time {
	t.Helper()
	out := map[string]time.Time{}
	entries, err := os.ReadDir(filepath.Join(dir, store.RunsDir))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		f, err := runfolder.Verify(filepath.Join(dir, store.RunsDir, e.Name()))
		if err == nil {
			out[e.Name()] = f.Manifest.Started
		}
	}
	return out
}

// With derived seeds, adding a point to the grid changes neither the seed
// nor the id of the others; with counter seeds it shifts them.
func TestDerivedSeedsAreStable(t *testing.T) {
	ids := func(mode string, kappas ...string) map[string]string {
		spec := smallSpec(t.TempDir(), 5, kappas...)
		spec.SeedMode = mode
		p, err := NewPlan(spec)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for pt := range p.Static(t.Context()) {
			run, err := p.Materialize(pt)
			if err != nil {
				t.Fatal(err)
			}
			tx := pt.Texts()
			out[strings.Join(tx[:], "|")] = run.ID
		}
		return out
	}
	for _, mode := range []string{SeedDerived, SeedCounter} {
		before, after := ids(mode, "1", "2"), ids(mode, "0.5", "1", "2")
		same := 0
		for k, id := range before {
			if after[k] == id {
				same++
			}
		}
		if mode == SeedDerived && same != len(before) {
			t.Errorf("derived seeds: %d of %d runs kept their id after a point was added", same, len(before))
		}
		if mode == SeedCounter && same != 0 {
			t.Errorf("counter seeds: %d runs kept their id though their seeds moved", same)
		}
	}
}

// The same run asked twice (a list with a repeated value under derived
// seeds) runs once.
func TestSameRunOnce(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "exp")
	spec := smallSpec(dir, 5, "1", "1")
	spec.SeedMode = SeedDerived
	f := newFlaky(nil)
	sum := mustRun(t, spec, quick(f.opener(), nil))
	if sum.Status != StatusCompleted || len(f.executed) != 4 {
		t.Errorf("summary %+v; executed %d runs, want 4", sum.Progress, len(f.executed))
	}
}
