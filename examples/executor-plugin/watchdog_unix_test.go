//go:build unix

package main

import (
	"fmt"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/bilancio-go/bilancio/sdk"
)

// TestHostDies checks the SDK's parent-death watchdog on the real binary.
func TestHostDies(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the plugin")
	}
	plugin := buildPlugin(t)
	// A shell stands for the host: it starts the plugin in the
	// background, prints its pid and is killed. The plugin's watchdog
	// must notice and exit.
	env := sdk.Handshake.MagicCookieKey + "=" + sdk.Handshake.MagicCookieValue
	host := exec.Command("sh", "-c", env+` "$0" serve >/dev/null 2>&1 & echo $!; exec sleep 60`, plugin)
	stdout, err := host.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := host.Start(); err != nil {
		t.Fatal(err)
	}
	var pid int
	if _, err := fmt.Fscan(stdout, &pid); err != nil {
		t.Fatalf("reading the plugin's pid: %v", err)
	}
	time.Sleep(300 * time.Millisecond) // let it serve
	if err := syscall.Kill(pid, 0); err != nil {
		t.Fatalf("the plugin is not running: %v", err)
	}
	host.Process.Kill()
	host.Wait()
	deadline := time.Now().Add(5 * time.Second)
	for syscall.Kill(pid, 0) == nil {
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Fatal("the plugin was still running 5 s after its host died")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
