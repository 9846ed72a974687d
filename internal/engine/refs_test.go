package engine

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"unsafe"

	"github.com/bilancio-go/bilancio/internal/pynum"
	ringgen "github.com/bilancio-go/bilancio/internal/ring"
)

// scheduledSrc adds scheduled actions to allKindsSrc.
const scheduledSrc = `scheduled_actions:
- day: 1
  action: {create_payable: {from: H1, to: H2, amount: 4, due_day: 3, alias: P2}}
- day: 2
  action: {transfer_claim: {contract_alias: P2, to_agent: B2}}
`

// TestResolveRefs checks that loading, on both of its paths, leaves every
// action with the index of each agent it names and the slot of its alias,
// and makes those names the very strings of the agents' ids and of the
// alias table.
func TestResolveRefs(t *testing.T) {
	ring := string(ringYAML(t, ringgen.Params{NAgents: 5, Seed: 42, Kappa: new(pynum.Dec(2, 0)), QTotal: new(pynum.Dec(500, 0)),
		Concentration: new(pynum.Dec(3, -1)), Mu: new(pynum.Dec(3, -1)), MaturityDays: 5}))
	for _, tc := range []struct {
		name, src string
		fast      bool
	}{
		{"every kind", allKindsSrc + scheduledSrc, false},
		{"ring", ring, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, fast := fastScenario([]byte(tc.src)); fast != tc.fast {
				t.Fatalf("fast path %v, want %v", fast, tc.fast)
			}
			sc := mustLoadScenario(t, tc.src)
			if sc.refs == nil {
				t.Fatal("no refs after loading")
			}
			if !sc.refs.agentsChecked(sc.Agents) {
				t.Error("the agents' ids are not those checked")
			}
			actions := make([]*Action, 0, len(sc.InitialActions)+len(sc.ScheduledActions))
			for i := range sc.InitialActions {
				actions = append(actions, &sc.InitialActions[i])
			}
			for i := range sc.ScheduledActions {
				actions = append(actions, &sc.ScheduledActions[i].Action)
			}
			slots := map[string]int32{}
			for i, a := range actions {
				fields, n := a.agentFields()
				if n == 0 {
					t.Errorf("action %d (%s) names no agent", i, a.Kind)
				}
				for k := range n {
					id := sc.Agents[a.agentAt[k]].ID
					if *fields[k] != id || !sameString(*fields[k], id) {
						t.Errorf("action %d (%s) agent %d: %q resolved to %d (%q)", i, a.Kind, k, *fields[k], a.agentAt[k], id)
					}
				}
				alias, ok := a.namedAlias()
				if !ok {
					if a.aliasAt != -1 {
						t.Errorf("action %d (%s): no alias, slot %d", i, a.Kind, a.aliasAt)
					}
					continue
				}
				if got := sc.refs.aliases[a.aliasAt]; got != alias || !sameString(got, alias) {
					t.Errorf("action %d (%s): alias %q in slot %d (%q)", i, a.Kind, alias, a.aliasAt, got)
				}
				if s, seen := slots[alias]; seen && s != a.aliasAt {
					t.Errorf("alias %q in slots %d and %d", alias, s, a.aliasAt)
				}
				slots[alias] = a.aliasAt
			}
			if len(slots) != len(sc.refs.aliases) {
				t.Errorf("%d aliases named, %d slots", len(slots), len(sc.refs.aliases))
			}
		})
	}
}

// sameString reports whether a and b are the same string, not only equal
// ones.
func sameString(a, b string) bool {
	return len(a) == len(b) && unsafe.StringData(a) == unsafe.StringData(b)
}

// TestResolveRefsRefuses checks that resolveRefs refuses, changing nothing,
// what validation refuses.
func TestResolveRefsRefuses(t *testing.T) {
	for _, tc := range []struct {
		name    string
		agents  []string
		actions []Action
	}{
		{"duplicate agent", []string{"CB:central_bank", "H1:household", "H1:firm"},
			[]Action{act(ActMintCash, "to", "H1", "amount", "1")}},
		{"unknown agent", []string{"CB:central_bank", "H1:household", "H2:household"},
			[]Action{act(ActMintCash, "to", "H1", "amount", "1"), act(ActCreatePayable, "from", "H1", "to", "H3", "amount", "1", "due_day", "1")}},
		{"alias created twice", []string{"CB:central_bank", "H1:household", "H2:household"},
			[]Action{act(ActMintCash, "to", "H1", "amount", "1", "alias", "A"), act(ActCreatePayable, "from", "H1", "to", "H2", "amount", "1", "due_day", "1", "alias", "A")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sc := newScenario(ExpelAgent, tc.agents...)
			sc.InitialActions = tc.actions
			before := append([]Action(nil), sc.InitialActions...)
			if resolveRefs(sc) {
				t.Fatal("resolveRefs accepted it")
			}
			if sc.refs != nil || !reflect.DeepEqual(sc.InitialActions, before) {
				t.Errorf("resolveRefs changed the scenario: %+v, was %+v", sc.InitialActions, before)
			}
		})
	}
}

// TestRunWithStaleRefs checks that what loading resolved only ever saves
// lookups: a run of a loaded scenario is the run of the same scenario built
// by hand, also after its actions or agents were edited.
func TestRunWithStaleRefs(t *testing.T) {
	ring := ringYAML(t, ringgen.Params{NAgents: 6, Seed: 7, Kappa: new(pynum.Dec(5, -1)), QTotal: new(pynum.Dec(600, 0)),
		Concentration: new(pynum.Dec(1, 0)), MaturityDays: 3, DefaultHandling: ExpelAgent})
	// byHand is sc without anything loading resolved.
	byHand := func(sc *Scenario) *Scenario {
		c := *sc
		c.refs = nil
		c.Agents = append([]AgentSpec(nil), sc.Agents...)
		c.InitialActions = append([]Action(nil), sc.InitialActions...)
		for i := range c.InitialActions {
			c.InitialActions[i].agentAt, c.InitialActions[i].aliasAt = [2]int32{}, 0
		}
		return &c
	}
	for _, tc := range []struct {
		name string
		edit func(sc *Scenario)
	}{
		{"as loaded", func(*Scenario) {}},
		{"payable to another agent", func(sc *Scenario) {
			for i := range sc.InitialActions {
				if a := &sc.InitialActions[i]; a.Kind == ActCreatePayable {
					a.To = "H3"
					if a.From == "H3" {
						a.To = "H4"
					}
					return
				}
			}
		}},
		{"alias renamed", func(sc *Scenario) {
			for i := range sc.InitialActions {
				if a := &sc.InitialActions[i]; a.HasAlias {
					a.Alias += "_renamed"
				}
			}
		}},
		{"agents swapped", func(sc *Scenario) {
			sc.Agents[1].ID, sc.Agents[2].ID = sc.Agents[2].ID, sc.Agents[1].ID
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sc := mustLoadScenario(t, string(ring))
			tc.edit(sc)
			got, gotErr := Run(context.Background(), sc, Options{})
			want, wantErr := Run(context.Background(), byHand(sc), Options{})
			if (gotErr == nil) != (wantErr == nil) || gotErr != nil && gotErr.Error() != wantErr.Error() {
				t.Fatalf("run: %v, by hand: %v", gotErr, wantErr)
			}
			if gotErr != nil {
				return
			}
			if g, w := renderEvents(got.Events()), renderEvents(want.Events()); g != w {
				t.Errorf("events:\n%s\nbuilt by hand:\n%s", g, w)
			}
			if g, w := renderState(got.Final()), renderState(want.Final()); g != w {
				t.Errorf("final state:\n%s\nbuilt by hand:\n%s", g, w)
			}
			if n := len(got.Events()); n < 20 || got.Stop != want.Stop {
				t.Errorf("%d events, stop %v (by hand %v)", n, got.Stop, want.Stop)
			}
		})
	}
	t.Run("duplicate agent added", func(t *testing.T) {
		sc := mustLoadScenario(t, string(ring))
		sc.Agents = append(sc.Agents, sc.Agents[1])
		if _, err := Run(context.Background(), sc, Options{}); err == nil || !strings.Contains(err.Error(), "duplicate agent id") {
			t.Errorf("run: %v, want a duplicate agent id", err)
		}
	})
}
