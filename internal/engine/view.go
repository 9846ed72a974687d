package engine

import "github.com/bilancio-go/bilancio/internal/pynum"

// StateView is a read-only copy of the simulation state at one moment: agents
// in scenario order, contracts and stock lots in insertion order.
type StateView struct {
	Day       int // the day counter
	Agents    []AgentView
	Contracts []ContractView
	Stocks    []StockView
}

// AgentView is an agent and the ids of what it holds and owes, in the order
// bilancio keeps them.
type AgentView struct {
	ID           string
	Name         string
	Kind         string
	Defaulted    bool
	AssetIDs     []string
	LiabilityIDs []string
	StockIDs     []string
}

// Contract kinds.
const (
	KindCash               = "cash"
	KindPayable            = "payable"
	KindBankDeposit        = "bank_deposit"
	KindReserveDeposit     = "reserve_deposit"
	KindDeliveryObligation = "delivery_obligation"
)

// ContractView is one financial instrument (or delivery obligation).
type ContractView struct {
	ID           string
	Kind         string
	Amount       pynum.Amount // for a delivery obligation: the quantity (an int)
	Denomination string
	Holder       string // the asset holder (a secondary-market holder if set)
	Issuer       string // the liability issuer
	DueDay       int64
	HasDueDay    bool
	// Delivery obligations only.
	SKU       string
	UnitPrice pynum.Amount
}

// Financial reports whether the contract counts in the financial totals of a
// balance sheet (everything but delivery obligations).
func (c *ContractView) Financial() bool { return c.Kind != KindDeliveryObligation }

// ValuedAmount is a non-financial contract's value: quantity × unit price.
func (c *ContractView) ValuedAmount() pynum.Amount {
	return pynum.Mul(c.Amount, c.UnitPrice)
}

// StockView is one inventory lot.
type StockView struct {
	ID        string
	SKU       string
	Quantity  int64
	UnitPrice pynum.Amount
	Owner     string
	Divisible bool
}

// Value is the lot's value: quantity × unit price.
func (s *StockView) Value() pynum.Amount {
	return pynum.Mul(pynum.Int(s.Quantity), s.UnitPrice)
}

// Agent returns the view of agent id, or nil.
func (v *StateView) Agent(id string) *AgentView {
	for i := range v.Agents {
		if v.Agents[i].ID == id {
			return &v.Agents[i]
		}
	}
	return nil
}

// Contract returns the view of contract id, or nil.
func (v *StateView) Contract(id string) *ContractView {
	for i := range v.Contracts {
		if v.Contracts[i].ID == id {
			return &v.Contracts[i]
		}
	}
	return nil
}
