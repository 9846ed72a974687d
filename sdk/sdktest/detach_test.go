package sdktest_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/bilancio-go/bilancio/internal/runner"
	"github.com/bilancio-go/bilancio/sdk"
	"github.com/bilancio-go/bilancio/sdk/runfolder"
	"github.com/bilancio-go/bilancio/sdk/sdktest"
)

// TestSuiteDetach runs the suite, its detach tests included, against a
// reference executor whose work survives it: executors made by New share
// nothing but a backend, so the tests' "fresh executor" really knows
// nothing of the first one's batches.
func TestSuiteDetach(t *testing.T) {
	if testing.Short() {
		t.Skip("the conformance suite runs simulations")
	}
	be := &backend{storage: t.TempDir(), units: map[string][]*unit{}}
	t.Cleanup(be.stopAll)
	s := &sdktest.Suite{New: func(t *testing.T) sdk.Executor { return &detachable{be: be} }}
	t.Run("inprocess", s.RunTests)
	t.Run("grpc", func(t *testing.T) {
		g := *s
		g.New = func(t *testing.T) sdk.Executor { return sdktest.GRPC(t, &detachable{be: be}) }
		g.RunTests(t)
	})
}

// backend stands for a remote service: work units run runs into its
// storage (<storage>/<experiment>/runs/<run>) on their own, whatever
// happens to the executors that submitted them.
type backend struct {
	storage string
	mu      sync.Mutex
	seq     int
	units   map[string][]*unit // by experiment
}

// unit is one piece of remote work: it runs its runs one after the other.
type unit struct {
	id     string
	runs   []string
	cancel context.CancelFunc
	done   chan struct{}

	mu             sync.Mutex
	state          sdk.WorkState
	reason         string
	started, ended time.Time
}

func (u *unit) status() sdk.WorkUnit {
	u.mu.Lock()
	defer u.mu.Unlock()
	return sdk.WorkUnit{ID: u.id, State: u.state, Reason: u.reason, RunIDs: slices.Clone(u.runs), Started: u.started, Ended: u.ended}
}

// submit starts a unit for runs of experiment exp.
func (be *backend) submit(exp string, runs []sdk.RunSpec) {
	ctx, cancel := context.WithCancel(context.Background())
	be.mu.Lock()
	be.seq++
	u := &unit{id: fmt.Sprintf("unit-%d", be.seq), cancel: cancel, done: make(chan struct{}), state: sdk.WorkRunning, started: time.Now()}
	for _, r := range runs {
		u.runs = append(u.runs, r.RunID)
	}
	be.units[exp] = append(be.units[exp], u)
	be.mu.Unlock()
	go func() {
		defer close(u.done)
		state, reason := sdk.WorkFinished, ""
		for _, r := range runs {
			dir := be.runDir(exp, r.RunID)
			_, err := runner.Run(ctx, runner.Request{ScenarioName: r.ScenarioName, Scenario: r.Scenario, OutDir: dir, RunID: r.RunID, Engine: "test", Executor: "detachable"})
			if ctx.Err() != nil {
				if err != nil {
					// Cut short: no folder may pass for a run. A run that
					// completed as the cancellation came stays completed
					// (an executor may be following it already).
					os.Remove(filepath.Join(dir, runfolder.ManifestFile))
				}
				state, reason = sdk.WorkCancelled, "cancelled"
				break
			}
			if err != nil {
				// A broken scenario: the unit goes on; the run has no folder.
				reason = err.Error()
			}
		}
		u.mu.Lock()
		u.state, u.reason, u.ended = state, reason, time.Now()
		u.mu.Unlock()
	}()
}

func (be *backend) runDir(exp, id string) string {
	return filepath.Join(be.storage, filepath.FromSlash(sdk.StoragePath(exp, id)))
}

// unitOf is the unit that ran or runs id (the last one, not cancelled).
func (be *backend) unitOf(exp, id string) *unit {
	be.mu.Lock()
	defer be.mu.Unlock()
	var found *unit
	for _, u := range be.units[exp] {
		if slices.Contains(u.runs, id) && u.status().State != sdk.WorkCancelled {
			found = u
		}
	}
	return found
}

func (be *backend) list(exp string) []*unit {
	be.mu.Lock()
	defer be.mu.Unlock()
	return slices.Clone(be.units[exp])
}

func (be *backend) stopAll() {
	be.mu.Lock()
	var all []*unit
	for _, us := range be.units {
		all = append(all, us...)
	}
	be.mu.Unlock()
	for _, u := range all {
		u.cancel()
		<-u.done
	}
}

// detachable is a reference executor with Capabilities.Detach: its state
// is in the backend, never in itself (but for Status's last states).
type detachable struct {
	be     *backend
	states sdk.RunStates
}

func (d *detachable) Describe(context.Context) (*sdk.Info, error) {
	return &sdk.Info{Name: "detachable", Version: "0.0.1", ProtocolVersions: sdk.ProtocolVersions(),
		Capabilities: sdk.Capabilities{Cancel: true, Detach: true, Remote: false, MaxParallelHint: 1}}, nil
}

func (d *detachable) Configure(_ context.Context, cfg *sdk.Config) error {
	return cfg.Decode(nil, &struct{}{})
}

// Execute re-attaches to the runs the backend has (live or finished),
// submits the others as one unit, and follows them until each ended (or,
// detached, until each is submitted).
func (d *detachable) Execute(ctx context.Context, b *sdk.Batch, emit func(sdk.RunEvent) error) error {
	if err := sdk.ValidateBatch(b); err != nil {
		return err
	}
	guard, err := sdk.NewRunGuard(b)
	if err != nil {
		return err
	}
	send := guard.Forward(func(ev sdk.RunEvent) error {
		ev.Time = time.Now()
		d.states.Record(b.ExperimentID, ev)
		return emit(ev)
	})
	var missing []sdk.RunSpec
	for _, r := range b.Runs {
		if d.be.unitOf(b.ExperimentID, r.RunID) == nil {
			missing = append(missing, r)
		}
		if err := send(sdk.RunEvent{RunID: r.RunID, Type: sdk.EventQueued}); err != nil {
			return err
		}
	}
	if len(missing) > 0 {
		d.be.submit(b.ExperimentID, missing)
	}
	// Every run is in a unit now: started, as far as the host is concerned.
	for _, r := range b.Runs {
		if err := send(sdk.RunEvent{RunID: r.RunID, Type: sdk.EventStarted, Attempt: 1}); err != nil {
			return err
		}
	}
	cut := false // a run ended without completing
	for {
		for _, id := range guard.Open() {
			if ev, ok := d.collect(b, id); ok {
				cut = cut || ev.Type != sdk.EventCompleted
				if err := send(ev); err != nil {
					return err
				}
			} else if b.Detach {
				if err := send(sdk.RunEvent{RunID: id, Type: sdk.EventDetached}); err != nil {
					return err
				}
			}
		}
		if guard.Left() == 0 {
			if cut {
				// The context's end and a Cancel can come together (the
				// host sends both when its caller cancels): runs the
				// Cancel ended still end the batch with the context's
				// error, nil when only the Cancel RPC stopped them.
				return ctx.Err()
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err() // the work goes on: only Cancel stops it
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// collect returns the final event of run id if its unit says it ended:
// completed, with its folder brought from storage into OutRoot; failed or
// cancelled otherwise.
func (d *detachable) collect(b *sdk.Batch, id string) (sdk.RunEvent, bool) {
	// The unit's state first: a unit seen finished has written all it will.
	u := d.be.unitOf(b.ExperimentID, id)
	var st sdk.WorkUnit
	if u != nil {
		st = u.status()
	}
	remote := d.be.runDir(b.ExperimentID, id)
	if _, err := runfolder.Verify(remote); err == nil {
		f, err := receive(remote, filepath.Join(b.OutRoot, id))
		if err != nil {
			return sdk.RunEvent{RunID: id, Type: sdk.EventFailed, Failure: sdk.FailureInfrastructure, Message: err.Error()}, true
		}
		return sdk.RunEvent{RunID: id, Type: sdk.EventCompleted, Attempt: 1, Result: sdk.ResultOf(f)}, true
	}
	if u == nil {
		return sdk.RunEvent{RunID: id, Type: sdk.EventCancelled, Message: "cancelled"}, true
	}
	switch {
	case st.State == sdk.WorkFinished:
		return sdk.RunEvent{RunID: id, Type: sdk.EventFailed, Message: st.Reason}, true
	case st.State == sdk.WorkCancelled:
		return sdk.RunEvent{RunID: id, Type: sdk.EventCancelled, Message: "cancelled"}, true
	}
	return sdk.RunEvent{}, false
}

// receive copies the run folder src into dst through a runfolder.Receiver.
func receive(src, dst string) (*runfolder.Sealed, error) {
	m, _, err := runfolder.ReadManifest(src)
	if err != nil {
		return nil, err
	}
	r, err := runfolder.Receive(dst)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	for _, f := range m.Files {
		fh, err := os.Open(filepath.Join(src, filepath.FromSlash(f.Name)))
		if err != nil {
			return nil, err
		}
		err = r.Put(f.Name, fh)
		fh.Close()
		if err != nil {
			return nil, err
		}
	}
	data, err := os.ReadFile(filepath.Join(src, runfolder.ManifestFile))
	if err != nil {
		return nil, err
	}
	return r.Finish(data)
}

// Cancel cancels the backend's units of the experiment that hold the named
// runs (all of them without run ids): it needs no memory of any batch.
func (d *detachable) Cancel(_ context.Context, req *sdk.CancelRequest) error {
	for _, u := range d.be.list(req.ExperimentID) {
		if len(req.RunIDs) == 0 || slices.ContainsFunc(u.runs, func(id string) bool { return slices.Contains(req.RunIDs, id) }) {
			u.cancel()
			<-u.done
		}
	}
	for _, st := range d.states.Status(req.ExperimentID).Runs {
		if !st.State.Final() && (len(req.RunIDs) == 0 || slices.Contains(req.RunIDs, st.RunID)) {
			d.states.Record(req.ExperimentID, sdk.RunEvent{RunID: st.RunID, Type: sdk.EventCancelled})
		}
	}
	return nil
}

func (d *detachable) Status(_ context.Context, req *sdk.StatusRequest) (*sdk.StatusReply, error) {
	reply := d.states.Status(req.ExperimentID)
	if req.Remote {
		for _, u := range d.be.list(req.ExperimentID) {
			reply.WorkUnits = append(reply.WorkUnits, u.status())
		}
	}
	return reply, nil
}

func (d *detachable) Estimate(context.Context, *sdk.EstimateRequest) (*sdk.EstimateReply, error) {
	return nil, sdk.ErrNotSupported
}

func (d *detachable) List(context.Context, *sdk.ListRequest) ([]sdk.Entry, error) {
	return nil, sdk.ErrNotSupported
}

func (d *detachable) Fetch(context.Context, *sdk.FetchRequest, io.Writer) error {
	return sdk.ErrNotSupported
}

func (d *detachable) Remove(context.Context, *sdk.RemoveRequest) error { return sdk.ErrNotSupported }
