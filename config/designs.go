package config

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/bilancio-go/bilancio/internal/sweep"
)

// Attributes of the design blocks.
const (
	attrKappas         = "kappas"
	attrConcentrations = "concentrations"
	attrMus            = "mus"
	attrMonotonicities = "monotonicities"
	attrCount          = "count"
	attrKappaLow       = "kappa_low"
	attrKappaHigh      = "kappa_high"
	attrTolerance      = "tolerance"
	attrMaxIterations  = "max_iterations"
)

// designSchema is the schema of a grid, lhs or frontier block.
func designSchema(typ string) *hcl.BodySchema {
	switch typ {
	case blockGrid:
		return &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
			{Name: attrKappas, Required: true},
			{Name: attrConcentrations, Required: true},
			{Name: attrMus, Required: true},
			{Name: attrMonotonicities},
			{Name: attrOutsideMidRatios},
		}}
	case blockLHS:
		return &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
			{Name: attrCount, Required: true},
			{Name: paramKappa, Required: true},
			{Name: paramConcentration, Required: true},
			{Name: paramMu, Required: true},
			{Name: paramMonotonicity},
		}}
	}
	return &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
		{Name: attrConcentrations},
		{Name: attrMus},
		{Name: attrMonotonicities},
		{Name: attrKappaLow, Required: true},
		{Name: attrKappaHigh, Required: true},
		{Name: attrTolerance, Required: true},
		{Name: attrMaxIterations, Required: true},
	}}
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

// paramList reads a list of values of param and checks each.
func (l *loader) paramList(d *decoder, attr, param string) ([]string, bool) {
	ds, _, ok := d.decimals(attr, textExact)
	if !ok {
		return nil, false
	}
	for _, v := range ds {
		if msg := checkParam(param, v.d); msg != "" {
			l.errorf(v.rng, "Invalid "+param, "%s, got %s.", msg, v.text)
			ok = false
		}
	}
	return texts(ds), ok
}

// decodeGrid decodes a grid block: the full factorial design over its lists,
// run in bilancio's loop order (kappa, then concentration, mu and
// monotonicity). monotonicities defaults to [0].
func (l *loader) decodeGrid(sd *decoder, b *hcl.Block) *sweep.Grid {
	d := l.blockDecoder(sd, b)
	g := &sweep.Grid{Monotonicities: []string{"0"}}
	g.Kappas, _ = l.paramList(d, attrKappas, paramKappa)
	g.Concentrations, _ = l.paramList(d, attrConcentrations, paramConcentration)
	g.Mus, _ = l.paramList(d, attrMus, paramMu)
	if m, ok := l.paramList(d, attrMonotonicities, paramMonotonicity); ok {
		g.Monotonicities = m
	}
	if l.kind == kindBalanced {
		l.decodeRhos(d)
	}
	return g
}

// decodeLHS decodes an lhs block: count points of a Latin hypercube over the
// [min, max] ranges of kappa, concentration, mu and monotonicity (which
// defaults to [0, 0]). Range bounds are texts of the float rule, as
// bilancio's --kappa-min and --kappa-max options.
func (l *loader) decodeLHS(sd *decoder, b *hcl.Block) *sweep.LHS {
	d := l.blockDecoder(sd, b)
	lhs := &sweep.LHS{Monotonicity: sweep.Range{Min: "0.0", Max: "0.0"}}
	if n, rng, ok := d.integer(attrCount, 1, maxCount); ok {
		lhs.Count = int(n)
		if msg := sweep.CheckLHSCount(lhs.Count); msg != "" {
			l.errorf(rng, "Invalid value for "+attrCount, "%s.", capitalize(msg))
		}
	}
	for _, p := range []struct {
		param string
		dst   *sweep.Range
	}{
		{paramKappa, &lhs.Kappa},
		{paramConcentration, &lhs.Concentration},
		{paramMu, &lhs.Mu},
		{paramMonotonicity, &lhs.Monotonicity},
	} {
		ds, rng, ok := d.decimals(p.param, textCLIFloat)
		if !ok {
			continue
		}
		if len(ds) != 2 {
			l.errorf(rng, "Invalid "+p.param+" range", "An lhs range is written [min, max]: two values, not %d.", len(ds))
			continue
		}
		if msg := checkRange(p.param, ds[0].d, ds[1].d); msg != "" {
			l.errorf(rng, "Invalid "+p.param+" range", "%s (got [%s, %s]).", capitalize(msg), ds[0].text, ds[1].text)
			continue
		}
		*p.dst = sweep.Range{Min: ds[0].text, Max: ds[1].text}
	}
	return lhs
}

// decodeFrontier decodes a frontier block: for every (concentration, mu,
// monotonicity) cell, a bisection on kappa between kappa_low and kappa_high
// toward the kappa at which delta_total falls to tolerance. The cells'
// lists default to the grid's, as in bilancio; the bounds and tolerance are
// texts of the float rule, as bilancio's --frontier-low and friends.
func (l *loader) decodeFrontier(sd *decoder, b *hcl.Block, grid *sweep.Grid) *sweep.Frontier {
	d := l.blockDecoder(sd, b)
	f := &sweep.Frontier{Monotonicities: []string{"0"}}
	if grid != nil {
		f.Concentrations, f.Mus, f.Monotonicities = grid.Concentrations, grid.Mus, grid.Monotonicities
	}
	for _, p := range []struct {
		attr, param string
		dst         *[]string
	}{
		{attrConcentrations, paramConcentration, &f.Concentrations},
		{attrMus, paramMu, &f.Mus},
		{attrMonotonicities, paramMonotonicity, &f.Monotonicities},
	} {
		if _, given := d.attrs[p.attr]; !given {
			if p.attr != attrMonotonicities && grid == nil {
				l.errorf(b.Body.MissingItemRange(), "Missing required argument",
					"The argument %q is required: it lists the %s values of the cells whose frontier is searched (it defaults to the grid's when the sweep has a grid block).", p.attr, p.param)
			}
			continue
		}
		if v, ok := l.paramList(d, p.attr, p.param); ok {
			*p.dst = v
		}
	}
	low, lowOK := d.decimal(attrKappaLow, textCLIFloat)
	high, highOK := d.decimal(attrKappaHigh, textCLIFloat)
	if lowOK {
		if msg := checkParam(paramKappa, low.d); msg != "" {
			l.errorf(low.rng, "Invalid "+attrKappaLow, "%s, got %s.", msg, low.text)
		}
		f.KappaLow = low.text
	}
	if highOK {
		f.KappaHigh = high.text
		if lowOK && low.d.Cmp(high.d) >= 0 {
			l.errorf(high.rng, "Invalid "+attrKappaHigh,
				"kappa_high must be greater than kappa_low (%s): the search bisects the bracket [kappa_low, kappa_high], got %s.", low.text, high.text)
		}
	}
	if tol, ok := d.decimal(attrTolerance, textCLIFloat); ok {
		if msg := checkPositiveDecimal("tolerance (on delta_total, the share of dues left unpaid)", tol.d); msg != "" {
			l.errorf(tol.rng, "Invalid "+attrTolerance, "%s, got %s.", msg, tol.text)
		}
		f.Tolerance = tol.text
	}
	if n, _, ok := d.integer(attrMaxIterations, 1, 1000); ok {
		f.MaxIterations = int(n)
	}
	return f
}
