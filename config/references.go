package config

import (
	"slices"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// checkRefs reports the references of expr that cannot work before it is
// evaluated, with better messages than evaluation gives: var.X and local.X
// for names never declared (with a suggestion), local.X where locals are not
// available (validation rules), and executor.X outside a sweep's executor
// argument. Other unknown names are left to evaluation ("Unknown variable").
func (l *loader) checkRefs(expr hcl.Expression, localsOK bool) {
	for _, tr := range expr.Variables() {
		root := tr.RootName()
		rng := tr.SourceRange()
		name, ok := attrName(tr)
		switch root {
		case "var":
			if !ok {
				continue
			}
			if l.variableByName(name) == nil {
				l.errorf(rng, "Reference to undeclared input variable",
					"No variable named %q is declared in this sweep file.%s Declare it with a variable %q { ... } block.",
					name, didYouMean(name, l.variableNames()), name)
			}
		case "local":
			if !localsOK {
				l.errorf(rng, "Invalid reference",
					"Local values cannot be used here: a variable's validation rule can refer only to input variables (var.NAME).")
				continue
			}
			if !ok || l.localNames == nil {
				continue
			}
			if !l.localNames[name] {
				l.errorf(rng, "Reference to undeclared local value",
					"No local value named %q is declared in a locals block of this sweep file.%s", name, didYouMean(name, mapKeys(l.localNames)))
			}
		case blockExecutor:
			l.errorf(rng, "Invalid reference",
				"An executor block can be referred to only by a sweep's executor argument (executor = executor.local).")
		}
	}
}

// checkBodyRefs checks the references of every attribute of a body, nested
// blocks included.
func (l *loader) checkBodyRefs(body *hclsyntax.Body) {
	for _, attr := range sortedAttributes(body) {
		l.checkRefs(attr.Expr, true)
	}
	for _, blk := range body.Blocks {
		l.checkBodyRefs(blk.Body)
	}
}

// attrName is the name after the root of a traversal such as var.NAME.
func attrName(tr hcl.Traversal) (string, bool) {
	if len(tr) < 2 {
		return "", false
	}
	switch step := tr[1].(type) {
	case hcl.TraverseAttr:
		return step.Name, true
	}
	return "", false
}

// mapKeys lists a map's keys.
func mapKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
