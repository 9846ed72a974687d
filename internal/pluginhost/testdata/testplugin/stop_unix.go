//go:build unix

package main

import (
	"os"
	"syscall"
)

// freeze stops this process (SIGSTOP): it stays alive but answers nothing,
// heartbeats included, until it is continued or killed. The signal takes
// effect a moment later: the calling goroutine waits for good meanwhile, so
// its run never completes.
func freeze() {
	_ = syscall.Kill(os.Getpid(), syscall.SIGSTOP)
	select {}
}
