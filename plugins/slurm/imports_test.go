package slurm

import (
	"go/build"
	"strings"
	"testing"
)

// TestImportsOnlySDK: the plugin is built on bilancio's sdk alone, like any
// outside author's plugin: its packages import the sdk (and its
// subpackages), this package and the standard library, nothing else.
func TestImportsOnlySDK(t *testing.T) {
	const module = "github.com/bilancio-go/bilancio/"
	for _, dir := range []string{".", "cmd/bilancio-executor-slurm"} {
		pkg, err := build.ImportDir(dir, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range pkg.Imports {
			std := !strings.Contains(strings.SplitN(imp, "/", 2)[0], ".")
			ours := imp == module+"sdk" || strings.HasPrefix(imp, module+"sdk/") || imp == module+"plugins/slurm"
			if !std && !ours {
				t.Errorf("%s imports %s: the plugin may import only the sdk and the standard library", dir, imp)
			}
		}
	}
}
