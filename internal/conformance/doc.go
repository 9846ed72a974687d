// Package conformance compares a run's output files with the files bilancio
// (Python) recorded for the same scenario, by the rules of spec/engine.md
// §15.2: events equal after renaming instrument ids in order of first
// appearance; balances.csv, metrics.csv and metrics_intraday.csv byte-equal;
// metrics_ds.csv equal as a set of lines; metrics.json equal except for the
// last digits of HHIplus_t.
//
// The recorded runs live in the shared folder beside the repository
// (../shared/conformance); Sets finds them.
package conformance
