//go:build unix

package modal_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/bilancio-go/bilancio/sdk"
	"github.com/bilancio-go/bilancio/sdk/sdktest"
)

// ringBatch is a batch of n small ring runs of an experiment.
func ringBatch(t *testing.T, experiment string, n int) *sdk.Batch {
	b := &sdk.Batch{ExperimentID: experiment, OutRoot: t.TempDir(), Worker: bins.worker}
	for i := range n {
		b.Runs = append(b.Runs, sdk.RunSpec{RunID: fmt.Sprintf("ring_%d", i), ScenarioName: fmt.Sprintf("ring_%d.yaml", i), Scenario: sdktest.RingScenario(5+i%4, i)})
	}
	return b
}

// collected is what an Execute emitted.
type collected struct {
	mu       sync.Mutex
	terminal map[string]sdk.RunEvent
	started  map[string]int
	usage    []sdk.SandboxUsage
	dup      []string
}

// emit records an event.
func (c *collected) emit(ev sdk.RunEvent) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.terminal == nil {
		c.terminal, c.started = map[string]sdk.RunEvent{}, map[string]int{}
	}
	c.usage = append(c.usage, ev.Usage...)
	if ev.Type == sdk.EventStarted {
		c.started[ev.RunID]++
	}
	if ev.Type.Terminal() {
		if _, ok := c.terminal[ev.RunID]; ok {
			c.dup = append(c.dup, ev.RunID)
		}
		c.terminal[ev.RunID] = ev
	}
	return nil
}

// execute runs a batch to its end and returns what it emitted; every run
// must have exactly one terminal event.
func execute(t *testing.T, ex sdk.Executor, b *sdk.Batch) *collected {
	t.Helper()
	c := &collected{}
	if err := ex.Execute(t.Context(), b, c.emit); err != nil {
		t.Fatalf("Execute: %v", err)
	}
	if len(c.dup) > 0 {
		t.Errorf("runs with a second terminal event: %v", c.dup)
	}
	if len(c.terminal) != len(b.Runs) {
		t.Fatalf("%d terminal events for %d runs", len(c.terminal), len(b.Runs))
	}
	return c
}

// configure configures ex with the JSON encoding of cfg.
func configure(t testing.TB, ex sdk.Executor, cfg map[string]any) {
	t.Helper()
	b, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := ex.Configure(t.Context(), &sdk.Config{JSON: b}); err != nil {
		t.Fatalf("Configure: %v", err)
	}
}

// wantAll checks that every run of b ended with typ on attempt (0: any),
// with a message containing each of parts.
func wantAll(t *testing.T, b *sdk.Batch, c *collected, typ sdk.EventType, attempt int, parts ...string) {
	t.Helper()
	for _, r := range b.Runs {
		ev := c.terminal[r.RunID]
		if ev.Type != typ || attempt > 0 && ev.Attempt != attempt {
			t.Errorf("run %s: %s (attempt %d) %q, want %s on attempt %d", r.RunID, ev.Type, ev.Attempt, ev.Message, typ, attempt)
			continue
		}
		for _, p := range parts {
			if !strings.Contains(ev.Message, p) {
				t.Errorf("run %s: message %q lacks %q", r.RunID, ev.Message, p)
			}
		}
	}
}
