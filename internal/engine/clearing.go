package engine

import (
	"fmt"

	"github.com/bilancio-go/bilancio/internal/pynum"
)

// bankPair is an unordered pair of banks, lexically ordered (a < b).
type bankPair struct{ a, b string }

// netPosition is the net of one bank pair: positive when a owes b.
type netPosition struct {
	pair bankPair
	net  pynum.Amount
}

// intradayNets nets the day's ClientPayment events by bank pair, in the order
// each pair first appears (bilancio's compute_intraday_nets). The day's
// events include setup events when day is 0.
func (s *system) intradayNets(day int) []netPosition {
	// ClientPayment events are kept whole (see eventlog.go), in log order.
	// Days never decrease along the log: the day's events are its tail.
	gen := s.ev.gen
	first := len(gen)
	for first > 0 && gen[first-1].Day >= day {
		first--
	}
	var nets []netPosition
	var index map[bankPair]int
	for i := first; i < len(gen); i++ {
		e := &gen[i]
		if e.Day != day || e.Kind != "ClientPayment" {
			continue
		}
		if index == nil {
			index = map[bankPair]int{}
		}
		payerBank, payeeBank := e.GetString("payer_bank"), e.GetString("payee_bank")
		amount, ok := e.GetAmount("amount")
		if !ok {
			amount = pynum.Int(0)
		}
		if payerBank == "" || payeeBank == "" || payerBank == payeeBank {
			continue
		}
		pair := bankPair{payerBank, payeeBank}
		if payeeBank < payerBank {
			pair = bankPair{payeeBank, payerBank}
		}
		j, seen := index[pair]
		if !seen {
			j = len(nets)
			index[pair] = j
			nets = append(nets, netPosition{pair: pair, net: pynum.Int(0)})
		}
		if payerBank < payeeBank {
			nets[j].net = pynum.Add(nets[j].net, amount)
		} else {
			nets[j].net = pynum.Sub(nets[j].net, amount)
		}
	}
	return nets
}

// negate returns -a, keeping a's type and exponent as Python's unary minus does.
func negate(a pynum.Amount) pynum.Amount {
	return pynum.Neg(a)
}

// clearIntraday is phase C (bilancio's settle_intraday_nets): each non-zero
// net between two banks is settled in reserves if the debtor bank has enough,
// and otherwise becomes an overnight payable (a "P" id) due the next day.
func (s *system) clearIntraday(day int) error {
	for _, n := range s.intradayNets(day) {
		if n.net.IsZero() {
			continue
		}
		debtorID, creditorID, amount := n.pair.a, n.pair.b, n.net
		if n.net.Sign() < 0 {
			debtorID, creditorID, amount = n.pair.b, n.pair.a, negate(n.net)
		}
		debtor, err := s.agentRef(debtorID, noAgent)
		if err != nil {
			return fmt.Errorf("clearing: %w", err)
		}
		creditor, err := s.agentRef(creditorID, noAgent)
		if err != nil {
			return fmt.Errorf("clearing: %w", err)
		}
		err = s.atomic(func() error {
			_, _, available := s.holdings(debtor, KindReserveDeposit)
			if pynum.Cmp(available, amount) >= 0 {
				if err := s.transferReserves(debtor, creditor, amount); err != nil {
					return err
				}
				s.log("InterbankCleared", Field{"debtor_bank", Str(debtorID)}, Field{"creditor_bank", Str(creditorID)},
					Field{"amount", AmountV(amount)})
				return nil
			}
			return s.createOvernightPayable(debtor, creditor, amount, day)
		})
		if err != nil && isValidation(err) {
			err = s.createOvernightPayable(debtor, creditor, amount, day)
		}
		if err != nil {
			return fmt.Errorf("clearing %s → %s: %w", debtorID, creditorID, err)
		}
	}
	return nil
}

// createOvernightPayable books the net a debtor bank could not settle in
// reserves as a payable due the next day, and logs InterbankOvernightCreated.
func (s *system) createOvernightPayable(debtor, creditor int32, amount pynum.Amount, day int) error {
	due := int64(day) + 1
	c := s.newContract(s.newID("P"), KindPayable, amount, creditor, debtor)
	c.dueDay, c.hasDueDay = due, true
	if err := s.addContract(c); err != nil {
		return err
	}
	s.log("InterbankOvernightCreated", Field{"debtor_bank", Str(s.st.agents[debtor].id)},
		Field{"creditor_bank", Str(s.st.agents[creditor].id)}, Field{"amount", AmountV(amount)},
		Field{"payable_id", Str(c.id)}, Field{"due_day", IntV(due)})
	return nil
}
