package engine

import (
	"github.com/bilancio-go/bilancio/internal/pynum"
)

// mintCash issues new cash from the central bank to agent to (bilancio's
// System.mint_cash) and returns the new contract; the event names alias when
// hasAlias.
func (s *system) mintCash(to int32, amount pynum.Amount, alias string, hasAlias bool) (*contract, error) {
	return s.mint(KindCash, "C", evCashMinted, to, amount, s.cStrOrNull(alias, hasAlias), hasAlias)
}

// mint issues a new central-bank instrument of kind (cash or reserves) to
// agent to, adds it to the central bank's outstanding amount and logs event
// {to, amount, instr_id[, alias]}; bilancio's mint_cash and mint_reserves
// differ only in these.
//
// bilancio runs it as an atomic block; it needs none: addContract refuses
// before it changes anything, and nothing after it can fail.
func (s *system) mint(kind, prefix string, event evKind, to int32, amount pynum.Amount, alias cval, hasAlias bool) (*contract, error) {
	cb := s.st.cbIndex
	if cb == noAgent {
		return nil, validationf("CentralBank must exist")
	}
	c := s.newContract(s.newID(prefix), kind, amount, to, cb)
	if err := s.addContract(c); err != nil {
		return c, err
	}
	if kind == KindCash {
		s.addCBCash(amount)
	} else {
		s.addCBReserves(amount)
	}
	if hasAlias {
		s.emit(event, allKeys, cAgent(to), s.cAmount(amount), cContract(c.index), alias)
	} else {
		s.emit(event, 0b0111, cAgent(to), s.cAmount(amount), cContract(c.index))
	}
	return c, nil
}

// split cuts amount off contract idx into a new twin held and issued by the
// same agents (bilancio's ops.primitives.split) and returns the twin's index.
func (s *system) split(idx int32, amount pynum.Amount) (int32, error) {
	c := s.st.contracts[idx]
	if amount.Sign() <= 0 || pynum.Cmp(amount, c.amount) > 0 {
		return 0, validationf("invalid split amount")
	}
	switch c.kind {
	case KindCash, KindBankDeposit, KindReserveDeposit:
	default:
		return 0, validationf("instrument is not divisible")
	}
	s.setAmount(c, pynum.Sub(c.amount, amount))
	twin := s.newContract(s.newID("C"), c.kind, amount, c.holder, c.issuer)
	twin.dueDay, twin.hasDueDay = c.dueDay, c.hasDueDay
	if err := s.addContract(twin); err != nil {
		return 0, err
	}
	return int32(len(s.st.contracts) - 1), nil
}

// fungible reports whether two instruments can merge: same kind,
// denomination, issuer and holder (the kind fixes the denomination).
func fungible(a, b *contract) bool {
	return a.kind == b.kind && a.issuer == b.issuer && a.holder == b.holder
}

// merge folds instrument b into a (bilancio's ops.primitives.merge).
func (s *system) merge(a, b int32) error {
	if a == b {
		return nil
	}
	ca, cb := s.st.contracts[a], s.st.contracts[b]
	if !fungible(ca, cb) {
		return validationf("instruments are not fungible-compatible")
	}
	s.setAmount(ca, pynum.Add(ca.amount, cb.amount))
	s.removeID(cb.holder, assetList, b)
	s.removeID(cb.issuer, liabilityList, b)
	s.deleteContract(b)
	s.emit(evInstrumentMerged, allKeys, cContract(a), cContract(b))
	return nil
}

// consume reduces instrument idx by amount, removing it when it reaches zero
// (bilancio's ops.primitives.consume).
func (s *system) consume(idx int32, amount pynum.Amount) error {
	c := s.st.contracts[idx]
	if amount.Sign() <= 0 || pynum.Cmp(amount, c.amount) > 0 {
		return validationf("invalid consume amount")
	}
	s.setAmount(c, pynum.Sub(c.amount, amount))
	if c.amount.IsZero() {
		s.removeID(c.holder, assetList, idx)
		s.removeID(c.issuer, liabilityList, idx)
		s.deleteContract(idx)
	}
	return nil
}

// moveAsset hands instrument idx from agent frm to agent to.
func (s *system) moveAsset(idx, frm, to int32) {
	c := s.st.contracts[idx]
	s.removeID(frm, assetList, idx)
	s.appendID(to, assetList, idx)
	s.record(undoStep{op: undoHolder, x: c.index, v: c.holder})
	c.holder = to
}

// transferMoney moves amount of instruments of kind (cash or reserves) from frm
// to to, splitting the last piece, logging event per piece, then coalesces the
// receiver's instruments of that kind (bilancio's transfer_cash and
// transfer_reserves).
func (s *system) transferMoney(kind string, event evKind, frm, to int32, amount pynum.Amount) error {
	if frm == to {
		return validationf("no-op transfer")
	}
	return s.atomic(func() error {
		remaining := amount
		var buf [16]int32
		pieces := append(buf[:0], s.st.agents[frm].assets...)
		for _, idx := range pieces {
			c := s.st.contracts[idx]
			if c.removed || c.kind != kind {
				continue
			}
			piece := idx
			if pynum.Cmp(c.amount, remaining) > 0 {
				var err error
				if piece, err = s.split(idx, remaining); err != nil {
					return err
				}
			}
			pc := s.st.contracts[piece]
			s.moveAsset(piece, frm, to)
			s.emit(event, allKeys, cAgent(frm), cAgent(to), s.cAmount(pynum.Min(remaining, pc.amount)), cContract(piece))
			remaining = pynum.Sub(remaining, pc.amount)
			if remaining.IsZero() {
				break
			}
		}
		if !remaining.IsZero() {
			if kind == KindCash {
				return validationf("insufficient cash")
			}
			return validationf("insufficient reserves")
		}
		return s.coalesce(to, kind)
	})
}

// coalesce merges the receiver's instruments of kind that share a
// denomination and issuer into the first of them (the kind fixes the
// denomination: see contract.denom).
func (s *system) coalesce(to int32, kind string) error {
	var buf [16]int32
	ids := buf[:0]
	for _, idx := range s.st.agents[to].assets {
		if s.st.contracts[idx].kind == kind {
			ids = append(ids, idx)
		}
	}
	if len(ids) < 2 {
		return nil
	}
	type entry struct{ issuer, keep int32 }
	var seenBuf [4]entry
	seen := seenBuf[:0]
outer:
	for _, idx := range ids {
		c := s.st.contracts[idx]
		for _, e := range seen {
			if e.issuer == c.issuer {
				if err := s.merge(e.keep, idx); err != nil {
					return err
				}
				continue outer
			}
		}
		seen = append(seen, entry{c.issuer, idx})
	}
	return nil
}

// transferCash is bilancio's System.transfer_cash.
func (s *system) transferCash(frm, to int32, amount pynum.Amount) error {
	return s.transferMoney(KindCash, evCashTransferred, frm, to, amount)
}
