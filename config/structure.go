package config

import (
	"fmt"
	"slices"

	"github.com/agext/levenshtein"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// Top-level block types of a sweep file.
const (
	blockVariable = "variable"
	blockLocals   = "locals"
	blockExecutor = "executor"
	blockSweep    = "sweep"
)

// topBlocks are a sweep file's top-level blocks, by type, in file order.
type topBlocks struct {
	variables, locals, executors, sweeps []*hclsyntax.Block
}

// structure sorts the file's top-level blocks by type, checking their labels,
// and reports anything else found at the top level.
func (l *loader) structure(body *hclsyntax.Body) topBlocks {
	var b topBlocks
	for _, attr := range sortedAttributes(body) {
		l.errorf(attr.NameRange, "Unsupported argument",
			"An argument named %q is not expected at the top level of a sweep file, which holds only variable, locals, executor and sweep blocks. Did you mean to put it inside the sweep block?", attr.Name)
	}
	for _, blk := range body.Blocks {
		switch blk.Type {
		case blockVariable:
			if l.labels(blk, 1, 1, "variable \"NAME\" { ... }") {
				b.variables = append(b.variables, blk)
			}
		case blockLocals:
			if l.labels(blk, 0, 0, "locals { ... }") {
				b.locals = append(b.locals, blk)
			}
		case blockExecutor:
			if l.labels(blk, 1, 2, "executor \"PLUGIN\" { ... } or executor \"PLUGIN\" \"NAME\" { ... }") {
				b.executors = append(b.executors, blk)
			}
		case blockSweep:
			if l.labels(blk, 1, 1, "sweep \"NAME\" { ... }") {
				b.sweeps = append(b.sweeps, blk)
			}
		default:
			detail := fmt.Sprintf("Blocks of type %q are not expected here: a sweep file holds variable, locals, executor and sweep blocks.", blk.Type)
			if s := suggest(blk.Type, []string{blockVariable, blockLocals, blockExecutor, blockSweep}); s != "" {
				detail += fmt.Sprintf(" Did you mean %q?", s)
			}
			l.errorf(blk.TypeRange, "Unsupported block type", "%s", detail)
		}
	}
	return b
}

// labels checks that blk has between lo and hi labels.
func (l *loader) labels(blk *hclsyntax.Block, lo, hi int, shape string) bool {
	n := len(blk.Labels)
	switch {
	case n < lo:
		l.errorf(blk.OpenBraceRange, "Missing label", "A %s block is written %s.", blk.Type, shape)
	case n > hi:
		l.errorf(blk.LabelRanges[hi], "Extraneous label", "A %s block is written %s.", blk.Type, shape)
	default:
		return true
	}
	return false
}

// sortedAttributes returns a body's attributes in source order.
func sortedAttributes(body *hclsyntax.Body) []*hclsyntax.Attribute {
	attrs := make([]*hclsyntax.Attribute, 0, len(body.Attributes))
	for _, a := range body.Attributes {
		attrs = append(attrs, a)
	}
	slices.SortFunc(attrs, func(a, b *hclsyntax.Attribute) int { return a.SrcRange.Start.Byte - b.SrcRange.Start.Byte })
	return attrs
}

// suggest returns the option closest to name when it is close enough to be
// a likely typo, else "".
func suggest(name string, options []string) string {
	best, bestDist := "", 3
	for _, o := range options {
		if d := levenshtein.Distance(name, o, nil); d < bestDist {
			best, bestDist = o, d
		}
	}
	return best
}

// didYouMean is " Did you mean "x"?" when suggest finds one, else "".
func didYouMean(name string, options []string) string {
	if s := suggest(name, options); s != "" {
		return fmt.Sprintf(" Did you mean %q?", s)
	}
	return ""
}
