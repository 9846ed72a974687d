package config

import (
	"bytes"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcled"
	"github.com/zclconf/go-cty/cty"
)

// FormatDiagnostics writes diagnostics for a person: each with its severity,
// summary, the file, line and column it is about (file:line:col), a snippet of the source
// with the problem underlined, the values of the variables involved, and the
// detail. files are the sources by name (Options.Files); width wraps the
// detail (0: no wrapping; use the terminal's width), and color adds VT100
// colours (only on a terminal, and not with -no-color).
func FormatDiagnostics(w io.Writer, files map[string]*hcl.File, diags hcl.Diagnostics, width uint, color bool) error {
	var b bytes.Buffer
	tw := hcl.NewDiagnosticTextWriter(&b, files, width, color)
	for _, d := range diags {
		b.Reset()
		if err := tw.WriteDiagnostic(d); err != nil {
			return err
		}
		if _, err := w.Write(withColumn(b.Bytes(), d)); err != nil {
			return err
		}
	}
	return nil
}

// withColumn puts the column beside the line in a diagnostic's text: hcl's
// writer says "on ring.hcl line 5", where a person (and an editor's "go to")
// wants "on ring.hcl:5:18", as every other message of bilancio says it.
func withColumn(text []byte, d *hcl.Diagnostic) []byte {
	if d.Subject == nil {
		return text
	}
	r := d.Subject
	old := fmt.Sprintf("on %s line %d", r.Filename, r.Start.Line)
	i := bytes.Index(text, []byte(old))
	if i < 0 {
		return text
	}
	pos := fmt.Sprintf("on %s:%d:%d", r.Filename, r.Start.Line, r.Start.Column)
	out := make([]byte, 0, len(text)+8)
	out = append(out, text[:i]...)
	out = append(out, pos...)
	return append(out, text[i+len(old):]...)
}

// DiagnosticsText is FormatDiagnostics into a string, without colour or
// wrapping (for errors and tests).
func DiagnosticsText(files map[string]*hcl.File, diags hcl.Diagnostics) string {
	var b bytes.Buffer
	_ = FormatDiagnostics(&b, files, diags, 0, false)
	return b.String()
}

// JSONDiagnostic is a diagnostic in the shape of Terraform's machine-readable
// diagnostics, which `-json` output emits as a "diagnostic" event.
type JSONDiagnostic struct {
	Severity string       `json:"severity"` // "error" or "warning"
	Summary  string       `json:"summary"`
	Detail   string       `json:"detail"`
	Range    *JSONRange   `json:"range,omitempty"`
	Snippet  *JSONSnippet `json:"snippet,omitempty"`
}

// JSONRange is a source range: file, start and end (end exclusive).
type JSONRange struct {
	Filename string  `json:"filename"`
	Start    JSONPos `json:"start"`
	End      JSONPos `json:"end"`
}

// JSONPos is a position in a source: line and column count from 1, byte
// from 0.
type JSONPos struct {
	Line   int `json:"line"`
	Column int `json:"column"`
	Byte   int `json:"byte"`
}

// JSONSnippet is the source around a diagnostic's range.
type JSONSnippet struct {
	// Context names the block the range is in (`sweep "ring"`), if any.
	Context *string `json:"context"`
	// Code is the source lines the range covers, and StartLine the number
	// of the first.
	Code      string `json:"code"`
	StartLine int    `json:"start_line"`
	// HighlightStartOffset and HighlightEndOffset delimit the range within
	// Code, in bytes.
	HighlightStartOffset int `json:"highlight_start_offset"`
	HighlightEndOffset   int `json:"highlight_end_offset"`
	// Values are the values of the variables the diagnostic's expression
	// refers to.
	Values []JSONExpressionValue `json:"values"`
}

// JSONExpressionValue is the value of one variable of an expression:
// Traversal "var.n_agents", Statement `is 2`.
type JSONExpressionValue struct {
	Traversal string `json:"traversal"`
	Statement string `json:"statement"`
}

// NewJSONDiagnostic converts a diagnostic, with a snippet when its source is
// in files.
func NewJSONDiagnostic(d *hcl.Diagnostic, files map[string]*hcl.File) JSONDiagnostic {
	out := JSONDiagnostic{Severity: "error", Summary: d.Summary, Detail: d.Detail}
	if d.Severity == hcl.DiagWarning {
		out.Severity = "warning"
	}
	if d.Subject == nil {
		return out
	}
	rng := *d.Subject
	out.Range = &JSONRange{
		Filename: rng.Filename,
		Start:    JSONPos{rng.Start.Line, rng.Start.Column, rng.Start.Byte},
		End:      JSONPos{rng.End.Line, rng.End.Column, rng.End.Byte},
	}
	file := files[rng.Filename]
	if file == nil || rng.Start.Byte > len(file.Bytes) || rng.End.Byte > len(file.Bytes) {
		return out
	}
	src := file.Bytes
	lineStart := bytes.LastIndexByte(src[:rng.Start.Byte], '\n') + 1
	lineEnd := len(src)
	if i := bytes.IndexByte(src[rng.End.Byte:], '\n'); i >= 0 {
		lineEnd = rng.End.Byte + i
	}
	if rng.End.Byte > rng.Start.Byte && src[rng.End.Byte-1] == '\n' {
		lineEnd = rng.End.Byte - 1
	}
	snip := &JSONSnippet{
		Code:                 string(src[lineStart:max(lineEnd, lineStart)]),
		StartLine:            rng.Start.Line,
		HighlightStartOffset: rng.Start.Byte - lineStart,
		HighlightEndOffset:   min(rng.End.Byte, max(lineEnd, lineStart)) - lineStart,
		Values:               []JSONExpressionValue{},
	}
	if file.Body != nil {
		if c := hcled.ContextString(file, rng.Start.Byte); c != "" {
			snip.Context = &c
		}
	}
	if d.Expression != nil && d.EvalContext != nil {
		snip.Values = expressionValues(d.Expression, d.EvalContext)
	}
	out.Snippet = snip
	return out
}

// expressionValues describes the values of the variables expr refers to.
func expressionValues(expr hcl.Expression, ctx *hcl.EvalContext) []JSONExpressionValue {
	seen := map[string]bool{}
	out := []JSONExpressionValue{}
	for _, tr := range expr.Variables() {
		val, diags := tr.TraverseAbs(ctx)
		if diags.HasErrors() {
			continue
		}
		name := traversalText(tr)
		if seen[name] {
			continue
		}
		seen[name] = true
		out = append(out, JSONExpressionValue{Traversal: name, Statement: "is " + shortValue(val)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Traversal < out[j].Traversal })
	return out
}

// traversalText renders a traversal as written (var.kappas[0]).
func traversalText(tr hcl.Traversal) string {
	var b strings.Builder
	for _, step := range tr {
		switch s := step.(type) {
		case hcl.TraverseRoot:
			b.WriteString(s.Name)
		case hcl.TraverseAttr:
			b.WriteString("." + s.Name)
		case hcl.TraverseIndex:
			b.WriteString("[" + shortValue(s.Key) + "]")
		}
	}
	return b.String()
}

// shortValue describes a value in a few words: a number or string as
// written, a collection by its size.
func shortValue(v cty.Value) string {
	switch {
	case !v.IsKnown():
		return "not known yet"
	case v.IsNull():
		return "null"
	case v.Type() == cty.String:
		return fmt.Sprintf("%q", v.AsString())
	case v.Type() == cty.Number, v.Type() == cty.Bool:
		return valueText(v)
	case v.Type().IsListType() || v.Type().IsTupleType() || v.Type().IsSetType():
		if n := v.LengthInt(); n <= 10 {
			return valueText(v)
		} else {
			return fmt.Sprintf("a list of %d elements", n)
		}
	}
	return "a " + v.Type().FriendlyName()
}
