package swar

import (
	"strings"
	"testing"
)

// TestEveryByteEverywhere: each test agrees with a byte-by-byte look for
// every byte value at every one of the eight places, among plain bytes of
// several kinds (the tricks may mark bytes next to a match, never a word
// without one).
func TestEveryByteEverywhere(t *testing.T) {
	for _, fill := range []byte{'a', ' ', '~', 0x7f, 0x80, 0xff, 0} {
		for pos := range 8 {
			for v := range 256 {
				b := []byte(strings.Repeat(string([]byte{fill}), 8))
				b[pos] = byte(v)
				x := Load(string(b))
				for _, c := range []byte{0, ' ', '"', '&', '+', '<', '>', '\\', '~'} {
					want := false
					for _, y := range b {
						want = want || y == c
					}
					if got := Any(Eq(x, c)); got != want {
						t.Fatalf("Eq(%q, %q) = %v", b, c, got)
					}
				}
				for _, n := range []byte{1, ' ', '0', 127, 128} {
					want := false
					for _, y := range b {
						want = want || y < n
					}
					if got := Any(Below(x, n)); got != want {
						t.Fatalf("Below(%q, %d) = %v", b, n, got)
					}
				}
				for _, n := range []byte{0, ' ', '~', 126, 127} {
					want := false
					for _, y := range b {
						want = want || y > n
					}
					if got := Any(Above(x, n)); got != want {
						t.Fatalf("Above(%q, %d) = %v", b, n, got)
					}
				}
			}
		}
	}
}

func TestLoad(t *testing.T) {
	if got := Load("\x01\x02\x03\x04\x05\x06\x07\x08rest"); got != 0x0807060504030201 {
		t.Errorf("Load = %#x", got)
	}
}
