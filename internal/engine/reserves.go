package engine

import (
	"fmt"

	"github.com/bilancio-go/bilancio/internal/pynum"
)

// mintReserves issues new reserves from the central bank to a bank (bilancio's
// System.mint_reserves) and returns the new contract.
func (s *system) mintReserves(to int32, amount pynum.Amount, alias cval, hasAlias bool) (*contract, error) {
	return s.mint(KindReserveDeposit, "R", evReservesMinted, to, amount, alias, hasAlias)
}

// transferReserves is bilancio's System.transfer_reserves: the cash transfer
// mechanics applied to reserve deposits.
func (s *system) transferReserves(frm, to int32, amount pynum.Amount) error {
	return s.transferMoney(KindReserveDeposit, evReservesTransferred, frm, to, amount)
}

// applyMintReserves runs a mint_reserves action and binds its alias.
func (s *system) applyMintReserves(a *Action) error {
	to, err := s.agentRef(a.To, a.agentAt[0])
	if err != nil {
		return err
	}
	c, err := s.mintReserves(to, a.Amount, s.actionAlias(a), a.HasAlias)
	if err != nil {
		return fmt.Errorf("mint reserves to %s: %w", a.To, err)
	}
	return s.captureAlias(a, c)
}

// applyTransferReserves runs a transfer_reserves action.
func (s *system) applyTransferReserves(a *Action) error {
	frm, err := s.agentRef(a.FromBank, a.agentAt[0])
	if err != nil {
		return err
	}
	to, err := s.agentRef(a.ToBank, a.agentAt[1])
	if err != nil {
		return err
	}
	if err := s.transferReserves(frm, to, a.Amount); err != nil {
		return fmt.Errorf("transfer reserves from %s to %s: %w", a.FromBank, a.ToBank, err)
	}
	return nil
}

// payWithReserves pays up to amount in reserves from bank debtor to creditor
// (bilancio's _pay_bank_to_bank_with_reserves). It pays nothing when debtor and
// creditor are the same agent, when the debtor holds no reserves, or when the
// transfer is refused with a validation error.
func (s *system) payWithReserves(debtor, creditor int32, amount pynum.Amount) (pynum.Amount, error) {
	if debtor == creditor {
		return pynum.Int(0), nil
	}
	n, _, available := s.holdings(debtor, KindReserveDeposit)
	if n == 0 || available.IsZero() {
		return pynum.Int(0), nil
	}
	pay := pynum.Min(amount, available)
	if err := s.transferReserves(debtor, creditor, pay); err != nil {
		if isValidation(err) {
			return pynum.Int(0), nil
		}
		return pynum.Int(0), fmt.Errorf("pay %s in reserves: %w", s.st.agents[debtor].id, err)
	}
	return pay, nil
}
