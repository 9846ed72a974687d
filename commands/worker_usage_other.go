//go:build !unix

package commands

// processUse is not measured on this system.
func processUse() (cpuSeconds, maxRSSMiB float64, ok bool) { return 0, 0, false }
