package pluginhost

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"

	"github.com/bilancio-go/bilancio/sdk"
	"github.com/bilancio-go/bilancio/sdk/runfolder"
)

// Timeouts of a plugin's life.
const (
	// DefaultStartTimeout bounds a plugin's start and handshake (go-plugin's
	// own default, a minute, makes a broken plugin painfully slow to report).
	DefaultStartTimeout = 20 * time.Second
	// closeTimeout bounds Close.
	closeTimeout = 5 * time.Second
	// closeGrace is how long Close lets go-plugin stop the plugin gracefully
	// (its Shutdown call, then a 2 s wait, then a kill) before it kills the
	// plugin's process group itself.
	closeGrace = 3 * time.Second
)

// OpenOption adjusts how Open starts a plugin.
type OpenOption func(*openConfig)

type openConfig struct {
	logger       hclog.Logger
	env          []string
	startTimeout time.Duration
	socketBase   string
	liveness     Liveness
}

// WithLogger sets the logger; the plugin's logs and go-plugin's go to a
// sub-logger named "executor.NAME". Nothing is logged without it.
func WithLogger(l hclog.Logger) OpenOption { return func(c *openConfig) { c.logger = l } }

// WithEnv adds "KEY=value" entries to the plugin's environment, which is
// otherwise only the few variables every program needs (PATH, HOME, TMPDIR,
// locale, proxies, BILANCIO_LOG): credentials reach only the plugin they are
// meant for.
func WithEnv(kv ...string) OpenOption {
	return func(c *openConfig) { c.env = append(c.env, kv...) }
}

// WithStartTimeout bounds the plugin's start and handshake
// (DefaultStartTimeout otherwise).
func WithStartTimeout(d time.Duration) OpenOption {
	return func(c *openConfig) { c.startTimeout = d }
}

// WithSocketDir sets the directory in which the plugin's unix socket
// directory is made (a short one under /tmp otherwise: socket paths are
// limited to about 100 bytes).
func WithSocketDir(dir string) OpenOption { return func(c *openConfig) { c.socketBase = dir } }

// Plugin is a running executor plugin. Close it when done.
type Plugin struct {
	name, path string
	sumPath    string
	log        hclog.Logger
	client     *plugin.Client
	cmd        *exec.Cmd
	// lifeCancel kills the plugin's process group (through exec.Cmd.Cancel,
	// which runs only while the process is not reaped, so its group id is
	// still its own).
	lifeCancel context.CancelFunc
	pid        int
	socketDir  string
	tail       *stderrTail
	info       *sdk.Info
	executor   *guardedExecutor
	// startTimeout bounds the start and the first Describe.
	startTimeout time.Duration
	rpc          plugin.ClientProtocol
	// reattached: a plugin started by someone else (OpenReattached); it is
	// neither killed nor reaped here.
	reattached bool

	closeOnce sync.Once
	closeErr  error
	closed    atomic.Bool

	crashMu sync.Mutex
	crash   *CrashError

	// liveness is how batches are watched; slowest is the longest run the
	// plugin completed (guarded by runMu).
	liveness Liveness
	runMu    sync.Mutex
	slowest  time.Duration
}

// Open verifies a candidate's checksum, starts it with go-plugin, negotiates
// the protocol version, dispenses the executor and asks it to describe
// itself. ctx bounds the start only: the plugin lives until Close.
//
// The plugin runs in a process group of its own (and, on Linux, dies with
// the host), with an explicit minimal environment (see WithEnv), over gRPC
// only with AutoMTLS, as a managed go-plugin client (plugin.CleanupClients
// stops it too). A checksum mismatch is a *ChecksumError; a plugin that
// speaks no protocol version of this bilancio gives a *ProtocolError at
// once. On any error the plugin is stopped.
func Open(ctx context.Context, c Candidate, opts ...OpenOption) (*Plugin, error) {
	cfg := openConfig{startTimeout: DefaultStartTimeout}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.logger == nil {
		cfg.logger = hclog.NewNullLogger()
	}
	if err := checkName(c.Name); err != nil {
		return nil, err
	}
	if abs, err := filepath.Abs(c.Path); err == nil {
		c.Path = abs // never looked up in $PATH
	}
	sum, err := Verify(c)
	if err != nil {
		return nil, err
	}
	rawSum, err := hex.DecodeString(sum)
	if err != nil {
		return nil, fmt.Errorf("verifying %s: %w", c.Path, err)
	}
	socketDir, err := os.MkdirTemp(shortTempDir(cfg.socketBase), "bil")
	if err != nil {
		return nil, fmt.Errorf("starting plugin %s: making its socket directory: %w", c.Path, err)
	}

	p := &Plugin{
		name: c.Name, path: c.Path, sumPath: c.SumPath, socketDir: socketDir, tail: &stderrTail{},
		log: cfg.logger.Named("executor." + c.Name), startTimeout: cfg.startTimeout,
		liveness: cfg.liveness,
	}
	life, lifeCancel := context.WithCancel(context.Background())
	p.lifeCancel = lifeCancel
	cmd := exec.CommandContext(life, c.Path)
	cmd.Cancel = func() error { return killGroup(cmd.Process.Pid) }
	cmd.SysProcAttr = sysProcAttr()
	// go-plugin (v1.8) passes UnixSocketConfig.TempDir to the plugin only
	// with a RunnerFunc; with Cmd the plugin reads this variable itself.
	cmd.Env = append(pluginEnv(cfg.env), plugin.EnvUnixSocketDir+"="+socketDir)
	p.cmd = cmd
	p.client = plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  sdk.Handshake,
		VersionedPlugins: sdk.PluginSets,
		Cmd:              cmd,
		SecureConfig:     &plugin.SecureConfig{Checksum: rawSum, Hash: sha256.New()},
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		AutoMTLS:         true,
		Managed:          true,
		SkipHostEnv:      true,
		StartTimeout:     cfg.startTimeout,
		Logger:           p.log,
		Stderr:           p.tail,
		UnixSocketConfig: &plugin.UnixSocketConfig{TempDir: socketDir},
	})
	if err := p.start(ctx); err != nil {
		_ = p.Close()
		return nil, err
	}
	return p, nil
}

// start runs go-plugin's start and handshake (killing the plugin if ctx is
// cancelled meanwhile), dispenses the executor and describes it.
func (p *Plugin) start(ctx context.Context) error {
	type started struct {
		rpc plugin.ClientProtocol
		err error
	}
	ch := make(chan started, 1)
	go func() {
		rpc, err := p.client.Client()
		ch <- started{rpc, err}
	}()
	var s started
	select {
	case s = <-ch:
	case <-ctx.Done():
		p.lifeCancel() // kills the plugin: the handshake fails at once
		s = <-ch
		s.err = ctx.Err()
	}
	// The pid is known once the process started, even if the handshake
	// failed: Close needs it to kill the process group.
	if id, err := strconv.Atoi(p.client.ID()); err == nil {
		p.pid = id
	}
	if ctx.Err() != nil && errors.Is(s.err, ctx.Err()) {
		return fmt.Errorf("starting plugin %s: %w", p.path, ctx.Err())
	}
	if s.err != nil {
		return p.startError(ctx, s.err)
	}
	return p.dispense(ctx, s.rpc)
}

// dispense dispenses the executor from a started plugin and asks it to
// describe itself, checking that it is the executor it should be.
func (p *Plugin) dispense(ctx context.Context, rpc plugin.ClientProtocol) error {
	p.rpc = rpc
	raw, err := rpc.Dispense(sdk.PluginName)
	if err != nil {
		return fmt.Errorf("starting plugin %s: dispensing the executor: %w", p.path, err)
	}
	ex, ok := raw.(sdk.Executor)
	if !ok {
		return fmt.Errorf("starting plugin %s: it dispensed a %T, not an executor", p.path, raw)
	}
	p.executor = &guardedExecutor{p: p, ex: ex}
	dctx, cancel := context.WithTimeout(ctx, p.startTimeout)
	defer cancel()
	info, err := p.executor.Describe(dctx)
	if err != nil {
		return fmt.Errorf("starting plugin %s: %w", p.path, err)
	}
	if info.Name != p.name {
		return fmt.Errorf("starting plugin %s: it describes itself as executor %q, not %q (reinstall it with `bilancio plugins install`)", p.path, info.Name, p.name)
	}
	p.info = info
	p.log.Debug("plugin started", "path", p.path, "pid", p.pid, "protocol", p.client.NegotiatedVersion(), "version", info.Version)
	return nil
}

// pluginVersionRE finds the version a plugin answered in go-plugin's
// "incompatible API version" error.
var pluginVersionRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`Plugin version: (\d+)`) })

// startError explains why go-plugin could not start the plugin.
func (p *Plugin) startError(ctx context.Context, err error) error {
	if errors.Is(err, plugin.ErrChecksumsDoNotMatch) {
		// The file changed between Verify and the start.
		got, _ := runfolder.FileSHA256(p.path)
		want, _ := ReadSum(p.sumPath)
		return &ChecksumError{Path: p.path, SumPath: p.sumPath, Want: want, Got: got}
	}
	if strings.Contains(err.Error(), "incompatible API version") {
		pe := &ProtocolError{Plugin: filepath.Base(p.path), HostVersions: sdk.ProtocolVersions()}
		if m := pluginVersionRE().FindStringSubmatch(err.Error()); m != nil {
			v, _ := strconv.Atoi(m[1])
			pe.PluginVersions = []int{v}
		}
		// The handshake names one version; `describe` may list them all.
		dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if info, derr := DescribeBinary(dctx, p.path); derr == nil && len(info.ProtocolVersions) > 0 {
			pe.PluginVersions = info.ProtocolVersions
		}
		return pe
	}
	var stderr string
	if lines := p.tail.summary(); len(lines) > 0 {
		stderr = "; its stderr: " + strings.Join(lines, "; ")
	}
	return fmt.Errorf("starting plugin %s: %w%s", p.path, err, stderr)
}

// shortTempDir returns base, or a temporary directory short enough for
// unix socket paths under it.
func shortTempDir(base string) string {
	if base != "" {
		return base
	}
	if t := os.TempDir(); len(t) <= 32 {
		return t
	}
	if fi, err := os.Stat("/tmp"); err == nil && fi.IsDir() {
		return "/tmp"
	}
	return ""
}

// Name is the executor's name.
func (p *Plugin) Name() string { return p.name }

// Path is the plugin binary.
func (p *Plugin) Path() string { return p.path }

// Pid is the plugin's process id (and process group id).
func (p *Plugin) Pid() int { return p.pid }

// Info is what the plugin said of itself when it started.
func (p *Plugin) Info() *sdk.Info { return p.info }

// ProtocolVersion is the negotiated protocol version.
func (p *Plugin) ProtocolVersion() int { return p.client.NegotiatedVersion() }

// Executor is the plugin's executor. Its calls pass their context across
// the process boundary; when the plugin dies they return a *CrashError.
func (p *Plugin) Executor() sdk.Executor { return p.executor }

// Exited reports whether the plugin process has exited and been reaped.
func (p *Plugin) Exited() bool { return p.client.Exited() }

// Close stops the plugin: go-plugin asks it to shut down and kills it after
// 2 s; if it is still not gone after 3 s its whole process group is killed.
// Children of the plugin that stayed in its process group are killed too,
// and the plugin process is reaped, within about 5 s in all. Close is
// idempotent and safe to call from several goroutines.
func (p *Plugin) Close() error {
	p.closeOnce.Do(func() { p.closeErr = p.close() })
	return p.closeErr
}

func (p *Plugin) close() error {
	p.closed.Store(true)
	if p.reattached {
		return p.disconnect()
	}
	defer os.RemoveAll(p.socketDir)
	defer p.lifeCancel()
	done := make(chan struct{})
	go func() {
		p.client.Kill()
		close(done)
	}()
	start := time.Now()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	var groupKilled, forced bool
	var err error
wait:
	for {
		select {
		case <-done:
			break wait
		case <-tick.C:
		}
		switch {
		case !groupKilled && p.pid > 0 && processDead(p.pid):
			// The plugin is gone but not yet reaped (its group id cannot
			// be reused yet): its children go with it, and with them any
			// pipe they hold that go-plugin waits on.
			groupKilled = true
			if kerr := killGroup(p.pid); kerr != nil {
				p.log.Warn("killing the plugin's process group", "error", kerr)
			}
		case !forced && time.Since(start) > closeGrace:
			forced = true
			p.log.Warn("plugin did not stop in time: killing its process group", "pid", p.pid)
			p.lifeCancel()
		case time.Since(start) > closeTimeout:
			err = fmt.Errorf("stopping plugin %s (pid %d): still running after %s", p.path, p.pid, closeTimeout)
			break wait
		}
	}
	// Children left behind by a plugin that exited on its own and was
	// reaped before the loop above saw it dead. (Its process group id could
	// in theory have been reused since; pids are allocated in sequence, so
	// within these microseconds it is not.)
	if err == nil && !groupKilled && p.pid > 0 {
		if kerr := killGroup(p.pid); kerr != nil {
			p.log.Debug("sweeping the plugin's process group", "error", kerr)
		}
	}
	return err
}
