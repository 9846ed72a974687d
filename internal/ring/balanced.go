package ring

import (
	"errors"
	"fmt"

	"github.com/bilancio-go/bilancio/internal/pynum"
	"github.com/bilancio-go/bilancio/internal/pyyaml"
)

// BalancedMode is the arm of a balanced comparison (spec/dealer.md §12.2).
type BalancedMode string

// Balanced comparison arms.
const (
	// Passive is arm C: the balanced scenario without dealer trading.
	Passive BalancedMode = "passive"
	// Active is arm D: the same scenario with the dealer block appended.
	Active BalancedMode = "active"
)

// ParseBalancedMode reads "active" or "passive".
func ParseBalancedMode(s string) (BalancedMode, error) {
	switch m := BalancedMode(s); m {
	case Passive, Active:
		return m, nil
	}
	return "", fmt.Errorf("unknown balanced mode %q (want active or passive)", s)
}

// Defaults of bilancio's `sweep balanced` (December era, spec/dealer.md §12.3).
const (
	// BalancedPassivePrefix and BalancedActivePrefix are the scenario name
	// prefixes of the two arms ("Balanced Comparison" plus the arm).
	BalancedPassivePrefix = "Balanced Comparison (Passive)"
	BalancedActivePrefix  = "Balanced Comparison (Active)"
	// BalancedDefaultHandling is the sweep's default handling.
	BalancedDefaultHandling = "fail-fast"
)

// BalancedParams are the parameters of bilancio's balanced ring generator
// (compile_ring_explorer_balanced, spec/dealer.md §12.1) and its sweep
// runner. Params is the ring part, with these differences from Generate:
//
//   - NamePrefix defaults to BalancedPassivePrefix or BalancedActivePrefix
//     by Mode;
//   - DefaultHandling defaults to "fail-fast" (the balanced sweep's default);
//     the key cannot be left out;
//   - Revision must be Clamped (or empty).
//
// A balanced sweep (spec/dealer.md §12.3) loops ρ (outermost) → kappa →
// concentration → mu → monotonicity; its seed counter starts at the base
// seed (42) and advances once per grid point, and both arms of a pair use
// the same seed and parameters, differing only in Mode (passive first).
// bilancio's CLI passes Q_total as Decimal("10000") and every grid value as
// Decimal(text) (ParseDecimal), e.g. ρ "1.0".
type BalancedParams struct {
	Params
	// Mode selects the arm (required).
	Mode BalancedMode
	// FaceValue is the ticket face S (> 0; nil means 20). The active arm's
	// dealer ticket_size is int(FaceValue).
	FaceValue *pynum.Amount
	// OutsideMidRatio is ρ (> 0; nil means 0.75, the generator's default):
	// each big entity is minted (Q_total·β/3)·ρ.
	OutsideMidRatio *pynum.Amount
	// BigEntityShare is β (> 0; nil means 0.25): ring payables and ring
	// liquidity are scaled by 1 + β and each Hi owes Q_total·β/n to a big
	// entity.
	BigEntityShare *pynum.Amount
	// VBTShare is the active arm's dealer vbt_share, written as
	// str(Decimal) (nil means 0.50, written '0.50').
	VBTShare *pynum.Amount
}

// balancedResolved are validated balanced parameters with defaults filled in.
type balancedResolved struct {
	*resolved
	mode                 BalancedMode
	face, rho, beta, vbt pynum.Amount
	ticketSize           int64
}

func (p BalancedParams) resolve() (*balancedResolved, error) {
	if _, err := ParseBalancedMode(string(p.Mode)); err != nil {
		return nil, err
	}
	switch p.Revision {
	case "", Clamped:
	default:
		return nil, fmt.Errorf("the balanced generator uses the clamped revision, got %q", p.Revision)
	}
	if p.NamePrefix == "" {
		p.NamePrefix = BalancedPassivePrefix
		if p.Mode == Active {
			p.NamePrefix = BalancedActivePrefix
		}
	}
	if p.DefaultHandling == "" {
		p.DefaultHandling = BalancedDefaultHandling
	}
	r, err := p.Params.resolve()
	if err != nil {
		return nil, err
	}
	b := &balancedResolved{resolved: r, mode: p.Mode,
		face: orDefault(p.FaceValue, pynum.Dec(20, 0)), rho: orDefault(p.OutsideMidRatio, pynum.Dec(75, -2)),
		beta: orDefault(p.BigEntityShare, pynum.Dec(25, -2)), vbt: orDefault(p.VBTShare, pynum.Dec(50, -2))}
	if msg := SweptNamed("outside_mid_ratio").Check(b.rho); msg != "" {
		return nil, errors.New(msg)
	}
	for _, v := range []struct {
		name string
		d    pynum.Amount
	}{{"face_value", b.face}, {"big_entity_share", b.beta}, {"vbt_share", b.vbt}} {
		if msg := CheckPositive(v.name, v.d); msg != "" {
			return nil, errors.New(msg)
		}
	}
	// int(face): truncated toward zero.
	var ok bool
	if b.ticketSize, ok = b.face.Int64(); !ok {
		return nil, fmt.Errorf("face value %s: int(face value) does not fit 64 bits", b.face)
	}
	if b.mode == Active && b.ticketSize < 1 {
		return nil, fmt.Errorf("face value must be at least 1 in active mode (ticket size int(face value)), got %s", b.face)
	}
	return b, nil
}

// GenerateBalanced builds the balanced ring scenario of bilancio's December
// era (spec/dealer.md §12.1–12.2) for one arm: the ring of Generate with
// every payable and the total liquidity scaled by 1 + β, three big entities
// big_short, big_mid, big_long (households) owed Q_total·β/n by each Hi in
// rotation and minted (Q_total·β/3)·ρ each, every agent in
// run.show.balances, a top-level _balanced_config, and in active mode the
// dealer block {enabled: true, ticket_size: int(face), dealer_share: '0',
// vbt_share: '0.50'} as the last key.
//
// The result is a Generated as from Generate, where S1 and L0 are the
// registry's pre-YAML sums over all payables and mints (big entities
// included), Payables lists the ring payables then the big-entity payables,
// Liquidity holds H1…Hn's cash then big_short, big_mid and big_long's, and
// QTotal and LiquidityTotal are the unscaled ring totals that the name and
// description print.
func GenerateBalanced(p BalancedParams) (*Generated, error) {
	b, err := p.resolve()
	if err != nil {
		return nil, fmt.Errorf("ring: balanced: %w", err)
	}
	r := b.resolved
	n := r.NAgents
	// The big entities' maturity buckets, in agent order.
	bigEntityBuckets := [...]string{"short", "mid", "long"}
	base, err := drawPayables(n, r.concentration, r.monotonicity, r.qTotal, r.Seed, r.Revision)
	if err != nil {
		return nil, fmt.Errorf("ring: balanced: payables: %w", err)
	}
	scale := pynum.Add(pynum.Dec(1, 0), b.beta)
	scaled := *r
	scaled.l0 = pynum.Mul(r.l0, scale)
	liquidity, err := allocateLiquidity(&scaled)
	if err != nil {
		return nil, fmt.Errorf("ring: balanced: liquidity: %w", err)
	}
	due := dueDays(n, r.MaturityDays, r.mu)
	bigDebt := pynum.Mul(r.qTotal, b.beta)
	perBucket := pynum.Quo(bigDebt, pynum.Dec(int64(len(bigEntityBuckets)), 0))
	perTrader := pynum.Quo(bigDebt, pynum.Dec(int64(n), 0))
	bigCash := pynum.Mul(perBucket, b.rho)

	g := &Generated{
		QTotal:         r.qTotal,
		LiquidityTotal: r.l0,
		KappaRule:      r.KappaRule,
		Revision:       r.Revision,
		Name:           scenarioName(r) + " [Balanced " + string(b.mode) + "]",
		Description: description(r) + fmt.Sprintf("; balanced mode=%s, β=%s, ρ=%s",
			b.mode, fmtDecimal(b.beta), fmtDecimal(b.rho)),
		MaxDays:   r.maxDays,
		QuietDays: r.quietDays,
		S1:        pynum.Dec(0, 0),
		L0:        pynum.Dec(0, 0),
	}

	var actions []pyyaml.Node
	mint := func(id string, amount pynum.Amount) {
		g.Liquidity = append(g.Liquidity, amount)
		g.L0 = pynum.Add(g.L0, amount)
		actions = append(actions, pyyaml.Map(pyyaml.P("mint_cash", pyyaml.Map(
			pyyaml.P("to", pyyaml.Str(id)),
			pyyaml.P("amount", decimalNode(amount)),
			pyyaml.P("alias", pyyaml.Str("LIQ_"+id)),
		))))
	}
	payable := func(from, to string, amount pynum.Amount, dueDay int, alias string) {
		g.Payables = append(g.Payables, Payable{From: from, To: to, Amount: amount, DueDay: dueDay})
		g.S1 = pynum.Add(g.S1, amount)
		actions = append(actions, pyyaml.Map(pyyaml.P("create_payable", pyyaml.Map(
			pyyaml.P("from", pyyaml.Str(from)),
			pyyaml.P("to", pyyaml.Str(to)),
			pyyaml.P("amount", decimalNode(amount)),
			pyyaml.P("due_day", pyyaml.Int(int64(dueDay))),
			pyyaml.P("alias", pyyaml.Str(alias)),
		))))
	}
	for i, amount := range liquidity {
		if amount.Sign() <= 0 {
			g.Liquidity = append(g.Liquidity, amount)
			continue
		}
		mint(agentID(i), amount)
	}
	for i, amount := range base {
		from, to := agentID(i), agentID((i+1)%n)
		payable(from, to, pynum.Mul(amount, scale), due[i], "P_"+from+"_"+to)
	}
	for i := range n {
		from, to := agentID(i), "big_"+bigEntityBuckets[i%len(bigEntityBuckets)]
		payable(from, to, perTrader, due[i], "P_"+from+"_"+to+"_big")
	}
	for _, bucket := range bigEntityBuckets {
		mint("big_"+bucket, bigCash)
	}

	agents := []pyyaml.Node{pyyaml.Map(pyyaml.P("id", pyyaml.Str("CB")), pyyaml.P("kind", pyyaml.Str("central_bank")), pyyaml.P("name", pyyaml.Str("Central Bank")))}
	balances := []pyyaml.Node{pyyaml.Str("CB")}
	for i := range n {
		id := agentID(i)
		agents = append(agents, pyyaml.Map(pyyaml.P("id", pyyaml.Str(id)), pyyaml.P("kind", pyyaml.Str("household")), pyyaml.P("name", pyyaml.Str(fmt.Sprintf("Agent %d", i+1)))))
		balances = append(balances, pyyaml.Str(id))
	}
	for _, bucket := range bigEntityBuckets {
		id := "big_" + bucket
		agents = append(agents, pyyaml.Map(pyyaml.P("id", pyyaml.Str(id)), pyyaml.P("kind", pyyaml.Str("household")), pyyaml.P("name", pyyaml.Str("Big Entity ("+bucket+")"))))
		balances = append(balances, pyyaml.Str(id))
	}
	run := runBlock(g.MaxDays, g.QuietDays, balances)
	run.Set("default_handling", pyyaml.Str(r.DefaultHandling))
	g.Doc = pyyaml.Map(
		pyyaml.P("version", pyyaml.Int(1)),
		pyyaml.P("name", pyyaml.Str(g.Name)),
		pyyaml.P("description", pyyaml.Str(g.Description)),
		pyyaml.P("agents", pyyaml.Seq(agents...)),
		pyyaml.P("initial_actions", pyyaml.Seq(actions...)),
		pyyaml.P("scheduled_actions", pyyaml.Seq()),
		pyyaml.P("run", run),
		pyyaml.P("_balanced_config", pyyaml.Map(
			pyyaml.P("face_value", pyyaml.Float(b.face.Float64())),
			pyyaml.P("outside_mid_ratio", pyyaml.Float(b.rho.Float64())),
			pyyaml.P("big_entity_share", pyyaml.Float(b.beta.Float64())),
			pyyaml.P("mode", pyyaml.Str(string(b.mode))),
		)),
	)
	if b.mode == Active {
		g.Doc.Set("dealer", pyyaml.Map(
			pyyaml.P("enabled", pyyaml.Bool(true)),
			pyyaml.P("ticket_size", pyyaml.Int(b.ticketSize)),
			pyyaml.P("dealer_share", pyyaml.Str("0")),
			pyyaml.P("vbt_share", pyyaml.Str(b.vbt.String())),
		))
	}
	if g.YAML, err = pyyaml.Marshal(g.Doc); err != nil {
		return nil, fmt.Errorf("ring: balanced: %w", err)
	}
	return g, nil
}

// orDefault returns *d as a Decimal, or def when d is nil.
func orDefault(d *pynum.Amount, def pynum.Amount) pynum.Amount {
	if d == nil {
		return def
	}
	return pynum.AsDecimal(*d)
}
