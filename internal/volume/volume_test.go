package volume

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bilancio-go/bilancio/sdk"
	"github.com/bilancio-go/bilancio/sdk/runfolder"
)

// storage is an executor's storage held in memory: List, Fetch and Remove
// over a map of files (folders are implied by the paths), counting
// fetches. The other Executor methods are not used here.
type storage struct {
	sdk.Executor
	mu      sync.Mutex
	files   map[string]string
	mtime   time.Time
	fetches int
	// short makes Fetch return one byte less than listed.
	short bool
}

func newStorage(files map[string]string) *storage {
	return &storage{files: files, mtime: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (s *storage) List(_ context.Context, req *sdk.ListRequest) ([]sdk.Entry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	dirs := map[string]bool{}
	var out []sdk.Entry
	for p, body := range s.files {
		if !strings.HasPrefix(p, req.Prefix) {
			continue
		}
		out = append(out, sdk.Entry{Path: p, Size: int64(len(body)), ModTime: s.mtime})
		for d := filepath.Dir(p); d != "."; d = filepath.Dir(d) {
			if strings.HasPrefix(d, req.Prefix) && !dirs[d] {
				dirs[d] = true
				out = append(out, sdk.Entry{Path: d, IsDir: true, ModTime: s.mtime})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

func (s *storage) Fetch(_ context.Context, req *sdk.FetchRequest, w io.Writer) error {
	s.mu.Lock()
	body, ok := s.files[req.Path]
	s.fetches++
	s.mu.Unlock()
	if !ok {
		return sdk.ErrNotFound
	}
	if s.short {
		body = body[:len(body)-1]
	}
	_, err := io.WriteString(w, body)
	return err
}

func (s *storage) Remove(_ context.Context, req *sdk.RemoveRequest) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for p := range s.files {
		if p == req.Path || (req.Recursive && strings.HasPrefix(p, req.Path+"/")) {
			delete(s.files, p)
		}
	}
	return nil
}

// runFiles returns a run folder's files at dir on the storage: a.csv,
// sub/b.json and a manifest listing them (with a's checksum broken when
// corrupt).
func runFiles(t *testing.T, dir string, corrupt bool) map[string]string {
	t.Helper()
	files := map[string]string{"a.csv": "x,y\n1,2\n", "sub/b.json": `{"k":1}`}
	m := runfolder.Manifest{RunID: filepath.Base(dir), Status: "completed"}
	out := map[string]string{}
	for _, name := range []string{"a.csv", "sub/b.json"} {
		sum := sha256.Sum256([]byte(files[name]))
		if corrupt && name == "a.csv" {
			sum[0] ^= 1
		}
		m.Files = append(m.Files, runfolder.File{Name: name, Size: int64(len(files[name])), SHA256: hex.EncodeToString(sum[:])})
		out[dir+"/"+name] = files[name]
	}
	b, err := json.Marshal(&m)
	if err != nil {
		t.Fatal(err)
	}
	out[dir+"/"+runfolder.ManifestFile] = string(b)
	return out
}

// TestGet: files and folders are copied through the cache, a folder only
// with recursive, into an existing destination folder under the source's
// name; a second get of the same files fetches nothing.
func TestGet(t *testing.T) {
	files := runFiles(t, "exp/runs/r1", false)
	files["exp/note.txt"] = "hello"
	tests := []struct {
		name      string
		src       string
		destIsDir bool
		recursive bool
		wantErr   string
		// wantFile is the local file written (relative to the
		// destination's parent), for a file.
		wantFile string
		// wantFiles and wantManifests, for a folder.
		wantFiles     int
		wantManifests []string
	}{
		{name: "file", src: "exp/note.txt", wantFile: "dest"},
		{name: "file into folder", src: "exp/note.txt", destIsDir: true, wantFile: "dest/note.txt"},
		{name: "folder without -r", src: "exp/runs/r1", wantErr: "exp/runs/r1 is a folder: use 'bilancio volume get -r exp/runs/r1 "},
		{name: "folder", src: "exp/runs/r1/", recursive: true, wantFiles: 3, wantManifests: []string{"dest"}},
		{name: "folder into folder", src: "exp", destIsDir: true, recursive: true, wantFiles: 4, wantManifests: []string{"dest/exp/runs/r1"}},
		{name: "missing", src: "exp/nope", wantErr: "not found"},
		{name: "whole volume", src: "/", recursive: true, wantErr: "refusing to copy the whole volume"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := newStorage(files)
			tmp := t.TempDir()
			dest := filepath.Join(tmp, "dest")
			if tt.destIsDir {
				if err := os.Mkdir(dest, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			c := &Cache{Dir: filepath.Join(tmp, "cache")}
			for round, wantHit := range []bool{false, true} {
				if round == 1 && !tt.destIsDir {
					// Else the second get would copy into the first's folder.
					if err := os.RemoveAll(dest); err != nil {
						t.Fatal(err)
					}
				}
				res, err := Get(context.Background(), st, c, tt.src, dest, tt.recursive)
				if tt.wantErr != "" {
					if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
						t.Fatalf("Get(%s) = %v, want an error with %q", tt.src, err, tt.wantErr)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if tt.wantFile != "" {
					want := filepath.Join(tmp, filepath.FromSlash(tt.wantFile))
					if res.File != want || res.Hit != wantHit {
						t.Errorf("round %d: File, Hit = %s, %v, want %s, %v", round, res.File, res.Hit, want, wantHit)
					}
					if b, err := os.ReadFile(want); err != nil || string(b) != "hello" {
						t.Errorf("%s holds %q, %v", want, b, err)
					}
					continue
				}
				var manifests []string
				for _, m := range res.Manifests {
					rel, _ := filepath.Rel(tmp, m)
					manifests = append(manifests, filepath.ToSlash(rel))
				}
				wantHits := 0
				if wantHit {
					wantHits = tt.wantFiles
				}
				if res.Files != tt.wantFiles || res.Hits != wantHits || !reflect.DeepEqual(manifests, tt.wantManifests) {
					t.Errorf("round %d: %d files, %d hits, manifests %v; want %d, %d, %v", round, res.Files, res.Hits, manifests, tt.wantFiles, wantHits, tt.wantManifests)
				}
				for _, v := range VerifyFolders(res.Manifests) {
					if v.Err != nil || v.Manifest.RunID != "r1" || len(v.Manifest.Files) != 2 {
						t.Errorf("round %d: %s does not verify: %v", round, v.Dir, v.Err)
					}
				}
			}
			want := 1
			if tt.wantFiles > 0 {
				want = tt.wantFiles
			}
			if st.fetches != want {
				t.Errorf("%d fetches over two gets, want %d (the second from the cache)", st.fetches, want)
			}
		})
	}
}

// TestVerifyFolders: a fetched run folder whose file does not match its
// manifest does not verify.
func TestVerifyFolders(t *testing.T) {
	for _, corrupt := range []bool{false, true} {
		st := newStorage(runFiles(t, "exp/runs/r1", corrupt))
		tmp := t.TempDir()
		res, err := Get(context.Background(), st, &Cache{Dir: filepath.Join(tmp, "cache")}, "exp/runs/r1", filepath.Join(tmp, "r1"), true)
		if err != nil {
			t.Fatal(err)
		}
		v := VerifyFolders(res.Manifests)
		if len(v) != 1 || (v[0].Err != nil) != corrupt || (v[0].Manifest == nil) != corrupt {
			t.Errorf("corrupt=%v: VerifyFolders = %+v", corrupt, v)
		}
	}
}

// TestCacheGetChanged: a file fetched at another size than listed is
// refused and not cached.
func TestCacheGetChanged(t *testing.T) {
	st := newStorage(map[string]string{"f": "abc"})
	st.short = true
	tmp := t.TempDir()
	c := &Cache{Dir: filepath.Join(tmp, "cache")}
	entries, _ := st.List(context.Background(), &sdk.ListRequest{Prefix: "f"})
	_, err := c.Get(context.Background(), st, entries[0], filepath.Join(tmp, "f"))
	if err == nil || !strings.Contains(err.Error(), "changed while being fetched (2 bytes, listed with 3)") {
		t.Errorf("Get = %v", err)
	}
	if names, _ := os.ReadDir(c.Dir); len(names) != 0 {
		t.Errorf("the cache kept %d files", len(names))
	}
}

// TestGetTreeRefuses: a listing with a path leading outside the
// destination writes nothing.
func TestGetTreeRefuses(t *testing.T) {
	for _, bad := range []string{"d/../../x", "d//x", "d/./x", `d/..\..\x`} {
		tmp := t.TempDir()
		dest := filepath.Join(tmp, "dest")
		entries := []sdk.Entry{{Path: "d", IsDir: true}, {Path: "d/ok", Size: 1}, {Path: bad, Size: 1}}
		_, err := GetTree(context.Background(), newStorage(nil), &Cache{Dir: filepath.Join(tmp, "cache")}, "d", entries, dest)
		if err == nil || !strings.Contains(err.Error(), "would be written outside") {
			t.Errorf("GetTree with %q = %v", bad, err)
		}
		if _, err := os.Stat(dest); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("GetTree with %q created the destination", bad)
		}
	}
}

// TestLocalTarget: storage paths that would land outside the destination
// are refused.
func TestLocalTarget(t *testing.T) {
	dest := t.TempDir()
	tests := []struct {
		rel, want string
	}{
		{"a/b.csv", filepath.Join(dest, "a", "b.csv")},
		{"x", filepath.Join(dest, "x")},
		{"", ""}, {".", ""}, {"..", ""}, {"../x", ""}, {"a/../../x", ""}, {"/etc/passwd", ""},
		{"a//b", ""}, {"a/./b", ""}, {`a\..\..\x`, ""},
	}
	for _, tt := range tests {
		got, err := localTarget(dest, tt.rel)
		if (err == nil) != (tt.want != "") || got != tt.want {
			t.Errorf("localTarget(%q) = %q, %v; want %q", tt.rel, got, err, tt.want)
		}
	}
}

// TestMkdirInside: folders are created only inside the root, never
// through a symbolic link pointing out.
func TestMkdirInside(t *testing.T) {
	dest := t.TempDir()
	outside := t.TempDir()
	if err := os.Symlink(outside, filepath.Join(dest, "link")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		dir string
		ok  bool
	}{
		{filepath.Join(dest, "a", "b"), true},
		{dest, true},
		{filepath.Join(dest, "link", "sub"), false},
		{filepath.Join(dest, "..", "x"), false},
		{outside, false},
	}
	for _, tt := range tests {
		if err := mkdirInside(dest, tt.dir); (err == nil) != tt.ok {
			t.Errorf("mkdirInside(%s) = %v, want ok %v", tt.dir, err, tt.ok)
		}
	}
	if _, err := os.Stat(filepath.Join(outside, "sub")); !os.IsNotExist(err) {
		t.Errorf("mkdirInside created a folder outside the destination: %v", err)
	}
}

// TestStaleWorkers: every entry directly under the staged workers' folder
// but the kept ones is stale, with the bytes under it.
func TestStaleWorkers(t *testing.T) {
	entries := []sdk.Entry{
		{Path: ".bilancio", IsDir: true},
		{Path: ".bilancio/workers", IsDir: true},
		{Path: ".bilancio/workers/aa", IsDir: true},
		{Path: ".bilancio/workers/aa/bilancio", Size: 10},
		{Path: ".bilancio/workers/bb", IsDir: true},
		{Path: ".bilancio/workers/bb/bilancio", Size: 20},
		{Path: ".bilancio/workers/bb/.tmp-1", Size: 5},
		{Path: ".bilancio/workers/loose", Size: 7},
		{Path: "exp/runs/x", Size: 1},
	}
	tests := []struct {
		name string
		keep map[string]bool
		want []StaleWorker
	}{
		{"keep aa", map[string]bool{"aa": true}, []StaleWorker{{".bilancio/workers/bb", true, 25}, {".bilancio/workers/loose", false, 7}}},
		{"keep all", map[string]bool{"aa": true, "bb": true, "loose": true}, []StaleWorker{}},
		{"keep none", nil, []StaleWorker{{".bilancio/workers/aa", true, 10}, {".bilancio/workers/bb", true, 25}, {".bilancio/workers/loose", false, 7}}},
	}
	for _, tt := range tests {
		if got := StaleWorkers(entries, tt.keep); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: StaleWorkers = %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

// TestStaleExperiments: an experiment is stale when its newest entry is
// older than the cutoff; the executor's .bilancio folder and loose
// top-level files never are.
func TestStaleExperiments(t *testing.T) {
	now := time.Now()
	old := now.Add(-100 * time.Hour)
	entries := []sdk.Entry{
		{Path: "a", IsDir: true, ModTime: old},
		{Path: "a/runs/x", ModTime: old},
		{Path: "b", IsDir: true, ModTime: old},
		{Path: "b/runs/y", ModTime: now},
		{Path: ".bilancio/workers/s", ModTime: old},
		{Path: "loose.txt", ModTime: old},
	}
	tests := []struct {
		cutoff time.Time
		want   []string
	}{
		{now.Add(-time.Hour), []string{"a"}},
		{now.Add(time.Hour), []string{"a", "b"}},
		{old, nil},
	}
	for _, tt := range tests {
		if got := StaleExperiments(entries, tt.cutoff); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("StaleExperiments(%v) = %v, want %v", tt.cutoff, got, tt.want)
		}
	}
}

// TestKeptWorkers: -keep's sums (trimmed, lower-cased) win over this
// binary's, which is asked for only without them.
func TestKeptWorkers(t *testing.T) {
	tests := []struct {
		keep    string
		ownErr  error
		want    map[string]bool
		wantErr string
	}{
		{"", nil, map[string]bool{"own": true}, ""},
		{" AA , bb,,", nil, map[string]bool{"aa": true, "bb": true}, ""},
		{"aa", errors.New("no worker"), map[string]bool{"aa": true}, ""},
		{" , ", errors.New("no worker"), nil, "finding the worker this bilancio stages (name the ones to keep with -keep): no worker"},
	}
	for _, tt := range tests {
		got, err := KeptWorkers(tt.keep, func() (string, error) { return "own", tt.ownErr })
		if !reflect.DeepEqual(got, tt.want) || (err == nil) != (tt.wantErr == "") || (err != nil && err.Error() != tt.wantErr) {
			t.Errorf("KeptWorkers(%q) = %v, %v; want %v, %q", tt.keep, got, err, tt.want, tt.wantErr)
		}
	}
}

// TestRemove: RemoveWorkers and RemoveExperiments remove what they report,
// and with dryRun nothing.
func TestRemove(t *testing.T) {
	for _, dryRun := range []bool{false, true} {
		st := newStorage(map[string]string{
			sdk.StagedWorkersDir + "/aa/bilancio": "1234",
			sdk.StagedWorkersDir + "/bb/bilancio": "12",
			"exp/runs/x/a.csv":                    "1",
		})
		var got []string
		n, err := RemoveWorkers(context.Background(), st, map[string]bool{"aa": true}, dryRun, func(w StaleWorker) { got = append(got, w.Path) })
		if err != nil || n != 1 {
			t.Fatalf("RemoveWorkers = %d, %v", n, err)
		}
		err = RemoveExperiments(context.Background(), st, st.mtime.Add(time.Second), dryRun, func(exp string) { got = append(got, exp) })
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{".bilancio/workers/bb", "exp"}; !reflect.DeepEqual(got, want) {
			t.Errorf("dryRun=%v: removed %v, want %v", dryRun, got, want)
		}
		left := 1
		if dryRun {
			left = 3
		}
		if len(st.files) != left {
			t.Errorf("dryRun=%v: %d files left, want %d: %v", dryRun, len(st.files), left, st.files)
		}
	}
}

// TestCacheClear: Clear reports what the cache held and removes it
// unless dryRun; a missing cache is empty.
func TestCacheClear(t *testing.T) {
	c := &Cache{Dir: filepath.Join(t.TempDir(), "volume")}
	if u, err := c.Clear(false); err != nil || !u.Empty {
		t.Errorf("Clear of a missing cache = %+v, %v", u, err)
	}
	if err := os.MkdirAll(c.Dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{"a": "123", "b": "45"} {
		if err := os.WriteFile(filepath.Join(c.Dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, dryRun := range []bool{true, false} {
		u, err := c.Clear(dryRun)
		if err != nil || u != (CacheUse{Files: 2, Size: 5}) {
			t.Errorf("Clear(%v) = %+v, %v", dryRun, u, err)
		}
		if _, err := os.Stat(c.Dir); (err == nil) != dryRun {
			t.Errorf("Clear(%v): the cache folder: %v", dryRun, err)
		}
	}
}
