//go:build unix

package modal_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bilancio-go/bilancio/internal/modalemu"
	"github.com/bilancio-go/bilancio/sdk"
	"github.com/bilancio-go/bilancio/sdk/runfolder"
	"github.com/bilancio-go/bilancio/sdk/sdktest"
)

// TestExecuteRing runs three ring scenarios through the real plugin binary
// and the real modal-go client against the emulator, two runs per sandbox:
// every run completes and its local folder verifies.
func TestExecuteRing(t *testing.T) {
	requireLinuxAMD64(t)
	srv := emulator(t)
	ex := subprocess(t, modalEnv(t, srv)...)
	cfg, _ := json.Marshal(map[string]any{"runs_per_sandbox": 2, "max_parallel": 2, "volume": "test-results"})
	if err := ex.Configure(t.Context(), &sdk.Config{JSON: cfg}); err != nil {
		t.Fatalf("Configure: %v", err)
	}
	batch := &sdk.Batch{ExperimentID: "exp1", OutRoot: t.TempDir(), Worker: bins.worker}
	for i := range 3 {
		batch.Runs = append(batch.Runs, sdk.RunSpec{
			RunID: fmt.Sprintf("ring_%d", i), ScenarioName: fmt.Sprintf("ring_%d.yaml", i), Scenario: sdktest.RingScenario(5+i, i),
		})
	}
	var mu sync.Mutex
	terminal := map[string]sdk.RunEvent{}
	started := map[string]bool{}
	var usage []sdk.SandboxUsage
	emit := func(ev sdk.RunEvent) error {
		mu.Lock()
		defer mu.Unlock()
		usage = append(usage, ev.Usage...)
		if ev.Type == sdk.EventStarted {
			started[ev.RunID] = true
		}
		if ev.Type.Terminal() {
			if _, dup := terminal[ev.RunID]; dup {
				t.Errorf("run %s: a second terminal event %s", ev.RunID, ev.Type)
			}
			terminal[ev.RunID] = ev
		}
		return nil
	}
	start := time.Now()
	if err := ex.Execute(t.Context(), batch, emit); err != nil {
		t.Fatalf("Execute: %v", err)
	}
	t.Logf("3 runs in %v", time.Since(start))
	for _, r := range batch.Runs {
		ev, ok := terminal[r.RunID]
		if !ok {
			t.Errorf("run %s: no terminal event", r.RunID)
			continue
		}
		if ev.Type != sdk.EventCompleted || ev.Result == nil {
			t.Errorf("run %s: %s %q, want completed with a result", r.RunID, ev.Type, ev.Message)
			continue
		}
		if !started[r.RunID] {
			t.Errorf("run %s: no started event", r.RunID)
		}
		dir := filepath.Join(batch.OutRoot, r.RunID)
		if ev.Result.Dir != dir {
			t.Errorf("run %s: Result.Dir = %s, want %s", r.RunID, ev.Result.Dir, dir)
		}
		m, sum, err := sdktest.VerifyRunFolder(dir)
		if err != nil {
			t.Errorf("run %s: %v", r.RunID, err)
			continue
		}
		if m.RunID != r.RunID || sum != ev.Result.ManifestSHA256 {
			t.Errorf("run %s: manifest run id %q, sha256 %s; the event says %s", r.RunID, m.RunID, sum, ev.Result.ManifestSHA256)
		}
	}
	// The worker was staged once, under its sha256, and the runs are on the
	// volume at <experiment>/runs/<run_id>.tar, archives of their folders.
	vol, err := srv.VolumeDir("test-results")
	if err != nil {
		t.Fatal(err)
	}
	unpacked := filepath.Join(t.TempDir(), "ring_0")
	if err := unpackRunArchive(filepath.Join(vol, sdk.StoragePath("exp1", "ring_0")+runfolder.ArchiveSuffix), unpacked); err != nil {
		t.Errorf("the run's archive on the volume: %v", err)
	} else if _, _, err := sdktest.VerifyRunFolder(unpacked); err != nil {
		t.Errorf("the run's archive on the volume: %v", err)
	}
	if ents, _ := filepath.Glob(filepath.Join(vol, "exp1", "runs", "*")); len(ents) != 3 {
		t.Errorf("the volume holds %v, want the 3 runs' archives", ents)
	}
	if _, err := os.Stat(filepath.Join(vol, ".bilancio", "workers", bins.worker.SHA256, "bilancio")); err != nil {
		t.Errorf("the staged worker: %v", err)
	}
	checkUsage(t, srv, usage, 1, 3)
}

// checkUsage checks that the events carried one usage record per sandbox the
// emulator created (stage staging sandboxes, the others running runs runs
// in all), each terminated, with the configured resources and a price.
func checkUsage(t *testing.T, srv *modalemu.Server, usage []sdk.SandboxUsage, stage, runs int) {
	t.Helper()
	states := map[string]modalemu.SandboxState{}
	for _, st := range srv.Sandboxes() {
		states[st.ID] = st
	}
	if len(usage) != len(states) {
		t.Errorf("%d usage records for %d sandboxes", len(usage), len(states))
	}
	purposes := map[string]int{}
	total := 0
	for _, u := range usage {
		st, ok := states[u.ID]
		switch {
		case !ok:
			t.Errorf("usage of unknown sandbox %s", u.ID)
		case st.Running():
			t.Errorf("sandbox %s is still running", u.ID)
		}
		purposes[u.Purpose]++
		total += u.Runs
		if !u.End.After(u.Start) || u.CPU != 1 || u.MemoryMiB != 2048 || u.Cost <= 0 || u.Currency != "USD" {
			t.Errorf("usage record %+v", u)
		}
		// The duration is measured on the monotonic clock; the times travel
		// as wall-clock timestamps.
		if want := u.End.Sub(u.Start).Seconds() * (0.00003942 + 2*0.00000672); u.Cost < want*(1-1e-3) {
			t.Errorf("sandbox %s cost %v, want %v", u.ID, u.Cost, want)
		}
	}
	if purposes["stage"] != stage || total != runs {
		t.Errorf("usage: %v purposes, %d runs; want %d staging sandboxes and %d runs", purposes, total, stage, runs)
	}
}

// TestMissingCredentials: without MODAL_TOKEN_ID/SECRET and without a Modal
// configuration file, Configure fails with a clear ErrInvalidConfig, naming
// the variables but no secret.
func TestMissingCredentials(t *testing.T) {
	ex := subprocess(t,
		"MODAL_CONFIG_PATH="+filepath.Join(t.TempDir(), "none.toml"),
		"MODAL_TOKEN_ID=only-the-id-is-set",
	)
	err := ex.Configure(t.Context(), &sdk.Config{})
	if !errors.Is(err, sdk.ErrInvalidConfig) {
		t.Fatalf("Configure without credentials: %v, want ErrInvalidConfig", err)
	}
	if !strings.Contains(err.Error(), "MODAL_TOKEN_SECRET") || strings.Contains(err.Error(), "only-the-id-is-set") {
		t.Errorf("the error should name MODAL_TOKEN_SECRET and no credential: %v", err)
	}
}
