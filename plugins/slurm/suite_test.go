//go:build unix

package slurm_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/bilancio-go/bilancio/plugins/slurm"
	"github.com/bilancio-go/bilancio/sdk"
	"github.com/bilancio-go/bilancio/sdk/sdktest"
)

// TestConformance runs the executor conformance suite on the real Slurm,
// with the executor in process and as the plugin binary started as bilancio
// starts it. One run per array task, so that the slow batches of the
// cancellation tests have runs running and runs pending.
func TestConformance(t *testing.T) {
	requireSlurm(t)
	for _, c := range []struct {
		name    string
		connect func(*testing.T) sdk.Executor
	}{
		{"inprocess", func(*testing.T) sdk.Executor { return slurm.New() }},
		// The plugin as bilancio starts it, with only sbatch, squeue and
		// scancel on its PATH: it needs neither sacct nor scontrol.
		{"subprocess", func(t *testing.T) sdk.Executor { return subprocess(t, "PATH="+slurmOnlyPath(t)) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := json.Marshal(map[string]any{
				"runs_per_task": 1, "poll_interval": 0.2, "time_limit": "5", "scratch_dir": t.TempDir(),
			})
			if err != nil {
				t.Fatal(err)
			}
			s := &sdktest.Suite{New: c.connect, Config: cfg, Worker: bins.worker, SlowScenario: slowRing}
			s.RunTests(t)
		})
	}
}

// slowRing is the suite's slow scenario here: 6,000 households whose
// payables fall due over 90 days, about 1 s a run. The executor learns of
// a run's start and end from squeue and the worker's event file, both read
// every poll_interval (0.2 s), so a run must span several polls for the
// heartbeat test to see a heartbeat while it is in flight; the default
// slow ring (well under 0.2 s since the engine got faster) can start and
// end within one poll, and so could a ring half this size once the engine
// got faster again (CI, fifth session: "no heartbeat named a run in
// flight").
func slowRing(i int) []byte {
	return sdktest.Ring{Households: 6000, DueDays: 90, Variant: i}.YAML()
}

// slurmOnlyPath returns a directory holding links to sbatch, squeue and
// scancel alone, for a PATH without the rest of Slurm's commands.
func slurmOnlyPath(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{"sbatch", "squeue", "scancel"} {
		path, err := exec.LookPath(name)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(path, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
