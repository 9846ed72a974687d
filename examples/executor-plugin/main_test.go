package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bilancio-go/bilancio/sdk"
	"github.com/bilancio-go/bilancio/sdk/sdktest"
)

// TestConformance runs the conformance suite against the template
// executor, in process, through the plugin protocol and as a plugin
// process. It needs the bilancio binary (for `bilancio worker`): $BILANCIO_BIN
// when set, else it builds one. A copy of this template keeps a test like
// it.
func TestConformance(t *testing.T) {
	if testing.Short() {
		t.Skip("builds bilancio and runs simulations")
	}
	bin := os.Getenv("BILANCIO_BIN")
	if bin == "" {
		// bilancio hands `worker` over to bilancio-sweep, built beside it.
		dir := t.TempDir()
		bin = filepath.Join(dir, "bilancio")
		build := exec.Command("go", "build", "-o", dir+string(filepath.Separator), "github.com/bilancio-go/bilancio", "github.com/bilancio-go/bilancio/cmd/bilancio-sweep")
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("building bilancio: %v\n%s", err, out)
		}
	}
	cfg := []byte(`{"bilancio": "` + bin + `"}`)
	s := &sdktest.Suite{New: func(t *testing.T) sdk.Executor { return newExecutor() }, Config: cfg}
	t.Run("inprocess", s.RunTests)
	t.Run("grpc", func(t *testing.T) {
		g := *s
		g.New = func(t *testing.T) sdk.Executor { return sdktest.GRPC(t, newExecutor()) }
		g.RunTests(t)
	})

	// The plugin binary, started as the host starts it.
	plugin := buildPlugin(t)
	t.Run("process", func(t *testing.T) {
		p := *s
		p.New = func(t *testing.T) sdk.Executor { return sdktest.Process(t, exec.Command(plugin, "serve")) }
		p.RunTests(t)
	})
	t.Run("describe", func(t *testing.T) {
		out, err := exec.Command(plugin, "describe").Output()
		if err != nil {
			t.Fatalf("describe: %v", err)
		}
		var d sdk.Description
		if err := json.Unmarshal(out, &d); err != nil {
			t.Fatalf("describe printed %q: %v", out, err)
		}
		if d.Name != "example" || d.APIVersion != sdk.APIVersion || d.SDKVersion != sdk.Version || len(d.ConfigSchema) != 2 {
			t.Errorf("describe printed %s", out)
		}
	})
	t.Run("started by hand", func(t *testing.T) {
		out, err := exec.Command(plugin).CombinedOutput()
		if err == nil || !strings.Contains(string(out), "This binary is a plugin") {
			t.Errorf("run without the host: %v, %q", err, out)
		}
	})
}

// buildPlugin builds this plugin into a temporary directory.
func buildPlugin(t *testing.T) string {
	t.Helper()
	plugin := filepath.Join(t.TempDir(), "bilancio-executor-example")
	build := exec.Command("go", "build", "-o", plugin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the plugin: %v\n%s", err, out)
	}
	return plugin
}
