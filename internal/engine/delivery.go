package engine

import (
	"fmt"
	"sort"

	"github.com/bilancio-go/bilancio/internal/pynum"
)

// createDeliveryObligation is bilancio's System.create_delivery_obligation: a
// promise by a.From to deliver a.Quantity of a.SKU to a.To on a.DueDay. The
// contract's amount is the quantity (an int); its denomination is "N/A".
func (s *system) createDeliveryObligation(a *Action) error {
	from, err := s.agentRef(a.From, a.agentAt[0])
	if err != nil {
		return err
	}
	to, err := s.agentRef(a.To, a.agentAt[1])
	if err != nil {
		return err
	}
	if a.DueDay < 0 {
		return fmt.Errorf("delivery obligation must have due_day >= 0")
	}
	price := asDecimal(a.UnitPrice)
	if price.Sign() < 0 {
		return fmt.Errorf("unit_price must be non-negative")
	}
	c := s.newContract(s.newID("D"), KindDeliveryObligation, pynum.Int(a.Quantity), to, from)
	c.dueDay, c.hasDueDay, c.goods = a.DueDay, true, &goodsTerms{sku: a.SKU, unitPrice: price}
	s.deliveries = true
	err = s.atomic(func() error {
		if err := s.addContract(c); err != nil {
			return err
		}
		f := []Field{
			{"id", Str(c.id)}, {"frm", Str(a.From)}, {"to", Str(a.To)}, {"sku", Str(a.SKU)},
			{"qty", IntV(a.Quantity)}, {"due_day", IntV(a.DueDay)}, {"unit_price", AmountV(price)},
		}
		if a.HasAlias {
			f = append(f, Field{"alias", Str(a.Alias)})
		}
		s.log("DeliveryObligationCreated", f...)
		return nil
	})
	if err != nil {
		return fmt.Errorf("create delivery obligation from %s to %s: %w", a.From, a.To, err)
	}
	return s.captureAlias(a, c)
}

// cancelDeliveryObligation extinguishes a fulfilled delivery obligation and
// logs DeliveryObligationCancelled (bilancio's
// _cancel_delivery_obligation_internal). The alias stays bound.
func (s *system) cancelDeliveryObligation(idx int32) {
	c := s.st.contracts[idx]
	s.removeContract(idx)
	s.log("DeliveryObligationCancelled", Field{"obligation_id", Str(c.id)}, Field{"contract_id", Str(c.id)},
		Field{"alias", s.aliasValue(c)}, Field{"debtor", Str(s.st.agents[c.issuer].id)},
		Field{"creditor", Str(s.st.agents[c.holder].id)}, Field{"sku", Str(c.sku())}, Field{"qty", AmountV(c.amount)})
}

// deliverStock moves up to required units of sku from debtor's lots to the
// creditor, lot by lot in stock-id order, splitting the last lot, and returns
// the quantity delivered (bilancio's _deliver_stock). As in bilancio, a
// transfer refused with a validation error (an indivisible lot) returns 0 and
// leaves the lots already moved with the creditor.
func (s *system) deliverStock(debtor, creditor int32, sku string, required int64) (int64, error) {
	type avail struct {
		idx int32
		qty int64
	}
	var lots []avail
	var total int64
	for _, idx := range s.st.agents[debtor].stocks {
		if l := s.st.stocks[idx]; l.sku == sku {
			lots = append(lots, avail{idx, l.quantity})
			total += l.quantity
		}
	}
	if len(lots) == 0 || total == 0 {
		return 0, nil
	}
	deliver := min(required, total)
	remaining := deliver
	sort.SliceStable(lots, func(i, j int) bool { return s.st.stocks[lots[i].idx].id < s.st.stocks[lots[j].idx].id })
	for _, l := range lots {
		if remaining == 0 {
			break
		}
		qty := min(remaining, l.qty)
		if _, err := s.transferStock(l.idx, debtor, creditor, qty, true); err != nil {
			if isValidation(err) {
				return 0, nil
			}
			return 0, fmt.Errorf("deliver %s: %w", sku, err)
		}
		remaining -= qty
	}
	return deliver, nil
}

// settleDueDeliveries settles the delivery obligations due on day, in
// contract order, each in its own atomic block (bilancio's
// settle_due_delivery_obligations). A shortfall stops the run in fail-fast
// mode; in expel-agent mode the partial delivery stays with the creditor, the
// obligation is written off and the debtor expelled.
func (s *system) settleDueDeliveries(day int) error {
	if !s.deliveries {
		return nil
	}
	var due []int32
	for i, c := range s.st.contracts {
		if !c.removed && c.kind == KindDeliveryObligation && c.hasDueDay && c.dueDay == int64(day) {
			due = append(due, int32(i))
		}
	}
	for _, idx := range due {
		c := s.st.contracts[idx]
		if c.removed || s.st.agents[c.issuer].defaulted {
			continue
		}
		if err := s.atomic(func() error { return s.settleDelivery(idx) }); err != nil {
			return err
		}
	}
	return nil
}

// settleDelivery settles one due delivery obligation.
func (s *system) settleDelivery(idx int32) error {
	c := s.st.contracts[idx]
	debtor, creditor := c.issuer, c.holder
	required, ok := c.amount.Int64()
	if !ok {
		return fmt.Errorf("delivery obligation %s: quantity %s out of range", c.id, c.amount)
	}
	delivered, err := s.deliverStock(debtor, creditor, c.sku(), required)
	if err != nil {
		return err
	}
	d, cr := s.st.agents[debtor].id, s.st.agents[creditor].id
	if delivered == required {
		s.cancelDeliveryObligation(idx)
		s.log("DeliveryObligationSettled", Field{"obligation_id", Str(c.id)}, Field{"contract_id", Str(c.id)},
			Field{"alias", s.aliasValue(c)}, Field{"debtor", Str(d)}, Field{"creditor", Str(cr)},
			Field{"sku", Str(c.sku())}, Field{"qty", IntV(required)})
		return nil
	}
	shortage := required - delivered
	if s.defaultMode != ExpelAgent {
		return &DefaultError{Msg: fmt.Sprintf("Insufficient stock to settle delivery obligation %s: %d units of %s still owed", c.id, shortage, c.sku())}
	}
	alias, hasAlias := s.st.aliasFor(c)
	if delivered > 0 {
		s.log("PartialSettlement", Field{"contract_id", Str(c.id)}, Field{"alias", StrOrNull(alias, hasAlias)},
			Field{"debtor", Str(d)}, Field{"creditor", Str(cr)}, Field{"contract_kind", Str(c.kind)},
			Field{"settlement_kind", Str("delivery")}, Field{"delivered_quantity", IntV(delivered)},
			Field{"required_quantity", IntV(required)}, Field{"shortfall", IntV(shortage)}, Field{"sku", Str(c.sku())})
	}
	s.log("ObligationDefaulted", Field{"contract_id", Str(c.id)}, Field{"alias", StrOrNull(alias, hasAlias)},
		Field{"debtor", Str(d)}, Field{"creditor", Str(cr)}, Field{"contract_kind", Str(c.kind)},
		Field{"shortfall", IntV(shortage)}, Field{"delivered_quantity", IntV(delivered)},
		Field{"required_quantity", IntV(required)}, Field{"sku", Str(c.sku())}, Field{"qty", IntV(shortage)})
	s.removeContract(idx)
	return s.expel(debtor, idx, c.kind, IntV(shortage))
}
