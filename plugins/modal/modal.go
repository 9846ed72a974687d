// Package modal is bilancio's Modal executor: it runs batches of
// simulations in Modal sandboxes through Modal's Go SDK
// (github.com/modal-labs/modal-client/go v0.11). It imports only bilancio's
// sdk, that SDK and the standard library, so it builds outside this module.
//
// The design (spec/modal.md §4, spec/modal-v0.11.md): the bilancio binary
// itself is the worker, a static linux/amd64 build staged once in the
// results volume under its sha256 and checked there before any chunk
// starts. Runs go out in chunks; each chunk is one sandbox, tagged with the
// experiment and the chunk, whose main process runs `bilancio worker` over
// the chunk (its manifest arrives on the sandbox's stdin) with as many runs
// at once as the sandbox has CPUs, writing each run's folder to the volume.
// The sandbox needs no live bilancio: it ends when its runs are done (after
// lingering a little for the plugin to collect them), and its volume
// writes are committed then. While bilancio follows it, completed runs are
// read back from the live sandbox (one tar stream per group of runs),
// verified and reported; runs that finished while nobody followed are
// collected from the volume. So a sweep can be detached, re-attached after
// its CLI was killed, inspected and cancelled from another shell.
//
// The plugin binary bilancio-executor-modal (cmd/bilancio-executor-modal)
// serves New() through sdk.Main. Tests run it against internal/modalemu.
package modal

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sync"

	"github.com/hashicorp/go-hclog"
	"github.com/pelletier/go-toml/v2"

	"github.com/bilancio-go/bilancio/sdk"
)

// Name is the executor's name: the plugin is bilancio-executor-modal.
const Name = "modal"

// version is the executor's version, set at build time with
// -ldflags "-X .../plugins/modal.version=...".
var version = "0.2.0-dev"

// Version returns the executor's version.
func Version() string { return version }

// Configuration attributes (the CloudConfig, spec/modal.md §9).
const (
	attrApp            = "app"
	attrVolume         = "volume"
	attrTimeout        = "timeout"
	attrMemory         = "memory"
	attrCPU            = "cpu"
	attrMaxParallel    = "max_parallel"
	attrGPU            = "gpu"
	attrRetries        = "retries"
	attrBackoff        = "backoff"
	attrRunsPerSandbox = "runs_per_sandbox"
	attrLinger         = "linger"
	attrMaxCost        = "max_cost"
	attrVolumeAccess   = "volume_access"
	attrRatesFile      = "rates_file"
	attrCPURate        = "cpu_rate"
	attrMemoryRate     = "memory_rate"
	attrGPURate        = "gpu_rate"
	attrRegionMult     = "region_multiplier"
)

// Environment variables of Modal's own configuration (spec/modal.md §2.1).
const (
	envTokenID     = "MODAL_TOKEN_ID"
	envTokenSecret = "MODAL_TOKEN_SECRET"
	envConfigPath  = "MODAL_CONFIG_PATH"
	envProfile     = "MODAL_PROFILE"
)

// Config is the executor's resolved configuration.
type Config struct {
	// App is the Modal app the sandboxes belong to (created if missing).
	App string `json:"app"`
	// Volume is the results volume (created if missing, as a v2 volume).
	Volume string `json:"volume"`
	// Timeout is the time one run may take, in whole seconds.
	Timeout float64 `json:"timeout"`
	// Memory is the memory request of a sandbox, in MiB.
	Memory float64 `json:"memory"`
	// CPU is the physical-core request of a sandbox; its worker runs that
	// many runs at once (at least one).
	CPU float64 `json:"cpu"`
	// MaxParallel caps the sandboxes running at once.
	MaxParallel float64 `json:"max_parallel"`
	// GPU is an optional GPU request ("T4", "A100:2").
	GPU string `json:"gpu"`
	// Retries is how often a run left unfinished by an infrastructure
	// failure (a sandbox that died, timed out or was preempted) is retried.
	Retries float64 `json:"retries"`
	// Backoff is the retry backoff coefficient.
	Backoff float64 `json:"backoff"`
	// RunsPerSandbox is the chunk size: runs executed by one sandbox.
	RunsPerSandbox float64 `json:"runs_per_sandbox"`
	// Linger is how many seconds a chunk sandbox whose worker is done
	// waits for bilancio to collect its runs before it ends by itself (a
	// detached chunk does not wait).
	Linger float64 `json:"linger"`
	// MaxCost stops starting chunks once the spent plus in-flight cost
	// would pass it (0: no limit).
	MaxCost float64 `json:"max_cost"`
	// VolumeAccess is how the artifact calls mount the volume: "read-only"
	// (the default), or "read-write" for a command that removes files.
	VolumeAccess string `json:"volume_access"`
	// RatesFile is a JSON rate card over the built-in one (RateCard).
	RatesFile string `json:"rates_file"`
	// CPURate, MemoryRate, GPURate (of the configured GPU type) and
	// RegionMultiplier override the rate card when set.
	CPURate          *float64 `json:"cpu_rate"`
	MemoryRate       *float64 `json:"memory_rate"`
	GPURate          *float64 `json:"gpu_rate"`
	RegionMultiplier *float64 `json:"region_multiplier"`
}

// schema is the executor's configuration schema: each attribute is set by
// the sweep file's executor block, else its environment variable, else its
// default (sdk.Config.Decode).
func schema() []sdk.ConfigAttribute {
	return []sdk.ConfigAttribute{
		{Name: attrApp, Type: sdk.TypeString, Description: "the Modal app the sandboxes run in (created if missing)", Default: `"bilancio-simulations"`, Env: "BILANCIO_MODAL_APP"},
		{Name: attrVolume, Type: sdk.TypeString, Description: "the Modal volume holding the worker binary and the run folders (created if missing, as a v2 volume)", Default: `"bilancio-results"`, Env: "BILANCIO_MODAL_VOLUME"},
		{Name: attrTimeout, Type: sdk.TypeNumber, Description: "seconds one run may take", Default: "600", Env: "BILANCIO_CLOUD_TIMEOUT"},
		{Name: attrMemory, Type: sdk.TypeNumber, Description: "memory of a sandbox, in MiB", Default: "2048", Env: "BILANCIO_CLOUD_MEMORY"},
		{Name: attrCPU, Type: sdk.TypeNumber, Description: "physical CPU cores of a sandbox (1 core = 2 vCPU); its worker runs that many runs at once", Default: "1", Env: "BILANCIO_CLOUD_CPU"},
		{Name: attrMaxParallel, Type: sdk.TypeNumber, Description: "sandboxes running at once (fewer while Modal reports no capacity)", Default: "50", Env: "BILANCIO_CLOUD_MAX_PARALLEL"},
		{Name: attrGPU, Type: sdk.TypeString, Description: `GPU of a sandbox, e.g. "T4" or "A100:2" (default: none)`, Env: "BILANCIO_CLOUD_GPU"},
		{Name: attrRetries, Type: sdk.TypeNumber, Description: "retries of a run left unfinished by an infrastructure failure (a sandbox that died, timed out or was preempted)", Default: "2", Env: "BILANCIO_CLOUD_RETRIES"},
		{Name: attrBackoff, Type: sdk.TypeNumber, Description: "backoff coefficient between retries (with jitter)", Default: "2.0", Env: "BILANCIO_CLOUD_BACKOFF"},
		{Name: attrRunsPerSandbox, Type: sdk.TypeNumber, Description: "runs executed by one sandbox (the chunk size)", Default: "10", Env: "BILANCIO_CLOUD_RUNS_PER_SANDBOX"},
		{Name: attrLinger, Type: sdk.TypeNumber, Description: "seconds a sandbox whose runs are done waits for bilancio to collect them before it ends by itself (when bilancio was killed); a detached sweep's sandboxes do not wait", Default: "60", Env: "BILANCIO_CLOUD_LINGER"},
		{Name: attrMaxCost, Type: sdk.TypeNumber, Description: "no new sandbox starts once the cost spent plus the cost in flight would pass this (0: no limit; `sweep run -max-cost` sets it)", Default: "0", Env: "BILANCIO_MODAL_MAX_COST"},
		{Name: attrVolumeAccess, Type: sdk.TypeString, Description: `how the volume commands mount the volume: "read-only", or "read-write" for those that remove files`, Default: `"` + accessReadOnly + `"`},
		{Name: attrRatesFile, Type: sdk.TypeString, Description: "a JSON rate card over the built-in one (" + DefaultRatesAsOf + "): as_of, currency, cpu_per_core_second, memory_per_gib_second, min_cpu, min_memory_gib, gpu_per_second {TYPE: rate}, region_multiplier, sandbox_overhead_seconds", Env: "BILANCIO_MODAL_RATES_FILE"},
		{Name: attrCPURate, Type: sdk.TypeNumber, Description: "sandbox CPU rate, USD per physical core·second (default 0.00003942)", Env: "BILANCIO_MODAL_CPU_RATE"},
		{Name: attrMemoryRate, Type: sdk.TypeNumber, Description: "sandbox memory rate, USD per GiB·second (default 0.00000672)", Env: "BILANCIO_MODAL_MEMORY_RATE"},
		{Name: attrGPURate, Type: sdk.TypeNumber, Description: "rate of one GPU of the configured type, USD per second (default from Modal's GPU table)", Env: "BILANCIO_MODAL_GPU_RATE"},
		{Name: attrRegionMult, Type: sdk.TypeNumber, Description: "multiplier of every rate for a pinned region (1.5 broad, 1.75 narrow; default 1)", Env: "BILANCIO_MODAL_REGION_MULTIPLIER"},
	}
}

// validate checks the ranges of a decoded configuration.
func (c *Config) validate() error {
	whole := func(name string, v, lo float64) error {
		if v < lo || v != math.Trunc(v) || v > math.MaxInt32 {
			return fmt.Errorf("%w: %s must be a whole number >= %v, got %v", sdk.ErrInvalidConfig, name, lo, v)
		}
		return nil
	}
	switch {
	case c.App == "":
		return fmt.Errorf("%w: %s must not be empty", sdk.ErrInvalidConfig, attrApp)
	case c.Volume == "":
		return fmt.Errorf("%w: %s must not be empty", sdk.ErrInvalidConfig, attrVolume)
	case !validName(c.App):
		return fmt.Errorf("%w: %s %q: Modal names are at most 64 characters of letters, digits, '.', '-' and '_'", sdk.ErrInvalidConfig, attrApp, c.App)
	case !validName(c.Volume):
		return fmt.Errorf("%w: %s %q: Modal names are at most 64 characters of letters, digits, '.', '-' and '_'", sdk.ErrInvalidConfig, attrVolume, c.Volume)
	case !(c.CPU > 0):
		return fmt.Errorf("%w: %s must be > 0, got %v", sdk.ErrInvalidConfig, attrCPU, c.CPU)
	case c.Backoff < 1:
		return fmt.Errorf("%w: %s must be >= 1, got %v", sdk.ErrInvalidConfig, attrBackoff, c.Backoff)
	case c.MaxCost < 0 || math.IsNaN(c.MaxCost):
		return fmt.Errorf("%w: %s must be >= 0, got %v", sdk.ErrInvalidConfig, attrMaxCost, c.MaxCost)
	case c.VolumeAccess != accessReadOnly && c.VolumeAccess != accessReadWrite:
		return fmt.Errorf("%w: %s must be %q or %q, got %q", sdk.ErrInvalidConfig, attrVolumeAccess, accessReadOnly, accessReadWrite, c.VolumeAccess)
	case c.Timeout > maxSandboxTimeout.Seconds():
		return fmt.Errorf("%w: %s is at most %v seconds (Modal sandboxes live at most 24 hours), got %v", sdk.ErrInvalidConfig, attrTimeout, maxSandboxTimeout.Seconds(), c.Timeout)
	}
	for _, w := range []struct {
		name string
		v    float64
		lo   float64
	}{
		{attrTimeout, c.Timeout, 1}, {attrMemory, c.Memory, 1}, {attrMaxParallel, c.MaxParallel, 1},
		{attrRetries, c.Retries, 0}, {attrRunsPerSandbox, c.RunsPerSandbox, 1}, {attrLinger, c.Linger, 0},
	} {
		if err := whole(w.name, w.v, w.lo); err != nil {
			return err
		}
	}
	return nil
}

// Values of volume_access.
const (
	accessReadOnly  = "read-only"
	accessReadWrite = "read-write"
)

// validName is Modal's rule for object names (the SDK's name_utils.go):
// at most 64 characters of [A-Za-z0-9._-].
func validName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// parallelRuns is how many runs a sandbox's worker runs at once: one per
// requested physical core, at least one.
func (c *Config) parallelRuns() int { return max(1, int(c.CPU)) }

// Executor is the Modal executor. Create it with New.
type Executor struct {
	logger hclog.Logger

	mu         sync.Mutex
	cfg        *Config
	rates      RateCard
	configured bool
	// staged holds the sha256 of worker binaries known to be in the volume.
	staged map[string]bool
	// batches are the running batches by experiment id (for Cancel).
	batches map[string][]*batchRun
	// status is the last state of each run, by experiment and run id.
	status sdk.RunStates
	// readerMu guards reader, the sandbox the artifact calls share
	// (volume.go).
	readerMu sync.Mutex
	reader   *readerBox
}

var _ sdk.Executor = (*Executor)(nil)

// New returns an unconfigured Modal executor; Configure must succeed before
// Execute.
func New() *Executor {
	return &Executor{
		logger:  sdk.NewLogger(Name),
		staged:  make(map[string]bool),
		batches: make(map[string][]*batchRun),
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
			Estimate:        true,
			Artifacts:       true,
			Detach:          true,
			MaxParallelHint: 50,
		},
		ConfigSchema: schema(),
	}, nil
}

// Configure implements sdk.Executor: it decodes the configuration (the
// sweep file's block over the BILANCIO_* environment over the defaults) and
// checks that Modal credentials are available, from MODAL_TOKEN_ID and
// MODAL_TOKEN_SECRET or from the Modal configuration file, without
// contacting Modal (spec/modal.md §2.3). No credential ever appears in an
// error.
func (e *Executor) Configure(ctx context.Context, cfg *sdk.Config) error {
	var c Config
	if err := cfg.Decode(schema(), &c); err != nil {
		return err
	}
	if err := c.validate(); err != nil {
		return err
	}
	card, err := resolveRates(&c)
	if err != nil {
		return err
	}
	if _, err := card.perSecond(c.CPU, c.Memory, c.GPU); err != nil {
		return fmt.Errorf("%w: %v", sdk.ErrInvalidConfig, err)
	}
	if err := checkCredentials(); err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.cfg, e.rates, e.configured = &c, card, true
	return nil
}

// errNotConfigured is the error of any call before Configure.
var errNotConfigured = errors.New("the modal executor is not configured (Configure was not called)")

// config returns the configuration and rate card, or an error before
// Configure.
func (e *Executor) config() (*Config, *RateCard, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.configured {
		return nil, nil, errNotConfigured
	}
	c, r := *e.cfg, e.rates
	return &c, &r, nil
}

// modalProfile is the part of a Modal configuration file profile that says
// whether it holds credentials.
type modalProfile struct {
	TokenID     string `toml:"token_id"`
	TokenSecret string `toml:"token_secret"`
	Active      bool   `toml:"active"`
}

// checkCredentials resolves the Modal token the way the SDK does (its
// config.go): environment variables over the profile named by
// MODAL_PROFILE, else an active profile, of $MODAL_CONFIG_PATH or
// ~/.modal.toml. It fails with an error wrapping sdk.ErrInvalidConfig when
// no token id and secret result.
func checkCredentials() error {
	id, secret := os.Getenv(envTokenID), os.Getenv(envTokenSecret)
	if id != "" && secret != "" {
		return nil
	}
	path := os.Getenv(envConfigPath)
	if path == "" {
		if home, err := os.UserHomeDir(); err == nil {
			path = filepath.Join(home, ".modal.toml")
		}
	}
	var p modalProfile
	if path != "" {
		raw, err := os.ReadFile(path)
		switch {
		case err == nil:
			var profiles map[string]modalProfile
			if err := toml.Unmarshal(raw, &profiles); err != nil {
				// Never echo the file: it holds secrets.
				return fmt.Errorf("%w: cannot read the Modal configuration file %s (it is not valid TOML)", sdk.ErrInvalidConfig, path)
			}
			if name := os.Getenv(envProfile); name != "" {
				p = profiles[name]
			} else {
				for _, prof := range profiles {
					if prof.Active {
						p = prof
						break
					}
				}
			}
		case !errors.Is(err, os.ErrNotExist):
			return fmt.Errorf("%w: cannot read the Modal configuration file %s: %v", sdk.ErrInvalidConfig, path, err)
		}
	}
	if id == "" {
		id = p.TokenID
	}
	if secret == "" {
		secret = p.TokenSecret
	}
	if id == "" || secret == "" {
		return fmt.Errorf("%w: no Modal credentials: set %s and %s, or run `modal token new` to write ~/.modal.toml (or point %s at a Modal configuration file with an active profile)",
			sdk.ErrInvalidConfig, envTokenID, envTokenSecret, envConfigPath)
	}
	return nil
}

// record keeps the last state of a run for Status.
func (e *Executor) record(experiment string, ev sdk.RunEvent) { e.status.Record(experiment, ev) }
