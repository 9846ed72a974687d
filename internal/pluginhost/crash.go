package pluginhost

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/bilancio-go/bilancio/sdk"
	"github.com/bilancio-go/bilancio/sdk/runfolder"
)

// crashWait bounds how long the host waits, once a call failed, for a dying
// plugin to exit and its stderr to drain before it reports the crash.
const crashWait = 2 * time.Second

// CrashError reports an executor plugin that died (exited, panicked, was
// killed) or stopped answering. It matches sdk.ErrPluginCrashed.
type CrashError struct {
	// Name is the executor's name.
	Name string
	// Status is how the process ended ("exit status 2", "signal: killed"),
	// or what was done to it; empty when unknown.
	Status string
	// Stderr are the lines of the plugin's stderr that explain the crash:
	// the panic message, or its last lines.
	Stderr []string
	// Cause is the error of the call that noticed the crash.
	Cause error
	// Unresponsive: the plugin was alive but silent past the liveness
	// timeout, and was killed for it.
	Unresponsive bool
}

// Failure is the kind of failure of the runs the crash cut short:
// sdk.FailureUnresponsive for a plugin killed for its silence,
// sdk.FailurePluginCrashed otherwise.
func (e *CrashError) Failure() sdk.Failure {
	if e.Unresponsive {
		return sdk.FailureUnresponsive
	}
	return sdk.FailurePluginCrashed
}

// Error implements error: "the NAME executor plugin crashed: <stderr>;
// <exit status>".
func (e *CrashError) Error() string {
	parts := append([]string(nil), e.Stderr...)
	if e.Status != "" {
		parts = append(parts, e.Status)
	}
	if len(parts) == 0 && e.Cause != nil {
		parts = append(parts, e.Cause.Error())
	}
	if len(parts) == 0 {
		parts = append(parts, "it stopped answering")
	}
	return fmt.Sprintf("the %s executor plugin crashed: %s", e.Name, strings.Join(parts, "; "))
}

// Unwrap makes errors.Is(err, sdk.ErrPluginCrashed) hold, and reaches the
// cause.
func (e *CrashError) Unwrap() []error { return []error{sdk.ErrPluginCrashed, e.Cause} }

// dead reports whether the plugin process has exited.
func (p *Plugin) dead() bool {
	return p.client.Exited() || (p.pid > 0 && processDead(p.pid))
}

// crashed returns the plugin's CrashError, building it the first time: it
// waits (bounded) for the process to exit and be reaped, so that its exit
// status and last stderr lines are known, killing its process group to
// release pipes its children hold, or the plugin itself if it is alive but
// no longer answers.
func (p *Plugin) crashed(cause error) *CrashError {
	p.crashMu.Lock()
	defer p.crashMu.Unlock()
	if p.crash != nil {
		return p.crash
	}
	ce := &CrashError{Name: p.name, Cause: cause}
	deadline := time.Now().Add(crashWait)
	killed := false
	for !p.client.Exited() && !(p.reattached && p.dead()) && time.Now().Before(deadline) {
		if !killed && !p.reattached && p.pid > 0 && (processDead(p.pid) || time.Until(deadline) < crashWait/2) {
			// Dead but unreaped (a child holds its stderr), or alive but
			// not answering: either way it is done for.
			killed = true
			if !processDead(p.pid) {
				ce.Status = "unresponsive; killed"
			}
			_ = killGroup(p.pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if p.cmd != nil && p.client.Exited() && p.cmd.ProcessState != nil {
		// Exited() is set after go-plugin's Wait: ProcessState is final.
		if ce.Status == "" {
			ce.Status = p.cmd.ProcessState.String()
		}
	}
	ce.Stderr = p.tail.summary()
	p.crash = ce
	p.log.Error("the executor plugin crashed", "error", ce.Error())
	return ce
}

// crashError returns the plugin's CrashError if one was built.
func (p *Plugin) crashError() *CrashError {
	p.crashMu.Lock()
	defer p.crashMu.Unlock()
	return p.crash
}

// mapError turns the error of a call into a *CrashError when the plugin has
// died or the SDK says it crashed; other errors (the caller's cancellation,
// the executor's own errors) pass unchanged.
func (p *Plugin) mapError(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	var ce *CrashError
	if errors.As(err, &ce) || p.closed.Load() {
		return err
	}
	if errors.Is(err, sdk.ErrPluginCrashed) || (ctx.Err() == nil && p.dead()) {
		return p.crashed(err)
	}
	return err
}

// guardedExecutor is a plugin's executor as the host uses it: its errors go
// through mapError, calls to a plugin known to have crashed fail at once,
// and the failed events the SDK makes up for the runs a crashed plugin left
// unfinished carry the CrashError's message.
type guardedExecutor struct {
	p  *Plugin
	ex sdk.Executor
}

var _ sdk.Executor = (*guardedExecutor)(nil)

// before fails fast once the plugin is closed or known to have crashed.
func (g *guardedExecutor) before() error {
	if g.p.closed.Load() {
		return fmt.Errorf("the %s executor plugin is closed", g.p.name)
	}
	if ce := g.p.crashError(); ce != nil {
		return ce
	}
	return nil
}

// Describe implements sdk.Executor.
func (g *guardedExecutor) Describe(ctx context.Context) (*sdk.Info, error) {
	if err := g.before(); err != nil {
		return nil, err
	}
	info, err := g.ex.Describe(ctx)
	return info, g.p.mapError(ctx, err)
}

// Configure implements sdk.Executor.
func (g *guardedExecutor) Configure(ctx context.Context, cfg *sdk.Config) error {
	if err := g.before(); err != nil {
		return err
	}
	return g.p.mapError(ctx, g.ex.Configure(ctx, cfg))
}

// Execute implements sdk.Executor. A plugin that sends heartbeats is
// watched (see Liveness): the batch asks for them, and a plugin silent past
// the timeout is killed, its open runs failed (sdk.FailureUnresponsive) and
// Execute returns its *CrashError; a started run silent past it is failed
// and cancelled at the plugin. Heartbeats are passed on to emit only when
// the batch asked for them (Batch.HeartbeatInterval).
func (g *guardedExecutor) Execute(ctx context.Context, batch *sdk.Batch, emit func(sdk.RunEvent) error) error {
	if err := g.before(); err != nil {
		return err
	}
	if batch == nil {
		return g.p.mapError(ctx, g.ex.Execute(ctx, batch, emit))
	}
	guard, err := sdk.NewRunGuard(batch)
	if err != nil {
		return fmt.Errorf("executing the batch of experiment %s: %w", batch.ExperimentID, err)
	}
	out := guard.Forward(emit) // serialised: the watch emits too
	w := g.p.newWatch()
	callCtx, cancelCall := context.WithCancel(ctx)
	defer cancelCall()
	// Heartbeats the caller asked for are passed on; those the watch asked
	// for are not.
	passBeats := batch.HeartbeatInterval > 0
	if w != nil {
		b := *batch
		b.HeartbeatInterval = g.p.liveness.heartbeat()
		if passBeats {
			b.HeartbeatInterval = min(b.HeartbeatInterval, batch.HeartbeatInterval)
		}
		batch = &b
		watchCtx, stopWatch := context.WithCancel(ctx)
		defer stopWatch()
		go w.run(watchCtx, func(id string, limit time.Duration) {
			_ = out(sdk.RunEvent{RunID: id, Type: sdk.EventFailed, Time: time.Now(), Failure: sdk.FailureUnresponsive,
				Message: fmt.Sprintf("run %s was silent for %s (no event, and no heartbeat of the %s executor plugin vouched for it): given up on", id, limit, g.p.name)})
			go func() {
				cctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				_ = g.ex.Cancel(cctx, &sdk.CancelRequest{ExperimentID: batch.ExperimentID, RunIDs: []string{id}})
			}()
		})
		// A killed plugin's stream ends by itself; should it not (a
		// reattached plugin is not ours to kill), the call is cut.
		go func() {
			t := time.NewTicker(50 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-watchCtx.Done():
					return
				case <-t.C:
				}
				if w.killed() {
					select {
					case <-watchCtx.Done():
					case <-time.After(crashWait):
						cancelCall()
					}
					return
				}
			}
		}()
	}
	var (
		startedMu sync.Mutex
		started   = map[string]bool{}
	)
	err = g.ex.Execute(callCtx, batch, func(ev sdk.RunEvent) error {
		if w != nil {
			w.saw(ev)
		}
		switch {
		case ev.Type == sdk.EventHeartbeat && !passBeats:
			return nil
		case ev.Type == sdk.EventStarted:
			startedMu.Lock()
			started[ev.RunID] = true
			startedMu.Unlock()
		case ev.Type == sdk.EventFailed && ev.Failure == sdk.FailurePluginCrashed:
			// Made up by the SDK for a run the plugin left unfinished.
			ce := g.p.crashed(errors.New(ev.Message))
			ev.Message, ev.Failure = ce.Error(), ce.Failure()
			startedMu.Lock()
			ev = salvage(batch, ev, started[ev.RunID])
			startedMu.Unlock()
		}
		return out(ev)
	})
	if w != nil && w.killed() && ctx.Err() == nil {
		// Killed for its silence: the runs it left are failed with why,
		// but for those whose folders were complete.
		ce := g.p.crashed(err)
		for _, ev := range guard.Close(sdk.EventFailed, ce.Error(), ce.Failure()) {
			_ = emit(salvage(batch, ev, started[ev.RunID]))
		}
		return ce
	}
	guard.Close("", "", "")
	return g.p.mapError(ctx, err)
}

// salvage turns the failed event of a run that a crashed plugin had
// started into a completed one when the run's folder is complete (it
// verifies): the run ended, only its report was lost with the plugin.
func salvage(b *sdk.Batch, ev sdk.RunEvent, started bool) sdk.RunEvent {
	if !started || b.OutRoot == "" || ev.Type != sdk.EventFailed {
		return ev
	}
	f, err := runfolder.Verify(filepath.Join(b.OutRoot, ev.RunID))
	if err != nil || f.Manifest.RunID != ev.RunID {
		return ev
	}
	return sdk.RunEvent{RunID: ev.RunID, Type: sdk.EventCompleted, Time: ev.Time, Attempt: ev.Attempt, Result: sdk.ResultOf(f),
		Message: "completed before the plugin was lost (" + ev.Message + ")"}
}

// Cancel implements sdk.Executor.
func (g *guardedExecutor) Cancel(ctx context.Context, req *sdk.CancelRequest) error {
	if err := g.before(); err != nil {
		return err
	}
	return g.p.mapError(ctx, g.ex.Cancel(ctx, req))
}

// Status implements sdk.Executor.
func (g *guardedExecutor) Status(ctx context.Context, req *sdk.StatusRequest) (*sdk.StatusReply, error) {
	if err := g.before(); err != nil {
		return nil, err
	}
	r, err := g.ex.Status(ctx, req)
	return r, g.p.mapError(ctx, err)
}

// Estimate implements sdk.Executor.
func (g *guardedExecutor) Estimate(ctx context.Context, req *sdk.EstimateRequest) (*sdk.EstimateReply, error) {
	if err := g.before(); err != nil {
		return nil, err
	}
	r, err := g.ex.Estimate(ctx, req)
	return r, g.p.mapError(ctx, err)
}

// List implements sdk.Executor.
func (g *guardedExecutor) List(ctx context.Context, req *sdk.ListRequest) ([]sdk.Entry, error) {
	if err := g.before(); err != nil {
		return nil, err
	}
	r, err := g.ex.List(ctx, req)
	return r, g.p.mapError(ctx, err)
}

// Fetch implements sdk.Executor.
func (g *guardedExecutor) Fetch(ctx context.Context, req *sdk.FetchRequest, w io.Writer) error {
	if err := g.before(); err != nil {
		return err
	}
	return g.p.mapError(ctx, g.ex.Fetch(ctx, req, w))
}

// Remove implements sdk.Executor.
func (g *guardedExecutor) Remove(ctx context.Context, req *sdk.RemoveRequest) error {
	if err := g.before(); err != nil {
		return err
	}
	return g.p.mapError(ctx, g.ex.Remove(ctx, req))
}
