package runfolder

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// CreateNew writes each file in place (no temporary name is ever made)
// and seals a folder that verifies, with the same manifest as Create.
func TestCreateNew(t *testing.T) {
	dir := t.TempDir()
	w, err := CreateNew(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	files := map[string]string{ScenarioFile: "version: 1\n", EventsFile: "{}\n", MetricsCSVFile: "day\n"}
	for _, name := range []string{ScenarioFile, EventsFile, MetricsCSVFile} {
		if err := w.WriteFile(name, []byte(files[name])); err != nil {
			t.Fatal(err)
		}
		ents, _ := os.ReadDir(filepath.Join(dir, filepath.Dir(filepath.FromSlash(name))))
		for _, e := range ents {
			if IsTemp(e.Name()) {
				t.Errorf("a temporary file %s was made", e.Name())
			}
		}
	}
	if err := w.WriteFile(EventsFile, []byte("again")); err == nil {
		t.Error("a file written twice")
	}
	sealed, err := w.Commit(&Manifest{RunID: "r", Status: StatusCompleted})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range sealed.Manifest.Files {
		names = append(names, f.Name)
		if f.SHA256 != SHA256([]byte(files[f.Name])) || f.Size != int64(len(files[f.Name])) {
			t.Errorf("%s: manifest entry %+v", f.Name, f)
		}
	}
	if !slices.Equal(names, []string{ScenarioFile, EventsFile, MetricsCSVFile}) {
		t.Errorf("manifest lists %v", names)
	}
	if _, err := Verify(dir); err != nil {
		t.Errorf("the folder does not verify: %v", err)
	}
	if _, err := Check(dir, sealed.SHA256, sealed.Fingerprint); err != nil {
		t.Errorf("the folder does not check: %v", err)
	}
	if _, err := CreateNew(filepath.Join(dir, "absent")); err == nil {
		t.Error("CreateNew of a missing folder")
	}
}
