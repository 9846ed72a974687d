package pluginhost

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/bilancio-go/bilancio/sdk"
)

// testBuiltins has a local executor built in (an empty one: Choose only
// needs to know it is there).
func testBuiltins() Builtins {
	return Builtins{LocalExecutor: func() sdk.Executor { return struct{ sdk.Executor }{} }}
}

// nowhere finds plugins in an empty folder only.
func nowhere(t *testing.T) Options {
	dir := t.TempDir()
	return Options{PluginDir: dir, Getenv: func(string) string { return "" }, WorkDir: dir, HomeDir: dir, ExecDir: dir}
}

// The executor choice: every executor runs as its plugin when one is
// found; the local one falls back to running in process, saying why, when
// its plugin is nowhere; forced placements are honoured.
func TestChoose(t *testing.T) {
	ctx := context.Background()
	c, err := Choose(ctx, "local", nil, "", testBuiltins(), nowhere(t))
	if err != nil || c.Placement != InProcess || c.String() != "local (in process: no bilancio-executor-local plugin was found)" {
		t.Errorf("local without its plugin: %+v, %v", c, err)
	}
	if c, err := Choose(ctx, "local", nil, InProcess, testBuiltins(), nowhere(t)); err != nil || c.String() != "local (in process)" {
		t.Errorf("local in process, asked: %+v, %v", c, err)
	}
	if _, err := Choose(ctx, "local", nil, PluginProcess, testBuiltins(), nowhere(t)); err == nil || !strings.Contains(err.Error(), `no executor plugin "local" found`) {
		t.Errorf("local as a plugin without the binary: %v", err)
	}
	if _, err := Choose(ctx, "modal", nil, InProcess, testBuiltins(), nowhere(t)); err == nil {
		t.Error("modal in process: no error")
	}
	if _, err := Choose(ctx, "modal", nil, "", testBuiltins(), nowhere(t)); err == nil {
		t.Error("modal without its plugin: no error")
	}

	// With the plugin on disk, it is the default.
	find := nowhere(t)
	cand := place(t, find.PluginDir, "local", testPluginBin, true)
	c, err = Choose(ctx, "", []byte(`{}`), "", testBuiltins(), find)
	if err != nil || c.Placement != PluginProcess || c.Plugin.Path != cand.Path || c.String() != "local (plugin "+cand.Path+")" {
		t.Errorf("local with its plugin: %+v, %v", c, err)
	}
	// A binary without its checksum is not used: in process, saying why.
	find = nowhere(t)
	place(t, find.PluginDir, "local", testPluginBin, false)
	c, err = Choose(ctx, "local", nil, "", testBuiltins(), find)
	if err != nil || c.Placement != InProcess || !strings.Contains(c.Fallback, "no local_SHA256SUM beside it") {
		t.Errorf("local with an unsummed plugin: %+v, %v", c, err)
	}
}

// TestExecutorEnv checks that each executor gets only its own variables.
func TestExecutorEnv(t *testing.T) {
	environ := []string{
		"PATH=/bin", "MODAL_TOKEN_ID=id", "MODAL_TOKEN_SECRET=secret", "BILANCIO_CLOUD_MEMORY=512",
		"BILANCIO_MODAL_VOLUME=v", "BILANCIO_SLURM_QUEUE=q", "AWS_SECRET_ACCESS_KEY=x",
		"SLURM_CONF=/etc/slurm/x.conf", "SBATCH_ACCOUNT=econ", "SLURM_JOB_ID=7",
	}
	for _, tc := range []struct {
		name string
		want []string
	}{
		{"modal", []string{"MODAL_TOKEN_ID=id", "MODAL_TOKEN_SECRET=secret", "BILANCIO_CLOUD_MEMORY=512", "BILANCIO_MODAL_VOLUME=v"}},
		{"slurm", []string{"BILANCIO_SLURM_QUEUE=q", "SLURM_CONF=/etc/slurm/x.conf", "SBATCH_ACCOUNT=econ"}},
		{LocalExecutor, nil},
	} {
		if got := ExecutorEnv(tc.name, environ); !slices.Equal(got, tc.want) {
			t.Errorf("ExecutorEnv(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
}
