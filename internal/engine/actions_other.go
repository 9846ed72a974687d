package engine

import (
	"fmt"

	"github.com/bilancio-go/bilancio/internal/pynum"
)

// applyOther runs the actions rings do not use (reserves, deposits, client
// payments, stock and delivery obligations).
func (s *system) applyOther(a *Action) error {
	return fmt.Errorf("action %s is not supported yet", a.Kind)
}

// payWithDeposits pays up to amount from the debtor's bank deposits.
func (s *system) payWithDeposits(debtor, creditor int32, amount pynum.Amount) (pynum.Amount, error) {
	ids, available := s.holdings(debtor, KindBankDeposit)
	if len(ids) == 0 || available.IsZero() {
		return pynum.Int(0), nil
	}
	return pynum.Int(0), fmt.Errorf("paying with bank deposits is not supported yet")
}

// payWithReserves pays up to amount in reserves between banks.
func (s *system) payWithReserves(debtor, creditor int32, amount pynum.Amount) (pynum.Amount, error) {
	ids, available := s.holdings(debtor, KindReserveDeposit)
	if debtor == creditor || len(ids) == 0 || available.IsZero() {
		return pynum.Int(0), nil
	}
	return pynum.Int(0), fmt.Errorf("paying with reserves is not supported yet")
}

// settleDueDeliveries settles the delivery obligations due on day.
func (s *system) settleDueDeliveries(day int) error {
	for _, c := range s.st.contracts {
		if !c.removed && c.kind == KindDeliveryObligation && c.dueDay == int64(day) {
			return fmt.Errorf("delivery obligations are not supported yet")
		}
	}
	return nil
}

// clearIntraday is phase C: interbank netting of the day's client payments.
func (s *system) clearIntraday(day int) error {
	return nil
}
