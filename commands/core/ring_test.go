package core

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/cli"

	"github.com/bilancio-go/bilancio/internal/artifacts"
	"github.com/bilancio-go/bilancio/internal/conformance"
	"github.com/bilancio-go/bilancio/internal/engine"
)

// runRingGenerate runs `bilancio ring generate` in process and returns its
// stdout, stderr and exit code.
func runRingGenerate(args ...string) (string, string, int) {
	ui := cli.NewMockUi()
	c := &RingGenerateCommand{Meta: Meta{Ctx: context.Background(), UI: ui}}
	code := c.Run(args)
	return ui.OutputWriter.String(), ui.ErrorWriter.String(), code
}

// The scenarios `ring generate` prints for three runs of bilancio's
// dealer_comparison_100 control arm (spec/engine.md §7.4; seeds from the
// grid position, spec §9.1) load and run to the recorded delta_total,
// phi_total (the time to stability is the last day with dues: spec §7.4
// gives days simulated, which run past it). The first one is also
// byte-identical to the recorded scenario.yaml when the conformance data is
// present.
func TestRingGenerateReproducesRecordedRuns(t *testing.T) {
	tests := []struct {
		id, kappa, c, mu, seed string
		delta, phi             string
		days                   int
	}{
		{"comparison_control_00b2d850311d", "2", "1", "1", "131",
			"0.8906642548487589187016380263", "0.1093357451512410812983619737", 10},
		{"comparison_control_5f5f18ee7fa1", "0.25", "0.2", "0", "42",
			"0.5176635889201124046567643517", "0.4823364110798875953432356483", 1}, // mu 0: all due on day 1
		{"comparison_control_cfaff51bb13b", "4", "0.5", "0.5", "149",
			"0.9306950582563278425070309361", "0.06930494174367215749296906388", 9}, // dues on days 1, 3, 5, 7, 9
	}
	for _, tt := range tests {
		stdout, stderr, code := runRingGenerate("-n-agents", "100", "-kappa", tt.kappa, "-concentration", tt.c,
			"-mu", tt.mu, "-maturity-days", "10", "-q-total", "10000", "-seed", tt.seed, "-liquidity-mode", "uniform",
			"-default-handling", "expel-agent", "-name-prefix", "Dealer Comparison (Control)")
		if code != 0 || stderr != "" {
			t.Fatalf("%s: exit %d, stderr %q", tt.id, code, stderr)
		}
		sc, err := engine.Load(tt.id+".yaml", []byte(stdout))
		if err != nil {
			t.Fatalf("%s: %v", tt.id, err)
		}
		res, err := engine.Run(context.Background(), sc, engine.Options{CheckInvariants: engine.CheckDaily})
		if err != nil {
			t.Fatalf("%s: %v", tt.id, err)
		}
		_, rep, err := artifacts.Outputs(res)
		if err != nil {
			t.Fatal(err)
		}
		s := rep.Summary
		if s.DeltaTotal == nil || s.DeltaTotal.String() != tt.delta || s.PhiTotal == nil || s.PhiTotal.String() != tt.phi || s.MaxDay != tt.days {
			t.Errorf("%s: delta_total %v, phi_total %v, days %d; want %s, %s, %d", tt.id, s.DeltaTotal, s.PhiTotal, s.MaxDay, tt.delta, tt.phi, tt.days)
		}
		if root := conformance.Root(); root != "" {
			recorded, err := os.ReadFile(filepath.Join(root, "ring-expel-n100", "runs", tt.id, "scenario.yaml"))
			if err == nil && string(recorded) != stdout {
				t.Errorf("%s: output differs from the recorded scenario.yaml", tt.id)
			}
		}
	}
}

func TestRingGenerateErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-q-total", "100"}, "-kappa is required"},
		{[]string{"-kappa", "1"}, "-q-total or -liquidity-total is required"},
		{[]string{"-kappa", "0", "-q-total", "100"}, "kappa must be greater than 0"},
		{[]string{"-kappa", "x", "-q-total", "100"}, "-kappa: parse decimal"},
		{[]string{"-kappa", "1", "-q-total", "100", "-n-agents", "2"}, "n_agents must be between 3"},
		{[]string{"-kappa", "1", "-q-total", "100", "-liquidity-mode", "single_at", "-liquidity-agent", "H9"}, `"H9" not in ring`},
		{[]string{"-kappa", "1", "-q-total", "100", "-kappa-rule", "sideways"}, "-kappa-rule"},
		{[]string{"-kappa", "1", "-q-total", "100", "extra"}, `unexpected argument "extra"`},
		{[]string{"-bogus"}, "flag provided but not defined"},
	}
	for _, tt := range tests {
		stdout, stderr, code := runRingGenerate(tt.args...)
		if code != 1 || stdout != "" || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 1 and %q", tt.args, code, stdout, stderr, tt.want)
		}
	}
}

// The options reach the generator: the HEAD kappa rule, single_at liquidity,
// the vector mode, and leaving out default_handling.
func TestRingGenerateOptions(t *testing.T) {
	count := func(s, sub string) string { return strconv.Itoa(strings.Count(s, sub)) }
	out, stderr, code := runRingGenerate("-kappa", "0.5", "-q-total", "100", "-kappa-rule", "liquidity-over-debt",
		"-liquidity-mode", "single_at", "-liquidity-agent", "H2", "-default-handling", "none", "-max-days", "9", "-quiet-days", "3")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"initial liquidity L0=50 (kappa=0.5)", "- mint_cash:\n    to: H2\n    amount: 50\n", "  max_days: 9\n  quiet_days: 3\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "default_handling") || count(out, "- mint_cash:") != "1" {
		t.Errorf("default_handling written or several mints:\n%s", out)
	}
	out, stderr, code = runRingGenerate("-kappa", "1", "-q-total", "100", "-n-agents", "3", "-liquidity-mode", "vector", "-liquidity-vector", "1,1,2")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(out, "    amount: 25\n") || !strings.Contains(out, "    amount: 50\n") || !strings.HasSuffix(out, "  default_handling: fail-fast\n") {
		t.Errorf("vector mode:\n%s", out)
	}
}

// -balanced prints bilancio's balanced comparison scenario (spec/dealer.md
// §12): the pair of balanced_comparison_20251204 at seed 42, byte-identical
// to the recorded passive and active scenario.yaml when the conformance data
// is present.
func TestRingGenerateBalanced(t *testing.T) {
	args := []string{"-balanced", "-n-agents", "100", "-kappa", "0.25", "-concentration", "0.2", "-mu", "0",
		"-maturity-days", "10", "-q-total", "10000", "-seed", "42", "-face-value", "20",
		"-outside-mid-ratio", "0.75", "-big-entity-share", "0.25"}
	for _, tt := range []struct{ mode, set, id, name string }{
		{"passive", "balanced-passive-n100", "balanced_passive_d2f9bb3b1ca4", "Balanced Comparison (Passive) (n=100, kappa=0.25, c=0.2, mu=0) [Balanced passive]"},
		{"active", "dealer-balanced-n100", "balanced_active_b37abddb8aac", "Balanced Comparison (Active) (n=100, kappa=0.25, c=0.2, mu=0) [Balanced active]"},
	} {
		out, stderr, code := runRingGenerate(append([]string{"-mode", tt.mode}, args...)...)
		if code != 0 || stderr != "" {
			t.Fatalf("%s: exit %d, stderr %q", tt.mode, code, stderr)
		}
		if !strings.Contains(out, "\nname: "+tt.name+"\n") || strings.Contains(out, "\ndealer:\n") != (tt.mode == "active") {
			t.Errorf("%s: name or dealer block wrong:\n%s", tt.mode, out[:200])
		}
		if root := conformance.Root(); root != "" {
			recorded, err := os.ReadFile(filepath.Join(root, tt.set, "runs", tt.id, "scenario.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			if string(recorded) != out {
				t.Errorf("%s: output differs from the recorded %s/scenario.yaml", tt.mode, tt.id)
			}
		}
	}
	out, stderr, code := runRingGenerate("-balanced", "-kappa", "1", "-q-total", "100", "-name-prefix", "X")
	if code != 0 || !strings.HasPrefix(out, "version: 1\nname: X (n=5, kappa=1, c=1, mu=0) [Balanced passive]\n") {
		t.Errorf("-name-prefix with -balanced: exit %d, stderr %q:\n%s", code, stderr, out)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"-balanced", "-mode", "both", "-kappa", "1", "-q-total", "100"}, "-mode: unknown balanced mode"},
		{[]string{"-balanced", "-face-value", "x", "-kappa", "1", "-q-total", "100"}, "-face-value: parse decimal"},
		{[]string{"-balanced", "-big-entity-share", "0", "-kappa", "1", "-q-total", "100"}, "big_entity_share must be greater than 0"},
	} {
		stdout, stderr, code := runRingGenerate(tt.args...)
		if code != 1 || stdout != "" || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 1 and %q", tt.args, code, stdout, stderr, tt.want)
		}
	}
}
