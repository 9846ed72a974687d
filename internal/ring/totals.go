package ring

import (
	"errors"

	"github.com/bilancio-go/bilancio/internal/pynum/pyapd"
	"github.com/cockroachdb/apd/v3"
)

// totals returns the total dues Q_total and the initial liquidity L0,
// deriving the missing one from kappa with the rule (spec §10.2). Both must
// come out positive.
func totals(q, l0, kappa *apd.Decimal, rule KappaRule) (qTotal, liquidity *apd.Decimal, err error) {
	switch {
	case q == nil && l0 == nil:
		return nil, nil, errors.New("either Q_total or the liquidity total must be given")
	case l0 == nil && rule == LiquidityOverDebt:
		l0 = pyapd.DecMul(q, kappa)
	case l0 == nil:
		l0 = pyapd.DecQuo(q, kappa)
	case q == nil && rule == LiquidityOverDebt:
		q = pyapd.DecQuo(l0, kappa)
	case q == nil:
		q = pyapd.DecMul(kappa, l0)
	}
	if q.Sign() <= 0 || l0.Sign() <= 0 {
		return nil, nil, errors.New("derived Q_total and liquidity must be positive")
	}
	return q, l0, nil
}
