package version

import (
	"runtime/debug"
	"testing"
)

func TestCompose(t *testing.T) {
	installed := &debug.BuildInfo{Main: debug.Module{Version: "v0.3.1"}}
	pseudo := &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261207120000-3f18c791e3f8"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "3f18c791e3f8aaaabbbbcccc"}}}
	built := &debug.BuildInfo{Main: debug.Module{Version: "(devel)"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.modified", Value: "true"}}}
	base := Base()
	for _, tc := range []struct {
		name                   string
		version, commit, dirty string
		bi                     *debug.BuildInfo
		want                   string
	}{
		{"release stamp", "1.2.3", "abc", "true", built, "1.2.3"},
		{"release stamp with v", "v1.2.3", "", "", nil, "1.2.3"},
		{"make", "", "3f18c791e3f8", "", built, base + "-dev+3f18c791e3f8"},
		{"make, dirty tree", "", "3f18c791e3f8", "true", nil, base + "-dev+3f18c791e3f8.dirty"},
		{"make, long commit", "", "3f18c791e3f8aaaa", "", nil, base + "-dev+3f18c791e3f8"},
		{"go install of a release", "", "", "", installed, "0.3.1"},
		{"go install of a commit", "", "", "", pseudo, base + "-dev+3f18c791e3f8"},
		{"go build in a checkout", "", "", "", built, base + "-dev+0123456789ab.dirty"},
		{"nothing known", "", "", "", nil, base + "-dev"},
	} {
		if got := compose(tc.version, tc.commit, tc.dirty, tc.bi); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
	if base == "" || base[0] < '0' || base[0] > '9' {
		t.Errorf("base.txt holds %q", base)
	}
}
