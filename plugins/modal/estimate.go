package modal

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/bilancio-go/bilancio/sdk"
)

// Rates of the cost estimate, USD, "as of 2026" (spec/modal.md §10). They
// are not configurable yet (STATUS.md).
const (
	// rateSandboxCPU is the sandbox CPU rate per physical core·second,
	// reportedly 3× the Function rate of $0.0000131.
	rateSandboxCPU = 0.0000393
	// rateMemory is the memory rate per GiB·second.
	rateMemory = 0.00000222
	// minCPU and minMemGiB are Modal's minimum billed reservation.
	minCPU    = 0.125
	minMemGiB = 0.125
	// overheadSeconds is the per-sandbox start, staging and download time
	// added to each chunk (sandboxes bill wall time).
	overheadSeconds = 5.0
	// ratesAsOf labels the rates.
	ratesAsOf = "2026"
)

// gpuRate is the per-second rate of one GPU of a type (spec/modal.md §10).
func gpuRate(typ string) (float64, bool) {
	r, ok := map[string]float64{
		"H100":      0.001097,
		"A100-80GB": 0.000694,
		"A100":      0.000583,
		"A100-40GB": 0.000583,
		"L40S":      0.000542,
		"L4":        0.000222,
		"T4":        0.000164,
		"B200":      0.001736,
	}[typ]
	return r, ok
}

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
// with the sandbox rate card of spec/modal.md §10, without contacting Modal:
//
//	cost = T × [max(cpu, 0.125)·r_cpu + max(mem GiB, 0.125)·r_mem + n_gpu·r_gpu]
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
	typ, n, err := parseGPU(c.GPU)
	if err != nil {
		return nil, fmt.Errorf("estimate: %w", err)
	}
	var rGPU float64
	if n > 0 {
		r, ok := gpuRate(typ)
		if !ok {
			return nil, fmt.Errorf("estimate: no rate for GPU type %q", typ)
		}
		rGPU = float64(n) * r
	}
	perSecond := math.Max(c.CPU, minCPU)*rateSandboxCPU + math.Max(c.Memory/1024, minMemGiB)*rateMemory + rGPU
	chunk := int(c.RunsPerSandbox)
	sandboxes := (req.Runs + chunk - 1) / chunk
	sandboxSeconds := float64(req.Runs)*req.SecondsPerRun + float64(sandboxes)*overheadSeconds
	parallel := min(float64(sandboxes), c.MaxParallel)
	wall := 0.0
	if parallel > 0 {
		wall = sandboxSeconds / parallel
	}
	return &sdk.EstimateReply{
		Currency: "USD",
		Cost:     sandboxSeconds * perSecond,
		Seconds:  wall,
		Detail: fmt.Sprintf("%d runs in %d sandboxes (%g cores, %g MiB%s), %.0f sandbox-seconds at $%.7f/s (rates as of %s)",
			req.Runs, sandboxes, c.CPU, c.Memory, gpuNote(c.GPU), sandboxSeconds, perSecond, ratesAsOf),
	}, nil
}

// gpuNote describes the GPU request for Estimate's detail.
func gpuNote(gpu string) string {
	if gpu == "" {
		return ""
	}
	return ", GPU " + gpu
}
