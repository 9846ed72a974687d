package commands

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/cli"
)

// Ctrl-C while the executor is being found (plugin discovery) ends the
// sweep, or the estimate, as interrupted (130), not as an executor that
// cannot start (1).
func TestExecutorNotStarted(t *testing.T) {
	for name, report := range map[string]func(context.Context, sweepView, string, error) int{
		"sweep":    executorNotStarted,
		"estimate": estimateFailed,
	} {
		t.Run(name, func(t *testing.T) { testExecutorNotStarted(t, report) })
	}
}

func testExecutorNotStarted(t *testing.T, report func(context.Context, sweepView, string, error) int) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range []struct {
		name string
		ctx  context.Context
		err  error
		code int
		says string
	}{
		{"interrupted", cancelled, errors.New("finding the local executor: discovering plugins: context canceled"), sweepExitInterrupted, "Interrupted"},
		{"refused", context.Background(), errors.New("the plugin's checksum does not match"), sweepExitError, "Error: Cannot start the executor\n\n  the plugin's checksum does not match"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ui := cli.NewMockUi()
			view := newSweepView(ui, false, time.Now)
			code := report(tc.ctx, view, "Cannot start the executor", tc.err)
			view.Close()
			out := ui.OutputWriter.String() + ui.ErrorWriter.String()
			if code != tc.code || !strings.Contains(out, tc.says) {
				t.Errorf("exit %d, printed %q; want %d and %q", code, out, tc.code, tc.says)
			}
		})
	}
}
