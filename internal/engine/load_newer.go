package engine

import (
	"go.yaml.in/yaml/v3"

	"github.com/bilancio-go/bilancio/internal/pynum"
	ringgen "github.com/bilancio-go/bilancio/internal/ring"
)

// LoadRules are the rules of Load that depend on the bilancio revision a
// run reproduces (package revision fills them in). The zero value is the
// default revision's.
type LoadRules struct {
	// Revision names the revision, for messages ("" is the default one).
	Revision string
	// NoDealer refuses an enabled dealer block: the revision predates
	// bilancio's dealer, and would ignore it.
	NoDealer bool
	// RiskAssessmentByDefault refuses an enabled dealer block that does not
	// turn dealer.risk_assessment off: the revision enables it by default,
	// and this engine does not implement it.
	RiskAssessmentByDefault bool
	// KappaRule and Generator compile generator specs (ring_explorer_v1).
	KappaRule ringgen.KappaRule
	Generator ringgen.Revision
}

// newerKey is a key of a bilancio scenario that this engine does not
// implement: when and why bilancio introduced it.
type newerKey struct {
	introduced string // the date of the bilancio commit that introduced it
	what       string
}

// The keys bilancio honours and this engine does not. Each is refused,
// unless its value is the one that changes nothing, with a message that
// names the key, when bilancio introduced it and what to do.
var (
	newerRollover         = newerKey{"2025-12-10", "continuous rollover of settled payables (Plan 024)"}
	newerMaturityDistance = newerKey{"2025-12-10", "the maturity distance of a rolled-over payable (Plan 024)"}
	newerRiskAssessment   = newerKey{"2026-01-13", "risk-based trading decisions of the dealer's traders"}
	newerBalancedDealer   = newerKey{"2025-12-04", "the balanced dealer/VBT initialisation of Plan 021/024"}
)

// revisionName is the revision in messages.
func (l *scenarioLoader) revisionName() string {
	if l.rules.Revision == "" {
		return "2025-12"
	}
	return l.rules.Revision
}

// refuseNewer is the error for a key of a newer bilancio: path names it, and
// todo (a format) says what to do.
func (l *scenarioLoader) refuseNewer(at *yaml.Node, path string, k newerKey, todo string, args ...any) error {
	return l.fail(at, path, "not implemented: bilancio honours this key from %s (%s) and this engine does not, so the run would silently differ from bilancio's; "+todo,
		append([]any{k.introduced, k.what}, args...)...)
}

// rollover checks run.rollover_enabled (a bool; only false is accepted).
func (l *scenarioLoader) rollover(f *modelFields) error {
	if !f.boolean("rollover_enabled", false) || f.err != nil {
		return f.err
	}
	e, _ := f.get("rollover_enabled")
	return l.refuseNewer(e.val, "run.rollover_enabled", newerRollover, "remove the key or set it to false")
}

// maturityDistance checks create_payable.maturity_distance: accepted only
// when it equals due_day, bilancio's default and the one value that changes
// nothing without rollover.
func (l *scenarioLoader) maturityDistance(f *modelFields, a *Action) {
	if f.err != nil || a.MaturityDistance == nil || *a.MaturityDistance == a.DueDay {
		return
	}
	e, _ := f.get("maturity_distance")
	f.keep(l.refuseNewer(e.val, pathKey(f.path, "maturity_distance"), newerMaturityDistance,
		"it only matters with run.rollover_enabled; remove it or set it to due_day (%d)", a.DueDay))
}

// riskAssessment validates dealer.risk_assessment as bilancio's
// RiskAssessmentConfig does and refuses it when it would be on for an
// enabled dealer (its enabled key defaults to true).
func (l *scenarioLoader) riskAssessment(e mapEntry, dealerEnabled bool) error {
	if v, err := resolveValue(e.val); err != nil {
		return err
	} else if v.kind == valNull {
		// pydantic refuses None for a model field with a default factory.
		return l.fail(e.val, "dealer.risk_assessment", "expected a mapping, got None")
	}
	o, err := l.objectAt(e.val, "dealer.risk_assessment")
	if err != nil {
		return err
	}
	f := &modelFields{yamlObject: o}
	enabled := f.boolean("enabled", true)
	f.intMin("lookback_window", false, 5, 1)
	f.decimal("smoothing_alpha", false, pynum.Int(1), mustBePositive)
	f.decimal("base_risk_premium", false, pynum.Int(0), mustBeNonNegative)
	f.decimal("urgency_sensitivity", false, pynum.Int(0), mustBeNonNegative)
	f.boolean("use_issuer_specific", false)
	f.decimal("buy_premium_multiplier", false, pynum.Int(2), mustBePositive)
	if f.err != nil || !enabled || !dealerEnabled {
		return f.err
	}
	at := e.keyAt
	if en, ok := o.get("enabled"); ok {
		at = en.val
	}
	return l.refuseNewer(at, "dealer.risk_assessment", newerRiskAssessment,
		"its enabled key defaults to true; set `enabled: false` in it to run the dealer without it")
}

// balancedDealer validates the top-level balanced_dealer block as bilancio's
// BalancedDealerConfig does and refuses it when enabled.
func (l *scenarioLoader) balancedDealer(e mapEntry) error {
	if v, err := resolveValue(e.val); err != nil || v.kind == valNull {
		return err
	}
	o, err := l.objectAt(e.val, "balanced_dealer")
	if err != nil {
		return err
	}
	f := &modelFields{yamlObject: o}
	enabled := f.boolean("enabled", false)
	f.decimal("face_value", false, pynum.Int(20), mustBePositive)
	f.decimal("outside_mid_ratio", false, pynum.Int(1), func(a pynum.Amount) string {
		if a.Sign() <= 0 || pynum.Cmp(a, pynum.Int(1)) > 0 {
			return "must be between 0 (exclusive) and 1 (inclusive)"
		}
		return ""
	})
	openUnit := func(a pynum.Amount) string {
		if a.Sign() <= 0 || pynum.Cmp(a, pynum.Int(1)) >= 0 {
			return "must be between 0 and 1 (exclusive)"
		}
		return ""
	}
	f.decimal("big_entity_share", false, pynum.Int(0), openUnit)
	f.decimal("vbt_share_per_bucket", false, pynum.Int(0), openUnit)
	f.decimal("dealer_share_per_bucket", false, pynum.Int(0), openUnit)
	f.boolean("rollover_enabled", true)
	f.literal("mode", []string{"passive", "active"}, "active")
	if f.err != nil || !enabled {
		return f.err
	}
	en, _ := o.get("enabled")
	return l.fail(en.val, "balanced_dealer.enabled", "not implemented: bilancio reads this block from %s (%s) and this engine does not implement it (bilancio's own runners never call that initialisation either); remove the block or set enabled: false",
		newerBalancedDealer.introduced, newerBalancedDealer.what)
}
