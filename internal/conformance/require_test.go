package conformance

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Without its data, a conformance test fails under CI and is skipped
// elsewhere; with it, Require returns the folder. The test runs itself in a
// subprocess where the data cannot be found (another working directory).
func TestRequire(t *testing.T) {
	if os.Getenv("BILANCIO_REQUIRE_CHILD") == "1" {
		Require(t, "no-such-set")
		t.Log("REACHED")
		return
	}
	if root := Root(); root != "" {
		if got := Require(t); got != root {
			t.Errorf("Require = %q, want %q", got, root)
		}
	}
	for _, tt := range []struct {
		ci       string
		wantFail bool
		want     string
	}{
		{"true", true, "--- FAIL: TestRequire"},
		{"", false, "--- SKIP: TestRequire"},
		{"false", false, "--- SKIP: TestRequire"},
	} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestRequire$", "-test.v")
		cmd.Env = append(os.Environ(), "BILANCIO_REQUIRE_CHILD=1", "CI="+tt.ci)
		out, err := cmd.CombinedOutput()
		if failed := err != nil; failed != tt.wantFail {
			t.Errorf("CI=%q: failed=%v, want %v\n%s", tt.ci, failed, tt.wantFail, out)
		}
		if !strings.Contains(string(out), tt.want) || !strings.Contains(string(out), "CONFORMANCE DATA MISSING") || strings.Contains(string(out), "REACHED") {
			t.Errorf("CI=%q: output lacks %q or the reason, or the test went on:\n%s", tt.ci, tt.want, out)
		}
	}
}
