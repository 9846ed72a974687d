package config

import (
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// variable is a declared input variable:
//
//	variable "n_agents" {
//	  type        = number
//	  default     = 20
//	  description = "ring size"
//	  validation {
//	    condition     = var.n_agents >= 3
//	    error_message = "A ring needs at least three agents."
//	  }
//	}
type variable struct {
	name      string
	declRange hcl.Range
	// typ is the type constraint (cty.DynamicPseudoType when none is
	// given) and defaults the optional attributes' defaults of an object
	// type.
	typ      cty.Type
	defaults *typeexpr.Defaults
	// def is the default value when hasDef (without one the variable is
	// required) and defRange where it is written.
	hasDef      bool
	def         cty.Value
	defRange    hcl.Range
	description string
	validations []*validationRule
}

// validationRule is a variable's validation block.
type validationRule struct {
	condition    hcl.Expression
	errorMessage hcl.Expression
	declRange    hcl.Range
}

// variableSchema is the schema of a variable block.
func variableSchema() *hcl.BodySchema {
	return &hcl.BodySchema{
		Attributes: []hcl.AttributeSchema{{Name: "type"}, {Name: "default"}, {Name: "description"}},
		Blocks:     []hcl.BlockHeaderSchema{{Type: "validation"}},
	}
}

// validationSchema is the schema of a variable's validation block.
func validationSchema() *hcl.BodySchema {
	return &hcl.BodySchema{
		Attributes: []hcl.AttributeSchema{{Name: "condition", Required: true}, {Name: "error_message", Required: true}},
	}
}

// declareVariables decodes the variable blocks.
func (l *loader) declareVariables(blocks []*hclsyntax.Block) {
	seen := map[string]*variable{}
	for _, blk := range blocks {
		v := l.declareVariable(blk)
		if v == nil {
			continue
		}
		if prev := seen[v.name]; prev != nil {
			l.errorf(blk.LabelRanges[0], "Duplicate variable declaration",
				"A variable named %q was already declared at %s. Variable names must be unique within a sweep file.", v.name, prev.declRange)
			continue
		}
		seen[v.name] = v
		l.vars = append(l.vars, v)
	}
}

// declareVariable decodes one variable block.
func (l *loader) declareVariable(blk *hclsyntax.Block) *variable {
	name := blk.Labels[0]
	if !hclsyntax.ValidIdentifier(name) {
		l.errorf(blk.LabelRanges[0], "Invalid variable name",
			"%q cannot name a variable: a name starts with a letter and holds letters, digits, underscores and dashes.", name)
		return nil
	}
	v := &variable{name: name, declRange: blk.DefRange(), typ: cty.DynamicPseudoType}
	content, diags := blk.Body.Content(variableSchema())
	l.diags = append(l.diags, diags...)
	if attr, ok := content.Attributes["type"]; ok {
		ty, defaults, diags := typeexpr.TypeConstraintWithDefaults(attr.Expr)
		l.diags = append(l.diags, diags...)
		if !diags.HasErrors() {
			v.typ, v.defaults = ty, defaults
		}
	}
	if attr, ok := content.Attributes["description"]; ok {
		val, diags := attr.Expr.Value(nil)
		l.diags = append(l.diags, diags...)
		if !diags.HasErrors() {
			if s, err := convert.Convert(val, cty.String); err != nil || s.IsNull() {
				l.errorf(attr.Expr.Range(), "Invalid description", "A variable's description must be a string.")
			} else {
				v.description = s.AsString()
			}
		}
	}
	if attr, ok := content.Attributes["default"]; ok {
		v.defRange = attr.Expr.Range()
		val, diags := attr.Expr.Value(nil)
		l.diags = append(l.diags, diags...)
		if !diags.HasErrors() {
			if val, ok := l.convertValue(v, val, v.defRange, "its default"); ok {
				v.def, v.hasDef = val, true
			}
		}
	}
	for _, b := range content.Blocks {
		vc, diags := b.Body.Content(validationSchema())
		l.diags = append(l.diags, diags...)
		if diags.HasErrors() {
			continue
		}
		v.validations = append(v.validations, &validationRule{
			condition:    vc.Attributes["condition"].Expr,
			errorMessage: vc.Attributes["error_message"].Expr,
			declRange:    b.DefRange,
		})
	}
	return v
}

// convertValue converts a value given for v (from what, at rng) to v's type,
// reporting a diagnostic when it does not fit.
func (l *loader) convertValue(v *variable, val cty.Value, rng hcl.Range, what string) (cty.Value, bool) {
	if v.defaults != nil {
		val = v.defaults.Apply(val)
	}
	out, err := convert.Convert(val, v.typ)
	if err != nil {
		l.errorf(rng, "Invalid value for input variable",
			"The value of var.%s from %s is not suitable: %s. The variable's type is %s.", v.name, what, errText(err), typeexpr.TypeString(v.typ))
		return cty.NilVal, false
	}
	return out, true
}

// errText is a conversion error's message as part of a sentence, with the
// element it is about ("at [2]: a number is required").
func errText(err error) string {
	var pe cty.PathError
	if errors.As(err, &pe) && len(pe.Path) > 0 {
		return "at " + formatPath(pe.Path) + ": " + pe.Error()
	}
	return err.Error()
}

// formatPath renders a cty path in HCL index syntax ("[2]", "[0].name").
func formatPath(p cty.Path) string {
	var b strings.Builder
	for _, step := range p {
		switch st := step.(type) {
		case cty.IndexStep:
			switch st.Key.Type() {
			case cty.Number:
				fmt.Fprintf(&b, "[%s]", st.Key.AsBigFloat().Text('f', -1))
			case cty.String:
				fmt.Fprintf(&b, "[%q]", st.Key.AsString())
			}
		case cty.GetAttrStep:
			b.WriteString("." + st.Name)
		}
	}
	return b.String()
}

// variableByName returns the declared variable name, or nil.
func (l *loader) variableByName(name string) *variable {
	for _, v := range l.vars {
		if v.name == name {
			return v
		}
	}
	return nil
}

// variableNames lists the declared variables.
func (l *loader) variableNames() []string {
	names := make([]string, len(l.vars))
	for i, v := range l.vars {
		names[i] = v.name
	}
	return names
}
