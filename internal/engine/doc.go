// Package engine is bilancio's simulation: it loads a scenario (bilancio's
// scenario YAML, read as bilancio reads it), builds the agents' balance sheets,
// runs the day loop (scheduled actions, settlement of payables falling due,
// default handling, the until-stable stop rule) and returns the event log and
// the final state.
//
// It reproduces the no-dealer path of bilancio (Python) exactly; see
// spec/engine.md in the shared folder. The package does no I/O: callers hand it
// the scenario's bytes and write its results with package artifacts.
package engine
