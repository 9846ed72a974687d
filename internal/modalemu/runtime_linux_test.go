package modalemu

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	modal "github.com/modal-labs/modal-client/go"
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

// TestIsolatedEntrypoint: an isolated sandbox's main process starts in its
// workdir, rooted in the sandbox (a volume at its real path, the host's
// folders not written), with the sandbox's environment; an entrypoint the
// sandbox does not have ends the sandbox with the shell's 127 and its word
// on stderr, as a container's entrypoint would.
func TestIsolatedEntrypoint(t *testing.T) {
	t.Parallel()
	if _, err := newIsolatedRuntime(); err != nil {
		t.Skipf("no isolated sandboxes here: %v", err)
	}
	srv := startEmulator(t, Options{Isolation: IsolationRequired})
	c := newClient(t, srv)
	ctx := t.Context()
	app, img := testApp(t, c)
	vol, err := c.Volumes.FromName(ctx, "entry", &modal.VolumeFromNameParams{CreateIfMissing: true})
	if err != nil {
		t.Fatal(err)
	}
	run := func(cmd ...string) (string, string, int) {
		t.Helper()
		sb, err := c.Sandboxes.Create(ctx, app, img, &modal.SandboxCreateParams{
			Command: cmd, Workdir: "/srv/work", Env: map[string]string{"WHO": "sandbox"},
			Volumes: map[string]*modal.Volume{"/mnt/entry": vol},
		})
		if err != nil {
			t.Fatal(err)
		}
		code, err := sb.Wait(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		out, _ := io.ReadAll(sb.Stdout)
		errOut, _ := io.ReadAll(sb.Stderr)
		return string(out), string(errOut), code
	}
	out, errOut, code := run("sh", "-c", `pwd; echo "$WHO"; echo hi > /mnt/entry/f; cat /mnt/entry/f; touch /modalemu-entry-test`)
	if code != 0 || out != "/srv/work\nsandbox\nhi\n" {
		t.Errorf("sandbox: exit %d, stdout %q, stderr %q; want 0 and %q", code, out, errOut, "/srv/work\nsandbox\nhi\n")
	}
	if _, err := os.Stat("/modalemu-entry-test"); err == nil {
		os.Remove("/modalemu-entry-test")
		t.Error("a file the sandbox wrote to its / reached the host's")
	}
	_, errOut, code = run("modalemu-no-such-program", "x")
	if code != 127 || !strings.Contains(errOut, "modalemu-no-such-program") {
		t.Errorf("a missing entrypoint: exit %d, stderr %q; want 127 naming the program", code, errOut)
	}
}
