// Package version owns bilancio's version: the one string that `bilancio
// version`, every run's manifest (its engine), the executor plugins built
// from this tree (`plugins describe`), the JSON output and the usage
// summaries report.
//
// The release line is base.txt (the Makefile reads the same file). A build
// through the Makefile stamps the rest with
//
//	-ldflags "-X github.com/bilancio-go/bilancio/internal/version.commit=<12 hex> -X ...version.dirty=true"
//
// and a release stamps the whole version with -X ...version.version=1.2.3.
// Unstamped builds (`go build`, `go install`) fall back on what Go recorded
// in the binary: the module version of an installed release, else the
// VCS revision.
package version

import (
	_ "embed"
	"runtime/debug"
	"strings"
	"sync"
)

//go:embed base.txt
var baseFile string

// Set at link time (-ldflags -X); never written at run time.
var (
	// version is the whole version of a release build.
	version string
	// commit is the source commit (12 hex digits) of a development build;
	// dirty is "true" when the tree had uncommitted changes.
	commit, dirty string
)

// Base is the release line of this source tree (base.txt).
func Base() string { return strings.TrimSpace(baseFile) }

// Version is bilancio's version: a release ("1.2.3"), or a development
// build of the base release line: "0.1.0-dev+3f18c791e3f8", with ".dirty"
// when built from a tree with local changes, "0.1.0-dev" when nothing
// better is known.
func Version() string { return composed() }

// composed is Version, worked out once per process (it parses the build
// information the binary carries).
var composed = sync.OnceValue(func() string {
	bi, _ := debug.ReadBuildInfo()
	return compose(version, commit, dirty, bi)
})

// Commit is the source commit bilancio was built from ("" when unknown).
func Commit() string {
	bi, _ := debug.ReadBuildInfo()
	c, _ := vcs(commit, dirty, bi)
	return c
}

// compose makes the version from the stamped values and Go's build info.
func compose(version, commit, dirty string, bi *debug.BuildInfo) string {
	if version != "" {
		return strings.TrimPrefix(version, "v")
	}
	if commit == "" && bi != nil {
		if v := bi.Main.Version; v != "" && v != "(devel)" && !pseudo(v) {
			// A tagged release installed with go install.
			return strings.TrimPrefix(v, "v")
		}
	}
	v := Base() + "-dev"
	c, modified := vcs(commit, dirty, bi)
	if c != "" {
		v += "+" + c
		if modified {
			v += ".dirty"
		}
	}
	return v
}

// vcs returns the commit and whether the tree was modified: the stamped
// values, else those Go recorded (vcs.revision, vcs.modified).
func vcs(commit, dirty string, bi *debug.BuildInfo) (string, bool) {
	if commit != "" {
		return shortRev(commit), dirty == "true"
	}
	if bi == nil {
		return "", false
	}
	var rev string
	var modified bool
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	return shortRev(rev), modified
}

// pseudo reports whether a module version is a Go pseudo-version
// (v0.0.0-20261207120000-3f18c791e3f8): a commit, not a release.
func pseudo(v string) bool {
	v = strings.TrimSuffix(v, "+incompatible")
	i := strings.LastIndexByte(v, '-')
	if i < 14 || len(v)-i-1 != 12 {
		return false
	}
	stamp := v[i-14 : i]
	for _, c := range stamp {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func shortRev(rev string) string {
	if len(rev) > 12 {
		return rev[:12]
	}
	return rev
}
