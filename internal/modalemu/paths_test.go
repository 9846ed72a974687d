package modalemu

import (
	"os"
	"path/filepath"
	"testing"
)

func TestPathMapper(t *testing.T) {
	root, vol := t.TempDir(), t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "job"), 0o755); err != nil {
		t.Fatal(err)
	}
	m := NewPathMapper(root, map[string]string{"/mnt/results": vol})
	for _, tc := range []struct{ arg, want string }{
		{"/mnt/results", vol},
		{"/mnt/results/exp/runs/r1", filepath.Join(vol, "exp", "runs", "r1")},
		{"/mnt/resultsX/a", "/mnt/resultsX/a"},
		{"/job/worker", filepath.Join(root, "job", "worker")},
		{"/bin/sh", "/bin/sh"},
		{"--out", "--out"},
		{"relative/path", "relative/path"},
		{"/", "/"},
	} {
		if got := m.Arg(tc.arg); got != tc.want {
			t.Errorf("Arg(%q) = %q, want %q", tc.arg, got, tc.want)
		}
	}
	if got, want := m.Host("/job/../etc/x"), filepath.Join(root, "etc", "x"); got != want {
		t.Errorf("Host = %q, want %q", got, want)
	}
}
