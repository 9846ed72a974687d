package config

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/bilancio-go/bilancio/internal/sweep"
)

// A config that leaves everything out runs bilancio's `sweep ring` defaults.
func TestYAMLDefaults(t *testing.T) {
	spec, err := LoadBilancioYAML("sweeps/defaults.yaml", []byte("version: 1\n"))
	if err != nil {
		t.Fatal(err)
	}
	wantRing := sweep.RingParams{NAgents: 5, MaturityDays: 3, QTotal: "500.0", LiquidityMode: "single_at", LiquidityAgent: "H1",
		DefaultHandling: "fail-fast", BaseSeed: 42, NamePrefix: "Kalecki Ring Sweep"}
	if spec.Ring != wantRing {
		t.Errorf("ring %+v\nwant %+v", spec.Ring, wantRing)
	}
	wantGrid := sweep.Grid{"kappas": []string{"0.25", "0.5", "1", "2", "4"}, "concentrations": []string{"0.2", "0.5", "1", "2", "5"},
		"mus": []string{"0", "0.25", "0.5", "0.75", "1"}, "monotonicities": []string{"0"}}
	if spec.Grid == nil || !slices.Equal(spec.Grid["kappas"], wantGrid["kappas"]) || !slices.Equal(spec.Grid["concentrations"], wantGrid["concentrations"]) ||
		!slices.Equal(spec.Grid["mus"], wantGrid["mus"]) || !slices.Equal(spec.Grid["monotonicities"], wantGrid["monotonicities"]) {
		t.Errorf("grid %+v", spec.Grid)
	}
	if spec.LHS != nil || spec.Frontier != nil || spec.Name != "defaults" || spec.ExperimentDir != "" || spec.SourceName != "defaults.yaml" ||
		spec.SeedMode != sweep.SeedCounter || spec.Executor.Name != "local" || string(spec.Executor.Config) != "{}" {
		t.Errorf("spec %+v", spec)
	}
}

// bilancio's risk assessment settings only reach a dealer sweep's
// scenarios; in a plain ring sweep (the only kind imported) they change
// nothing, so they are accepted and the plan is the one without them.
func TestYAMLRiskAssessmentInert(t *testing.T) {
	plain, err := LoadBilancioYAML("sweeps/s.yaml", []byte("version: 1\nrunner:\n  n_agents: 7\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, extra := range []string{
		"  risk_assessment_enabled: true\n",
		"  risk_assessment_enabled: false\n  risk_assessment_config: {base_risk_premium: 0.02}\n",
		"  dealer_enabled: false\n  risk_assessment_config: null\n",
	} {
		spec, err := LoadBilancioYAML("sweeps/s.yaml", []byte("version: 1\nrunner:\n  n_agents: 7\n"+extra))
		if err != nil {
			t.Fatalf("%q: %v", extra, err)
		}
		if spec.Ring != plain.Ring || !slices.Equal(spec.Grid["kappas"], plain.Grid["kappas"]) {
			t.Errorf("%q changed the sweep: %+v, want %+v", extra, spec.Ring, plain.Ring)
		}
	}
}

// Decimal texts are bilancio's: PyYAML's scalars, pydantic's Decimal of them
// for the grid, and a float round trip for q_total, ranges and bounds.
func TestYAMLDecimalTexts(t *testing.T) {
	src := `
version: 1
runner:
  q_total: %Q%
  liquidity_mode: uniform
  liquidity_agent: H1
grid:
  enabled: false
  kappas: [0.10, 1, "0.50", 1e5, 010, 1_000, 0x10]
  concentrations: [2.50, 1.0]
  mus: [0.0, 0, 1.0]
lhs:
  count: 4
  kappa_range: [0.1, 6]
  concentration_range: ["0.5", 2.0]
  mu_range: [0, 1]
frontier:
  enabled: yes
  kappa_low: 0.1
  kappa_high: 4
  tolerance: 0.02
  max_iterations: 6
`
	load := func(q string) *sweep.Spec {
		spec, err := LoadBilancioYAML("texts.yaml", []byte(strings.Replace(src, "%Q%", q, 1)))
		if err != nil {
			t.Fatalf("q_total %s: %v", q, err)
		}
		return spec
	}
	spec := load("500")
	if spec.Grid != nil {
		t.Errorf("grid.enabled false gave a grid")
	}
	if spec.Ring.LiquidityAgent != "" {
		t.Errorf("uniform liquidity kept the agent %q", spec.Ring.LiquidityAgent)
	}
	want := &sweep.LHS{Count: 4, Ranges: map[string]sweep.Range{"kappa": {Min: "0.1", Max: "6.0"}, "concentration": {Min: "0.5", Max: "2.0"}, "mu": {Min: "0.0", Max: "1.0"}, "monotonicity": {Min: "0.0", Max: "0.0"}}}
	if !reflect.DeepEqual(*spec.LHS, *want) {
		t.Errorf("lhs %+v", spec.LHS)
	}
	f := spec.Frontier
	if f == nil || f.KappaLow != "0.1" || f.KappaHigh != "4.0" || f.Tolerance != "0.02" || f.MaxIterations != 6 ||
		!slices.Equal(f.Cells["concentrations"], []string{"2.5", "1.0"}) || !slices.Equal(f.Cells["mus"], []string{"0.0", "0", "1.0"}) || !slices.Equal(f.Cells["monotonicities"], []string{"0"}) {
		t.Errorf("frontier %+v", f)
	}
	for q, want := range map[string]string{"500": "500.0", `"10000"`: "10000.0", "0.1": "0.1", "1e3": "1000.0", "10000.0": "10000.0", "2.5e+3": "2500.0"} {
		if got := load(q).Ring.QTotal; got != want {
			t.Errorf("q_total %s: got %q, want %q", q, got, want)
		}
	}
	kappas := strings.Replace(src, "enabled: false", "enabled: true", 1)
	spec, err := LoadBilancioYAML("texts.yaml", []byte(strings.Replace(kappas, "%Q%", "1", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := spec.Grid["kappas"], []string{"0.1", "1", "0.50", "1E+5", "8", "1000", "16"}; !slices.Equal(got, want) {
		t.Errorf("kappas %q, want %q", got, want)
	}
}

// Every problem is a *YAMLError at the line and column of the offending
// key or value.
func TestYAMLErrors(t *testing.T) {
	cases := []struct {
		name, src string
		line, col int
		msg       string
	}{
		{"unknown key", "version: 1\nrunner:\n  n_agent: 5\n", 3, 3, "unknown key runner.n_agent"},
		{"unknown top-level key", "version: 1\ngird:\n  enabled: true\n", 2, 1, `Did you mean "grid"?`},
		{"version", "version: 2\n", 1, 10, "unsupported sweep config version 2"},
		{"syntax", "version: 1\ngrid: [0.1,\n", 2, 1, "invalid YAML"},
		{"not a mapping", "- 1\n- 2\n", 1, 1, "must be a YAML mapping"},
		{"empty", "", 1, 1, "must be a YAML mapping"},
		{"mu out of range", "grid:\n  kappas: [1]\n  concentrations: [1]\n  mus: [0, 1.5]\n", 4, 12, "grid.mus[1]: mu must be between 0 and 1"},
		{"kappa not positive", "grid:\n  kappas: [0, 1]\n  concentrations: [1]\n  mus: [0]\n", 2, 12, "kappa must be greater than 0"},
		{"grid without kappas", "grid:\n  enabled: true\n  concentrations: [1]\n  mus: [0]\n", 2, 3, "grid.kappas must be provided when grid.enabled is true"},
		{"lhs without a range", "lhs:\n  count: 5\n  kappa_range: [0.1, 6]\n  concentration_range: [1, 2]\n", 2, 3, "lhs.mu_range must contain exactly two values"},
		{"lhs range of three", "lhs:\n  count: 5\n  kappa_range: [0.1, 6, 7]\n  concentration_range: [1, 2]\n  mu_range: [0, 1]\n", 3, 16, "lhs.kappa_range must contain exactly two values"},
		{"frontier incomplete", "frontier:\n  enabled: true\n  kappa_low: 0.1\n  kappa_high: 4\n", 2, 3, "frontier fields missing when frontier.enabled is true: tolerance, max_iterations"},
		{"frontier bracket", "frontier:\n  enabled: true\n  kappa_low: 4\n  kappa_high: 1\n  tolerance: 0.02\n  max_iterations: 6\n", 4, 15, "kappa_high must be greater than kappa_low"},
		{"dealer", "runner:\n  dealer_enabled: true\n", 2, 19, "dealer sweeps cannot be imported"},
		{"liquidity mode", "runner:\n  liquidity_mode: vector\n", 2, 19, "liquidity_mode must be"},
		{"liquidity agent", "runner:\n  n_agents: 5\n  liquidity_agent: H9\n", 3, 20, "liquidity_agent H9 is not in a ring of 5 agents"},
		{"n_agents type", "runner:\n  n_agents: many\n", 2, 13, "runner.n_agents must be an integer, got many"},
		{"n_agents small", "runner:\n  n_agents: 2\n", 2, 13, "runner.n_agents must be between 3 (a ring needs three agents) and 1000000, got 2"},
		{"duplicate key", "version: 1\nversion: 1\n", 2, 1, "version is given twice"},
		{"default handling", "runner:\n  default_handling: retry\n", 2, 21, "default_handling must be"},
		{"string expected", "runner:\n  name_prefix: 5\n", 2, 16, "runner.name_prefix must be a string"},
		{"risk assessment flag", "runner:\n  risk_assessment_enabled: maybe\n", 2, 28, "runner.risk_assessment_enabled must be"},
		{"risk assessment config", "runner:\n  risk_assessment_config: [1]\n", 2, 27, "runner.risk_assessment_config must be a mapping"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			spec, err := LoadBilancioYAML("bad.yaml", []byte(c.src))
			if err == nil {
				t.Fatalf("loaded: %+v", spec)
			}
			var ye *YAMLError
			if !errors.As(err, &ye) {
				t.Fatalf("not a *YAMLError: %v", err)
			}
			if ye.Line != c.line || ye.Column != c.col || !strings.Contains(ye.Message, c.msg) {
				t.Errorf("got %v, want bad.yaml:%d:%d: ...%s...", err, c.line, c.col, c.msg)
			}
			if !strings.HasPrefix(err.Error(), "bad.yaml:") {
				t.Errorf("error does not start with the file: %v", err)
			}
		})
	}
	// Several problems are reported together.
	_, err := LoadBilancioYAML("bad.yaml", []byte("version: 3\nrunner:\n  n_agents: 1\n"))
	if j, ok := err.(interface{ Unwrap() []error }); !ok || len(j.Unwrap()) != 2 {
		t.Errorf("want two errors, got %v", err)
	}
}

// LoadFile reads YAML by extension and reports its problems as diagnostics
// with a source snippet.
func TestLoadFileYAML(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sweep.yml")
	if err := os.WriteFile(path, []byte("version: 1\ngrid:\n  kappas: [1, -2]\n  concentrations: [1]\n  mus: [0]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	opts := testOptions()
	spec, diags := LoadFile(context.Background(), path, opts)
	if spec != nil || len(diags) != 1 || diags[0].Subject == nil {
		t.Fatalf("spec %v diags %v", spec, diags)
	}
	if s := diags[0].Subject; s.Start.Line != 3 || s.Start.Column != 15 || s.End.Column != 17 || s.Start.Byte != 31 {
		t.Errorf("range %+v", s)
	}
	text := DiagnosticsText(opts.Files, diags)
	if !strings.Contains(text, "3:   kappas: [1, -2]") || !strings.Contains(text, "kappa must be greater than 0") {
		t.Errorf("diagnostic text:\n%s", text)
	}
	for _, bad := range []string{"sweep.toml", "missing.hcl"} {
		p := filepath.Join(dir, bad)
		if bad == "sweep.toml" {
			if err := os.WriteFile(p, nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if _, diags := LoadFile(context.Background(), p, testOptions()); !diags.HasErrors() || !strings.Contains(diags.Error(), bad) {
			t.Errorf("%s: %v", bad, diags)
		}
	}
}
