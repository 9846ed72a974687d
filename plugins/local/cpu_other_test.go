//go:build !unix

package local_test

import "time"

// processCPU is the CPU time this process has used, or false where it
// cannot be read (here).
func processCPU() (time.Duration, bool) { return 0, false }
