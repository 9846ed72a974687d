package ring

import (
	"errors"

	"github.com/bilancio-go/bilancio/internal/pynum"
)

// totals returns the total dues Q_total and the initial liquidity L0,
// deriving the missing one from kappa with the rule (spec §10.2). Both must
// come out positive.
func totals(qp, l0p *pynum.Amount, kappa pynum.Amount, rule KappaRule) (qTotal, liquidity pynum.Amount, err error) {
	var q, l0 pynum.Amount
	switch {
	case qp == nil && l0p == nil:
		return q, l0, errors.New("either Q_total or the liquidity total must be given")
	case l0p == nil && rule == LiquidityOverDebt:
		q = pynum.AsDecimal(*qp)
		l0 = pynum.Mul(q, kappa)
	case l0p == nil:
		q = pynum.AsDecimal(*qp)
		l0 = pynum.Quo(q, kappa)
	case qp == nil && rule == LiquidityOverDebt:
		l0 = pynum.AsDecimal(*l0p)
		q = pynum.Quo(l0, kappa)
	case qp == nil:
		l0 = pynum.AsDecimal(*l0p)
		q = pynum.Mul(kappa, l0)
	default:
		q, l0 = pynum.AsDecimal(*qp), pynum.AsDecimal(*l0p)
	}
	if q.Sign() <= 0 || l0.Sign() <= 0 {
		return q, l0, errors.New("derived Q_total and liquidity must be positive")
	}
	return q, l0, nil
}
