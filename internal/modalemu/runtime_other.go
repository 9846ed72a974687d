//go:build !linux

package modalemu

import "errors"

// newIsolatedRuntime: isolated sandboxes (mount namespaces, overlays)
// exist on Linux only; elsewhere sandboxes run mapped.
func newIsolatedRuntime() (sandboxRuntime, error) {
	return nil, errors.New("isolated sandboxes need Linux (mount namespaces)")
}
