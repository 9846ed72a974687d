package engine

import (
	"github.com/bilancio-go/bilancio/internal/dealer"
	"github.com/bilancio-go/bilancio/internal/pynum"
)

// Scenario is a bilancio scenario file after loading and validation.
type Scenario struct {
	Version     int
	Name        string
	Description string
	// PolicyOverrides replaces the means-of-payment ranking for the agent kinds
	// it names (policy_overrides.mop_rank).
	PolicyOverrides  map[string][]string
	Agents           []AgentSpec
	InitialActions   []Action
	ScheduledActions []ScheduledAction
	Run              RunConfig
	// Dealer is the scenario's dealer block; nil when absent. With
	// enabled: true the run has a dealer subsystem (internal/dealer).
	Dealer *DealerConfig
	// Compiled is set when the file was a generator spec, compiled into
	// this scenario.
	Compiled *Compiled
	// Notes are warnings about the file: what bilancio drops from it.
	Notes []Note

	// refs is what loading resolved for the engine (see resolveRefs); nil
	// for a scenario built by hand.
	refs *scenarioRefs
}

// Pos is a position in the scenario file (1-based line and column).
type Pos struct {
	Line, Col int
}

// AgentSpec is one entry of `agents`.
type AgentSpec struct {
	ID   string
	Kind string // central_bank, bank, household, firm, treasury
	Name string
	Pos  Pos
}

// Action kinds, in the priority order bilancio tests for them.
const (
	ActMintReserves             = "mint_reserves"
	ActMintCash                 = "mint_cash"
	ActTransferReserves         = "transfer_reserves"
	ActTransferCash             = "transfer_cash"
	ActDepositCash              = "deposit_cash"
	ActWithdrawCash             = "withdraw_cash"
	ActClientPayment            = "client_payment"
	ActCreateStock              = "create_stock"
	ActTransferStock            = "transfer_stock"
	ActCreateDeliveryObligation = "create_delivery_obligation"
	ActCreatePayable            = "create_payable"
	ActTransferClaim            = "transfer_claim"
)

// ActionKinds lists the action kinds in bilancio's priority order: a mapping
// with several action keys is the first kind of this list it contains.
var ActionKinds = []string{
	ActMintReserves, ActMintCash, ActTransferReserves, ActTransferCash,
	ActDepositCash, ActWithdrawCash, ActClientPayment, ActCreateStock,
	ActTransferStock, ActCreateDeliveryObligation, ActCreatePayable, ActTransferClaim,
}

// Action is one initial or scheduled action. Kind says which fields are used;
// the field names follow the YAML keys of each action.
type Action struct {
	Kind string
	Pos  Pos

	To, From         string // mint_cash, mint_reserves (To); create_payable, create_delivery_obligation (From, To)
	FromAgent        string // transfer_cash, transfer_stock
	ToAgent          string // transfer_cash, transfer_stock, transfer_claim
	FromBank, ToBank string // transfer_reserves
	Customer, Bank   string // deposit_cash, withdraw_cash
	Payer, Payee     string // client_payment
	Owner            string // create_stock
	SKU              string
	Quantity         int64
	UnitPrice        pynum.Amount
	Amount           pynum.Amount // always a Decimal, as bilancio's models hold it (YAML 50 is Decimal 50, 100.0 is Decimal 100.0); create_payable truncates it
	DueDay           int64
	// MaturityDistance is bilancio HEAD's optional create_payable field; nil when absent.
	MaturityDistance *int64
	// Alias is the optional alias of mint_cash, mint_reserves, create_payable
	// and create_delivery_obligation; HasAlias is false when it is absent or
	// null. An empty alias is "given" (bilancio logs it) but never registered.
	Alias         string
	HasAlias      bool
	ContractAlias string // transfer_claim
	ContractID    string // transfer_claim

	// agentAt are the indices in Scenario.Agents of the agents the action
	// names (its agentFields, in order), and aliasAt the slot of its alias
	// (Alias; transfer_claim's ContractAlias) in the scenario's alias table,
	// as loading resolved them (see resolveRefs). They are hints: the
	// engine uses one only when it still names the same id or alias (one
	// comparison), and looks the id up otherwise, so an action built or
	// edited by hand runs as before.
	agentAt [2]int32
	aliasAt int32
}

// ScheduledAction is an action to run in phase B1 of Day.
type ScheduledAction struct {
	Day    int64
	Action Action
}

// Default handling modes.
const (
	FailFast   = "fail-fast"
	ExpelAgent = "expel-agent"
)

// RunConfig is the scenario's `run` block.
type RunConfig struct {
	Mode            string // until_stable or step
	MaxDays         int
	QuietDays       int
	DefaultHandling string // fail-fast or expel-agent
	ShowBalances    []string
	ShowEvents      string
	ExportBalances  string
	ExportEvents    string
}

// DefaultRunConfig returns the run block's defaults.
func DefaultRunConfig() RunConfig {
	return RunConfig{Mode: "until_stable", MaxDays: 90, QuietDays: 2, DefaultHandling: FailFast, ShowEvents: "detailed"}
}

// DealerConfig is a scenario's `dealer` block as written; the dealer subsystem
// gives it meaning.
type DealerConfig struct {
	Enabled bool
	// Raw holds the block's keys and scalar texts, in file order; keys of
	// nested mappings are dotted ("order_flow.pi_sell") and lists are left out.
	Raw []KeyValue
}

// KeyValue is one scalar key of the dealer block, kept as written.
type KeyValue = dealer.KeyValue
