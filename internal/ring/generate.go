package ring

import (
	"fmt"

	"github.com/bilancio-go/bilancio/internal/pynum"
	"github.com/bilancio-go/bilancio/internal/pyyaml"
)

// Payable is one ring payable: From owes To Amount on DueDay.
type Payable struct {
	From, To string
	// Amount is the Decimal bilancio computed; the scenario carries it as a
	// float (or an int when integral), of which the engine uses the integer
	// part.
	Amount pynum.Amount
	DueDay int
}

// Generated is a generated ring scenario.
type Generated struct {
	// Doc is the scenario as bilancio dumps it: Decimals already turned into
	// ints or floats, None values dropped. A sweep runner may add keys (the
	// treatment arm's dealer block) and Marshal it again.
	Doc pyyaml.Node
	// YAML is Marshal(Doc): the scenario.yaml bilancio writes.
	YAML []byte
	// S1 is the sum of the payable Decimals and L0 the sum of the minted
	// Decimals, before the conversion to floats: the registry's S1 and L0
	// (print them with String).
	S1, L0 pynum.Amount
	// QTotal and LiquidityTotal are the resolved totals (one given, the other
	// derived with the kappa rule).
	QTotal, LiquidityTotal pynum.Amount
	// KappaRule is the rule that derived them, and Revision the generator
	// revision that drew the payables.
	KappaRule KappaRule
	Revision  Revision
	// Payables are in ring order, H1→H2 first.
	Payables []Payable
	// Liquidity is each agent's initial cash, H1 first (zero amounts are not
	// minted).
	Liquidity []pynum.Amount
	// Name and Description are the scenario's texts.
	Name, Description string
	// MaxDays and QuietDays are the run block's stop settings.
	MaxDays, QuietDays int
}

// Generate builds the ring scenario for p as bilancio's ring_explorer_v1
// generator and its sweep runner do (spec/engine.md §9.1 and §10).
func Generate(p Params) (*Generated, error) { return generate(p, true, nil) }

// GenerateYAML is Generate for a caller that needs the scenario's YAML but
// not its document: Doc is left empty (unless the YAML had to be written
// from it), which saves building the tree for each run of a sweep. heads
// (nil: none) is where the runs of a sweep share their scenarios' heads.
func GenerateYAML(p Params, heads *Heads) (*Generated, error) { return generate(p, false, heads) }

// generate is Generate; withDoc says to build Doc even when the YAML is
// written without it.
func generate(p Params, withDoc bool, heads *Heads) (*Generated, error) {
	r, err := p.resolve()
	if err != nil {
		return nil, fmt.Errorf("ring: %w", err)
	}
	n := r.NAgents
	amounts, err := drawPayables(n, r.concentration, r.monotonicity, r.qTotal, r.Seed, r.Revision)
	if err != nil {
		return nil, fmt.Errorf("ring: payables: %w", err)
	}
	liquidity, err := allocateLiquidity(r)
	if err != nil {
		return nil, fmt.Errorf("ring: liquidity: %w", err)
	}
	due := dueDays(n, r.MaturityDays, r.mu)
	g := &Generated{
		QTotal:         r.qTotal,
		LiquidityTotal: r.l0,
		KappaRule:      r.KappaRule,
		Revision:       r.Revision,
		Liquidity:      liquidity,
		Name:           scenarioName(r),
		Description:    description(r),
		MaxDays:        r.maxDays,
		QuietDays:      r.quietDays,
		S1:             pynum.Dec(0, 0),
		L0:             pynum.Dec(0, 0),
	}
	var mintNodes []pyyaml.Node
	for _, amount := range liquidity {
		if amount.Sign() > 0 {
			g.L0 = pynum.Add(g.L0, amount)
			mintNodes = append(mintNodes, decimalNode(amount))
		}
	}
	amountNodes := make([]pyyaml.Node, len(amounts))
	g.Payables = make([]Payable, 0, len(amounts))
	for i, amount := range amounts {
		g.Payables = append(g.Payables, Payable{From: agentID(i), To: agentID((i + 1) % n), Amount: amount, DueDay: due[i]})
		g.S1 = pynum.Add(g.S1, amount)
		amountNodes[i] = decimalNode(amount)
	}
	var direct bool
	g.YAML, direct = scenarioYAML(g, mintNodes, amountNodes, due, r.DefaultHandling, heads)
	if direct && !withDoc {
		return g, nil
	}
	g.Doc = document(g, mintNodes, amountNodes, r.DefaultHandling)
	if direct {
		return g, nil
	}
	if g.YAML, err = pyyaml.Marshal(g.Doc); err != nil {
		return nil, fmt.Errorf("ring: %w", err)
	}
	return g, nil
}

// document is the scenario document of g, as bilancio dumps it: mints and
// amounts are the nodes of its positive liquidity and of its payables.
func document(g *Generated, mints, amounts []pyyaml.Node, defaultHandling string) pyyaml.Node {
	var actions []pyyaml.Node
	m := 0
	for i, amount := range g.Liquidity {
		if amount.Sign() <= 0 {
			continue
		}
		id := agentID(i)
		actions = append(actions, pyyaml.Map(pyyaml.P("mint_cash", pyyaml.Map(
			pyyaml.P("to", pyyaml.Str(id)),
			pyyaml.P("amount", mints[m]),
			pyyaml.P("alias", pyyaml.Str("LIQ_"+id)),
		))))
		m++
	}
	for i, p := range g.Payables {
		actions = append(actions, pyyaml.Map(pyyaml.P("create_payable", pyyaml.Map(
			pyyaml.P("from", pyyaml.Str(p.From)),
			pyyaml.P("to", pyyaml.Str(p.To)),
			pyyaml.P("amount", amounts[i]),
			pyyaml.P("due_day", pyyaml.Int(int64(p.DueDay))),
			pyyaml.P("alias", pyyaml.Str("P_"+p.From+"_"+p.To)),
		))))
	}
	agents := []pyyaml.Node{pyyaml.Map(pyyaml.P("id", pyyaml.Str("CB")), pyyaml.P("kind", pyyaml.Str("central_bank")), pyyaml.P("name", pyyaml.Str("Central Bank")))}
	var balances []pyyaml.Node
	for i := range g.Payables {
		id := agentID(i)
		agents = append(agents, pyyaml.Map(pyyaml.P("id", pyyaml.Str(id)), pyyaml.P("kind", pyyaml.Str("household")), pyyaml.P("name", pyyaml.Str(fmt.Sprintf("Agent %d", i+1)))))
		balances = append(balances, pyyaml.Str(id))
	}
	run := runBlock(g.MaxDays, g.QuietDays, balances)
	if defaultHandling != "" {
		run.Set("default_handling", pyyaml.Str(defaultHandling))
	}
	return pyyaml.Map(
		pyyaml.P("version", pyyaml.Int(1)),
		pyyaml.P("name", pyyaml.Str(g.Name)),
		pyyaml.P("description", pyyaml.Str(g.Description)),
		pyyaml.P("agents", pyyaml.Seq(agents...)),
		pyyaml.P("initial_actions", pyyaml.Seq(actions...)),
		pyyaml.P("scheduled_actions", pyyaml.Seq()),
		pyyaml.P("run", run),
	)
}

// decimalNode converts a Decimal as bilancio's _to_yaml_ready does: an int
// when its normalised value is integral, otherwise the correctly rounded
// float.
func decimalNode(d pynum.Amount) pyyaml.Node {
	var buf [48]byte
	text, f, integral := appendInteger(buf[:0], d)
	if integral {
		return pyyaml.IntText(string(text))
	}
	return pyyaml.Float(f)
}

// runBlock is the run block bilancio's generators write, without
// default_handling: until_stable with the stop settings, the agents whose
// balances are shown, detailed events and the export paths.
func runBlock(maxDays, quietDays int, balances []pyyaml.Node) pyyaml.Node {
	return pyyaml.Map(
		pyyaml.P("mode", pyyaml.Str("until_stable")),
		pyyaml.P("max_days", pyyaml.Int(int64(maxDays))),
		pyyaml.P("quiet_days", pyyaml.Int(int64(quietDays))),
		pyyaml.P("show", pyyaml.Map(pyyaml.P("balances", pyyaml.Seq(balances...)), pyyaml.P("events", pyyaml.Str("detailed")))),
		pyyaml.P("export", pyyaml.Map(pyyaml.P("balances_csv", pyyaml.Str("out/balances.csv")), pyyaml.P("events_jsonl", pyyaml.Str("out/events.jsonl")))),
	)
}
