package config

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/bilancio-go/bilancio/sdk"
)

// sweepWith is a valid sweep file with extra top-level text and sweep
// arguments.
func sweepWith(top, args string) string {
	return top + `
sweep "s" {
  ` + args + `
  n_agents      = 5
  maturity_days = 2
  q_total       = 100
  grid {
    kappas         = [1]
    concentrations = [1]
    mus            = [0]
  }
}
`
}

// The executor a sweep uses is decoded against its plugin's schema and
// handed on as JSON of the attributes set.
func TestExecutorConfig(t *testing.T) {
	cases := []struct {
		name, src string
		env       map[string]string
		schema    bool // SchemaFor set
		plugin    string
		config    string
	}{
		{name: "no executor block: local with its defaults", src: sweepWith("", ""), schema: true, plugin: "local", config: `{}`},
		{name: "the only executor block, unreferenced", src: sweepWith(`executor "local" { root = "out" }`, ""), schema: true, plugin: "local", config: `{"root":"out"}`},
		{name: "every attribute type, from variables and locals",
			src: sweepWith(`
variable "token" {
  type    = string
  default = "secret"
}
locals {
  regions = ["us-east", "eu-west"]
}
executor "local" {}
executor "modal" "big" {
  cpu        = 2
  memory_mib = 1024 * 2
  gpu        = true
  regions    = local.regions
  token      = var.token
}`, "executor = executor.modal.big"),
			schema: true, plugin: "modal", config: `{"cpu":2,"gpu":true,"memory_mib":2048,"regions":["us-east","eu-west"],"token":"secret"}`},
		{name: "a required attribute set by its environment variable", src: sweepWith(`executor "modal" { cpu = 0.5 }`, "executor = executor.modal"),
			env: map[string]string{modalTokenEnv: "from-env"}, schema: true, plugin: "modal", config: `{"cpu":0.5}`},
		{name: "null attributes are left out", src: sweepWith(`executor "local" {
  parallel = null
  root     = "r"
}`, `executor = executor["local"]`), schema: true, plugin: "local", config: `{"root":"r"}`},
		{name: "no schema: the block as written", src: sweepWith(`executor "custom" {
  anything = [1, "two"]
  nested   = { a = 1 }
}`, "executor = executor.custom"), plugin: "custom", config: `{"anything":[1,"two"],"nested":{"a":1}}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			opts := testOptions()
			if !c.schema {
				opts.SchemaFor = nil
			}
			opts.LookupEnv = envMap(c.env)
			spec, diags := Load(context.Background(), "exec.hcl", []byte(c.src), opts)
			if diags.HasErrors() {
				t.Fatalf("%s", DiagnosticsText(opts.Files, diags))
			}
			if spec.Executor.Name != c.plugin || string(spec.Executor.Config) != c.config {
				t.Errorf("executor %s %s, want %s %s", spec.Executor.Name, spec.Executor.Config, c.plugin, c.config)
			}
			if c.schema {
				// The configuration is what the plugin's own decoder accepts.
				schema, _ := testSchemas(context.Background(), c.plugin)
				var v map[string]any
				if tok, ok := c.env[modalTokenEnv]; ok {
					t.Setenv(modalTokenEnv, tok)
				}
				if err := (&sdk.Config{JSON: spec.Executor.Config}).Decode(schema, &v); err != nil {
					t.Errorf("the plugin refuses it: %v", err)
				}
			}
		})
	}
}

// Only the executor the sweep uses is asked for its schema; a plugin that
// cannot be found is a diagnostic at its block.
func TestExecutorSchemaLookup(t *testing.T) {
	var asked []string
	opts := testOptions()
	opts.SchemaFor = func(ctx context.Context, name string) ([]sdk.ConfigAttribute, error) {
		asked = append(asked, name)
		if name == "gone" {
			return nil, errors.New("no executor plugin \"gone\" found")
		}
		return testSchemas(ctx, name)
	}
	src := sweepWith("executor \"local\" {}\nexecutor \"modal\" { token = \"t\" }\n", "executor = executor.local")
	if _, diags := Load(context.Background(), "exec.hcl", []byte(src), opts); diags.HasErrors() {
		t.Fatal(diags)
	}
	if strings.Join(asked, ",") != "local" {
		t.Errorf("asked for %v", asked)
	}
	src = sweepWith("executor \"gone\" {}\n", "")
	_, diags := Load(context.Background(), "exec.hcl", []byte(src), opts)
	if !diags.HasErrors() || diags[0].Summary != "Executor plugin not available" || diags[0].Subject.Start.Line != 1 || diags[0].Subject.Start.Column != 10 {
		t.Errorf("diags %v", diags)
	}
	for _, bad := range []struct{ top, summary string }{
		{"executor \"Local\" {}\n", "Invalid executor name"},
		{"executor \"local\" {}\nexecutor \"local\" {}\n", "Duplicate executor block"},
		{"executor \"local\" \"a\" \"b\" {}\n", "Extraneous label"},
		{"executor {}\n", "Missing label"},
	} {
		_, diags := Load(context.Background(), "exec.hcl", []byte(sweepWith(bad.top, "")), opts)
		if !diags.HasErrors() || diags[0].Summary != bad.summary {
			t.Errorf("%q: %v", bad.top, diags)
		}
	}
}
