package engine

import "fmt"

// applyOther runs the actions rings do not use: reserves (reserves.go),
// deposits and client payments (banking.go), stock (stock.go) and delivery
// obligations (delivery.go).
func (s *system) applyOther(a *Action) error {
	switch a.Kind {
	case ActMintReserves:
		return s.applyMintReserves(a)
	case ActTransferReserves:
		return s.applyTransferReserves(a)
	case ActDepositCash:
		return s.applyDepositCash(a)
	case ActWithdrawCash:
		return s.applyWithdrawCash(a)
	case ActClientPayment:
		return s.applyClientPayment(a)
	case ActCreateStock:
		return s.applyCreateStock(a)
	case ActTransferStock:
		return s.applyTransferStock(a)
	case ActCreateDeliveryObligation:
		return s.createDeliveryObligation(a)
	}
	return fmt.Errorf("unknown action %q", a.Kind)
}
