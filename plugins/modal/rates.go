package modal

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"os"
	"slices"
	"strings"

	"github.com/bilancio-go/bilancio/sdk"
)

// DefaultRatesAsOf labels the built-in rate card.
const DefaultRatesAsOf = "2026 (modal.com/pricing, sandbox rates)"

// RateCard is what Modal charges, used by Estimate and for the cost of
// each sandbox in the usage record. Every rate is configurable: a JSON file
// (the rates_file attribute, $BILANCIO_MODAL_RATES_FILE) overrides the
// built-in defaults field by field, and the cpu_rate, memory_rate, gpu_rate
// and region_multiplier attributes override the file.
type RateCard struct {
	// AsOf labels the rates (printed with every estimate).
	AsOf     string `json:"as_of"`
	Currency string `json:"currency"`
	// CPUPerCoreSecond is the sandbox CPU rate per physical core·second.
	CPUPerCoreSecond float64 `json:"cpu_per_core_second"`
	// MemoryPerGiBSecond is the memory rate per GiB·second.
	MemoryPerGiBSecond float64 `json:"memory_per_gib_second"`
	// MinCPU and MinMemoryGiB are the minimum billed reservation.
	MinCPU       float64 `json:"min_cpu"`
	MinMemoryGiB float64 `json:"min_memory_gib"`
	// GPUPerSecond is the rate of one GPU of each type, by upper-case type.
	GPUPerSecond map[string]float64 `json:"gpu_per_second"`
	// RegionMultiplier scales every rate (1.5 for a broad region, 1.75
	// for a narrow one; 1 when no region is pinned).
	RegionMultiplier float64 `json:"region_multiplier"`
	// SandboxOverheadSeconds is the start-up, staging and download time
	// Estimate adds per sandbox (sandboxes bill wall time).
	SandboxOverheadSeconds float64 `json:"sandbox_overhead_seconds"`
}

// DefaultRates returns the built-in rate card: Modal's sandbox rates
// (which are 3× the Function rates: $0.00003942 per physical core·second,
// $0.00000672 per GiB·second), its minimum reservation (0.125 core, 128
// MiB, modal.com/docs/guide/resources), every GPU type Modal lists, by the
// second, and no region multiplier. All of it can be overridden (LoadRates,
// resolveRates).
func DefaultRates() RateCard {
	return RateCard{
		AsOf:               DefaultRatesAsOf,
		Currency:           "USD",
		CPUPerCoreSecond:   0.00003942,
		MemoryPerGiBSecond: 0.00000672,
		MinCPU:             0.125,
		MinMemoryGiB:       0.125,
		GPUPerSecond:       defaultGPURates(),
		RegionMultiplier:   1,
		// Cold start, worker checks and the last downloads.
		SandboxOverheadSeconds: 5,
	}
}

// defaultGPURates are the per-second rates of one GPU of each type Modal
// lists, with the names its GPU strings accept ("A10G" is the A10, "A100"
// the 40 GB one, "H100!" a non-upgradable H100, "B200+" a B200 or better).
func defaultGPURates() map[string]float64 {
	return map[string]float64{
		"T4":        0.000164,
		"L4":        0.000222,
		"A10":       0.000306,
		"A10G":      0.000306,
		"L40S":      0.000542,
		"A100":      0.000583,
		"A100-40GB": 0.000583,
		"A100-80GB": 0.000694,
		"H100":      0.001097,
		"H100!":     0.001097,
		"H200":      0.001261,
		"B200":      0.001736,
		"B200+":     0.001736,
	}
}

// LoadRates reads a rate card file over the defaults: the fields it sets
// replace the defaults' (GPU types are merged); an unknown field is
// refused. Without an as_of label the card is labelled by the file.
func LoadRates(path string) (RateCard, error) {
	card := DefaultRates()
	raw, err := os.ReadFile(path)
	if err != nil {
		return card, fmt.Errorf("%w: reading the rate card: %v", sdk.ErrInvalidConfig, err)
	}
	var file RateCard
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&file); err != nil {
		return card, fmt.Errorf("%w: reading the rate card %s: %v", sdk.ErrInvalidConfig, path, err)
	}
	card.AsOf = "custom (" + path + ")"
	if file.AsOf != "" {
		card.AsOf = file.AsOf
	}
	set := func(dst *float64, v float64) {
		if v != 0 {
			*dst = v
		}
	}
	if file.Currency != "" {
		card.Currency = file.Currency
	}
	set(&card.CPUPerCoreSecond, file.CPUPerCoreSecond)
	set(&card.MemoryPerGiBSecond, file.MemoryPerGiBSecond)
	set(&card.MinCPU, file.MinCPU)
	set(&card.MinMemoryGiB, file.MinMemoryGiB)
	set(&card.RegionMultiplier, file.RegionMultiplier)
	set(&card.SandboxOverheadSeconds, file.SandboxOverheadSeconds)
	for typ, r := range file.GPUPerSecond {
		card.GPUPerSecond[strings.ToUpper(typ)] = r
	}
	return card, card.validate()
}

// validate refuses negative rates and a multiplier that is not positive.
func (c *RateCard) validate() error {
	for name, v := range map[string]float64{
		"cpu_per_core_second": c.CPUPerCoreSecond, "memory_per_gib_second": c.MemoryPerGiBSecond,
		"min_cpu": c.MinCPU, "min_memory_gib": c.MinMemoryGiB, "sandbox_overhead_seconds": c.SandboxOverheadSeconds,
	} {
		if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%w: rate card: %s must be >= 0, got %v", sdk.ErrInvalidConfig, name, v)
		}
	}
	for typ, v := range c.GPUPerSecond {
		if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%w: rate card: the rate of GPU %s must be >= 0, got %v", sdk.ErrInvalidConfig, typ, v)
		}
	}
	if !(c.RegionMultiplier > 0) || math.IsInf(c.RegionMultiplier, 0) {
		return fmt.Errorf("%w: rate card: region_multiplier must be > 0, got %v", sdk.ErrInvalidConfig, c.RegionMultiplier)
	}
	return nil
}

// resolveRates builds the rate card of a configuration: the defaults, the
// rates file over them, the rate attributes over that. The gpu_rate
// attribute prices the configured GPU type.
func resolveRates(c *Config) (RateCard, error) {
	card := DefaultRates()
	if c.RatesFile != "" {
		var err error
		if card, err = LoadRates(c.RatesFile); err != nil {
			return card, err
		}
	}
	custom := false
	for _, o := range []struct {
		v   *float64
		dst *float64
	}{
		{c.CPURate, &card.CPUPerCoreSecond}, {c.MemoryRate, &card.MemoryPerGiBSecond},
		{c.RegionMultiplier, &card.RegionMultiplier},
	} {
		if o.v != nil {
			*o.dst, custom = *o.v, true
		}
	}
	if c.GPURate != nil {
		typ, _, err := parseGPU(c.GPU)
		if err != nil {
			return card, fmt.Errorf("%w: %v", sdk.ErrInvalidConfig, err)
		}
		if typ == "" {
			return card, fmt.Errorf("%w: %s is set but no gpu is requested", sdk.ErrInvalidConfig, attrGPURate)
		}
		card.GPUPerSecond[typ], custom = *c.GPURate, true
	}
	if custom {
		card.AsOf += ", with rates from the executor configuration"
	}
	return card, card.validate()
}

// perSecond is the cost of one second of a sandbox with these resources
// billed at its request: max(cpu, min)·r_cpu + max(GiB, min)·r_mem +
// n·r_gpu, times the region multiplier.
func (c *RateCard) perSecond(cpu, memoryMiB float64, gpu string) (float64, error) {
	return c.perSecondUsing(cpu, memoryMiB/1024, gpu)
}

// perSecondUsing is perSecond for cores and GiB billed.
func (c *RateCard) perSecondUsing(cores, gib float64, gpu string) (float64, error) {
	typ, n, err := parseGPU(gpu)
	if err != nil {
		return 0, err
	}
	var rGPU float64
	if n > 0 {
		r, ok := c.GPUPerSecond[typ]
		if !ok {
			return 0, fmt.Errorf("no rate for GPU type %q (the rate card has %s; set gpu_rate)", typ, strings.Join(slices.Sorted(maps.Keys(c.GPUPerSecond)), ", "))
		}
		rGPU = float64(n) * r
	}
	return (math.Max(cores, c.MinCPU)*c.CPUPerCoreSecond + math.Max(gib, c.MinMemoryGiB)*c.MemoryPerGiBSecond + rGPU) * c.RegionMultiplier, nil
}

// workerUse is what a sandbox's worker measured of its own use: CPU time
// (user + system) and peak resident memory.
type workerUse struct {
	CPUSeconds float64 `json:"cpu_seconds"`
	MaxRSSMiB  float64 `json:"max_rss_mib"`
}

// cost is what Modal bills for a sandbox that lived seconds: every second
// at the greater of the request and the use ("You pay for max(request,
// actual)", modal.com/docs/guide/sandbox-resources). With a measured use,
// the cores billed are max(request, CPU time / lifetime) and the memory
// max(request, peak resident memory), an upper bound of the per-second
// maximum; without one, the request.
func (c *RateCard) cost(cfg *Config, seconds float64, use *workerUse) (float64, error) {
	if seconds <= 0 {
		return 0, nil
	}
	cores, gib := cfg.CPU, cfg.Memory/1024
	if use != nil {
		cores = math.Max(cores, use.CPUSeconds/seconds)
		gib = math.Max(gib, use.MaxRSSMiB/1024)
	}
	ps, err := c.perSecondUsing(cores, gib, cfg.GPU)
	return ps * seconds, err
}

// describe names the rates a price was computed with.
func (c *RateCard) describe(gpu string) string {
	s := fmt.Sprintf("$%g/core·s, $%g/GiB·s", c.CPUPerCoreSecond, c.MemoryPerGiBSecond)
	if typ, n, err := parseGPU(gpu); err == nil && n > 0 {
		s += fmt.Sprintf(", %s $%g/s", typ, c.GPUPerSecond[typ])
	}
	if c.RegionMultiplier != 1 {
		s += fmt.Sprintf(", region ×%g", c.RegionMultiplier)
	}
	return s + "; rates as of " + c.AsOf
}
