package config

import (
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/bilancio-go/bilancio/internal/revision"
	"github.com/bilancio-go/bilancio/internal/ring"
	"github.com/bilancio-go/bilancio/internal/sweep"
)

// Attributes of a sweep block.
const (
	attrExecutor        = "executor"
	attrNAgents         = "n_agents"
	attrMaturityDays    = "maturity_days"
	attrQTotal          = "q_total"
	attrLiquidityMode   = "liquidity_mode"
	attrLiquidityAgent  = "liquidity_agent"
	attrDefaultHandling = "default_handling"
	attrBaseSeed        = "base_seed"
	attrMaxDays         = "max_days"
	attrQuietDays       = "quiet_days"
	attrKappaRule       = "kappa_rule"
	attrRevision        = "bilancio_revision"
	attrSeedMode        = "seed_mode"
	attrReplicates      = "replicates"
	attrArtifacts       = "artifacts"
	attrParallel        = "parallel"
	attrRetries         = "retries"
	attrFailFast        = "fail_fast"
	attrOutDir          = "out_dir"
	attrNamePrefix      = "name_prefix"
)

// Design blocks of a sweep block.
const (
	blockGrid     = "grid"
	blockLHS      = "lhs"
	blockFrontier = "frontier"
)

// sweepSchema is the schema of a sweep block. n_agents, maturity_days and
// q_total are required: they size the ring and are not worth guessing.
func sweepSchema() *hcl.BodySchema {
	return &hcl.BodySchema{
		Attributes: []hcl.AttributeSchema{
			{Name: attrExecutor},
			{Name: attrNAgents, Required: true},
			{Name: attrMaturityDays, Required: true},
			{Name: attrQTotal, Required: true},
			{Name: attrLiquidityMode},
			{Name: attrLiquidityAgent},
			{Name: attrDefaultHandling},
			{Name: attrBaseSeed},
			{Name: attrMaxDays},
			{Name: attrQuietDays},
			{Name: attrKappaRule},
			{Name: attrRevision},
			{Name: attrSeedMode},
			{Name: attrReplicates},
			{Name: attrArtifacts},
			{Name: attrParallel},
			{Name: attrRetries},
			{Name: attrFailFast},
			{Name: attrOutDir},
			{Name: attrNamePrefix},
			{Name: attrKind},
			{Name: attrFaceValue},
			{Name: attrBigEntityShare},
			{Name: attrVBTShare},
			{Name: attrDetailedLogging},
			{Name: attrEmulateTruncate},
		},
		Blocks: []hcl.BlockHeaderSchema{
			{Type: blockGrid}, {Type: blockLHS}, {Type: blockFrontier},
			{Type: blockDealer}, {Type: blockControl}, {Type: blockTreatment}, {Type: blockPassive}, {Type: blockActive},
		},
	}
}

// validSweepName says whether name may name a sweep: the experiment's id
// and folder derive from it. It is ^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$
// written out (that expression compiled to ~1,400 allocations at every
// start of bilancio, for a check made once per sweep file).
func validSweepName(name string) bool {
	if name == "" || len(name) > 100 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		case i > 0 && (c == '_' || c == '.' || c == '-'):
		default:
			return false
		}
	}
	return true
}

// oneSweep returns the file's sweep block: there must be exactly one.
func (l *loader) oneSweep(body *hclsyntax.Body, blocks []*hclsyntax.Block) *hclsyntax.Block {
	switch len(blocks) {
	case 0:
		if !l.diags.HasErrors() {
			end := body.EndRange
			l.errorf(end, "Missing sweep block",
				"A sweep file must declare one sweep block, such as:\n\nsweep \"ring\" {\n  n_agents      = 100\n  maturity_days = 10\n  q_total       = 10000\n  grid {\n    kappas         = [0.5, 1, 2]\n    concentrations = [1]\n    mus            = [0]\n  }\n}")
		}
		return nil
	case 1:
	default:
		for _, extra := range blocks[1:] {
			l.errorf(extra.DefRange(), "Duplicate sweep block",
				"A sweep file declares one sweep, and this one already declares sweep %q at %s. Put the other sweep in a file of its own.", blocks[0].Labels[0], blocks[0].DefRange())
		}
		return nil
	}
	blk := blocks[0]
	if name := blk.Labels[0]; !validSweepName(name) {
		l.errorf(blk.LabelRanges[0], "Invalid sweep name",
			"%q cannot name a sweep: the experiment's folder is named after it, so use letters, digits, '_', '-' and '.' (at most 100, starting with a letter or digit).", name)
	}
	return blk
}

// decodeSweep decodes the sweep block into a Spec (but its executor, which
// is decoded last) and returns the executor argument's expression, if any.
func (l *loader) decodeSweep(blk *hclsyntax.Block) (*sweep.Spec, hcl.Expression) {
	content, diags := blk.Body.Content(sweepSchema())
	l.diags = append(l.diags, diags...)
	d := &decoder{l: l, ctx: l.evalContext(), attrs: content.Attributes}
	spec := &sweep.Spec{
		Name:     blk.Labels[0],
		SeedMode: sweep.SeedCounter,
		Ring: sweep.RingParams{
			LiquidityMode:   defaultLiquidityMode,
			DefaultHandling: defaultDefaultHandling,
			BaseSeed:        defaultBaseSeed,
			NamePrefix:      ring.DefaultNamePrefix,
		},
	}
	l.kind = l.sweepKind(d, blk, content)
	qRule := textCLIFloat
	switch l.kind {
	case kindComparison:
		spec.Ring.LiquidityMode = string(ring.Uniform) // bilancio's `sweep comparison` default
	case kindBalanced:
		spec.Ring.LiquidityMode = string(ring.Uniform)
		qRule = textExact // `sweep balanced` reads q_total as a Decimal
	}
	l.decodeRing(d, &spec.Ring, qRule)
	if s, rng, ok := d.str(attrRevision); ok {
		if err := revision.Check(s); err != nil {
			l.errorf(rng, "Invalid value for "+attrRevision, "%s.", strings.TrimSuffix(err.Error(), "."))
		}
		spec.BilancioRevision = s
	}
	if s, rng, ok := d.str(attrArtifacts); ok {
		if msg := checkArtifacts(s); msg != "" {
			l.errorf(rng, "Invalid value for "+attrArtifacts, "%s.", msg)
		}
		spec.Artifacts = s
	}
	if s, rng, ok := d.str(attrSeedMode); ok {
		if msg := sweep.CheckSeedMode(s); msg != "" {
			l.errorf(rng, "Invalid value for "+attrSeedMode, "%s.", msg)
		}
		spec.SeedMode = s
	}
	if n, ok := d.ruled(attrReplicates, sweep.CheckReplicates); ok {
		spec.Replicates = int(n)
	}
	if n, ok := d.ruled(attrParallel, sweep.CheckParallel); ok {
		spec.Parallel = int(n)
	}
	if n, ok := d.ruled(attrRetries, sweep.CheckRetries); ok {
		spec.Retries = int(n)
	}
	if b, _, ok := d.boolean(attrFailFast); ok {
		spec.FailFast = b
	}
	if s, rng, ok := d.str(attrOutDir); ok {
		if s == "" {
			l.errorf(rng, "Invalid value for "+attrOutDir, "out_dir must name a folder (the experiments folder; out/experiments when left out).")
		}
		spec.OutDir = s
	}
	l.decodeDesigns(d, blk, content.Blocks, spec)
	if l.kind == kindComparison || l.kind == kindBalanced {
		l.pairedDesigns(l.kind, content)
		l.armRefs = l.decodePaired(d, l.kind, content, spec)
	}
	var ref hcl.Expression
	if attr, ok := content.Attributes[attrExecutor]; ok {
		ref = attr.Expr
	}
	return spec, ref
}

// decodeRing decodes the ring parameters of a sweep block.
func (l *loader) decodeRing(d *decoder, r *sweep.RingParams, qRule textRule) {
	var nOK bool
	if n, ok := d.ruled(attrNAgents, ring.CheckNAgents); ok {
		r.NAgents, nOK = int(n), true
	}
	if n, ok := d.ruled(attrMaturityDays, ring.CheckMaturityDays); ok {
		r.MaturityDays = int(n)
	}
	if q, ok := d.decimal(attrQTotal, qRule); ok {
		if msg := ring.CheckQTotal(*q.d); msg != "" {
			l.errorf(q.rng, "Invalid value for "+attrQTotal, "%s.", msg)
		}
		r.QTotal = q.text
	}
	if s, rng, ok := d.str(attrLiquidityMode); ok {
		if msg := ring.CheckLiquidityMode(s); msg != "" {
			l.errorf(rng, "Invalid value for "+attrLiquidityMode, "%s.", msg)
		}
		r.LiquidityMode = s
	}
	agent, agentRng, agentOK := d.str(attrLiquidityAgent)
	switch {
	case r.LiquidityMode == string(ring.SingleAt):
		r.LiquidityAgent = ring.DefaultLiquidityAgent
		if agentOK {
			r.LiquidityAgent = agent
			if nOK {
				if msg := ring.CheckLiquidityAgent(agent, int64(r.NAgents)); msg != "" {
					l.errorf(agentRng, "Invalid value for "+attrLiquidityAgent, "%s.", msg)
				}
			}
		}
	case agentOK:
		l.warnf(agentRng, "Argument not used",
			"liquidity_agent is used only when liquidity_mode is \"single_at\"; with %q every agent starts with the same liquidity.", r.LiquidityMode)
	}
	if s, rng, ok := d.str(attrDefaultHandling); ok {
		if msg := ring.CheckDefaultHandling(s); msg != "" {
			l.errorf(rng, "Invalid value for "+attrDefaultHandling, "%s.", msg)
		}
		r.DefaultHandling = s
	}
	if n, _, ok := d.integer(attrBaseSeed, minInt, maxInt); ok {
		r.BaseSeed = n
	}
	if n, ok := d.ruled(attrMaxDays, ring.CheckMaxDays); ok {
		r.MaxDays = int(n)
	}
	if n, ok := d.ruled(attrQuietDays, ring.CheckQuietDays); ok {
		r.QuietDays, r.HasQuietDays = int(n), true
	}
	if s, rng, ok := d.str(attrKappaRule); ok {
		rule, msg := normalKappaRule(s)
		if msg != "" {
			l.errorf(rng, "Invalid value for "+attrKappaRule, "%s.", msg)
		}
		r.KappaRule = rule
	}
	if s, rng, ok := d.str(attrNamePrefix); ok {
		if s == "" {
			l.errorf(rng, "Invalid value for "+attrNamePrefix, "name_prefix starts every scenario's name and must not be empty.")
		}
		r.NamePrefix = s
	}
}
