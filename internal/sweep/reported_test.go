package sweep

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bilancio-go/bilancio/internal/store"
	"github.com/bilancio-go/bilancio/plugins/local"
	"github.com/bilancio-go/bilancio/sdk"
	"github.com/bilancio-go/bilancio/sdk/runfolder"
)

// reportingExecutor is the local executor whose completed events are
// changed by edit before the host sees them.
type reportingExecutor struct {
	sdk.Executor
	edit func(b *sdk.Batch, ev *sdk.RunEvent)
}

func (e *reportingExecutor) Execute(ctx context.Context, b *sdk.Batch, emit func(sdk.RunEvent) error) error {
	return e.Executor.Execute(ctx, b, func(ev sdk.RunEvent) error {
		if ev.Type == sdk.EventCompleted && ev.Result != nil {
			e.edit(b, &ev)
		}
		return emit(ev)
	})
}

// TestCompletedAsReported: the local executor's completed events carry the
// manifest it wrote, and the host takes those runs as reported; an event
// whose report does not hold together (an executor of protocol x1.1 sends
// none, a wrong one is refused) makes the host check the folder instead,
// so a folder that does not verify is not done.
func TestCompletedAsReported(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(b *sdk.Batch, ev *sdk.RunEvent)
		// done: every run is done (else every run fails for good).
		done bool
	}{
		{"as reported", func(b *sdk.Batch, ev *sdk.RunEvent) {
			if len(ev.Result.Manifest) == 0 {
				t.Errorf("run %s: completed without its manifest", ev.RunID)
			}
		}, true},
		{"no report, folder checked", func(b *sdk.Batch, ev *sdk.RunEvent) { ev.Result.Manifest = nil }, true},
		{"report of another run", func(b *sdk.Batch, ev *sdk.RunEvent) {
			ev.Result.Manifest = []byte(strings.Replace(string(ev.Result.Manifest), ev.RunID, "grid_other", 1))
			ev.Result.ManifestSHA256 = runfolder.SHA256(ev.Result.Manifest)
		}, true},
		{"wrong report, folder damaged", func(b *sdk.Batch, ev *sdk.RunEvent) {
			ev.Result.ManifestSHA256 = runfolder.SHA256([]byte("something else"))
			if err := os.Remove(filepath.Join(b.OutRoot, ev.RunID, runfolder.EventsFile)); err != nil {
				t.Error(err)
			}
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "exp")
			ex := &reportingExecutor{Executor: local.New(), edit: tc.edit}
			open := func(ctx context.Context) (sdk.Executor, func() error, error) {
				return ex, func() error { return nil }, nil
			}
			log := &eventLog{}
			sum, err := Run(context.Background(), smallSpec(dir, 3, "1"), quick(open, log))
			runs := sum.Progress.Total
			if runs != 4 {
				t.Fatalf("%d runs planned, want 4", runs)
			}
			if tc.done {
				if err != nil || sum.Progress.Done != runs || sum.Progress.Failed != 0 {
					t.Fatalf("sweep: %v; progress %+v, want every run done", err, sum.Progress)
				}
			} else {
				if sum.Progress.Done != 0 || sum.Progress.Failed != runs {
					t.Fatalf("sweep: %v; progress %+v, want every run failed", err, sum.Progress)
				}
				for _, ev := range log.of(EventRunFailed) {
					if !strings.Contains(ev.Run.Error, "does not verify after completion") || !strings.Contains(ev.Run.Error, runfolder.EventsFile) {
						t.Errorf("run %s: error %q, want its folder not verifying", ev.Run.ID, ev.Run.Error)
					}
				}
			}
			// What the journal holds done verifies, as a later sweep run,
			// status and resume check it.
			st, meta, err := store.Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			j, err := st.ReadJournal(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			defer j.Close()
			n := 0
			for e := range j.InPlan(meta.Plan).All() {
				if e.State() != store.Done {
					continue
				}
				n++
				rec, err := e.Record()
				if err != nil {
					t.Fatal(err)
				}
				if _, err := st.CheckRun(rec.Run, store.Known{Manifest: rec.Manifest, Fingerprint: rec.Fingerprint}, store.CheckQuick); err != nil {
					t.Errorf("run %s journaled done: %v", rec.Run, err)
				}
			}
			if want := map[bool]int{true: runs, false: 0}[tc.done]; n != want {
				t.Errorf("%d runs journaled done, want %d", n, want)
			}
		})
	}
}
