package store

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bilancio-go/bilancio/internal/artifacts"
)

// writeRun writes a run folder with a scenario, an events file and a
// manifest listing them, and returns the store.
func writeRun(t *testing.T, id string) *Store {
	t.Helper()
	st, err := Create(filepath.Join(t.TempDir(), "exp"), "exp")
	if err != nil {
		t.Fatal(err)
	}
	dir := st.RunDir(id)
	files := map[string]string{artifacts.ScenarioFile: "agents: []\n", artifacts.EventsFile: `{"kind":"x"}` + "\n"}
	m := artifacts.Manifest{Version: 1, RunID: id, Status: "completed", PhiTotal: "0.5", DeltaTotal: "0.5"}
	for _, name := range []string{artifacts.ScenarioFile, artifacts.EventsFile} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(files[name]), 0o644); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256([]byte(files[name]))
		m.Files = append(m.Files, artifacts.ManifestEntry{Name: name, Size: int64(len(files[name])), SHA256: hex.EncodeToString(sum[:])})
	}
	b, _ := json.Marshal(&m)
	if err := os.WriteFile(filepath.Join(dir, artifacts.ManifestFile), b, 0o644); err != nil {
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
		}, quick: "out/events.jsonl does not match its checksum", full: "out/events.jsonl does not match its checksum"},
		{name: "edited in place, times restored", damage: func(t *testing.T, st *Store) {
			fi, _ := os.Stat(events(st))
			os.WriteFile(events(st), []byte(`{"kind":"y"}`+"\n"), 0o644)
			os.Chtimes(events(st), fi.ModTime(), fi.ModTime())
		}, full: "out/events.jsonl does not match its checksum"},
		{name: "truncated", damage: func(t *testing.T, st *Store) {
			os.WriteFile(events(st), nil, 0o644)
		}, quick: "out/events.jsonl has 0 bytes, its manifest says 13", full: "out/events.jsonl has 0 bytes"},
		{name: "out removed", damage: func(t *testing.T, st *Store) {
			os.RemoveAll(filepath.Dir(events(st)))
		}, quick: "out/events.jsonl is missing", full: "out/events.jsonl is missing"},
		{name: "manifest removed", damage: func(t *testing.T, st *Store) {
			os.Remove(filepath.Join(st.RunDir(id), artifacts.ManifestFile))
		}, quick: "its manifest.json is missing", full: "its manifest.json is missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := writeRun(t, id)
			d, err := st.CheckRun(id, Known{}, CheckFull)
			if err != nil {
				t.Fatalf("a fresh folder does not verify: %v", err)
			}
			if w, err := st.CheckRun(id, Known{}, CheckWritten); err != nil || w.Files != d.Files || w.SHA256 != d.SHA256 {
				t.Fatalf("written check: %+v, %v", w, err)
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
				_, err := st.CheckRun(id, Known{Manifest: d.SHA256, Files: d.Files}, c.how)
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
	if _, err := st.CheckRun("grid_000000000000", Known{}, CheckQuick); !errors.Is(err, ErrNotRun) {
		t.Errorf("a run never written: %v, want ErrNotRun", err)
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
	keep := []string{st.Path("registry/journal.jsonl"), filepath.Join(st.RunDir(id), artifacts.ManifestFile), st.Path(".lock")}
	for _, p := range append(temps, keep...) {
		os.WriteFile(p, []byte("x"), 0o644)
	}
	n, err := st.RemoveTemp(id)
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
