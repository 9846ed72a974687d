package worker

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bilancio-go/bilancio/internal/artifacts"
	"github.com/bilancio-go/bilancio/internal/runner"
	"github.com/bilancio-go/bilancio/internal/worker/workertest"
	"github.com/bilancio-go/bilancio/sdk"
	"github.com/bilancio-go/bilancio/sdk/runfolder"
	"github.com/bilancio-go/bilancio/sdk/sdktest"
)

// recorder collects the events of a batch and checks their order.
type recorder struct {
	mu     sync.Mutex
	events []sdk.RunEvent
}

func (r *recorder) emit(ev sdk.RunEvent) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, ev)
	return nil
}

// terminal returns each run's terminal event after checking that the batch
// emitted queued for every run first, then at most one started and exactly
// one terminal event per run, the terminal one last.
func (r *recorder) terminal(t *testing.T, b *sdk.Batch) map[string]sdk.RunEvent {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	n := len(b.Runs)
	if len(r.events) < n {
		t.Fatalf("%d events for %d runs", len(r.events), n)
	}
	for i, ev := range r.events[:n] {
		if ev.Type != sdk.EventQueued || ev.RunID != b.Runs[i].RunID {
			t.Fatalf("event %d is %s %s, want queued %s", i, ev.Type, ev.RunID, b.Runs[i].RunID)
		}
	}
	term := make(map[string]sdk.RunEvent)
	started := make(map[string]bool)
	for _, ev := range r.events[n:] {
		if _, done := term[ev.RunID]; done {
			t.Errorf("run %s: %s event after its terminal event", ev.RunID, ev.Type)
		}
		switch {
		case ev.Type == sdk.EventStarted:
			if started[ev.RunID] {
				t.Errorf("run %s started twice", ev.RunID)
			}
			started[ev.RunID] = true
		case ev.Type.Terminal():
			if ev.Type != sdk.EventCancelled && !started[ev.RunID] {
				t.Errorf("run %s %s without being started", ev.RunID, ev.Type)
			}
			term[ev.RunID] = ev
		default:
			t.Errorf("run %s: unexpected %s event", ev.RunID, ev.Type)
		}
	}
	for _, r := range b.Runs {
		if _, ok := term[r.RunID]; !ok {
			t.Errorf("run %s has no terminal event", r.RunID)
		}
	}
	return term
}

// ringBatch returns a batch of n small valid rings.
func ringBatch(t *testing.T, n int) *sdk.Batch {
	b := &sdk.Batch{ExperimentID: "exp", OutRoot: t.TempDir()}
	for i := range n {
		b.Runs = append(b.Runs, sdk.RunSpec{
			RunID: fmt.Sprintf("run_%02d", i), ScenarioName: fmt.Sprintf("ring%d.yaml", i),
			Scenario: sdktest.RingScenario(10+i, i),
		})
	}
	return b
}

func TestExecuteWritesRunsAndReportsResults(t *testing.T) {
	p := New(Config{Parallel: 2, Engine: "test-engine", Executor: "test-exec"})
	b := ringBatch(t, 4)
	b.Runs[1].Options = sdk.RunOptions{MaxDays: 1, HTML: true}
	b.Runs[2].Options = sdk.RunOptions{HasQuietDays: true, QuietDays: 0, DefaultHandling: "fail-fast"}
	var rec recorder
	if err := p.Execute(t.Context(), b, rec.emit); err != nil {
		t.Fatal(err)
	}
	term := rec.terminal(t, b)
	for _, r := range b.Runs {
		ev := term[r.RunID]
		if ev.Type != sdk.EventCompleted || ev.Result == nil {
			t.Fatalf("run %s: %s %q, want completed with a result", r.RunID, ev.Type, ev.Message)
		}
		dir := filepath.Join(b.OutRoot, r.RunID)
		f, err := runfolder.Verify(dir)
		if err != nil {
			t.Fatalf("run %s: %v", r.RunID, err)
		}
		m := f.Manifest
		data, err := os.ReadFile(filepath.Join(dir, runfolder.ManifestFile))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		want := sdk.RunResult{
			RunID: r.RunID, Dir: dir, StopReason: m.StopReason, DaysSimulated: m.DaysSimulated,
			Defaults: m.Defaults, PhiTotal: m.PhiTotal, DeltaTotal: m.DeltaTotal,
			TimeToStability: m.TimeToStability, DurationMS: m.DurationMS,
			ManifestSHA256: hex.EncodeToString(sum[:]), Fingerprint: f.Fingerprint, Executor: "test-exec",
			Manifest: data, // the manifest as written, for the host to take as reported
		}
		if !reflect.DeepEqual(*ev.Result, want) {
			t.Errorf("run %s: result %+v, want %+v", r.RunID, *ev.Result, want)
		}
		if m.Engine != "test-engine" || m.RunID != r.RunID {
			t.Errorf("run %s: manifest engine %q run id %q", r.RunID, m.Engine, m.RunID)
		}
		_, err = os.Stat(filepath.Join(dir, artifacts.RunHTMLFile))
		if hasHTML := err == nil; hasHTML != r.Options.HTML {
			t.Errorf("run %s: run.html present %v, want %v", r.RunID, hasHTML, r.Options.HTML)
		}
	}
	if got := term["run_01"].Result; got.DaysSimulated != 1 || got.StopReason != "max_days" {
		t.Errorf("max_days 1: %d days, stop %s", got.DaysSimulated, got.StopReason)
	}
	if m, err := readManifest(term["run_02"].Result.Dir); err != nil || m.DefaultHandling != "fail-fast" {
		t.Errorf("default handling not passed on: %v %v", m, err)
	}
}

func TestExecuteReportsFailedRuns(t *testing.T) {
	p := New(Config{Parallel: 2})
	b := ringBatch(t, 3)
	b.Runs[1].ScenarioName = "bad.yaml"
	b.Runs[1].Scenario = []byte("version: 1\nname: bad\nagents:\n  - {id: H1, kind: household, name: H}\ninitial_actions:\n  - mint_cash: {to: H9, amount: 5}\n")
	b.Runs[2].Options.DefaultHandling = "shrug"
	// A manifest left by an earlier attempt must not survive a failure.
	stale := filepath.Join(b.OutRoot, "run_01", runfolder.ManifestFile)
	if err := os.MkdirAll(filepath.Dir(stale), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(stale, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	var rec recorder
	if err := p.Execute(t.Context(), b, rec.emit); err != nil {
		t.Fatal(err)
	}
	term := rec.terminal(t, b)
	if ev := term["run_00"]; ev.Type != sdk.EventCompleted {
		t.Errorf("good run: %s %q", ev.Type, ev.Message)
	}
	for id, want := range map[string]string{"run_01": "bad.yaml:6:", "run_02": "shrug"} {
		ev := term[id]
		if ev.Type != sdk.EventFailed || !strings.Contains(ev.Message, want) || ev.Result != nil {
			t.Errorf("run %s: %s %q, want failed mentioning %q", id, ev.Type, ev.Message, want)
		}
		if _, err := os.Stat(filepath.Join(b.OutRoot, id, runfolder.ManifestFile)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("run %s: a failed run left a manifest (%v)", id, err)
		}
	}
	if _, err := os.Stat(filepath.Join(b.OutRoot, "run_02")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed run left a folder (%v)", err)
	}
}

// Cancelling the context of a batch of slow runs mid-way returns within a
// second, reports every unfinished run cancelled and leaves no folder for them.
func TestExecuteStopsPromptlyOnCancel(t *testing.T) {
	p := New(Config{Parallel: 2})
	b := &sdk.Batch{ExperimentID: "slow", OutRoot: t.TempDir()}
	slow := workertest.SlowScenario(1000, 4000000)
	for i := range 5 {
		b.Runs = append(b.Runs, sdk.RunSpec{RunID: fmt.Sprintf("slow_%d", i), Scenario: slow})
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var started atomic.Int32
	var rec recorder
	emit := func(ev sdk.RunEvent) error {
		if ev.Type == sdk.EventStarted && started.Add(1) == 2 {
			time.AfterFunc(time.Second, cancel) // after the loading (slow under -race)
		}
		return rec.emit(ev)
	}
	done := make(chan error, 1)
	var cancelled time.Time
	go func() { done <- p.Execute(ctx, b, emit) }()
	select {
	case <-ctx.Done():
		cancelled = time.Now()
	case err := <-done:
		t.Fatalf("Execute returned %v before the cancellation", err)
	case <-time.After(30 * time.Second):
		t.Fatal("the runs never started")
	}
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Execute returned %v, want context.Canceled", err)
		}
		if d := time.Since(cancelled); d > cancelWithin {
			t.Errorf("Execute returned %v after the cancellation, want < %v", d, cancelWithin)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Execute did not return after the cancellation")
	}
	for id, ev := range rec.terminal(t, b) {
		if ev.Type != sdk.EventCancelled || ev.Message == "" {
			t.Errorf("run %s: %s %q, want cancelled with a reason", id, ev.Type, ev.Message)
		}
		if _, err := os.Stat(filepath.Join(b.OutRoot, id)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("run %s: a cancelled run left a folder (%v)", id, err)
		}
	}
	st, err := p.Status(t.Context(), &sdk.StatusRequest{ExperimentID: "slow"})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range st.Runs {
		if s.State != sdk.EventCancelled {
			t.Errorf("status of %s: %s, want cancelled", s.RunID, s.State)
		}
	}
}

// blocking replaces the simulation: runs whose id starts with "block" wait
// for their context, "panic" runs panic, others run the engine.
func blocking(ctx context.Context, req runner.Request) (*runner.Outcome, error) {
	switch {
	case strings.HasPrefix(req.RunID, "block"):
		<-ctx.Done()
		return nil, ctx.Err()
	case strings.HasPrefix(req.RunID, "panic"):
		panic(errors.New("engine bug"))
	}
	return runner.Run(ctx, req)
}

func TestCancelRunsByID(t *testing.T) {
	p := New(Config{Parallel: 1})
	p.simulate = blocking
	b := &sdk.Batch{ExperimentID: "exp", OutRoot: t.TempDir(), Runs: []sdk.RunSpec{
		{RunID: "block_running", Scenario: sdktest.RingScenario(5, 1)},
		{RunID: "block_queued", Scenario: sdktest.RingScenario(5, 2)},
		{RunID: "ok", Scenario: sdktest.RingScenario(5, 3)},
	}}
	var rec recorder
	var returned atomic.Bool
	emit := func(ev sdk.RunEvent) error {
		if returned.Load() {
			t.Errorf("event %s of run %s emitted after Execute returned", ev.Type, ev.RunID)
		}
		if ev.Type == sdk.EventStarted && ev.RunID == "block_running" {
			// Cancel from another goroutine, as an RPC would.
			go func() {
				_ = p.Cancel(context.Background(), &sdk.CancelRequest{ExperimentID: "other"})
				_ = p.Cancel(context.Background(), &sdk.CancelRequest{ExperimentID: "exp", RunIDs: []string{"block_queued", "block_running", "nope"}})
				_ = p.Cancel(context.Background(), &sdk.CancelRequest{ExperimentID: "exp", RunIDs: []string{"block_queued"}})
			}()
		}
		return rec.emit(ev)
	}
	err := p.Execute(t.Context(), b, emit)
	returned.Store(true)
	if err != nil {
		t.Fatalf("Execute: %v, want nil (runs cancelled by request do not fail the batch)", err)
	}
	term := rec.terminal(t, b)
	for id, want := range map[string]sdk.EventType{"block_running": sdk.EventCancelled, "block_queued": sdk.EventCancelled, "ok": sdk.EventCompleted} {
		if got := term[id].Type; got != want {
			t.Errorf("run %s: %s %q, want %s", id, got, term[id].Message, want)
		}
	}
	if msg := term["block_queued"].Message; msg != errCancelRequested.Error() {
		t.Errorf("queued run cancelled with %q", msg)
	}
}

func TestCancelAllRunsOfAnExperiment(t *testing.T) {
	p := New(Config{Parallel: 2})
	p.simulate = blocking
	b := &sdk.Batch{ExperimentID: "exp", OutRoot: t.TempDir()}
	for i := range 6 {
		b.Runs = append(b.Runs, sdk.RunSpec{RunID: fmt.Sprintf("block_%d", i)})
	}
	var rec recorder
	var once sync.Once
	emit := func(ev sdk.RunEvent) error {
		// As early as possible: while the queued events go out.
		if ev.Type == sdk.EventQueued {
			once.Do(func() { go p.Cancel(context.Background(), &sdk.CancelRequest{ExperimentID: "exp"}) })
		}
		return rec.emit(ev)
	}
	if err := p.Execute(t.Context(), b, emit); err != nil {
		t.Fatal(err)
	}
	for id, ev := range rec.terminal(t, b) {
		if ev.Type != sdk.EventCancelled {
			t.Errorf("run %s: %s", id, ev.Type)
		}
	}
}

func TestPanicFailsOnlyThatRun(t *testing.T) {
	p := New(Config{Parallel: 2})
	p.simulate = blocking
	b := &sdk.Batch{ExperimentID: "exp", OutRoot: t.TempDir(), Runs: []sdk.RunSpec{
		{RunID: "ok_1", Scenario: sdktest.RingScenario(5, 1)},
		{RunID: "panic_1", Scenario: sdktest.RingScenario(5, 2)},
		{RunID: "ok_2", Scenario: sdktest.RingScenario(5, 3)},
	}}
	var rec recorder
	if err := p.Execute(t.Context(), b, rec.emit); err != nil {
		t.Fatal(err)
	}
	term := rec.terminal(t, b)
	if ev := term["panic_1"]; ev.Type != sdk.EventFailed || !strings.Contains(ev.Message, "panic: engine bug") {
		t.Errorf("panicking run: %s %q", ev.Type, ev.Message)
	}
	for _, id := range []string{"ok_1", "ok_2"} {
		if ev := term[id]; ev.Type != sdk.EventCompleted {
			t.Errorf("run %s: %s %q", id, ev.Type, ev.Message)
		}
	}
}

func TestParallelIsABound(t *testing.T) {
	for _, tc := range []struct{ pool, batch, want int }{{3, 0, 3}, {3, 1, 1}, {1, 2, 2}} {
		p := New(Config{Parallel: tc.pool})
		var now, peak atomic.Int32
		p.simulate = func(ctx context.Context, req runner.Request) (*runner.Outcome, error) {
			n := now.Add(1)
			defer now.Add(-1)
			for {
				old := peak.Load()
				if n <= old || peak.CompareAndSwap(old, n) {
					break
				}
			}
			time.Sleep(20 * time.Millisecond)
			return nil, errors.New("not simulated")
		}
		b := &sdk.Batch{ExperimentID: "exp", OutRoot: t.TempDir(), Parallel: tc.batch}
		for i := range 8 {
			b.Runs = append(b.Runs, sdk.RunSpec{RunID: fmt.Sprint(i)})
		}
		var rec recorder
		if err := p.Execute(t.Context(), b, rec.emit); err != nil {
			t.Fatal(err)
		}
		rec.terminal(t, b)
		if got := int(peak.Load()); got != tc.want {
			t.Errorf("pool %d, batch %d: %d runs at once, want %d", tc.pool, tc.batch, got, tc.want)
		}
	}
}

func TestEmitErrorAbortsTheBatch(t *testing.T) {
	p := New(Config{Parallel: 1})
	p.simulate = blocking
	b := &sdk.Batch{ExperimentID: "exp", OutRoot: t.TempDir()}
	for i := range 4 {
		b.Runs = append(b.Runs, sdk.RunSpec{RunID: fmt.Sprintf("block_%d", i)})
	}
	broken := errors.New("stream closed")
	var calls atomic.Int32
	emit := func(ev sdk.RunEvent) error {
		calls.Add(1)
		if ev.Type == sdk.EventStarted {
			return broken
		}
		return nil
	}
	err := p.Execute(t.Context(), b, emit)
	if !errors.Is(err, broken) {
		t.Fatalf("Execute returned %v, want %v", err, broken)
	}
	if n := calls.Load(); n != 5 {
		t.Errorf("emit called %d times, want 5 (4 queued, 1 started, nothing after the error)", n)
	}
}

func TestExecuteRejectsInvalidBatches(t *testing.T) {
	run := func(id string) sdk.RunSpec { return sdk.RunSpec{RunID: id} }
	out := t.TempDir()
	tests := []struct {
		name  string
		batch *sdk.Batch
		want  string
	}{
		{"nil", nil, "no batch"},
		{"no out root", &sdk.Batch{Runs: []sdk.RunSpec{run("a")}}, "no output directory"},
		{"negative parallel", &sdk.Batch{OutRoot: out, Parallel: -1}, "parallel must be >= 0"},
		{"empty id", &sdk.Batch{OutRoot: out, Runs: []sdk.RunSpec{run("")}}, "runs[0]: empty run id"},
		{"dot dot", &sdk.Batch{OutRoot: out, Runs: []sdk.RunSpec{run("..")}}, `runs[0]: run id ".." is not a plain folder name`},
		{"slash", &sdk.Batch{OutRoot: out, Runs: []sdk.RunSpec{run("a"), run("x/../../y")}}, `runs[1]: run id "x/../../y"`},
		{"absolute", &sdk.Batch{OutRoot: out, Runs: []sdk.RunSpec{run("/etc")}}, `run id "/etc"`},
		{"backslash", &sdk.Batch{OutRoot: out, Runs: []sdk.RunSpec{run(`a\b`)}}, `run id "a\\b"`},
		{"duplicate", &sdk.Batch{OutRoot: out, Runs: []sdk.RunSpec{run("a"), run("b"), run("a")}}, `runs[2]: run id "a" already used by runs[0]`},
	}
	p := New(Config{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rec recorder
			err := p.Execute(t.Context(), tt.batch, rec.emit)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
			if len(rec.events) != 0 {
				t.Errorf("%d events emitted for an invalid batch", len(rec.events))
			}
		})
	}
}

func TestStatusKeepsTheLastStateOfEachRun(t *testing.T) {
	p := New(Config{Parallel: 2})
	b := ringBatch(t, 2)
	b.Runs[1].Scenario = []byte("not: [a scenario")
	if err := p.Execute(t.Context(), b, func(sdk.RunEvent) error { return nil }); err != nil {
		t.Fatal(err)
	}
	st, err := p.Status(t.Context(), &sdk.StatusRequest{ExperimentID: "exp"})
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Runs) != 2 || st.Runs[0].RunID != "run_00" || st.Runs[0].State != sdk.EventCompleted ||
		st.Runs[1].RunID != "run_01" || st.Runs[1].State != sdk.EventFailed || st.Runs[1].Message == "" {
		t.Errorf("status %+v", st.Runs)
	}
	other, err := p.Status(t.Context(), &sdk.StatusRequest{ExperimentID: "unknown"})
	if err != nil || len(other.Runs) != 0 {
		t.Errorf("status of an unknown experiment: %+v, %v", other, err)
	}
}

func TestDefaultParallelIsTheNumberOfCPUs(t *testing.T) {
	if p := New(Config{}); p.Parallel() < 1 {
		t.Errorf("default parallel %d", p.Parallel())
	}
}

// readManifest reads a run folder's manifest.
func readManifest(dir string) (*runfolder.Manifest, error) {
	m, _, err := runfolder.ReadManifest(dir)
	return m, err
}

// TestExecuteArchive: with Config.Archive each run is written as the one
// file OutRoot/<run_id>.tar (no folder, no temporary file left), its result
// names the archive and carries the manifest's sha256, and the archive
// unpacks into a run folder that verifies.
func TestExecuteArchive(t *testing.T) {
	p := New(Config{Parallel: 2, Engine: "test-engine", Executor: "test-exec", Archive: true})
	b := ringBatch(t, 3)
	var rec recorder
	if err := p.Execute(t.Context(), b, rec.emit); err != nil {
		t.Fatal(err)
	}
	term := rec.terminal(t, b)
	ents, err := os.ReadDir(b.OutRoot)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if want := "run_00.tar run_01.tar run_02.tar"; strings.Join(names, " ") != want {
		t.Fatalf("OutRoot holds %v, want %s", names, want)
	}
	for _, r := range b.Runs {
		ev := term[r.RunID]
		path := filepath.Join(b.OutRoot, r.RunID+runfolder.ArchiveSuffix)
		if ev.Type != sdk.EventCompleted || ev.Result == nil || ev.Result.Dir != path {
			t.Fatalf("run %s: %s %+v", r.RunID, ev.Type, ev.Result)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		recv, err := runfolder.Receive(filepath.Join(t.TempDir(), r.RunID))
		if err != nil {
			t.Fatal(err)
		}
		manifest, err := recv.PutArchive(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("run %s: unpacking: %v", r.RunID, err)
		}
		sealed, err := recv.Finish(manifest)
		recv.Close()
		if err != nil {
			t.Fatalf("run %s: unpacking: %v", r.RunID, err)
		}
		if sealed.SHA256 != ev.Result.ManifestSHA256 || sealed.Manifest.RunID != r.RunID {
			t.Errorf("run %s: manifest sha256 %s, result says %s", r.RunID, sealed.SHA256, ev.Result.ManifestSHA256)
		}
		if _, err := runfolder.Verify(sealed.Dir); err != nil {
			t.Errorf("run %s: %v", r.RunID, err)
		}
	}
}
