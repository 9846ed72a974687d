package engine

import (
	"fmt"

	"github.com/bilancio-go/bilancio/internal/pynum"
)

// depositIDs returns customer's bank deposits issued by bank, in asset order
// (bilancio's System.deposit_ids).
func (s *system) depositIDs(customer, bank int32) []int32 {
	var ids []int32
	for _, idx := range s.st.agents[customer].assets {
		c := s.st.contracts[idx]
		if c.kind == KindBankDeposit && c.issuer == bank {
			ids = append(ids, idx)
		}
	}
	return ids
}

// coalesceDeposits merges customer's deposits at bank into the first one, or
// opens an empty deposit (a new "D" id) when there is none, and returns its
// index (bilancio's ops.primitives.coalesce_deposits).
func (s *system) coalesceDeposits(customer, bank int32) (int32, error) {
	ids := s.depositIDs(customer, bank)
	if len(ids) == 0 {
		c := s.newContract(s.newID("D"), KindBankDeposit, pynum.Int(0), customer, bank)
		if err := s.addContract(c); err != nil {
			return 0, err
		}
		return int32(len(s.st.contracts) - 1), nil
	}
	for _, other := range ids[1:] {
		if err := s.merge(ids[0], other); err != nil {
			return 0, err
		}
	}
	return ids[0], nil
}

// moveCashPieces moves amount of frm's cash to to, splitting the last piece,
// without logging or coalescing, and returns the ids of the pieces moved (the
// cash leg of bilancio's deposit_cash and withdraw_cash). The pieces are frm's
// cash instruments as they were on entry, in asset order. It reports the
// amount it could not move.
func (s *system) moveCashPieces(frm, to int32, amount pynum.Amount) ([]string, pynum.Amount, error) {
	var cash []int32
	for _, idx := range s.st.agents[frm].assets {
		if s.st.contracts[idx].kind == KindCash {
			cash = append(cash, idx)
		}
	}
	remaining := amount
	var moved []string
	for _, idx := range cash {
		if pynum.Cmp(s.st.contracts[idx].amount, remaining) > 0 {
			var err error
			if idx, err = s.split(idx, remaining); err != nil {
				return nil, remaining, err
			}
		}
		c := s.st.contracts[idx]
		s.moveAsset(idx, frm, to)
		moved = append(moved, c.id)
		remaining = pynum.Sub(remaining, c.amount)
		if remaining.IsZero() {
			break
		}
	}
	return moved, remaining, nil
}

// debitDeposits takes up to amount from the deposits ids, in order, removing
// each deposit it empties, and returns what is still owed and what was taken
// (the deposit leg of bilancio's withdraw_cash and client_payment).
// A deposit is debited only when something is taken from it: bilancio's
// `dep.amount -= take` with take == 0 leaves the amount as it was.
func (s *system) debitDeposits(ids []int32, amount pynum.Amount) (remaining, taken pynum.Amount, err error) {
	remaining, taken = amount, pynum.Int(0)
	for _, idx := range ids {
		take := pynum.Min(s.st.contracts[idx].amount, remaining)
		if take.Sign() > 0 {
			if err := s.consume(idx, take); err != nil {
				return remaining, taken, err
			}
		}
		remaining = pynum.Sub(remaining, take)
		taken = pynum.Add(taken, take)
		if remaining.IsZero() {
			break
		}
	}
	return remaining, taken, nil
}

// idList is a list of ids as an event value.
func idList(ids []string) Value {
	l := make([]Field, len(ids))
	for i, id := range ids {
		l[i].Val = Str(id)
	}
	return ListOf(l)
}

// depositCash hands amount of customer's cash to bank and credits customer's
// deposit there (bilancio's ops.banking.deposit_cash). The cash pieces are not
// merged into the bank's cash.
func (s *system) depositCash(customer, bank int32, amount pynum.Amount) error {
	if amount.Sign() <= 0 {
		return validationf("amount must be positive")
	}
	return s.atomic(func() error {
		moved, remaining, err := s.moveCashPieces(customer, bank, amount)
		if err != nil {
			return err
		}
		if !remaining.IsZero() {
			return validationf("insufficient cash for deposit")
		}
		dep, err := s.coalesceDeposits(customer, bank)
		if err != nil {
			return err
		}
		d := s.st.contracts[dep]
		s.setAmount(d, pynum.Add(d.amount, amount))
		s.log("CashDeposited", Field{"customer", Str(s.st.agents[customer].id)}, Field{"bank", Str(s.st.agents[bank].id)},
			Field{"amount", AmountV(amount)}, Field{"cash_piece_ids", idList(moved)}, Field{"deposit_id", Str(d.id)})
		return nil
	})
}

// withdrawCash debits amount from customer's deposits at bank and hands the
// same amount of the bank's cash to the customer (bilancio's
// ops.banking.withdraw_cash). The customer's cash is not coalesced.
func (s *system) withdrawCash(customer, bank int32, amount pynum.Amount) error {
	if amount.Sign() <= 0 {
		return validationf("amount must be positive")
	}
	return s.atomic(func() error {
		ids := s.depositIDs(customer, bank)
		if len(ids) == 0 {
			return validationf("no deposit at this bank")
		}
		remaining, _, err := s.debitDeposits(ids, amount)
		if err != nil {
			return err
		}
		if !remaining.IsZero() {
			return validationf("insufficient deposit balance")
		}
		moved, remaining, err := s.moveCashPieces(bank, customer, amount)
		if err != nil {
			return err
		}
		if !remaining.IsZero() {
			return validationf("bank has insufficient cash on hand (MVP: no auto conversion from reserves)")
		}
		s.log("CashWithdrawn", Field{"customer", Str(s.st.agents[customer].id)}, Field{"bank", Str(s.st.agents[bank].id)},
			Field{"amount", AmountV(amount)}, Field{"cash_piece_ids", idList(moved)})
		return nil
	})
}

// clientPayment moves amount from payer's deposits at payerBank to payee's
// deposit at payeeBank (bilancio's ops.banking.client_payment, without the
// cash fallback no caller enables). A payment between two banks logs
// ClientPayment, which phase C clears; one within a bank logs
// IntraBankPayment.
func (s *system) clientPayment(payer, payerBank, payee, payeeBank int32, amount pynum.Amount) error {
	if amount.Sign() <= 0 {
		return validationf("amount must be positive")
	}
	return s.atomic(func() error {
		remaining, paid, err := s.debitDeposits(s.depositIDs(payer, payerBank), amount)
		if err != nil {
			return err
		}
		if !remaining.IsZero() {
			return validationf("insufficient funds for payment")
		}
		rx, err := s.coalesceDeposits(payee, payeeBank)
		if err != nil {
			return err
		}
		d := s.st.contracts[rx]
		s.setAmount(d, pynum.Add(d.amount, paid))
		if paid.Sign() <= 0 {
			return nil
		}
		ag := s.st.agents
		if payerBank == payeeBank {
			s.log("IntraBankPayment", Field{"payer", Str(ag[payer].id)}, Field{"payee", Str(ag[payee].id)},
				Field{"bank", Str(ag[payerBank].id)}, Field{"amount", AmountV(paid)})
		} else {
			s.log("ClientPayment", Field{"payer", Str(ag[payer].id)}, Field{"payer_bank", Str(ag[payerBank].id)},
				Field{"payee", Str(ag[payee].id)}, Field{"payee_bank", Str(ag[payeeBank].id)}, Field{"amount", AmountV(paid)})
		}
		return nil
	})
}

// applyDepositCash runs a deposit_cash action.
func (s *system) applyDepositCash(a *Action) error {
	customer, bank, err := s.customerBank(a)
	if err != nil {
		return err
	}
	if err := s.depositCash(customer, bank, a.Amount); err != nil {
		return fmt.Errorf("deposit cash of %s at %s: %w", a.Customer, a.Bank, err)
	}
	return nil
}

// applyWithdrawCash runs a withdraw_cash action.
func (s *system) applyWithdrawCash(a *Action) error {
	customer, bank, err := s.customerBank(a)
	if err != nil {
		return err
	}
	if err := s.withdrawCash(customer, bank, a.Amount); err != nil {
		return fmt.Errorf("withdraw cash of %s from %s: %w", a.Customer, a.Bank, err)
	}
	return nil
}

func (s *system) customerBank(a *Action) (customer, bank int32, err error) {
	if customer, err = s.agentRef(a.Customer, a.agentAt[0]); err != nil {
		return
	}
	bank, err = s.agentRef(a.Bank, a.agentAt[1])
	return
}

// applyClientPayment runs a client_payment action. As in bilancio's
// apply_action, each side's bank is the last bank, in agent order, at which
// that side holds a deposit (even an empty one).
func (s *system) applyClientPayment(a *Action) error {
	payer, err := s.agentRef(a.Payer, a.agentAt[0])
	if err != nil {
		return err
	}
	payee, err := s.agentRef(a.Payee, a.agentAt[1])
	if err != nil {
		return err
	}
	var payerBank, payeeBank int32 = noAgent, noAgent
	for i := range s.st.agents {
		if s.st.agents[i].kind != "bank" {
			continue
		}
		if len(s.depositIDs(payer, int32(i))) > 0 {
			payerBank = int32(i)
		}
		if len(s.depositIDs(payee, int32(i))) > 0 {
			payeeBank = int32(i)
		}
	}
	if payerBank == noAgent || payeeBank == noAgent {
		return fmt.Errorf("cannot determine banks for client_payment from %s to %s", a.Payer, a.Payee)
	}
	if err := s.clientPayment(payer, payerBank, payee, payeeBank, a.Amount); err != nil {
		return fmt.Errorf("client payment from %s to %s: %w", a.Payer, a.Payee, err)
	}
	return nil
}

// payWithDeposits pays up to amount from the debtor's bank deposits by a
// client payment (bilancio's _pay_with_deposits). The payer's bank is the
// issuer of its first deposit; the payee's bank is the issuer of the
// creditor's first deposit, or the payer's bank if the creditor has none. A
// payment refused with a validation error pays nothing; note that the amount
// is capped by the debtor's deposits at all banks while only the first bank's
// are debited, so a debtor with deposits at two banks may pay nothing.
func (s *system) payWithDeposits(debtor, creditor int32, amount pynum.Amount) (pynum.Amount, error) {
	n, first, available := s.holdings(debtor, KindBankDeposit)
	if n == 0 || available.IsZero() {
		return pynum.Int(0), nil
	}
	pay := pynum.Min(amount, available)
	debtorBank := s.st.contracts[first].issuer
	creditorBank := debtorBank
	if n, first, _ := s.holdings(creditor, KindBankDeposit); n > 0 {
		creditorBank = s.st.contracts[first].issuer
	}
	if err := s.clientPayment(debtor, debtorBank, creditor, creditorBank, pay); err != nil {
		if isValidation(err) {
			return pynum.Int(0), nil
		}
		return pynum.Int(0), fmt.Errorf("pay %s with deposits: %w", s.st.agents[debtor].id, err)
	}
	return pay, nil
}
