package ring

import (
	"fmt"

	"github.com/bilancio-go/bilancio/internal/pynum"
)

// Swept is a generator parameter that a sweep's designs vary: a grid lists
// its values, a Latin hypercube draws it from a range, a frontier search
// makes cells of it. Each is declared once, in Sweepable, with everything
// the rest of bilancio needs to know of it: its names in every input
// format, its default, its rule and where it goes in the generator's
// parameters. Adding a swept parameter is one declaration here (and
// NumSwept one more) plus its use in the generator.
type Swept struct {
	// Name is the parameter's name: the registry's column, a Latin
	// hypercube's range attribute (kappa = [min, max]; bilancio's YAML
	// kappa_range), the flags -kappa-min and -kappa-max.
	Name string
	// Plural names a list of its values: a grid's or a frontier's list
	// (kappas = [...]), bilancio's flag --kappas.
	Plural string
	// Flag starts the names of bilancio's flags of a Latin hypercube's
	// range (-kappa-min, -kappa-max; "c" for concentration); Name when
	// empty.
	Flag string
	// Symbol is its mathematical name (κ), for pages and messages.
	Symbol string
	// Default is its value when a design leaves it out, "" when a design
	// must give it.
	Default string
	// Registry says bilancio's registry and results have a column for it
	// (kappa, concentration, mu, monotonicity, in this order). A parameter
	// without one (ρ) is written into a run's point key and derived seed
	// with its Key, and only when the run has a value for it, so that
	// adding such a parameter moves no existing run.
	Registry bool
	// Key names it in point keys and derived seeds (parameters without a
	// registry column only).
	Key string
	// Balanced says only a balanced sweep's rings have it.
	Balanced bool
	// allowed says whether a value is allowed, and rule says which are.
	allowed func(d pynum.Amount) bool
	rule    string
	// set puts a value into the generator's parameters.
	set func(p *BalancedParams, d *pynum.Amount)
}

// Check checks a value of the parameter: "" when allowed, else a sentence
// saying which values are and the value given.
func (s *Swept) Check(d pynum.Amount) string {
	if s.allowed(d) {
		return ""
	}
	return fmt.Sprintf("%s must be %s, got %s", s.Name, s.rule, d)
}

// RangeFlag is the start of the names of its range's flags (-kappa-min).
func (s *Swept) RangeFlag() string {
	if s.Flag != "" {
		return s.Flag
	}
	return s.Name
}

// Set puts a value of the parameter into the generator's parameters (nil:
// its default).
func (s *Swept) Set(p *BalancedParams, d *pynum.Amount) { s.set(p, d) }

// The swept parameters, by their index in Sweepable: bilancio's four, the
// columns of its registry, first (NumRegistry of them), then the others.
const (
	SweptKappa = iota
	SweptConcentration
	SweptMu
	SweptMonotonicity
	SweptRho
	// NumSwept is how many there are.
	NumSwept
)

// NumRegistry is how many of the swept parameters, the first ones, are
// columns of bilancio's registry.
const NumRegistry = 4

// Sweepable returns the swept parameters: bilancio's kappa, concentration,
// mu and monotonicity (the registry's columns, in its order, which is also
// its grid's loop order), then ρ (only a balanced sweep has it). A grid
// loops over the others outside bilancio's four, in this order.
func Sweepable() [NumSwept]Swept {
	return [NumSwept]Swept{
		SweptKappa: {
			Name: "kappa", Plural: "kappas", Symbol: "κ", Registry: true,
			allowed: func(d pynum.Amount) bool { return d.Sign() > 0 },
			rule:    "greater than 0: it is the ratio of the total dues Q_total to the initial liquidity L0 (or its inverse under kappa_rule = \"liquidity-over-debt\")",
			set:     func(p *BalancedParams, d *pynum.Amount) { p.Kappa = d },
		},
		SweptConcentration: {
			Name: "concentration", Plural: "concentrations", Flag: "c", Symbol: "c", Registry: true,
			allowed: func(d pynum.Amount) bool { return d.Sign() > 0 },
			rule:    "greater than 0: it is the Dirichlet concentration of the payable amounts (small: a few large debts; large: nearly equal debts)",
			set:     func(p *BalancedParams, d *pynum.Amount) { p.Concentration = d },
		},
		SweptMu: {
			Name: "mu", Plural: "mus", Symbol: "μ", Registry: true,
			allowed: func(d pynum.Amount) bool { return d.Sign() >= 0 && pynum.Cmp(d, pynum.Dec(1, 0)) <= 0 },
			rule:    "between 0 and 1: it is the lead-lag misalignment of the due days (0: every agent is paid before it pays; 1: after)",
			set:     func(p *BalancedParams, d *pynum.Amount) { p.Mu = d },
		},
		SweptMonotonicity: {
			Name: "monotonicity", Plural: "monotonicities", Symbol: "m", Default: "0", Registry: true,
			allowed: func(d pynum.Amount) bool {
				return pynum.Cmp(d, pynum.Dec(-1, 0)) >= 0 && pynum.Cmp(d, pynum.Dec(1, 0)) <= 0
			},
			rule: "between -1 and 1 (-1: payables ascending around the ring; 0: as drawn; 1: descending)",
			set:  func(p *BalancedParams, d *pynum.Amount) { p.Monotonicity = d },
		},
		SweptRho: {
			Name: "outside_mid_ratio", Plural: "outside_mid_ratios", Symbol: "ρ", Key: "rho", Balanced: true,
			allowed: func(d pynum.Amount) bool { return d.Sign() > 0 },
			rule:    "greater than 0: each big entity of a balanced ring is minted (Q_total·β/3)·ρ",
			set:     func(p *BalancedParams, d *pynum.Amount) { p.OutsideMidRatio = d },
		},
	}
}

// LoopOrder returns the swept parameters' indexes in a grid's loop order,
// outermost first: the parameters without a registry column, then
// bilancio's four (kappa → concentration → mu → monotonicity).
func LoopOrder() [NumSwept]int {
	var out [NumSwept]int
	n := 0
	for i := NumRegistry; i < NumSwept; i++ {
		out[n] = i
		n++
	}
	for i := range NumRegistry {
		out[n] = i
		n++
	}
	return out
}

// SweptNamed returns the swept parameter with the given name or plural (nil
// when there is none).
func SweptNamed(name string) *Swept {
	all := Sweepable()
	for i := range all {
		if all[i].Name == name || all[i].Plural == name {
			return &all[i]
		}
	}
	return nil
}

// SweptIndex returns the index in Sweepable of the swept parameter with the
// given name or plural (-1 when there is none).
func SweptIndex(name string) int {
	all := Sweepable()
	for i := range all {
		if all[i].Name == name || all[i].Plural == name {
			return i
		}
	}
	return -1
}
