package config

import (
	"context"
	"path/filepath"
	"slices"
	"sync"
	"testing"
)

// Locals, for expressions and the function library work as Terraform users
// expect; locals may refer to each other in any order.
func TestExpressions(t *testing.T) {
	src := `
variable "scale" {
  type    = number
  default = 2
}
locals {
  kappas  = sort(distinct(concat(local.base, [for k in local.base : k * var.scale])))
  base    = [0.25, 0.5, 1]
  cells   = setproduct(["a", "b"], [1, 2])
  prefix  = format("Ring %s (x%d)", upper("test"), var.scale)
  n       = max(length(local.cells) * 3, 3)
  mus     = flatten([[0], [for i in range(1, 3) : i / 2]])
  agent   = join("", ["H", tostring(min(3, 7))])
  ok      = alltrue([for k in local.kappas : k > 0]) && !anytrue([false])
  empties = compact(split(",", "a,,b"))
}
sweep "expr" {
  n_agents        = local.n
  maturity_days   = floor(7.9)
  q_total         = sum([2500, 2500, 5000])
  liquidity_mode  = "single_at"
  liquidity_agent = local.agent
  name_prefix     = local.prefix
  max_days        = local.ok ? ceil(20.2) : 1
  quiet_days      = length(local.empties)
  retries         = try(tonumber("x"), 3)
  parallel        = can(tonumber("x")) ? 1 : 2
  fail_fast       = true
  out_dir         = lower("OUT/Experiments")
  kappa_rule      = "liquidity_over_debt"
  seed_mode       = "derived"
  base_seed       = -7
  grid {
    kappas         = local.kappas
    concentrations = [for c in range(1, 4) : c]
    mus            = local.mus
    monotonicities = reverse([1, -1])
  }
}
`
	opts := testOptions()
	spec, diags := Load(context.Background(), "expr.hcl", []byte(src), opts)
	if diags.HasErrors() {
		t.Fatal(DiagnosticsText(opts.Files, diags))
	}
	r := spec.Ring
	if r.NAgents != 12 || r.MaturityDays != 7 || r.QTotal != "10000.0" || r.LiquidityAgent != "H3" || r.NamePrefix != "Ring TEST (x2)" ||
		r.MaxDays != 21 || r.QuietDays != 2 || !r.HasQuietDays || r.KappaRule != "liquidity-over-debt" || r.BaseSeed != -7 {
		t.Errorf("ring %+v", r)
	}
	if spec.Retries != 3 || spec.Parallel != 2 || !spec.FailFast || spec.OutDir != "out/experiments" || spec.SeedMode != "derived" {
		t.Errorf("spec %+v", spec)
	}
	g := spec.Grid
	if !slices.Equal(g["kappas"], []string{"0.25", "0.5", "1", "2"}) || !slices.Equal(g["concentrations"], []string{"1", "2", "3"}) ||
		!slices.Equal(g["mus"], []string{"0", "0.5", "1"}) || !slices.Equal(g["monotonicities"], []string{"-1", "1"}) {
		t.Errorf("grid %+v", g)
	}
	if spec.Variables["scale"] != "2" || len(spec.Variables) != 1 {
		t.Errorf("variables %v", spec.Variables)
	}
}

// Load keeps no state between calls: concurrent loads do not interfere.
func TestConcurrentLoads(t *testing.T) {
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			opts := testOptions()
			opts.Vars = []string{"n_agents=" + []string{"20", "30"}[i%2]}
			spec, diags := LoadFile(context.Background(), filepath.Join(examplesDir, "ring.hcl"), opts)
			if diags.HasErrors() {
				t.Error(diags)
				return
			}
			if want := []int{20, 30}[i%2]; spec.Ring.NAgents != want {
				t.Errorf("n_agents %d, want %d", spec.Ring.NAgents, want)
			}
		}()
	}
	wg.Wait()
}

// A warning does not stop the Spec: liquidity_agent without single_at.
func TestWarnings(t *testing.T) {
	src := sweepWith("", `liquidity_mode = "uniform"
  liquidity_agent = "H2"`)
	opts := testOptions()
	spec, diags := Load(context.Background(), "warn.hcl", []byte(src), opts)
	if spec == nil || len(diags) != 1 || diags[0].Summary != "Argument not used" || diags.HasErrors() {
		t.Fatalf("spec %v diags %v", spec, diags)
	}
	if spec.Ring.LiquidityAgent != "" {
		t.Errorf("agent %q kept", spec.Ring.LiquidityAgent)
	}
}
