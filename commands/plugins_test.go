package commands

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/cli"

	"github.com/bilancio-go/bilancio/internal/pluginhost"
)

// runPlugins runs a plugins command of the table through a MockUi and
// returns its exit code, stdout and stderr.
func runPlugins(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	ui := cli.NewMockUi()
	table := Table(Meta{Ctx: context.Background(), UI: ui})
	// The table's keys are the command words: "plugins list" etc.
	key := args[0]
	if len(args) > 1 {
		if _, ok := table[args[0]+" "+args[1]]; ok {
			key, args = args[0]+" "+args[1], args[1:]
		}
	}
	factory, ok := table[key]
	if !ok {
		t.Fatalf("no command %q", key)
	}
	cmd, err := factory()
	if err != nil {
		t.Fatal(err)
	}
	code := cmd.Run(args[1:])
	return code, ui.OutputWriter.String(), ui.ErrorWriter.String()
}

func TestPluginsCommands(t *testing.T) {
	src := filepath.Join(t.TempDir(), "bilancio-executor-local")
	if out, err := exec.Command("go", "build", "-o", src, "../plugins/local/cmd/bilancio-executor-local").CombinedOutput(); err != nil {
		t.Fatalf("building the local plugin: %v\n%s", err, out)
	}
	// Only the plugin directory of the test is searched: no user plugins,
	// no $BILANCIO_PLUGIN_PATH. (HOME changes after the build, which finds
	// its cache through it.)
	t.Setenv("HOME", t.TempDir())
	t.Setenv(pluginhost.EnvPluginPath, "")
	t.Setenv("BILANCIO_LOG", "")
	dir := t.TempDir()

	code, out, errOut := runPlugins(t, "plugins", "install", src, "-dir", dir)
	if code != 0 || !strings.Contains(out, "Installed the local executor") {
		t.Fatalf("install: %d %q %q", code, out, errOut)
	}
	bin := filepath.Join(dir, "bilancio-executor-local")
	if _, err := os.Stat(filepath.Join(dir, "local_SHA256SUM")); err != nil {
		t.Fatal(err)
	}

	t.Run("list", func(t *testing.T) {
		code, out, errOut := runPlugins(t, "plugins", "list", "-plugin-dir", dir)
		if code != 0 {
			t.Fatalf("list: %d %q", code, errOut)
		}
		lines := strings.Split(out, "\n")
		if !strings.HasPrefix(lines[0], "NAME") || !strings.Contains(lines[0], "CHECKSUM") {
			t.Errorf("header %q", lines[0])
		}
		if f := strings.Fields(lines[1]); len(f) < 5 || f[0] != "local" || f[2] != "1" || f[3] != "verified" || f[4] != bin {
			t.Errorf("row %q", lines[1])
		}

		code, out, _ = runPlugins(t, "plugins", "list", "-plugin-dir", dir, "-json")
		var got struct {
			Plugins []struct {
				Name             string `json:"name"`
				Version          string `json:"version"`
				ProtocolVersions []int  `json:"protocol_versions"`
				Path             string `json:"path"`
				Checksum         string `json:"checksum"`
				Active           bool   `json:"active"`
			} `json:"plugins"`
			Searched []struct{ Path, Source string } `json:"searched"`
		}
		if err := json.Unmarshal([]byte(out), &got); err != nil || code != 0 {
			t.Fatalf("list -json: %d %v\n%s", code, err, out)
		}
		if len(got.Plugins) != 1 {
			t.Fatalf("list -json: %+v", got)
		}
		p := got.Plugins[0]
		if p.Name != "local" || p.Version == "" || len(p.ProtocolVersions) != 1 || p.Checksum != "verified" || !p.Active || p.Path != bin {
			t.Errorf("list -json: %+v", p)
		}
		if len(got.Searched) == 0 || got.Searched[0].Path != dir || got.Searched[0].Source != "flag" {
			t.Errorf("searched: %+v", got.Searched)
		}
		// Which executor a sweep would use.
		if want := "A sweep without an executor block runs on: local (plugin " + bin + ")"; !strings.HasSuffix(strings.TrimSpace(out0(t, "plugins", "list", "-plugin-dir", dir)), want) {
			t.Errorf("list does not end with %q", want)
		}
		var def struct {
			Default string `json:"default_executor"`
		}
		if err := json.Unmarshal([]byte(out), &def); err != nil || def.Default != "local (plugin "+bin+")" {
			t.Errorf("list -json: default_executor %q, %v", def.Default, err)
		}
	})

	// Sweeps run on the local plugin by default; -executor picks any
	// installed executor; without a plugin the local executor runs in
	// process and says why.
	t.Run("sweep executor", func(t *testing.T) {
		out := t.TempDir()
		ring := []string{"-n-agents", "5", "-kappas", "1,2", "-concentrations", "1", "-mus", "0", "-maturity-days", "3", "-q-total", "500"}
		stdout, stderr, code := sweepCmd(t, "ring", append(ring, "-out-dir", filepath.Join(out, "a"), "-plugin-dir", dir)...)
		if code != 0 || !strings.Contains(stdout, "executor local (plugin "+bin+")") {
			t.Errorf("sweep ring with the plugin installed: %d\n%s%s", code, stdout, stderr)
		}
		stdout, stderr, code = sweepCmd(t, "ring", append(ring, "-out-dir", filepath.Join(out, "b"), "-plugin-dir", t.TempDir())...)
		if code != 0 || !strings.Contains(stdout, "executor local (in process: no bilancio-executor-local plugin was found)") {
			t.Errorf("sweep ring without a plugin: %d\n%s%s", code, stdout, stderr)
		}
		_, stderr, code = sweepCmd(t, "ring", append(ring, "-out-dir", filepath.Join(out, "c"), "-plugin-dir", dir, "-executor", "nosuch")...)
		if code != 1 || !strings.Contains(stderr, `no executor plugin "nosuch" found`) {
			t.Errorf("-executor nosuch: %d %q", code, stderr)
		}
		_, stderr, code = sweepCmd(t, "ring", append(ring, "-plugin-dir", dir, "-cloud", "-executor", "slurm")...)
		if code != 1 || !strings.Contains(stderr, "give one of them") {
			t.Errorf("-cloud -executor slurm: %d %q", code, stderr)
		}
		_, stderr, code = sweepCmd(t, "ring", append(ring, "-plugin-dir", dir, "-executor", "../x")...)
		if code != 1 || !strings.Contains(stderr, "not an executor name") {
			t.Errorf("-executor ../x: %d %q", code, stderr)
		}
	})

	t.Run("describe", func(t *testing.T) {
		code, out, errOut := runPlugins(t, "plugins", "describe", "-plugin-dir", dir, "local")
		if code != 0 {
			t.Fatalf("describe: %d %q", code, errOut)
		}
		for _, s := range []string{"local ", "protocol      1", "cancel, artifacts", "ATTRIBUTE", "parallel", "number", "root"} {
			if !strings.Contains(out, s) {
				t.Errorf("describe output lacks %q:\n%s", s, out)
			}
		}
		code, out, _ = runPlugins(t, "plugins", "describe", "local", "-plugin-dir", dir, "-json")
		var d struct {
			Name         string `json:"name"`
			Protocol     int    `json:"protocol"`
			Path         string `json:"path"`
			ConfigSchema []struct {
				Name string `json:"name"`
			} `json:"config_schema"`
			Capabilities struct {
				Cancel bool `json:"cancel"`
			} `json:"capabilities"`
		}
		if err := json.Unmarshal([]byte(out), &d); err != nil || code != 0 {
			t.Fatalf("describe -json: %d %v\n%s", code, err, out)
		}
		if d.Name != "local" || d.Protocol != 1 || d.Path != bin || len(d.ConfigSchema) == 0 || !d.Capabilities.Cancel {
			t.Errorf("describe -json: %+v", d)
		}

		code, _, errOut = runPlugins(t, "plugins", "describe", "-plugin-dir", dir, "nope")
		if code != 1 || !strings.Contains(errOut, `no executor plugin "nope" found`) {
			t.Errorf("describe nope: %d %q", code, errOut)
		}
	})

	t.Run("checksum statuses", func(t *testing.T) {
		other := t.TempDir()
		copyTestFile(t, src, filepath.Join(other, "bilancio-executor-nosum"))
		copyTestFile(t, src, filepath.Join(other, "bilancio-executor-bad"))
		if err := os.WriteFile(filepath.Join(other, "bad_SHA256SUM"), []byte(strings.Repeat("0", 64)), 0o644); err != nil {
			t.Fatal(err)
		}
		code, out, errOut := runPlugins(t, "plugins", "list", "-plugin-dir", other)
		if code != 0 {
			t.Fatalf("list: %d %q", code, errOut)
		}
		for name, status := range map[string]string{"bad": "mismatch", "nosum": "missing"} {
			row := ""
			for _, l := range strings.Split(out, "\n") {
				if strings.HasPrefix(l, name+" ") {
					row = l
				}
			}
			if f := strings.Fields(row); len(f) < 4 || f[1] != "-" || f[3] != status {
				t.Errorf("%s: row %q, want status %s\n%s", name, row, status, out)
			}
		}
		code, _, errOut = runPlugins(t, "plugins", "describe", "-plugin-dir", other, "bad")
		if code != 1 || !strings.Contains(errOut, "checksum mismatch") || !strings.Contains(errOut, strings.Repeat("0", 64)) {
			t.Errorf("describe bad: %d %q", code, errOut)
		}
	})

	t.Run("remove", func(t *testing.T) {
		code, out, errOut := runPlugins(t, "plugins", "remove", "-dir", dir, "local")
		if code != 0 || !strings.Contains(out, "Removed the local executor plugin") {
			t.Fatalf("remove: %d %q %q", code, out, errOut)
		}
		if _, err := os.Stat(bin); !os.IsNotExist(err) {
			t.Errorf("binary still there: %v", err)
		}
		code, out, _ = runPlugins(t, "plugins", "list", "-plugin-dir", dir)
		if code != 0 || !strings.HasPrefix(out, "No executor plugins found") {
			t.Errorf("list after remove: %d %q", code, out)
		}
		code, _, errOut = runPlugins(t, "plugins", "remove", "-dir", dir, "local")
		if code != 1 || !strings.Contains(errOut, "no bilancio-executor-local") {
			t.Errorf("second remove: %d %q", code, errOut)
		}
	})
}

// out0 runs a plugins command that must succeed and returns its output.
func out0(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errOut := runPlugins(t, args...)
	if code != 0 {
		t.Fatalf("%v: %d %q", args, code, errOut)
	}
	return out
}

func TestPluginsUsage(t *testing.T) {
	if code, _, _ := runPlugins(t, "plugins"); code != cli.RunResultHelp {
		t.Errorf("plugins: %d, want help", code)
	}
	for _, args := range [][]string{
		{"plugins", "list", "extra"},
		{"plugins", "describe"},
		{"plugins", "install"},
		{"plugins", "remove", "a", "b"},
		{"plugins", "list", "-bogus"},
	} {
		if code, _, errOut := runPlugins(t, args...); code != 1 || !strings.Contains(errOut, "Usage: bilancio plugins") {
			t.Errorf("%v: %d %q", args, code, errOut)
		}
	}
	if code, _, errOut := runPlugins(t, "plugins", "list", "-plugin-dir", filepath.Join(t.TempDir(), "nope")); code != 1 || !strings.Contains(errOut, "-plugin-dir") {
		t.Errorf("missing -plugin-dir: %d %q", code, errOut)
	}
}

func copyTestFile(t *testing.T, src, dst string) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, data, 0o755); err != nil {
		t.Fatal(err)
	}
}
