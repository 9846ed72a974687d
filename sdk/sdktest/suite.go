// Package sdktest is the conformance suite every bilancio executor passes,
// in the style of restic's backend tests and rclone's fstests: the
// behaviour the host relies on, written once and run against each executor,
// in process and through the plugin protocol.
//
//	func TestConformance(t *testing.T) {
//		s := &sdktest.Suite{New: func(t *testing.T) sdk.Executor { return myexec.New() }}
//		t.Run("inprocess", s.RunTests)
//		t.Run("grpc", func(t *testing.T) {
//			g := *s
//			g.New = func(t *testing.T) sdk.Executor { return sdktest.GRPC(t, myexec.New()) }
//			g.RunTests(t)
//		})
//	}
//
// The suite generates its scenarios (RingScenario) and checks run folders
// by their manifest (VerifyRunFolder), so it needs nothing but the sdk.
package sdktest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bilancio-go/bilancio/sdk"
	"github.com/bilancio-go/bilancio/sdk/runfolder"
)

// Suite is the conformance suite for one executor.
type Suite struct {
	// New returns a fresh executor, not yet configured; each test calls it
	// once. Cleanup belongs in t.Cleanup.
	New func(t *testing.T) sdk.Executor
	// Config is the configuration (a JSON object) the tests hand to
	// Configure; nil means {}.
	Config []byte
	// Worker is set in every batch (remote executors need it).
	Worker *sdk.WorkerBinary
	// OutRoot, when set, says where the batches of an experiment land
	// (Batch.OutRoot); the default is a fresh temporary directory. An
	// executor whose storage is a local directory sets it to put the runs
	// where its storage has them: <root>/<experiment_id>/runs.
	OutRoot func(t *testing.T, experimentID string) string

	// FastScenario returns the i-th small scenario, which runs in a few
	// milliseconds (default: RingScenario(5+i%5, i)).
	FastScenario func(i int) []byte
	// SlowScenario returns the i-th big scenario, which runs for hundreds of
	// milliseconds (default: RingScenario(3000, i), about 0.2 s).
	SlowScenario func(i int) []byte
	// SlowRuns is the number of runs of the cancelled batches (default 6),
	// run SlowParallel at a time (default 2). Through sdktest.GRPC the batch
	// must stay under 4 MiB.
	SlowRuns, SlowParallel int
	// CancelAfter is when the slow batches are cancelled, counted from their
	// first run's start (default 300 ms), unless a run completes sooner;
	// CancelWithin is how soon after that Execute must return and the
	// executor be idle (default 1 s, 5 s under the race detector).
	CancelAfter, CancelWithin time.Duration
}

// cancelWithin is CancelWithin or its default.
func (s *Suite) cancelWithin() time.Duration {
	if s.CancelWithin > 0 {
		return s.CancelWithin
	}
	if raceEnabled {
		return 5 * time.Second
	}
	return time.Second
}

// RunTests runs every test of the suite as a subtest of t.
func (s *Suite) RunTests(t *testing.T) {
	if s.New == nil {
		t.Fatal("sdktest.Suite.New is nil")
	}
	tests := []struct {
		name string
		fn   func(*testing.T)
	}{
		{"Describe", s.TestDescribe},
		{"Configure", s.TestConfigure},
		{"ExecuteEmpty", s.TestExecuteEmpty},
		{"Execute", s.TestExecute},
		{"ExecuteBrokenScenario", s.TestExecuteBrokenScenario},
		{"Status", s.TestStatus},
		{"CancelContext", s.TestCancelContext},
		{"CancelRPC", s.TestCancelRPC},
		{"Estimate", s.TestEstimate},
		{"Artifacts", s.TestArtifacts},
		{"Heartbeat", s.TestHeartbeat},
		{"Detach", s.TestDetach},
		{"CancelExperiment", s.TestCancelExperiment},
	}
	for _, tc := range tests {
		t.Run(tc.name, tc.fn)
	}
}

func (s *Suite) fast(i int) []byte {
	if s.FastScenario != nil {
		return s.FastScenario(i)
	}
	return RingScenario(5+i%5, i)
}

func (s *Suite) slow(i int) []byte {
	if s.SlowScenario != nil {
		return s.SlowScenario(i)
	}
	return RingScenario(3000, i)
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

func (s *Suite) config() []byte {
	if s.Config == nil {
		return []byte("{}")
	}
	return s.Config
}

// configured returns a fresh executor, described and configured.
func (s *Suite) configured(t *testing.T) (sdk.Executor, *sdk.Info) {
	t.Helper()
	ex := s.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	info, err := ex.Describe(ctx)
	if err != nil {
		t.Fatalf("Describe: %v", err)
	}
	if err := ex.Configure(ctx, &sdk.Config{JSON: s.config()}); err != nil {
		t.Fatalf("Configure(%s): %v", s.config(), err)
	}
	return ex, info
}

// newBatch returns a batch of an experiment of its own, landing in a fresh
// directory, whose run ids are unique to this test.
func (s *Suite) newBatch(t *testing.T, kind string) *sdk.Batch {
	var b [4]byte
	_, _ = rand.Read(b[:])
	batch := &sdk.Batch{
		ExperimentID: "sdktest_" + strings.ToLower(kind) + "_" + hex.EncodeToString(b[:]),
		Worker:       s.Worker,
	}
	if s.OutRoot != nil {
		batch.OutRoot = s.OutRoot(t, batch.ExperimentID)
	} else {
		batch.OutRoot = t.TempDir()
	}
	return batch
}

// addRun appends a run of the scenario to b.
func addRun(b *sdk.Batch, kind string, scenario []byte) sdk.RunSpec {
	i := len(b.Runs)
	id := fmt.Sprintf("%s_%s_%02d", kind, b.ExperimentID[strings.LastIndex(b.ExperimentID, "_")+1:], i)
	r := sdk.RunSpec{RunID: id, ScenarioName: id + ".yaml", Scenario: scenario}
	b.Runs = append(b.Runs, r)
	return r
}

// recorder collects a batch's events; its emit is safe for concurrent use.
type recorder struct {
	mu     sync.Mutex
	events []sdk.RunEvent
	// startedAt is when each run's started event arrived.
	startedAt map[string]time.Time
	// completed is closed when the first run completes.
	completed chan struct{}
}

func newRecorder() *recorder { return &recorder{completed: make(chan struct{})} }

func (r *recorder) emit(ev sdk.RunEvent) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, ev)
	if ev.Type == sdk.EventStarted {
		if r.startedAt == nil {
			r.startedAt = map[string]time.Time{}
		}
		// When the executor made the event, if it says so (and it is not
		// later than now): a loaded machine may deliver a start that was
		// on its way well after the cancellation.
		at := time.Now()
		if !ev.Time.IsZero() && ev.Time.Before(at) {
			at = ev.Time
		}
		r.startedAt[ev.RunID] = at
	}
	if ev.Type == sdk.EventCompleted && r.completed != nil {
		select {
		case <-r.completed:
		default:
			close(r.completed)
		}
	}
	return nil
}

// anyStarted reports whether a run has been reported started.
func (r *recorder) anyStarted() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.startedAt) > 0
}

// startedAfter returns the runs whose started event arrived after t.
func (r *recorder) startedAfter(t time.Time) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var ids []string
	for id, at := range r.startedAt {
		if at.After(t) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

func (r *recorder) all() []sdk.RunEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.events)
}

// checkEvents checks the event stream of a batch: every event names a run of
// the batch (but usage events and heartbeats, which name none) and has a
// known type, no run has more than one final event (terminal, or detached
// in a detached batch) and none has an event after it. It returns each
// run's final event (absent when it has none).
func checkEvents(t *testing.T, b *sdk.Batch, events []sdk.RunEvent) map[string]sdk.RunEvent {
	t.Helper()
	known := map[string]bool{}
	for _, r := range b.Runs {
		known[r.RunID] = true
	}
	terminal := map[string]sdk.RunEvent{}
	for _, ev := range events {
		if ev.Type == sdk.EventUsage {
			if ev.RunID != "" || len(ev.Usage) == 0 {
				t.Errorf("usage event %+v names a run or carries no usage", ev)
			}
			continue
		}
		if ev.Type == sdk.EventHeartbeat {
			if ev.RunID != "" || b.HeartbeatInterval <= 0 {
				t.Errorf("heartbeat %+v names a run, or the batch asked for none", ev)
			}
			for _, id := range ev.Running {
				if !known[id] {
					t.Errorf("heartbeat vouches for %s, not a run of the batch", id)
				}
			}
			continue
		}
		if !known[ev.RunID] {
			t.Errorf("event %+v names no run of the batch", ev)
			continue
		}
		switch ev.Type {
		case sdk.EventQueued, sdk.EventStarted, sdk.EventProgress, sdk.EventCompleted, sdk.EventFailed, sdk.EventCancelled:
		case sdk.EventDetached:
			if !b.Detach {
				t.Errorf("run %s: detached, in a batch that did not ask to detach", ev.RunID)
			}
		default:
			t.Errorf("run %s: event of unknown type %q", ev.RunID, ev.Type)
		}
		if prev, ok := terminal[ev.RunID]; ok {
			t.Errorf("run %s: event %s after its final event %s", ev.RunID, ev.Type, prev.Type)
			continue
		}
		if ev.Type.Final() {
			terminal[ev.RunID] = ev
		}
	}
	return terminal
}

// checkCompleted checks a completed event: its Result is filled in and its
// folder verifies.
func checkCompleted(t *testing.T, b *sdk.Batch, ev sdk.RunEvent) {
	t.Helper()
	res := ev.Result
	if res == nil {
		t.Errorf("run %s: completed without a Result", ev.RunID)
		return
	}
	dir := filepath.Join(b.OutRoot, ev.RunID)
	if res.RunID != ev.RunID {
		t.Errorf("run %s: Result.RunID = %q", ev.RunID, res.RunID)
	}
	if filepath.Clean(res.Dir) != dir {
		t.Errorf("run %s: Result.Dir = %q, want %q", ev.RunID, res.Dir, dir)
	}
	if res.StopReason == "" {
		t.Errorf("run %s: Result.StopReason is empty", ev.RunID)
	}
	if res.DaysSimulated <= 0 {
		t.Errorf("run %s: Result.DaysSimulated = %d", ev.RunID, res.DaysSimulated)
	}
	if res.DurationMS < 0 {
		t.Errorf("run %s: Result.DurationMS = %v", ev.RunID, res.DurationMS)
	}
	if res.Executor == "" {
		t.Errorf("run %s: Result.Executor is empty", ev.RunID)
	}
	m, sum, err := VerifyRunFolder(dir)
	if err != nil {
		t.Errorf("run %s: %v", ev.RunID, err)
		return
	}
	if sum != res.ManifestSHA256 {
		t.Errorf("run %s: Result.ManifestSHA256 = %q, manifest.json has %s", ev.RunID, res.ManifestSHA256, sum)
	}
	if m.RunID != ev.RunID {
		t.Errorf("run %s: the manifest says run_id %q", ev.RunID, m.RunID)
	}
	if m.Status != "completed" {
		t.Errorf("run %s: the manifest says status %q", ev.RunID, m.Status)
	}
	if m.StopReason != res.StopReason {
		t.Errorf("run %s: the manifest says stop_reason %q, the Result %q", ev.RunID, m.StopReason, res.StopReason)
	}
}

// execute runs b to its end with a deadline, and returns its events.
func execute(t *testing.T, ex sdk.Executor, b *sdk.Batch, timeout time.Duration) ([]sdk.RunEvent, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var rec recorder
	err := ex.Execute(ctx, b, rec.emit)
	if ctx.Err() != nil {
		t.Fatalf("Execute of %d runs did not return within %v", len(b.Runs), timeout)
	}
	return rec.all(), err
}

var attributeName = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// TestDescribe checks Describe: a name, protocol version 1 and a
// well-formed configuration schema.
func (s *Suite) TestDescribe(t *testing.T) {
	ex := s.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	info, err := ex.Describe(ctx)
	if err != nil {
		t.Fatalf("Describe: %v", err)
	}
	if info.Name == "" {
		t.Error("Info.Name is empty")
	}
	if info.Version == "" {
		t.Error("Info.Version is empty")
	}
	if !slices.Contains(info.ProtocolVersions, sdk.ProtocolVersion) {
		t.Errorf("Info.ProtocolVersions = %v, want it to contain %d", info.ProtocolVersions, sdk.ProtocolVersion)
	}
	if info.Capabilities.MaxParallelHint < 0 {
		t.Errorf("Capabilities.MaxParallelHint = %d", info.Capabilities.MaxParallelHint)
	}
	seen := map[string]bool{}
	for _, a := range info.ConfigSchema {
		if !attributeName.MatchString(a.Name) {
			t.Errorf("config attribute %q: the name is not a lower-case identifier", a.Name)
		}
		if seen[a.Name] {
			t.Errorf("config attribute %q appears twice", a.Name)
		}
		seen[a.Name] = true
		switch a.Type {
		case sdk.TypeString, sdk.TypeNumber, sdk.TypeBool, sdk.TypeListString:
		default:
			t.Errorf("config attribute %q: unknown type %q", a.Name, a.Type)
		}
		if a.Description == "" {
			t.Errorf("config attribute %q has no description", a.Name)
		}
		if a.Default != "" {
			cfg := &sdk.Config{JSON: []byte(`{}`)}
			one := []sdk.ConfigAttribute{{Name: a.Name, Type: a.Type, Default: a.Default}}
			var v map[string]any
			if err := cfg.Decode(one, &v); err != nil {
				t.Errorf("config attribute %q: the default %s is not a JSON %s: %v", a.Name, a.Default, a.Type, err)
			}
		}
		if a.Required && a.Default != "" {
			t.Errorf("config attribute %q is required and has a default", a.Name)
		}
	}
}

// TestConfigure checks that Configure accepts the suite's configuration and
// refuses malformed JSON and unknown attributes with ErrInvalidConfig.
func (s *Suite) TestConfigure(t *testing.T) {
	cases := []struct {
		name   string
		config []byte
		ok     bool
	}{
		{"given", s.config(), true},
		{"malformed JSON", []byte(`{"parallel": `), false},
		{"not an object", []byte(`[1, 2]`), false},
		{"unknown attribute", unknownAttribute(s.config()), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ex := s.New(t)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if _, err := ex.Describe(ctx); err != nil {
				t.Fatalf("Describe: %v", err)
			}
			err := ex.Configure(ctx, &sdk.Config{JSON: tc.config})
			switch {
			case tc.ok && err != nil:
				t.Errorf("Configure(%s): %v", tc.config, err)
			case !tc.ok && err == nil:
				t.Errorf("Configure(%s) accepted it", tc.config)
			case !tc.ok && !errors.Is(err, sdk.ErrInvalidConfig):
				t.Errorf("Configure(%s) = %v, want an error wrapping sdk.ErrInvalidConfig", tc.config, err)
			case !tc.ok && tc.name == "unknown attribute" && !strings.Contains(err.Error(), "sdktest_no_such_attribute"):
				t.Errorf("Configure(%s) = %v, want it to name the unknown attribute", tc.config, err)
			}
		})
	}
}

// unknownAttribute adds an attribute that no schema has to a configuration.
func unknownAttribute(config []byte) []byte {
	var m map[string]json.RawMessage
	if json.Unmarshal(config, &m) != nil || m == nil {
		m = map[string]json.RawMessage{}
	}
	m["sdktest_no_such_attribute"] = json.RawMessage(`1`)
	b, _ := json.Marshal(m)
	return b
}

// TestExecuteEmpty checks that a batch without runs returns at once.
func (s *Suite) TestExecuteEmpty(t *testing.T) {
	ex, _ := s.configured(t)
	b := s.newBatch(t, "empty")
	events, err := execute(t, ex, b, 30*time.Second)
	if err != nil {
		t.Errorf("Execute of an empty batch: %v", err)
	}
	if len(events) != 0 {
		t.Errorf("Execute of an empty batch emitted %v", events)
	}
}

// TestExecute runs a batch of small runs: each one completes exactly once,
// with a Result, and its folder verifies.
func (s *Suite) TestExecute(t *testing.T) {
	ex, _ := s.configured(t)
	b := s.newBatch(t, "fast")
	for i := range 4 {
		addRun(b, "fast", s.fast(i))
	}
	b.Parallel = 2
	events, err := execute(t, ex, b, 2*time.Minute)
	if err != nil {
		t.Fatalf("Execute: %v", err)
	}
	terminal := checkEvents(t, b, events)
	for _, r := range b.Runs {
		ev, ok := terminal[r.RunID]
		switch {
		case !ok:
			t.Errorf("run %s has no terminal event", r.RunID)
		case ev.Type != sdk.EventCompleted:
			t.Errorf("run %s: %s (%s), want completed", r.RunID, ev.Type, ev.Message)
		default:
			checkCompleted(t, b, ev)
		}
	}
}

// brokenScenario is a scenario whose payable names an agent that does not
// exist: the loader refuses it, naming the agent.
const brokenScenario = `version: 1
name: sdktest broken scenario
agents:
  - {id: CB, kind: central_bank, name: Central Bank}
  - {id: H1, kind: household, name: Household 1}
  - {id: H2, kind: household, name: Household 2}
initial_actions:
  - mint_cash: {to: H1, amount: 100}
  - create_payable: {from: H1, to: H_SDKTEST_MISSING, amount: 80, due_day: 1}
run:
  mode: until_stable
  max_days: 10
  quiet_days: 2
  default_handling: expel-agent
`

// TestExecuteBrokenScenario checks that a run whose scenario is broken fails,
// with a message naming the problem, while the others of its batch complete.
func (s *Suite) TestExecuteBrokenScenario(t *testing.T) {
	ex, _ := s.configured(t)
	b := s.newBatch(t, "broken")
	addRun(b, "fast", s.fast(0))
	broken := addRun(b, "broken", []byte(brokenScenario))
	addRun(b, "fast", s.fast(1))
	addRun(b, "fast", s.fast(2))
	events, err := execute(t, ex, b, 2*time.Minute)
	if err != nil {
		t.Fatalf("Execute: %v (a broken run must fail alone)", err)
	}
	terminal := checkEvents(t, b, events)
	for _, r := range b.Runs {
		ev, ok := terminal[r.RunID]
		switch {
		case !ok:
			t.Errorf("run %s has no terminal event", r.RunID)
		case r.RunID == broken.RunID:
			if ev.Type != sdk.EventFailed {
				t.Errorf("broken run %s: %s, want failed", r.RunID, ev.Type)
			} else if !strings.Contains(ev.Message, "H_SDKTEST_MISSING") {
				t.Errorf("broken run %s failed with %q, which does not name the unknown agent H_SDKTEST_MISSING", r.RunID, ev.Message)
			}
			if runfolder.HasManifest(filepath.Join(b.OutRoot, r.RunID)) {
				t.Errorf("broken run %s left a manifest.json", r.RunID)
			}
		case ev.Type != sdk.EventCompleted:
			t.Errorf("run %s: %s (%s), want completed", r.RunID, ev.Type, ev.Message)
		default:
			checkCompleted(t, b, ev)
		}
	}
}

// TestStatus checks that Status reports the runs of a finished batch in
// their terminal states.
func (s *Suite) TestStatus(t *testing.T) {
	ex, _ := s.configured(t)
	b := s.newBatch(t, "status")
	addRun(b, "fast", s.fast(3))
	broken := addRun(b, "broken", []byte(brokenScenario))
	if _, err := execute(t, ex, b, 2*time.Minute); err != nil {
		t.Fatalf("Execute: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	reply, err := ex.Status(ctx, &sdk.StatusRequest{ExperimentID: b.ExperimentID})
	if err != nil {
		t.Fatalf("Status: %v", err)
	}
	got := map[string]sdk.RunStatus{}
	for _, r := range reply.Runs {
		got[r.RunID] = r
	}
	for _, r := range b.Runs {
		want := sdk.EventCompleted
		if r.RunID == broken.RunID {
			want = sdk.EventFailed
		}
		st, ok := got[r.RunID]
		switch {
		case !ok:
			t.Errorf("Status does not list run %s (it lists %v)", r.RunID, reply.Runs)
		case st.State != want:
			t.Errorf("Status of run %s: %s, want %s", r.RunID, st.State, want)
		}
	}
	other, err := ex.Status(ctx, &sdk.StatusRequest{ExperimentID: b.ExperimentID + "_other"})
	if err != nil {
		t.Fatalf("Status of an unknown experiment: %v", err)
	}
	if len(other.Runs) != 0 {
		t.Errorf("Status of an unknown experiment lists %v", other.Runs)
	}
}

// slowBatch builds the batch the cancellation tests cancel.
func (s *Suite) slowBatch(t *testing.T, kind string) *sdk.Batch {
	b := s.newBatch(t, kind)
	for i := range orDefault(s.SlowRuns, 6) {
		addRun(b, "slow", s.slow(i))
	}
	b.Parallel = orDefault(s.SlowParallel, 2)
	return b
}

// startGrace is how long after a cancellation a run may still be started:
// the cancellation takes a moment to reach an executor in another process
// (gRPC, a loaded machine), and it may start a run meanwhile. Far shorter
// than a slow run, so an executor that goes on starting runs is caught.
const startGrace = 250 * time.Millisecond

// cancelled runs b under ctx, calls stop CancelAfter after the first run
// started, and checks that
// Execute returns within CancelWithin of that and that no run started after
// it. It returns the events, whether Execute returned before stop was
// called, and Execute's error.
func (s *Suite) cancelled(ctx context.Context, t *testing.T, ex sdk.Executor, b *sdk.Batch, stop func()) ([]sdk.RunEvent, bool, error) {
	t.Helper()
	rec := newRecorder()
	done := make(chan error, 1)
	go func() { done <- ex.Execute(ctx, b, rec.emit) }()
	// CancelAfter counts from the first run's start: a loaded machine may
	// take a while to hand the batch to the executor, and a cancellation
	// that arrives before the executor knows the batch cancels nothing.
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for deadline := time.Now().Add(30 * time.Second); !rec.anyStarted() && time.Now().Before(deadline); {
		select {
		case err := <-done:
			return rec.all(), true, err
		case <-tick.C:
		}
	}
	// The cancellation comes CancelAfter after the first start, or as soon
	// as the first run completes if that is sooner: however fast the engine
	// gets, the batch is then cancelled mid-way, with most of its runs to
	// do.
	select {
	case err := <-done:
		return rec.all(), true, err
	case <-rec.completed:
	case <-time.After(orDefault(s.CancelAfter, 300*time.Millisecond)):
	}
	stop()
	stopped := time.Now()
	within := s.cancelWithin()
	select {
	case err := <-done:
		if d := time.Since(stopped); d > within {
			t.Errorf("Execute returned %v after the cancellation, want within %v", d.Round(time.Millisecond), within)
		}
		if late := rec.startedAfter(stopped.Add(startGrace)); len(late) > 0 {
			t.Errorf("runs %v started after the cancellation", late)
		}
		return rec.all(), false, err
	case <-time.After(within + 10*time.Second):
		t.Fatalf("Execute did not return within %v of the cancellation", within+10*time.Second)
	}
	return nil, false, nil
}

// checkCancelledRuns checks the runs of a cancelled batch: those that
// completed verify; the others are cancelled (never failed), or, when
// missingOK, have no terminal event; none that was cancelled left a
// manifest. It returns how many runs did not complete.
func checkCancelledRuns(t *testing.T, b *sdk.Batch, events []sdk.RunEvent, missingOK bool) int {
	t.Helper()
	terminal := checkEvents(t, b, events)
	unfinished := 0
	for _, r := range b.Runs {
		dir := filepath.Join(b.OutRoot, r.RunID)
		ev, ok := terminal[r.RunID]
		switch {
		case !ok && !missingOK:
			t.Errorf("run %s has no terminal event, want completed or cancelled", r.RunID)
			unfinished++
		case !ok:
			unfinished++
			// Its completion may have been lost with the cancelled call:
			// then its folder must verify.
			if runfolder.HasManifest(dir) {
				if _, _, err := VerifyRunFolder(dir); err != nil {
					t.Errorf("run %s, unfinished: %v", r.RunID, err)
				}
			}
		case ev.Type == sdk.EventCompleted:
			checkCompleted(t, b, ev)
		case ev.Type == sdk.EventCancelled:
			unfinished++
			if runfolder.HasManifest(dir) {
				t.Errorf("run %s was cancelled but left a manifest.json", r.RunID)
			}
		default:
			t.Errorf("run %s: %s (%s), want completed or cancelled", r.RunID, ev.Type, ev.Message)
			unfinished++
		}
	}
	return unfinished
}

// waitIdle waits until Status shows no run of b queued or running: the
// executor's side stopped too (through gRPC, Execute returns as soon as the
// call is cancelled, before the plugin has stopped).
func waitIdle(t *testing.T, ex sdk.Executor, b *sdk.Batch, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		reply, err := ex.Status(ctx, &sdk.StatusRequest{ExperimentID: b.ExperimentID})
		cancel()
		if err != nil {
			t.Errorf("Status after the cancellation: %v", err)
			return
		}
		var busy []string
		for _, r := range reply.Runs {
			if !r.State.Terminal() {
				busy = append(busy, r.RunID+" "+string(r.State))
			}
		}
		if len(busy) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("%v after the cancellation, Status still shows runs in flight: %v", within, busy)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestCancelContext cancels the context of a batch of slow runs mid-way:
// Execute returns the context's error within CancelWithin, every run that
// had not completed is reported cancelled or not at all, and the executor
// stops its work.
//
// The end of Execute's context does not stop the remote work of an executor
// with Capabilities.Detach: the host's sdk client sends Cancel for the
// batch's runs when its caller cancels, and so does this test for such an
// executor.
func (s *Suite) TestCancelContext(t *testing.T) {
	ex, info := s.configured(t)
	b := s.slowBatch(t, "ctxcancel")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stop := cancel
	if info.Capabilities.Detach {
		stop = func() {
			cancel()
			cctx, ccancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer ccancel()
			ids := make([]string, len(b.Runs))
			for i, r := range b.Runs {
				ids[i] = r.RunID
			}
			if err := ex.Cancel(cctx, &sdk.CancelRequest{ExperimentID: b.ExperimentID, RunIDs: ids}); err != nil {
				t.Errorf("Cancel: %v", err)
			}
		}
	}
	started := time.Now()
	events, early, err := s.cancelled(ctx, t, ex, b, stop)
	if early {
		t.Skipf("the slow batch ended after %v, before it could be cancelled (err %v): make Suite.SlowScenario slower", time.Since(started), err)
	}
	unfinished := checkCancelledRuns(t, b, events, true)
	t.Logf("%d of %d runs had not completed when the context was cancelled", unfinished, len(b.Runs))
	switch {
	case unfinished == 0 && err != nil && !errors.Is(err, context.Canceled):
		// The context may have ended after the last run completed but
		// before Execute returned: then context.Canceled is right too.
		t.Errorf("Execute = %v after every run completed, want nil or context.Canceled", err)
	case unfinished > 0 && !errors.Is(err, context.Canceled):
		t.Errorf("Execute = %v, want context.Canceled", err)
	}
	if unfinished == 0 {
		t.Skip("every slow run completed before the cancellation: make Suite.SlowScenario slower")
	}
	waitIdle(t, ex, b, s.cancelWithin())
}

// TestCancelRPC stops a batch of slow runs through Executor.Cancel: Execute
// returns nil within CancelWithin, having reported every run completed or
// cancelled. A second Cancel is harmless.
func (s *Suite) TestCancelRPC(t *testing.T) {
	ex, info := s.configured(t)
	if !info.Capabilities.Cancel {
		t.Skip("the executor does not have the cancel capability")
	}
	b := s.slowBatch(t, "rpccancel")
	cancelRuns := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := ex.Cancel(ctx, &sdk.CancelRequest{ExperimentID: b.ExperimentID}); err != nil {
			t.Errorf("Cancel: %v", err)
		}
	}
	events, early, err := s.cancelled(context.Background(), t, ex, b, cancelRuns)
	if early {
		t.Skipf("the slow batch ended before it could be cancelled (err %v): make Suite.SlowScenario slower", err)
	}
	if err != nil {
		t.Errorf("Execute after Cancel = %v, want nil (every run reported)", err)
	}
	unfinished := checkCancelledRuns(t, b, events, false)
	t.Logf("%d of %d runs had not completed when Cancel was called", unfinished, len(b.Runs))
	if unfinished == 0 {
		t.Skip("every slow run completed before the cancellation: make Suite.SlowScenario slower")
	}
	cancelRuns()
	waitIdle(t, ex, b, s.cancelWithin())
}

// TestEstimate checks Estimate when the executor has the capability, and
// that it answers (or says it cannot) otherwise.
func (s *Suite) TestEstimate(t *testing.T) {
	ex, info := s.configured(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	est, err := ex.Estimate(ctx, &sdk.EstimateRequest{Runs: 100, SecondsPerRun: 0.5})
	if !info.Capabilities.Estimate {
		if err != nil && !errors.Is(err, sdk.ErrNotSupported) {
			t.Errorf("Estimate without the capability = %v, want nil or sdk.ErrNotSupported", err)
		}
		return
	}
	if err != nil {
		t.Fatalf("Estimate: %v", err)
	}
	if est.Cost < 0 || est.Seconds <= 0 {
		t.Errorf("Estimate of 100 runs of 0.5 s: cost %v, %v s", est.Cost, est.Seconds)
	}
	if est.Cost > 0 && est.Currency == "" {
		t.Errorf("Estimate: a cost of %v without a currency", est.Cost)
	}
}

// TestArtifacts checks List, Fetch and Remove on the executor's storage
// after a batch, when the executor has the artifacts capability, and that
// they say sdk.ErrNotSupported otherwise.
func (s *Suite) TestArtifacts(t *testing.T) {
	ex, info := s.configured(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if !info.Capabilities.Artifacts {
		if _, err := ex.List(ctx, &sdk.ListRequest{Prefix: "x"}); !errors.Is(err, sdk.ErrNotSupported) {
			t.Errorf("List without the artifacts capability = %v, want sdk.ErrNotSupported", err)
		}
		if err := ex.Fetch(ctx, &sdk.FetchRequest{Path: "x"}, &bytes.Buffer{}); !errors.Is(err, sdk.ErrNotSupported) {
			t.Errorf("Fetch without the artifacts capability = %v, want sdk.ErrNotSupported", err)
		}
		if err := ex.Remove(ctx, &sdk.RemoveRequest{Path: "x"}); !errors.Is(err, sdk.ErrNotSupported) {
			t.Errorf("Remove without the artifacts capability = %v, want sdk.ErrNotSupported", err)
		}
		return
	}
	b := s.newBatch(t, "artifacts")
	run := addRun(b, "fast", s.fast(4))
	events, err := execute(t, ex, b, 2*time.Minute)
	if err != nil {
		t.Fatalf("Execute: %v", err)
	}
	ev, ok := checkEvents(t, b, events)[run.RunID]
	if !ok || ev.Type != sdk.EventCompleted || ev.Result == nil {
		t.Fatalf("run %s did not complete: %+v", run.RunID, ev)
	}

	prefix := sdk.StoragePath(b.ExperimentID, run.RunID)
	manifestPath := prefix + "/" + runfolder.ManifestFile
	entries, err := ex.List(ctx, &sdk.ListRequest{Prefix: prefix})
	if err != nil {
		t.Fatalf("List(%q): %v", prefix, err)
	}
	var found *sdk.Entry
	for i, e := range entries {
		if !strings.HasPrefix(e.Path, prefix) {
			t.Errorf("List(%q) returned %q", prefix, e.Path)
		}
		if e.Path == manifestPath {
			found = &entries[i]
		}
	}
	if found == nil || found.IsDir {
		t.Fatalf("List(%q) has no file %s: %+v", prefix, manifestPath, entries)
	}

	var got bytes.Buffer
	if err := ex.Fetch(ctx, &sdk.FetchRequest{Path: manifestPath}, &got); err != nil {
		t.Fatalf("Fetch(%q): %v", manifestPath, err)
	}
	if int64(got.Len()) != found.Size {
		t.Errorf("Fetch(%q) gave %d bytes, List says %d", manifestPath, got.Len(), found.Size)
	}
	if sum := runfolder.SHA256(got.Bytes()); sum != ev.Result.ManifestSHA256 {
		t.Errorf("Fetch(%q) has sha256 %s, the run's Result says %s", manifestPath, sum, ev.Result.ManifestSHA256)
	}
	missing := prefix + "/sdktest-no-such-file"
	if err := ex.Fetch(ctx, &sdk.FetchRequest{Path: missing}, &bytes.Buffer{}); !errors.Is(err, sdk.ErrNotFound) {
		t.Errorf("Fetch(%q) = %v, want sdk.ErrNotFound", missing, err)
	}

	if err := ex.Remove(ctx, &sdk.RemoveRequest{Path: prefix, Recursive: true}); err != nil {
		t.Fatalf("Remove(%q, recursive): %v", prefix, err)
	}
	entries, err = ex.List(ctx, &sdk.ListRequest{Prefix: prefix})
	if err != nil {
		t.Fatalf("List(%q) after Remove: %v", prefix, err)
	}
	if len(entries) != 0 {
		t.Errorf("List(%q) after Remove: %+v", prefix, entries)
	}
	if err := ex.Remove(ctx, &sdk.RemoveRequest{Path: prefix, Recursive: true}); !errors.Is(err, sdk.ErrNotFound) {
		t.Errorf("Remove(%q) again = %v, want sdk.ErrNotFound", prefix, err)
	}
}

// TestHeartbeat: a batch that asks for heartbeats (Batch.HeartbeatInterval)
// gets them from an executor with Capabilities.Heartbeat (over gRPC the SDK
// sends them: this runs through sdktest.GRPC and sdktest.Process) while its
// runs compute, each naming runs in flight, at most a few intervals apart.
func (s *Suite) TestHeartbeat(t *testing.T) {
	ex, info := s.configured(t)
	if !info.Capabilities.Heartbeat {
		t.Skip("the executor does not send heartbeats (in process, it need not: the SDK's server sends them over gRPC)")
	}
	b := s.slowBatch(t, "heartbeat")
	b.Runs = b.Runs[:min(len(b.Runs), 2)]
	const every = 50 * time.Millisecond
	b.HeartbeatInterval = every
	var (
		mu       sync.Mutex
		beats    []time.Time
		vouched  int
		inFlight = map[string]bool{}
	)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var events []sdk.RunEvent
	err := ex.Execute(ctx, b, func(ev sdk.RunEvent) error {
		mu.Lock()
		defer mu.Unlock()
		events = append(events, ev)
		switch {
		case ev.Type == sdk.EventStarted:
			inFlight[ev.RunID] = true
		case ev.Type.Final():
			delete(inFlight, ev.RunID)
		case ev.Type == sdk.EventHeartbeat:
			beats = append(beats, time.Now())
			for _, id := range ev.Running {
				if inFlight[id] {
					vouched++
					break
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Execute: %v", err)
	}
	checkEvents(t, b, events)
	if len(beats) < 2 {
		t.Fatalf("%d heartbeats during the batch, asked every %v", len(beats), every)
	}
	if vouched == 0 {
		t.Error("no heartbeat named a run in flight")
	}
	for i := 1; i < len(beats); i++ {
		if gap := beats[i].Sub(beats[i-1]); gap > 20*every {
			t.Errorf("heartbeats %v apart, asked every %v", gap.Round(time.Millisecond), every)
		}
	}
}

// detachTimeout bounds the detach tests' waits: remote work is slow to
// start and to end.
const detachTimeout = 3 * time.Minute

// TestDetach (executors with Capabilities.Detach): a detached batch
// returns once its runs are handed to remote work, each reported detached
// (or ended); a fresh executor — sharing nothing with the first but the
// backend — lists the experiment's work units covering every run; and a
// fresh executor's Execute of the same batch re-attaches: every run
// completes and verifies, and no run was executed by two work units.
func (s *Suite) TestDetach(t *testing.T) {
	ex, info := s.configured(t)
	if !info.Capabilities.Detach {
		t.Skip("the executor does not have the detach capability")
	}
	b := s.newBatch(t, "detach")
	for i := range 4 {
		addRun(b, "det", s.fast(i))
	}
	b.Detach = true
	events, err := execute(t, ex, b, detachTimeout)
	if err != nil {
		t.Fatalf("detached Execute: %v", err)
	}
	for _, r := range b.Runs {
		ev, ok := checkEvents(t, b, events)[r.RunID]
		switch {
		case !ok:
			t.Errorf("run %s: no detached or terminal event from the detached Execute", r.RunID)
		case ev.Type == sdk.EventCompleted:
			checkCompleted(t, b, ev)
		case ev.Type != sdk.EventDetached:
			t.Errorf("run %s: %s (%s), want detached or completed", r.RunID, ev.Type, ev.Message)
		}
	}

	other, _ := s.configured(t)
	ctx, cancel := context.WithTimeout(context.Background(), detachTimeout)
	defer cancel()
	st, err := other.Status(ctx, &sdk.StatusRequest{ExperimentID: b.ExperimentID, Remote: true})
	if err != nil {
		t.Fatalf("Status (remote) from a fresh executor: %v", err)
	}
	covered := map[string]bool{}
	for _, u := range st.WorkUnits {
		if u.ID == "" || u.State == "" {
			t.Errorf("work unit %+v has no id or state", u)
		}
		for _, id := range u.RunIDs {
			covered[id] = true
		}
	}
	for _, r := range b.Runs {
		if !covered[r.RunID] {
			t.Errorf("no work unit lists run %s (units %+v)", r.RunID, st.WorkUnits)
		}
	}

	b2 := *b
	b2.Detach = false
	events, err = execute(t, other, &b2, detachTimeout)
	if err != nil {
		t.Fatalf("re-attaching Execute: %v", err)
	}
	terminal := checkEvents(t, &b2, events)
	for _, r := range b2.Runs {
		if ev, ok := terminal[r.RunID]; !ok || ev.Type != sdk.EventCompleted {
			t.Errorf("run %s after re-attaching: %+v, want completed", r.RunID, ev)
			continue
		}
		checkCompleted(t, &b2, terminal[r.RunID])
	}
	st, err = other.Status(ctx, &sdk.StatusRequest{ExperimentID: b.ExperimentID, Remote: true})
	if err != nil {
		t.Fatalf("Status (remote) after re-attaching: %v", err)
	}
	ranIn := map[string][]string{}
	for _, u := range st.WorkUnits {
		if u.State == sdk.WorkFinished || u.State.Live() {
			for _, id := range u.RunIDs {
				ranIn[id] = append(ranIn[id], u.ID)
			}
		}
	}
	for id, units := range ranIn {
		if len(units) > 1 {
			t.Errorf("run %s was executed by %d work units %v: re-attaching ran it again", id, len(units), units)
		}
	}
}

// TestCancelExperiment (executors with Capabilities.Detach): a fresh
// executor's Cancel with no run ids cancels all of a detached
// experiment's remote work: soon no work unit of it is live.
func (s *Suite) TestCancelExperiment(t *testing.T) {
	ex, info := s.configured(t)
	if !info.Capabilities.Detach {
		t.Skip("the executor does not have the detach capability")
	}
	b := s.slowBatch(t, "detachcancel")
	b.Detach = true
	if _, err := execute(t, ex, b, detachTimeout); err != nil {
		t.Fatalf("detached Execute: %v", err)
	}
	other, _ := s.configured(t)
	ctx, cancel := context.WithTimeout(context.Background(), detachTimeout)
	defer cancel()
	if err := other.Cancel(ctx, &sdk.CancelRequest{ExperimentID: b.ExperimentID}); err != nil {
		t.Fatalf("Cancel of the experiment from a fresh executor: %v", err)
	}
	for {
		st, err := other.Status(ctx, &sdk.StatusRequest{ExperimentID: b.ExperimentID, Remote: true})
		if err != nil {
			t.Fatalf("Status (remote): %v", err)
		}
		var live []string
		for _, u := range st.WorkUnits {
			if u.State.Live() {
				live = append(live, u.ID)
			}
		}
		if len(live) == 0 {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("work units %v still live %v after the experiment was cancelled", live, detachTimeout)
		case <-time.After(200 * time.Millisecond):
		}
	}
}
