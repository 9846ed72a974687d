package config

import (
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/json"
	"github.com/zclconf/go-cty/cty"
)

// collectValues gives every declared variable its value. The sources, from
// lowest to highest precedence (Terraform's and Packer's order), are:
//
//  1. the variable's default;
//  2. the environment variable BILANCIO_VAR_<name>;
//  3. the -var-file files, in command-line order;
//  4. the -var options, in command-line order.
//
// The last value given wins. Every value given is converted to the
// variable's type, and a value that does not fit is an error even when a
// later source overrides it. A -var for an undeclared variable is an error;
// an undeclared name in a var file is a warning (var files are often shared
// between sweep files); environment variables for undeclared names are not
// looked for.
func (l *loader) collectValues() {
	l.values = map[string]cty.Value{}
	l.origins = map[string]hcl.Range{}
	for _, v := range l.vars {
		if v.hasDef {
			l.values[v.name] = v.def
			l.origins[v.name] = v.defRange
		}
	}
	for _, v := range l.vars {
		key := EnvPrefix + v.name
		if raw, ok := l.opts.lookupEnv(key); ok {
			l.setRaw(v, raw, key)
		}
	}
	for _, path := range l.opts.VarFiles {
		l.readVarFile(path)
	}
	for _, arg := range l.opts.Vars {
		name, raw, ok := strings.Cut(arg, "=")
		if !ok || strings.TrimSpace(name) == "" {
			fake := syntheticFile(l.opts, fmt.Sprintf("<-var %s>", arg), arg)
			l.errorf(fake, "Invalid -var option",
				"The option -var %q is not a variable name and a value separated by an equals sign: write -var 'name=value'.", arg)
			continue
		}
		name = strings.TrimSpace(name)
		v := l.variableByName(name)
		if v == nil {
			fake := syntheticFile(l.opts, fmt.Sprintf("<-var %s>", name), arg)
			l.errorf(fake, "Value for undeclared variable",
				"A value for %q was given with -var, but the sweep file declares no variable of that name.%s To use it, declare it: variable %q { type = %s }.",
				name, didYouMean(name, l.variableNames()), name, guessType(raw))
			continue
		}
		l.setRaw(v, raw, "-var")
	}
	for _, v := range l.vars {
		if _, ok := l.values[v.name]; !ok {
			l.errorf(v.declRange, "No value for required variable",
				"The variable %q has no default, so it must be given a value: with -var '%s=...', in a -var-file, or in the environment as %s%s.",
				v.name, v.name, EnvPrefix, v.name)
		}
	}
}

// setRaw sets v from a command-line or environment text. For a variable of
// a primitive type, or of no type, the text is a string (converted to a
// number or bool as the type asks); for a list, map or object type it is an
// HCL expression (`-var 'kappas=[0.5, 1, 2]'`).
func (l *loader) setRaw(v *variable, raw, source string) {
	name := fmt.Sprintf("<value for var.%s from %s>", v.name, source)
	rng := syntheticFile(l.opts, name, raw)
	var val cty.Value
	if v.typ.IsPrimitiveType() || v.typ == cty.DynamicPseudoType {
		val = cty.StringVal(raw)
	} else {
		expr, diags := hclsyntax.ParseExpression([]byte(raw), name, hcl.InitialPos)
		l.diags = append(l.diags, diags...)
		if diags.HasErrors() {
			return
		}
		var evalDiags hcl.Diagnostics
		val, evalDiags = expr.Value(nil)
		l.diags = append(l.diags, evalDiags...)
		if evalDiags.HasErrors() {
			return
		}
	}
	if val, ok := l.convertValue(v, val, rng, source); ok {
		l.values[v.name] = val
		l.origins[v.name] = rng
	}
}

// readVarFile reads one -var-file: `name = value` attributes, in HCL native
// syntax, or a JSON object when the file's name ends in .json. Its
// expressions may call functions but not refer to variables.
func (l *loader) readVarFile(path string) {
	src, err := os.ReadFile(path)
	if err != nil {
		l.diags = append(l.diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Failed to read variables file",
			Detail:   fmt.Sprintf("Cannot read the -var-file %s: %v.", path, err),
		})
		return
	}
	var file *hcl.File
	var diags hcl.Diagnostics
	if strings.HasSuffix(strings.ToLower(path), ".json") {
		file, diags = json.Parse(src, path)
	} else {
		file, diags = hclsyntax.ParseConfig(src, path, hcl.InitialPos)
	}
	l.opts.addFile(path, file)
	l.diags = append(l.diags, diags...)
	if diags.HasErrors() {
		return
	}
	if body, ok := file.Body.(*hclsyntax.Body); ok && len(body.Blocks) > 0 {
		for _, blk := range body.Blocks {
			if blk.Type == blockVariable {
				l.errorf(blk.DefRange(), "Variable declaration in a variables file",
					"A -var-file only sets values (`name = value`); declare variables with variable blocks in the sweep file.")
			} else {
				l.errorf(blk.DefRange(), "Unexpected block in a variables file",
					"A -var-file holds only `name = value` lines, not %s blocks.", blk.Type)
			}
		}
		return
	}
	attrs, diags := file.Body.JustAttributes()
	l.diags = append(l.diags, diags...)
	ctx := &hcl.EvalContext{Functions: functions()}
	names := make([]string, 0, len(attrs))
	for name := range attrs {
		names = append(names, name)
	}
	sort.Slice(names, func(i, j int) bool {
		return attrs[names[i]].Range.Start.Byte < attrs[names[j]].Range.Start.Byte
	})
	for _, name := range names {
		attr := attrs[name]
		v := l.variableByName(name)
		if v == nil {
			l.warnf(attr.NameRange, "Value for undeclared variable",
				"The variables file sets %q, but the sweep file declares no variable of that name, so the value is not used.%s To use it, declare it:\n\nvariable %q {\n  type = %s\n}",
				name, didYouMean(name, l.variableNames()), name, "any")
			continue
		}
		val, diags := attr.Expr.Value(ctx)
		l.diags = append(l.diags, diags...)
		if diags.HasErrors() {
			continue
		}
		if val, ok := l.convertValue(v, val, attr.Expr.Range(), path); ok {
			l.values[v.name] = val
			l.origins[v.name] = attr.Expr.Range()
		}
	}
}

// syntheticFile records text as a source named name (so that diagnostics
// about it show it) and returns the range of the whole text.
func syntheticFile(opts *Options, name, text string) hcl.Range {
	opts.addFile(name, &hcl.File{Bytes: []byte(text)})
	end := hcl.Pos{Line: 1, Column: 1, Byte: len(text)}
	for _, r := range text {
		if r == '\n' {
			end.Line++
			end.Column = 1
		} else {
			end.Column++
		}
	}
	return hcl.Range{Filename: name, Start: hcl.InitialPos, End: end}
}

// guessType suggests a type constraint for a -var value.
func guessType(raw string) string {
	if _, err := parseDecimalText(strings.TrimSpace(raw)); err == nil {
		return "number"
	}
	switch strings.TrimSpace(raw) {
	case "true", "false":
		return "bool"
	}
	if strings.HasPrefix(strings.TrimSpace(raw), "[") {
		return "list(number)"
	}
	return "string"
}

// variableTexts renders the final values for Spec.Variables: a string as
// itself, a number as its decimal text, a bool as true or false, anything
// else as JSON.
func (l *loader) variableTexts() map[string]string {
	out := make(map[string]string, len(l.values))
	for name, val := range l.values {
		out[name] = valueText(val)
	}
	return out
}

// valueText renders a value as variableTexts does.
func valueText(val cty.Value) string {
	switch {
	case val.IsNull():
		return "null"
	case !val.IsKnown():
		return "(unknown)"
	case val.Type() == cty.String:
		return val.AsString()
	case val.Type() == cty.Number:
		if s, err := numberText(val.AsBigFloat()); err == nil {
			return s
		}
	case val.Type() == cty.Bool:
		if val.True() {
			return "true"
		}
		return "false"
	}
	b, err := jsonValue(val)
	if err != nil {
		return typeexpr.TypeString(val.Type())
	}
	return string(b)
}
