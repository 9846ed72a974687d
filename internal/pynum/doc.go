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
// Python's decimal module does. An Amount holds its coefficient inline: in an
// int64, or in 128 bits (38 digits, so every 28-digit Decimal result) with a
// sign and a decimal exponent. Sums, products, quotients by an int64
// coefficient, comparisons, truncation and rounding of such values are
// computed in integers and rounded half to even to 28 digits (quo.go,
// wide.go, u128.go), without allocating; anything larger is held in a Big
// (a math/big coefficient and an exponent) and computed exactly and rounded
// (big.go). ParseDecimal reads Python's Decimal strings itself. Printing
// spells a decimal out in digits in a stack buffer (spell.go). The tests hold
// all of it to github.com/cockroachdb/apd/v3 (FuzzAmountOps,
// FuzzParseDecimal), which bilancio itself does not link.
package pynum
