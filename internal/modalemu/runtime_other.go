//go:build !linux

package modalemu

import (
	"errors"
	"runtime"
)

// newIsolatedRuntime: isolated sandboxes use Linux namespaces; elsewhere
// the emulator runs sandboxes as mapped processes (IsolationAuto) or
// refuses (IsolationRequired).
func newIsolatedRuntime() (sandboxRuntime, error) {
	return nil, errors.New("isolated sandboxes need Linux namespaces, not " + runtime.GOOS)
}
