package engine

import (
	"math"
	"strconv"
	"strings"

	"github.com/bilancio-go/bilancio/internal/pynum"
	"github.com/bilancio-go/bilancio/internal/pyyaml"
)

// A faster path still for the scenario files sweeps generate.
//
// Every run of a ring sweep loads a scenario the host generated a moment
// before (internal/ring): the same few keys in the same layout, only the
// numbers and texts change. Building go-yaml's tree and reading it through
// bilancio's models (fastYAML and the rest of Load) is still most of the
// cost of a small run, so fastScenario reads exactly that layout line by
// line into the Scenario, with the same value rules as the models (PyYAML's
// resolver, bilancio's numeric strings, pydantic's conversions, called
// through the same functions), and gives up (false) on anything else — any
// other key, layout or value, and any value or reference the models or
// validation would refuse — which then takes the usual path, so that every
// message and position stays the usual path's. TestFastScenario* and
// FuzzFastScenario check that whatever it accepts loads to the same
// Scenario through the usual path.
//
// The layout (keys in any order within their mapping, each at most once;
// description, scheduled_actions and the run block's keys optional):
//
//	version: 1
//	name: TEXT                     (plain; long texts folded over indented lines)
//	description: TEXT
//	agents:
//	- id: ID
//	  kind: KIND
//	  name: TEXT
//	initial_actions:
//	- mint_cash:                   (to, amount, alias)
//	    to: ID
//	    amount: NUMBER
//	    alias: TEXT
//	- create_payable:              (from, to, amount, due_day, alias)
//	    ...
//	scheduled_actions: []
//	run:
//	  mode: MODE
//	  max_days: N
//	  quiet_days: N
//	  show:
//	    balances:
//	    - ID
//	    events: EVENTS
//	  export:
//	    balances_csv: PATH
//	    events_jsonl: PATH
//	  default_handling: HANDLING

// fastReader walks the lines of a document in the layout above.
type fastReader struct {
	lines []fastLine
	i     int
}

// fastScenario loads data when it is in the layout above; false sends it
// down the usual path.
func fastScenario(data []byte) (*Scenario, bool) {
	lines := fastLines(data)
	if lines == nil {
		return nil, false
	}
	r := &fastReader{lines: lines}
	sc, ok := r.scenario()
	if !ok || r.i != len(r.lines) || !fastValid(sc) {
		return nil, false
	}
	return sc, true
}

// entry reads the "key: value" or "key:" line at indent that is the
// current line (a "- " at indent-2 already taken off by item): the key,
// the value's text (folded lines joined, as fastYAML joins them; "" for
// "key:"), and the line's number. ok is false at the end of the mapping
// (a line indented less) or for anything else.
func (r *fastReader) entry(indent int) (key, value string, num int, ok bool) {
	if r.i >= len(r.lines) {
		return "", "", 0, false
	}
	l := r.lines[r.i]
	if l.indent != indent || isSeqEntry(l.text) {
		return "", "", 0, false
	}
	key, value, ok = splitKey(l.text)
	if !ok {
		return "", "", 0, false
	}
	r.i++
	if value == "" || value == "[]" {
		return key, value, l.num, true // a block follows, or an empty flow list
	}
	// A plain scalar may be folded over more-indented lines.
	for r.i < len(r.lines) {
		next := r.lines[r.i]
		if next.indent <= indent {
			break
		}
		if isSeqEntry(next.text) || keySep(next.text) >= 0 || strings.HasSuffix(next.text, ":") {
			return "", "", 0, false
		}
		value += " " + next.text
		r.i++
	}
	return key, value, l.num, true
}

// item starts the next item of a block sequence whose "- " is at indent:
// the item's first line is then read as a mapping line at indent+2. It
// reports false at the end of the sequence.
func (r *fastReader) item(indent int) bool {
	if r.i >= len(r.lines) {
		return false
	}
	l := r.lines[r.i]
	if l.indent != indent || !strings.HasPrefix(l.text, "- ") || strings.HasPrefix(l.text, "-  ") || isSeqEntry(l.text[2:]) {
		return false
	}
	r.lines[r.i] = fastLine{indent: indent + 2, text: l.text[2:], num: l.num}
	return true
}

// scalarItem reads a "- VALUE" line of a block sequence at indent.
func (r *fastReader) scalarItem(indent int) (string, bool) {
	if r.i >= len(r.lines) {
		return "", false
	}
	l := r.lines[r.i]
	if l.indent != indent || !strings.HasPrefix(l.text, "- ") {
		return "", false
	}
	v := l.text[2:]
	if _, _, isMap := splitKey(v); isMap || strings.HasPrefix(v, " ") || isSeqEntry(v) || !fastPlain(v) {
		return "", false
	}
	r.i++
	if r.i < len(r.lines) && r.lines[r.i].indent > indent {
		return "", false // folded: the usual path's
	}
	return v, true
}

// fastPlain reports whether value is a plain scalar fastYAML accepts (see
// its plainScalar) that is not null.
func fastPlain(value string) bool {
	if value == "" || value[len(value)-1] == ' ' || keySep(value) >= 0 || strings.HasSuffix(value, ":") {
		return false
	}
	switch c := value[0]; {
	case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_':
		return pyyaml.Resolve(value) != pyyaml.TagNull
	case c >= '0' && c <= '9' || c == '-':
		_, ok := decimalTag(value)
		return ok
	}
	return false
}

// ended reports whether the mapping at indent has ended: no line left,
// or the next one indented less.
func (r *fastReader) ended(indent int) bool {
	return r.i == len(r.lines) || r.lines[r.i].indent < indent
}

// once marks key seen in a mapping, false if it was already.
func once(seen *uint32, bit uint32) bool {
	if *seen&bit != 0 {
		return false
	}
	*seen |= bit
	return true
}

// scenario reads the top-level mapping.
func (r *fastReader) scenario() (*Scenario, bool) {
	sc := &Scenario{Version: 1, Run: DefaultRunConfig()}
	var seen uint32
	for r.i < len(r.lines) {
		key, value, _, ok := r.entry(0)
		if !ok {
			return nil, false
		}
		switch key {
		case "version":
			n, ok := fastInt(value)
			if !ok || n != 1 || !once(&seen, 1) {
				return nil, false
			}
		case "name":
			if sc.Name, ok = fastStr(value); !ok || !once(&seen, 2) {
				return nil, false
			}
		case "description":
			if sc.Description, ok = fastStr(value); !ok || !once(&seen, 4) {
				return nil, false
			}
		case "agents":
			if value != "" || !once(&seen, 8) {
				return nil, false
			}
			if sc.Agents, ok = r.agents(); !ok {
				return nil, false
			}
		case "initial_actions":
			if value != "" || !once(&seen, 16) {
				return nil, false
			}
			if sc.InitialActions, ok = r.actions(); !ok {
				return nil, false
			}
		case "scheduled_actions":
			if value != "[]" || !once(&seen, 32) {
				return nil, false
			}
			sc.ScheduledActions = []ScheduledAction{}
		case "run":
			if value != "" || !once(&seen, 64) {
				return nil, false
			}
			if sc.Run, ok = r.run(); !ok {
				return nil, false
			}
		default:
			return nil, false
		}
	}
	// name and agents are required; initial_actions is where a ring is.
	return sc, seen&(2|8|16) == 2|8|16
}

// items counts the items of the block sequence at indent 0 that starts at
// the current line.
func (r *fastReader) items() int {
	n := 0
	for _, l := range r.lines[r.i:] {
		if l.indent == 0 {
			if !isSeqEntry(l.text) {
				break
			}
			n++
		}
	}
	return n
}

// agents reads the agents list.
func (r *fastReader) agents() ([]AgentSpec, bool) {
	agents := make([]AgentSpec, 0, r.items())
	for r.item(0) {
		l := r.lines[r.i]
		a := AgentSpec{Pos: Pos{Line: l.num, Col: 3}}
		var seen uint32
		for {
			key, value, _, ok := r.entry(2)
			if !ok {
				break
			}
			switch key {
			case "id":
				a.ID, ok = fastStr(value)
				ok = ok && once(&seen, 1)
			case "kind":
				a.Kind, ok = fastStr(value)
				ok = ok && isOneOf(a.Kind, agentKinds()) && once(&seen, 2)
			case "name":
				a.Name, ok = fastStr(value)
				ok = ok && once(&seen, 4)
			default:
				ok = false
			}
			if !ok {
				return nil, false
			}
		}
		if seen != 7 || !r.ended(2) {
			return nil, false
		}
		agents = append(agents, a)
	}
	return agents, len(agents) > 0
}

// actions reads the initial actions: mint_cash and create_payable.
func (r *fastReader) actions() ([]Action, bool) {
	actions := make([]Action, 0, r.items())
	for r.item(0) {
		kind, value, num, ok := r.entry(2)
		if !ok || value != "" || (kind != ActMintCash && kind != ActCreatePayable) {
			return nil, false
		}
		a := Action{Kind: kind, Pos: Pos{Line: num, Col: 3}}
		var seen uint32
		for {
			key, value, _, ok := r.entry(4)
			if !ok {
				break
			}
			switch {
			case key == "to":
				a.To, ok = fastStr(value)
				ok = ok && once(&seen, 1)
			case key == "from" && kind == ActCreatePayable:
				a.From, ok = fastStr(value)
				ok = ok && once(&seen, 2)
			case key == "amount":
				a.Amount, ok = fastDecimal(value)
				ok = ok && a.Amount.Sign() > 0 && once(&seen, 4)
			case key == "due_day" && kind == ActCreatePayable:
				a.DueDay, ok = fastInt(value)
				ok = ok && a.DueDay >= 0 && once(&seen, 8)
			case key == "alias":
				a.Alias, ok = fastStr(value)
				a.HasAlias = true
				ok = ok && once(&seen, 16)
			default:
				ok = false
			}
			if !ok {
				return nil, false
			}
		}
		want := uint32(1 | 4)
		if kind == ActCreatePayable {
			want |= 2 | 8
		}
		if seen&want != want || !r.ended(2) {
			return nil, false // a key missing, or a second key beside the action's
		}
		actions = append(actions, a)
	}
	return actions, len(actions) > 0
}

// run reads the run block.
func (r *fastReader) run() (RunConfig, bool) {
	rc := DefaultRunConfig()
	var seen uint32
	for {
		key, value, _, ok := r.entry(2)
		if !ok {
			break
		}
		switch key {
		case "mode":
			rc.Mode, ok = fastLiteral(value, "step", "until_stable")
			ok = ok && once(&seen, 1)
		case "max_days":
			var n int64
			n, ok = fastInt(value)
			rc.MaxDays = int(n)
			ok = ok && n >= 1 && n <= math.MaxInt32 && once(&seen, 2)
		case "quiet_days":
			var n int64
			n, ok = fastInt(value)
			rc.QuietDays = int(n)
			ok = ok && n >= 0 && n <= math.MaxInt32 && once(&seen, 4)
		case "default_handling":
			rc.DefaultHandling, ok = fastLiteral(value, FailFast, ExpelAgent)
			ok = ok && once(&seen, 8)
		case "show":
			ok = value == "" && once(&seen, 16) && r.show(&rc)
		case "export":
			ok = value == "" && once(&seen, 32) && r.export(&rc)
		default:
			ok = false
		}
		if !ok {
			return rc, false
		}
	}
	return rc, seen != 0 && r.ended(2) // "run:" alone is null
}

// show reads run.show.
func (r *fastReader) show(rc *RunConfig) bool {
	var seen uint32
	for {
		key, value, _, ok := r.entry(4)
		if !ok {
			return seen != 0 && r.ended(4) // "show:" or "export:" alone is null
		}
		switch key {
		case "balances":
			if value != "" || !once(&seen, 1) {
				return false
			}
			rc.ShowBalances = []string{}
			for r.i < len(r.lines) && r.lines[r.i].indent == 4 && isSeqEntry(r.lines[r.i].text) {
				v, ok := r.scalarItem(4)
				if !ok {
					return false
				}
				s, ok := fastStr(v)
				if !ok {
					return false
				}
				rc.ShowBalances = append(rc.ShowBalances, s)
			}
			if len(rc.ShowBalances) == 0 {
				return false
			}
		case "events":
			if rc.ShowEvents, ok = fastLiteral(value, "summary", "detailed", "table"); !ok || !once(&seen, 2) {
				return false
			}
		default:
			return false
		}
	}
}

// export reads run.export.
func (r *fastReader) export(rc *RunConfig) bool {
	var seen uint32
	for {
		key, value, _, ok := r.entry(4)
		if !ok {
			return seen != 0 && r.ended(4) // "show:" or "export:" alone is null
		}
		switch key {
		case "balances_csv":
			rc.ExportBalances, ok = fastStr(value)
			ok = ok && once(&seen, 1)
		case "events_jsonl":
			rc.ExportEvents, ok = fastStr(value)
			ok = ok && once(&seen, 2)
		default:
			ok = false
		}
		if !ok {
			return false
		}
	}
}

// fastStr is toStr of a plain scalar: PyYAML resolves it to a str, and
// bilancio's pre-processing leaves it one (Python's Decimal() does not
// parse it as a finite number).
func fastStr(text string) (string, bool) {
	if !fastPlain(text) || pyyaml.Resolve(text) != pyyaml.TagStr {
		return "", false
	}
	c := text[0]
	if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
		// Only a letter-first text is surely not a number.
		if _, st := pyyaml.Decimal(text); st == decFinite || st == decOutOfRange {
			return "", false
		}
	}
	// A letter-first text can only be Infinity or a NaN for Decimal(),
	// which the pre-processing leaves a string.
	return text, true
}

// fastLiteral is fastStr restricted to the allowed values.
func fastLiteral(text string, allowed ...string) (string, bool) {
	s, ok := fastStr(text)
	return s, ok && isOneOf(s, allowed)
}

// fastInt is toInt of a plain scalar PyYAML resolves to an int.
func fastInt(text string) (int64, bool) {
	if n, ok := decimalDigits(text); ok {
		return n, true
	}
	if !fastPlain(text) || pyyaml.Resolve(text) != pyyaml.TagInt {
		return 0, false
	}
	i, err := pyyaml.ParseInt(text)
	if err != nil || !i.IsInt64() {
		return 0, false
	}
	return i.Int64(), true
}

// decimalDigits reads text when it is 0 or digits without a leading zero,
// at most 18 of them: an int PyYAML reads in base 10, and an int64.
func decimalDigits(text string) (int64, bool) {
	if text == "" || len(text) > 18 || (text[0] == '0' && len(text) > 1) {
		return 0, false
	}
	var n int64
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// fastDecimal is toDecimal of a plain scalar: an int, a float (through
// its repr) or a numeric string.
func fastDecimal(text string) (pynum.Amount, bool) {
	if !fastPlain(text) {
		return pynum.Amount{}, false
	}
	switch pyyaml.Resolve(text) {
	case pyyaml.TagInt:
		if _, ok := decimalDigits(text); ok {
			a, err := pynum.ParseDecimal(text) // the digits ParseInt would give back
			return a, err == nil
		}
		i, err := pyyaml.ParseInt(text)
		if err != nil {
			return pynum.Amount{}, false
		}
		a, err := pynum.ParseDecimal(i.String())
		return a, err == nil
	case pyyaml.TagFloat:
		// fastPlain took text by decimalTag (-digits[.digits][e±dd]), which
		// float() reads as strconv does: nothing to drop or rewrite first.
		// Out of range (±inf, or 0 with an error) is the usual path's.
		f, err := strconv.ParseFloat(text, 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return pynum.Amount{}, false
		}
		a, err := pynum.ParseDecimal(pynum.FloatRepr(f))
		return a, err == nil
	case pyyaml.TagStr:
		d, st := pyyaml.Decimal(text)
		return d, st == decFinite
	}
	return pynum.Amount{}, false
}

// fastValid is validate for a scenario of the layout: the agents' ids are
// distinct, the actions name known agents, a central bank exists to mint,
// and aliases are distinct — resolveRefs's checks, which record what they
// find for the engine, and the central bank.
func fastValid(sc *Scenario) bool {
	hasCB := false
	for i := range sc.Agents {
		hasCB = hasCB || sc.Agents[i].Kind == "central_bank"
	}
	for i := range sc.InitialActions {
		if sc.InitialActions[i].Kind == ActMintCash && !hasCB {
			return false
		}
	}
	return resolveRefs(sc)
}
