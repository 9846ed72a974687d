package modal

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	modalsdk "github.com/modal-labs/modal-client/go"

	"github.com/bilancio-go/bilancio/sdk"
)

// Paths inside a sandbox (spec/modal.md §4, §5.1). The results volume is
// mounted at mountPath; the worker binary is kept in it under its sha256;
// runs live at <experiment>/runs/<run_id>.tar (archives of the run
// folders; <run_id>/ from earlier versions), each chunk's manifest and
// end record at <experiment>/chunks/<chunk>.json and .exit.
const (
	mountPath = "/mnt/results"
	workerDir = mountPath + "/" + sdk.StagedWorkersDir
	// image is the sandbox image: the worker is a static binary, and the
	// chunk script needs sh, cat, cp, mkdir, date and sleep; the downloads
	// need tar.
	image = "debian:bookworm-slim"
	// sandboxMargin is added to a chunk sandbox's timeout for staging its
	// manifest and reading results back.
	sandboxMargin = 5 * time.Minute
	// maxSandboxTimeout is Modal's longest sandbox lifetime
	// (modal.com/docs/guide/sandbox: "a timeout of up to 24 hours").
	maxSandboxTimeout = 24 * time.Hour
)

// Tags every chunk sandbox carries, so that any process can find an
// experiment's remote work (spec/modal.md §5.4).
const (
	tagKind       = "bilancio"
	tagExperiment = "bilancio-experiment"
	tagChunk      = "bilancio-chunk"
	tagRuns       = "bilancio-runs"
	kindChunk     = "chunk"
	kindStage     = "stage"
	kindReader    = "reader"
	// kindSpare: a sandbox created for a chunk while the batch is staged,
	// before it knows its runs (startChunk).
	kindSpare = "spare"
)

// stagedWorker is where the worker binary with this sha256 is kept.
func stagedWorker(sha string) string { return workerDir + "/" + sha + "/bilancio" }

// session is a connection to Modal and the objects a batch uses.
type session struct {
	client *modalsdk.Client
	app    *modalsdk.App
	volume *modalsdk.Volume
	image  *modalsdk.Image
	cfg    *Config
	rates  *RateCard
}

// connect creates the Modal client and looks up the app, the volume (a v2
// volume when it has to be created; an existing v1 volume is used as it is)
// and the image. Errors are classified (classify).
func connect(ctx context.Context, cfg *Config, rates *RateCard) (*session, error) {
	client, err := modalsdk.NewClient()
	if err != nil {
		return nil, fmt.Errorf("connecting to Modal: %w", err)
	}
	app, err := client.Apps.FromName(ctx, cfg.App, &modalsdk.AppFromNameParams{CreateIfMissing: true})
	if err != nil {
		client.Close()
		return nil, fmt.Errorf("looking up the Modal app %q: %w", cfg.App, err)
	}
	vol, err := client.Volumes.FromName(ctx, cfg.Volume, &modalsdk.VolumeFromNameParams{CreateIfMissing: true, Version: 2})
	var invalid modalsdk.InvalidError
	if errors.As(err, &invalid) {
		// It exists as a v1 volume (volume.go:103-115): use it as it is.
		vol, err = client.Volumes.FromName(ctx, cfg.Volume, nil)
	}
	if err != nil {
		client.Close()
		return nil, fmt.Errorf("looking up the Modal volume %q: %w", cfg.Volume, err)
	}
	return &session{client: client, app: app, volume: vol, image: client.Images.FromRegistry(image, nil), cfg: cfg, rates: rates}, nil
}

// close releases the client.
func (s *session) close() { s.client.Close() }

// connect is connect with the executor's configuration.
func (e *Executor) connect(ctx context.Context) (*session, error) {
	cfg, rates, err := e.config()
	if err != nil {
		return nil, err
	}
	return connect(ctx, cfg, rates)
}

// box is a sandbox this process created or attached to, with what its
// usage record needs.
type box struct {
	*modalsdk.Sandbox
	s       *session
	start   time.Time
	purpose string
	runs    int
	// attached: found running, not created by this process.
	attached bool
	// onEnd receives the usage record once the sandbox ended (nil: not
	// recorded).
	onEnd func(sdk.SandboxUsage)

	mu    sync.Mutex
	ended bool
	code  int
}

// Purposes of a sandbox in the usage record.
const (
	purposeRuns  = "runs"
	purposeStage = "stage"
	// purposeSpare: a sandbox created for a chunk while the batch was
	// staged, ended unused (staging collected its runs).
	purposeSpare = "spare"
)

// sandboxParams are the create parameters every sandbox of a session
// shares: resources, the volume, the tags.
func (s *session) sandboxParams(timeout time.Duration, tags map[string]string, readOnly bool) *modalsdk.SandboxCreateParams {
	vol := s.volume
	if readOnly {
		t := true
		vol = vol.WithMountOptions(&modalsdk.VolumeMountOptionsParams{ReadOnly: &t})
	}
	return &modalsdk.SandboxCreateParams{
		CPU:       s.cfg.CPU,
		MemoryMiB: int(s.cfg.Memory),
		GPU:       s.cfg.GPU,
		Timeout:   min(timeout.Truncate(time.Second), maxSandboxTimeout),
		Volumes:   map[string]*modalsdk.Volume{mountPath: vol},
		Tags:      tags,
	}
}

// create creates a sandbox. Create blocks until Modal has scheduled it
// (CHANGELOG 0.11.0); an error is returned as the SDK gives it, for
// classify.
func (s *session) create(ctx context.Context, params *modalsdk.SandboxCreateParams, purpose string, runs int, onEnd func(sdk.SandboxUsage)) (*box, error) {
	start := time.Now()
	sb, err := s.client.Sandboxes.Create(ctx, s.app, s.image, params)
	if err != nil {
		return nil, err
	}
	return &box{Sandbox: sb, s: s, start: start, purpose: purpose, runs: runs, onEnd: onEnd}, nil
}

// terminate ends the sandbox and waits until it has ended, so that its
// volume writes are committed when it returns (Terminate with Wait), even
// when ctx is already done; it hands the usage record to onEnd once.
func (x *box) terminate() int { return x.terminateRecording(nil) }

// terminateRecording is terminate, the usage record handed to onEnd only
// when record (nil: always) says so of the exit code.
func (x *box) terminateRecording(record func(code int) bool) int {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.ended {
		return x.code
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	code, err := x.Terminate(ctx, &modalsdk.SandboxTerminateParams{Wait: true})
	if err != nil {
		code = -1
	}
	if record != nil && !record(code) {
		x.ended, x.code = true, code
		return code
	}
	x.finishLocked(code, time.Now())
	return code
}

// stop asks the sandbox to end without waiting for it (a cancel must
// return within a second; Modal ends it shortly after) and records its
// usage as of now, unless claimFirst and the sandbox had claimed its usage
// for itself (it ended, or is ending, by itself: claim).
func (x *box) stop(claimFirst bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.ended {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if claimFirst {
		if mine, err := x.claim(ctx); err == nil && !mine {
			_, _ = x.Terminate(ctx, nil)
			x.ended, x.code = true, 137
			return
		}
	}
	_, _ = x.Terminate(ctx, nil)
	x.finishLocked(137, time.Now())
}

// claim claims a chunk sandbox's usage for this process (chunkScript):
// true when it is this process's to record, false when the sandbox
// claimed it for itself (it writes its own record to the volume); an
// error when the sandbox could not be asked.
func (x *box) claim(ctx context.Context) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	now := strconv.FormatFloat(float64(time.Now().UnixNano())/1e9, 'f', 6, 64)
	code, err := run(ctx, x.Sandbox, "sh", "-c", claimScript, "sh", now)
	switch {
	case code == 0:
		return true, nil
	case code > 0:
		return false, nil
	}
	return false, err
}

// finish records that the sandbox ended at end with code.
func (x *box) finish(code int, end time.Time) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.finishLocked(code, end)
}

func (x *box) finishLocked(code int, end time.Time) {
	if x.ended {
		return
	}
	x.ended, x.code = true, code
	if x.onEnd != nil {
		x.onEnd(x.s.usage(x.SandboxID, x.purpose, x.runs, x.start, end, nil))
	}
}

// usage is the usage record of a sandbox that ran from start to end,
// priced with the rate card at max(request, use) (rates.go); use is the
// worker's measured use, nil when unknown.
func (s *session) usage(id, purpose string, runs int, start, end time.Time, use *workerUse) sdk.SandboxUsage {
	u := sdk.SandboxUsage{
		ID: id, Purpose: purpose, Start: start, End: end,
		CPU: s.cfg.CPU, MemoryMiB: s.cfg.Memory, GPU: s.cfg.GPU, Runs: runs,
		Currency: s.rates.Currency,
	}
	if c, err := s.rates.cost(s.cfg, end.Sub(start).Seconds(), use); err == nil {
		u.Cost = c
	}
	return u
}
