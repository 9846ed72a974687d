package runner

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bilancio-go/bilancio/internal/artifacts"
	"github.com/bilancio-go/bilancio/internal/engine"
	"github.com/bilancio-go/bilancio/sdk"
	"github.com/bilancio-go/bilancio/sdk/runfolder"
)

// folderFiles returns the files of a run folder by slash name, the
// manifest left out (it carries times).
func folderFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if rel == runfolder.ManifestFile {
			return nil
		}
		b, err := os.ReadFile(path)
		files[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func keys(m map[string]string) []string {
	var k []string
	for name := range m {
		k = append(k, name)
	}
	slices.Sort(k)
	return k
}

// TestArtifactsKeptAndRebuilt runs a ring keeping each set of files, checks
// the folder and its manifest hold exactly that set, then rebuilds the rest
// and compares every file, byte for byte, with the run that kept
// everything.
func TestArtifactsKeptAndRebuilt(t *testing.T) {
	scenario := ringScenario(t, 10)
	ctx := context.Background()
	root := t.TempDir()
	run := func(mode string) string {
		dir := filepath.Join(root, "run_"+mode)
		if _, err := Run(ctx, Request{ScenarioName: "ring.yaml", Scenario: scenario, OutDir: dir, HTML: true, Artifacts: mode}); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	full := folderFiles(t, run(sdk.ArtifactsAll))
	if _, ok := full[artifacts.RunHTMLFile]; !ok || len(full) != 8 {
		t.Fatalf("a run keeping everything has %v", keys(full))
	}
	for _, tc := range []struct {
		mode string
		want []string
	}{
		{sdk.ArtifactsNoHTML, []string{"out/balances.csv", "out/events.jsonl", "out/metrics.csv", "out/metrics.json", "out/metrics_ds.csv", "out/metrics_intraday.csv", "scenario.yaml"}},
		{sdk.ArtifactsAggregates, []string{"out/metrics.csv", "scenario.yaml"}},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			dir := run(tc.mode)
			if got := keys(folderFiles(t, dir)); !slices.Equal(got, tc.want) {
				t.Errorf("the folder holds %v, want %v", got, tc.want)
			}
			sealed, err := runfolder.Verify(dir)
			if err != nil {
				t.Fatal(err)
			}
			var listed []string
			for _, f := range sealed.Manifest.Files {
				listed = append(listed, f.Name)
			}
			slices.Sort(listed)
			if !slices.Equal(listed, tc.want) {
				t.Errorf("the manifest lists %v, want %v", listed, tc.want)
			}
			r, err := Rebuild(ctx, dir, engine.Options{}, false)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(r.Written, []string{artifacts.RunHTMLFile}) {
				t.Errorf("report wrote %v, want run.html only", r.Written)
			}
			if _, err := Rebuild(ctx, dir, engine.Options{}, true); err != nil {
				t.Fatal(err)
			}
			got := folderFiles(t, dir)
			if !slices.Equal(keys(got), keys(full)) {
				t.Fatalf("after report -all the folder holds %v, want %v", keys(got), keys(full))
			}
			for name, data := range full {
				if got[name] != data {
					t.Errorf("rebuilt %s differs from the one the full run kept", name)
				}
			}
			if _, err := runfolder.Verify(dir); err != nil {
				t.Errorf("the rebuilt folder no longer verifies: %v", err)
			}
		})
	}
}

// TestRebuildRefusesOtherOptions: a run made with other options than the
// rebuild's is refused, and nothing is written.
func TestRebuildRefusesOtherOptions(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	ctx := context.Background()
	_, err := Run(ctx, Request{ScenarioName: "ring.yaml", Scenario: ringScenario(t, 10), OutDir: dir,
		Options: engine.Options{MaxDays: 1}, Artifacts: sdk.ArtifactsNoHTML})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Rebuild(ctx, dir, engine.Options{}, false)
	if err == nil || !strings.Contains(err.Error(), "does not reproduce") {
		t.Fatalf("rebuild with other options: %v, want a refusal", err)
	}
	if _, err := os.Stat(filepath.Join(dir, artifacts.RunHTMLFile)); err == nil {
		t.Error("a refused rebuild wrote run.html")
	}
	if _, err := Rebuild(ctx, dir, engine.Options{MaxDays: 1}, false); err != nil {
		t.Errorf("rebuild with the run's options: %v", err)
	}
}

// TestArtifactsUnknownMode: a mode nobody knows fails the run before
// anything is written.
func TestArtifactsUnknownMode(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	_, err := Run(context.Background(), Request{ScenarioName: "ring.yaml", Scenario: ringScenario(t, 5), OutDir: dir, Artifacts: "some"})
	if err == nil || !strings.Contains(err.Error(), `unknown artifacts setting "some"`) {
		t.Fatalf("got %v", err)
	}
	if _, err := os.Stat(dir); err == nil {
		t.Error("the folder was created")
	}
}

// A run folder that kept everything but lost some files since (cleaned, or
// copied in part) gets them back, run.html included, and verifies again;
// one whose data file was changed is refused.
func TestRebuildRestoresRemovedFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	ctx := context.Background()
	if _, err := Run(ctx, Request{ScenarioName: "ring.yaml", Scenario: ringScenario(t, 10), OutDir: dir, HTML: true}); err != nil {
		t.Fatal(err)
	}
	full := folderFiles(t, dir)
	for _, f := range []string{artifacts.RunHTMLFile, artifacts.EventsFile} {
		if err := os.Remove(filepath.Join(dir, filepath.FromSlash(f))); err != nil {
			t.Fatal(err)
		}
	}
	r, err := Rebuild(ctx, dir, engine.Options{}, false)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(r.Written)
	if want := []string{artifacts.EventsFile, artifacts.RunHTMLFile}; !slices.Equal(r.Written, want) {
		t.Errorf("wrote %v, want %v", r.Written, want)
	}
	got := folderFiles(t, dir)
	for name, data := range full {
		if got[name] != data {
			t.Errorf("%s differs after the rebuild", name)
		}
	}
	if _, err := runfolder.Verify(dir); err != nil {
		t.Errorf("the folder does not verify: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(artifacts.MetricsCSVFile)), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Rebuild(ctx, dir, engine.Options{}, false); err == nil || !strings.Contains(err.Error(), "not a complete run folder") {
		t.Errorf("a changed data file: %v", err)
	}
}
