package pluginhost

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/bilancio-go/bilancio/sdk"
	"github.com/bilancio-go/bilancio/sdk/runfolder"
)

// testLogger returns a logger whose output the test prints if it fails.
func testLogger(t *testing.T) hclog.Logger {
	t.Helper()
	var mu sync.Mutex
	var buf bytes.Buffer
	t.Cleanup(func() {
		if t.Failed() {
			mu.Lock()
			defer mu.Unlock()
			t.Logf("log:\n%s", buf.String())
		}
	})
	return hclog.New(&hclog.LoggerOptions{Output: &lockedWriter{mu: &mu, w: &buf}, Level: hclog.Debug})
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// open places the test plugin under name in a temp dir and opens it; the
// plugin is closed when the test ends.
func open(t *testing.T, name string, opts ...OpenOption) *Plugin {
	t.Helper()
	c := place(t, t.TempDir(), name, testPluginBin, true)
	p, err := Open(context.Background(), c, append([]OpenOption{WithLogger(testLogger(t))}, opts...)...)
	if err != nil {
		t.Fatalf("Open(%s): %v", name, err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

// collect runs a batch through Execute and returns the events per run.
func collect(ctx context.Context, t *testing.T, ex sdk.Executor, b *sdk.Batch) (map[string][]sdk.RunEvent, error) {
	t.Helper()
	var mu sync.Mutex
	got := map[string][]sdk.RunEvent{}
	err := sdk.Execute(ctx, ex, b, func(ev sdk.RunEvent) error {
		mu.Lock()
		defer mu.Unlock()
		got[ev.RunID] = append(got[ev.RunID], ev)
		return nil
	})
	return got, err
}

// terminal returns a run's only terminal event, failing the test if it has
// none or several.
func terminal(t *testing.T, events map[string][]sdk.RunEvent, id string) sdk.RunEvent {
	t.Helper()
	var term []sdk.RunEvent
	for _, ev := range events[id] {
		if ev.Type.Terminal() {
			term = append(term, ev)
		}
	}
	if len(term) != 1 {
		t.Fatalf("run %s has %d terminal events: %+v", id, len(term), events[id])
	}
	return term[0]
}

func batch(parallel int, runs ...string) *sdk.Batch {
	b := &sdk.Batch{ExperimentID: "exp", Parallel: parallel}
	for i, what := range runs {
		b.Runs = append(b.Runs, sdk.RunSpec{RunID: fmt.Sprintf("r%d", i), ScenarioName: what})
	}
	return b
}

func TestOpenDescribeAndRun(t *testing.T) {
	p := open(t, "basic")
	if p.Info().Name != "basic" || p.ProtocolVersion() != 1 || p.Pid() <= 0 {
		t.Errorf("Info %+v, protocol %d, pid %d", p.Info(), p.ProtocolVersion(), p.Pid())
	}
	events, err := collect(context.Background(), t, p.Executor(), batch(0, "ok", "ok", "sleep:10ms"))
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"r0", "r1", "r2"} {
		if ev := terminal(t, events, id); ev.Type != sdk.EventCompleted || ev.Result == nil {
			t.Errorf("run %s: %+v", id, ev)
		}
	}
	// The executor's own errors come through as they are.
	if _, err := p.Executor().Estimate(context.Background(), &sdk.EstimateRequest{}); !errors.Is(err, sdk.ErrNotSupported) || errors.Is(err, sdk.ErrPluginCrashed) {
		t.Errorf("Estimate: %v, want ErrNotSupported", err)
	}
	start := time.Now()
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 2500*time.Millisecond {
		t.Errorf("graceful Close took %s", d)
	}
	if _, err := p.Executor().Describe(context.Background()); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Errorf("Describe after Close: %v", err)
	}
}

func TestOpenChecksumMismatch(t *testing.T) {
	dir := t.TempDir()
	c := place(t, dir, "tampered", testPluginBin, false)
	bogus := strings.Repeat("ab", 32)
	if err := os.WriteFile(c.SumPath, []byte(bogus+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	real, _ := runfolder.FileSHA256(c.Path)
	_, err := Open(context.Background(), c, WithLogger(testLogger(t)))
	var ce *ChecksumError
	if !errors.As(err, &ce) {
		t.Fatalf("Open = %v, want a ChecksumError", err)
	}
	for _, s := range []string{c.Path, bogus, real} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not name %s", err, s)
		}
	}
	if st, _ := CheckStatus(c); st != ChecksumMismatch {
		t.Errorf("CheckStatus = %s, want mismatch", st)
	}
	if err := os.Remove(c.SumPath); err != nil {
		t.Fatal(err)
	}
	if st, _ := CheckStatus(c); st != ChecksumMissing {
		t.Errorf("CheckStatus = %s, want missing", st)
	}
	if _, err := Open(context.Background(), c); err == nil {
		t.Error("Open ran a plugin without a checksum")
	}
}

func TestOpenProtocolMismatch(t *testing.T) {
	c := place(t, t.TempDir(), "v2only", testPluginBin, true)
	start := time.Now()
	p, err := Open(context.Background(), c, WithLogger(testLogger(t)))
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("refusing the plugin took %s", d)
	}
	if err == nil {
		p.Close()
		t.Fatal("Open accepted a plugin that speaks protocol 2 only")
	}
	want := "plugin bilancio-executor-v2only speaks protocol versions [2]; this bilancio speaks [1]"
	if !strings.Contains(err.Error(), want) || !errors.Is(err, sdk.ErrIncompatibleProtocol) {
		t.Errorf("Open = %q, want it to say %q", err, want)
	}
	// Installing it is refused too, from its describe.
	if _, err := Install(context.Background(), c.Path, t.TempDir()); err == nil || !strings.Contains(err.Error(), "speaks protocol versions [2]") {
		t.Errorf("Install = %v", err)
	}
}

func TestOpenNeverAnswers(t *testing.T) {
	c := place(t, t.TempDir(), "hang", testPluginBin, true)
	start := time.Now()
	_, err := Open(context.Background(), c, WithLogger(testLogger(t)), WithEnv("TESTPLUGIN_HANG=1", "TESTPLUGIN_CHILDREN=1"),
		WithStartTimeout(500*time.Millisecond))
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Open took %s with a 0.5 s start timeout", d)
	}
	if err == nil || !strings.Contains(err.Error(), "timeout while waiting for plugin to start") {
		t.Errorf("Open = %v", err)
	}

	// A cancelled context stops the start too.
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	start = time.Now()
	_, err = Open(ctx, c, WithLogger(testLogger(t)), WithEnv("TESTPLUGIN_HANG=1"))
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Open took %s after its context was cancelled", d)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Open = %v, want context.Canceled", err)
	}
}

func TestCrashMidBatch(t *testing.T) {
	for _, tc := range []struct{ how, stderr, status string }{
		{"panic", "panic: boom in run r2", "exit status 2"},
		{"exit", "giving up on run r2", "exit status 3"},
	} {
		t.Run(tc.how, func(t *testing.T) {
			p := open(t, "crasher")
			events, err := collect(context.Background(), t, p.Executor(), batch(1, "ok", "ok", tc.how, "ok", "ok"))
			var ce *CrashError
			if !errors.As(err, &ce) || !errors.Is(err, sdk.ErrPluginCrashed) {
				t.Fatalf("Execute = %v, want a CrashError", err)
			}
			msg := err.Error()
			for _, s := range []string{"the crasher executor plugin crashed: ", tc.stderr, tc.status} {
				if !strings.Contains(msg, s) {
					t.Errorf("crash error %q does not say %q", msg, s)
				}
			}
			for _, id := range []string{"r0", "r1"} {
				if ev := terminal(t, events, id); ev.Type != sdk.EventCompleted {
					t.Errorf("run %s before the crash: %+v", id, ev)
				}
			}
			for _, id := range []string{"r2", "r3", "r4"} {
				if ev := terminal(t, events, id); ev.Type != sdk.EventFailed || ev.Message != msg || ev.Failure != sdk.FailurePluginCrashed {
					t.Errorf("run %s after the crash: %s %q (%q), want failed with %q (plugin_crashed)", id, ev.Type, ev.Message, ev.Failure, msg)
				}
			}
			// The dead plugin answers at once, with the same error.
			if _, err := p.Executor().Describe(context.Background()); err == nil || err.Error() != msg {
				t.Errorf("Describe after the crash: %v", err)
			}
			if err := p.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
			assertGone(t, p.Pid())

			// The host carries on: a new plugin runs the next batch.
			p2 := open(t, "crasher")
			events, err = collect(context.Background(), t, p2.Executor(), batch(1, "ok", "ok"))
			if err != nil {
				t.Fatal(err)
			}
			for _, id := range []string{"r0", "r1"} {
				if ev := terminal(t, events, id); ev.Type != sdk.EventCompleted {
					t.Errorf("run %s of the next batch: %+v", id, ev)
				}
			}
		})
	}
}

func TestCancelBatch(t *testing.T) {
	p := open(t, "sleeper")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b := batch(0, "ok", "sleep:30s", "sleep:30s", "sleep:30s")
	var mu sync.Mutex
	events := map[string][]sdk.RunEvent{}
	started, completed := 0, 0
	var cancelledAt time.Time
	err := sdk.Execute(ctx, p.Executor(), b, func(ev sdk.RunEvent) error {
		mu.Lock()
		defer mu.Unlock()
		events[ev.RunID] = append(events[ev.RunID], ev)
		switch ev.Type {
		case sdk.EventStarted:
			started++
		case sdk.EventCompleted:
			completed++
		}
		if started == 4 && completed == 1 && cancelledAt.IsZero() {
			cancelledAt = time.Now()
			cancel()
		}
		return nil
	})
	returned := time.Now()
	if cancelledAt.IsZero() {
		t.Fatalf("the batch ended (%v) before it was cancelled: %+v", err, events)
	}
	if d := returned.Sub(cancelledAt); d > time.Second {
		t.Errorf("Execute returned %s after the cancellation, want < 1s", d)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Execute = %v, want context.Canceled", err)
	}
	if ev := terminal(t, events, "r0"); ev.Type != sdk.EventCompleted {
		t.Errorf("r0: %+v", ev)
	}
	for _, id := range []string{"r1", "r2", "r3"} {
		if ev := terminal(t, events, id); ev.Type != sdk.EventCancelled {
			t.Errorf("%s: %+v, want cancelled", id, ev)
		}
	}
	// The plugin is fine and takes the next batch.
	next, err := collect(context.Background(), t, p.Executor(), batch(0, "ok"))
	if err != nil || terminal(t, next, "r0").Type != sdk.EventCompleted {
		t.Errorf("next batch: %v %+v", err, next)
	}
}

func TestCloseKillsProcessGroup(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	p := open(t, "parent", WithEnv("TESTPLUGIN_CHILDREN=1"))
	pid := p.Pid()
	var children []int
	deadline := time.Now().Add(5 * time.Second)
	for len(children) < 2 && time.Now().Before(deadline) {
		children = groupMembers(t, pid)
		time.Sleep(20 * time.Millisecond)
	}
	if len(children) != 2 {
		t.Fatalf("plugin %d has children %v, want 2", pid, children)
	}
	start := time.Now()
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5500*time.Millisecond {
		t.Errorf("Close took %s", d)
	}
	assertGone(t, pid)
	// SIGKILL is delivered asynchronously: a child may be scheduled once more
	// before it dies, so give the kernel a moment.
	for _, c := range children {
		st := procState(c)
		for end := time.Now().Add(2 * time.Second); st != "" && st != "Z" && time.Now().Before(end); st = procState(c) {
			time.Sleep(10 * time.Millisecond)
		}
		if st != "" && st != "Z" {
			t.Errorf("child %d of the plugin still running (state %s)", c, st)
		}
	}
	if left := groupMembers(t, pid); len(left) > 0 {
		for _, c := range left {
			if st := procState(c); st != "Z" {
				t.Errorf("process %d of the plugin's group still running (state %s)", c, st)
			}
		}
	}
}

// assertGone fails unless pid has exited and been reaped (a zombie would
// still have its /proc entry).
func assertGone(t *testing.T, pid int) {
	t.Helper()
	if runtime.GOOS != "linux" || pid <= 0 {
		return
	}
	if st := procState(pid); st != "" {
		t.Errorf("plugin process %d is still there (state %s)", pid, st)
	}
}

// procState returns the state letter of a process, "" when it is gone.
func procState(pid int) string {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ""
	}
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 || i+2 >= len(stat) {
		return "?"
	}
	return string(stat[i+2])
}

// groupMembers returns the processes of process group pgid other than its
// leader, with their parent being alive or not.
func groupMembers(t *testing.T, pgid int) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var out []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == pgid {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		i := bytes.LastIndexByte(stat, ')')
		if i < 0 {
			continue
		}
		// After ")": state ppid pgrp ...
		f := strings.Fields(string(stat[i+1:]))
		if len(f) >= 3 && f[2] == strconv.Itoa(pgid) {
			out = append(out, pid)
		}
	}
	return out
}

func TestLocalPluginRunsABatch(t *testing.T) {
	needLocalPlugin(t)
	c := place(t, t.TempDir(), "local", localPluginBin, true)
	p, err := Open(context.Background(), c, WithLogger(testLogger(t)))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if p.Info().Name != "local" {
		t.Errorf("Info = %+v", p.Info())
	}
	scenario, err := os.ReadFile("../../examples/scenarios/kalecki_ring.yaml")
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	b := &sdk.Batch{ExperimentID: "exp", OutRoot: out, Parallel: 2}
	for i := range 3 {
		b.Runs = append(b.Runs, sdk.RunSpec{RunID: fmt.Sprintf("run%d", i), ScenarioName: "kalecki_ring.yaml", Scenario: scenario})
	}
	events, err := collect(context.Background(), t, p.Executor(), b)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range b.Runs {
		ev := terminal(t, events, r.RunID)
		if ev.Type != sdk.EventCompleted {
			t.Errorf("run %s: %+v", r.RunID, ev)
			continue
		}
		if _, err := os.Stat(filepath.Join(out, r.RunID, "manifest.json")); err != nil {
			t.Errorf("run %s: %v", r.RunID, err)
		}
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	assertGone(t, p.Pid())
}
