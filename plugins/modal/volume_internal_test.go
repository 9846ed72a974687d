package modal

import "testing"

// TestVolumePath: storage paths are relative to the volume root and may
// not climb out of it.
func TestVolumePath(t *testing.T) {
	for in, want := range map[string]string{
		"": mountPath, ".": mountPath, "exp/runs/r1": mountPath + "/exp/runs/r1", "exp/": mountPath + "/exp", "a/./b": mountPath + "/a/b",
	} {
		if got, err := volumePath(in); err != nil || got != want {
			t.Errorf("volumePath(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"/etc/passwd", "..", "../x", "a/../../x", `a\b`} {
		if got, err := volumePath(in); err == nil {
			t.Errorf("volumePath(%q) = %q, want an error", in, got)
		}
	}
}
