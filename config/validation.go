package config

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// validateVariables runs the variables' validation blocks on their final
// values. A condition may refer to any input variable (not to locals) and
// call functions; when it is false, the diagnostic shows the rule's
// error_message and points at where the offending value was given (the
// default, a -var-file line, or the -var or environment text).
func (l *loader) validateVariables() {
	ctx := &hcl.EvalContext{
		Variables: map[string]cty.Value{"var": l.varObject()},
		Functions: functions(),
	}
	for _, v := range l.vars {
		val, ok := l.values[v.name]
		if !ok {
			continue
		}
		for _, rule := range v.validations {
			l.checkRefs(rule.condition, false)
			l.checkRefs(rule.errorMessage, false)
			if l.diags.HasErrors() {
				return
			}
			cond, diags := rule.condition.Value(ctx)
			l.diags = append(l.diags, diags...)
			if diags.HasErrors() {
				continue
			}
			cond, err := convert.Convert(cond, cty.Bool)
			if err != nil || cond.IsNull() || !cond.IsKnown() {
				l.errorf(rule.condition.Range(), "Invalid validation condition",
					"The condition of a validation rule must be true or false.")
				continue
			}
			if cond.True() {
				continue
			}
			msg := "The value does not satisfy the rule."
			if m, diags := rule.errorMessage.Value(ctx); !diags.HasErrors() {
				if m, err := convert.Convert(m, cty.String); err == nil && !m.IsNull() && m.IsKnown() {
					msg = m.AsString()
				}
			} else {
				l.diags = append(l.diags, diags...)
			}
			origin := l.origins[v.name]
			l.diags = append(l.diags, &hcl.Diagnostic{
				Severity:    hcl.DiagError,
				Summary:     "Invalid value for variable",
				Detail:      fmt.Sprintf("%s\n\nvar.%s is %s; this was checked by the validation rule at %s.", msg, v.name, valueText(val), rule.declRange),
				Subject:     &origin,
				Expression:  rule.condition,
				EvalContext: ctx,
			})
		}
	}
}

// varObject is the `var` object of evaluation contexts.
func (l *loader) varObject() cty.Value {
	if len(l.values) == 0 {
		return cty.EmptyObjectVal
	}
	return cty.ObjectVal(l.values)
}
