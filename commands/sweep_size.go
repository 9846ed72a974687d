package commands

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/mattn/go-isatty"

	"github.com/bilancio-go/bilancio/internal/pluginhost"
	"github.com/bilancio-go/bilancio/internal/sweep"
)

// confirmAboveEnv sets -confirm-above's default.
const confirmAboveEnv = "BILANCIO_CONFIRM_ABOVE"

// confirmAbove is the confirmation limit: -confirm-above, else
// $BILANCIO_CONFIRM_ABOVE, else sweep.DefaultConfirmAbove; each is refused
// alike when it is not a number of runs.
func confirmAbove(f *sweepExecFlags) (int, error) {
	text, from := "", ""
	switch v, ok := os.LookupEnv(confirmAboveEnv); {
	case f.confirmAbove != "":
		text, from = f.confirmAbove, "-confirm-above"
	case ok:
		text, from = v, confirmAboveEnv
	default:
		return sweep.DefaultConfirmAbove, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(text))
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%s must be a number of runs (0 or more), got %q", from, text)
	}
	return n, nil
}

// confirmSize lets a sweep of more runs than the confirmation limit start
// only with -yes or a "y" at a terminal, after saying how many runs it plans
// and roughly how long they take (one run timed here). It reports whether
// the sweep may start.
func confirmSize(ctx context.Context, m Meta, spec *sweep.Spec, f *sweepExecFlags, view sweepView) bool {
	limit, err := confirmAbove(f)
	if err != nil {
		view.Diagnostic("error", "Invalid option", err.Error())
		return false
	}
	plan, err := sweep.NewPlan(spec)
	if err != nil {
		view.Diagnostic("error", "Invalid sweep", err.Error())
		return false
	}
	runs := plan.Runs()
	if runs <= limit || f.yes {
		return true
	}
	perRun := timeSample(ctx, plan)
	notice := sweep.SizeNotice(runs, limit, perRun, runtime.NumCPU())
	if f.json || !isatty.IsTerminal(os.Stdin.Fd()) {
		view.Diagnostic("error", "The sweep needs a confirmation", notice+" Nothing was run: pass -yes to run it, or -confirm-above N (or "+confirmAboveEnv+") to raise the limit.")
		return false
	}
	m.UI.Output(notice)
	answer, err := m.UI.Ask("Run the sweep? [y/N]")
	if err != nil || !strings.EqualFold(strings.TrimSpace(answer), "y") && !strings.EqualFold(strings.TrimSpace(answer), "yes") {
		view.Diagnostic("error", "The sweep was not confirmed", "nothing was run")
		return false
	}
	return true
}

// timeSample times one of the plan's runs on the local executor in this
// process (0 when it cannot: the notice then says no duration).
func timeSample(ctx context.Context, plan *sweep.Plan) (perRun time.Duration) {
	local, err := pluginhost.Choose(ctx, "", nil, pluginhost.InProcess, builtinExecutors(), pluginOptions(""))
	if err != nil {
		return 0
	}
	d, err := plan.TimeSample(ctx, local.Opener(nil))
	if err != nil {
		return 0
	}
	return d
}
