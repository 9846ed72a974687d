//go:build unix

package modal_test

import (
	"testing"

	"github.com/bilancio-go/bilancio/sdk"
	"github.com/bilancio-go/bilancio/sdk/sdktest"
)

// TestConformance runs the executor conformance suite against the plugin
// binary, started as bilancio starts it, with the real modal-go client
// talking to the emulator.
func TestConformance(t *testing.T) {
	requireLinuxAMD64(t)
	srv := emulator(t)
	env := modalEnv(t, srv)
	s := &sdktest.Suite{
		New:    func(t *testing.T) sdk.Executor { return subprocess(t, env...) },
		Config: []byte(`{"runs_per_sandbox": 2, "max_parallel": 4, "volume": "suite-results"}`),
		Worker: bins.worker,
	}
	s.RunTests(t)
}
