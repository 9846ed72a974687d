package runfolder

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// listTree returns the names under dir, recursively, relative to it.
func listTree(t *testing.T, dir string) []string {
	t.Helper()
	var names []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != dir {
			rel, _ := filepath.Rel(dir, p)
			names = append(names, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// writeRunFolder writes the run folder name in runs with files (each
// holding its own name) and seals it; with seal false it closes the
// writer before sealing.
func writeRunFolder(t *testing.T, runs *Runs, name string, seal bool, files ...string) (*Sealed, error) {
	t.Helper()
	w, err := runs.NewRun(name)
	if err != nil {
		return nil, err
	}
	defer w.Close()
	if dir := filepath.Base(w.Dir()); !IsTemp(dir) {
		t.Errorf("the folder is written as %s, not under a temporary name", dir)
	}
	for _, f := range files {
		if err := w.WriteFile(f, []byte(f)); err != nil {
			t.Fatal(err)
		}
	}
	if !seal {
		return nil, nil
	}
	return w.Commit(&Manifest{RunID: name, Status: StatusCompleted})
}

// A run folder made by Runs.NewRun appears whole once sealed, replaces
// whatever folder had its name, and leaves nothing behind when it fails.
func TestRunsNewRun(t *testing.T) {
	parent := filepath.Join(t.TempDir(), "a", "runs") // made by OpenRuns
	runs, err := OpenRuns(parent)
	if err != nil {
		t.Fatal(err)
	}
	defer runs.Close()
	dir := filepath.Join(parent, "run")

	if ok, err := runs.Exists("run"); ok || err != nil {
		t.Fatalf("Exists of nothing: %v, %v", ok, err)
	}
	// Absent: created with the content, and it verifies.
	s, err := writeRunFolder(t, runs, "run", true, ScenarioFile, EventsFile)
	if err != nil {
		t.Fatal(err)
	}
	if s.Dir != dir {
		t.Errorf("sealed folder %s, want %s", s.Dir, dir)
	}
	if got, want := listTree(t, parent), []string{"run", "run/manifest.json", "run/out", "run/out/events.jsonl", "run/scenario.yaml"}; !slices.Equal(got, want) {
		t.Errorf("first run: %v, want %v", got, want)
	}
	if _, err := Check(dir, s.SHA256, s.Fingerprint); err != nil {
		t.Errorf("the folder does not check: %v", err)
	}
	if st, err := os.Stat(dir); err != nil || st.Mode().Perm() != 0o755 {
		t.Errorf("the new folder: %v, %v; want mode 0755", st, err)
	}
	if ok, err := runs.Exists("run"); !ok || err != nil {
		t.Errorf("Exists of the run: %v, %v", ok, err)
	}
	// Present: replaced as a whole, nothing of the old content survives.
	if _, err := writeRunFolder(t, runs, "run", true, MetricsCSVFile); err != nil {
		t.Fatal(err)
	}
	if got, want := listTree(t, parent), []string{"run", "run/manifest.json", "run/out", "run/out/metrics.csv"}; !slices.Equal(got, want) {
		t.Errorf("replaced: %v, want %v", got, want)
	}
	// Closed before it was sealed: the folder stays as it was and nothing
	// is left beside it.
	if _, err := writeRunFolder(t, runs, "run", false, ScenarioFile); err != nil {
		t.Fatal(err)
	}
	if got, want := listTree(t, parent), []string{"run", "run/manifest.json", "run/out", "run/out/metrics.csv"}; !slices.Equal(got, want) {
		t.Errorf("after an unsealed write: %v, want %v", got, want)
	}
	if _, err := Verify(dir); err != nil {
		t.Errorf("the folder does not verify after an unsealed write: %v", err)
	}
	// A file in the way is refused, and left alone.
	os.WriteFile(filepath.Join(parent, "file"), []byte("x"), 0o644)
	if _, err := writeRunFolder(t, runs, "file", true, ScenarioFile); err == nil {
		t.Error("replacing a file: no error")
	}
	if got := listTree(t, parent); len(got) != 5 || !slices.Contains(got, "file") {
		t.Errorf("after refusing a file: %v", got)
	}
	if data, _ := os.ReadFile(filepath.Join(parent, "file")); string(data) != "x" {
		t.Errorf("the file in the way now holds %q", data)
	}
	// Names that are not a plain folder name are refused.
	for _, bad := range []string{"", ".", "..", "a/b", "../x"} {
		if _, err := runs.NewRun(bad); err == nil {
			t.Errorf("NewRun(%q): no error", bad)
		}
		if _, err := runs.Exists(bad); err == nil {
			t.Errorf("Exists(%q): no error", bad)
		}
	}
}

// Several run folders are written at once through one Runs.
func TestRunsConcurrent(t *testing.T) {
	runs, err := OpenRuns(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer runs.Close()
	names := []string{"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7"}
	errs := make(chan error, len(names))
	for _, n := range names {
		go func() {
			_, err := writeRunFolder(t, runs, n, true, ScenarioFile, EventsFile)
			errs <- err
		}()
	}
	for range names {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	for _, n := range names {
		if _, err := Verify(filepath.Join(runs.Dir(), n)); err != nil {
			t.Errorf("%s: %v", n, err)
		}
	}
	if got := listTree(t, runs.Dir()); len(got) != 5*len(names) {
		t.Errorf("%d names in the folder, want %d: %v", len(got), 5*len(names), got)
	}
}

// The portable way of moving a folder into place replaces a folder whole.
func TestPlaceByPath(t *testing.T) {
	parent := t.TempDir()
	for _, d := range []string{".r.tmp-1", "r", ".s.tmp-1"} {
		os.Mkdir(filepath.Join(parent, d), 0o755)
		os.WriteFile(filepath.Join(parent, d, "from-"+d), nil, 0o644)
	}
	if err := placeByPath(parent, ".r.tmp-1", "r"); err != nil {
		t.Fatal(err)
	}
	if err := placeByPath(parent, ".s.tmp-1", "s"); err != nil {
		t.Fatal(err)
	}
	if got, want := listTree(t, parent), []string{"r", "r/from-.r.tmp-1", "s", "s/from-.s.tmp-1"}; !slices.Equal(got, want) {
		t.Errorf("after placing: %v, want %v", got, want)
	}
	os.WriteFile(filepath.Join(parent, "f"), nil, 0o644)
	os.Mkdir(filepath.Join(parent, ".f.tmp-1"), 0o755)
	if err := placeByPath(parent, ".f.tmp-1", "f"); err == nil {
		t.Error("placing over a file: no error")
	}
}
