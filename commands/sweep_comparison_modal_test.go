//go:build unix

package commands

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A paired sweep on Modal (the real modal plugin against the emulator):
// `sweep comparison -cloud` runs both arms there, and a sweep file runs its
// control arm locally and its treatment arm on Modal; either way the runs
// pair up in comparison.csv.
func TestPairedSweepModal(t *testing.T) {
	pluginDir, env := modalSweepEnv(t)
	file := filepath.Join(t.TempDir(), "split.hcl")
	if err := os.WriteFile(file, []byte(`
executor "local" {}
executor "modal" {
  max_parallel     = 2
  runs_per_sandbox = 2
}
sweep "split" {
  n_agents         = 5
  maturity_days    = 3
  q_total          = 500
  default_handling = "expel-agent"
  dealer {}
  grid {
    kappas         = [0.5, 2]
    concentrations = [1]
    mus            = [0, 1]
  }
  control   { executor = executor.local }
  treatment { executor = executor.modal }
}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, dir string
		args      func(out string) []string
		executor  string
	}{
		{"cloud-flags", "exp", func(out string) []string {
			return []string{"sweep", "comparison", "-cloud", "-cloud-parallel", "2", "-plugin-dir", pluginDir,
				"-n-agents", "5", "-maturity-days", "3", "-q-total", "500", "-kappas", "0.5,2", "-concentrations", "1", "-mus", "0,1",
				"-out-dir", filepath.Join(out, "exp")}
		}, "executor modal (plugin"},
		{"arms-apart", "split", func(out string) []string {
			return []string{"sweep", "run", "-plugin-dir", pluginDir, "-yes", "-out", out, file}
		}, "local (in process: no bilancio-executor-local plugin was found) / modal (plugin"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := t.TempDir()
			dir := filepath.Join(out, tc.dir)
			args := tc.args(out)
			text, code := runBilancio(t, env, args...)
			if code != 0 {
				t.Fatalf("exit %d:\n%s", code, text)
			}
			for _, want := range []string{tc.executor, "8 of 8 runs done"} {
				if !strings.Contains(text, want) {
					t.Errorf("output lacks %q:\n%s", want, text)
				}
			}
			b, err := os.ReadFile(filepath.Join(dir, "aggregate", "comparison.csv"))
			if err != nil {
				t.Fatal(err)
			}
			if n := strings.Count(string(b), ",completed,comparison_treatment_"); n != 4 {
				t.Errorf("comparison.csv has %d complete pairs, want 4:\n%s", n, b)
			}
			// The arm on Modal records its sandboxes in its own folder.
			if sum, err := os.ReadFile(filepath.Join(dir, "treatment", "aggregate", "summary.json")); err != nil || !strings.Contains(string(sum), `"sandbox_seconds"`) {
				t.Errorf("the treatment arm's summary.json has no usage (%v):\n%s", err, sum)
			}
			if _, err := os.Stat(filepath.Join(dir, "treatment", "usage.csv")); err != nil {
				t.Errorf("the treatment arm has no usage.csv: %v", err)
			}
		})
	}
}
