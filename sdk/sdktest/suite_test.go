package sdktest_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bilancio-go/bilancio/internal/runner"
	"github.com/bilancio-go/bilancio/sdk"
	"github.com/bilancio-go/bilancio/sdk/runfolder"
	"github.com/bilancio-go/bilancio/sdk/sdktest"
)

// TestSuite runs the conformance suite against a small reference executor,
// in process and through the gRPC glue, so that the suite itself is tested.
func TestSuite(t *testing.T) {
	if testing.Short() {
		t.Skip("the conformance suite runs simulations")
	}
	s := &sdktest.Suite{New: func(t *testing.T) sdk.Executor { return newRef(t) }}
	t.Run("inprocess", s.RunTests)
	t.Run("grpc", func(t *testing.T) {
		g := *s
		g.New = func(t *testing.T) sdk.Executor { return sdktest.GRPC(t, newRef(t)) }
		g.RunTests(t)
	})
}

// ref is a reference executor: it simulates runs in goroutines through
// internal/runner and keeps a copy of each run folder in a storage
// directory, at sdk.StoragePath.
type ref struct {
	storage  string
	parallel int

	mu     sync.Mutex
	status map[string]map[string]sdk.RunStatus
	// cancels stop the runs in flight, by experiment then run.
	cancels map[string]map[string]context.CancelCauseFunc
}

func newRef(t *testing.T) *ref {
	return &ref{storage: t.TempDir(), parallel: 2, status: map[string]map[string]sdk.RunStatus{}, cancels: map[string]map[string]context.CancelCauseFunc{}}
}

var refSchema = []sdk.ConfigAttribute{{Name: "parallel", Type: sdk.TypeNumber, Description: "runs at once", Default: "2"}}

func (r *ref) Describe(context.Context) (*sdk.Info, error) {
	return &sdk.Info{Name: "ref", Version: "0.0.1", ProtocolVersions: sdk.ProtocolVersions(),
		Capabilities: sdk.Capabilities{Cancel: true, Artifacts: true, MaxParallelHint: 2},
		ConfigSchema: refSchema}, nil
}

func (r *ref) Configure(_ context.Context, cfg *sdk.Config) error {
	var c struct {
		Parallel int `json:"parallel"`
	}
	if err := cfg.Decode(refSchema, &c); err != nil {
		return err
	}
	r.parallel = max(1, c.Parallel)
	return nil
}

var errCancelled = errors.New("cancelled by request")

func (r *ref) set(exp string, st sdk.RunStatus) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.status[exp] == nil {
		r.status[exp] = map[string]sdk.RunStatus{}
	}
	r.status[exp][st.RunID] = st
}

func (r *ref) Execute(ctx context.Context, b *sdk.Batch, emit func(sdk.RunEvent) error) error {
	parallel := b.Parallel
	if parallel <= 0 {
		parallel = r.parallel
	}
	var emitMu sync.Mutex
	var emitErr error
	send := func(ev sdk.RunEvent) {
		ev.Time = time.Now()
		if ev.Type != "" {
			r.set(b.ExperimentID, sdk.RunStatus{RunID: ev.RunID, State: ev.Type, Message: ev.Message})
		}
		emitMu.Lock()
		defer emitMu.Unlock()
		if emitErr == nil {
			emitErr = emit(ev)
		}
	}
	runCtxs := map[string]context.Context{}
	r.mu.Lock()
	if r.cancels[b.ExperimentID] == nil {
		r.cancels[b.ExperimentID] = map[string]context.CancelCauseFunc{}
	}
	for _, spec := range b.Runs {
		c, cancel := context.WithCancelCause(ctx)
		runCtxs[spec.RunID] = c
		r.cancels[b.ExperimentID][spec.RunID] = cancel
	}
	r.mu.Unlock()
	for _, spec := range b.Runs {
		send(sdk.RunEvent{RunID: spec.RunID, Type: sdk.EventQueued})
	}
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for _, spec := range b.Runs {
		rctx := runCtxs[spec.RunID]
		select {
		case sem <- struct{}{}:
		case <-rctx.Done():
		}
		if rctx.Err() != nil {
			send(sdk.RunEvent{RunID: spec.RunID, Type: sdk.EventCancelled})
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			send(r.run(rctx, b, spec, send))
		}()
	}
	wg.Wait()
	r.mu.Lock()
	for _, spec := range b.Runs {
		r.cancels[b.ExperimentID][spec.RunID](nil)
		delete(r.cancels[b.ExperimentID], spec.RunID)
	}
	r.mu.Unlock()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return emitErr
}

// run simulates one run and returns its terminal event.
func (r *ref) run(ctx context.Context, b *sdk.Batch, spec sdk.RunSpec, send func(sdk.RunEvent)) sdk.RunEvent {
	send(sdk.RunEvent{RunID: spec.RunID, Type: sdk.EventStarted, Attempt: 1})
	dir := filepath.Join(b.OutRoot, spec.RunID)
	out, err := runner.Run(ctx, runner.Request{
		ScenarioName: spec.ScenarioName, Scenario: spec.Scenario, OutDir: dir,
		RunID: spec.RunID, Engine: "test", Executor: "ref",
	})
	if ctx.Err() != nil {
		os.Remove(filepath.Join(dir, runfolder.ManifestFile))
		return sdk.RunEvent{RunID: spec.RunID, Type: sdk.EventCancelled}
	}
	if err != nil {
		return sdk.RunEvent{RunID: spec.RunID, Type: sdk.EventFailed, Message: err.Error()}
	}
	_, sum, err := sdktest.VerifyRunFolder(dir)
	if err == nil {
		err = os.CopyFS(filepath.Join(r.storage, filepath.FromSlash(sdk.StoragePath(b.ExperimentID, spec.RunID))), os.DirFS(dir))
	}
	if err != nil {
		return sdk.RunEvent{RunID: spec.RunID, Type: sdk.EventFailed, Message: err.Error()}
	}
	m := out.Folder.Manifest
	return sdk.RunEvent{RunID: spec.RunID, Type: sdk.EventCompleted, Attempt: 1, Result: &sdk.RunResult{
		RunID: spec.RunID, Dir: dir, StopReason: m.StopReason, DaysSimulated: m.DaysSimulated, Defaults: m.Defaults,
		PhiTotal: m.PhiTotal, DeltaTotal: m.DeltaTotal, TimeToStability: m.TimeToStability,
		DurationMS: m.DurationMS, ManifestSHA256: sum, Executor: "ref",
	}}
}

func (r *ref) Cancel(_ context.Context, req *sdk.CancelRequest) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for id, cancel := range r.cancels[req.ExperimentID] {
		if len(req.RunIDs) == 0 || containsString(req.RunIDs, id) {
			cancel(errCancelled)
		}
	}
	return nil
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (r *ref) Status(_ context.Context, req *sdk.StatusRequest) (*sdk.StatusReply, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	reply := &sdk.StatusReply{}
	for _, st := range r.status[req.ExperimentID] {
		reply.Runs = append(reply.Runs, st)
	}
	return reply, nil
}

func (r *ref) Estimate(context.Context, *sdk.EstimateRequest) (*sdk.EstimateReply, error) {
	return nil, fmt.Errorf("estimating: %w", sdk.ErrNotSupported)
}

// local maps a storage path to a file, refusing paths that leave storage.
func (r *ref) local(p string) (string, error) {
	if !filepath.IsLocal(filepath.FromSlash(p)) {
		return "", fmt.Errorf("%q: %w", p, sdk.ErrNotFound)
	}
	return filepath.Join(r.storage, filepath.FromSlash(p)), nil
}

func (r *ref) List(_ context.Context, req *sdk.ListRequest) ([]sdk.Entry, error) {
	var out []sdk.Entry
	err := filepath.WalkDir(r.storage, func(path string, d os.DirEntry, err error) error {
		if err != nil || path == r.storage {
			return err
		}
		rel, _ := filepath.Rel(r.storage, path)
		rel = filepath.ToSlash(rel)
		if !strings.HasPrefix(rel, req.Prefix) {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		out = append(out, sdk.Entry{Path: rel, Size: info.Size(), IsDir: d.IsDir(), ModTime: info.ModTime()})
		return nil
	})
	return out, err
}

func (r *ref) Fetch(_ context.Context, req *sdk.FetchRequest, w io.Writer) error {
	p, err := r.local(req.Path)
	if err != nil {
		return err
	}
	f, err := os.Open(p)
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("fetching %q: %w", req.Path, sdk.ErrNotFound)
	} else if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(w, f)
	return err
}

func (r *ref) Remove(_ context.Context, req *sdk.RemoveRequest) error {
	p, err := r.local(req.Path)
	if err != nil {
		return err
	}
	if _, err := os.Stat(p); errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("removing %q: %w", req.Path, sdk.ErrNotFound)
	}
	if req.Recursive {
		return os.RemoveAll(p)
	}
	return os.Remove(p)
}
