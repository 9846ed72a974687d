package config

import (
	"context"
	"flag"
	"io"
	"strings"
	"testing"
)

// One rule per input: a value is refused alike from a sweep file, one of
// bilancio's YAML sweep configs and the `sweep ring` flags, with the same
// sentence (each input adds only where the value is).
func TestOneRulePerInput(t *testing.T) {
	hclSweep := func(ring, grid string) string {
		return "sweep \"s\" {\n  n_agents = 5\n  maturity_days = 3\n  q_total = 500\n" + ring + "\n  grid {\n    kappas = [1]\n    concentrations = [1]\n    mus = [0]\n" + grid + "\n  }\n}\n"
	}
	for _, c := range []struct {
		name           string
		hcl, yaml      string
		flags          []string
		want           string
		skipYAML, skip bool
	}{
		{name: "n_agents", hcl: strings.Replace(hclSweep("", ""), "n_agents = 5", "n_agents = 2", 1), yaml: "runner:\n  n_agents: 2\n", flags: []string{"-n-agents", "2"},
			want: "n_agents must be between 3 (a ring needs three agents) and 1000000, got 2"},
		{name: "maturity_days", hcl: strings.Replace(hclSweep("", ""), "maturity_days = 3", "maturity_days = 0", 1), yaml: "runner:\n  maturity_days: 0\n", flags: []string{"-maturity-days", "0"},
			want: "maturity_days must be at least 1 (payables fall due on days 1 to maturity_days), got 0"},
		{name: "q_total negative", hcl: strings.Replace(hclSweep("", ""), "q_total = 500", "q_total = -1", 1), yaml: "runner:\n  q_total: -1\n", flags: []string{"-q-total", "-1"},
			want: "q_total (the total dues S1 of the ring) must be greater than 0, got -1.0"},
		{name: "q_total too large", hcl: strings.Replace(hclSweep("", ""), "q_total = 500", "q_total = 1e400", 1), yaml: "runner:\n  q_total: 1.0e+400\n", flags: []string{"-q-total", "1e400"},
			want: "q_total is out of range: 1"},
		{name: "default_handling", hcl: hclSweep(`  default_handling = "ignore"`, ""), yaml: "runner:\n  default_handling: ignore\n", flags: []string{"-default-handling", "ignore"},
			want: `default_handling must be "fail-fast" (a default stops the run) or "expel-agent" (the defaulter leaves the ring and the run goes on), got "ignore"`},
		{name: "liquidity_mode", hcl: hclSweep(`  liquidity_mode = "evenly"`, ""), yaml: "runner:\n  liquidity_mode: evenly\n", flags: []string{"-liquidity-mode", "evenly"},
			want: `liquidity_mode must be "uniform" (every agent starts with L0/n) or "single_at" (liquidity_agent starts with all of L0), got "evenly"`},
		{name: "liquidity_agent", hcl: hclSweep(`  liquidity_agent = "H9"`, ""), yaml: "runner:\n  liquidity_agent: H9\n", flags: []string{"-liquidity-agent", "H9"},
			want: "liquidity_agent H9 is not in a ring of 5 agents (H1 to H5)"},
		{name: "mu", hcl: strings.Replace(hclSweep("", ""), "mus = [0]", "mus = [2]", 1), yaml: "grid:\n  kappas: [1]\n  concentrations: [1]\n  mus: [2]\n", flags: []string{"-mus", "2"},
			want: "mu must be between 0 and 1: it is the lead-lag misalignment of the due days (0: every agent is paid before it pays; 1: after), got 2"},
		{name: "kappa", hcl: strings.Replace(hclSweep("", ""), "kappas = [1]", "kappas = [0]", 1), yaml: "grid:\n  kappas: [0]\n  concentrations: [1]\n  mus: [0]\n", flags: []string{"-kappas", "0"},
			want: "kappa must be greater than 0"},
		{name: "seed_mode", hcl: hclSweep(`  seed_mode = "random"`, ""), flags: []string{"-seed-mode", "random"}, skipYAML: true,
			want: `seed_mode must be "counter" (bilancio's: base_seed, then one more per run in loop order) or "derived" (each run's seed is a hash of its parameters), got "random"`},
		{name: "replicates", hcl: hclSweep(`  replicates = -3`, ""), flags: []string{"-replicates", "-3"}, skipYAML: true,
			want: "replicates must be between 0 and 2147483648 (runs per grid and lhs point, each with its own seed; 0 and 1 both mean one), got -3"},
	} {
		t.Run(c.name, func(t *testing.T) {
			words := func(s string) string { return strings.Join(strings.Fields(s), " ") }
			opts := testOptions()
			_, diags := Load(context.Background(), "s.hcl", []byte(c.hcl), opts)
			if got := words(DiagnosticsText(opts.Files, diags)); !strings.Contains(got, c.want) {
				t.Errorf("sweep file:\n%s\nwant %q", got, c.want)
			}
			if !c.skipYAML {
				_, err := LoadBilancioYAML("s.yaml", []byte(c.yaml))
				if err == nil || !strings.Contains(words(err.Error()), c.want) {
					t.Errorf("YAML config: %v\nwant %q", err, c.want)
				}
			}
			var f RingFlags
			fs := flag.NewFlagSet("sweep ring", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			f.Register(fs)
			err := fs.Parse(c.flags)
			if err == nil {
				_, err = f.Spec()
			}
			if err == nil || !strings.Contains(words(err.Error()), c.want) {
				t.Errorf("flags: %v\nwant %q", err, c.want)
			}
		})
	}
}
