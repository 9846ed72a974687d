//go:build unix

package commands

import (
	"runtime"
	"syscall"
)

// processUse reports this process's CPU time (user + system, seconds) and
// peak resident memory (MiB), for `bilancio worker -usage`.
func processUse() (cpuSeconds, maxRSSMiB float64, ok bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, 0, false
	}
	cpu := float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
	rss := float64(ru.Maxrss) / 1024 // KiB on Linux
	if runtime.GOOS == "darwin" {
		rss = float64(ru.Maxrss) / (1 << 20) // bytes on macOS
	}
	return cpu, rss, true
}
