package sweep

import "github.com/bilancio-go/bilancio/internal/pynum"

// outcomeMeans accumulates the Python float means of runs' phi_total and
// delta_total strings (empty or unparsable values are skipped) and counts the
// runs that cleared (delta_total = 0).
type outcomeMeans struct {
	phiSum, deltaSum float64
	phiN, deltaN     int
	cleared          int
}

// add counts one run's registry strings.
func (m *outcomeMeans) add(phi, delta string) {
	if d, err := pynum.ParseDecimal(phi); err == nil && phi != "" {
		m.phiSum += pynum.DecimalFloat(d.Decimal())
		m.phiN++
	}
	if d, err := pynum.ParseDecimal(delta); err == nil && delta != "" {
		m.deltaSum += pynum.DecimalFloat(d.Decimal())
		m.deltaN++
		if d.Sign() == 0 {
			m.cleared++
		}
	}
}

// means returns the two means, nil where no run had a value.
func (m *outcomeMeans) means() (phi, delta *float64) {
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
