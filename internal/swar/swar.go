// Package swar looks at eight bytes of a string at once (SIMD within a
// register): one load, then tests that say whether some byte of the eight
// is below, above or equal to a given byte. Fast text writers (the JSON
// strings of the out/ files, the run page's markup and data) use them to
// skip runs of bytes that need no escaping. The tests are the bit tricks
// of "Bit Twiddling Hacks" (haszero, hasless, hasmore): a test's result
// has the high bit set in some byte exactly when some byte matches, which
// is all Any asks — not which byte.
package swar

const ones, highs = 0x0101010101010101, 0x8080808080808080

// Load returns the first eight bytes of s (len(s) >= 8), little-endian:
// one load.
func Load(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// Eq marks the bytes of x equal to c.
func Eq(x uint64, c byte) uint64 {
	y := x ^ (ones * uint64(c))
	return (y - ones) &^ y
}

// Below marks the bytes of x below n (n <= 128).
func Below(x uint64, n byte) uint64 { return (x - ones*uint64(n)) &^ x }

// Above marks the bytes of x above n (n <= 127).
func Above(x uint64, n byte) uint64 { return (x + ones*uint64(0x7f-n)) | x }

// Any reports whether a test's result (or several, or'ed) marks a byte.
func Any(m uint64) bool { return m&highs != 0 }
