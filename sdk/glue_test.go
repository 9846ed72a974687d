package sdk

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	executorv1 "github.com/bilancio-go/bilancio/sdk/proto"
)

func TestRoundTrip(t *testing.T) {
	info := &Info{
		Name: "fake", Version: "1.2.3", SDKVersion: "stale",
		Capabilities: Capabilities{Cancel: true, Estimate: true, Artifacts: true, Remote: true, MaxParallelHint: 7, Detach: true},
		ConfigSchema: []ConfigAttribute{
			{Name: "parallel", Type: TypeNumber, Description: "runs at once", Default: "4", Env: "FAKE_PARALLEL"},
			{Name: "token", Type: TypeString, Description: "a secret", Required: true},
		},
	}
	wantInfo := *info
	wantInfo.SDKVersion = Version
	wantInfo.ProtocolVersions = []int{ProtocolVersion}
	wantInfo.Capabilities.Heartbeat = true

	batch := &Batch{
		ExperimentID: "exp1", OutRoot: "/tmp/out", Parallel: 3,
		Runs: []RunSpec{
			{RunID: "grid_a", ScenarioName: "a.yaml", Scenario: []byte("version: 1\n"), Options: RunOptions{
				MaxDays: 9, QuietDays: 0, HasQuietDays: true, DefaultHandling: "expel-agent", CheckInvariants: "daily", HTML: true}},
			{RunID: "grid_b", ScenarioName: "b.yaml", Scenario: []byte("x")},
		},
		Worker: &WorkerBinary{Path: "/bin/bilancio", SHA256: "ab12", OS: "linux", Arch: "amd64"},
		Detach: true,
	}
	events := []RunEvent{
		{RunID: "grid_a", Type: EventQueued, Time: at(1)},
		{RunID: "grid_a", Type: EventStarted, Time: at(2), Attempt: 1},
		{RunID: "grid_a", Type: EventProgress, Time: at(3), Message: "day 4", Usage: []SandboxUsage{
			{ID: "sb-1", Purpose: "stage", Start: at(1), End: at(2), CPU: 0.5, MemoryMiB: 512, Runs: 0, Cost: 0.001, Currency: "USD"},
			{ID: "sb-2", Purpose: "runs", Start: at(1), End: at(3), CPU: 2, MemoryMiB: 2048, GPU: "T4", Runs: 3, Cost: 0.25, Currency: "USD"}}},
		{RunID: "grid_a", Type: EventCompleted, Time: at(4), Attempt: 1, Result: &RunResult{
			RunID: "grid_a", Dir: "/tmp/out/grid_a", StopReason: "stable", DaysSimulated: 5, Defaults: 1,
			PhiTotal: "0.8", DeltaTotal: "0.2", TimeToStability: "3", DurationMS: 1.5,
			ManifestSHA256: "beef", Executor: "fake", Fingerprint: "f00d", Manifest: []byte(`{"run_id":"grid_a"}`)}},
		{RunID: "grid_b", Type: EventFailed, Message: "b.yaml:1:1: bad"},
		{RunID: "grid_b", Type: EventFailed, Message: "node lost", Failure: FailureInfrastructure},
		{RunID: "grid_c", Type: EventCancelled, Time: at(5)},
		{RunID: "grid_d", Type: EventDetached, Time: at(5)},
	}
	st := &StatusReply{
		Runs: []RunStatus{{RunID: "grid_a", State: EventCompleted}, {RunID: "grid_b", State: EventFailed, Message: "bad"}, {RunID: "grid_d", State: EventDetached}},
		WorkUnits: []WorkUnit{
			{ID: "sb-1", Name: "chunk-0000", State: WorkRunning, RunIDs: []string{"grid_d"}, Started: at(1)},
			{ID: "1234_5", State: WorkFailed, Reason: "NODE_FAIL", Started: at(1), Ended: at(2)},
		}}
	est := &EstimateReply{Currency: "USD", Cost: 1.25, Seconds: 30, Detail: "2 sandboxes"}
	entries := []Entry{{Path: "exp1/runs/grid_a", IsDir: true, ModTime: at(6)}, {Path: "exp1/runs/grid_a/manifest.json", Size: 12}}

	f := &fake{info: info, events: events, status: st, est: est, entries: entries, content: []byte("hello")}
	ex, _ := connect(t, f)

	cases := []struct {
		name      string
		call      func(ctx context.Context) (any, error)
		wantReq   any
		wantReply any
	}{
		{"Describe", func(ctx context.Context) (any, error) { return ex.Describe(ctx) }, "describe", &wantInfo},
		{"Configure", func(ctx context.Context) (any, error) {
			return nil, ex.Configure(ctx, &Config{JSON: []byte(`{"token":"x"}`)})
		}, &Config{JSON: []byte(`{"token":"x"}`)}, nil},
		{"Execute", func(ctx context.Context) (any, error) {
			var got []RunEvent
			err := ex.Execute(ctx, batch, func(ev RunEvent) error { got = append(got, ev); return nil })
			return got, err
		}, batch, events},
		{"Cancel", func(ctx context.Context) (any, error) {
			return nil, ex.Cancel(ctx, &CancelRequest{ExperimentID: "exp1", RunIDs: []string{"grid_a"}})
		}, &CancelRequest{ExperimentID: "exp1", RunIDs: []string{"grid_a"}}, nil},
		{"Status", func(ctx context.Context) (any, error) {
			return ex.Status(ctx, &StatusRequest{ExperimentID: "exp1", Remote: true})
		}, &StatusRequest{ExperimentID: "exp1", Remote: true}, st},
		{"Estimate", func(ctx context.Context) (any, error) {
			return ex.Estimate(ctx, &EstimateRequest{Runs: 100, SecondsPerRun: 0.25})
		}, &EstimateRequest{Runs: 100, SecondsPerRun: 0.25}, est},
		{"List", func(ctx context.Context) (any, error) { return ex.List(ctx, &ListRequest{Prefix: "exp1/"}) },
			&ListRequest{Prefix: "exp1/"}, entries},
		{"Fetch", func(ctx context.Context) (any, error) {
			var b bytes.Buffer
			err := ex.Fetch(ctx, &FetchRequest{Path: "exp1/runs/grid_a/manifest.json"}, &b)
			return b.String(), err
		}, &FetchRequest{Path: "exp1/runs/grid_a/manifest.json"}, "hello"},
		{"Remove", func(ctx context.Context) (any, error) {
			return nil, ex.Remove(ctx, &RemoveRequest{Path: "exp1", Recursive: true})
		}, &RemoveRequest{Path: "exp1", Recursive: true}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			before := len(f.requests())
			reply, err := tc.call(ctx)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			reqs := f.requests()
			if len(reqs) != before+1 {
				t.Fatalf("the executor got %d calls, want 1", len(reqs)-before)
			}
			if got := reqs[before]; !reflect.DeepEqual(got, tc.wantReq) {
				t.Errorf("the executor got\n%#v\nwant\n%#v", got, tc.wantReq)
			}
			if tc.wantReply != nil && !reflect.DeepEqual(reply, tc.wantReply) {
				t.Errorf("the host got\n%#v\nwant\n%#v", reply, tc.wantReply)
			}
		})
	}
}

// fatalStatus is an error of the kind a cloud SDK returns: it wraps a gRPC
// status whose code must not be taken for the plugin connection's.
type fatalStatus struct{ error }

func (e fatalStatus) GRPCStatus() *status.Status { return status.New(codes.Unavailable, e.Error()) }

func TestErrorsCrossTheBoundary(t *testing.T) {
	cases := []struct {
		name string
		err  error
		is   error // the sentinel the host's error must match (nil: none)
		not  []error
	}{
		{"not supported", fmt.Errorf("listing: %w", ErrNotSupported), ErrNotSupported, []error{ErrNotFound, ErrPluginCrashed}},
		{"not found", fmt.Errorf("fetching x: %w", ErrNotFound), ErrNotFound, []error{ErrNotSupported}},
		{"invalid config", fmt.Errorf("%w: unknown attribute \"x\"", ErrInvalidConfig), ErrInvalidConfig, nil},
		{"cancelled inside", fmt.Errorf("run stopped: %w", context.Canceled), context.Canceled, []error{ErrPluginCrashed}},
		{"plain", errors.New("the cloud said no"), nil, []error{ErrNotSupported, ErrNotFound, ErrInvalidConfig, ErrPluginCrashed, context.Canceled}},
		{"a cloud's Unavailable", fatalStatus{errors.New("modal: unavailable")}, nil, []error{ErrPluginCrashed}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ex, _ := connect(t, &fake{err: tc.err})
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			calls := map[string]error{
				"Configure": ex.Configure(ctx, &Config{}),
				"Execute":   ex.Execute(ctx, &Batch{ExperimentID: "e"}, func(RunEvent) error { return nil }),
				"Fetch":     ex.Fetch(ctx, &FetchRequest{Path: "p"}, io.Discard),
				"Remove":    ex.Remove(ctx, &RemoveRequest{Path: "p"}),
			}
			for method, err := range calls {
				if err == nil {
					t.Errorf("%s: no error, want %v", method, tc.err)
					continue
				}
				if !strings.Contains(err.Error(), tc.err.Error()) {
					t.Errorf("%s: %q does not carry the executor's message %q", method, err, tc.err)
				}
				if tc.is != nil && !errors.Is(err, tc.is) {
					t.Errorf("%s: %v is not %v", method, err, tc.is)
				}
				for _, n := range tc.not {
					if errors.Is(err, n) {
						t.Errorf("%s: %v is %v", method, err, n)
					}
				}
			}
		})
	}
}

func TestUnimplementedRPCIsNotSupported(t *testing.T) {
	err := callError(context.Background(), context.Background(), "estimating", "Estimate",
		status.Error(codes.Unimplemented, "unknown method Estimate for service bilancio.executor.v1.Executor"))
	if !errors.Is(err, ErrNotSupported) {
		t.Errorf("got %v, want ErrNotSupported", err)
	}
}

// TestContextCrossesTheBoundary cancels the host's context during a call and
// checks that the executor's context is done within 100 ms (an Execute: that
// the executor gets a Cancel for the batch's runs within 100 ms, and its
// context is done within CancelDrain) and that the host gets
// context.Canceled.
func TestContextCrossesTheBoundary(t *testing.T) {
	cases := []struct {
		name string
		call func(ctx context.Context, ex Executor) error
	}{
		{"Execute", func(ctx context.Context, ex Executor) error {
			return ex.Execute(ctx, &Batch{ExperimentID: "e", Runs: []RunSpec{{RunID: "r"}}}, func(RunEvent) error { return nil })
		}},
		{"Fetch", func(ctx context.Context, ex Executor) error {
			return ex.Fetch(ctx, &FetchRequest{Path: "p"}, io.Discard)
		}},
		{"Cancel", func(ctx context.Context, ex Executor) error {
			return ex.Cancel(ctx, &CancelRequest{ExperimentID: "e"})
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			entered := make(chan struct{})
			seen := make(chan time.Time, 1)
			wait := func(ctx context.Context) error {
				close(entered)
				select {
				case <-ctx.Done():
					seen <- time.Now()
					return ctx.Err()
				case <-time.After(10 * time.Second):
					return errors.New("the executor's context was never cancelled")
				}
			}
			cancelRPC := make(chan *CancelRequest, 1)
			f := &fake{
				onExecute: func(ctx context.Context, _ *Batch, emit func(RunEvent) error) error {
					if err := emit(RunEvent{RunID: "r", Type: EventStarted}); err != nil {
						return err
					}
					return wait(ctx)
				},
				onFetch:  func(ctx context.Context, _ *FetchRequest, _ io.Writer) error { return wait(ctx) },
				onCancel: func(ctx context.Context, _ *CancelRequest) error { return wait(ctx) },
			}
			limit := 100 * time.Millisecond
			if tc.name == "Execute" {
				// An executor that ignores the Cancel: its context ends after the drain.
				f.onCancel = func(_ context.Context, req *CancelRequest) error {
					cancelRPC <- req
					return nil
				}
				limit += CancelDrain
			}
			ex, _ := connect(t, f)
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- tc.call(ctx, ex) }()
			select {
			case <-entered:
			case <-time.After(10 * time.Second):
				t.Fatal("the call never reached the executor")
			}
			cancelled := time.Now()
			cancel()
			select {
			case when := <-seen:
				if d := when.Sub(cancelled); d > limit {
					t.Errorf("the executor saw the cancellation after %v, want within %v", d, limit)
				}
			case <-time.After(time.Second):
				t.Fatal("the executor's context was not cancelled within a second")
			}
			if tc.name == "Execute" {
				select {
				case req := <-cancelRPC:
					if req.ExperimentID != "e" || len(req.RunIDs) != 1 || req.RunIDs[0] != "r" {
						t.Errorf("Cancel %+v, want the batch's run", req)
					}
				default:
					t.Errorf("the executor got no Cancel")
				}
			}
			select {
			case err := <-done:
				if !errors.Is(err, context.Canceled) {
					t.Errorf("the host got %v, want context.Canceled", err)
				}
			case <-time.After(time.Second):
				t.Fatal("the call did not return within a second of the cancellation")
			}
		})
	}
}

// TestFetchStreamsChunks fetches 10 MiB written in pieces of several sizes:
// the host gets every byte, in messages of at most FetchChunkSize.
func TestFetchStreamsChunks(t *testing.T) {
	const size = 10 << 20
	content := make([]byte, size)
	for i := range content {
		content[i] = byte(i*7 + i>>11)
	}
	cases := []struct {
		name   string
		piece  int // the executor writes this much at a time
		chunks int
	}{
		{"one write", size, 10},
		{"small writes gathered", 1000, 10},
		{"odd writes", 3<<20 + 17, 10},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := &fake{onFetch: func(_ context.Context, _ *FetchRequest, w io.Writer) error {
				for off := 0; off < size; off += tc.piece {
					if _, err := w.Write(content[off:min(off+tc.piece, size)]); err != nil {
						return err
					}
				}
				return nil
			}}
			ex, _ := connect(t, f)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cw := &chunkCounter{}
			if err := ex.Fetch(ctx, &FetchRequest{Path: "big"}, cw); err != nil {
				t.Fatalf("Fetch: %v", err)
			}
			if !bytes.Equal(cw.buf.Bytes(), content) {
				t.Fatalf("got %d bytes, not the %d written", cw.buf.Len(), size)
			}
			if cw.max > FetchChunkSize {
				t.Errorf("a chunk of %d bytes, more than %d", cw.max, FetchChunkSize)
			}
			if cw.writes != tc.chunks {
				t.Errorf("%d chunks, want %d", cw.writes, tc.chunks)
			}
		})
	}
}

// chunkCounter collects what Fetch writes; the client writes each chunk
// with one call.
type chunkCounter struct {
	buf    bytes.Buffer
	writes int
	max    int
}

func (c *chunkCounter) Write(p []byte) (int, error) {
	c.writes++
	c.max = max(c.max, len(p))
	return c.buf.Write(p)
}

// TestPluginCrash stops the plugin's server mid-batch: the host gets an
// error wrapping ErrPluginCrashed, and a failed event for every run that
// had not ended.
func TestPluginCrash(t *testing.T) {
	midway := make(chan struct{})
	f := &fake{onExecute: func(ctx context.Context, b *Batch, emit func(RunEvent) error) error {
		if err := emit(RunEvent{RunID: "a", Type: EventCompleted, Result: &RunResult{RunID: "a"}}); err != nil {
			return err
		}
		if err := emit(RunEvent{RunID: "b", Type: EventStarted}); err != nil {
			return err
		}
		close(midway)
		<-ctx.Done()
		return ctx.Err()
	}}
	ex, server := connect(t, f)
	b := &Batch{ExperimentID: "e", Runs: []RunSpec{{RunID: "a"}, {RunID: "b"}, {RunID: "c"}}}
	var got []RunEvent
	done := make(chan error, 1)
	go func() {
		done <- ex.Execute(context.Background(), b, func(ev RunEvent) error { got = append(got, ev); return nil })
	}()
	<-midway
	time.Sleep(50 * time.Millisecond) // let the events reach the host
	server.Stop()                     // the plugin "dies"
	var err error
	select {
	case err = <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Execute did not return after the plugin died")
	}
	if !errors.Is(err, ErrPluginCrashed) || !strings.Contains(err.Error(), "Execute") {
		t.Fatalf("Execute = %v, want ErrPluginCrashed naming the call", err)
	}
	var failed []string
	for _, ev := range got {
		if ev.Type == EventFailed {
			failed = append(failed, ev.RunID)
			if !strings.Contains(ev.Message, "crashed") {
				t.Errorf("run %s failed with %q, which does not say the plugin crashed", ev.RunID, ev.Message)
			}
		}
	}
	if !reflect.DeepEqual(failed, []string{"b", "c"}) {
		t.Errorf("failed runs %v, want [b c] (a had completed); events %+v", failed, got)
	}
}

// TestEmitErrorAbortsBatch: an error from the host's emit ends Execute with
// that error and cancels the executor's context.
func TestEmitErrorAbortsBatch(t *testing.T) {
	stopped := make(chan struct{})
	f := &fake{onExecute: func(ctx context.Context, b *Batch, emit func(RunEvent) error) error {
		for i := 0; ; i++ {
			if err := emit(RunEvent{RunID: "a", Type: EventProgress, Message: fmt.Sprint(i)}); err != nil {
				close(stopped)
				return err
			}
			select {
			case <-ctx.Done():
				close(stopped)
				return ctx.Err()
			case <-time.After(time.Millisecond):
			}
		}
	}}
	ex, _ := connect(t, f)
	boom := errors.New("registry full")
	err := ex.Execute(context.Background(), &Batch{ExperimentID: "e", Runs: []RunSpec{{RunID: "a"}}}, func(ev RunEvent) error {
		if ev.Message == "3" {
			return boom
		}
		return nil
	})
	if !errors.Is(err, boom) {
		t.Errorf("Execute = %v, want the emit error", err)
	}
	select {
	case <-stopped:
	case <-time.After(time.Second):
		t.Error("the executor went on after the host's emit failed")
	}
}

// TestUnknownEventType: an executor emitting an event type the protocol
// does not know gets an error from emit.
func TestUnknownEventType(t *testing.T) {
	var emitErr error
	f := &fake{onExecute: func(ctx context.Context, b *Batch, emit func(RunEvent) error) error {
		emitErr = emit(RunEvent{RunID: "a", Type: "exploded"})
		return nil
	}}
	ex, _ := connect(t, f)
	if err := ex.Execute(context.Background(), &Batch{Runs: []RunSpec{{RunID: "a"}}}, func(RunEvent) error { return nil }); err != nil {
		t.Fatalf("Execute: %v", err)
	}
	if emitErr == nil || !strings.Contains(emitErr.Error(), "exploded") {
		t.Errorf("emit of an unknown type = %v", emitErr)
	}
}

func TestBatchTooLarge(t *testing.T) {
	f := &fake{}
	ex, _ := connect(t, f)
	b := &Batch{ExperimentID: "e", Runs: []RunSpec{{RunID: "a", Scenario: make([]byte, MaxMessageSize)}}}
	err := ex.Execute(context.Background(), b, func(RunEvent) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "split the batch") {
		t.Errorf("Execute of a batch over MaxMessageSize = %v", err)
	}
	if n := len(f.requests()); n != 0 {
		t.Errorf("the executor got %d calls", n)
	}
}

// TestServerStop: stopping the server (the parent-death path) calls Cancel
// for the experiments in flight and cancels their Execute — but never
// cancels the remote work of an executor with Capabilities.Detach, which
// outlives the plugin.
func TestServerStop(t *testing.T) {
	for _, tc := range []struct {
		name    string
		info    *Info
		cancels []string
	}{
		{"attached", &Info{Name: "x"}, []string{"exp7"}},
		{"describe fails", nil, []string{"exp7"}},
		{"detach", &Info{Name: "x", Capabilities: Capabilities{Detach: true}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			running := make(chan struct{})
			f := &fake{info: tc.info, onExecute: func(ctx context.Context, b *Batch, emit func(RunEvent) error) error {
				close(running)
				<-ctx.Done()
				return ctx.Err()
			}}
			if tc.info == nil {
				f.err = errors.New("no")
			}
			srv := newServer(f)
			ex, _ := connectPlugin(t, &ExecutorPlugin{Impl: f, srv: srv})
			done := make(chan error, 1)
			go func() {
				done <- ex.Execute(context.Background(), &Batch{ExperimentID: "exp7", Runs: []RunSpec{{RunID: "r"}}}, func(RunEvent) error { return nil })
			}()
			<-running
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			srv.stop(ctx)
			if ctx.Err() != nil {
				t.Error("stop waited for its whole deadline")
			}
			var cancels []string
			for _, r := range f.requests() {
				if c, ok := r.(*CancelRequest); ok {
					cancels = append(cancels, c.ExperimentID)
				}
			}
			if !reflect.DeepEqual(cancels, tc.cancels) {
				t.Errorf("Cancel called for %v, want %v", cancels, tc.cancels)
			}
			select {
			case err := <-done:
				if !errors.Is(err, context.Canceled) {
					t.Errorf("Execute = %v, want context.Canceled", err)
				}
			case <-time.After(2 * time.Second):
				t.Error("Execute did not return")
			}
			err := ex.Execute(context.Background(), &Batch{ExperimentID: "late"}, func(RunEvent) error { return nil })
			if err == nil || !strings.Contains(err.Error(), "shutting down") {
				t.Errorf("Execute after stop = %v", err)
			}
		})
	}
}

var _ executorv1.ExecutorServer = (*server)(nil)

// TestCancelDrainsTheLastEvents: when the host cancels a batch, an executor
// that honours the Cancel still gets its last events across — the runs'
// cancellation and a usage event for what it stopped — and the host gets
// context.Canceled.
func TestCancelDrainsTheLastEvents(t *testing.T) {
	stopped := make(chan struct{})
	f := &fake{
		onExecute: func(ctx context.Context, _ *Batch, emit func(RunEvent) error) error {
			if err := emit(RunEvent{RunID: "r", Type: EventStarted}); err != nil {
				return err
			}
			select {
			case <-stopped:
			case <-ctx.Done():
				return ctx.Err()
			}
			if err := emit(RunEvent{RunID: "r", Type: EventCancelled, Message: "cancelled"}); err != nil {
				return err
			}
			return emit(RunEvent{Type: EventUsage, Usage: []SandboxUsage{{ID: "sb-1", Purpose: "runs", Runs: 1, Cost: 0.25, Currency: "USD"}}})
		},
		onCancel: func(_ context.Context, req *CancelRequest) error {
			close(stopped)
			return nil
		},
	}
	ex, _ := connect(t, f)
	ctx, cancel := context.WithCancel(context.Background())
	var got []RunEvent
	err := ex.Execute(ctx, &Batch{ExperimentID: "e", Runs: []RunSpec{{RunID: "r"}}}, func(ev RunEvent) error {
		got = append(got, ev)
		if ev.Type == EventStarted {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Execute returned %v, want context.Canceled", err)
	}
	if len(got) != 3 || got[1].Type != EventCancelled || got[2].Type != EventUsage || got[2].RunID != "" ||
		len(got[2].Usage) != 1 || got[2].Usage[0].ID != "sb-1" || got[2].Usage[0].Cost != 0.25 {
		t.Errorf("events %+v", got)
	}
}
