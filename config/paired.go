package config

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/bilancio-go/bilancio/internal/pynum"
	"github.com/bilancio-go/bilancio/internal/sweep"
)

// Paired sweeps: bilancio's `sweep comparison` (a control arm without dealer,
// a treatment arm with one) and `sweep balanced` (a passive and an active
// arm of the balanced ring). A sweep block is one of them when it says so
// with kind, or when it has their blocks or attributes, or when its label is
// "comparison" or "balanced":
//
//	sweep "dealer_comparison_100" {
//	  kind = "comparison"               # or inferred from the blocks below
//	  ...ring settings...
//	  dealer {                           # the treatment's dealer block
//	    ticket_size  = 1                 # default 1 (int() of it is written)
//	    dealer_share = 0.25              # default 0.25
//	    vbt_share    = 0.5               # default 0.5
//	  }
//	  grid { ... }
//	  control   { executor = executor.local }      # optional, per arm
//	  treatment { executor = executor.modal }
//	}
//
//	sweep "balanced_100" {
//	  kind             = "balanced"
//	  ...ring settings...
//	  face_value       = 20              # default 20
//	  big_entity_share = 0.25            # β, default 0.25
//	  vbt_share        = "0.50"          # the active arm's, default 0.50
//	  detailed_logging = true            # default true
//	  grid {
//	    ...
//	    outside_mid_ratios = ["0.75"]    # ρ, the outermost loop; default 1.0, 0.9, 0.8, 0.75, 0.5
//	  }
//	  passive { executor = ... }
//	  active  { executor = ... }
//	}
//
// Both kinds take emulate_display_truncation (default false): the dealer
// arm's runs then stop where bilancio's display bug stopped them
// (spec/dealer.md §14), to regenerate its recorded, damaged results.

// Attributes and blocks of paired sweeps.
const (
	attrKind             = "kind"
	attrFaceValue        = "face_value"
	attrBigEntityShare   = "big_entity_share"
	attrVBTShare         = "vbt_share"
	attrDetailedLogging  = "detailed_logging"
	attrTicketSize       = "ticket_size"
	attrDealerShare      = "dealer_share"
	attrOutsideMidRatios = "outside_mid_ratios"
	attrEmulateTruncate  = "emulate_display_truncation"

	blockDealer    = "dealer"
	blockControl   = sweep.ArmControl
	blockTreatment = sweep.ArmTreatment
	blockPassive   = sweep.ArmPassive
	blockActive    = sweep.ArmActive
)

// Sweep kinds.
const (
	kindRing       = "ring"
	kindComparison = sweep.KindComparison
	kindBalanced   = sweep.KindBalanced
)

// bilancio's `sweep balanced` default ρ values.
func defaultOutsideMidRatios() []string { return []string{"1.0", "0.9", "0.8", "0.75", "0.5"} }

// pairedItem is a sweep attribute or block that belongs to one kind of
// paired sweep.
type pairedItem struct {
	name string
	rng  hcl.Range
	kind string
}

// pairedItems lists the attributes and blocks of a sweep block (and the
// outside_mid_ratios of its grid) that belong to a paired kind, in file
// order.
func pairedItems(content *hcl.BodyContent, grid *hcl.Block) []pairedItem {
	var items []pairedItem
	for _, b := range content.Blocks {
		switch b.Type {
		case blockDealer, blockControl, blockTreatment:
			items = append(items, pairedItem{b.Type + " block", b.DefRange, kindComparison})
		case blockPassive, blockActive:
			items = append(items, pairedItem{b.Type + " block", b.DefRange, kindBalanced})
		}
	}
	for _, name := range []string{attrFaceValue, attrBigEntityShare, attrVBTShare, attrDetailedLogging} {
		if a, ok := content.Attributes[name]; ok {
			items = append(items, pairedItem{name, a.NameRange, kindBalanced})
		}
	}
	if grid != nil {
		if attrs, _ := grid.Body.JustAttributes(); attrs != nil {
			if a, ok := attrs[attrOutsideMidRatios]; ok {
				items = append(items, pairedItem{"grid." + attrOutsideMidRatios, a.NameRange, kindBalanced})
			}
		}
	}
	return items
}

// sweepKind says which kind of sweep a sweep block is: its kind attribute,
// else the kind its paired blocks and attributes belong to, else its label
// when that is "comparison" or "balanced", else a ring sweep. Items of
// another kind than the sweep's are errors.
func (l *loader) sweepKind(d *decoder, blk *hclsyntax.Block, content *hcl.BodyContent) string {
	var grid *hcl.Block
	for _, b := range content.Blocks {
		if b.Type == blockGrid {
			grid = b
		}
	}
	items := pairedItems(content, grid)
	kind := ""
	if s, rng, ok := d.str(attrKind); ok {
		switch s {
		case kindRing, kindComparison, kindBalanced:
			kind = s
		default:
			l.errorf(rng, "Invalid value for "+attrKind,
				"kind must be %q (a plain sweep), %q (control and treatment arms, without and with a dealer) or %q (passive and active arms of the balanced ring), not %q.", kindRing, kindComparison, kindBalanced, s)
			return ""
		}
	}
	if kind == "" && len(items) > 0 {
		kind = items[0].kind
	}
	if kind == "" {
		switch blk.Labels[0] {
		case kindComparison, kindBalanced:
			kind = blk.Labels[0]
		default:
			kind = kindRing
		}
	}
	for _, it := range items {
		if it.kind == kind {
			continue
		}
		detail := fmt.Sprintf("The %s belongs to a %s sweep, and this one is a %s sweep", it.name, it.kind, kind)
		if kind == kindRing {
			detail += fmt.Sprintf(` (say kind = %q to make it one)`, it.kind)
		}
		l.errorf(it.rng, "Unsupported argument in a "+kind+" sweep", "%s.", detail)
	}
	if a, ok := content.Attributes[attrEmulateTruncate]; ok && kind == kindRing {
		l.errorf(a.NameRange, "Unsupported argument in a ring sweep",
			"%s applies to the dealer arm of a comparison or balanced sweep.", attrEmulateTruncate)
	}
	return kind
}

// armBlocks are the arm block types of a paired kind, without dealer first.
func armBlocks(kind string) [2]string {
	if kind == kindBalanced {
		return [2]string{blockPassive, blockActive}
	}
	return [2]string{blockControl, blockTreatment}
}

// decodePaired decodes a paired sweep's settings: the dealer block or the
// balanced attributes, and the arms' executor references (returned, to be
// resolved with the sweep's).
func (l *loader) decodePaired(d *decoder, kind string, content *hcl.BodyContent, spec *sweep.Spec) [2]hcl.Expression {
	p := &sweep.Paired{Kind: kind}
	spec.Paired = p
	if b, _, ok := d.boolean(attrEmulateTruncate); ok {
		p.EmulateDisplayTruncation = b
	}
	var refs [2]hcl.Expression
	arms := armBlocks(kind)
	for _, b := range content.Blocks {
		switch b.Type {
		case blockDealer:
			bc, diags := b.Body.Content(&hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: attrTicketSize}, {Name: attrDealerShare}, {Name: attrVBTShare}}})
			l.diags = append(l.diags, diags...)
			bd := &decoder{l: l, ctx: d.ctx, attrs: bc.Attributes}
			if v, ok := bd.decimal(attrTicketSize, textCLIFloat); ok {
				if pynum.Cmp(*v.d, pynum.Dec(1, 0)) < 0 {
					l.errorf(v.rng, "Invalid value for "+attrTicketSize, "The dealer's ticket size must be at least 1, got %s.", v.text)
				}
				p.TicketSize = v.text
			}
			for _, a := range []struct {
				name string
				dst  *string
			}{{attrDealerShare, &p.DealerShare}, {attrVBTShare, &p.VBTShare}} {
				if v, ok := bd.decimal(a.name, textCLIFloat); ok {
					if v.d.Sign() < 0 {
						l.errorf(v.rng, "Invalid value for "+a.name, "%s is a share of the system's cash and must be >= 0, got %s.", a.name, v.text)
					}
					*a.dst = v.text
				}
			}
		case arms[0], arms[1]:
			bc, diags := b.Body.Content(&hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: attrExecutor}}})
			l.diags = append(l.diags, diags...)
			i := 0
			if b.Type == arms[1] {
				i = 1
			}
			if a, ok := bc.Attributes[attrExecutor]; ok && refs[i] == nil { // a duplicate block is reported with the designs'
				refs[i] = a.Expr
			}
		}
	}
	if kind == kindBalanced {
		for _, a := range []struct {
			name string
			dst  *string
		}{{attrFaceValue, &p.FaceValue}, {attrBigEntityShare, &p.BigEntityShare}, {attrVBTShare, &p.VBTShare}} {
			if v, ok := d.decimal(a.name, textExact); ok {
				if v.d.Sign() <= 0 && a.name != attrVBTShare || v.d.Sign() < 0 {
					l.errorf(v.rng, "Invalid value for "+a.name, "%s must be greater than 0, got %s.", a.name, v.text)
				}
				*a.dst = v.text
			}
		}
		p.DetailedLogging = true
		if b, _, ok := d.boolean(attrDetailedLogging); ok {
			p.DetailedLogging = b
		}
		p.OutsideMidRatios = defaultOutsideMidRatios()
		if l.rhos != nil {
			p.OutsideMidRatios = l.rhos
		}
	}
	return refs
}

// decodeRhos reads a balanced grid's outside_mid_ratios (ρ > 0), kept on the
// loader for decodePaired.
func (l *loader) decodeRhos(d *decoder) {
	ds, _, ok := d.decimals(attrOutsideMidRatios, textExact)
	if !ok {
		return
	}
	for _, v := range ds {
		if v.d.Sign() <= 0 {
			l.errorf(v.rng, "Invalid outside_mid_ratio", "The outside-mid ratio ρ scales the big entities' cash and must be greater than 0, got %s.", v.text)
		}
	}
	l.rhos = texts(ds)
}

// pairedDesigns reports the designs a paired sweep cannot run.
func (l *loader) pairedDesigns(kind string, content *hcl.BodyContent) {
	for _, b := range content.Blocks {
		if b.Type == blockLHS || b.Type == blockFrontier {
			l.errorf(b.DefRange, "Unsupported design in a "+kind+" sweep",
				"A %s sweep runs its pairs over a grid only, as bilancio's `sweep %s` does: remove the %s block (or run it as a sweep of its own).", kind, kind, b.Type)
		}
	}
}

// resolveArmExecutors resolves the arms' executor references (nil for an
// arm without one).
func (l *loader) resolveArmExecutors(sweepBlock *hclsyntax.Block, refs [2]hcl.Expression, decls []*executorDecl) [2]*executorDecl {
	var out [2]*executorDecl
	for i, ref := range refs {
		if ref != nil {
			out[i] = l.resolveExecutor(sweepBlock, ref, decls)
		}
	}
	return out
}
