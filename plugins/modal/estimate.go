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
// with the configured rate card (rates.go; defaults of spec/modal.md §10),
// without contacting Modal:
//
//	cost = T × [max(cpu, 0.125)·r_cpu + max(mem GiB, 0.125)·r_mem + n_gpu·r_gpu] × region
//
// where T is the wall time of the sandboxes (runs × seconds per run plus a
// start-up overhead per sandbox).
func (e *Executor) Estimate(ctx context.Context, req *sdk.EstimateRequest) (*sdk.EstimateReply, error) {
	if req == nil || req.Runs < 0 || req.SecondsPerRun < 0 {
		return nil, errors.New("estimate: runs and seconds per run must be >= 0")
	}
	c, err := e.config()
	if err != nil {
		return nil, fmt.Errorf("estimate: %w", err)
	}
	card, err := e.rateCard()
	if err != nil {
		return nil, fmt.Errorf("estimate: %w", err)
	}
	perSecond, err := card.perSecond(c.CPU, c.Memory, c.GPU)
	if err != nil {
		return nil, fmt.Errorf("estimate: %w", err)
	}
	chunk := int(c.RunsPerSandbox)
	sandboxes := (req.Runs + chunk - 1) / chunk
	sandboxSeconds := float64(req.Runs)*req.SecondsPerRun + float64(sandboxes)*card.SandboxOverheadSeconds
	parallel := min(float64(sandboxes), c.MaxParallel)
	wall := 0.0
	if parallel > 0 {
		wall = sandboxSeconds / parallel
	}
	return &sdk.EstimateReply{
		Currency: card.Currency,
		Cost:     sandboxSeconds * perSecond,
		Seconds:  wall,
		Detail: fmt.Sprintf("%d runs in %d sandboxes (%g cores, %g MiB%s), %.0f sandbox-seconds at $%.7f/s (%s)",
			req.Runs, sandboxes, c.CPU, c.Memory, gpuNote(c.GPU), sandboxSeconds, perSecond, card.describe(c.GPU)),
	}, nil
}

// gpuNote describes the GPU request for Estimate's detail.
func gpuNote(gpu string) string {
	if gpu == "" {
		return ""
	}
	return ", GPU " + gpu
}
