//go:build unix

package modal_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bilancio-go/bilancio/internal/modalemu"
	"github.com/bilancio-go/bilancio/plugins/modal"
	"github.com/bilancio-go/bilancio/sdk"
)

// inProcess is the executor in this process, pointed at srv through the
// environment (Modal's SDK reads it when a client is built).
func inProcess(t *testing.T, srv *modalemu.Server, cfg map[string]any) *modal.Executor {
	t.Helper()
	for _, kv := range modalEnv(t, srv) {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	ex := modal.New()
	configure(t, ex, cfg)
	return ex
}

// TestReattach: following a batch stops when its caller goes away, and its
// sandboxes go on without it; a new executor (as after bilancio was killed)
// executing the same batch follows the sandboxes still running, collects
// from the volume the runs that finished meanwhile, and starts no chunk
// again: every run completes once, and the only sandbox created is the new
// staging one.
func TestReattach(t *testing.T) {
	requireLinuxAMD64(t)
	for _, tc := range []struct {
		name   string
		linger int
	}{{"follow", 30}, {"collect", 0}} {
		t.Run(tc.name, func(t *testing.T) { reattach(t, tc.linger) })
	}
}

// reattach is TestReattach with chunks that linger (so they are followed
// again) or not (so their runs are collected from the volume).
func reattach(t *testing.T, linger int) {
	srv := emulator(t)
	cfg := map[string]any{"runs_per_sandbox": 4, "max_parallel": 3, "linger": linger}
	first := inProcess(t, srv, cfg)
	b := slowBatch(t, "reattach", 12)
	ctx, cancel := context.WithCancel(t.Context())
	var mu sync.Mutex
	done := map[string]bool{}
	err := first.Execute(ctx, b, func(ev sdk.RunEvent) error {
		mu.Lock()
		defer mu.Unlock()
		if ev.Type == sdk.EventCompleted {
			done[ev.RunID] = true
			cancel() // bilancio goes away after the first completed run
		}
		return nil
	})
	if err == nil {
		t.Fatal("Execute returned nil after its context was cancelled")
	}
	if len(done) == 0 || len(done) == len(b.Runs) {
		t.Fatalf("%d runs done before the cancel: the test does not test re-attaching", len(done))
	}
	running := 0
	for _, st := range srv.Sandboxes() {
		if st.Tags["bilancio"] == "chunk" && st.Running() {
			running++
		}
	}
	if running == 0 {
		t.Fatal("no chunk sandbox kept running after its follower went away")
	}
	created := srv.CreatedSandboxes()
	before := map[string]bool{}
	for _, st := range srv.Sandboxes() {
		before[st.ID] = true
	}
	if linger == 0 {
		// Nobody follows: the chunks finish into the volume and end.
		deadline := time.Now().Add(time.Minute)
		for busy := true; busy && time.Now().Before(deadline); {
			busy = false
			for _, st := range srv.Sandboxes() {
				busy = busy || st.Tags["bilancio"] == "chunk" && st.Running()
			}
			time.Sleep(50 * time.Millisecond)
		}
	}

	rest := *b
	rest.Runs = nil
	for _, r := range b.Runs {
		if !done[r.RunID] {
			rest.Runs = append(rest.Runs, r)
		}
	}
	second := inProcess(t, srv, cfg)
	c := execute(t, second, &rest)
	wantAll(t, &rest, c, sdk.EventCompleted, 0)
	collected := 0
	for _, ev := range c.terminal {
		if strings.Contains(ev.Message, "collected from the volume") {
			collected++
		}
	}
	t.Logf("%d runs done before; after: %d, %d of them from the volume; %d chunks were running", len(done), len(rest.Runs), collected, running)
	if linger == 0 && collected != len(rest.Runs) {
		t.Errorf("%d of %d runs collected from the volume", collected, len(rest.Runs))
	}
	if linger > 0 && collected == len(rest.Runs) {
		t.Error("no run was followed in a running sandbox")
	}
	// The re-attaching executor creates its staging sandbox and chunks
	// only for runs no chunk had: a chunk whose creation the first
	// executor's end cut short (under load, the first run can complete
	// before the last chunk is created) never got its runs. Each run ran
	// once: the volume holds one worker manifest per chunk, covering each
	// run once (below).
	newChunks := 0
	for _, st := range srv.Sandboxes() {
		if !before[st.ID] && st.Tags["bilancio"] == "chunk" {
			newChunks++
		}
	}
	if n := srv.CreatedSandboxes() - created; n != 1+newChunks {
		t.Errorf("%d sandboxes created by the re-attaching executor, want 1 (its staging) + %d chunks", n, newChunks)
	}
	if newChunks > 0 {
		t.Logf("%d chunks created again (for runs no chunk had been handed)", newChunks)
	}
	if linger > 0 && newChunks > 0 && running <= newChunks {
		t.Error("no running chunk was followed")
	}
	vol, _ := srv.VolumeDir("bilancio-results")
	manifests, _ := filepath.Glob(filepath.Join(vol, "reattach", "chunks", "*.json"))
	seen := map[string]int{}
	for _, m := range manifests {
		raw, err := os.ReadFile(m)
		if err != nil {
			t.Fatal(err)
		}
		var wm sdk.WorkerManifest
		if err := json.Unmarshal(raw, &wm); err != nil {
			t.Fatal(err)
		}
		for _, r := range wm.Runs {
			seen[r.RunID]++
		}
	}
	for _, r := range b.Runs {
		if seen[r.RunID] != 1 {
			t.Errorf("run %s was handed to %d chunks", r.RunID, seen[r.RunID])
		}
	}
}

// TestWorkerParallel: a sandbox's worker runs as many runs at once as the
// sandbox has requested cores.
func TestWorkerParallel(t *testing.T) {
	requireLinuxAMD64(t)
	srv := emulator(t)
	ex := subprocess(t, modalEnv(t, srv)...)
	configure(t, ex, map[string]any{"runs_per_sandbox": 4, "cpu": 2})
	b := ringBatch(t, "parallel", 4)
	execute(t, ex, b)
	vol, _ := srv.VolumeDir("bilancio-results")
	manifests, _ := filepath.Glob(filepath.Join(vol, "parallel", "chunks", "*.json"))
	if len(manifests) != 1 {
		t.Fatalf("%d chunk manifests", len(manifests))
	}
	raw, _ := os.ReadFile(manifests[0])
	var wm sdk.WorkerManifest
	if err := json.Unmarshal(raw, &wm); err != nil || wm.Parallel != 2 {
		t.Errorf("the chunk's worker runs %d at once (%v), want 2", wm.Parallel, err)
	}
	for _, st := range srv.Sandboxes() {
		if st.Tags["bilancio"] == "chunk" && st.CPU != 2 {
			t.Errorf("chunk sandbox %s requested %v cores", st.ID, st.CPU)
		}
	}
}

// TestBudget: with max_cost set, no chunk starts once the cost spent plus
// the cost in flight would pass it; the runs of chunks that did not start
// fail saying so, and the others complete.
func TestBudget(t *testing.T) {
	requireLinuxAMD64(t)
	// A chunk is forecast at its 5 s overhead at (0.00003942 + 2 × 0.00000672)
	// per second, about $0.00026.
	for _, tc := range []struct {
		name    string
		maxCost float64
	}{
		// Less than one sandbox's overhead: nothing starts, not even
		// the staging sandbox, whatever the timing.
		{"below one chunk", 0.0001},
		// One chunk fits, a second in flight with it does not, and once
		// refused no chunk starts. Whether a second chunk is ever in
		// flight with the first depends on the machine's pace (a chunk
		// that ended counts at its measured cost, far below its
		// forecast), so some runs may or may not be refused.
		{"one chunk at a time", 0.0004},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := emulator(t)
			ex := subprocess(t, modalEnv(t, srv)...)
			configure(t, ex, map[string]any{"runs_per_sandbox": 2, "max_parallel": 2, "max_cost": tc.maxCost})
			b := ringBatch(t, "budget", 8)
			c := execute(t, ex, b)
			completed, refused := 0, 0
			for _, ev := range c.terminal {
				switch {
				case ev.Type == sdk.EventCompleted:
					completed++
				case ev.Type == sdk.EventFailed && strings.HasPrefix(ev.Message, "not started: ") && strings.Contains(ev.Message, "max cost"):
					refused++
				default:
					t.Errorf("run %s: %s %q", ev.RunID, ev.Type, ev.Message)
				}
			}
			spent := 0.0
			for _, u := range c.usage {
				spent += u.Cost
			}
			t.Logf("%d completed, %d not started; spent %.6f", completed, refused, spent)
			switch {
			case completed+refused != len(b.Runs):
				t.Errorf("%d completed and %d refused of %d runs", completed, refused, len(b.Runs))
			case tc.maxCost < 0.00026 && (completed != 0 || len(srv.Sandboxes()) != 0):
				t.Errorf("%d runs completed and %d sandboxes were created under a limit below one sandbox's forecast", completed, len(srv.Sandboxes()))
			case tc.maxCost >= 0.00026 && completed == 0:
				t.Errorf("no run completed though one chunk fits the limit")
			case spent > tc.maxCost:
				t.Errorf("spent %.6f, over the limit %.6f", spent, tc.maxCost)
			}
		})
	}
}
