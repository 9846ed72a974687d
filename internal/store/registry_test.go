package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/bilancio-go/bilancio/sdk/runfolder"
)

// A run this process checked and journaled done (Journal.Sealed) is not
// checked again by Rebuild, and its rows are those a check would write;
// any later record of the run, and -verify, make Rebuild check it again.
func TestRebuildTrustsSealedRuns(t *testing.T) {
	if registryPaths()[3][1] != runfolder.MetricsCSVFile || metricsCSVBit != 1<<3 {
		t.Fatalf("metricsCSVBit is not metrics.csv's place in registryPaths")
	}
	const id, plan = "grid_0123456789ab", "plan1"
	st, err := Create(filepath.Join(t.TempDir(), "exp"), "exp")
	if err != nil {
		t.Fatal(err)
	}
	w, err := runfolder.Create(st.RunDir(id))
	if err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{
		runfolder.ScenarioFile:   "agents: []\n",
		runfolder.EventsFile:     `{"kind":"x"}` + "\n",
		runfolder.MetricsCSVFile: "day,phi_t,delta_t,G_t\n1,0.5,0.25,3\n2,1,0,0\n",
	} {
		if err := w.WriteFile(name, []byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.Commit(&runfolder.Manifest{Version: runfolder.ManifestVersion, RunID: id, Status: runfolder.StatusCompleted,
		PhiTotal: "0.75", DeltaTotal: "0.125", TimeToStability: "2"}); err != nil {
		t.Fatal(err)
	}
	w.Close()
	d, err := st.CheckRun(id, Known{}, CheckFull)
	if err != nil {
		t.Fatal(err)
	}
	j, err := st.OpenJournal(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if err := j.Append(Record{Kind: KindRun, Run: id, Plan: plan, Key: "k", Phase: "grid", Seed: 7, Params: [4]string{"1", "2", "0", "0"}, S1: "10", L0: "5", Exec: true},
		DoneRecord(id, d)); err != nil {
		t.Fatal(err)
	}
	if runs, done, failed := j.Counts(plan); runs != 1 || done != 1 || failed != 0 {
		t.Errorf("Counts = %d, %d, %d; want 1 run, done", runs, done, failed)
	}
	if runs, _, _ := j.Counts("other"); runs != 0 {
		t.Errorf("Counts of another plan = %d runs", runs)
	}
	c := Constants{NAgents: "5", MaturityDays: "3", QTotal: "100", DefaultHandling: "expel-agent", DealerEnabled: "False"}
	rebuild := func(how Check) (*Views, string, string) {
		t.Helper()
		v, err := st.Rebuild(context.Background(), j, plan, c, how)
		if err != nil {
			t.Fatal(err)
		}
		reg, err := os.ReadFile(st.Path(RegistryFile))
		if err != nil {
			t.Fatal(err)
		}
		res, err := os.ReadFile(st.Path(ResultsFile))
		if err != nil {
			t.Fatal(err)
		}
		return v, string(reg), string(res)
	}
	v, refReg, refRes := rebuild(CheckQuick)
	if v.Completed != 1 || v.Damaged != 0 {
		t.Fatalf("checked: %+v", v)
	}

	// Sealed, then the manifest removed: Rebuild does not look.
	j.Sealed(id, d)
	if err := os.Remove(filepath.Join(st.RunDir(id), runfolder.ManifestFile)); err != nil {
		t.Fatal(err)
	}
	v, reg, res := rebuild(CheckQuick)
	if v.Completed != 1 || v.Damaged != 0 || reg != refReg || res != refRes {
		t.Errorf("sealed: %+v\nregistry\n%s\nwant\n%s\nresults\n%s\nwant\n%s", v, reg, refReg, res, refRes)
	}
	// A full check does, finds the damage, and journals it (which
	// forgets the seal: the run is pending).
	if v, _, _ = rebuild(CheckFull); v.Completed != 0 || v.Damaged != 1 {
		t.Errorf("full check after the damage: %+v", v)
	}
	if runs, done, _ := j.Counts(plan); runs != 1 || done != 0 {
		t.Errorf("Counts after the damage = %d runs, %d done", runs, done)
	}
	if v, _, _ = rebuild(CheckQuick); v.Completed != 0 {
		t.Errorf("quick check after the damage was journaled: %+v", v)
	}
	if _, ok := j.InPlan(plan).At(0).sealedFiles(); ok {
		t.Errorf("the seal survived a later record")
	}
	// A run the journal does not hold done is not sealed.
	j.Sealed(id, d)
	if _, ok := j.InPlan(plan).At(0).sealedFiles(); ok {
		t.Errorf("a pending run was sealed")
	}
}

// Reading a journal and scanning the runs folder stop when the context is
// done (a million runs take seconds), so that Ctrl-C stops a sweep at once.
func TestJournalAndScanStopOnCancel(t *testing.T) {
	st := writeRun(t, "grid_0123456789ab")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := st.OpenJournal(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("OpenJournal: %v", err)
	}
	if _, err := st.ReadJournal(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("ReadJournal: %v", err)
	}
	if _, err := st.RemoveTempRuns(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("RemoveTempRuns: %v", err)
	}
}
