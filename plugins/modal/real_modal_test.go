//go:build unix

package modal_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/bilancio-go/bilancio/sdk"
	"github.com/bilancio-go/bilancio/sdk/sdktest"
)

// TestRealModal runs one small ring scenario on real Modal through the real
// plugin binary. It runs only when MODAL_TOKEN_ID and MODAL_TOKEN_SECRET are
// set and MODAL_SERVER_URL is not (which would point the client at an
// emulator); otherwise it is skipped. It uses the volume named by
// BILANCIO_MODAL_VOLUME (default bilancio-results) and leaves the run under
// <experiment>/runs/ there; it costs a few cents at most.
//
//	MODAL_TOKEN_ID=... MODAL_TOKEN_SECRET=... go test ./plugins/modal -run TestRealModal -v
func TestRealModal(t *testing.T) {
	id, secret := os.Getenv("MODAL_TOKEN_ID"), os.Getenv("MODAL_TOKEN_SECRET")
	if id == "" || secret == "" {
		t.Skip("real Modal test: set MODAL_TOKEN_ID and MODAL_TOKEN_SECRET (and leave MODAL_SERVER_URL unset) to run one scenario on Modal")
	}
	if os.Getenv("MODAL_SERVER_URL") != "" {
		t.Skip("real Modal test: MODAL_SERVER_URL is set (an emulator?); unset it and set MODAL_TOKEN_ID and MODAL_TOKEN_SECRET to run on Modal")
	}
	worker := bins.worker
	env := []string{"MODAL_TOKEN_ID=" + id, "MODAL_TOKEN_SECRET=" + secret}
	for _, k := range []string{"MODAL_ENVIRONMENT", "BILANCIO_MODAL_APP", "BILANCIO_MODAL_VOLUME"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	ex := subprocess(t, env...)
	configure(t, ex, map[string]any{"runs_per_sandbox": 1, "max_parallel": 1, "timeout": 300, "retries": 1})
	experiment := fmt.Sprintf("bilancio-test-%d", time.Now().UnixNano())
	b := &sdk.Batch{ExperimentID: experiment, OutRoot: t.TempDir(), Worker: worker, Runs: []sdk.RunSpec{
		{RunID: "ring_0", ScenarioName: "ring_0.yaml", Scenario: sdktest.RingScenario(5, 0)},
	}}
	start := time.Now()
	terminal := execute(t, ex, b).terminal
	t.Logf("1 run on Modal in %v (experiment %s)", time.Since(start).Round(time.Millisecond), experiment)
	ev := terminal["ring_0"]
	if ev.Type != sdk.EventCompleted || ev.Result == nil {
		t.Fatalf("ring_0: %s %q, want completed with a result", ev.Type, ev.Message)
	}
	dir := filepath.Join(b.OutRoot, "ring_0")
	m, sum, err := sdktest.VerifyRunFolder(dir)
	if err != nil {
		t.Fatalf("the downloaded run folder: %v", err)
	}
	if m.RunID != "ring_0" || sum != ev.Result.ManifestSHA256 || ev.Result.Dir != dir {
		t.Errorf("manifest run id %q, sha256 %s, dir %s; the event says sha256 %s, dir %s", m.RunID, sum, dir, ev.Result.ManifestSHA256, ev.Result.Dir)
	}
}
