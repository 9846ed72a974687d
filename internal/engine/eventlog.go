package engine

import (
	"math/bits"
	"sync"

	"github.com/bilancio-go/bilancio/internal/pynum"
)

// The engine records its event log in a compact form while it runs, and
// builds the Events a Result hands out only when someone asks for them
// (Result.Events). The events of a ring run (mints, payables, transfers,
// settlements, defaults) are records of a fixed schema whose values are
// references to what the state already holds (an agent, a contract's id, an
// alias entry) or small numbers: no key strings, no pointers, a few bytes a
// value. Any other event is kept whole (evGeneric). The Events built from
// the log are exactly those the engine logged.

// evKind is a compact event's schema (an index into schemas).
type evKind uint8

const (
	evGeneric evKind = iota // a whole Event in eventLog.gen
	evPhaseA
	evPhaseB
	evSubphaseB1
	evSubphaseB2
	evPhaseC
	evCashMinted
	evReservesMinted
	evPayableCreated
	evCashTransferred
	evReservesTransferred
	evInstrumentMerged
	evPayableSettled
	evPartialSettlement   // of a payable; distribution last
	evObligationDefaulted // of a payable
	evAgentDefaulted
	evObligationWrittenOff
	evSubphaseBDealer
	evDealerTrade // the last two keys are the December era's, one per side
	evClaimTransferredDealer
)

// schema is the kind and the payload keys of a compact event, in the order
// bilancio logs them.
type schema struct {
	kind string
	keys []string
}

// schemas are the compact events' kinds and keys (read-only).
var schemas = [...]schema{
	evPhaseA:              {kind: "PhaseA"},
	evPhaseB:              {kind: "PhaseB"},
	evSubphaseB1:          {kind: "SubphaseB1"},
	evSubphaseB2:          {kind: "SubphaseB2"},
	evPhaseC:              {kind: "PhaseC"},
	evCashMinted:          {kind: "CashMinted", keys: []string{"to", "amount", "instr_id", "alias"}},
	evReservesMinted:      {kind: "ReservesMinted", keys: []string{"to", "amount", "instr_id", "alias"}},
	evPayableCreated:      {kind: "PayableCreated", keys: []string{"debtor", "creditor", "amount", "due_day", "payable_id", "alias"}},
	evCashTransferred:     {kind: "CashTransferred", keys: []string{"frm", "to", "amount", "instr_id"}},
	evReservesTransferred: {kind: "ReservesTransferred", keys: []string{"frm", "to", "amount", "instr_id"}},
	evInstrumentMerged:    {kind: "InstrumentMerged", keys: []string{"keep", "removed"}},
	evPayableSettled:      {kind: "PayableSettled", keys: []string{"pid", "contract_id", "alias", "debtor", "creditor", "amount"}},
	evPartialSettlement: {kind: "PartialSettlement", keys: []string{"contract_id", "alias", "debtor", "creditor",
		"contract_kind", "settlement_kind", "amount_paid", "shortfall", "original_amount", "distribution"}},
	evObligationDefaulted: {kind: "ObligationDefaulted", keys: []string{"contract_id", "alias", "debtor", "creditor",
		"contract_kind", "shortfall", "amount_paid", "original_amount", "amount"}},
	evAgentDefaulted: {kind: "AgentDefaulted", keys: []string{"agent", "frm", "trigger_contract", "contract_kind", "shortfall", "mode"}},
	evObligationWrittenOff: {kind: "ObligationWrittenOff", keys: []string{"contract_id", "alias", "debtor", "creditor",
		"contract_kind", "amount", "due_day", "sku"}},
	evSubphaseBDealer: {kind: "SubphaseB_Dealer"},
	evDealerTrade: {kind: "dealer_trade", keys: []string{"trader", "side", "ticket_id", "bucket", "price", "unit_price",
		"face", "is_passthrough", "is_liquidity_driven", "reduces_margin_below_zero"}},
	evClaimTransferredDealer: {kind: "ClaimTransferredDealer", keys: []string{"payable_id", "from_holder", "to_holder",
		"amount", "due_day"}},
}

// distributionKey is the position of PartialSettlement's distribution: its
// value is the number of payments, followed by each payment's method and
// amount.
const distributionKey = 9

// allKeys is a mask with every key of a schema present.
const allKeys = 0xffff

// rec is one event of the log: its schema, day and phase, which of the
// schema's keys it has (bit i: keys[i]), and where its values start in
// eventLog.vals (for evGeneric: its index in eventLog.gen).
type rec struct {
	off   int32
	day   int32
	mask  uint16
	kind  evKind
	setup bool
}

// cvTag says what a cval refers to.
type cvTag uint8

const (
	cvNull      cvTag = iota
	cvInt             // n
	cvAmount          // a small amount: coef, exp, dec
	cvAgent           // the id of agent n
	cvContract        // the id of contract n
	cvAlias           // the alias of alias entry n
	cvConst           // constStrs[n]
	cvStr             // eventLog.strs[n]
	cvBoxed           // eventLog.boxed[n]
	cvBool            // false (0) or true (1)
	cvFloatOf         // float() of eventLog.floatOf[n], worked out when the event is built
	cvAliasName       // the alias of alias slot n (state.aliasNames)
	cvWide            // eventLog.wide[n]: a value whose n needs more than cval has
)

// cval is a compact payload value in 4 bytes: a tag in the low 4 bits and
// a signed number n in the 28 above them. A value whose n needs more (a
// large int or amount) is kept as a wval in eventLog.wide, which a cvWide
// names; what does not fit there either is boxed.
type cval uint32

// wval is a compact value in 8 bytes, as the log decodes them: a tag in the
// low 4 bits and a number n in the 60 above them; an amount's n holds its
// Decimal-ness (bit 0), its exponent (8 bits) and its coefficient (51
// bits).
type wval uint64

const (
	cvTagBits = 4
	cvExpBits = 8
	cvCoefMax = 1<<(64-cvTagBits-1-cvExpBits-1) - 1
	cvNMax    = 1<<(32-cvTagBits-1) - 1 // the largest n of a cval
)

// mkCval is the value (tag, n) of a reference or a small number; n must
// fit (a run would need over 134 million agents, contracts or strings for
// an index not to).
func mkCval(tag cvTag, n int64) cval {
	if n > cvNMax || n < -cvNMax-1 {
		panic("event log: a reference beyond 2^27")
	}
	return cval(uint32(n)<<cvTagBits | uint32(tag))
}

func (c cval) tag() cvTag { return cvTag(c & (1<<cvTagBits - 1)) }
func (c cval) n() int64   { return int64(int32(c)) >> cvTagBits }

func (w wval) tag() cvTag { return cvTag(w & (1<<cvTagBits - 1)) }
func (w wval) n() int64   { return int64(w) >> cvTagBits }

// amount returns a cvAmount's parts.
func (w wval) amount() (coef int64, exp int32, dec bool) {
	n := w.n()
	return n >> (1 + cvExpBits), int32(int8(n >> 1)), n&1 != 0
}

// num is the value (tag, n) for any n of a wval: in 32 bits when it fits,
// else kept wide.
func (l *eventLog) num(tag cvTag, n int64) cval {
	if n <= cvNMax && n >= -cvNMax-1 {
		return cval(uint32(n)<<cvTagBits | uint32(tag))
	}
	l.wide = append(l.wide, wval(uint64(n)<<cvTagBits|uint64(tag)))
	return mkCval(cvWide, int64(len(l.wide)-1))
}

// full returns c as a wval.
func (l *eventLog) full(c cval) wval {
	if c.tag() == cvWide {
		return l.wide[c.n()]
	}
	return wval(int64(int32(c))) // the sign comes back with n
}

// constStrs are the strings a cvConst names: the texts the engine's
// compact events carry most.
var constStrs = [...]string{KindCash, KindPayable, KindBankDeposit, KindReserveDeposit, KindDeliveryObligation,
	FailFast, ExpelAgent}

// constIndex returns the index of x in constStrs, or -1 (TestConstStrs
// holds the two together).
func constIndex(x string) int {
	switch x {
	case KindCash:
		return 0
	case KindPayable:
		return 1
	case KindBankDeposit:
		return 2
	case KindReserveDeposit:
		return 3
	case KindDeliveryObligation:
		return 4
	case FailFast:
		return 5
	case ExpelAgent:
		return 6
	}
	return -1
}

// eventLog is the engine's event log. impacts counts its events that make a
// day not quiet (see impact).
type eventLog struct {
	recs  []rec
	vals  []cval
	wide  []wval
	strs  []string
	boxed []Value
	gen   []Event
	// floatOf holds the amounts whose float() a value is (dealer_trade
	// prices): converted and printed only when the events are built, once
	// (floatRepr, under floatMu: readers may build events concurrently).
	floatOf   []pynum.Amount
	floatMu   sync.Mutex
	floatRepr []string
	impacts   int
}

// logMark is a length of each part of the log, to cut it back to (and the
// number of impacts then).
type logMark struct{ recs, vals, wide, strs, boxed, gen, floatOf, impacts int }

func (l *eventLog) mark() logMark {
	return logMark{len(l.recs), len(l.vals), len(l.wide), len(l.strs), len(l.boxed), len(l.gen), len(l.floatOf), l.impacts}
}

func (l *eventLog) truncate(m logMark) {
	l.recs, l.vals, l.wide, l.strs = l.recs[:m.recs], l.vals[:m.vals], l.wide[:m.wide], l.strs[:m.strs]
	l.boxed, l.gen, l.floatOf = l.boxed[:m.boxed], l.gen[:m.gen], l.floatOf[:m.floatOf]
	l.impacts = m.impacts
	l.floatMu.Lock()
	l.floatRepr = l.floatRepr[:min(len(l.floatRepr), m.floatOf)]
	l.floatMu.Unlock()
}

// floatReprOf returns the repr of float(floatOf[i]). The reprs not yet
// printed are printed together into one block, so a run's prices cost one
// conversion and one allocation however often its events are built.
func (l *eventLog) floatReprOf(i int64) string {
	l.floatMu.Lock()
	defer l.floatMu.Unlock()
	if n := len(l.floatRepr); int(i) >= n {
		var buf []byte
		ends := make([]int, 0, len(l.floatOf)-n)
		for _, a := range l.floatOf[n:] {
			buf = pynum.AppendFloatRepr(buf, a.Float64())
			ends = append(ends, len(buf))
		}
		block, start := string(buf), 0
		for _, end := range ends {
			l.floatRepr = append(l.floatRepr, block[start:end])
			start = end
		}
	}
	return l.floatRepr[i]
}

// emit appends a compact event of kind with the keys of mask and their
// values.
func (s *system) emit(kind evKind, mask uint16, vals ...cval) {
	l := &s.ev
	l.recs = append(l.recs, rec{off: int32(len(l.vals)), day: int32(s.st.day), mask: mask, kind: kind, setup: s.setupPhase})
	l.vals = append(l.vals, vals...)
	if kind == evPayableSettled {
		l.impacts++
	}
}

// impact reports whether an event of kind makes its day not quiet
// (bilancio's impacted events): a settlement or an interbank clearing.
// evPayableSettled is the compact PayableSettled.
func impact(kind string) bool {
	switch kind {
	case "PayableSettled", "DeliveryObligationSettled", "InterbankCleared", "InterbankOvernightCreated":
		return true
	}
	return false
}

// Compact values.

func cAgent(i int32) cval    { return mkCval(cvAgent, int64(i)) }
func cContract(i int32) cval { return mkCval(cvContract, int64(i)) }

// count returns the number of events of kind.
func (l *eventLog) count(kind string) int {
	compact := evGeneric
	for k := range schemas {
		if k != int(evGeneric) && schemas[k].kind == kind {
			compact = evKind(k)
		}
	}
	n := 0
	for i := range l.recs {
		r := &l.recs[i]
		if r.kind == compact && compact != evGeneric || r.kind == evGeneric && l.gen[r.off].Kind == kind {
			n++
		}
	}
	return n
}

// cInt is an int value.
func (s *system) cInt(n int64) cval {
	if n > cvIntMax || n < -cvIntMax {
		return s.cBoxed(IntV(n))
	}
	return s.ev.num(cvInt, n)
}

const cvIntMax = 1<<(64-cvTagBits-1) - 1

// cStr is a string value.
func (s *system) cStr(x string) cval {
	if i := constIndex(x); i >= 0 {
		return mkCval(cvConst, int64(i))
	}
	s.ev.strs = append(s.ev.strs, x)
	return mkCval(cvStr, int64(len(s.ev.strs)-1))
}

// cStrOrNull is cStr(x) when ok, null otherwise.
func (s *system) cStrOrNull(x string, ok bool) cval {
	if !ok {
		return 0
	}
	return s.cStr(x)
}

// cAmount is an amount value.
func (s *system) cAmount(a pynum.Amount) cval {
	coef, exp, dec, big := a.Parts()
	if big != nil {
		return s.cBoxed(AmountV(a))
	}
	return s.cSmallAmount(coef, exp, dec)
}

// cSmallAmount is the amount coef·10^exp (a Decimal when dec).
func (s *system) cSmallAmount(coef int64, exp int32, dec bool) cval {
	if coef > cvCoefMax || coef < -cvCoefMax || exp != int32(int8(exp)) {
		return s.cBoxed(AmountV(pynum.FromParts(coef, exp, dec, nil)))
	}
	n := coef<<(1+cvExpBits) | int64(uint8(int8(exp)))<<1
	if dec {
		n |= 1
	}
	return s.ev.num(cvAmount, n)
}

// cValue is v: compact when it is an int or a small amount.
func (s *system) cValue(v Value) cval {
	switch {
	case v.Kind == IntValue:
		return s.cInt(v.n)
	case v.Kind == AmountValue && v.p == nil:
		return s.cSmallAmount(v.n, v.exp, v.flag)
	case v.Kind == NullValue:
		return 0
	}
	return s.cBoxed(v)
}

// cBool is a boolean value.
func cBool(b bool) cval {
	if b {
		return mkCval(cvBool, 1)
	}
	return mkCval(cvBool, 0)
}

// cFloatOf is the value float(a): a Python float, kept as a until the
// events are built.
func (s *system) cFloatOf(a pynum.Amount) cval {
	s.ev.floatOf = append(s.ev.floatOf, a)
	return mkCval(cvFloatOf, int64(len(s.ev.floatOf)-1))
}

// cBoxed is any value, kept whole.
func (s *system) cBoxed(v Value) cval {
	s.ev.boxed = append(s.ev.boxed, v)
	return mkCval(cvBoxed, int64(len(s.ev.boxed)-1))
}

// cAlias is the first live alias of contract c (bilancio's
// get_alias_for_id), or null.
func (s *system) cAlias(c *contract) cval {
	if i := s.st.aliasEntry(c); i >= 0 {
		return mkCval(cvAlias, int64(i))
	}
	return 0
}

// eventTables are the parts of the final state the log's references point
// into. Contracts and alias entries are only ever appended (a rollback cuts
// the log back with them), so an index the log holds names, at the end of
// the run, what it named when it was logged.
type eventTables struct {
	agents     []agent
	contracts  []*contract
	aliases    []aliasEntry
	aliasNames []string
}

// value returns the Value of c.
func (l *eventLog) value(t *eventTables, cv cval) Value {
	c := l.full(cv)
	switch c.tag() {
	case cvInt:
		return IntV(c.n())
	case cvAmount:
		coef, exp, dec := c.amount()
		return AmountV(pynum.FromParts(coef, exp, dec, nil))
	case cvAgent:
		return Str(t.agents[c.n()].id)
	case cvContract:
		return Str(t.contracts[c.n()].id)
	case cvAlias:
		return Str(t.aliasNames[t.aliases[c.n()].slot])
	case cvConst:
		return Str(constStrs[c.n()])
	case cvStr:
		return Str(l.strs[c.n()])
	case cvBoxed:
		return l.boxed[c.n()]
	case cvBool:
		return BoolV(c.n() != 0)
	case cvAliasName:
		return Str(t.aliasNames[c.n()])
	case cvFloatOf:
		return floatReprV(l.floatReprOf(c.n()))
	}
	return Null()
}

// size returns the number of values of compact event r, and the number of
// Fields its payload takes (a distribution's list and objects included).
func (l *eventLog) size(r *rec) (vals, fields int) {
	keys := len(schemas[r.kind].keys)
	mask := r.mask & (1<<keys - 1)
	vals = bits.OnesCount16(mask)
	fields = vals
	if r.kind == evPartialSettlement && mask&(1<<distributionKey) != 0 {
		n := int(l.full(l.vals[int(r.off)+vals-1]).n())
		vals += 2 * n
		fields += 3 * n
	}
	return vals, fields
}

// events builds the Events of the log.
func (l *eventLog) events(t *eventTables) []Event {
	if len(l.recs) == 0 {
		return nil
	}
	total := 0
	for i := range l.recs {
		if r := &l.recs[i]; r.kind != evGeneric {
			_, f := l.size(r)
			total += f
		}
	}
	evs := make([]Event, len(l.recs))
	block := make([]Field, total)
	for i := range l.recs {
		block = l.decode(t, &l.recs[i], &evs[i], block)
	}
	return evs
}

// decode sets e to the event of r, its payload cut from the front of block,
// and returns the rest of block (block must hold the payload).
func (l *eventLog) decode(t *eventTables, r *rec, e *Event, block []Field) []Field {
	if r.kind == evGeneric {
		*e = l.gen[r.off]
		return block
	}
	sc := &schemas[r.kind]
	*e = Event{Kind: sc.kind, Day: int(r.day), Phase: phaseName(r.setup)}
	_, nf := l.size(r)
	if nf == 0 {
		return block
	}
	payload := block[:nf:nf]
	vals := l.vals[r.off:]
	k := 0
	for j, key := range sc.keys {
		if r.mask&(1<<j) == 0 {
			continue
		}
		payload[k].Key = key
		if r.kind == evPartialSettlement && j == distributionKey {
			n := int(l.full(vals[0]).n())
			list, objs := payload[k+1:k+1+n:k+1+n], payload[k+1+n:]
			for p := range n {
				obj := objs[2*p : 2*p+2 : 2*p+2]
				obj[0] = Field{"method", l.value(t, vals[1+2*p])}
				obj[1] = Field{"amount", l.value(t, vals[2+2*p])}
				list[p] = Field{Val: ObjectOf(obj)}
			}
			payload[k].Val = ListOf(list)
			k++
			break
		}
		payload[k].Val = l.value(t, vals[0])
		vals = vals[1:]
		k++
	}
	e.Fields = payload[:k:k]
	return block[nf:]
}

// each calls yield with each event of the log, built in one reused Event
// and payload block.
func (l *eventLog) each(t *eventTables, yield func(*Event) bool) {
	var e Event
	var block []Field
	for i := range l.recs {
		r := &l.recs[i]
		if r.kind != evGeneric {
			if _, nf := l.size(r); nf > len(block) {
				block = make([]Field, max(nf, 16))
			}
		}
		l.decode(t, r, &e, block)
		if !yield(&e) {
			return
		}
	}
}

func phaseName(setup bool) string {
	if setup {
		return "setup"
	}
	return "simulation"
}

// loggedEvents are a run's events: a log and the tables it refers to,
// turned into Events on first use.
type loggedEvents struct {
	once   sync.Once
	log    *eventLog
	tables eventTables
	events []Event
}

func (e *loggedEvents) get() []Event {
	e.once.Do(func() {
		if e.log != nil {
			e.events = e.log.events(&e.tables)
		}
	})
	return e.events
}
