// Package dealer holds the pure parts of bilancio's secondary-market dealer
// subsystem (spec/dealer.md, data-era trading logic): the configuration read
// from a scenario's `dealer:` block, the state of tickets, dealers,
// value-based traders (VBTs) and ring traders, and the pricing kernel that
// turns a dealer's inventory and cash into bid and ask quotes.
//
// Every quantity is a pynum.Amount and every operation follows Python's
// decimal module in the default context (28 digits, ROUND_HALF_EVEN) in the
// same order as bilancio, so quotes match bilancio's digit for digit,
// including their printed exponents ("1.10" versus "1.1").
//
// The package does not run a trading day, move cash in the main system or
// write events and files; STATUS.md lists what remains.
package dealer
