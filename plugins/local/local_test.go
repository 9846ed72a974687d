package local

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/bilancio-go/bilancio/sdk"
)

func TestDescribe(t *testing.T) {
	info, err := New().Describe(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if info.Name != "local" || info.Version != Version() || info.SDKVersion != sdk.Version || !slices.Equal(info.ProtocolVersions, []int{sdk.ProtocolVersion}) {
		t.Errorf("identity %+v", info)
	}
	want := sdk.Capabilities{Cancel: true, Artifacts: true, MaxParallelHint: runtime.NumCPU()}
	if info.Capabilities != want {
		t.Errorf("capabilities %+v, want %+v", info.Capabilities, want)
	}
	var schema []string
	for _, a := range info.ConfigSchema {
		schema = append(schema, a.Name+":"+a.Type)
	}
	if !slices.Equal(schema, []string{"parallel:number", "root:string"}) {
		t.Errorf("schema %v", schema)
	}
}

func TestConfigure(t *testing.T) {
	tests := []struct {
		json     string
		parallel int // 0: the default
		root     string
		err      string
	}{
		{json: ``},
		{json: `{}`},
		{json: `{"parallel": 3, "root": "out/experiments"}`, parallel: 3, root: "out/experiments"},
		{json: `{"parallel": 2.0}`, parallel: 2},
		{json: `{"parallel": 2.5}`, err: "parallel must be a whole number >= 1, got 2.5"},
		{json: `{"parallel": 0}`, err: "parallel must be a whole number >= 1, got 0"},
		{json: `{"parallel": -2}`, err: "got -2"},
		{json: `{"parallel": 1e12}`, err: "got 1e+12"},
		{json: `{"parallel": "4"}`, err: `attribute "parallel" (from the configuration): want a number, got "4"`},
		{json: `{"parallel": null}`, err: "want a number, got null"},
		{json: `{"root": 5}`, err: `attribute "root" (from the configuration): want a string, got 5`},
		{json: `{"root": ""}`, err: "root must not be empty"},
		{json: `{"cpu": 2}`, err: `unknown attribute "cpu"`},
		{json: `null`, err: "the configuration must be a JSON object"},
		{json: `[1]`, err: "the configuration must be a JSON object"},
		{json: `{"parallel": 2`, err: "the configuration must be a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.json, func(t *testing.T) {
			e := New()
			err := e.Configure(t.Context(), &sdk.Config{JSON: []byte(tt.json)})
			if tt.err != "" {
				if !errors.Is(err, sdk.ErrInvalidConfig) || !strings.Contains(err.Error(), tt.err) {
					t.Errorf("error %v, want ErrInvalidConfig containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			parallel, root := e.config()
			if tt.parallel == 0 {
				tt.parallel = runtime.NumCPU()
			}
			if tt.root == "" {
				tt.root = "."
			}
			if parallel != tt.parallel || root != tt.root {
				t.Errorf("parallel %d root %q, want %d %q", parallel, root, tt.parallel, tt.root)
			}
		})
	}
}

func TestEstimate(t *testing.T) {
	e := New()
	if err := e.Configure(t.Context(), &sdk.Config{JSON: []byte(`{"parallel": 4}`)}); err != nil {
		t.Fatal(err)
	}
	got, err := e.Estimate(t.Context(), &sdk.EstimateRequest{Runs: 10, SecondsPerRun: 2})
	if err != nil {
		t.Fatal(err)
	}
	if got.Cost != 0 || got.Seconds != 5 || got.Currency != "USD" {
		t.Errorf("estimate %+v, want cost 0 and 5 s", got)
	}
	if _, err := e.Estimate(t.Context(), &sdk.EstimateRequest{Runs: -1}); err == nil {
		t.Error("negative runs estimated")
	}
}

// artifactRoot configures e with a root holding a small experiment store and
// a secret file beside the root, and returns the root.
func artifactRoot(t *testing.T, e *Executor) string {
	t.Helper()
	dir := t.TempDir()
	root := filepath.Join(dir, "root")
	for name, data := range map[string]string{
		"exp/runs/r1/manifest.json":    "{}",
		"exp/runs/r1/out/events.jsonl": "e1\n",
		"exp/runs/r10/manifest.json":   "{}",
		"exp/runs/s1/manifest.json":    "{}",
		"other/x":                      "x",
		"../secret":                    "secret",
	} {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(filepath.Join(dir, "secret"), filepath.Join(root, "link")); err != nil {
		t.Fatal(err)
	}
	if err := e.Configure(t.Context(), &sdk.Config{JSON: []byte(`{"root": "` + root + `"}`)}); err != nil {
		t.Fatal(err)
	}
	return root
}

func TestList(t *testing.T) {
	e := New()
	artifactRoot(t, e)
	tests := []struct {
		prefix string
		want   []string // directories end with "/"
	}{
		{"exp/runs/r1", []string{"exp/runs/r1/", "exp/runs/r1/manifest.json", "exp/runs/r1/out/", "exp/runs/r1/out/events.jsonl", "exp/runs/r10/", "exp/runs/r10/manifest.json"}},
		{"exp/runs/r1/", []string{"exp/runs/r1/manifest.json", "exp/runs/r1/out/", "exp/runs/r1/out/events.jsonl"}},
		{"exp/runs/s", []string{"exp/runs/s1/", "exp/runs/s1/manifest.json"}},
		{"oth", []string{"other/", "other/x"}},
		{"exp/runs/r1/manifest.json", []string{"exp/runs/r1/manifest.json"}},
		{"", []string{"exp/", "exp/runs/", "exp/runs/r1/", "exp/runs/r1/manifest.json", "exp/runs/r1/out/", "exp/runs/r1/out/events.jsonl", "exp/runs/r10/", "exp/runs/r10/manifest.json", "exp/runs/s1/", "exp/runs/s1/manifest.json", "link", "other/", "other/x"}},
		{"nothing/here", nil},
		{"exp/runs/z", nil},
	}
	for _, tt := range tests {
		t.Run(tt.prefix, func(t *testing.T) {
			entries, err := e.List(t.Context(), &sdk.ListRequest{Prefix: tt.prefix})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, ent := range entries {
				p := ent.Path
				if ent.IsDir {
					p += "/"
				}
				got = append(got, p)
				if ent.Path == "exp/runs/r1/out/events.jsonl" && ent.Size != 3 {
					t.Errorf("size %d, want 3", ent.Size)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestFetch(t *testing.T) {
	e := New()
	artifactRoot(t, e)
	var b bytes.Buffer
	if err := e.Fetch(t.Context(), &sdk.FetchRequest{Path: "exp/runs/r1/out/events.jsonl"}, &b); err != nil {
		t.Fatal(err)
	}
	if b.String() != "e1\n" {
		t.Errorf("fetched %q", b.String())
	}
	if err := e.Fetch(t.Context(), &sdk.FetchRequest{Path: "exp/runs/r2/manifest.json"}, &b); !errors.Is(err, sdk.ErrNotFound) {
		t.Errorf("fetching a missing file: %v, want ErrNotFound", err)
	}
	if err := e.Fetch(t.Context(), &sdk.FetchRequest{Path: "exp/runs"}, &b); err == nil || !strings.Contains(err.Error(), "directory") {
		t.Errorf("fetching a directory: %v", err)
	}
}

func TestRemove(t *testing.T) {
	e := New()
	root := artifactRoot(t, e)
	exists := func(p string) bool {
		_, err := os.Lstat(filepath.Join(root, filepath.FromSlash(p)))
		return err == nil
	}
	if err := e.Remove(t.Context(), &sdk.RemoveRequest{Path: "exp/runs/r1"}); err == nil || !exists("exp/runs/r1") {
		t.Errorf("removed a non-empty directory without Recursive: %v", err)
	}
	if err := e.Remove(t.Context(), &sdk.RemoveRequest{Path: "exp/runs/r1/manifest.json"}); err != nil || exists("exp/runs/r1/manifest.json") {
		t.Errorf("removing a file: %v", err)
	}
	if err := e.Remove(t.Context(), &sdk.RemoveRequest{Path: "exp/runs/r1", Recursive: true}); err != nil || exists("exp/runs/r1") || !exists("exp/runs/r10") {
		t.Errorf("removing a tree: %v", err)
	}
	if err := e.Remove(t.Context(), &sdk.RemoveRequest{Path: "exp/runs/r1", Recursive: true}); !errors.Is(err, sdk.ErrNotFound) {
		t.Errorf("removing a missing tree: %v, want ErrNotFound", err)
	}
	for _, p := range []string{"", ".", "exp/.."} {
		if err := e.Remove(t.Context(), &sdk.RemoveRequest{Path: p, Recursive: true}); err == nil || !exists("exp") {
			t.Errorf("removing the root as %q: %v", p, err)
		}
	}
	if err := e.Remove(t.Context(), &sdk.RemoveRequest{Path: "link"}); err != nil || !exists("../secret") {
		t.Errorf("removing a symlink removed its target or failed: %v", err)
	}
}

// No path reaches outside the root, whether by "..", an absolute path or a
// symbolic link.
func TestArtifactsStayInTheRoot(t *testing.T) {
	e := New()
	root := artifactRoot(t, e)
	secret := filepath.Join(filepath.Dir(root), "secret")
	for _, p := range []string{"../secret", "exp/../../secret", "/etc/passwd", secret, "link"} {
		var b bytes.Buffer
		if err := e.Fetch(t.Context(), &sdk.FetchRequest{Path: p}, &b); err == nil || b.Len() > 0 {
			t.Errorf("fetched %q: %q, %v", p, b.String(), err)
		}
		if err := e.Remove(t.Context(), &sdk.RemoveRequest{Path: p}); p != "link" && err == nil {
			t.Errorf("removed %q", p)
		}
	}
	for _, p := range []string{"../", "../secret", "exp/../../", "/etc/"} {
		if got, err := e.List(t.Context(), &sdk.ListRequest{Prefix: p}); err == nil {
			t.Errorf("listed %q: %v", p, got)
		}
	}
	if _, err := os.Stat(secret); err != nil {
		t.Errorf("the file outside the root is gone: %v", err)
	}
}
