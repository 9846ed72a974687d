package commands

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// An experiment on an executor whose work does not outlive bilancio (the
// local one) has no remote work: sweep status -remote and sweep cancel say
// so and exit 1; a folder that is no experiment is an error too. (The Slurm
// executor's remote work is tested in plugins/slurm, on a real Slurm.)
func TestSweepRemoteLocal(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "s.hcl")
	os.WriteFile(file, []byte(`sweep "remote_local" {
  n_agents      = 5
  maturity_days = 3
  q_total       = 500
  grid {
    kappas         = [1]
    concentrations = [1]
    mus            = [0]
  }
}
`), 0o644)
	out := filepath.Join(dir, "out")
	if stdout, stderr, code := sweepCmd(t, "run", "-out", out, file); code != 0 {
		t.Fatalf("sweep run: %d\n%s\n%s", code, stdout, stderr)
	}
	exp := filepath.Join(out, "remote_local")
	for _, args := range [][]string{{"status", "-remote", exp}, {"cancel", exp}} {
		_, stderr, code := sweepCmd(t, args[0], args[1:]...)
		if code != 1 || !strings.Contains(stderr, "the local executor's work does not outlive bilancio") {
			t.Errorf("sweep %s: exit %d, %q; want 1 saying the local executor has no remote work", strings.Join(args, " "), code, stderr)
		}
	}
	if _, stderr, code := sweepCmd(t, "cancel", dir); code != 1 || !strings.Contains(stderr, "experiment.json") {
		t.Errorf("sweep cancel of a folder that is no experiment: exit %d, %q", code, stderr)
	}
}
