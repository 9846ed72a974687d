package sdktest

import (
	"fmt"
	"strconv"
	"strings"
)

// RingScenario returns the YAML text of a valid bilancio scenario: a
// Kalecki ring of n households (at least 2) around a central bank. Household
// Hi owes H(i+1) a payable (the last owes H1); the central bank mints cash
// to every household, a little less than most of them owe, so some
// payables settle, some default and the defaulters are expelled. The due
// days are spread over about n/100 days (at least 1), so a big ring runs
// for many days and takes a while to simulate. variant changes the amounts,
// cash and due days, so runs with different variants are different runs.
// The same (n, variant) always gives the same text.
func RingScenario(n, variant int) []byte {
	return Ring{Households: n, Variant: variant}.YAML()
}

// Ring describes a generated ring scenario in more detail than RingScenario.
type Ring struct {
	// Households is the size of the ring (at least 2).
	Households int
	// DueDays spreads the payables over days 1..DueDays; 0 means
	// Households/100 (at least 1). The run lasts about DueDays+3 days.
	DueDays int
	// Variant changes amounts, cash and due days.
	Variant int
}

// YAML returns the scenario text; see RingScenario.
func (r Ring) YAML() []byte {
	n, variant := r.Households, r.Variant
	if n < 2 {
		n = 2
	}
	if variant < 0 {
		variant = -variant
	}
	days := r.DueDays
	if days <= 0 {
		days = max(1, n/100)
	}
	var b strings.Builder
	b.Grow(64 + n*140)
	fmt.Fprintf(&b, "version: 1\nname: sdktest ring (%d households, variant %d)\n", n, variant)
	b.WriteString("description: A generated Kalecki ring for the executor conformance suite.\n")
	b.WriteString("agents:\n  - {id: CB, kind: central_bank, name: Central Bank}\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "  - {id: H%d, kind: household, name: Household %d}\n", i, i)
	}
	b.WriteString("initial_actions:\n")
	for i := 1; i <= n; i++ {
		// A cheap deterministic mix of i and variant (a multiplicative hash).
		h := uint32(i)*2654435761 ^ uint32(variant)*40503
		cash := 40 + int(h%60)
		fmt.Fprintf(&b, "  - mint_cash: {to: H%d, amount: %d}\n", i, cash)
	}
	for i := 1; i <= n; i++ {
		h := uint32(i)*2246822519 ^ uint32(variant)*3266489917
		amount := 50 + int(h%50)
		due := 1 + int((uint32(i)+uint32(variant)*7)%uint32(days))
		next := i%n + 1
		fmt.Fprintf(&b, "  - create_payable: {from: H%d, to: H%d, amount: %d, due_day: %d}\n", i, next, amount, due)
	}
	b.WriteString("run:\n  mode: until_stable\n  max_days: " + strconv.Itoa(days+10) + "\n  quiet_days: 2\n  default_handling: expel-agent\n")
	return []byte(b.String())
}
