package commands

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bilancio-go/bilancio/sdk"
	"github.com/bilancio-go/bilancio/sdk/runfolder"
)

// TestVolumeCommands drives `bilancio volume ls|get|rm|cleanup` through the
// real modal plugin against a Modal emulator whose volume the test seeds.
func TestVolumeCommands(t *testing.T) {
	pluginDir, env, srv := modalSweepEmulator(t)
	bil := func(wantCode int, args ...string) string {
		t.Helper()
		out, code := runBilancio(t, env, append(args, "-plugin-dir", pluginDir)...)
		if code != wantCode {
			t.Fatalf("bilancio %s: exit %d, want %d\n%s", strings.Join(args, " "), code, wantCode, out)
		}
		if strings.Contains(out, modalTestTokenSecret) {
			t.Errorf("bilancio %s printed the token secret", strings.Join(args, " "))
		}
		return out
	}

	bil(0, "volume", "ls") // creates the volume
	vol, err := srv.VolumeDir("bilancio-results")
	if err != nil {
		t.Fatal(err)
	}
	bins, err := modalBinaries()
	if err != nil {
		t.Fatal(err)
	}
	// The worker this bilancio stages.
	current, err := runfolder.FileSHA256(bins.worker)
	if err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-60 * 24 * time.Hour)
	seed := map[string]string{
		"exp_old/runs/r1/manifest.json":              "{}",
		"exp_old/chunks/sb.json":                     "{}",
		"exp_new/runs/r2/out.txt":                    "first",
		".bilancio/workers/abc/x":                    "bin",
		".bilancio/workers/def/bilancio":             "older build",
		".bilancio/workers/" + current + "/bilancio": "this build",
	}
	maps.Copy(seed, runFolder(t, "exp_new/runs/good", "good", map[string]string{
		"metrics.csv": "day,phi\n1,0\n", "events/log.jsonl": "{}\n", "scenario.yaml": "name: ring\n",
	}, ""))
	maps.Copy(seed, runFolder(t, "exp_new/runs/bad", "bad", map[string]string{"metrics.csv": "day\n1\n"}, "metrics.csv"))
	seed["exp_new/runs/good2/other.txt"] = "not part of good"
	seed["exp_new/runs/partial/metrics.csv"] = "day\n"
	seed["exp_new/runs/partial/logs/worker.log"] = "panic: half-way\n"
	for name, body := range seed {
		p := filepath.Join(vol, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A symbolic link in a run folder is neither listed nor fetched.
	if err := os.Symlink("/etc/hostname", filepath.Join(vol, "exp_new", "runs", "good", "link")); err != nil {
		t.Fatal(err)
	}
	filepath.Walk(filepath.Join(vol, "exp_old"), func(p string, _ os.FileInfo, _ error) error {
		return os.Chtimes(p, old, old)
	})

	out := bil(0, "volume", "ls")
	if !strings.Contains(out, "exp_new/runs/r2/out.txt") || !strings.Contains(out, "exp_old/runs/r1/manifest.json") ||
		strings.Contains(out, "chunks") || strings.Contains(out, ".bilancio") {
		t.Errorf("volume ls:\n%s", out)
	}
	if out := bil(0, "volume", "ls", "-a"); !strings.Contains(out, "exp_old/chunks/sb.json") || !strings.Contains(out, ".bilancio/workers/abc/x") {
		t.Errorf("volume ls -a:\n%s", out)
	}
	if out := bil(0, "volume", "ls", "exp_new"); strings.Contains(out, "exp_old") || !strings.Contains(out, "exp_new/runs/r2/out.txt") {
		t.Errorf("volume ls exp_new:\n%s", out)
	}

	cache, dest := t.TempDir(), filepath.Join(t.TempDir(), "out.txt")
	get := func(want, how string) {
		t.Helper()
		out := bil(0, "volume", "get", "exp_new/runs/r2/out.txt", dest, "-cache-dir", cache)
		if !strings.Contains(out, how) {
			t.Errorf("volume get: %q, want %q", out, how)
		}
		if b, _ := os.ReadFile(dest); string(b) != want {
			t.Errorf("volume get wrote %q, want %q", b, want)
		}
	}
	get("first", "(fetched)")
	get("first", "(from the cache)")
	if err := os.WriteFile(filepath.Join(vol, "exp_new/runs/r2/out.txt"), []byte("second!"), 0o644); err != nil {
		t.Fatal(err)
	}
	get("second!", "(fetched)")
	if out := bil(1, "volume", "get", "../../etc/passwd", dest, "-cache-dir", cache); !strings.Contains(out, "not") {
		t.Errorf("volume get of an escaping path: %s", out)
	}
	if out := bil(1, "volume", "get", "exp_new/nothing", dest, "-cache-dir", cache); !strings.Contains(out, sdk.ErrNotFound.Error()) {
		t.Errorf("volume get of a missing file: %s", out)
	}

	// get -r of a complete run folder, into an existing folder: the layout
	// is kept, the sibling good2 is not included, the manifest verifies.
	into := t.TempDir()
	out = bil(0, "volume", "get", "-r", "exp_new/runs/good", into, "-cache-dir", cache)
	for _, want := range []string{"(4 files: 4 fetched, 0 from the cache)", "manifest.json verifies (run good, status completed, 3 files)"} {
		if !strings.Contains(out, want) {
			t.Errorf("volume get -r of a run folder: output lacks %q:\n%s", want, out)
		}
	}
	for name, body := range seed {
		rel, ok := strings.CutPrefix(name, "exp_new/runs/")
		if !ok || !strings.HasPrefix(rel, "good/") {
			continue
		}
		if b, err := os.ReadFile(filepath.Join(into, filepath.FromSlash(rel))); err != nil || string(b) != body {
			t.Errorf("volume get -r: %s is %q (%v), want %q", rel, b, err, body)
		}
	}
	if _, err := os.Lstat(filepath.Join(into, "good", "link")); !os.IsNotExist(err) {
		t.Errorf("volume get -r copied a symbolic link: %v", err)
	}
	if _, err := os.Stat(filepath.Join(into, "good2")); !os.IsNotExist(err) {
		t.Errorf("volume get -r exp_new/runs/good also copied good2: %v", err)
	}
	if f, err := runfolder.Verify(filepath.Join(into, "good")); err != nil || f.Manifest.RunID != "good" {
		t.Errorf("the fetched run folder does not verify: %v", err)
	}
	if out := bil(0, "volume", "get", "-r", "exp_new/runs/good/", into, "-cache-dir", cache); !strings.Contains(out, "(4 files: 0 fetched, 4 from the cache)") {
		t.Errorf("volume get -r again, from the cache:\n%s", out)
	}
	// A failed run's partial output, to a new folder: no manifest, said so.
	partial := filepath.Join(t.TempDir(), "partial")
	out = bil(0, "volume", "get", "-r", "exp_new/runs/partial", partial, "-cache-dir", cache)
	if !strings.Contains(out, "no manifest.json") || !strings.Contains(out, "(2 files: 2 fetched") {
		t.Errorf("volume get -r of a partial run:\n%s", out)
	}
	if b, _ := os.ReadFile(filepath.Join(partial, "logs", "worker.log")); string(b) != "panic: half-way\n" {
		t.Errorf("volume get -r of a partial run wrote logs/worker.log = %q", b)
	}
	// A manifest that does not match its files: exit 1, the files kept.
	bad := filepath.Join(t.TempDir(), "bad")
	if out := bil(1, "volume", "get", "-r", "exp_new/runs/bad", bad, "-cache-dir", cache); !strings.Contains(out, "does not verify") || !strings.Contains(out, "metrics.csv") {
		t.Errorf("volume get -r of a corrupt run:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(bad, "metrics.csv")); err != nil {
		t.Errorf("volume get -r of a corrupt run dropped its files: %v", err)
	}
	// A folder without -r, a missing folder, an escaping one, the root.
	if out := bil(1, "volume", "get", "exp_new/runs/good", t.TempDir(), "-cache-dir", cache); !strings.Contains(out, "is a folder") || !strings.Contains(out, "get -r") {
		t.Errorf("volume get of a folder without -r:\n%s", out)
	}
	if out := bil(1, "volume", "get", "-r", "exp_new/runs/none", t.TempDir(), "-cache-dir", cache); !strings.Contains(out, sdk.ErrNotFound.Error()) {
		t.Errorf("volume get -r of a missing folder:\n%s", out)
	}
	if out := bil(1, "volume", "get", "-r", "../exp_new", t.TempDir(), "-cache-dir", cache); !strings.Contains(out, "not a path inside the volume") {
		t.Errorf("volume get -r of an escaping folder:\n%s", out)
	}
	bil(1, "volume", "get", "-r", "/", t.TempDir(), "-cache-dir", cache)

	if out := bil(1, "volume", "rm", "exp_new/runs/r2"); !strings.Contains(out, "directory") {
		t.Errorf("volume rm of a folder without -r: %s", out)
	}
	bil(0, "volume", "rm", "-r", "exp_new/runs/r2")
	if _, err := os.Stat(filepath.Join(vol, "exp_new/runs/r2")); !os.IsNotExist(err) {
		t.Errorf("exp_new/runs/r2 after rm -r: %v", err)
	}
	bil(1, "volume", "rm", "-r", "/")

	// cleanup -workers keeps this bilancio's staged worker (or -keep's) and
	// touches no experiment.
	workers := filepath.Join(vol, ".bilancio", "workers")
	out = bil(0, "volume", "cleanup", "-workers", "-dry-run")
	if want := "would remove .bilancio/workers/abc (3 bytes)\nwould remove .bilancio/workers/def (11 bytes)"; strings.TrimSpace(out) != want {
		t.Errorf("volume cleanup -workers -dry-run: %q, want %q", out, want)
	}
	if out := bil(0, "volume", "cleanup", "-workers", "-dry-run", "-keep", "abc,"+current); strings.TrimSpace(out) != "would remove .bilancio/workers/def (11 bytes)" {
		t.Errorf("volume cleanup -workers -keep: %q", out)
	}
	if ents, _ := os.ReadDir(workers); len(ents) != 3 {
		t.Errorf("staged workers after the dry runs: %v", ents)
	}
	bil(0, "volume", "cleanup", "-workers")
	if ents, _ := os.ReadDir(workers); len(ents) != 1 || ents[0].Name() != current {
		t.Errorf("staged workers after cleanup -workers: %v, want only %s", ents, current)
	}
	if _, err := os.Stat(filepath.Join(vol, "exp_old")); err != nil {
		t.Errorf("cleanup -workers removed an experiment: %v", err)
	}
	if out := bil(0, "volume", "cleanup", "-workers"); strings.TrimSpace(out) != "no stale staged workers" {
		t.Errorf("volume cleanup -workers again: %q", out)
	}

	// cleanup -cache empties the local fetch cache (never the volume).
	if out := bil(0, "volume", "cleanup", "-cache", "-cache-dir", cache, "-dry-run"); !strings.Contains(out, "would remove the fetch cache") {
		t.Errorf("volume cleanup -cache -dry-run: %q", out)
	}
	if ents, _ := os.ReadDir(filepath.Join(cache, "volume")); len(ents) == 0 {
		t.Errorf("the fetch cache is empty after a dry run")
	}
	if out := bil(0, "volume", "cleanup", "-cache", "-cache-dir", cache); !strings.Contains(out, "removed the fetch cache") {
		t.Errorf("volume cleanup -cache: %q", out)
	}
	if _, err := os.Stat(filepath.Join(cache, "volume")); !os.IsNotExist(err) {
		t.Errorf("the fetch cache after cleanup -cache: %v", err)
	}
	if _, err := os.Stat(filepath.Join(vol, "exp_new", "runs", "good", "manifest.json")); err != nil {
		t.Errorf("cleanup -cache touched the volume: %v", err)
	}
	if out := bil(0, "volume", "get", "exp_new/runs/good/scenario.yaml", dest, "-cache-dir", cache); !strings.Contains(out, "(fetched)") {
		t.Errorf("volume get after cleanup -cache: %q", out)
	}

	if out := bil(0, "volume", "cleanup", "-older-than", "720h", "-dry-run"); strings.TrimSpace(out) != "would remove exp_old" {
		t.Errorf("volume cleanup -dry-run: %q", out)
	}
	if _, err := os.Stat(filepath.Join(vol, "exp_old")); err != nil {
		t.Errorf("exp_old after a dry run: %v", err)
	}
	bil(0, "volume", "cleanup", "-older-than", "720h")
	if _, err := os.Stat(filepath.Join(vol, "exp_old")); !os.IsNotExist(err) {
		t.Errorf("exp_old after cleanup: %v", err)
	}
	if _, err := os.Stat(filepath.Join(vol, "exp_new")); err != nil {
		t.Errorf("exp_new after cleanup: %v", err)
	}
}

// runFolder returns the files of a run folder dir (volume paths → bodies)
// with a manifest.json for run id; corrupt names a file whose recorded
// checksum is made wrong.
func runFolder(t *testing.T, dir, id string, files map[string]string, corrupt string) map[string]string {
	t.Helper()
	m := runfolder.Manifest{Version: runfolder.ManifestVersion, RunID: id, Status: "completed", Executor: "modal"}
	out := map[string]string{}
	for name, body := range files {
		sum := sha256.Sum256([]byte(body))
		if name == corrupt {
			sum[0] ^= 1
		}
		m.Files = append(m.Files, runfolder.File{Name: name, Size: int64(len(body)), SHA256: hex.EncodeToString(sum[:])})
		out[dir+"/"+name] = body
	}
	b, err := json.Marshal(&m)
	if err != nil {
		t.Fatal(err)
	}
	out[dir+"/"+runfolder.ManifestFile] = string(b)
	return out
}
