// Package pynum reproduces the numbers bilancio (Python) computes with and the
// way Python prints them, so that Go outputs match bilancio's byte for byte.
//
// Two things live here:
//
//   - Amount, a value that is either a Python int or a Python decimal.Decimal
//     (precision 28, ROUND_HALF_EVEN), with +, -, *, /, ** 2, min and sum
//     following Python's type rules (int op int is int, anything with a
//     Decimal is a Decimal).
//   - The printing rules: str(Decimal), a normalised Decimal as bilancio's JSON
//     writes it, repr(float), and the cell rules of bilancio's CSV files, each
//     also in an append form that writes into a caller's buffer.
//
// Decimal arithmetic follows the General Decimal Arithmetic specification, as
// Python's decimal module does. Amounts keep fast paths for the values
// simulations actually see: an int64 coefficient and a decimal exponent
// (exact sums and products, long division), and coefficients of up to 128
// bits for the 28-digit results of divisions (quo.go, wide.go); anything
// larger falls back to github.com/cockroachdb/apd/v3. Printing spells a
// decimal out in digits in a stack buffer (spell.go), so the fast paths
// allocate nothing but the occasional 28-digit result.
package pynum
