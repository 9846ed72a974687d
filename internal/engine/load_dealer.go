package engine

import (
	"go.yaml.in/yaml/v3"

	"github.com/bilancio-go/bilancio/internal/pynum"
)

// dealer reads the `dealer` block (nil when null). bilancio validates every
// key of it, used or not, so an out-of-range value rejects the file here too;
// the block itself is kept as written for the dealer subsystem.
func (l *scenarioLoader) dealer(at *yaml.Node) (*DealerConfig, error) {
	if v, err := resolveValue(at); err != nil || v.kind == valNull {
		return nil, err
	}
	o, err := l.objectAt(at, "dealer")
	if err != nil {
		return nil, err
	}
	f := &modelFields{yamlObject: o}
	dc := &DealerConfig{}
	dc.Enabled = f.boolean("enabled", false)
	f.decimal("ticket_size", false, pynum.Int(1), mustBePositive)
	if e, ok := f.lookup("buckets", false); ok {
		f.keep(l.dealerBuckets(e.val))
	}
	f.decimal("dealer_share", false, pynum.Int(0), mustBeInUnitInterval)
	f.decimal("vbt_share", false, pynum.Int(0), mustBeInUnitInterval)
	if e, ok := f.lookup("order_flow", false); ok {
		sub, err := l.objectAt(e.val, "dealer.order_flow")
		if f.keep(err) {
			sf := &modelFields{yamlObject: sub}
			sf.decimal("pi_sell", false, pynum.Int(0), mustBeInUnitInterval)
			sf.intMin("N_max", false, 3, 1)
			f.keep(sf.err)
		}
	}
	if e, ok := f.lookup("trader_policy", false); ok {
		sub, err := l.objectAt(e.val, "dealer.trader_policy")
		if f.keep(err) {
			sf := &modelFields{yamlObject: sub}
			sf.intMin("horizon_H", false, 3, 1)
			sf.decimal("buffer_B", false, pynum.Int(0), mustBeNonNegative)
			f.keep(sf.err)
		}
	}
	if e, ok := f.lookup("risk_assessment", false); ok {
		f.keep(l.riskAssessment(e, dc.Enabled))
	} else if f.err == nil && dc.Enabled && l.rules.RiskAssessmentByDefault {
		en, _ := o.get("enabled")
		f.keep(l.refuseNewer(en.keyAt, "dealer", newerRiskAssessment,
			"bilancio %s turns it on for every dealer block that does not say otherwise; add `risk_assessment: {enabled: false}` to the dealer block to run without it, or choose an earlier -bilancio-revision (2025-12)", l.revisionName()))
	}
	if f.err == nil && dc.Enabled && l.rules.NoDealer {
		en, _ := o.get("enabled")
		f.keep(l.fail(en.val, "dealer.enabled", "bilancio %s has no dealer (it arrived on 2025-11-25) and would ignore this block; choose -bilancio-revision 2025-11-29 or later to run it, or set enabled: false", l.revisionName()))
	}
	if f.err != nil {
		return nil, f.err
	}
	budget := maxDealerRaw
	dc.Raw, err = l.flatten(o.es, "", 0, &budget)
	if err != nil {
		return nil, err
	}
	if budget < 0 {
		return nil, l.fail(at, "dealer", "the dealer block is too large (more than %d keys once aliases are expanded)", maxDealerRaw)
	}
	return dc, nil
}

// dealerBuckets validates dealer.buckets: null, or a mapping of bucket name
// to {tau_min, tau_max, M, O}.
func (l *scenarioLoader) dealerBuckets(at *yaml.Node) error {
	if v, err := resolveValue(at); err != nil || v.kind == valNull {
		return err
	}
	o, err := l.objectAt(at, "dealer.buckets")
	if err != nil {
		return err
	}
	if err := o.stringKeys(); err != nil {
		return err
	}
	for _, e := range o.es {
		b, err := l.objectAt(e.val, pathKey("dealer.buckets", e.keyStr))
		if err != nil {
			return err
		}
		f := &modelFields{yamlObject: b}
		lo := f.intMin("tau_min", true, 0, 1)
		hi := f.intMin("tau_max", true, 0, 1)
		f.decimal("M", false, pynum.Int(1), mustBePositive)
		f.decimal("O", false, pynum.Int(1), mustBePositive)
		if f.err == nil && lo > hi {
			f.failAt(b.at, "", "tau_min must be <= tau_max, got %d > %d", lo, hi)
		}
		if f.err != nil {
			return f.err
		}
	}
	return nil
}

// maxDealerRaw bounds the number of keys kept from a dealer block (aliases
// could otherwise make it grow exponentially).
const maxDealerRaw = 10000

// flatten lists the scalar keys of a mapping, nested mappings as dotted keys
// ("order_flow.pi_sell"), with their texts as written; lists are skipped.
// It stops, leaving *budget negative, after visiting more keys than *budget.
func (l *scenarioLoader) flatten(es []mapEntry, prefix string, depth int, budget *int) ([]KeyValue, error) {
	var out []KeyValue
	for _, e := range es {
		if !e.isStr {
			continue
		}
		if *budget--; *budget < 0 {
			return nil, nil
		}
		key := prefix + e.keyStr
		n := yamlDeref(e.val)
		switch n.Kind {
		case yaml.ScalarNode:
			kv := KeyValue{Key: key, Value: n.Value}
			if v, err := resolveValue(n); err == nil && v.kind == valFloat {
				kv.Float = true
			}
			out = append(out, kv)
		case yaml.MappingNode:
			if depth >= 8 {
				continue
			}
			sub, err := l.m.entries(n)
			if err != nil {
				return nil, err
			}
			kv, err := l.flatten(sub, key+".", depth+1, budget)
			if err != nil || *budget < 0 {
				return nil, err
			}
			out = append(out, kv...)
		}
	}
	return out, nil
}
