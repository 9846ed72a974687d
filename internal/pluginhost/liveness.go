package pluginhost

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/bilancio-go/bilancio/sdk"
)

// Defaults of the liveness watch (Liveness).
const (
	// DefaultSilenceFloor is the least silence that makes a plugin or a run
	// unresponsive when the timeout is automatic.
	DefaultSilenceFloor = 30 * time.Second
	// SilenceRunTimes is the automatic timeout in run times: a plugin or run
	// is unresponsive once silent for this many times the slowest run it
	// completed (and at least DefaultSilenceFloor).
	SilenceRunTimes = 10
	// maxHeartbeat is the longest interval at which plugins are asked to
	// send heartbeats.
	maxHeartbeat = 2 * time.Second
)

// Liveness is how the host watches a plugin's batches. A plugin whose SDK
// sends heartbeats (Capabilities.Heartbeat) is asked for one at least every
// Heartbeat while a batch runs. When nothing at all comes from it for the
// timeout — a frozen (SIGSTOPped), deadlocked or unreachable plugin — it is
// reported, killed, and its batch ends with the open runs failed
// (sdk.FailureUnresponsive) and a *CrashError (Unresponsive, matching
// sdk.ErrPluginCrashed): the caller restarts the plugin and retries the
// runs. A run that was started and is neither named in the heartbeats nor
// heard of for the timeout (an executor implementing sdk.Liveness vouches
// only for the runs it knows alive) is reported failed the same way, and
// cancelled at the executor; the plugin goes on.
type Liveness struct {
	// Timeout is the silence allowed. 0: automatic, max(DefaultSilenceFloor,
	// SilenceRunTimes × the slowest run the plugin completed so far).
	// Negative: no watch.
	Timeout time.Duration
	// Heartbeat is the interval asked of the plugin (0: a tenth of the
	// timeout, at most 2 s).
	Heartbeat time.Duration
}

// WithLiveness sets how the plugin's batches are watched (the automatic
// Liveness{} otherwise).
func WithLiveness(l Liveness) OpenOption { return func(c *openConfig) { c.liveness = l } }

// timeout is the silence allowed now, given the slowest run completed.
func (l Liveness) timeout(slowest time.Duration) time.Duration {
	if l.Timeout != 0 {
		return l.Timeout
	}
	return max(DefaultSilenceFloor, SilenceRunTimes*slowest)
}

// heartbeat is the heartbeat interval to ask for.
func (l Liveness) heartbeat() time.Duration {
	if l.Heartbeat > 0 {
		return l.Heartbeat
	}
	base := l.Timeout
	if base <= 0 {
		base = DefaultSilenceFloor
	}
	return min(max(base/10, 10*time.Millisecond), maxHeartbeat)
}

// watch follows one batch of a plugin: when the plugin, and each started
// run, last gave a sign of life.
type watch struct {
	p     *Plugin
	start time.Time

	mu      sync.Mutex
	last    time.Time            // any message from the plugin
	started map[string]time.Time // start of each run in flight
	sign    map[string]time.Time // last sign of life of each run in flight
	fired   bool
}

// newWatch returns a watch of a batch of p, or nil when p is not watched
// (no heartbeats, or a negative timeout).
func (p *Plugin) newWatch() *watch {
	if p.liveness.Timeout < 0 || p.info == nil || !p.info.Capabilities.Heartbeat {
		return nil
	}
	now := time.Now()
	return &watch{p: p, start: now, last: now, started: map[string]time.Time{}, sign: map[string]time.Time{}}
}

// saw notes an event from the plugin.
func (w *watch) saw(ev sdk.RunEvent) {
	now := time.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	w.last = now
	switch {
	case ev.Type == sdk.EventHeartbeat:
		for _, id := range ev.Running {
			if _, ok := w.sign[id]; ok {
				w.sign[id] = now
			}
		}
	case ev.RunID == "":
	case ev.Type.Final():
		if t, ok := w.started[ev.RunID]; ok && ev.Type == sdk.EventCompleted {
			d := now.Sub(t)
			if ev.Result != nil && ev.Result.DurationMS > 0 {
				d = time.Duration(ev.Result.DurationMS * float64(time.Millisecond))
			}
			w.p.sawRun(d)
		}
		delete(w.started, ev.RunID)
		delete(w.sign, ev.RunID)
	case ev.Type == sdk.EventStarted:
		w.started[ev.RunID] = now
		w.sign[ev.RunID] = now
	default:
		if _, ok := w.sign[ev.RunID]; ok {
			w.sign[ev.RunID] = now
		}
	}
}

// run checks the batch every tick until ctx is done: a plugin silent past
// the timeout is killed (once); a run silent past it is handed to
// silentRun (once per run).
func (w *watch) run(ctx context.Context, silentRun func(id string, silence time.Duration)) {
	t := time.NewTicker(min(max(w.p.liveness.heartbeat()/2, 5*time.Millisecond), time.Second))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		limit := w.p.liveness.timeout(w.p.slowestRun())
		now := time.Now()
		w.mu.Lock()
		if silence := now.Sub(w.last); silence > limit && !w.fired {
			w.fired = true
			w.mu.Unlock()
			w.p.unresponsive(silence, limit)
			continue
		}
		// A plugin that has itself gone quiet (past half the limit: five
		// heartbeats missed) is the suspect, not its runs: a heartbeat
		// snapshotted before a run started can arrive after it and leave the
		// run a moment "older" than the plugin. The plugin check above
		// decides; runs are judged only while the plugin answers.
		if now.Sub(w.last) > limit/2 {
			w.mu.Unlock()
			continue
		}
		var silent []string
		for id, at := range w.sign {
			if now.Sub(at) > limit {
				silent = append(silent, id)
				delete(w.sign, id)
				delete(w.started, id)
			}
		}
		w.mu.Unlock()
		for _, id := range silent {
			silentRun(id, limit)
		}
	}
}

// killed reports whether the watch killed the plugin.
func (w *watch) killed() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.fired
}

// sawRun records the duration of a run the plugin completed.
func (p *Plugin) sawRun(d time.Duration) {
	p.runMu.Lock()
	defer p.runMu.Unlock()
	p.slowest = max(p.slowest, d)
}

// slowestRun is the longest run the plugin completed.
func (p *Plugin) slowestRun() time.Duration {
	p.runMu.Lock()
	defer p.runMu.Unlock()
	return p.slowest
}

// unresponsive reports and kills a plugin that was silent past limit: its
// CrashError says so (Unresponsive), and the calls in flight fail with it.
func (p *Plugin) unresponsive(silence, limit time.Duration) {
	p.crashMu.Lock()
	if p.crash == nil {
		p.crash = &CrashError{
			Name: p.name, Unresponsive: true, Stderr: p.tail.summary(),
			Status: fmt.Sprintf("no heartbeat or event for %s (the liveness timeout is %s); killed", silence.Round(time.Millisecond), limit),
		}
	}
	p.crashMu.Unlock()
	p.log.Error("the executor plugin is unresponsive: killing it", "pid", p.pid, "silence", silence, "timeout", limit)
	if !p.reattached && p.pid > 0 {
		_ = killGroup(p.pid)
	}
}
