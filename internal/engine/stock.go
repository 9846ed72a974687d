package engine

import (
	"fmt"

	"github.com/bilancio-go/bilancio/internal/pynum"
)

// addStock registers lot and appends it to its owner's stock list, journaled,
// and returns its index.
func (s *system) addStock(l *stockLot) int32 {
	idx := int32(len(s.st.stocks))
	s.st.stocks = append(s.st.stocks, l)
	s.onUndo(func() { s.st.stocks = s.st.stocks[:idx] })
	s.appendID(l.owner, stockList, idx)
	return idx
}

// setQuantity changes a lot's quantity, journaled.
func (s *system) setQuantity(l *stockLot, q int64) {
	old := l.quantity
	l.quantity = q
	s.onUndo(func() { l.quantity = old })
}

// setOwner changes a lot's owner, journaled.
func (s *system) setOwner(l *stockLot, owner int32) {
	old := l.owner
	l.owner = owner
	s.onUndo(func() { l.owner = old })
}

// asDecimal returns a as a Python Decimal: bilancio converts a stock's or a
// delivery obligation's unit price to Decimal.
func asDecimal(a pynum.Amount) pynum.Amount {
	if a.IsDecimal() {
		return a
	}
	return pynum.AsDecimal(a)
}

// createStock creates a divisible stock lot (bilancio's System.create_stock)
// and returns its index.
func (s *system) createStock(owner int32, sku string, quantity int64, unitPrice pynum.Amount) int32 {
	l := &stockLot{id: s.newID("S"), sku: sku, quantity: quantity, unitPrice: asDecimal(unitPrice), owner: owner, divisible: true}
	// bilancio wraps this in an atomic block for its unknown-owner KeyError;
	// the owner is resolved before, so nothing here can fail.
	idx := s.addStock(l)
	s.log("StockCreated", Field{"owner", Str(s.st.agents[owner].id)}, Field{"sku", Str(sku)},
		Field{"qty", IntV(quantity)}, Field{"unit_price", AmountV(l.unitPrice)}, Field{"stock_id", Str(l.id)})
	return idx
}

// splitStock cuts quantity off lot idx into a new lot of the same owner
// (bilancio's ops.primitives_stock.split_stock) and returns the new lot's index.
func (s *system) splitStock(idx int32, quantity int64) (int32, error) {
	l := s.st.stocks[idx]
	if !l.divisible {
		return 0, validationf("Stock lot is not divisible")
	}
	if quantity <= 0 || quantity >= l.quantity {
		return 0, validationf("Invalid split quantity")
	}
	twin := &stockLot{id: s.newID("S"), sku: l.sku, quantity: quantity, unitPrice: l.unitPrice, owner: l.owner, divisible: l.divisible}
	original := l.quantity
	s.setQuantity(l, original-quantity)
	n := s.addStock(twin)
	s.log("StockSplit", Field{"original_id", Str(l.id)}, Field{"new_id", Str(twin.id)}, Field{"sku", Str(l.sku)},
		Field{"original_qty", IntV(original)}, Field{"split_qty", IntV(quantity)}, Field{"remaining_qty", IntV(l.quantity)})
	return n, nil
}

// transferStock hands lot idx, or quantity of it (split off first) when
// hasQuantity, from frm to to (bilancio's System._transfer_stock_internal,
// not atomic by itself). The lot is not merged into the receiver's lots. It
// returns the index of the lot moved.
func (s *system) transferStock(idx, frm, to int32, quantity int64, hasQuantity bool) (int32, error) {
	l := s.st.stocks[idx]
	if l.owner != frm {
		return 0, validationf("Stock owner mismatch")
	}
	moving := idx
	if hasQuantity {
		if !l.divisible {
			return 0, validationf("Stock lot is not divisible")
		}
		if quantity <= 0 || quantity > l.quantity {
			return 0, validationf("Invalid transfer quantity")
		}
		if quantity < l.quantity {
			var err error
			if moving, err = s.splitStock(idx, quantity); err != nil {
				return 0, err
			}
		}
	}
	m := s.st.stocks[moving]
	s.removeID(frm, stockList, moving)
	s.appendID(to, stockList, moving)
	s.setOwner(m, to)
	s.log("StockTransferred", Field{"frm", Str(s.st.agents[frm].id)}, Field{"to", Str(s.st.agents[to].id)},
		Field{"stock_id", Str(m.id)}, Field{"sku", Str(m.sku)}, Field{"qty", IntV(m.quantity)})
	return moving, nil
}

// applyCreateStock runs a create_stock action.
func (s *system) applyCreateStock(a *Action) error {
	owner, err := s.agentRef(a.Owner, a.agentAt[0])
	if err != nil {
		return err
	}
	s.createStock(owner, a.SKU, a.Quantity, a.UnitPrice)
	return nil
}

// applyTransferStock runs a transfer_stock action: as in bilancio's
// apply_action, it moves from the first lot (in creation order) of the SKU
// that from_agent owns, which must hold the whole quantity; a transfer of the
// whole lot moves it without splitting.
func (s *system) applyTransferStock(a *Action) error {
	lot := int32(-1)
	for i, l := range s.st.stocks {
		if !l.removed && l.sku == a.SKU && s.st.agents[l.owner].id == a.FromAgent {
			lot = int32(i)
			break
		}
	}
	if lot < 0 {
		return fmt.Errorf("no stock with SKU %s owned by %s", a.SKU, a.FromAgent)
	}
	l := s.st.stocks[lot]
	if l.quantity < a.Quantity {
		return fmt.Errorf("insufficient stock: %d < %d", l.quantity, a.Quantity)
	}
	to, err := s.agentRef(a.ToAgent, a.agentAt[1])
	if err != nil {
		return err
	}
	return s.atomic(func() error {
		if _, err := s.transferStock(lot, l.owner, to, a.Quantity, a.Quantity < l.quantity); err != nil {
			return fmt.Errorf("transfer stock %s from %s to %s: %w", l.id, a.FromAgent, a.ToAgent, err)
		}
		return nil
	})
}
