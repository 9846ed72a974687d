package config

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// FormatDiagnostics shows the file, line and column, snippet and detail, with VT100
// colours on request; NewJSONDiagnostic gives Terraform's shape.
func TestDiagnosticOutput(t *testing.T) {
	src := []byte("variable \"n\" {\n  default = 2\n}\nsweep \"s\" {\n  n_agents      = var.n\n  maturity_days = 2\n  q_total       = 100\n  grid {\n    kappas         = [1, -3]\n    concentrations = [1]\n    mus            = [0]\n  }\n}\n")
	opts := testOptions()
	_, diags := Load(context.Background(), "d.hcl", src, opts)
	if len(diags) != 2 {
		t.Fatalf("diags: %v", diags)
	}
	text := DiagnosticsText(opts.Files, diags)
	for _, want := range []string{
		"Error: Invalid value for n_agents", "on d.hcl:5:19, in sweep \"s\":", "5:   n_agents      = var.n",
		"Error: Invalid kappa", "9:     kappas         = [1, -3]", "got -3.",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
	var colored bytes.Buffer
	if err := FormatDiagnostics(&colored, opts.Files, diags, 60, true); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(colored.String(), "\x1b[") {
		t.Errorf("no colour:\n%s", colored.String())
	}

	j := NewJSONDiagnostic(diags[1], opts.Files)
	b, err := json.Marshal(j)
	if err != nil {
		t.Fatal(err)
	}
	detail, _ := json.Marshal(diags[1].Detail)
	want := `{"severity":"error","summary":"Invalid kappa","detail":` + string(detail) + `,` +
		`"range":{"filename":"d.hcl","start":{"line":9,"column":26,"byte":143},"end":{"line":9,"column":28,"byte":145}},` +
		`"snippet":{"context":"sweep \"s\"","code":"    kappas         = [1, -3]","start_line":9,"highlight_start_offset":25,"highlight_end_offset":27,"values":[]}}`
	if string(b) != want {
		t.Errorf("JSON\n got %s\nwant %s", b, want)
	}
	// The type error on n_agents carries its expression's values.
	var typeDiag JSONDiagnostic
	_, diags = Load(context.Background(), "d.hcl", bytes.Replace(src, []byte("default = 2"), []byte(`default = "x"`), 1), opts)
	for _, d := range diags {
		if d.Summary == "Incorrect attribute value type" {
			typeDiag = NewJSONDiagnostic(d, opts.Files)
		}
	}
	if typeDiag.Snippet == nil || len(typeDiag.Snippet.Values) != 1 || typeDiag.Snippet.Values[0] != (JSONExpressionValue{Traversal: "var.n", Statement: `is "x"`}) {
		t.Errorf("values: %+v", typeDiag.Snippet)
	}
	// Without a source, no snippet; without a range, no range.
	if j := NewJSONDiagnostic(diags[0], nil); j.Snippet != nil || j.Range == nil {
		t.Errorf("%+v", j)
	}
}
