package pluginhost

import (
	"time"

	"github.com/hashicorp/go-plugin"
)

// Cleanup stops every plugin this process started and has not closed
// (go-plugin's managed clients: Open makes them so), waiting at most
// timeout. main defers it, and calls it on the forced-exit path (a second
// Ctrl-C). Plugins are normally closed by whoever opened them; this is the
// safety net.
func Cleanup(timeout time.Duration) {
	done := make(chan struct{})
	go func() {
		plugin.CleanupClients()
		close(done)
	}()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	}
}
