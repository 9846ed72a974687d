package config

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/bilancio-go/bilancio/internal/sweep"
	"github.com/bilancio-go/bilancio/sdk"
)

// DefaultExecutor is the executor plugin of a sweep file that declares none.
const DefaultExecutor = "local"

// executorDecl is an executor block: `executor "PLUGIN" { ... }`, or a named
// instance `executor "PLUGIN" "NAME" { ... }`, referred to as
// executor.PLUGIN or executor.PLUGIN.NAME.
type executorDecl struct {
	plugin, instance string
	block            *hclsyntax.Block
}

// address is how a sweep refers to the executor.
func (e *executorDecl) address() string {
	if e.instance != "" {
		return "executor." + e.plugin + "." + e.instance
	}
	return "executor." + e.plugin
}

// declareExecutors checks the executor blocks' labels and that no two have
// the same address.
func (l *loader) declareExecutors(blocks []*hclsyntax.Block) []*executorDecl {
	var out []*executorDecl
	seen := map[string]*executorDecl{}
	for _, blk := range blocks {
		e := &executorDecl{plugin: blk.Labels[0], block: blk}
		if !sdk.ValidExecutorName(e.plugin) {
			l.errorf(blk.LabelRanges[0], "Invalid executor name",
				"%q cannot name an executor plugin: plugin names are lower-case letters, digits, '-' and '_' (the plugin is the binary bilancio-executor-%s).", e.plugin, e.plugin)
			continue
		}
		if len(blk.Labels) == 2 {
			e.instance = blk.Labels[1]
			if !hclsyntax.ValidIdentifier(e.instance) {
				l.errorf(blk.LabelRanges[1], "Invalid executor instance name",
					"%q cannot name an executor instance: a name starts with a letter and holds letters, digits, underscores and dashes.", e.instance)
				continue
			}
		}
		if prev := seen[e.address()]; prev != nil {
			l.errorf(blk.DefRange(), "Duplicate executor block",
				"%s is already declared at %s. Give each executor block of the same plugin a name of its own: executor %q \"NAME\" { ... }.", e.address(), prev.block.DefRange(), e.plugin)
			continue
		}
		seen[e.address()] = e
		out = append(out, e)
	}
	return out
}

// resolveExecutor finds the executor a sweep runs on: the one its executor
// argument refers to, else the only one declared, else the local executor
// with its defaults (a nil block).
func (l *loader) resolveExecutor(sweepBlock *hclsyntax.Block, ref hcl.Expression, decls []*executorDecl) *executorDecl {
	addrs := make([]string, len(decls))
	for i, e := range decls {
		addrs[i] = e.address()
	}
	if ref == nil {
		switch len(decls) {
		case 0:
			return &executorDecl{plugin: DefaultExecutor}
		case 1:
			return decls[0]
		}
		l.errorf(sweepBlock.DefRange(), "Ambiguous executor",
			"The file declares several executors (%s): say which one this sweep runs on, e.g. executor = %s.", strings.Join(addrs, ", "), addrs[0])
		return nil
	}
	tr, diags := hcl.AbsTraversalForExpr(ref)
	if diags.HasErrors() || tr.RootName() != blockExecutor || len(tr) < 2 || len(tr) > 3 {
		hint := "executor.local"
		if len(addrs) > 0 {
			hint = addrs[0]
		}
		if s, ok := ref.(*hclsyntax.TemplateExpr); ok && s.IsStringLiteral() {
			if v, _ := s.Value(nil); v.Type() == cty.String {
				hint = "executor." + v.AsString()
			}
		}
		l.errorf(ref.Range(), "Invalid executor reference",
			"The executor argument refers to an executor block, written without quotes: executor = %s.", hint)
		return nil
	}
	var parts []string
	for _, step := range tr[1:] {
		switch s := step.(type) {
		case hcl.TraverseAttr:
			parts = append(parts, s.Name)
		case hcl.TraverseIndex:
			if s.Key.Type() == cty.String {
				parts = append(parts, s.Key.AsString())
			}
		}
	}
	addr := "executor." + strings.Join(parts, ".")
	for _, e := range decls {
		if e.address() == addr {
			return e
		}
	}
	detail := fmt.Sprintf("No executor block declares %s.", addr)
	if len(addrs) > 0 {
		detail += fmt.Sprintf(" The file declares %s.%s", strings.Join(addrs, ", "), didYouMean(addr, addrs))
	}
	detail += fmt.Sprintf(" Declare it with executor %q { ... }.", parts[0])
	l.errorf(ref.Range(), "Reference to undeclared executor", "%s", detail)
	return nil
}

// decodeExecutor decodes the body of the executor the sweep uses against the
// plugin's configuration schema (Options.SchemaFor) with hcldec, and encodes
// the attributes it sets as a JSON object for the plugin's Configure.
// Attributes left out are left out of the JSON too: the plugin gives them
// their Env value or default.
func (l *loader) decodeExecutor(e *executorDecl) sweep.ExecutorRef {
	ref := sweep.ExecutorRef{Name: e.plugin, Config: []byte("{}")}
	if e.block == nil {
		return ref
	}
	l.checkBodyRefs(e.block.Body)
	if l.diags.HasErrors() {
		return ref
	}
	ctx := l.evalContext()
	if l.opts.SchemaFor == nil {
		ref.Config = l.executorWithoutSchema(e, ctx)
		return ref
	}
	schema, err := l.opts.SchemaFor(l.ctx, e.plugin)
	if err != nil {
		l.errorf(e.block.LabelRanges[0], "Executor plugin not available",
			"Cannot read the configuration schema of the executor plugin %q: %v.", e.plugin, err)
		return ref
	}
	spec, envRequired := l.hcldecSpec(e, schema)
	if spec == nil {
		return ref
	}
	val, diags := hcldec.Decode(e.block.Body, spec, ctx)
	l.diags = append(l.diags, diags...)
	if diags.HasErrors() {
		return ref
	}
	for _, a := range envRequired {
		if !val.GetAttr(a.Name).IsNull() {
			continue
		}
		if v, ok := l.opts.lookupEnv(a.Env); ok && v != "" {
			continue
		}
		l.errorf(e.block.Body.MissingItemRange(), "Missing required argument",
			"The executor %s requires the argument %q (%s): set it here or in the environment variable %s.", e.plugin, a.Name, a.Description, a.Env)
	}
	cfg := map[string]any{}
	for it := val.ElementIterator(); it.Next(); {
		k, v := it.Element()
		if v.IsNull() {
			continue
		}
		p, err := plainValue(v)
		if err != nil {
			l.errorf(e.block.Body.SrcRange, "Invalid executor configuration", "Attribute %q: %v.", k.AsString(), err)
			continue
		}
		cfg[k.AsString()] = p
	}
	ref.Config = l.marshalConfig(e, cfg)
	return ref
}

// hcldecSpec builds the hcldec spec of a plugin's schema. A required
// attribute with an Env variable is optional in the spec, and returned in
// envRequired for Load to check that the environment sets it.
func (l *loader) hcldecSpec(e *executorDecl, schema []sdk.ConfigAttribute) (hcldec.ObjectSpec, []sdk.ConfigAttribute) {
	spec := hcldec.ObjectSpec{}
	var envRequired []sdk.ConfigAttribute
	for _, a := range schema {
		ty, ok := schemaType(a.Type)
		if !ok {
			l.errorf(e.block.LabelRanges[0], "Invalid executor schema",
				"The executor plugin %q declares the attribute %q with the type %q, which is not one of string, number, bool and list(string): the plugin is broken.", e.plugin, a.Name, a.Type)
			return nil, nil
		}
		required := a.Required && a.Env == ""
		if a.Required && a.Env != "" {
			envRequired = append(envRequired, a)
		}
		spec[a.Name] = &hcldec.AttrSpec{Name: a.Name, Type: ty, Required: required}
	}
	return spec, envRequired
}

// schemaType maps an sdk attribute type to a cty type.
func schemaType(t string) (cty.Type, bool) {
	switch t {
	case sdk.TypeString:
		return cty.String, true
	case sdk.TypeNumber:
		return cty.Number, true
	case sdk.TypeBool:
		return cty.Bool, true
	case sdk.TypeListString:
		return cty.List(cty.String), true
	}
	return cty.NilType, false
}

// executorWithoutSchema takes an executor block's attributes as written,
// when no schema is at hand.
func (l *loader) executorWithoutSchema(e *executorDecl, ctx *hcl.EvalContext) []byte {
	for _, b := range e.block.Body.Blocks {
		l.errorf(b.DefRange(), "Unsupported block type", "An executor block holds attributes only, not %s blocks.", b.Type)
	}
	cfg := map[string]any{}
	for _, attr := range sortedAttributes(e.block.Body) {
		val, diags := attr.Expr.Value(ctx)
		l.diags = append(l.diags, diags...)
		if diags.HasErrors() || val.IsNull() {
			continue
		}
		p, err := plainValue(val)
		if err != nil {
			l.errorf(attr.Expr.Range(), "Invalid executor configuration", "Attribute %q: %v.", attr.Name, err)
			continue
		}
		cfg[attr.Name] = p
	}
	return l.marshalConfig(e, cfg)
}

// marshalConfig encodes an executor's configuration.
func (l *loader) marshalConfig(e *executorDecl, cfg map[string]any) []byte {
	b, err := json.Marshal(cfg)
	if err != nil {
		l.errorf(e.block.DefRange(), "Invalid executor configuration", "Cannot encode the configuration as JSON: %v.", err)
		return []byte("{}")
	}
	return b
}
