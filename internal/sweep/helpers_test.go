package sweep

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/bilancio-go/bilancio/internal/pluginhost"
	"github.com/bilancio-go/bilancio/plugins/local"
	"github.com/bilancio-go/bilancio/sdk"
)

// flakyExecutor is the local executor with failures injected: a run for
// which fail(run id, attempt) is true fails (attempts count per run id
// across batches) instead of running.
type flakyExecutor struct {
	sdk.Executor
	fail func(id string, attempt int) bool

	mu       sync.Mutex
	attempts map[string]int
	executed []string
}

func newFlaky(fail func(id string, attempt int) bool) *flakyExecutor {
	return &flakyExecutor{Executor: local.New(), fail: fail, attempts: map[string]int{}}
}

// Execute implements sdk.Executor.
func (f *flakyExecutor) Execute(ctx context.Context, b *sdk.Batch, emit func(sdk.RunEvent) error) error {
	inner := *b
	inner.Runs = nil
	var failing []string
	f.mu.Lock()
	for _, r := range b.Runs {
		f.attempts[r.RunID]++
		if f.fail != nil && f.fail(r.RunID, f.attempts[r.RunID]) {
			failing = append(failing, r.RunID)
			continue
		}
		f.executed = append(f.executed, r.RunID)
		inner.Runs = append(inner.Runs, r)
	}
	f.mu.Unlock()
	for _, id := range failing {
		emit(sdk.RunEvent{RunID: id, Type: sdk.EventStarted, Time: time.Now()})
		emit(sdk.RunEvent{RunID: id, Type: sdk.EventFailed, Time: time.Now(), Message: fmt.Sprintf("injected failure of %s", id)})
	}
	if len(inner.Runs) == 0 {
		return nil
	}
	return f.Executor.Execute(ctx, &inner, emit)
}

// opener returns an ExecutorOpener that hands out f.
func (f *flakyExecutor) opener() ExecutorOpener {
	return func(ctx context.Context) (sdk.Executor, func() error, error) {
		return f, func() error { return nil }, nil
	}
}

// runCount is how many times run id was handed to the executor.
func (f *flakyExecutor) runCount(id string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.attempts[id]
}

// smallSpec is a quick sweep of n-agent rings: a grid of kappas × 2
// concentrations × 2 mus.
func smallSpec(dir string, nAgents int, kappas ...string) *Spec {
	if len(kappas) == 0 {
		kappas = []string{"0.5", "1", "2"}
	}
	return &Spec{
		Name:          "small",
		ExperimentDir: dir,
		Ring: RingParams{
			NAgents: nAgents, MaturityDays: 5, QTotal: "1000.0", LiquidityMode: "uniform",
			DefaultHandling: "expel-agent", BaseSeed: 42,
		},
		Grid: Grid{"kappas": kappas, "concentrations": []string{"0.5", "2"}, "mus": []string{"0", "1"}},
	}
}

// eventLog records events.
type eventLog struct {
	mu     sync.Mutex
	events []Event
}

func (l *eventLog) add(ev Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, ev)
}

// of returns the events of a type.
func (l *eventLog) of(t EventType) []Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []Event
	for _, ev := range l.events {
		if ev.Type == t {
			out = append(out, ev)
		}
	}
	return out
}

// quick are Options for tests: short retry delays.
func quick(open ExecutorOpener, log *eventLog) Options {
	o := Options{Open: open, RetryDelay: 5 * time.Millisecond, RetryMaxDelay: 50 * time.Millisecond}
	if log != nil {
		o.Events = log.add
	}
	return o
}

// mustRun runs a sweep and fails the test on an error.
func mustRun(t *testing.T, spec *Spec, opts Options) *Summary {
	t.Helper()
	sum, err := Run(context.Background(), spec, opts)
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

// pluginOptionsIn searches for plugins in dir only.
func pluginOptionsIn(dir string) pluginhost.Options {
	return pluginhost.Options{PluginDir: dir, Getenv: func(string) string { return "" }, WorkDir: dir, HomeDir: dir, ExecDir: dir}
}
