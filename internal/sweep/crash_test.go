package sweep

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bilancio-go/bilancio/internal/pluginhost"
	"github.com/bilancio-go/bilancio/sdk"
	"github.com/bilancio-go/bilancio/sdk/runfolder"
)

// buildPlugin builds the package pkg as the executor plugin name in dir,
// with its checksum file, and returns its candidate.
func buildPlugin(t *testing.T, dir, name, pkg string) pluginhost.Candidate {
	t.Helper()
	path := filepath.Join(dir, pluginhost.BinaryName(name))
	if out, err := exec.Command("go", "build", "-o", path, pkg).CombinedOutput(); err != nil {
		t.Fatalf("building %s: %v\n%s", pkg, err, out)
	}
	sum, err := runfolder.FileSHA256(path)
	if err != nil {
		t.Fatal(err)
	}
	sumPath := filepath.Join(dir, pluginhost.SumName(name))
	if err := os.WriteFile(sumPath, []byte(sum+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return pluginhost.Candidate{Name: name, Path: path, SumPath: sumPath, Dir: dir}
}

// A plugin that dies in the middle of a batch: the runs it did not finish
// fail with the crash, the runner starts a new plugin process, and the
// retries complete the sweep.
func TestPluginCrashIsRetried(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a plugin")
	}
	cand := buildPlugin(t, t.TempDir(), "local", "github.com/bilancio-go/bilancio/internal/sweep/testdata/crashplugin")
	marker := filepath.Join(t.TempDir(), "crashed")
	opens := 0
	open := func(ctx context.Context) (sdk.Executor, func() error, error) {
		opens++
		p, err := pluginhost.Open(ctx, cand, pluginhost.WithEnv("CRASH_MARKER="+marker))
		if err != nil {
			return nil, nil, err
		}
		if err := p.Executor().Configure(ctx, &sdk.Config{JSON: []byte(`{"parallel": 1}`)}); err != nil {
			p.Close()
			return nil, nil, err
		}
		return p.Executor(), p.Close, nil
	}
	dir := filepath.Join(t.TempDir(), "exp")
	spec := smallSpec(dir, 20)
	spec.Retries = 2
	log := &eventLog{}
	sum := mustRun(t, spec, quick(open, log))
	if _, err := os.Stat(marker); err != nil {
		t.Fatalf("the plugin never crashed: %v", err)
	}
	if sum.Status != StatusCompleted || sum.Progress.Done != 12 || sum.Progress.Failed != 0 {
		t.Fatalf("summary %+v", sum.Progress)
	}
	if opens != 2 {
		t.Errorf("the plugin was started %d times, want 2", opens)
	}
	failed := log.of(EventRunFailed)
	if len(failed) == 0 {
		t.Fatal("no run failed with the crash")
	}
	for _, ev := range failed {
		if ev.Run.Final || !strings.Contains(ev.Run.Error, "crashed") {
			t.Errorf("run_failed %+v, want a retried crash", ev.Run)
		}
	}
	diags := log.of(EventDiagnostic)
	if len(diags) != 1 || !strings.Contains(diags[0].Diagnostic.Summary, "crashed") {
		t.Errorf("diagnostics %+v, want one about the crash", diags)
	}
	if got := len(manifests(t, dir)); got != 12 {
		t.Errorf("%d complete run folders, want 12", got)
	}
}

// The local executor as its plugin binary (-local-plugin): found in the
// plugin directory, started, configured, and the sweep completes.
func TestLocalPluginPlacement(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a plugin")
	}
	pluginDir := t.TempDir()
	cand := buildPlugin(t, pluginDir, "local", "github.com/bilancio-go/bilancio/plugins/local/cmd/bilancio-executor-local")
	c, err := pluginhost.Choose(context.Background(), "local", []byte(`{"parallel": 2}`), pluginhost.PluginProcess, nil, pluginOptionsIn(pluginDir))
	if err != nil {
		t.Fatal(err)
	}
	if c.Placement != pluginhost.PluginProcess || c.Plugin.Path != cand.Path || c.String() != "local (plugin "+cand.Path+")" {
		t.Fatalf("choice %+v", c)
	}
	dir := filepath.Join(t.TempDir(), "exp")
	sum := mustRun(t, smallSpec(dir, 10), Options{Open: c.Opener(nil), Executor: c.String()})
	if sum.Status != StatusCompleted || sum.Ran != 12 {
		t.Fatalf("summary %+v", sum)
	}
	if got := len(manifests(t, dir)); got != 12 {
		t.Errorf("%d complete runs, want 12", got)
	}
}

// remoteExecutor says it runs elsewhere and records the worker it is given.
type remoteExecutor struct {
	*flakyExecutor
	workers []*sdk.WorkerBinary
}

// Describe implements sdk.Executor.
func (r *remoteExecutor) Describe(ctx context.Context) (*sdk.Info, error) {
	info, err := r.flakyExecutor.Describe(ctx)
	if err == nil {
		info.Capabilities.Remote = true
	}
	return info, err
}

// Execute implements sdk.Executor.
func (r *remoteExecutor) Execute(ctx context.Context, b *sdk.Batch, emit func(sdk.RunEvent) error) error {
	r.workers = append(r.workers, b.Worker)
	return r.flakyExecutor.Execute(ctx, b, emit)
}

// A remote executor gets the worker binary with every batch; the worker is
// located once.
func TestRemoteExecutorGetsTheWorker(t *testing.T) {
	ex := &remoteExecutor{flakyExecutor: newFlaky(nil)}
	located := 0
	opts := Options{
		Open: func(ctx context.Context) (sdk.Executor, func() error, error) {
			return ex, func() error { return nil }, nil
		},
		BatchSize: 4,
		Worker: func() (*sdk.WorkerBinary, error) {
			located++
			return &sdk.WorkerBinary{Path: "/bin/bilancio", SHA256: "ab", OS: "linux", Arch: "amd64"}, nil
		},
	}
	mustRun(t, smallSpec(filepath.Join(t.TempDir(), "exp"), 5), opts)
	if located != 1 || len(ex.workers) != 3 {
		t.Fatalf("worker located %d times, %d batches", located, len(ex.workers))
	}
	for _, w := range ex.workers {
		if w == nil || w.Path != "/bin/bilancio" {
			t.Errorf("batch worker %+v", w)
		}
	}
}
