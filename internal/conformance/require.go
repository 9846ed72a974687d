package conformance

import (
	"os"
	"path/filepath"
	"testing"
)

// Require returns the conformance folder (../shared/conformance beside the
// checkout), or the folder of one of its sets when set is given, for a test
// that cannot do without it. When the data is absent the test fails under
// CI (CI=true, where a skipped conformance test would read as a pass) and is
// skipped elsewhere with a message that says what is missing and where it
// was looked for. Every test that reads recorded bilancio runs calls it.
func Require(tb testing.TB, set ...string) string {
	tb.Helper()
	root := Root()
	want := "../shared/conformance beside the repository"
	if root != "" && len(set) > 0 {
		p := filepath.Join(append([]string{root}, set...)...)
		if _, err := os.Stat(p); err != nil {
			want = p
			root = ""
		} else {
			root = p
		}
	}
	if root != "" {
		return root
	}
	msg := "CONFORMANCE DATA MISSING: " + want + " not found; this test compares with recorded bilancio runs"
	if ci := os.Getenv("CI"); ci != "" && ci != "false" && ci != "0" {
		tb.Fatal(msg + " (CI is set: a conformance test without its data fails)")
	}
	tb.Skip(msg + " (skipped; under CI=true it fails)")
	return ""
}
