// Package workertest holds scenarios for the tests of code that executes
// runs (internal/worker and the commands and plugins built on it).
package workertest

import (
	"fmt"
	"strings"
)

// SlowScenario returns a valid scenario that runs long on little memory: a
// ring of n households (at least 2) whose payables all fall due on day due,
// so the engine simulates every quiet day before it, checking its context
// each day: about 6 s and 2 million events for n = 1000 and due = 400000,
// after 0.1 s of loading. It is for cancellation tests, not meant to run to
// the end.
func SlowScenario(n, due int) []byte {
	n = max(n, 2)
	var b strings.Builder
	b.WriteString("version: 1\nname: slow ring\nagents:\n  - {id: CB, kind: central_bank, name: Central Bank}\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "  - {id: H%d, kind: household, name: Household %d}\n", i, i)
	}
	b.WriteString("initial_actions:\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "  - mint_cash: {to: H%d, amount: 10}\n", i)
		fmt.Fprintf(&b, "  - create_payable: {from: H%d, to: H%d, amount: 5, due_day: %d}\n", i, i%n+1, due)
	}
	fmt.Fprintf(&b, "run:\n  mode: until_stable\n  max_days: %d\n  quiet_days: 2\n", due+5)
	return []byte(b.String())
}
