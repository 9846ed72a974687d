package modal

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/bilancio-go/bilancio/sdk"
)

// parseGPU splits "A100:2" into the upper-cased type and count.
func parseGPU(gpu string) (string, int, error) {
	if gpu == "" {
		return "", 0, nil
	}
	typ, count, found := strings.Cut(strings.ToUpper(gpu), ":")
	n := 1
	if found {
		var err error
		if n, err = strconv.Atoi(count); err != nil || n < 1 {
			return "", 0, fmt.Errorf("gpu %q: the count after ':' must be a whole number >= 1", gpu)
		}
	}
	return typ, n, nil
}

// Estimate implements sdk.Executor: it prices runs from the pilot duration
// with the configured rate card (rates.go), without contacting Modal. Each
// sandbox runs runs_per_sandbox runs, parallelRuns at once, and bills its
// wall time (its runs plus a start-up overhead) at its request:
//
//	cost = Σ sandboxes T × [max(cpu, 0.125)·r_cpu + max(mem GiB, 0.125)·r_mem + n_gpu·r_gpu] × region
//
// Modal bills max(request, use) (rates.go, cost); a worker that uses more
// than it requested costs more than this estimate.
func (e *Executor) Estimate(ctx context.Context, req *sdk.EstimateRequest) (*sdk.EstimateReply, error) {
	if req == nil || req.Runs < 0 || req.SecondsPerRun < 0 {
		return nil, errors.New("estimate: runs and seconds per run must be >= 0")
	}
	c, card, err := e.config()
	if err != nil {
		return nil, fmt.Errorf("estimate: %w", err)
	}
	perSecond, err := card.perSecond(c.CPU, c.Memory, c.GPU)
	if err != nil {
		return nil, fmt.Errorf("estimate: %w", err)
	}
	chunk, parallel := int(c.RunsPerSandbox), c.parallelRuns()
	sandboxes := (req.Runs + chunk - 1) / chunk
	sandboxSeconds := 0.0
	for left := req.Runs; left > 0; left -= chunk {
		n := min(left, chunk)
		waves := (n + parallel - 1) / parallel
		sandboxSeconds += card.SandboxOverheadSeconds + float64(waves)*req.SecondsPerRun
	}
	inFlight := min(float64(sandboxes), c.MaxParallel)
	wall := 0.0
	if inFlight > 0 {
		wall = sandboxSeconds / inFlight
	}
	return &sdk.EstimateReply{
		Currency: card.Currency,
		Cost:     sandboxSeconds * perSecond,
		Seconds:  wall,
		Detail: fmt.Sprintf("%d runs in %d sandboxes (%g cores, %d runs at once, %g MiB%s), %.0f sandbox-seconds at $%.7f/s (%s)",
			req.Runs, sandboxes, c.CPU, parallel, c.Memory, gpuNote(c.GPU), sandboxSeconds, perSecond, card.describe(c.GPU)),
	}, nil
}

// gpuNote describes the GPU request for Estimate's detail.
func gpuNote(gpu string) string {
	if gpu == "" {
		return ""
	}
	return ", GPU " + gpu
}
