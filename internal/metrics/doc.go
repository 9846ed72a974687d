// Package metrics computes what bilancio derives from a finished run: the
// balance-sheet rows of balances.csv (from the final state) and the Kalecki
// day metrics of metrics.csv, metrics.json, metrics_ds.csv and
// metrics_intraday.csv, with the run summary that the sweep registry records
// (from the event log and the money stock of balances.csv).
//
// Everything here is a pure function of its inputs. Numbers follow Python's
// types and decimal arithmetic exactly (package pynum), because the results are
// printed digit for digit: balance amounts keep bilancio's int-versus-Decimal
// distinction, and every metric operation rounds to 28 significant digits with
// the exponents Python's decimal module produces. See spec/engine.md §6.3 and
// §7 in the shared folder. Writing the files is package artifacts' job.
package metrics
