// Command crashplugin is an executor plugin for the sweep tests: the local
// executor, except that the first batch it is given in a directory without
// the marker file $CRASH_MARKER kills the plugin process part-way through
// (after the first run completes), as a crash would. The marker is created
// first, so the next plugin process runs normally.
package main

import (
	"context"
	"os"
	"sync"

	"github.com/bilancio-go/bilancio/plugins/local"
	"github.com/bilancio-go/bilancio/sdk"
)

// crashing wraps the local executor.
type crashing struct {
	*local.Executor
}

// Execute implements sdk.Executor.
func (c crashing) Execute(ctx context.Context, b *sdk.Batch, emit func(sdk.RunEvent) error) error {
	marker := os.Getenv("CRASH_MARKER")
	if marker == "" {
		return c.Executor.Execute(ctx, b, emit)
	}
	if _, err := os.Stat(marker); err == nil {
		return c.Executor.Execute(ctx, b, emit)
	}
	if err := os.WriteFile(marker, []byte("crashed\n"), 0o644); err != nil {
		return err
	}
	var once sync.Once
	return c.Executor.Execute(ctx, b, func(ev sdk.RunEvent) error {
		err := emit(ev)
		if ev.Type == sdk.EventCompleted {
			once.Do(func() { os.Exit(3) })
		}
		return err
	})
}

func main() {
	sdk.Main(crashing{local.New()})
}
