// Package dealer is bilancio's secondary-market dealer subsystem
// (spec/dealer.md: the data-era trading logic with the December-era
// instrumentation): the configuration read from a scenario's `dealer:`
// block; tickets, maturity buckets, dealers, value-based traders (VBTs) and
// ring traders; the pricing kernel that turns a dealer's inventory and cash
// into bid and ask quotes; the daily trading phase (maturities and bucket
// migration, eligibility, the two seeded shuffles, interior and passthrough
// trades); and the instrumentation behind dealer_metrics.json and the
// detailed CSV files (Summarize, Instruments).
//
// Every quantity is a pynum.Amount and every operation follows Python's
// decimal module in the default context (28 digits, ROUND_HALF_EVEN) in the
// same order as bilancio, so quotes match bilancio's digit for digit,
// including their printed exponents ("1.10" versus "1.1").
//
// The package knows nothing of the main system: package engine builds the
// State from it after setup, refreshes the traders' cash, and writes trades
// back as claim transfers, mints and burns; package artifacts writes the
// files. docs/dealer.md explains the subsystem to users.
package dealer
