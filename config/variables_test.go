package config

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

// precedenceSweep declares a number, a list and a string variable.
const precedenceSweep = `
variable "n_agents" {
  type    = number
  default = 10
}
variable "kappas" {
  type    = list(number)
  default = [1]
}
variable "prefix" {
  type    = string
  default = "Default"
}
variable "alive" {
  type    = bool
  default = false
  validation {
    condition     = var.alive
    error_message = "alive must end up true."
  }
}

sweep "vars" {
  n_agents      = var.n_agents
  maturity_days = 5
  q_total       = 1000
  name_prefix   = var.prefix
  grid {
    kappas         = var.kappas
    concentrations = [1]
    mus            = [0]
  }
}
`

// writeVarFile writes a -var-file into dir and returns its path.
func writeVarFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// Values come from the default, BILANCIO_VAR_name, the -var-file files in
// order and the -var options in order, the last one winning; validation
// rules judge the final value.
func TestVariablePrecedence(t *testing.T) {
	dir := t.TempDir()
	f1 := writeVarFile(t, dir, "one.bilanciovars.hcl", "n_agents = 30\nkappas = [3, 4]\nalive = true\n")
	f2 := writeVarFile(t, dir, "two.bilanciovars.hcl", "n_agents = 40\n")
	fj := writeVarFile(t, dir, "three.json", `{"n_agents": 45, "prefix": "From JSON"}`)
	fn := writeVarFile(t, dir, "funcs.bilanciovars.hcl", "kappas = [for k in range(1, 4) : k / 2]\n")
	cases := []struct {
		name     string
		env      map[string]string
		files    []string
		vars     []string
		n        int
		kappas   []string
		prefix   string
		wantFrom map[string]string // Spec.Variables entries
	}{
		{name: "defaults", vars: []string{"alive=true"}, n: 10, kappas: []string{"1"}, prefix: "Default"},
		{name: "environment over default",
			env: map[string]string{"BILANCIO_VAR_n_agents": "20", "BILANCIO_VAR_kappas": "[2, 2.5]", "BILANCIO_VAR_prefix": "Env value", "BILANCIO_VAR_alive": "true"},
			n:   20, kappas: []string{"2", "2.5"}, prefix: "Env value"},
		{name: "environment for an undeclared name is ignored",
			env: map[string]string{"BILANCIO_VAR_unknown": "x", "BILANCIO_VAR_alive": "true"}, n: 10, kappas: []string{"1"}, prefix: "Default"},
		{name: "var file over environment",
			env: map[string]string{"BILANCIO_VAR_n_agents": "20"}, files: []string{f1}, n: 30, kappas: []string{"3", "4"}, prefix: "Default"},
		{name: "later var file over earlier",
			files: []string{f1, f2}, n: 40, kappas: []string{"3", "4"}, prefix: "Default"},
		{name: "earlier var file under later, whatever their names",
			files: []string{f2, f1}, n: 30, kappas: []string{"3", "4"}, prefix: "Default"},
		{name: "JSON var file",
			files: []string{f1, fj}, n: 45, kappas: []string{"3", "4"}, prefix: "From JSON"},
		{name: "var files may call functions",
			files: []string{f1, fn}, n: 30, kappas: []string{"0.5", "1", "1.5"}, prefix: "Default"},
		{name: "-var over var files and environment",
			env: map[string]string{"BILANCIO_VAR_n_agents": "20"}, files: []string{f1, f2}, vars: []string{"n_agents=50"}, n: 50, kappas: []string{"3", "4"}, prefix: "Default"},
		{name: "later -var over earlier",
			vars: []string{"n_agents=50", "alive=true", "n_agents=60"}, n: 60, kappas: []string{"1"}, prefix: "Default"},
		{name: "-var of a list is an expression, of a string plain text",
			vars: []string{"kappas=[0.25, 0.5]", "prefix=A = B, with spaces", "alive=true"}, n: 10, kappas: []string{"0.25", "0.5"}, prefix: "A = B, with spaces",
			wantFrom: map[string]string{"kappas": "[0.25,0.5]", "prefix": "A = B, with spaces", "n_agents": "10", "alive": "true"}},
		{name: "validation judges the final value, not the default",
			env: map[string]string{"BILANCIO_VAR_alive": "false"}, vars: []string{"alive=true"}, n: 10, kappas: []string{"1"}, prefix: "Default"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			opts := testOptions()
			opts.LookupEnv, opts.VarFiles, opts.Vars = envMap(c.env), c.files, c.vars
			spec, diags := Load(context.Background(), "vars.hcl", []byte(precedenceSweep), opts)
			if diags.HasErrors() || len(diags) > 0 {
				t.Fatalf("diagnostics:\n%s", DiagnosticsText(opts.Files, diags))
			}
			if spec.Ring.NAgents != c.n || !slices.Equal(spec.Grid["kappas"], c.kappas) || spec.Ring.NamePrefix != c.prefix {
				t.Errorf("n_agents %d kappas %v prefix %q; want %d %v %q", spec.Ring.NAgents, spec.Grid["kappas"], spec.Ring.NamePrefix, c.n, c.kappas, c.prefix)
			}
			for k, v := range c.wantFrom {
				if spec.Variables[k] != v {
					t.Errorf("Variables[%s] = %q, want %q", k, spec.Variables[k], v)
				}
			}
		})
	}
}

// Problems with variable values are diagnostics naming where the value came
// from; an undeclared name in a var file is only a warning.
func TestVariableErrors(t *testing.T) {
	dir := t.TempDir()
	bad := writeVarFile(t, dir, "bad.bilanciovars.hcl", "alive = true\nn_agents = \"lots\"\n")
	undeclared := writeVarFile(t, dir, "extra.bilanciovars.hcl", "alive = true\nn_agent = 5\n")
	block := writeVarFile(t, dir, "block.bilanciovars.hcl", "variable \"n_agents\" {\n  default = 5\n}\n")
	syntax := writeVarFile(t, dir, "syntax.bilanciovars.hcl", "n_agents = = 5\n")
	cases := []struct {
		name     string
		env      map[string]string
		files    []string
		vars     []string
		severity hcl.DiagnosticSeverity
		summary  string
		file     string // the diagnostic's file name
		line     int
		detail   string // part of the detail
	}{
		{name: "environment value of the wrong type", env: map[string]string{"BILANCIO_VAR_n_agents": "many"}, vars: []string{"alive=true"},
			severity: hcl.DiagError, summary: "Invalid value for input variable", file: "<value for var.n_agents from BILANCIO_VAR_n_agents>", line: 1, detail: "a number is required"},
		{name: "even when a later source overrides it", env: map[string]string{"BILANCIO_VAR_n_agents": "many"}, vars: []string{"alive=true", "n_agents=5"},
			severity: hcl.DiagError, summary: "Invalid value for input variable", file: "<value for var.n_agents from BILANCIO_VAR_n_agents>", line: 1},
		{name: "var file value of the wrong type", files: []string{bad},
			severity: hcl.DiagError, summary: "Invalid value for input variable", file: bad, line: 2},
		{name: "list -var that does not parse", vars: []string{"alive=true", "kappas=[1,"},
			severity: hcl.DiagError, summary: "Missing expression", file: "<value for var.kappas from -var>", line: 1},
		{name: "list -var of the wrong element type", vars: []string{"alive=true", `kappas=["a"]`},
			severity: hcl.DiagError, summary: "Invalid value for input variable", file: "<value for var.kappas from -var>", line: 1, detail: "at [0]: a number is required"},
		{name: "undeclared name in a var file", files: []string{undeclared},
			severity: hcl.DiagWarning, summary: "Value for undeclared variable", file: undeclared, line: 2, detail: `Did you mean "n_agents"?`},
		{name: "variable block in a var file", files: []string{block}, vars: []string{"alive=true"},
			severity: hcl.DiagError, summary: "Variable declaration in a variables file", file: block, line: 1},
		{name: "var file syntax error", files: []string{syntax}, vars: []string{"alive=true"},
			severity: hcl.DiagError, summary: "Invalid expression", file: syntax, line: 1},
		{name: "validation rule on the environment value", env: map[string]string{"BILANCIO_VAR_alive": "false"},
			severity: hcl.DiagError, summary: "Invalid value for variable", file: "<value for var.alive from BILANCIO_VAR_alive>", line: 1, detail: "alive must end up true."},
		{name: "validation rule on a var file value", files: []string{writeVarFile(t, dir, "dead.hcl", "alive = false\n")},
			severity: hcl.DiagError, summary: "Invalid value for variable", file: filepath.Join(dir, "dead.hcl"), line: 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			opts := testOptions()
			opts.LookupEnv, opts.VarFiles, opts.Vars = envMap(c.env), c.files, c.vars
			spec, diags := Load(context.Background(), "vars.hcl", []byte(precedenceSweep), opts)
			if c.severity == hcl.DiagError && spec != nil {
				t.Errorf("a Spec despite errors")
			}
			if c.severity == hcl.DiagWarning && (spec == nil || diags.HasErrors()) {
				t.Errorf("no Spec for a warning:\n%s", DiagnosticsText(opts.Files, diags))
			}
			for _, d := range diags {
				if d.Severity == c.severity && d.Summary == c.summary && d.Subject != nil &&
					d.Subject.Filename == c.file && d.Subject.Start.Line == c.line && strings.Contains(d.Detail, c.detail) {
					if _, ok := opts.Files[c.file]; !ok {
						t.Errorf("source %s not in Files", c.file)
					}
					return
				}
			}
			t.Errorf("want %s at %s:%d, got:\n%s", c.summary, c.file, c.line, DiagnosticsText(opts.Files, diags))
		})
	}
}

// A missing var file is an error that names it.
func TestMissingVarFile(t *testing.T) {
	opts := testOptions()
	opts.VarFiles = []string{"testdata/no-such.bilanciovars.hcl"}
	opts.Vars = []string{"alive=true"}
	_, diags := Load(context.Background(), "vars.hcl", []byte(precedenceSweep), opts)
	if !diags.HasErrors() || !strings.Contains(diags.Error(), "no-such.bilanciovars.hcl") {
		t.Errorf("diags: %v", diags)
	}
}
