package pluginhost

import (
	"fmt"
	"runtime"
	"strings"

	"github.com/bilancio-go/bilancio/sdk"
)

// BinaryPrefix starts the file name of every executor plugin.
const BinaryPrefix = "bilancio-executor-"

// SumSuffix ends the name of the checksum file beside a plugin binary:
// bilancio-executor-NAME has NAME_SHA256SUM beside it.
const SumSuffix = "_SHA256SUM"

// checkName returns an error when name cannot name a plugin.
func checkName(name string) error {
	if !sdk.ValidExecutorName(name) {
		return fmt.Errorf("invalid executor name %q: use lower-case letters, digits, '-' and '_' (at most 64)", name)
	}
	return nil
}

// BinaryName is the file name of the plugin called name on this OS.
func BinaryName(name string) string {
	if runtime.GOOS == "windows" {
		return BinaryPrefix + name + ".exe"
	}
	return BinaryPrefix + name
}

// SumName is the file name of the checksum of the plugin called name.
func SumName(name string) string { return name + SumSuffix }

// nameFromFile returns the plugin name of a file called
// bilancio-executor-NAME, and false for any other file.
func nameFromFile(file string) (string, bool) {
	rest, ok := strings.CutPrefix(file, BinaryPrefix)
	if !ok {
		return "", false
	}
	if runtime.GOOS == "windows" {
		if rest, ok = strings.CutSuffix(rest, ".exe"); !ok {
			return "", false
		}
	}
	return rest, rest != ""
}
