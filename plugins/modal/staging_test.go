//go:build unix

package modal_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bilancio-go/bilancio/internal/modalemu"
	"github.com/bilancio-go/bilancio/sdk"
)

// TestStagingCommittedBeforeChunks: on Modal a volume write is committed
// when the writing sandbox shuts down, and a sandbox sees the volume as of
// its mount, or its last reload (modal.com/docs/guide/volumes;
// test/sandbox_test.go TestSandboxReloadVolumes); Terminate only asks for
// the end. With an emulator that ends terminated sandboxes a second later,
// the first chunks' sandboxes are created while the staging sandbox
// uploads the worker (their cold starts overlap), and they mount a volume
// without it: the plugin waits for the staging sandbox to end (and its
// commit), reloads their volumes, and only then hands them their runs, so
// no worker starts before the staging sandbox ended and every run
// completes on its first attempt.
func TestStagingCommittedBeforeChunks(t *testing.T) {
	requireLinuxAMD64(t)
	srv := emulator(t, modalemu.Options{TerminateLatency: time.Second})
	ex := subprocess(t, modalEnv(t, srv)...)
	configure(t, ex, map[string]any{"runs_per_sandbox": 2, "max_parallel": 4})
	b := ringBatch(t, "stage-race", 4)
	c := execute(t, ex, b)
	wantAll(t, b, c, sdk.EventCompleted, 1)
	var stage, chunks []modalemu.SandboxState
	for _, st := range srv.Sandboxes() {
		switch st.Tags["bilancio"] {
		case "stage":
			stage = append(stage, st)
		case "chunk":
			chunks = append(chunks, st)
		}
	}
	if len(stage) != 1 || len(chunks) != 2 {
		t.Fatalf("%d staging and %d chunk sandboxes, want 1 and 2", len(stage), len(chunks))
	}
	vol, err := srv.VolumeDir("bilancio-results")
	if err != nil {
		t.Fatal(err)
	}
	starts, _ := filepath.Glob(filepath.Join(vol, "stage-race", "chunks", "*.start"))
	if len(starts) != 2 {
		t.Fatalf("%d chunk start records, want 2", len(starts))
	}
	for _, f := range starts {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var rec struct{ Start float64 }
		if err := json.Unmarshal(data, &rec); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if start := time.Unix(0, int64(rec.Start*1e9)); start.Before(stage[0].Ended) {
			t.Errorf("%s: the worker started at %v, before the staging sandbox ended at %v", filepath.Base(f), start, stage[0].Ended)
		}
	}
	overlap := false
	for _, ch := range chunks {
		overlap = overlap || ch.Created.Before(stage[0].Ended)
	}
	if !overlap {
		t.Error("every chunk sandbox was created after the staging sandbox ended: their cold starts do not overlap")
	}
}

// TestMissingWorkerIsClear: a chunk that finds no worker in the volume (the
// plugin believed it staged) fails its runs at once with that reason,
// instead of burning retries, and no further chunk starts.
func TestMissingWorkerIsClear(t *testing.T) {
	requireLinuxAMD64(t)
	srv := emulator(t)
	ex := subprocess(t, modalEnv(t, srv)...)
	configure(t, ex, map[string]any{"runs_per_sandbox": 1, "max_parallel": 1, "retries": 3})
	execute(t, ex, ringBatch(t, "first", 1))
	vol, err := srv.VolumeDir("bilancio-results")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(vol, ".bilancio", "workers")); err != nil {
		t.Fatal(err)
	}
	before := srv.CreatedSandboxes()
	b := ringBatch(t, "second", 5)
	start := time.Now()
	c := execute(t, ex, b)
	wantAll(t, b, c, sdk.EventFailed, 1, "found no worker")
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("the batch took %v to fail", d)
	}
	// The staging sandbox, then the one chunk that found no worker.
	if n := srv.CreatedSandboxes() - before; n != 2 {
		t.Errorf("%d sandboxes created for the second batch, want 2 (no retries, no more chunks)", n)
	}
	for _, ev := range c.terminal {
		if !strings.Contains(ev.Message, "staging") {
			t.Errorf("run %s: message %q", ev.RunID, ev.Message)
		}
	}
}
