package config

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/bilancio-go/bilancio/internal/ring"
	"github.com/bilancio-go/bilancio/internal/sweep"
)

// Attributes of the design blocks besides the swept parameters' (whose
// names come from ring.Sweepable: a grid's and a frontier's lists are
// named by plural, kappas = [...]; a Latin hypercube's ranges by name,
// kappa = [min, max]).
const (
	attrCount         = "count"
	attrKappaLow      = "kappa_low"
	attrKappaHigh     = "kappa_high"
	attrTolerance     = "tolerance"
	attrMaxIterations = "max_iterations"
)

// designSchema is the schema of a grid, lhs or frontier block: an attribute
// per swept parameter (required when bilancio's and without a default; a
// frontier's cells default to the grid's), and the design's own.
func designSchema(typ string) *hcl.BodySchema {
	var attrs []hcl.AttributeSchema
	for i, sp := range ring.Sweepable() {
		required := sp.Registry && sp.Default == ""
		switch {
		case typ == blockLHS && !sp.Balanced:
			attrs = append(attrs, hcl.AttributeSchema{Name: sp.Name, Required: required})
		case typ == blockGrid:
			attrs = append(attrs, hcl.AttributeSchema{Name: sp.Plural, Required: required && !sp.Balanced})
		case typ == blockFrontier && i != ring.SweptKappa && !sp.Balanced:
			attrs = append(attrs, hcl.AttributeSchema{Name: sp.Plural})
		}
	}
	switch typ {
	case blockLHS:
		attrs = append(attrs, hcl.AttributeSchema{Name: attrCount, Required: true})
	case blockFrontier:
		attrs = append(attrs,
			hcl.AttributeSchema{Name: attrKappaLow, Required: true},
			hcl.AttributeSchema{Name: attrKappaHigh, Required: true},
			hcl.AttributeSchema{Name: attrTolerance, Required: true},
			hcl.AttributeSchema{Name: attrMaxIterations, Required: true})
	}
	return &hcl.BodySchema{Attributes: attrs}
}

// decodeDesigns decodes the grid, lhs and frontier blocks of a sweep (at
// most one of each, at least one in all).
func (l *loader) decodeDesigns(sd *decoder, sweepBlock *hclsyntax.Block, blocks hcl.Blocks, spec *sweep.Spec) {
	seen := map[string]*hcl.Block{}
	var grid, lhs, frontier *hcl.Block
	for _, b := range blocks {
		if prev := seen[b.Type]; prev != nil {
			l.errorf(b.DefRange, "Duplicate "+b.Type+" block",
				"A sweep has at most one %s block, and this one already has one at %s.", b.Type, prev.DefRange)
			continue
		}
		seen[b.Type] = b
		switch b.Type {
		case blockGrid:
			grid = b
		case blockLHS:
			lhs = b
		case blockFrontier:
			frontier = b
		}
	}
	if grid == nil && lhs == nil && frontier == nil {
		l.errorf(sweepBlock.DefRange(), "No design in sweep",
			"A sweep needs at least one design saying which rings to run: a grid block (every combination of listed values), an lhs block (a Latin hypercube sample of ranges) or a frontier block (a search for the kappa at which the ring starts to clear).")
		return
	}
	if grid != nil {
		spec.Grid = l.decodeGrid(sd, grid)
	}
	if lhs != nil {
		spec.LHS = l.decodeLHS(sd, lhs)
	}
	if frontier != nil {
		spec.Frontier = l.decodeFrontier(sd, frontier, spec.Grid)
	}
}

// blockDecoder decodes a design block's attributes in the sweep's context.
func (l *loader) blockDecoder(sd *decoder, b *hcl.Block) *decoder {
	content, diags := b.Body.Content(designSchema(b.Type))
	l.diags = append(l.diags, diags...)
	return &decoder{l: l, ctx: sd.ctx, attrs: content.Attributes}
}

// paramList reads a list of values of a swept parameter and checks each.
func (l *loader) paramList(d *decoder, sp *ring.Swept) ([]string, bool) {
	ds, _, ok := d.decimals(sp.Plural, textExact)
	if !ok {
		return nil, false
	}
	for _, v := range ds {
		if msg := sp.Check(*v.d); msg != "" {
			l.errorf(v.rng, "Invalid "+sp.Name, "%s.", msg)
			ok = false
		}
	}
	return texts(ds), ok
}

// decodeGrid decodes a grid block: the full factorial design over its lists,
// run in bilancio's loop order (kappa, then concentration, mu and
// monotonicity). A list left out takes its parameter's default ([0] for
// monotonicities); a balanced sweep's outside_mid_ratios are its arms'.
func (l *loader) decodeGrid(sd *decoder, b *hcl.Block) sweep.Grid {
	d := l.blockDecoder(sd, b)
	g := sweep.Grid{}
	for _, sp := range ring.Sweepable() {
		switch {
		case sp.Balanced:
			if l.kind == kindBalanced {
				l.decodeRhos(d)
			}
		case sp.Default != "":
			g[sp.Plural] = []string{sp.Default}
			if list, ok := l.paramList(d, &sp); ok {
				g[sp.Plural] = list
			}
		default:
			if list, ok := l.paramList(d, &sp); ok || sp.Registry {
				g[sp.Plural] = list
			}
		}
	}
	return g
}

// decodeLHS decodes an lhs block: count points of a Latin hypercube over the
// [min, max] ranges of the swept parameters (monotonicity defaulting to
// [0, 0]). Range bounds are texts of the float rule, as bilancio's
// --kappa-min and --kappa-max options.
func (l *loader) decodeLHS(sd *decoder, b *hcl.Block) *sweep.LHS {
	d := l.blockDecoder(sd, b)
	lhs := &sweep.LHS{Ranges: map[string]sweep.Range{}}
	if n, rng, ok := d.integer(attrCount, 1, maxCount); ok {
		lhs.Count = int(n)
		if msg := sweep.CheckLHSCount(lhs.Count); msg != "" {
			l.errorf(rng, "Invalid value for "+attrCount, "%s.", capitalize(msg))
		}
	}
	for _, sp := range ring.Sweepable() {
		if sp.Balanced {
			continue
		}
		if sp.Default != "" {
			text, _ := cliFloatText(sp.Default)
			lhs.Ranges[sp.Name] = sweep.Range{Min: text, Max: text}
		}
		ds, rng, ok := d.decimals(sp.Name, textCLIFloat)
		if !ok {
			continue
		}
		if len(ds) != 2 {
			l.errorf(rng, "Invalid "+sp.Name+" range", "An lhs range is written [min, max]: two values, not %d.", len(ds))
			continue
		}
		if msg := checkRange(&sp, ds[0].d, ds[1].d); msg != "" {
			l.errorf(rng, "Invalid "+sp.Name+" range", "%s (got [%s, %s]).", capitalize(msg), ds[0].text, ds[1].text)
			continue
		}
		lhs.Ranges[sp.Name] = sweep.Range{Min: ds[0].text, Max: ds[1].text}
	}
	return lhs
}

// decodeFrontier decodes a frontier block: for every cell (a value of each
// swept parameter but kappa), a bisection on kappa between kappa_low and
// kappa_high toward the kappa at which delta_total falls to tolerance. The
// cells' lists default to the grid's, as in bilancio; the bounds and
// tolerance are texts of the float rule, as bilancio's --frontier-low and
// friends.
func (l *loader) decodeFrontier(sd *decoder, b *hcl.Block, grid sweep.Grid) *sweep.Frontier {
	d := l.blockDecoder(sd, b)
	f := &sweep.Frontier{Cells: sweep.Grid{}}
	for i, sp := range ring.Sweepable() {
		if i == ring.SweptKappa || sp.Balanced {
			continue
		}
		if list, ok := grid[sp.Plural]; ok {
			f.Cells[sp.Plural] = list
		} else if sp.Default != "" {
			f.Cells[sp.Plural] = []string{sp.Default}
		}
		if _, given := d.attrs[sp.Plural]; !given {
			if sp.Registry && sp.Default == "" && grid == nil {
				l.errorf(b.Body.MissingItemRange(), "Missing required argument",
					"The argument %q is required: it lists the %s values of the cells whose frontier is searched (it defaults to the grid's when the sweep has a grid block).", sp.Plural, sp.Name)
			}
			continue
		}
		if v, ok := l.paramList(d, &sp); ok {
			f.Cells[sp.Plural] = v
		}
	}
	low, lowOK := d.decimal(attrKappaLow, textCLIFloat)
	high, highOK := d.decimal(attrKappaHigh, textCLIFloat)
	tol, tolOK := d.decimal(attrTolerance, textCLIFloat)
	iters, itersRng, itersOK := d.integer(attrMaxIterations, minInt, maxInt)
	if lowOK {
		f.KappaLow = low.text
	}
	if highOK {
		f.KappaHigh = high.text
	}
	if tolOK {
		f.Tolerance = tol.text
	}
	if itersOK {
		f.MaxIterations = int(iters)
		if msg := sweep.CheckMaxIterations(iters); msg != "" {
			l.errorf(itersRng, "Invalid value for "+attrMaxIterations, "%s.", msg)
		}
	}
	// The rules of the bounds and the tolerance, each problem at its
	// attribute.
	if lowOK {
		for _, msg := range sweep.CheckFrontier(low.d, nil, nil, 1) {
			l.errorf(low.rng, "Invalid "+attrKappaLow, "%s.", msg)
		}
	}
	if lowOK && highOK {
		for _, msg := range sweep.CheckFrontier(nil, high.d, nil, 1) {
			l.errorf(high.rng, "Invalid "+attrKappaHigh, "%s.", msg)
		}
		if low.d.Sign() > 0 {
			for _, msg := range sweep.CheckFrontier(low.d, high.d, nil, 1) {
				l.errorf(high.rng, "Invalid "+attrKappaHigh, "%s.", msg)
			}
		}
	}
	if tolOK {
		for _, msg := range sweep.CheckFrontier(nil, nil, tol.d, 1) {
			l.errorf(tol.rng, "Invalid "+attrTolerance, "%s.", msg)
		}
	}
	return f
}
