package modal

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bilancio-go/bilancio/sdk"
)

// configured returns an executor configured with block (credentials set).
func configured(t *testing.T, block string) (*Executor, error) {
	t.Helper()
	noModalEnv(t)
	t.Setenv(envTokenID, "id")
	t.Setenv(envTokenSecret, "secret")
	e := New()
	return e, e.Configure(t.Context(), &sdk.Config{JSON: []byte(block)})
}

// TestRateCard: the defaults are Modal's sandbox rates; a rates file
// overrides them field by field (GPU types merged), the rate attributes
// override the file, and the estimate says which rates it used.
func TestRateCard(t *testing.T) {
	e, err := configured(t, `{}`)
	if err != nil {
		t.Fatal(err)
	}
	_, card, _ := e.config()
	if card.CPUPerCoreSecond != 0.00003942 || card.MemoryPerGiBSecond != 0.00000672 || card.GPUPerSecond["H100"] != 0.001097 ||
		card.RegionMultiplier != 1 || card.AsOf != DefaultRatesAsOf {
		t.Errorf("default card %+v", card)
	}
	// Every GPU type Modal lists has a price.
	for _, gpu := range []string{"T4", "L4", "A10G", "A10", "L40S", "A100", "A100-40GB", "A100-80GB", "H100", "H200", "B200"} {
		if card.GPUPerSecond[gpu] <= 0 {
			t.Errorf("no rate for GPU %s", gpu)
		}
	}
	base, err := e.Estimate(t.Context(), &sdk.EstimateRequest{Runs: 100, SecondsPerRun: 60})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(base.Detail, "as of 2026") || !strings.Contains(base.Detail, "$3.942e-05/core·s") {
		t.Errorf("detail %q does not name the rates and their date", base.Detail)
	}

	file := filepath.Join(t.TempDir(), "rates.json")
	if err := os.WriteFile(file, []byte(`{"as_of": "2027-01", "cpu_per_core_second": 0.0000786, "gpu_per_second": {"t4": 0.001, "X1": 0.5}, "sandbox_overhead_seconds": 0.001}`), 0o644); err != nil {
		t.Fatal(err)
	}
	e, err = configured(t, `{"rates_file": "`+file+`", "gpu": "T4"}`)
	if err != nil {
		t.Fatal(err)
	}
	_, card, _ = e.config()
	if card.CPUPerCoreSecond != 0.0000786 || card.MemoryPerGiBSecond != 0.00000672 || card.GPUPerSecond["T4"] != 0.001 ||
		card.GPUPerSecond["X1"] != 0.5 || card.GPUPerSecond["L4"] != 0.000222 || card.AsOf != "2027-01" {
		t.Errorf("card from file %+v", card)
	}
	r, err := e.Estimate(t.Context(), &sdk.EstimateRequest{Runs: 10, SecondsPerRun: 10})
	if err != nil {
		t.Fatal(err)
	}
	// 100 sandbox-seconds (+ 0.001 s overhead) × (1 core × 0.0000786 + 2 GiB × 0.00000672 + 0.001).
	want := 100.001 * (0.0000786 + 2*0.00000672 + 0.001)
	if math.Abs(r.Cost-want) > 1e-9 || !strings.Contains(r.Detail, "as of 2027-01") || !strings.Contains(r.Detail, "T4 $0.001/s") {
		t.Errorf("estimate %+v, want cost %v", r, want)
	}

	// Attributes (here from the environment) override the file.
	t.Setenv("BILANCIO_MODAL_CPU_RATE", "0.0001")
	e, err = configured(t, `{"rates_file": "`+file+`", "gpu": "T4", "gpu_rate": 0.002, "region_multiplier": 1.5}`)
	if err != nil {
		t.Fatal(err)
	}
	_, card, _ = e.config()
	if card.CPUPerCoreSecond != 0.0001 || card.GPUPerSecond["T4"] != 0.002 || card.RegionMultiplier != 1.5 ||
		!strings.Contains(card.AsOf, "executor configuration") {
		t.Errorf("card with attributes %+v", card)
	}
	ps, err := card.perSecond(1, 2048, "T4")
	if err != nil || math.Abs(ps-1.5*(0.0001+2*0.00000672+0.002)) > 1e-12 {
		t.Errorf("per second = %v, %v", ps, err)
	}
	t.Setenv("BILANCIO_MODAL_CPU_RATE", "")

	for _, bad := range []string{
		`{"rates_file": "/nonexistent/rates.json"}`,
		`{"gpu_rate": 0.1}`,
		`{"region_multiplier": 0}`,
		`{"cpu_rate": -1}`,
		`{"gpu": "Z9"}`,
	} {
		if _, err := configured(t, bad); !errors.Is(err, sdk.ErrInvalidConfig) {
			t.Errorf("Configure(%s) = %v, want ErrInvalidConfig", bad, err)
		}
	}
	if err := os.WriteFile(file, []byte(`{"cpu_rate": 1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := configured(t, `{"rates_file": "`+file+`"}`); err == nil || !strings.Contains(err.Error(), "cpu_rate") {
		t.Errorf("an unknown field of the rates file: %v", err)
	}
}

// TestCostMaxOfRequestAndUse: Modal bills every second at the greater of
// the request and the use ("You pay for max(request, actual)",
// modal.com/docs/guide/sandbox-resources): a worker that used less than
// it requested costs the request; one that used more costs its use.
func TestCostMaxOfRequestAndUse(t *testing.T) {
	card := DefaultRates()
	cfg := &Config{CPU: 1, Memory: 1024}
	req, _ := card.cost(cfg, 100, nil)
	if want := 100 * (0.00003942 + 0.00000672); math.Abs(req-want) > 1e-12 {
		t.Errorf("cost at the request = %v, want %v", req, want)
	}
	if c, _ := card.cost(cfg, 100, &workerUse{CPUSeconds: 50, MaxRSSMiB: 512}); c != req {
		t.Errorf("a worker under its request costs %v, want the request's %v", c, req)
	}
	// 150 CPU-seconds in 100 s is 1.5 cores; 3 GiB peak memory.
	c, _ := card.cost(cfg, 100, &workerUse{CPUSeconds: 150, MaxRSSMiB: 3072})
	if want := 100 * (1.5*0.00003942 + 3*0.00000672); math.Abs(c-want) > 1e-12 {
		t.Errorf("a worker over its request costs %v, want %v", c, want)
	}
	// Modal's minimum reservation: 0.125 core, 0.125 GiB.
	small, _ := card.cost(&Config{CPU: 0.05, Memory: 64}, 100, nil)
	if want := 100 * (0.125*0.00003942 + 0.125*0.00000672); math.Abs(small-want) > 1e-12 {
		t.Errorf("a tiny sandbox costs %v, want the minimum %v", small, want)
	}
}
