package store

import (
	"github.com/bilancio-go/bilancio/internal/pynum"
)

// Means accumulates the Python float means of runs' phi_total and
// delta_total strings (empty or unparsable values are skipped) and counts
// the runs that cleared (delta_total = 0), in the order the runs are
// added (a float sum depends on it: the registry's order).
type Means struct {
	phiSum, deltaSum float64
	phiN, deltaN     int
	// Cleared counts the runs with delta_total 0.
	Cleared int
}

// Add counts one run's registry strings.
func (m *Means) Add(phi, delta string) {
	if d, err := pynum.ParseDecimal(phi); err == nil && phi != "" {
		m.AddOutcome(Outcome{Phi: d.Float64(), HasPhi: true})
	}
	if d, err := pynum.ParseDecimal(delta); err == nil && delta != "" {
		m.AddOutcome(Outcome{Delta: d.Float64(), HasDel: true, Cleared: d.Sign() == 0})
	}
}

// AddOutcome counts one run's values as the journal holds them.
func (m *Means) AddOutcome(o Outcome) {
	if o.HasPhi {
		m.phiSum += o.Phi
		m.phiN++
	}
	if o.HasDel {
		m.deltaSum += o.Delta
		m.deltaN++
		if o.Cleared {
			m.Cleared++
		}
	}
}

// Values returns the two means, nil where no run had a value.
func (m *Means) Values() (phi, delta *float64) {
	if m.phiN > 0 {
		v := m.phiSum / float64(m.phiN)
		phi = &v
	}
	if m.deltaN > 0 {
		v := m.deltaSum / float64(m.deltaN)
		delta = &v
	}
	return phi, delta
}
