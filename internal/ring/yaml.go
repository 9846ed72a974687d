package ring

import (
	"strconv"
	"sync"

	"github.com/bilancio-go/bilancio/internal/pyyaml"
)

// scenarioYAML is pyyaml.Marshal(g.Doc) for the document Generate builds,
// written without walking the tree for all but its two free texts: the
// name and description go through pyyaml (they may need quoting or
// folding), everything after them has a fixed layout of ids, numbers and
// settings written as PyYAML writes them plain. ok is false, with nothing
// to use, when a value is not surely written plain (a default_handling or
// an amount that is not a simple token), for Marshal to write.
// TestScenarioYAML holds it to Marshal.
func scenarioYAML(g *Generated, mints, amounts []pyyaml.Node, due []int, defaultHandling string, heads *Heads) (out []byte, ok bool) {
	if defaultHandling != "" && !(pyyaml.SurelyPlain(defaultHandling) && pyyaml.PlainIsStr(defaultHandling)) {
		return nil, false
	}
	for _, list := range [][]pyyaml.Node{mints, amounts} {
		for _, a := range list {
			if !pyyaml.SurelyPlain(a.Text) {
				return nil, false
			}
		}
	}
	head, err := heads.head(g.Name, g.Description)
	if err != nil {
		return nil, false
	}
	n := len(g.Payables)
	b := make([]byte, 0, len(head)+256+n*170)
	b = append(b, head...)
	b = append(b, "agents:\n- id: CB\n  kind: central_bank\n  name: Central Bank\n"...)
	for i := range n {
		b = append(b, "- id: H"...)
		b = strconv.AppendInt(b, int64(i+1), 10)
		b = append(b, "\n  kind: household\n  name: Agent "...)
		b = strconv.AppendInt(b, int64(i+1), 10)
		b = append(b, '\n')
	}
	b = append(b, "initial_actions:\n"...)
	m := 0
	for i, amount := range g.Liquidity {
		if amount.Sign() <= 0 {
			continue
		}
		id := agentID(i)
		b = append(b, "- mint_cash:\n    to: "...)
		b = append(b, id...)
		b = append(b, "\n    amount: "...)
		b = append(b, mints[m].Text...)
		b = append(b, "\n    alias: LIQ_"...)
		b = append(b, id...)
		b = append(b, '\n')
		m++
	}
	for i, p := range g.Payables {
		b = append(b, "- create_payable:\n    from: "...)
		b = append(b, p.From...)
		b = append(b, "\n    to: "...)
		b = append(b, p.To...)
		b = append(b, "\n    amount: "...)
		b = append(b, amounts[i].Text...)
		b = append(b, "\n    due_day: "...)
		b = strconv.AppendInt(b, int64(due[i]), 10)
		b = append(b, "\n    alias: P_"...)
		b = append(b, p.From...)
		b = append(b, '_')
		b = append(b, p.To...)
		b = append(b, '\n')
	}
	b = append(b, "scheduled_actions: []\nrun:\n  mode: until_stable\n  max_days: "...)
	b = strconv.AppendInt(b, int64(g.MaxDays), 10)
	b = append(b, "\n  quiet_days: "...)
	b = strconv.AppendInt(b, int64(g.QuietDays), 10)
	b = append(b, "\n  show:\n    balances:\n"...)
	for i := range n {
		b = append(b, "    - H"...)
		b = strconv.AppendInt(b, int64(i+1), 10)
		b = append(b, '\n')
	}
	b = append(b, "    events: detailed\n  export:\n    balances_csv: out/balances.csv\n    events_jsonl: out/events.jsonl\n"...)
	if defaultHandling != "" {
		b = append(b, "  default_handling: "...)
		b = append(b, defaultHandling...)
		b = append(b, '\n')
	}
	return b, true
}

// Heads remembers the last head of a scenario written (its version, name
// and description as pyyaml writes them), so that the runs of a grid that
// differ only in the axes these texts do not name (monotonicity, the
// innermost, and the seed) share it instead of writing it again. A nil
// *Heads remembers nothing. Safe for concurrent use; the zero value is
// ready.
type Heads struct {
	mu                sync.Mutex
	name, description string
	text              []byte // never modified once stored
}

// head returns the scenario head for name and description.
func (h *Heads) head(name, description string) ([]byte, error) {
	if h != nil {
		h.mu.Lock()
		text, hit := h.text, h.text != nil && h.name == name && h.description == description
		h.mu.Unlock()
		if hit {
			return text, nil
		}
	}
	text, err := pyyaml.Marshal(pyyaml.Map(
		pyyaml.P("version", pyyaml.Int(1)),
		pyyaml.P("name", pyyaml.Str(name)),
		pyyaml.P("description", pyyaml.Str(description)),
	))
	if err == nil && h != nil {
		h.mu.Lock()
		h.name, h.description, h.text = name, description, text
		h.mu.Unlock()
	}
	return text, err
}
