package config

import (
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// local is one local value: an expression named in a locals block.
type local struct {
	name string
	expr hcl.Expression
	rng  hcl.Range
}

// evalLocals evaluates the locals blocks. A local may refer to input
// variables, to other locals (in any order: each is evaluated after the
// locals it refers to) and call functions; a cycle is an error.
func (l *loader) evalLocals(blocks []*hclsyntax.Block) {
	decl := map[string]*local{}
	var order []*local
	for _, blk := range blocks {
		for _, b := range blk.Body.Blocks {
			l.errorf(b.DefRange(), "Unexpected block in locals", "A locals block holds only `name = expression` lines, not %s blocks.", b.Type)
		}
		for _, attr := range sortedAttributes(blk.Body) {
			if prev := decl[attr.Name]; prev != nil {
				l.errorf(attr.NameRange, "Duplicate local value", "A local value named %q was already defined at %s.", attr.Name, prev.rng)
				continue
			}
			lc := &local{name: attr.Name, expr: attr.Expr, rng: attr.NameRange}
			decl[attr.Name] = lc
			order = append(order, lc)
		}
	}
	l.locals = map[string]cty.Value{}
	// Reference checks need every local's name, before any is evaluated.
	l.localNames = map[string]bool{}
	for name := range decl {
		l.localNames[name] = true
	}
	for _, lc := range order {
		l.checkRefs(lc.expr, true)
	}
	if l.diags.HasErrors() {
		return
	}
	done := map[string]bool{}
	for _, lc := range order {
		l.evalLocal(lc, decl, done, nil)
	}
}

// evalLocal evaluates lc after the locals it refers to; stack holds the
// locals being evaluated, to report cycles.
func (l *loader) evalLocal(lc *local, decl map[string]*local, done map[string]bool, stack []string) bool {
	if done[lc.name] {
		_, ok := l.locals[lc.name]
		return ok
	}
	for i, s := range stack {
		if s == lc.name {
			cycle := append(append([]string(nil), stack[i:]...), lc.name)
			l.errorf(lc.rng, "Circular reference between local values",
				"The local values refer to each other in a cycle: %s.", "local."+strings.Join(cycle, " → local."))
			return false
		}
	}
	stack = append(stack, lc.name)
	for _, tr := range lc.expr.Variables() {
		if tr.RootName() != "local" {
			continue
		}
		name, ok := attrName(tr)
		if !ok || decl[name] == nil {
			continue
		}
		if !l.evalLocal(decl[name], decl, done, stack) {
			done[lc.name] = true
			return false
		}
	}
	done[lc.name] = true
	ctx := l.evalContext()
	val, diags := lc.expr.Value(ctx)
	l.diags = append(l.diags, diags...)
	if diags.HasErrors() {
		return false
	}
	l.locals[lc.name] = val
	return true
}

// evalContext is the context sweep and executor blocks are evaluated in:
// var.*, the locals evaluated so far as local.*, and the functions.
func (l *loader) evalContext() *hcl.EvalContext {
	localObj := cty.EmptyObjectVal
	if len(l.locals) > 0 {
		localObj = cty.ObjectVal(l.locals)
	}
	return &hcl.EvalContext{
		Variables: map[string]cty.Value{"var": l.varObject(), "local": localObj},
		Functions: functions(),
	}
}
