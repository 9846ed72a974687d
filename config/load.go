package config

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/bilancio-go/bilancio/internal/sweep"
)

// Load reads a sweep file written in bilancio's HCL sweep language (see the
// package documentation) and returns the sweep it declares. filename names
// the file in diagnostics; src is its content.
//
// Decoding runs in phases: the file's structure, the variable declarations,
// their values (default < BILANCIO_VAR_name < -var-file < -var), their
// validation rules, the locals, the sweep block, and last the executor block
// the sweep uses, decoded against the plugin's own schema. Every problem is
// an error diagnostic naming the file, line and column; warnings may come
// with a Spec. The Spec is nil whenever diags.HasErrors().
func Load(ctx context.Context, filename string, src []byte, opts Options) (*sweep.Spec, hcl.Diagnostics) {
	file, diags := hclsyntax.ParseConfig(src, filename, hcl.InitialPos)
	opts.addFile(filename, file)
	if diags.HasErrors() {
		return nil, diags
	}
	body, ok := file.Body.(*hclsyntax.Body)
	if !ok {
		return nil, append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Not a native HCL file",
			Detail:   fmt.Sprintf("%s could not be read as HCL native syntax.", filename),
		})
	}
	l := &loader{ctx: ctx, opts: &opts, filename: filename}
	spec := l.load(body)
	diags = append(diags, l.diags...)
	if diags.HasErrors() {
		return nil, diags
	}
	spec.Source = src
	spec.SourceName = filepath.Base(filename)
	return spec, diags
}

// LoadFile reads the sweep file at path: an HCL sweep file (.hcl), or one of
// bilancio's own YAML sweep configs (.yaml or .yml, see LoadBilancioYAML,
// for which opts do not apply). Errors reading or importing the file come
// back as a diagnostic too.
func LoadFile(ctx context.Context, path string, opts Options) (*sweep.Spec, hcl.Diagnostics) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Failed to read sweep file",
			Detail:   fmt.Sprintf("Cannot read %s: %v.", path, err),
		}}
	}
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".hcl":
		return Load(ctx, path, src, opts)
	case ".yaml", ".yml":
		spec, err := LoadBilancioYAML(path, src)
		if err != nil {
			opts.addFile(path, &hcl.File{Bytes: src})
			return nil, yamlDiagnostics(src, err)
		}
		return spec, nil
	default:
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Unknown sweep file type",
			Detail:   fmt.Sprintf("%s: a sweep file is HCL (name ending in .hcl) or one of bilancio's YAML sweep configs (.yaml or .yml), not %q.", path, ext),
		}}
	}
}

// yamlDiagnostics turns the errors of LoadBilancioYAML into diagnostics
// whose ranges point into src.
func yamlDiagnostics(src []byte, err error) hcl.Diagnostics {
	var errs []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	} else {
		errs = []error{err}
	}
	var diags hcl.Diagnostics
	for _, e := range errs {
		var ye *YAMLError
		if !errors.As(e, &ye) {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid sweep config", Detail: e.Error()})
			continue
		}
		start := yamlPos(src, ye.Line, ye.Column)
		end := yamlPos(src, ye.Line, ye.Column+ye.width)
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid bilancio sweep config",
			Detail:   ye.Message + ".",
			Subject:  &hcl.Range{Filename: ye.Filename, Start: start, End: end},
		})
	}
	return diags
}

// yamlPos is the position of a line and column (in characters) in src,
// clamped to the line.
func yamlPos(src []byte, line, col int) hcl.Pos {
	off := 0
	for l := 1; l < line && off < len(src); l++ {
		i := bytes.IndexByte(src[off:], '\n')
		if i < 0 {
			off = len(src)
			break
		}
		off += i + 1
	}
	pos := hcl.Pos{Line: line, Column: 1, Byte: off}
	for pos.Column < col && pos.Byte < len(src) && src[pos.Byte] != '\n' {
		_, size := utf8.DecodeRune(src[pos.Byte:])
		pos.Byte += size
		pos.Column++
	}
	return pos
}

// loader is the state of one Load.
type loader struct {
	ctx      context.Context
	opts     *Options
	filename string
	diags    hcl.Diagnostics

	// vars are the declared input variables, in file order.
	vars []*variable
	// values are the variables' final values, and origins where each came
	// from (for the diagnostics of validation rules).
	values  map[string]cty.Value
	origins map[string]hcl.Range
	// localNames are the declared locals, and locals their values, once
	// evaluated.
	localNames map[string]bool
	locals     map[string]cty.Value

	// kind is the sweep block's kind (kindRing, kindComparison or
	// kindBalanced); rhos a balanced grid's outside_mid_ratios and armRefs
	// a paired sweep's per-arm executor references (see paired.go).
	kind    string
	rhos    []string
	armRefs [2]hcl.Expression
}

// load runs the phases on the file's body and returns the Spec, which is
// meaningful only when no error was reported.
func (l *loader) load(body *hclsyntax.Body) *sweep.Spec {
	blocks := l.structure(body)
	l.declareVariables(blocks.variables)
	if l.diags.HasErrors() {
		return nil
	}
	l.collectValues()
	if l.diags.HasErrors() {
		return nil
	}
	l.validateVariables()
	l.evalLocals(blocks.locals)
	if l.diags.HasErrors() {
		return nil
	}
	executors := l.declareExecutors(blocks.executors)
	sweepBlock := l.oneSweep(body, blocks.sweeps)
	if sweepBlock == nil || l.diags.HasErrors() {
		return nil
	}
	spec, ref := l.decodeSweep(sweepBlock)
	armExecs := l.resolveArmExecutors(sweepBlock, l.armRefs, executors)
	var exec *executorDecl
	if ref == nil && armExecs[0] != nil && armExecs[1] != nil {
		exec = armExecs[0] // both arms say where they run
	} else {
		exec = l.resolveExecutor(sweepBlock, ref, executors)
	}
	if l.diags.HasErrors() {
		return nil
	}
	spec.Executor = l.decodeExecutor(exec)
	for i, e := range armExecs {
		if e != nil && spec.Paired != nil {
			spec.Paired.Executors[i] = l.decodeExecutor(e)
		}
	}
	spec.Variables = l.variableTexts()
	return spec
}

// errorf reports an error diagnostic at rng.
func (l *loader) errorf(rng hcl.Range, summary, format string, args ...any) {
	r := rng
	l.diags = append(l.diags, &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  summary,
		Detail:   fmt.Sprintf(format, args...),
		Subject:  &r,
	})
}

// warnf reports a warning diagnostic at rng.
func (l *loader) warnf(rng hcl.Range, summary, format string, args ...any) {
	r := rng
	l.diags = append(l.diags, &hcl.Diagnostic{
		Severity: hcl.DiagWarning,
		Summary:  summary,
		Detail:   fmt.Sprintf(format, args...),
		Subject:  &r,
	})
}
