//go:build !unix

package main

import "time"

// freeze blocks every goroutine it can: without SIGSTOP, this process
// sleeps instead (its heartbeats go on: the liveness tests are unix only).
func freeze() { time.Sleep(5 * time.Minute) }
