//go:build unix

package pluginhost

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/bilancio-go/bilancio/sdk"
)

// TestFrozenPlugin: a plugin stopped (SIGSTOP) mid-batch sends nothing, not
// even heartbeats; past the liveness timeout it is reported, killed, its
// open runs fail as unresponsive, and Execute returns an unresponsive
// *CrashError (which matches sdk.ErrPluginCrashed: the runner restarts it).
func TestFrozenPlugin(t *testing.T) {
	p := open(t, "frozen", WithLiveness(Liveness{Timeout: 600 * time.Millisecond}))
	start := time.Now()
	events, err := collect(context.Background(), t, p.Executor(), batch(1, "ok", "freeze", "ok"))
	elapsed := time.Since(start)
	var ce *CrashError
	if !errors.As(err, &ce) || !ce.Unresponsive || !errors.Is(err, sdk.ErrPluginCrashed) {
		t.Fatalf("Execute = %v, want an unresponsive CrashError; events %+v", err, events)
	}
	if !strings.Contains(err.Error(), "the frozen executor plugin crashed") || !strings.Contains(err.Error(), "no heartbeat or event for") {
		t.Errorf("the error does not say what happened: %v", err)
	}
	if elapsed > 5*time.Second {
		t.Errorf("noticed after %s with a 0.6 s timeout", elapsed)
	}
	if ev := terminal(t, events, "r0"); ev.Type != sdk.EventCompleted {
		t.Errorf("run r0 before the freeze: %+v", ev)
	}
	for _, id := range []string{"r1", "r2"} {
		if ev := terminal(t, events, id); ev.Type != sdk.EventFailed || ev.Failure != sdk.FailureUnresponsive || ev.Message != err.Error() {
			t.Errorf("run %s: %s %q (%q), want failed unresponsive", id, ev.Type, ev.Message, ev.Failure)
		}
	}
	for _, evs := range events {
		for _, ev := range evs {
			if ev.Type == sdk.EventHeartbeat {
				t.Errorf("a heartbeat reached emit: %+v", ev)
			}
		}
	}
	deadline := time.Now().Add(3 * time.Second)
	for !processDead(p.Pid()) {
		if time.Now().After(deadline) {
			t.Fatal("the frozen plugin is still alive")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := p.Executor().Describe(context.Background()); !errors.As(err, &ce) {
		t.Errorf("Describe after the kill: %v", err)
	}
}

// TestComputingIsNotSilent: a run far longer than the liveness timeout
// completes: the plugin's heartbeats vouch for it while it computes.
func TestComputingIsNotSilent(t *testing.T) {
	// The timeouts leave room for a loaded machine, where a heartbeat can
	// be a few hundred milliseconds late; the runs outlast them twice over.
	p := open(t, "busy", WithLiveness(Liveness{Timeout: time.Second}))
	events, err := collect(context.Background(), t, p.Executor(), batch(2, "sleep:2500ms", "ok"))
	if err != nil {
		t.Fatalf("Execute: %v", err)
	}
	for _, id := range []string{"r0", "r1"} {
		if ev := terminal(t, events, id); ev.Type != sdk.EventCompleted {
			t.Errorf("run %s: %+v", id, ev)
		}
	}
}

// TestSilentRun: a run the plugin's heartbeats stop vouching for (an
// executor implementing sdk.Liveness) fails as unresponsive once silent
// past the timeout; the plugin and its other runs go on.
func TestSilentRun(t *testing.T) {
	p := open(t, "quiet", WithLiveness(Liveness{Timeout: time.Second}))
	events, err := collect(context.Background(), t, p.Executor(), batch(2, "silent:3s", "sleep:2500ms"))
	if err != nil {
		t.Fatalf("Execute: %v", err)
	}
	if ev := terminal(t, events, "r0"); ev.Type != sdk.EventFailed || ev.Failure != sdk.FailureUnresponsive || !strings.Contains(ev.Message, "run r0 was silent") {
		t.Errorf("run r0: %s %q (%q), want failed unresponsive", ev.Type, ev.Message, ev.Failure)
	}
	if ev := terminal(t, events, "r1"); ev.Type != sdk.EventCompleted {
		t.Errorf("run r1: %+v", ev)
	}
	if processDead(p.Pid()) {
		t.Error("the plugin was killed for one silent run")
	}
}

// TestLivenessDefaults: the automatic timeout is ten run times, at least
// the floor; the heartbeat asked is a tenth of the timeout, at most 2 s.
func TestLivenessDefaults(t *testing.T) {
	for _, tc := range []struct {
		l         Liveness
		slowest   time.Duration
		timeout   time.Duration
		heartbeat time.Duration
	}{
		{Liveness{}, 0, DefaultSilenceFloor, 2 * time.Second},
		{Liveness{}, time.Second, DefaultSilenceFloor, 2 * time.Second},
		{Liveness{}, 10 * time.Second, 100 * time.Second, 2 * time.Second},
		{Liveness{Timeout: 5 * time.Second}, time.Hour, 5 * time.Second, 500 * time.Millisecond},
		{Liveness{Timeout: 50 * time.Millisecond}, 0, 50 * time.Millisecond, 10 * time.Millisecond},
		{Liveness{Timeout: time.Minute, Heartbeat: 3 * time.Second}, 0, time.Minute, 3 * time.Second},
	} {
		if got := tc.l.timeout(tc.slowest); got != tc.timeout {
			t.Errorf("%+v, slowest %s: timeout %s, want %s", tc.l, tc.slowest, got, tc.timeout)
		}
		if got := tc.l.heartbeat(); got != tc.heartbeat {
			t.Errorf("%+v: heartbeat %s, want %s", tc.l, got, tc.heartbeat)
		}
	}
}
