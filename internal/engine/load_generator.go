package engine

import (
	"fmt"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/bilancio-go/bilancio/internal/pynum"
	"github.com/bilancio-go/bilancio/internal/pyyaml"
	ringgen "github.com/bilancio-go/bilancio/internal/ring"
)

// GeneratorRingExplorer is the one generator bilancio has.
const GeneratorRingExplorer = "ring_explorer_v1"

// Compiled describes a scenario compiled from a generator spec.
type Compiled struct {
	// Generator is the spec's generator (ring_explorer_v1).
	Generator string
	// YAML is the compiled scenario as bilancio's compiler writes it with
	// compile.emit_yaml (PyYAML safe_dump of the scenario, Decimals turned
	// into ints and floats); the scenario was loaded from its exact
	// Decimals, as bilancio loads it, not from this text.
	YAML []byte
	// EmitPath is where bilancio writes YAML (compile.out_dir, relative to
	// the spec's folder, or the spec's folder, then a file named after the
	// scenario); empty when compile.emit_yaml is false. Load writes nothing:
	// the caller does.
	EmitPath string
}

// Note is something the loader did that its user may not expect, at a
// position of the file (a warning: the scenario loaded).
type Note = LoadError

// Bounds on a generator spec, beyond which the compiled ring would not fit
// in memory or its run block would overflow (bilancio has none).
const (
	maxGeneratedAgents = 1_000_000
	maxGeneratedDays   = 1_000_000
)

// generatorTopKeys are the keys of bilancio's RingExplorerGeneratorConfig.
func generatorTopKeys() []string {
	return []string{"version", "generator", "name_prefix", "params", "compile"}
}

// compiledKeys are the top-level keys of the scenario bilancio's compiler
// writes; every other key of a generator spec is dropped.
func compiledKeys() []string {
	return []string{"version", "name", "description", "policy_overrides", "agents", "initial_actions", "scheduled_actions", "run"}
}

// generatorSpec compiles a generator spec (a top-level `generator` key) as
// bilancio's load_yaml does (spec/engine.md §1.1 step 3): the spec is
// validated, the ring generator builds the scenario, and the compiled
// scenario replaces the file's contents, so the spec's other top-level keys
// (a dealer block, say) are dropped; Scenario.Notes says which.
func (l *scenarioLoader) generatorSpec(top *yamlObject) (*Scenario, error) {
	if err := top.stringKeys(); err != nil {
		return nil, err
	}
	f := &modelFields{yamlObject: top}
	gen, _ := f.get("generator")
	if v, err := resolveValue(gen.val); err != nil {
		return nil, err
	} else if v.kind != valString || v.text != GeneratorRingExplorer {
		return nil, l.fail(gen.val, "generator", "unknown generator %s (bilancio has one: %q)", v.describeValue(), GeneratorRingExplorer)
	}
	if version := f.int("version", false, 1); f.err == nil && version != 1 {
		e, _ := top.get("version")
		f.failAt(e.val, "version", "unsupported generator version %d (only 1 is supported)", version)
	}
	prefix := f.str("name_prefix")
	if f.err != nil {
		return nil, f.err
	}
	pe, ok := f.lookup("params", true)
	if !ok {
		return nil, f.err
	}
	p, policy, err := l.generatorParams(pe.val)
	if err != nil {
		return nil, err
	}
	p.NamePrefix = prefix
	emit, outDir := true, ""
	if ce, ok := top.get("compile"); ok {
		co, err := l.objectAt(ce.val, "compile")
		if err != nil {
			return nil, err
		}
		cf := &modelFields{yamlObject: co}
		outDir, _ = cf.optStr("out_dir")
		emit = cf.boolean("emit_yaml", true)
		if cf.err != nil {
			return nil, cf.err
		}
	}
	if prefix == "" {
		// The generator's default prefix stands in for an empty one; the
		// name is fixed below.
		p.NamePrefix = " "
	}
	if p.QTotal == nil && p.LiquidityTotal == nil {
		return nil, l.fail(pe.keyAt, "params", "Failed to compile generator %q: Either params.Q_total or params.liquidity.total must be provided", GeneratorRingExplorer)
	}
	g, err := ringgen.Generate(p)
	if err != nil {
		return nil, l.fail(pe.keyAt, "params", "Failed to compile generator %q: %s", GeneratorRingExplorer, strings.TrimPrefix(err.Error(), "ring: "))
	}
	exact, floats := compiledDocs(g, policy, prefix)
	text, err := pyyaml.Marshal(exact)
	if err != nil {
		return nil, l.fail(pe.keyAt, "params", "compiling: %v", err)
	}
	sub := &scenarioLoader{file: l.file + " (compiled from its generator spec)", m: newYAMLMapper(), rules: l.rules}
	sc, err := sub.load(text)
	if err != nil {
		return nil, err
	}
	c := &Compiled{Generator: GeneratorRingExplorer}
	if c.YAML, err = pyyaml.Marshal(floats); err != nil {
		return nil, l.fail(pe.keyAt, "params", "compiling: %v", err)
	}
	if emit {
		c.EmitPath = emitPath(l.file, outDir, sc.Name)
	}
	sc.Compiled = c
	for _, e := range top.es {
		if !isOneOf(e.keyStr, generatorTopKeys()) {
			sc.Notes = append(sc.Notes, Note{File: l.file, Line: e.keyAt.Line, Col: e.keyAt.Column,
				Msg: fmt.Sprintf("%s: dropped: bilancio compiles a generator spec into a new scenario that keeps only %s, so this key has no effect, as in bilancio; to use it, add it to the compiled scenario", e.keyStr, strings.Join(compiledKeys(), ", "))})
		}
	}
	return sc, nil
}

// generatorParams reads params (bilancio's RingExplorerParamsModel) into the
// ring generator's parameters, and the policy overrides to copy into the
// compiled scenario (nil when absent or null).
func (l *scenarioLoader) generatorParams(at *yaml.Node) (ringgen.Params, *pyyaml.Node, error) {
	p := ringgen.Params{KappaRule: l.rules.KappaRule, Revision: l.rules.Generator}
	o, err := l.objectAt(at, "params")
	if err != nil {
		return p, nil, err
	}
	f := &modelFields{yamlObject: o}
	p.NAgents = int(f.intMin("n_agents", false, 5, 3))
	if f.err == nil && p.NAgents > maxGeneratedAgents {
		e, _ := f.get("n_agents")
		f.failAt(e.val, "n_agents", "n_agents must be at most %d here (a ring that large would not fit in memory), got %d", maxGeneratedAgents, p.NAgents)
	}
	p.Seed = f.int("seed", false, 42)
	p.Kappa = genDecimal(f.decimal("kappa", true, pynum.Amount{}, mustBePositive))
	if e, ok := f.lookup("Q_total", false); ok {
		if v, err := resolveValue(e.val); f.keep(err) && v.kind != valNull {
			p.QTotal = genDecimal(f.decimal("Q_total", false, pynum.Amount{}, nil))
		}
	}
	if _, ok := f.get("currency"); ok {
		f.str("currency") // any str; bilancio's texts do not use it
	}
	if f.err != nil {
		return p, nil, f.err
	}
	if e, ok := f.get("liquidity"); ok {
		if err := l.generatorLiquidity(e.val, &p); err != nil {
			return p, nil, err
		}
	}
	if e, ok := f.get("inequality"); ok {
		io, err := l.objectAt(e.val, "params.inequality")
		if err != nil {
			return p, nil, err
		}
		sf := &modelFields{yamlObject: io}
		sf.literal("scheme", []string{"dirichlet"}, "dirichlet")
		p.Concentration = genDecimal(sf.decimal("concentration", false, pynum.Int(1), mustBePositive))
		p.Monotonicity = genDecimal(sf.decimal("monotonicity", false, pynum.Int(0), func(a pynum.Amount) string {
			if pynum.Cmp(a, pynum.Int(-1)) < 0 || pynum.Cmp(a, pynum.Int(1)) > 0 {
				return "must be between -1 and 1"
			}
			return ""
		}))
		if sf.err != nil {
			return p, nil, sf.err
		}
	}
	if e, ok := f.get("maturity"); ok {
		mo, err := l.objectAt(e.val, "params.maturity")
		if err != nil {
			return p, nil, err
		}
		sf := &modelFields{yamlObject: mo}
		p.MaturityDays = int(sf.intMin("days", false, 1, 1))
		if sf.err == nil && p.MaturityDays > maxGeneratedDays {
			e, _ := sf.get("days")
			sf.failAt(e.val, "days", "days must be at most %d here, got %d", maxGeneratedDays, p.MaturityDays)
		}
		sf.literal("mode", []string{"lead_lag"}, "lead_lag")
		p.Mu = genDecimal(sf.decimal("mu", false, pynum.Int(0), mustBeInUnitInterval))
		if sf.err != nil {
			return p, nil, sf.err
		}
	}
	var policy *pyyaml.Node
	if e, ok := f.get("policy_overrides"); ok {
		if v, err := resolveValue(e.val); err != nil {
			return p, nil, err
		} else if v.kind != valNull {
			ranks, err := l.policyOverrides(e.val)
			if err != nil {
				return p, nil, err
			}
			policy = policyNode(e.val, ranks)
		}
	}
	return p, policy, nil
}

// generatorLiquidity reads params.liquidity.
func (l *scenarioLoader) generatorLiquidity(at *yaml.Node, p *ringgen.Params) error {
	o, err := l.objectAt(at, "params.liquidity")
	if err != nil {
		return err
	}
	f := &modelFields{yamlObject: o}
	if e, ok := f.lookup("total", false); ok {
		if v, err := resolveValue(e.val); f.keep(err) && v.kind != valNull {
			p.LiquidityTotal = genDecimal(f.decimal("total", false, pynum.Amount{}, mustBePositive))
		}
	}
	if f.err != nil {
		return f.err
	}
	e, ok := o.get("allocation")
	if !ok {
		return nil
	}
	ao, err := l.objectAt(e.val, "params.liquidity.allocation")
	if err != nil {
		return err
	}
	af := &modelFields{yamlObject: ao}
	mode := af.literal("mode", []string{"single_at", "uniform", "vector"}, "uniform")
	agent, _ := af.optStr("agent")
	var vector []pynum.Amount
	if ve, ok := af.lookup("vector", false); ok {
		if v, err := resolveValue(ve.val); af.keep(err) && v.kind != valNull {
			items, err := l.list(ve.val, "params.liquidity.allocation.vector")
			if !af.keep(err) {
				return af.err
			}
			for i, it := range items {
				a, _, err := l.toDecimal(it, pathIndex("params.liquidity.allocation.vector", i))
				if !af.keep(err) {
					return af.err
				}
				vector = append(vector, a)
			}
		}
	}
	if af.err != nil {
		return af.err
	}
	switch mode {
	case "single_at":
		if agent == "" {
			return l.fail(ao.at, "params.liquidity.allocation", "liquidity.allocation.agent is required for single_at mode")
		}
	case "vector":
		if len(vector) == 0 {
			return l.fail(ao.at, "params.liquidity.allocation", "liquidity.allocation.vector is required for vector mode")
		}
		for _, v := range vector {
			if v.Sign() <= 0 {
				return l.fail(ao.at, "params.liquidity.allocation", "liquidity.allocation.vector must contain positive values")
			}
		}
	}
	p.Liquidity, p.LiquidityAgent, p.LiquidityVector = ringgen.LiquidityMode(mode), agent, vector
	return nil
}

// genDecimal returns a loaded Decimal as a generator parameter.
func genDecimal(a pynum.Amount) *pynum.Amount { return &a }

// policyNode is policy_overrides as bilancio's compiler copies it
// (model_dump(exclude_none=True)): {mop_rank: {kind: [methods]}}, or {}
// without mop_rank.
func policyNode(at *yaml.Node, ranks map[string][]string) *pyyaml.Node {
	n := pyyaml.Map()
	if ranks != nil {
		mop := pyyaml.Map()
		for _, kind := range mapKeyOrder(at, "mop_rank") {
			var items []pyyaml.Node
			for _, m := range ranks[kind] {
				items = append(items, pyyaml.Str(m))
			}
			mop.Pairs = append(mop.Pairs, pyyaml.P(kind, pyyaml.Seq(items...)))
		}
		n.Pairs = append(n.Pairs, pyyaml.P("mop_rank", mop))
	}
	return &n
}

// mapKeyOrder lists the keys of the mapping under key of the mapping at, in
// file order.
func mapKeyOrder(at *yaml.Node, key string) []string {
	at = yamlDeref(at)
	for i := 0; i+1 < len(at.Content); i += 2 {
		if at.Content[i].Value == key {
			sub := yamlDeref(at.Content[i+1])
			var keys []string
			for j := 0; j+1 < len(sub.Content); j += 2 {
				keys = append(keys, sub.Content[j].Value)
			}
			return keys
		}
	}
	return nil
}

// compiledDocs returns the compiled scenario twice: with its amounts as the
// exact Decimals bilancio's compiler hands to its loader (written as
// quoted decimal strings, which the loader turns back into the same
// Decimals), and as compile.emit_yaml writes it (ints and floats).
func compiledDocs(g *ringgen.Generated, policy *pyyaml.Node, prefix string) (exact, floats pyyaml.Node) {
	floats = withPolicy(g.Doc, policy)
	if prefix == "" {
		floats.Set("name", pyyaml.Str(strings.TrimPrefix(g.Name, " ")))
	}
	exact = cloneNode(floats)
	actions, _ := exact.Get("initial_actions")
	mints, pays := 0, 0
	for i := range actions.Items {
		a := &actions.Items[i]
		if m, ok := a.Get("mint_cash"); ok {
			for mints < len(g.Liquidity) && g.Liquidity[mints].Sign() <= 0 {
				mints++
			}
			m.Set("amount", pyyaml.Str(g.Liquidity[mints].String()))
			mints++
		} else if c, ok := a.Get("create_payable"); ok {
			c.Set("amount", pyyaml.Str(g.Payables[pays].Amount.String()))
			pays++
		}
	}
	return exact, floats
}

// withPolicy returns doc with policy_overrides after description, where
// bilancio's compiler puts it (it is left out when None).
func withPolicy(doc pyyaml.Node, policy *pyyaml.Node) pyyaml.Node {
	out := pyyaml.Map()
	for _, p := range doc.Pairs {
		out.Pairs = append(out.Pairs, p)
		if p.Key == "description" && policy != nil {
			out.Pairs = append(out.Pairs, pyyaml.P("policy_overrides", *policy))
		}
	}
	return out
}

// cloneNode copies a node deeply.
func cloneNode(n pyyaml.Node) pyyaml.Node {
	c := n
	if n.Items != nil {
		c.Items = make([]pyyaml.Node, len(n.Items))
		for i := range n.Items {
			c.Items[i] = cloneNode(n.Items[i])
		}
	}
	if n.Pairs != nil {
		c.Pairs = make([]pyyaml.Pair, len(n.Pairs))
		for i, p := range n.Pairs {
			c.Pairs[i] = pyyaml.P(p.Key, cloneNode(p.Value))
		}
	}
	return c
}

// emitPath is where bilancio's compiler writes the compiled scenario of the
// spec file: compile.out_dir (relative to the spec's folder unless
// absolute), or the spec's folder, then the scenario's name slugified.
func emitPath(specFile, outDir, name string) string {
	dir := filepath.Dir(specFile)
	if outDir != "" {
		if filepath.IsAbs(outDir) {
			dir = outDir
		} else {
			dir = filepath.Join(dir, outDir)
		}
	}
	return filepath.Join(dir, slugify(name)+".yaml")
}

// slugify is bilancio's _slugify: every run of characters other than ASCII
// letters and digits becomes "_", then the ends are trimmed of "_" and the
// result lower-cased ("scenario" if nothing is left).
func slugify(name string) string {
	var b strings.Builder
	gap := false
	for _, r := range name {
		if r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			if gap {
				b.WriteByte('_')
			}
			b.WriteRune(r)
			gap = false
		} else {
			gap = true
		}
	}
	slug := b.String()
	if gap && slug != "" {
		slug += "_"
	}
	slug = strings.ToLower(strings.Trim(slug, "_"))
	if slug == "" {
		return "scenario"
	}
	return slug
}
