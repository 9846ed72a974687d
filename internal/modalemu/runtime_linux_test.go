package modalemu

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestLookPathIn: an isolated sandbox's exec finds its program in the
// sandbox's file system along its PATH, as a shell in the sandbox would
// (execvp): absolute symbolic links resolve inside the sandbox's root, a
// file that is not executable or a folder is skipped, a name with a slash
// is used as it is, and a relative PATH folder is taken from the workdir.
func TestLookPathIn(t *testing.T) {
	root := t.TempDir()
	for _, d := range []string{"usr/bin", "opt/tools", "work/bin", "data/tool"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write := func(name string, mode os.FileMode) {
		if err := os.WriteFile(filepath.Join(root, name), []byte("#!/bin/sh\n"), mode); err != nil {
			t.Fatal(err)
		}
	}
	write("usr/bin/tool", 0o755)
	write("opt/tools/plain", 0o644)
	write("usr/bin/plain", 0o755)
	write("work/bin/local", 0o755)
	// An absolute link: on the host it would lead to the host's /usr/bin.
	if err := os.Symlink("/usr/bin", filepath.Join(root, "opt/linked")); err != nil {
		t.Fatal(err)
	}
	onlyHere := "modalemu-only-in-the-sandbox"
	write("usr/bin/"+onlyHere, 0o755)
	for _, tc := range []struct {
		name, path, want string
	}{
		{"tool", "/data:/usr/bin", "/usr/bin/tool"},
		{"plain", "/opt/tools:/usr/bin", "/usr/bin/plain"},
		{"tool", "/opt/linked", "/opt/linked/tool"},
		{onlyHere, "/opt/linked", "/opt/linked/" + onlyHere},
		{"local", "bin:/usr/bin", "/work/bin/local"},
		{"./x", "/usr/bin", "./x"},
		{"/bin/none", "/usr/bin", "/bin/none"},
	} {
		got, err := lookPathIn(root, "/work", tc.name, []string{"HOME=/root", "PATH=" + tc.path})
		if err != nil || got != tc.want {
			t.Errorf("lookPathIn(%q, PATH=%s) = %q, %v; want %q", tc.name, tc.path, got, err, tc.want)
		}
	}
	for _, name := range []string{"sh", "tool-missing", "tool"} {
		if got, err := lookPathIn(root, "/work", name, []string{"PATH=/data:/opt/tools"}); !errors.Is(err, exec.ErrNotFound) {
			t.Errorf("lookPathIn(%q) = %q, %v; want not found (the host's programs are not the sandbox's)", name, got, err)
		}
	}
}
