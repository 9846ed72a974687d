// Package engine is bilancio's simulation: it loads a scenario (bilancio's
// scenario YAML, read as bilancio reads it), builds the agents' balance sheets,
// runs the day loop (scheduled actions, settlement of payables falling due,
// default handling, the until-stable stop rule) and returns the event log and
// the final state.
//
// It reproduces bilancio (Python) exactly; see spec/engine.md in the shared
// folder. A scenario with an enabled `dealer:` block also runs the dealer
// subsystem of spec/dealer.md: dealer.go builds it from the main system
// after setup and runs its trading phase (package dealer) and the sync back
// every day, between the scheduled actions and settlement. The package does
// no I/O: callers hand it the scenario's bytes and write its results with
// package artifacts.
package engine
