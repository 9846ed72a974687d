// Package slurm is bilancio's Slurm executor: it runs a sweep's simulations
// on a cluster as Slurm job arrays. Each batch of runs is cut into chunks;
// one sbatch call submits them as an array (--array=0-N%P, P tasks at once)
// whose task i runs `bilancio worker` on chunk i. The workers write the run
// folders straight into the experiment, which is on the cluster's shared
// file system, and append one JSON line per finished run to an event file;
// the executor follows those files for per-run progress and asks squeue,
// every poll interval, how the tasks stand. It needs neither sacct nor a
// connection per job.
//
// A task that fails, times out, is preempted or loses its node fails its
// unfinished runs with Slurm's reason, and the sweep retries them per its
// policy. Jobs outlive the CLI: a new Execute of runs that a live task of
// the experiment holds follows that task instead of submitting them again,
// and a run whose folder is complete is reported at once, so re-running a
// sweep runs nothing twice. Cancellation scancels exactly the sweep's jobs,
// found by their name (JobName) and working directory.
//
// Like any outside author's plugin it imports only bilancio's sdk. The
// plugin binary is cmd/bilancio-executor-slurm (sdk.Main(slurm.New())).
package slurm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/bilancio-go/bilancio/sdk"
)

// Name is the executor's name: the plugin is bilancio-executor-slurm.
const Name = "slurm"

// version is the executor's version, set at build time with
// -ldflags "-X .../plugins/slurm.version=...".
var version = "0.1.0-dev"

// Version returns the executor's version.
func Version() string { return version }

// defaultParallel is how many array tasks run at once when the sweep does
// not say (sbatch --array=...%defaultParallel).
const defaultParallel = 50

// logger is the part of sdk.NewLogger's logger the executor uses (naming
// it keeps the plugin's imports to the sdk and the standard library).
type logger interface {
	Info(msg string, args ...any)
	Warn(msg string, args ...any)
	Error(msg string, args ...any)
}

// Executor is the Slurm executor. Create it with New.
type Executor struct {
	logger logger
	slurm  *cli

	mu  sync.Mutex
	cfg *Config
	// batches are the batches in flight, by experiment id (for Cancel).
	batches map[string][]*batchRun
	// status is the last state of each run, by experiment and run id.
	status sdk.RunStates
	// indexes are the submission indexes, by scratch root.
	indexes map[string]*submissionIndex
}

var _ sdk.Executor = (*Executor)(nil)

// New returns an unconfigured Slurm executor; Configure must succeed before
// Execute.
func New() *Executor {
	return &Executor{
		logger:  sdk.NewLogger(Name),
		slurm:   newCLI(),
		batches: make(map[string][]*batchRun),
		indexes: make(map[string]*submissionIndex),
	}
}

// Describe implements sdk.Executor.
func (e *Executor) Describe(ctx context.Context) (*sdk.Info, error) {
	return &sdk.Info{
		Name:             Name,
		Version:          version,
		SDKVersion:       sdk.Version,
		ProtocolVersions: sdk.ProtocolVersions(),
		Capabilities: sdk.Capabilities{
			Remote:          true,
			Cancel:          true,
			Detach:          true,
			MaxParallelHint: defaultParallel,
		},
		ConfigSchema: schema(),
	}, nil
}

// Configure implements sdk.Executor: it decodes the configuration (the
// sweep file's block over the BILANCIO_SLURM_* environment over the
// defaults) and checks it. It does not contact Slurm.
func (e *Executor) Configure(ctx context.Context, cfg *sdk.Config) error {
	var c Config
	if err := cfg.Decode(schema(), &c); err != nil {
		return err
	}
	if err := c.validate(); err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.cfg = &c
	return nil
}

// config returns the configuration, or an error before Configure.
func (e *Executor) config() (*Config, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.cfg == nil {
		return nil, errors.New("the slurm executor is not configured (Configure was not called)")
	}
	c := *e.cfg
	return &c, nil
}

// Estimate implements sdk.Executor: a cluster's cost is not money.
func (e *Executor) Estimate(ctx context.Context, req *sdk.EstimateRequest) (*sdk.EstimateReply, error) {
	return nil, fmt.Errorf("estimating a Slurm sweep: %w", sdk.ErrNotSupported)
}

// List implements sdk.Executor: the run folders are on the shared file
// system already, there is no storage of the executor's own.
func (e *Executor) List(ctx context.Context, req *sdk.ListRequest) ([]sdk.Entry, error) {
	return nil, fmt.Errorf("listing the slurm executor's storage: %w", sdk.ErrNotSupported)
}

// Fetch implements sdk.Executor (not supported: see List).
func (e *Executor) Fetch(ctx context.Context, req *sdk.FetchRequest, w io.Writer) error {
	return fmt.Errorf("fetching from the slurm executor's storage: %w", sdk.ErrNotSupported)
}

// Remove implements sdk.Executor (not supported: see List).
func (e *Executor) Remove(ctx context.Context, req *sdk.RemoveRequest) error {
	return fmt.Errorf("removing from the slurm executor's storage: %w", sdk.ErrNotSupported)
}

// track registers a batch in flight for Cancel and returns the function
// that forgets it.
func (e *Executor) track(br *batchRun) func() {
	exp := br.batch.ExperimentID
	e.mu.Lock()
	e.batches[exp] = append(e.batches[exp], br)
	e.mu.Unlock()
	return func() {
		e.mu.Lock()
		defer e.mu.Unlock()
		list := e.batches[exp]
		for i, b := range list {
			if b == br {
				list = append(list[:i], list[i+1:]...)
				break
			}
		}
		if len(list) == 0 {
			delete(e.batches, exp)
		} else {
			e.batches[exp] = list
		}
	}
}
