// Package pynum reproduces the numbers bilancio (Python) computes with and the
// way Python prints them, so that Go outputs match bilancio's byte for byte.
//
// Two things live here:
//
//   - Amount, a value that is either a Python int or a Python decimal.Decimal
//     (precision 28, ROUND_HALF_EVEN), with +, -, min and sum following Python's
//     type rules (int op int is int, anything with a Decimal is a Decimal).
//   - The printing rules: str(Decimal), a normalised Decimal as bilancio's JSON
//     writes it, repr(float), and the cell rules of bilancio's CSV files.
//
// Decimal arithmetic is done with github.com/cockroachdb/apd/v3, which follows the
// same General Decimal Arithmetic specification as Python's decimal module.
// Amounts keep a fast path (an int64 coefficient and a decimal exponent) for the
// values simulations actually see, and fall back to apd when a value outgrows it.
package pynum
