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

// TestRateCard: the defaults are spec/modal.md §10's; a rates file
// overrides them field by field (GPU types merged), the rate attributes
// override the file, and the estimate says which rates it used.
func TestRateCard(t *testing.T) {
	e, err := configured(t, `{}`)
	if err != nil {
		t.Fatal(err)
	}
	card, _ := e.rateCard()
	if card.CPUPerCoreSecond != 0.0000393 || card.MemoryPerGiBSecond != 0.00000222 || card.GPUPerSecond["H100"] != 0.001097 ||
		card.RegionMultiplier != 1 || card.AsOf != DefaultRatesAsOf {
		t.Errorf("default card %+v", card)
	}
	base, err := e.Estimate(t.Context(), &sdk.EstimateRequest{Runs: 100, SecondsPerRun: 60})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(base.Detail, "as of 2026") || !strings.Contains(base.Detail, "$3.93e-05/core·s") {
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
	card, _ = e.rateCard()
	if card.CPUPerCoreSecond != 0.0000786 || card.MemoryPerGiBSecond != 0.00000222 || card.GPUPerSecond["T4"] != 0.001 ||
		card.GPUPerSecond["X1"] != 0.5 || card.GPUPerSecond["L4"] != 0.000222 || card.AsOf != "2027-01" {
		t.Errorf("card from file %+v", card)
	}
	r, err := e.Estimate(t.Context(), &sdk.EstimateRequest{Runs: 10, SecondsPerRun: 10})
	if err != nil {
		t.Fatal(err)
	}
	// 100 sandbox-seconds (+ 0.001 s overhead) × (1 core × 2×0.0000393 + 2 GiB × 0.00000222 + 0.001).
	want := 100.001 * (0.0000786 + 2*0.00000222 + 0.001)
	if math.Abs(r.Cost-want) > 1e-9 || !strings.Contains(r.Detail, "as of 2027-01") || !strings.Contains(r.Detail, "T4 $0.001/s") {
		t.Errorf("estimate %+v, want cost %v", r, want)
	}

	// Attributes (here from the environment) override the file.
	t.Setenv("BILANCIO_MODAL_CPU_RATE", "0.0001")
	e, err = configured(t, `{"rates_file": "`+file+`", "gpu": "T4", "gpu_rate": 0.002, "region_multiplier": 1.5}`)
	if err != nil {
		t.Fatal(err)
	}
	card, _ = e.rateCard()
	if card.CPUPerCoreSecond != 0.0001 || card.GPUPerSecond["T4"] != 0.002 || card.RegionMultiplier != 1.5 ||
		!strings.Contains(card.AsOf, "executor configuration") {
		t.Errorf("card with attributes %+v", card)
	}
	ps, err := card.perSecond(1, 2048, "T4")
	if err != nil || math.Abs(ps-1.5*(0.0001+2*0.00000222+0.002)) > 1e-12 {
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
