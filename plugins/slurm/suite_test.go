//go:build unix

package slurm_test

import (
	"encoding/json"
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
		{"subprocess", func(t *testing.T) sdk.Executor { return subprocess(t) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := json.Marshal(map[string]any{
				"runs_per_task": 1, "poll_interval": 0.2, "time_limit": "5", "scratch_dir": t.TempDir(),
			})
			if err != nil {
				t.Fatal(err)
			}
			s := &sdktest.Suite{New: c.connect, Config: cfg, Worker: bins.worker}
			s.RunTests(t)
		})
	}
}
