package sdk

import (
	"context"
	"time"
)

// parentPollInterval is how often the parent-death watchdog looks at the
// parent process id.
const parentPollInterval = 500 * time.Millisecond

// watchParent calls onDeath once when getppid returns something else than
// it did at the start: the host process that started the plugin has died
// (and the plugin was re-parented to init or a subreaper). go-plugin has no
// such detection: without it a plugin whose host was SIGKILLed keeps
// running, and so does its work. It polls every interval until ctx is done.
func watchParent(ctx context.Context, interval time.Duration, getppid func() int, onDeath func()) {
	parent := getppid()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if getppid() != parent {
				onDeath()
				return
			}
		}
	}
}
