// Package local is bilancio's local executor: it runs batches of simulations
// on this machine, in the plugin's own process, on a pool of `parallel`
// workers (internal/worker, the same code path as `bilancio worker`), and
// serves the run folders under a root directory as its artifact storage.
//
// The plugin binary bilancio-executor-local (cmd/bilancio-executor-local)
// serves New() through sdk.Main.
package local

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path"
	"runtime"
	"strings"
	"sync"

	"github.com/bilancio-go/bilancio/internal/version"
	"github.com/bilancio-go/bilancio/internal/worker"
	"github.com/bilancio-go/bilancio/sdk"
)

// Name is the executor's name: the plugin is bilancio-executor-local.
const Name = "local"

// Version is the executor's version: bilancio's (internal/version), also
// recorded as the engine of the manifests it writes, since the plugin is
// built from bilancio's tree.
func Version() string { return version.Version() }

// Configuration attributes.
const (
	attrParallel = "parallel"
	attrRoot     = "root"
)

// Executor is the local executor. Create it with New.
type Executor struct {
	pool *worker.Pool

	mu sync.Mutex
	// parallel is the configured number of runs at once.
	parallel int
	// root is the directory that List, Fetch and Remove work in.
	root string
}

var _ sdk.Executor = (*Executor)(nil)

// New returns a local executor with the default configuration: as many runs
// at once as there are CPUs, and the current directory as artifact root.
func New() *Executor {
	pool := worker.New(worker.Config{Engine: version.Version(), Executor: Name})
	return &Executor{pool: pool, parallel: pool.Parallel(), root: "."}
}

// schema is the executor's configuration schema.
func schema() []sdk.ConfigAttribute {
	return []sdk.ConfigAttribute{
		{Name: attrParallel, Type: sdk.TypeNumber, Description: "how many runs to execute at once (default: the number of CPUs)"},
		{Name: attrRoot, Type: sdk.TypeString, Description: "the directory whose files List, Fetch and Remove work on", Default: `"."`},
	}
}

// Describe implements sdk.Executor.
func (e *Executor) Describe(ctx context.Context) (*sdk.Info, error) {
	return &sdk.Info{
		Name:             Name,
		Version:          version.Version(),
		SDKVersion:       sdk.Version,
		ProtocolVersions: []int{sdk.ProtocolVersion},
		Capabilities: sdk.Capabilities{
			Cancel:          true,
			Artifacts:       true,
			MaxParallelHint: runtime.NumCPU(),
		},
		ConfigSchema: schema(),
	}, nil
}

// Configure implements sdk.Executor. The configuration is a JSON object with
// the optional attributes parallel (a whole number >= 1) and root (a
// non-empty string), decoded by sdk.Config.Decode: unknown attributes and
// values of the wrong type are refused with an error wrapping
// sdk.ErrInvalidConfig.
func (e *Executor) Configure(ctx context.Context, cfg *sdk.Config) error {
	var c struct {
		Parallel *float64 `json:"parallel"`
		Root     string   `json:"root"`
	}
	if err := cfg.Decode(schema(), &c); err != nil {
		return err
	}
	parallel := e.pool.Parallel()
	if c.Parallel != nil {
		if p := *c.Parallel; p < 1 || p != math.Trunc(p) || p > math.MaxInt32 {
			return fmt.Errorf("%w: %s must be a whole number >= 1, got %v", sdk.ErrInvalidConfig, attrParallel, p)
		}
		parallel = int(*c.Parallel)
	}
	if c.Root == "" {
		return fmt.Errorf("%w: %s must not be empty", sdk.ErrInvalidConfig, attrRoot)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.parallel, e.root = parallel, c.Root
	return nil
}

// config returns the configured parallelism and artifact root.
func (e *Executor) config() (int, string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.parallel, e.root
}

// Execute implements sdk.Executor: it runs the batch in this process, at
// most batch.Parallel (or the configured parallel) runs at once, writing
// batch.OutRoot/<run_id> for each run.
func (e *Executor) Execute(ctx context.Context, batch *sdk.Batch, emit func(sdk.RunEvent) error) error {
	if batch != nil && batch.Parallel == 0 {
		b := *batch
		b.Parallel, _ = e.config()
		batch = &b
	}
	return e.pool.Execute(ctx, batch, emit)
}

// Cancel implements sdk.Executor.
func (e *Executor) Cancel(ctx context.Context, req *sdk.CancelRequest) error {
	return e.pool.Cancel(ctx, req)
}

// Status implements sdk.Executor: the last state of each run of the
// experiment that this process has executed.
func (e *Executor) Status(ctx context.Context, req *sdk.StatusRequest) (*sdk.StatusReply, error) {
	return e.pool.Status(ctx, req)
}

// Estimate implements sdk.Executor: running here costs nothing, and takes
// runs × seconds per run / parallel seconds.
func (e *Executor) Estimate(ctx context.Context, req *sdk.EstimateRequest) (*sdk.EstimateReply, error) {
	if req == nil || req.Runs < 0 || req.SecondsPerRun < 0 {
		return nil, errors.New("estimate: runs and seconds per run must be >= 0")
	}
	parallel, _ := e.config()
	return &sdk.EstimateReply{
		Currency: "USD",
		Cost:     0,
		Seconds:  float64(req.Runs) * req.SecondsPerRun / float64(parallel),
		Detail:   fmt.Sprintf("%d runs on this machine, %d at once", req.Runs, parallel),
	}, nil
}

// openRoot opens the artifact root. Paths given to List, Fetch and Remove
// are slash-separated and relative to it; os.Root refuses any that escapes
// it, through ".." or a symbolic link.
func (e *Executor) openRoot() (*os.Root, error) {
	_, dir := e.config()
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("opening the artifact root: %w", err)
	}
	return root, nil
}

// artifactPath checks and cleans a path relative to the artifact root ("."
// for the root itself).
func artifactPath(p string) (string, error) {
	if p == "" {
		return ".", nil
	}
	clean := path.Clean(p)
	if !fs.ValidPath(clean) {
		return "", fmt.Errorf("artifact path %q is not inside the executor's root directory", p)
	}
	return clean, nil
}

// notFound turns a missing file into sdk.ErrNotFound.
func notFound(p string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w: %s", sdk.ErrNotFound, p)
	}
	return err
}

// List implements sdk.Executor: every file and directory under the root
// whose slash-separated path relative to the root starts with req.Prefix
// ("exp/runs/grid_" matches the folders of all grid runs and everything in
// them), in lexical order. A prefix that matches nothing lists nothing.
func (e *Executor) List(ctx context.Context, req *sdk.ListRequest) ([]sdk.Entry, error) {
	if req == nil {
		return nil, errors.New("list: no request")
	}
	// Walk the directory part of the prefix; its last element is matched
	// as a string prefix of names.
	prefix := req.Prefix
	if strings.HasPrefix(prefix, "/") {
		return nil, fmt.Errorf("list: artifact prefix %q is not inside the executor's root directory", prefix)
	}
	base := "."
	if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
		var err error
		if base, err = artifactPath(prefix[:i]); err != nil {
			return nil, fmt.Errorf("list: %w", err)
		}
	}
	root, err := e.openRoot()
	if err != nil {
		return nil, fmt.Errorf("list: %w", err)
	}
	defer root.Close()
	var entries []sdk.Entry
	err = fs.WalkDir(root.FS(), base, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == base && errors.Is(err, fs.ErrNotExist) {
				return fs.SkipAll
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if p == "." || !strings.HasPrefix(p, prefix) {
			if d.IsDir() && p != base && !strings.HasPrefix(prefix, p+"/") {
				return fs.SkipDir
			}
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		ent := sdk.Entry{Path: p, IsDir: d.IsDir(), ModTime: info.ModTime()}
		if !d.IsDir() {
			ent.Size = info.Size()
		}
		entries = append(entries, ent)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing %q: %w", req.Prefix, err)
	}
	return entries, nil
}

// Fetch implements sdk.Executor: it copies the file at req.Path (relative to
// the root) to w.
func (e *Executor) Fetch(ctx context.Context, req *sdk.FetchRequest, w io.Writer) error {
	if req == nil {
		return errors.New("fetch: no request")
	}
	p, err := artifactPath(req.Path)
	if err != nil {
		return fmt.Errorf("fetch: %w", err)
	}
	root, err := e.openRoot()
	if err != nil {
		return fmt.Errorf("fetch: %w", err)
	}
	defer root.Close()
	f, err := root.Open(p)
	if err != nil {
		return fmt.Errorf("fetch: %w", notFound(req.Path, err))
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return fmt.Errorf("fetching %s: %w", req.Path, err)
	}
	if info.IsDir() {
		return fmt.Errorf("fetching %s: it is a directory (List it, then fetch its files)", req.Path)
	}
	if _, err := io.Copy(w, contextReader{ctx, f}); err != nil {
		return fmt.Errorf("fetching %s: %w", req.Path, err)
	}
	return nil
}

// contextReader stops reading once ctx is done.
type contextReader struct {
	ctx context.Context
	r   io.Reader
}

func (c contextReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// Remove implements sdk.Executor: it deletes the file or empty directory at
// req.Path, or the whole tree when req.Recursive. The root itself cannot be
// removed.
func (e *Executor) Remove(ctx context.Context, req *sdk.RemoveRequest) error {
	if req == nil {
		return errors.New("remove: no request")
	}
	p, err := artifactPath(req.Path)
	if err != nil {
		return fmt.Errorf("remove: %w", err)
	}
	if p == "." {
		return errors.New("remove: refusing to remove the executor's root directory")
	}
	root, err := e.openRoot()
	if err != nil {
		return fmt.Errorf("remove: %w", err)
	}
	defer root.Close()
	if _, err := root.Lstat(p); err != nil {
		return fmt.Errorf("remove: %w", notFound(req.Path, err))
	}
	if req.Recursive {
		err = root.RemoveAll(p)
	} else {
		err = root.Remove(p)
	}
	if err != nil {
		return fmt.Errorf("removing %s: %w", req.Path, err)
	}
	return nil
}
