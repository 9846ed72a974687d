// Command bilancio-executor-example is a template for a bilancio executor
// plugin: copy this directory, rename the executor, and replace what
// Execute does. As it stands it runs each batch here by delegating it to
// `bilancio worker`, the command every executor can use to simulate runs
// (a remote executor would run the same command somewhere else).
//
// Build and install it with
//
//	go build -o bilancio-executor-example ./examples/executor-plugin
//	bilancio plugins install ./bilancio-executor-example
//
// and check it with `./bilancio-executor-example describe`.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/bilancio-go/bilancio/sdk"
	"github.com/bilancio-go/bilancio/sdk/runfolder"
)

func main() { sdk.Main(newExecutor()) }

// schema is the executor's configuration block: what a sweep file may set in
// `executor "example" { ... }`.
var schema = []sdk.ConfigAttribute{
	{Name: "bilancio", Type: sdk.TypeString, Env: "BILANCIO_BIN", Default: `"bilancio"`,
		Description: "the bilancio binary that runs `bilancio worker` (when the batch brings none)"},
	{Name: "parallel", Type: sdk.TypeNumber, Default: "0",
		Description: "runs executed at once when the batch does not say (0: one per CPU)"},
}

// config is the decoded configuration; its json tags are the attribute names.
type config struct {
	Bilancio string `json:"bilancio"`
	Parallel int    `json:"parallel"`
}

// executor implements sdk.Executor.
type executor struct {
	mu     sync.Mutex
	cfg    config
	status sdk.RunStates                               // experiment -> run -> last state
	stops  map[string]map[*batchRun]context.CancelFunc // experiment -> running batches
}

// batchRun identifies one running Execute call.
type batchRun struct{ cancelled bool }

func newExecutor() *executor {
	return &executor{
		cfg:   config{Bilancio: "bilancio"},
		stops: map[string]map[*batchRun]context.CancelFunc{},
	}
}

// Describe says who the executor is.
func (e *executor) Describe(context.Context) (*sdk.Info, error) {
	return &sdk.Info{
		Name:             "example",
		Version:          "0.1.0",
		ProtocolVersions: sdk.ProtocolVersions(),
		Capabilities:     sdk.Capabilities{Cancel: true, MaxParallelHint: runtime.NumCPU()},
		ConfigSchema:     schema,
	}, nil
}

// Configure decodes the configuration against the schema (Decode refuses
// malformed JSON, unknown attributes and wrong types).
func (e *executor) Configure(_ context.Context, cfg *sdk.Config) error {
	var c config
	if err := cfg.Decode(schema, &c); err != nil {
		return err
	}
	if c.Parallel < 0 {
		return fmt.Errorf("%w: parallel must be >= 0, got %d", sdk.ErrInvalidConfig, c.Parallel)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.cfg = c
	return nil
}

// Execute writes the batch as a worker manifest, runs `bilancio worker` on
// it and forwards the JSON event line the worker prints for each finished
// run. Cancelling ctx (or Cancel) kills the worker; the runs that had not
// finished are reported cancelled.
func (e *executor) Execute(ctx context.Context, b *sdk.Batch, emit func(sdk.RunEvent) error) error {
	// The guard refuses a malformed batch and holds every run to exactly
	// one terminal event, whatever the worker prints.
	if err := sdk.ValidateBatch(b); err != nil {
		return fmt.Errorf("invalid batch: %w", err)
	}
	guard, err := sdk.NewRunGuard(b)
	if err != nil {
		return fmt.Errorf("invalid batch: %w", err)
	}
	if len(b.Runs) == 0 {
		return nil
	}
	e.mu.Lock()
	cfg := e.cfg
	e.mu.Unlock()
	bin := cfg.Bilancio
	if b.Worker != nil && b.Worker.Path != "" {
		bin = b.Worker.Path
	}
	parallel := b.Parallel
	if parallel <= 0 {
		parallel = cfg.Parallel
	}

	manifest, err := writeManifest(b, parallel)
	if err != nil {
		return err
	}
	defer os.Remove(manifest)

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	me := &batchRun{}
	e.track(b.ExperimentID, me, cancel)
	defer e.untrack(b.ExperimentID, me)

	// record stamps events and keeps them for Status; send is record behind
	// the guard.
	record := e.recording(b.ExperimentID, emit)
	send := guard.Forward(record)
	for _, r := range b.Runs {
		if err := send(sdk.RunEvent{RunID: r.RunID, Type: sdk.EventQueued}); err != nil {
			return err
		}
	}

	cmd := exec.CommandContext(runCtx, bin, "worker", "-manifest", manifest, "-out", b.OutRoot)
	cmd.WaitDelay = 2 * time.Second
	var stderr tail
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return fmt.Errorf("starting %s worker: %w", bin, err)
	}
	if err := cmd.Start(); err != nil {
		return e.finish(b, guard, record, sdk.EventFailed, fmt.Sprintf("starting %s worker: %v", bin, err), nil)
	}
	// The worker reports runs as they end; they all start with it.
	for _, r := range b.Runs {
		if err := send(sdk.RunEvent{RunID: r.RunID, Type: sdk.EventStarted, Attempt: 1}); err != nil {
			cancel()
			break
		}
	}
	readErr := forward(stdout, send)
	if readErr != nil {
		cancel() // the host stopped listening: stop the worker
	}
	waitErr := cmd.Wait()

	switch {
	case ctx.Err() != nil:
		return e.finish(b, guard, record, sdk.EventCancelled, "", ctx.Err())
	case e.cancelled(b.ExperimentID, me):
		return e.finish(b, guard, record, sdk.EventCancelled, "", nil)
	case readErr != nil:
		return readErr
	}
	// The worker exits 2 when some runs failed: they were reported. Any
	// run it did not report failed with the worker's own error.
	msg := fmt.Sprintf("%s worker ended without reporting this run", bin)
	if waitErr != nil {
		msg = fmt.Sprintf("%s worker: %v: %s", bin, waitErr, stderr.String())
	}
	return e.finish(b, guard, record, sdk.EventFailed, msg, nil)
}

// writeManifest writes the batch as a worker manifest in a temporary file.
func writeManifest(b *sdk.Batch, parallel int) (string, error) {
	m := sdk.WorkerManifest{Version: sdk.WorkerManifestVersion, ExperimentID: b.ExperimentID, Parallel: parallel, Runs: b.Runs}
	f, err := os.CreateTemp("", "bilancio-batch-*.json")
	if err != nil {
		return "", fmt.Errorf("writing the worker manifest: %w", err)
	}
	if err := json.NewEncoder(f).Encode(&m); err != nil {
		f.Close()
		os.Remove(f.Name())
		return "", fmt.Errorf("writing the worker manifest: %w", err)
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("writing the worker manifest: %w", err)
	}
	return f.Name(), nil
}

// forward reads the worker's event lines and emits them (the guard drops
// what does not belong); it returns the first error of emit (after
// draining the worker's output).
func forward(r io.Reader, emit func(sdk.RunEvent) error) error {
	dec := json.NewDecoder(r)
	var emitErr error
	for {
		var ev sdk.RunEvent
		if err := dec.Decode(&ev); err != nil {
			if !errors.Is(err, io.EOF) && emitErr == nil {
				_, _ = io.Copy(io.Discard, r)
			}
			return emitErr
		}
		if emitErr == nil {
			emitErr = emit(ev)
		}
	}
}

// finish reports every run without a terminal event with the event type
// typ (through record, behind the guard's back: the guard closes) and
// returns err. A manifest such a run may have left (the worker was stopped
// between writing it and reporting the run) is removed first: only a run
// reported completed may look complete.
func (e *executor) finish(b *sdk.Batch, guard *sdk.RunGuard, record func(sdk.RunEvent) error, typ sdk.EventType, msg string, err error) error {
	for _, id := range guard.Open() {
		_ = os.Remove(filepath.Join(b.OutRoot, id, runfolder.ManifestFile))
	}
	guard.Finish(record, typ, msg, sdk.FailureRun)
	return err
}

// recording returns emit with each event stamped and recorded for Status.
func (e *executor) recording(experiment string, emit func(sdk.RunEvent) error) func(sdk.RunEvent) error {
	return func(ev sdk.RunEvent) error {
		if ev.Time.IsZero() {
			ev.Time = time.Now()
		}
		e.status.Record(experiment, ev)
		return emit(ev)
	}
}

func (e *executor) track(experiment string, b *batchRun, cancel context.CancelFunc) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.stops[experiment] == nil {
		e.stops[experiment] = map[*batchRun]context.CancelFunc{}
	}
	e.stops[experiment][b] = cancel
}

func (e *executor) untrack(experiment string, b *batchRun) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.stops[experiment], b)
}

func (e *executor) cancelled(experiment string, b *batchRun) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return b.cancelled
}

// Cancel kills the workers of the experiment's running batches. This
// template cancels whole batches: a request naming runs cancels the
// batches that hold them.
func (e *executor) Cancel(_ context.Context, req *sdk.CancelRequest) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	for b, cancel := range e.stops[req.ExperimentID] {
		b.cancelled = true
		cancel()
	}
	return nil
}

// Status reports the last state of each run of the experiment.
func (e *executor) Status(_ context.Context, req *sdk.StatusRequest) (*sdk.StatusReply, error) {
	return e.status.Status(req.ExperimentID), nil
}

// Estimate: running here costs nothing worth pricing.
func (e *executor) Estimate(context.Context, *sdk.EstimateRequest) (*sdk.EstimateReply, error) {
	return nil, fmt.Errorf("estimating: %w", sdk.ErrNotSupported)
}

// List: this executor keeps no storage of its own (runs land in OutRoot).
func (e *executor) List(context.Context, *sdk.ListRequest) ([]sdk.Entry, error) {
	return nil, fmt.Errorf("listing: %w", sdk.ErrNotSupported)
}

// Fetch: no storage of its own.
func (e *executor) Fetch(context.Context, *sdk.FetchRequest, io.Writer) error {
	return fmt.Errorf("fetching: %w", sdk.ErrNotSupported)
}

// Remove: no storage of its own.
func (e *executor) Remove(context.Context, *sdk.RemoveRequest) error {
	return fmt.Errorf("removing: %w", sdk.ErrNotSupported)
}

// tail keeps the last few KiB written to it (the worker's stderr).
type tail struct {
	mu  sync.Mutex
	buf []byte
}

const tailSize = 4 << 10

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > tailSize {
		t.buf = t.buf[len(t.buf)-tailSize:]
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.TrimSpace(string(t.buf))
}
