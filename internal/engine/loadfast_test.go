package engine

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/bilancio-go/bilancio/internal/pynum"
	ringgen "github.com/bilancio-go/bilancio/internal/ring"
)

// checkFastScenario checks that when fastScenario accepts data, the usual
// path (go-yaml and bilancio's models) loads the same scenario without
// error, and reports whether it accepted it.
func checkFastScenario(t *testing.T, name string, data []byte) bool {
	t.Helper()
	fast, ok := fastScenario(data)
	if !ok {
		return false
	}
	want, err := loadSlow(name, data)
	if err != nil {
		t.Fatalf("%s: fastScenario accepts what the usual path refuses (%v):\n%s", name, err, data)
	}
	if !reflect.DeepEqual(fast, want) {
		t.Fatalf("%s: the scenarios differ:\nfast  %+v\nusual %+v\n%s", name, fast, want, data)
	}
	return true
}

// ringYAML generates a ring scenario.
func ringYAML(t testing.TB, p ringgen.Params) []byte {
	g, err := ringgen.Generate(p)
	if err != nil {
		t.Fatal(err)
	}
	return g.YAML
}

// Every ring the generator writes (sizes, liquidity modes, default
// handlings, parameters, name prefixes) takes fastScenario and loads to
// the usual path's scenario.
func TestFastScenarioGeneratedRings(t *testing.T) {
	quiet := 0
	prefixes := []string{"", "Kalecki Ring Sweep", "sweep, the first (of two)", "a very long name prefix that makes the scenario name fold over several lines of the file when it is written"}
	for _, n := range []int{3, 5, 17, 100} {
		for _, mode := range []ringgen.LiquidityMode{ringgen.Uniform, ringgen.SingleAt} {
			for _, dh := range []string{"", ExpelAgent, FailFast} {
				for seed := int64(1); seed <= 6; seed++ {
					p := ringgen.Params{NAgents: n, Seed: seed, Kappa: new(pynum.Dec(seed, -1)), QTotal: new(pynum.Dec(1000*seed, -int32(seed%3))),
						Concentration: new(pynum.Dec(seed, -1)), Mu: new(pynum.Dec(seed%3, -1)), Monotonicity: new(pynum.Dec(seed%3-1, 0)),
						MaturityDays: int(seed), Liquidity: mode, DefaultHandling: dh, NamePrefix: prefixes[int(seed)%len(prefixes)]}
					if seed == 4 {
						p.QuietDays = &quiet
					}
					data := ringYAML(t, p)
					name := fmt.Sprintf("ring n=%d %s %q seed %d", n, mode, dh, seed)
					if !checkFastScenario(t, name, data) {
						t.Errorf("%s does not take fastScenario:\n%s", name, data)
					}
				}
			}
		}
	}
}

// Documents near the layout: those it takes load as the usual path loads
// them; the others go the usual path, with its messages.
func TestFastScenarioEdges(t *testing.T) {
	base := string(ringYAML(t, ringgen.Params{NAgents: 3, Seed: 7, Kappa: new(pynum.Dec(5, -1)), QTotal: new(pynum.Dec(300, 0)),
		Concentration: new(pynum.Dec(1, 0)), MaturityDays: 3, DefaultHandling: ExpelAgent}))
	edit := func(old, new string) string {
		if !strings.Contains(base, old) {
			t.Fatalf("%q is not in\n%s", old, base)
		}
		return strings.Replace(base, old, new, 1)
	}
	for _, c := range []struct {
		name string
		doc  string
		fast bool
	}{
		{"as generated", base, true},
		{"keys in another order", edit("version: 1\n", "") + "version: 1\n", true},
		{"no scheduled actions", edit("scheduled_actions: []\n", ""), true},
		{"no run block", base[:strings.Index(base, "run:\n")], true},
		{"amount as an integer", edit("amount: 200", "amount: 1500"), true},
		{"amount as a numeric string", edit("amount: 200", "amount: 1.5e2"), true},
		{"amount with underscores", edit("amount: 200", "amount: 1_500"), false},
		{"amount zero", edit("amount: 200", "amount: 0"), false},
		{"amount true", edit("amount: 200", "amount: true"), false},
		{"amount text", edit("amount: 200", "amount: much"), false},
		{"version 2", edit("version: 1", "version: 2"), false},
		{"duplicate key", edit("version: 1\n", "version: 1\nversion: 1\n"), false},
		{"unknown key", edit("version: 1\n", "version: 1\nnotes: x\n"), false},
		{"dealer block", base + "dealer:\n  enabled: false\n", false},
		{"unknown agent", edit("to: H2", "to: H9"), false},
		{"duplicate agent", edit("id: H2", "id: H1"), false},
		{"duplicate alias", edit("alias: P_H2_H3", "alias: P_H1_H2"), false},
		{"no central bank", edit("kind: central_bank", "kind: bank"), false},
		{"unknown kind", edit("kind: household", "kind: person"), false},
		{"id yes (a boolean)", edit("id: H1", "id: yes"), false},
		{"id a number", edit("id: H1", "id: 12"), false},
		{"name a number", edit("name: Agent 1", "name: 1.5"), false},
		{"name null", edit("name: Agent 1", "name: null"), false},
		{"name Infinity (a string)", edit("name: Agent 1", "name: Infinity"), true},
		{"name folded", edit("name: Agent 1", "name: Agent\n    1"), true},
		{"second key beside an action", edit("    alias: P_H1_H2\n", "    alias: P_H1_H2\n  mint_cash:\n    to: H1\n    amount: 5\n"), false},
		{"mint_cash with from", edit("    to: H1\n    amount: 200\n", "    to: H1\n    from: H2\n    amount: 200\n"), false},
		{"due_day negative", edit("due_day: 1", "due_day: -1"), false},
		{"due_day octal", edit("due_day: 1", "due_day: 010"), false},
		{"max_days zero", edit("max_days: 30", "max_days: 0"), false},
		{"quiet_days float", edit("quiet_days: 2", "quiet_days: 2.0"), false},
		{"mode step", edit("mode: until_stable", "mode: step"), true},
		{"mode other", edit("mode: until_stable", "mode: forever"), false},
		{"events table", edit("events: detailed", "events: table"), true},
		{"balance folded", edit("    - H1\n", "    - H1\n      H2\n"), false},
		{"balances empty", edit("    - H1\n    - H2\n    - H3\n", ""), false},
		{"deeper block", edit("  mode: until_stable\n", "    mode: until_stable\n"), false},
		{"quoted text", edit("name: Agent 1", "name: 'Agent 1'"), false},
		{"trailing line", base + "x\n", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			data := []byte(c.doc)
			if got := checkFastScenario(t, c.name, data); got != c.fast {
				t.Errorf("fastScenario took it: %v, want %v\n%s", got, c.fast, data)
			}
			// Load gives the usual path's scenario or error either way.
			got, gotErr := Load("x.yaml", data)
			want, wantErr := loadSlow("x.yaml", data)
			if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) || !reflect.DeepEqual(got, want) {
				t.Errorf("Load differs: (%v) %+v, usual (%v) %+v", gotErr, got, wantErr, want)
			}
		})
	}
}

func FuzzFastScenario(f *testing.F) {
	f.Add(ringYAML(f, ringgen.Params{NAgents: 3, Seed: 7, Kappa: new(pynum.Dec(5, -1)), QTotal: new(pynum.Dec(300, 0)),
		Concentration: new(pynum.Dec(1, 0)), MaturityDays: 3, DefaultHandling: ExpelAgent}))
	f.Add(ringYAML(f, ringgen.Params{NAgents: 5, Seed: 42, Kappa: new(pynum.Dec(2, 0)), QTotal: new(pynum.Dec(500, 0)), Liquidity: ringgen.SingleAt,
		Concentration: new(pynum.Dec(3, -1)), Mu: new(pynum.Dec(3, -1)), MaturityDays: 5}))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<14 {
			return
		}
		checkFastScenario(t, "fuzz.yaml", data)
	})
}
