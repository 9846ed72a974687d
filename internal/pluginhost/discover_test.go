package pluginhost

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bilancio-go/bilancio/sdk/runfolder"
	"github.com/hashicorp/go-hclog"
)

// fakePlugin writes a file that discovery takes for a plugin (it is never
// run): executable, with a checksum beside it when withSum.
func fakePlugin(t *testing.T, dir, name string, withSum bool) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, BinaryName(name))
	if err := os.WriteFile(path, []byte("#!/bin/sh\n# "+dir+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if withSum {
		sum, err := runfolder.FileSHA256(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, SumName(name)), []byte(sum+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

// testLayout is a set of search directories, one per source, in temp dirs.
type testLayout struct {
	dirs map[Source]string
	opts Options
}

func newLayout(t *testing.T) *testLayout {
	root := t.TempDir()
	l := &testLayout{dirs: map[Source]string{
		SourceFlag:       filepath.Join(root, "flag"),
		SourceEnv:        filepath.Join(root, "env"),
		SourceProject:    filepath.Join(root, "work", ".bilancio", "plugins"),
		SourceUser:       filepath.Join(root, "home", ".bilancio", "plugins"),
		SourceExecutable: filepath.Join(root, "exe"),
	}}
	for _, d := range l.dirs {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	env := map[string]string{EnvPluginPath: l.dirs[SourceEnv]}
	l.opts = Options{
		PluginDir: l.dirs[SourceFlag],
		Getenv:    func(k string) string { return env[k] },
		WorkDir:   filepath.Join(root, "work"),
		HomeDir:   filepath.Join(root, "home"),
		ExecDir:   l.dirs[SourceExecutable],
	}
	return l
}

func TestSearchDirsOrder(t *testing.T) {
	l := newLayout(t)
	dirs, err := SearchDirs(l.opts)
	if err != nil {
		t.Fatal(err)
	}
	want := []Source{SourceFlag, SourceEnv, SourceProject, SourceUser, SourceExecutable}
	if len(dirs) != len(want) {
		t.Fatalf("got %d dirs %v, want %d", len(dirs), dirs, len(want))
	}
	for i, d := range dirs {
		if d.Source != want[i] || d.Path != l.dirs[want[i]] {
			t.Errorf("dir %d = %+v, want %s %s", i, d, want[i], l.dirs[want[i]])
		}
	}

	// The same directory twice is searched once, where it first appears.
	l.opts.ExecDir = l.dirs[SourceFlag]
	dirs, _ = SearchDirs(l.opts)
	if len(dirs) != 4 || dirs[0].Source != SourceFlag {
		t.Errorf("duplicate directory: got %v", dirs)
	}

	// $BILANCIO_PLUGIN_PATH from the process environment, a list.
	a, b := t.TempDir(), t.TempDir()
	t.Setenv(EnvPluginPath, a+string(filepath.ListSeparator)+b)
	dirs, _ = SearchDirs(Options{WorkDir: l.opts.WorkDir, HomeDir: l.opts.HomeDir, ExecDir: l.opts.ExecDir})
	if len(dirs) != 5 || dirs[0] != (SearchDir{a, SourceEnv}) || dirs[1] != (SearchDir{b, SourceEnv}) || dirs[2].Source != SourceProject {
		t.Errorf("from the environment: got %v", dirs)
	}

	// A -plugin-dir that does not exist is an error.
	l.opts.PluginDir = filepath.Join(l.dirs[SourceFlag], "nope")
	if _, err := SearchDirs(l.opts); err == nil {
		t.Error("a missing -plugin-dir was accepted")
	}
}

func TestDiscoverFirstMatchWins(t *testing.T) {
	all := []Source{SourceFlag, SourceEnv, SourceProject, SourceUser, SourceExecutable}
	tests := []struct {
		name string
		// in: where plugin "x" is, and whether with a checksum.
		in   map[Source]bool
		want Source // "" when none is usable
	}{
		{"flag beats all", map[Source]bool{SourceFlag: true, SourceEnv: true, SourceProject: true, SourceUser: true, SourceExecutable: true}, SourceFlag},
		{"env beats project", map[Source]bool{SourceEnv: true, SourceProject: true, SourceUser: true}, SourceEnv},
		{"project beats user", map[Source]bool{SourceProject: true, SourceUser: true, SourceExecutable: true}, SourceProject},
		{"user beats executable", map[Source]bool{SourceUser: true, SourceExecutable: true}, SourceUser},
		{"executable last", map[Source]bool{SourceExecutable: true}, SourceExecutable},
		{"no checksum is skipped", map[Source]bool{SourceFlag: false, SourceEnv: false, SourceUser: true}, SourceUser},
		{"nothing usable", map[Source]bool{SourceFlag: false, SourceExecutable: false}, ""},
		{"none at all", map[Source]bool{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newLayout(t)
			for _, src := range all {
				if withSum, ok := tt.in[src]; ok {
					fakePlugin(t, l.dirs[src], "x", withSum)
				}
			}
			// Another plugin in the last place is found alongside.
			fakePlugin(t, l.dirs[SourceExecutable], "other", true)
			var logs bytes.Buffer
			l.opts.Logger = hclog.New(&hclog.LoggerOptions{Output: &logs, Level: hclog.Debug})
			got, err := Discover(context.Background(), l.opts)
			if err != nil {
				t.Fatal(err)
			}
			var x *Candidate
			for i := range got {
				if got[i].Skipped != "" {
					t.Errorf("skipped candidate returned without All: %+v", got[i])
				}
				if got[i].Name == "x" {
					if x != nil {
						t.Errorf("x found twice: %s and %s", x.Path, got[i].Path)
					}
					x = &got[i]
				}
			}
			if !hasName(got, "other") {
				t.Errorf("plugin other not found: %+v", got)
			}
			switch {
			case tt.want == "" && x != nil:
				t.Errorf("found %+v, want none", *x)
			case tt.want != "" && x == nil:
				t.Errorf("x not found, want it from %s", tt.want)
			case tt.want != "" && (x.Source != tt.want || x.Dir != l.dirs[tt.want]):
				t.Errorf("x from %s (%s), want %s", x.Source, x.Path, tt.want)
			}
			// Every candidate is logged with the reason it was kept or not.
			for src, withSum := range tt.in {
				path := filepath.Join(l.dirs[src], BinaryName("x"))
				line := logLine(logs.String(), path)
				switch {
				case line == "":
					t.Errorf("candidate %s not logged:\n%s", path, logs.String())
				case !withSum && !strings.Contains(line, "no x_SHA256SUM beside it"):
					t.Errorf("missing checksum not given as the reason: %s", line)
				case withSum && src != tt.want && !strings.Contains(line, "shadowed by"):
					t.Errorf("shadowed candidate not logged as such: %s", line)
				}
			}
		})
	}
}

func hasName(cs []Candidate, name string) bool {
	for _, c := range cs {
		if c.Name == name {
			return true
		}
	}
	return false
}

// logLine returns the log line that mentions path.
func logLine(logs, path string) string {
	for _, l := range strings.Split(logs, "\n") {
		if strings.Contains(l, "path="+path) {
			return l
		}
	}
	return ""
}

func TestDiscoverSkips(t *testing.T) {
	l := newLayout(t)
	dir := l.dirs[SourceFlag]
	fakePlugin(t, dir, "nosum", false)
	noexec := fakePlugin(t, dir, "noexec", true)
	if err := os.Chmod(noexec, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, BinaryName("adir")), 0o755); err != nil {
		t.Fatal(err)
	}
	fakePlugin(t, dir, "Bad.Name", true)
	fakePlugin(t, dir, "good", true)
	if err := os.WriteFile(filepath.Join(dir, "README"), nil, 0o644); err != nil {
		t.Fatal(err)
	}

	got, err := Discover(context.Background(), l.opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Name != "good" {
		t.Errorf("Discover = %+v, want only good", got)
	}

	l.opts.All = true
	got, _ = Discover(context.Background(), l.opts)
	reasons := map[string]string{}
	for _, c := range got {
		reasons[c.Name] = c.Skipped
	}
	for name, want := range map[string]string{
		"nosum": "no nosum_SHA256SUM", "noexec": "not executable", "adir": "not a regular file",
		"Bad.Name": "not a valid executor name", "good": "",
	} {
		if r, ok := reasons[name]; !ok || !strings.Contains(r, want) || (want == "") != (r == "") {
			t.Errorf("%s: skipped %q (found %v), want %q", name, r, ok, want)
		}
	}
}

func TestFind(t *testing.T) {
	l := newLayout(t)
	fakePlugin(t, l.dirs[SourceFlag], "x", false)
	want := fakePlugin(t, l.dirs[SourceUser], "x", true)
	c, err := Find(context.Background(), l.opts, "x")
	if err != nil || c.Path != want {
		t.Fatalf("Find(x) = %+v, %v; want %s", c, err, want)
	}

	fakePlugin(t, l.dirs[SourceEnv], "y", false)
	_, err = Find(context.Background(), l.opts, "y")
	var nf *NotFoundError
	if !errors.As(err, &nf) {
		t.Fatalf("Find(y) = %v, want a NotFoundError", err)
	}
	for _, s := range []string{`no executor plugin "y" found`, "no y_SHA256SUM beside it", l.dirs[SourceFlag], l.dirs[SourceExecutable]} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not mention %q", err, s)
		}
	}
	if _, err := Find(context.Background(), l.opts, "../etc"); err == nil {
		t.Error("Find accepted an invalid name")
	}
}
