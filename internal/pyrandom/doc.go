// Package pyrandom reproduces CPython 3.11's random.Random for integer seeds,
// draw for draw: the Mersenne Twister (MT19937) seeded with init_by_array from
// the seed's 32-bit words, random(), getrandbits, randrange, shuffle and
// gammavariate.
//
// bilancio draws its ring scenarios from random.Random(seed), so a Go sweep
// that must regenerate bilancio's scenarios needs the same stream; Go's
// math/rand is a different generator. The integer draws (Uint32, Getrandbits,
// Randrange, Shuffle) and Random are exact. Gammavariate evaluates its float
// expressions in CPython's order with correctly rounded log, exp and pow
// (crmath.go), where CPython calls the platform's libm: the two agree except
// where that libm is off by an ulp, which glibc's rarely is (one gamma draw
// in a few thousand) and which spec/engine.md §10.7 describes for the machine
// that recorded bilancio's data.
package pyrandom
