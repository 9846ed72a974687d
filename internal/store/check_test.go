package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bilancio-go/bilancio/sdk/runfolder"
)

// writeRun writes a run folder with a scenario and an events file, as an
// executor does, and returns the store.
func writeRun(t *testing.T, id string) *Store {
	t.Helper()
	st, err := Create(filepath.Join(t.TempDir(), "exp"), "exp")
	if err != nil {
		t.Fatal(err)
	}
	w, err := runfolder.Create(st.RunDir(id))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := w.WriteFile(runfolder.ScenarioFile, []byte("agents: []\n")); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteFile(runfolder.EventsFile, []byte(`{"kind":"x"}`+"\n")); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Commit(&runfolder.Manifest{Version: runfolder.ManifestVersion, RunID: id, Status: runfolder.StatusCompleted}); err != nil {
		t.Fatal(err)
	}
	return st
}

// A folder is done when its manifest verifies. Once verified, the journal's
// record of its manifest and file times lets a quick check trust it without
// hashing; any change to a file's size or time makes the quick check hash
// the files, and a file that no longer matches (or is gone) is named.
func TestCheckRun(t *testing.T) {
	const id = "grid_0123456789ab"
	events := func(st *Store) string { return filepath.Join(st.RunDir(id), "out", "events.jsonl") }
	for _, tc := range []struct {
		name   string
		damage func(t *testing.T, st *Store)
		quick  string // "" when the quick check passes
		full   string
	}{
		{name: "untouched"},
		{name: "touched", damage: func(t *testing.T, st *Store) {
			os.Chtimes(events(st), time.Now().Add(time.Hour), time.Now().Add(time.Hour))
		}},
		{name: "edited", damage: func(t *testing.T, st *Store) {
			os.WriteFile(events(st), []byte(`{"kind":"y"}`+"\n"), 0o644)
		}, quick: "out/events.jsonl: wrong checksum", full: "out/events.jsonl: wrong checksum"},
		{name: "edited in place, times restored", damage: func(t *testing.T, st *Store) {
			fi, _ := os.Stat(events(st))
			os.WriteFile(events(st), []byte(`{"kind":"y"}`+"\n"), 0o644)
			os.Chtimes(events(st), fi.ModTime(), fi.ModTime())
		}, full: "out/events.jsonl: wrong checksum"},
		{name: "truncated", damage: func(t *testing.T, st *Store) {
			os.WriteFile(events(st), nil, 0o644)
		}, quick: "out/events.jsonl: wrong size (0 bytes, the manifest says 13)", full: "out/events.jsonl: wrong size"},
		{name: "out removed", damage: func(t *testing.T, st *Store) {
			os.RemoveAll(filepath.Dir(events(st)))
		}, quick: "out/events.jsonl: missing", full: "out/events.jsonl: missing"},
		{name: "manifest removed", damage: func(t *testing.T, st *Store) {
			os.Remove(filepath.Join(st.RunDir(id), runfolder.ManifestFile))
		}, quick: "manifest.json is missing", full: "manifest.json is missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := writeRun(t, id)
			d, err := st.CheckRun(id, Known{}, CheckFull)
			if err != nil {
				t.Fatalf("a fresh folder does not verify: %v", err)
			}
			if q, err := st.CheckRun(id, Known{d.SHA256, d.Fingerprint}, CheckQuick); err != nil || q.Fingerprint != d.Fingerprint || q.SHA256 != d.SHA256 {
				t.Fatalf("quick check: %+v, %v", q, err)
			}
			// Times must move for a change to be seen.
			time.Sleep(10 * time.Millisecond)
			if tc.damage != nil {
				tc.damage(t, st)
			}
			for _, c := range []struct {
				how  Check
				want string
			}{{CheckQuick, tc.quick}, {CheckFull, tc.full}} {
				_, err := st.CheckRun(id, Known{Manifest: d.SHA256, Fingerprint: d.Fingerprint}, c.how)
				switch {
				case c.want == "" && err != nil:
					t.Errorf("check %d: %v, want done", c.how, err)
				case c.want != "" && (err == nil || !strings.Contains(DamageReason(err), c.want)):
					t.Errorf("check %d: %v, want %q", c.how, err, c.want)
				}
			}
		})
	}
	st := writeRun(t, id)
	if _, err := st.CheckRun("grid_000000000000", Known{}, CheckQuick); !NotRun(err) || DamageReason(err) != "manifest.json is missing" {
		t.Errorf("a run never written: %v, want no manifest", err)
	}
}

// Temporary files of a killed process go, in the store's folders and the
// runs named; nothing else does.
func TestRemoveTemp(t *testing.T) {
	const id = "grid_0123456789ab"
	st := writeRun(t, id)
	temps := []string{
		filepath.Join(st.RunDir(id), ".run.html.tmp-123"),
		filepath.Join(st.RunDir(id), "out", ".metrics.csv.tmp-9"),
		st.Path("registry/.experiments.csv.tmp-1"),
		st.Path("aggregate/.results.csv.tmp-2"),
		st.Path(".experiment.json.tmp-3"),
	}
	keep := []string{st.Path("registry/journal.jsonl"), filepath.Join(st.RunDir(id), runfolder.ManifestFile), st.Path(".lock")}
	for _, p := range append(temps, keep...) {
		os.WriteFile(p, []byte("x"), 0o644)
	}
	n, err := st.RemoveTemp(context.Background(), id)
	if err != nil || n != len(temps) {
		t.Fatalf("removed %d, %v; want %d", n, err, len(temps))
	}
	for _, p := range temps {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s survived", p)
		}
	}
	for _, p := range keep {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s was removed", p)
		}
	}
}

// RemoveRun clears the run's folder; RemoveTemp (and RemoveTempRuns) the
// folders killed writers left beside run folders (runfolder.Runs.NewRun's
// .<id>.tmp-*), and nothing else of the runs folder.
func TestRemoveRun(t *testing.T) {
	const id = "grid_0123456789ab"
	st := writeRun(t, id)
	stale := filepath.Join(st.Path(RunsDir), "."+id+".tmp-42")
	other := filepath.Join(st.Path(RunsDir), ".grid_0123456789ac.tmp-1")
	for _, d := range []string{stale, other} {
		if err := os.MkdirAll(filepath.Join(d, "out"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	const kept = "grid_0123456789ad"
	if err := os.MkdirAll(st.RunDir(kept), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := st.RemoveRun(id); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(st.RunDir(id)); err == nil {
		t.Errorf("the run's folder survived")
	}
	if _, err := os.Stat(stale); err != nil {
		t.Errorf("RemoveRun read the runs folder: %v", err)
	}
	n, err := st.RemoveTemp(context.Background())
	if err != nil || n != 2 {
		t.Fatalf("RemoveTemp removed %d, %v; want the 2 folders", n, err)
	}
	for _, d := range []string{stale, other} {
		if _, err := os.Stat(d); err == nil {
			t.Errorf("%s survived", d)
		}
	}
	if _, err := os.Stat(st.RunDir(kept)); err != nil {
		t.Errorf("another run's folder was removed: %v", err)
	}
	if n, err := st.RemoveTempRuns(context.Background()); err != nil || n != 0 {
		t.Errorf("a second RemoveTempRuns: %d, %v", n, err)
	}
}

// RemoveTempRuns reads a runs folder of more entries than one slice of
// ReadDir, and finds the temporary folders among them; a store without a
// runs folder has none.
func TestRemoveTempRunsLargeFolder(t *testing.T) {
	st := writeRun(t, "grid_0123456789ab")
	var temps []string
	for i := range 10000 {
		name := fmt.Sprintf("grid_%012x", i)
		if i%997 == 0 {
			name = "." + name + ".tmp-7"
			temps = append(temps, name)
		}
		if err := os.Mkdir(filepath.Join(st.Path(RunsDir), name), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	n, err := st.RemoveTempRuns(context.Background())
	if err != nil || n != len(temps) {
		t.Fatalf("removed %d, %v; want %d", n, err, len(temps))
	}
	ents, err := os.ReadDir(st.Path(RunsDir))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if runfolder.IsTemp(e.Name()) {
			t.Errorf("%s survived", e.Name())
		}
	}
	if len(ents) != 10000+1-len(temps) {
		t.Errorf("%d entries left, want %d", len(ents), 10000+1-len(temps))
	}
	empty := &Store{Dir: t.TempDir()}
	if n, err := empty.RemoveTempRuns(context.Background()); err != nil || n != 0 {
		t.Errorf("no runs folder: %d, %v", n, err)
	}
}

// A folder answers for the names inside it, nested ones too; one that
// cannot be opened answers by full paths.
func TestFolderExists(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "run", "out"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "run", "manifest.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{dir, filepath.Join(dir, "missing")} {
		f := openFolder(d)
		for name, want := range map[string]bool{"run/manifest.json": d == dir, "run/out": d == dir, "run/nothing.json": false, "other/manifest.json": false} {
			if got := f.exists(name); got != want {
				t.Errorf("%s: exists(%q) = %v, want %v", d, name, got, want)
			}
		}
		f.close()
	}
}
