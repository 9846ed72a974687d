package config

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/bilancio-go/bilancio/internal/conformance"
	"github.com/bilancio-go/bilancio/internal/sweep"
	modalexec "github.com/bilancio-go/bilancio/plugins/modal"
	slurmexec "github.com/bilancio-go/bilancio/plugins/slurm"
	"github.com/bilancio-go/bilancio/sdk"
)

// examplesDir holds the example sweep files.
const examplesDir = "../examples/sweeps"

// exampleOptions are testOptions with the real modal executor's schema, as
// the examples are written against it.
func exampleOptions() Options {
	o := testOptions()
	o.SchemaFor = func(ctx context.Context, name string) ([]sdk.ConfigAttribute, error) {
		var ex sdk.Executor
		switch name {
		case "modal":
			ex = modalexec.New()
		case "slurm":
			ex = slurmexec.New()
		default:
			return testSchemas(ctx, name)
		}
		info, err := ex.Describe(ctx)
		if err != nil {
			return nil, err
		}
		return info.ConfigSchema, nil
	}
	return o
}

// loadExample loads an example sweep file with the test schemas.
func loadExample(t *testing.T, name string, opts Options) *sweep.Spec {
	t.Helper()
	path := filepath.Join(examplesDir, name)
	if opts.Files == nil {
		opts.Files = map[string]*hcl.File{}
	}
	spec, diags := LoadFile(context.Background(), path, opts)
	if diags.HasErrors() {
		t.Fatalf("%s:\n%s", path, DiagnosticsText(opts.Files, diags))
	}
	for _, d := range diags {
		t.Errorf("%s: unexpected warning: %s: %s", path, d.Summary, d.Detail)
	}
	return spec
}

// goldenSpec renders a Spec for a golden file: Source is checked apart, and
// the executor's configuration is shown as the JSON it is.
func goldenSpec(t *testing.T, spec *sweep.Spec) []byte {
	t.Helper()
	s := *spec
	cfg := json.RawMessage(s.Executor.Config)
	s.Executor.Config, s.Source = nil, nil
	b, err := json.MarshalIndent(struct {
		Spec           sweep.Spec
		ExecutorConfig json.RawMessage
	}{s, cfg}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

// Every example loads, with no warning, to the Spec of its golden file, and
// keeps its source.
func TestExamplesLoad(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join(examplesDir, "*"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"balanced_100.hcl", "dealer_comparison_100.hcl", "dealer_comparison_100_control.hcl", "ring.hcl", "ring_frontier.hcl", "ring_lhs.hcl", "ring_modal.hcl", "ring_slurm.hcl", "ring_sweep_config.yaml"}
	var got []string
	for _, p := range paths {
		got = append(got, filepath.Base(p))
	}
	if !slices.Equal(got, want) {
		t.Fatalf("examples %v, want %v (add a golden file for a new one)", got, want)
	}
	for _, name := range want {
		t.Run(name, func(t *testing.T) {
			opts := exampleOptions()
			spec := loadExample(t, name, opts)
			src, err := os.ReadFile(filepath.Join(examplesDir, name))
			if err != nil {
				t.Fatal(err)
			}
			if string(spec.Source) != string(src) || spec.SourceName != name {
				t.Errorf("Source/SourceName not kept: %q", spec.SourceName)
			}
			checkGolden(t, filepath.Join("testdata/examples", name+".json"), goldenSpec(t, spec))
		})
	}
}

// The examples' key facts, said outright (the golden files hold the rest).
func TestExampleSpecs(t *testing.T) {
	t.Run("ring.hcl", func(t *testing.T) {
		spec := loadExample(t, "ring.hcl", testOptions())
		if spec.Ring.NAgents != 20 || spec.Grid == nil || len(spec.Grid["kappas"])*len(spec.Grid["concentrations"])*len(spec.Grid["mus"]) != 12 {
			t.Errorf("ring.hcl: n_agents %d, grid %+v", spec.Ring.NAgents, spec.Grid)
		}
		if spec.Executor.Name != "local" || string(spec.Executor.Config) != `{"parallel":2}` {
			t.Errorf("executor %s %s", spec.Executor.Name, spec.Executor.Config)
		}
		opts := testOptions()
		opts.Vars = []string{"n_agents=50"}
		if spec := loadExample(t, "ring.hcl", opts); spec.Ring.NAgents != 50 || spec.Variables["n_agents"] != "50" {
			t.Errorf("-var n_agents=50: %d %v", spec.Ring.NAgents, spec.Variables)
		}
	})
	t.Run("ring_lhs.hcl", func(t *testing.T) {
		spec := loadExample(t, "ring_lhs.hcl", testOptions())
		want := sweep.LHS{Count: 20, Ranges: map[string]sweep.Range{"kappa": {Min: "0.1", Max: "6.0"}, "concentration": {Min: "0.1", Max: "6.0"}, "mu": {Min: "0.0", Max: "1.0"}, "monotonicity": {Min: "0.0", Max: "0.0"}}}
		if spec.LHS == nil || !reflect.DeepEqual(*spec.LHS, want) || spec.Grid != nil || spec.Frontier != nil {
			t.Errorf("lhs %+v", spec.LHS)
		}
		if spec.Ring.LiquidityMode != "single_at" || spec.Ring.LiquidityAgent != "H1" {
			t.Errorf("liquidity %q %q", spec.Ring.LiquidityMode, spec.Ring.LiquidityAgent)
		}
	})
	t.Run("ring_frontier.hcl", func(t *testing.T) {
		spec := loadExample(t, "ring_frontier.hcl", testOptions())
		f := spec.Frontier
		if f == nil || !slices.Equal(f.Cells["concentrations"], []string{"0.5", "1", "2"}) || !slices.Equal(f.Cells["mus"], []string{"0", "0.5", "1"}) ||
			!slices.Equal(f.Cells["monotonicities"], []string{"0"}) || f.KappaLow != "0.1" || f.KappaHigh != "4.0" || f.Tolerance != "0.02" || f.MaxIterations != 6 {
			t.Errorf("frontier %+v", f)
		}
	})
	t.Run("ring_sweep_config.yaml", func(t *testing.T) {
		spec := loadExample(t, "ring_sweep_config.yaml", testOptions())
		if spec.ExperimentDir != "out/experiments/expel_ring_sweep" || spec.Ring.QTotal != "500.0" ||
			!slices.Equal(spec.Grid["mus"], []string{"0.0", "0.5", "1.0"}) || spec.LHS != nil || spec.Frontier != nil {
			t.Errorf("yaml: %+v", spec)
		}
	})
}

// dealer_comparison_100_control.hcl is the recorded grid of
// ../shared/conformance/ring-expel-n100: every registry row's parameters
// are a point of the grid, written with the registry's texts, and its seed is
// base_seed plus the point's index in bilancio's loop order; the scenarios
// are named with the example's name prefix.
func TestDealerComparisonMatchesRecording(t *testing.T) {
	spec := loadExample(t, "dealer_comparison_100_control.hcl", testOptions())
	r := spec.Ring
	if r.NAgents != 100 || r.MaturityDays != 10 || r.QTotal != "10000.0" || r.LiquidityMode != "uniform" ||
		r.DefaultHandling != "expel-agent" || r.BaseSeed != 42 || r.KappaRule != "debt-over-liquidity" ||
		r.NamePrefix != "Dealer Comparison (Control)" || spec.SeedMode != sweep.SeedCounter {
		t.Fatalf("ring %+v", r)
	}
	g := spec.Grid
	if g == nil || len(g["kappas"])*len(g["concentrations"])*len(g["mus"])*len(g["monotonicities"]) != 125 {
		t.Fatalf("grid %+v", g)
	}
	root := conformance.Require(t)
	rows, err := conformance.Registry(root, "ring-expel-n100")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 {
		t.Fatal("no registry rows")
	}
	for id, row := range rows {
		k := slices.Index(g["kappas"], row["kappa"])
		c := slices.Index(g["concentrations"], row["concentration"])
		mu := slices.Index(g["mus"], row["mu"])
		m := slices.Index(g["monotonicities"], row["monotonicity"])
		if k < 0 || c < 0 || mu < 0 || m < 0 {
			t.Errorf("%s: parameters %s/%s/%s/%s not in the grid's texts", id, row["kappa"], row["concentration"], row["mu"], row["monotonicity"])
			continue
		}
		index := ((k*len(g["concentrations"])+c)*len(g["mus"])+mu)*len(g["monotonicities"]) + m
		if want := strconv.FormatInt(r.BaseSeed+int64(index), 10); row["seed"] != want {
			t.Errorf("%s: seed %s, the counter gives %s", id, row["seed"], want)
		}
		if row["Q_total"] != r.QTotal || row["n_agents"] != strconv.Itoa(r.NAgents) ||
			row["maturity_days"] != strconv.Itoa(r.MaturityDays) || row["default_handling"] != r.DefaultHandling {
			t.Errorf("%s: ring %s/%s/%s/%s", id, row["Q_total"], row["n_agents"], row["maturity_days"], row["default_handling"])
		}
	}
	runs, err := conformance.Runs(root, "ring-expel-n100")
	if err != nil || len(runs) == 0 {
		t.Fatalf("runs: %v", err)
	}
	scenario, err := os.ReadFile(runs[0].File("scenario.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(scenario), "\nname: "+r.NamePrefix+" (n=100, ") {
		t.Errorf("%s is not named with the prefix %q", runs[0].Dir, r.NamePrefix)
	}
}
