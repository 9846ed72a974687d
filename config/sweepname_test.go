package config

import (
	"regexp"
	"strings"
	"testing"
)

// TestValidSweepName: the hand-written check accepts exactly what the
// expression it replaces accepts.
func TestValidSweepName(t *testing.T) {
	want := regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$`)
	names := []string{
		"", "a", "ring", "Ring_2.v-1", "0", "_ring", ".ring", "-ring", "ring sweep", "ring/x", "rïng",
		"ring\n", "\nring", "a-", "a.", "a_", strings.Repeat("a", 99), strings.Repeat("a", 100),
		strings.Repeat("a", 101), "a" + strings.Repeat("-", 99), "a" + strings.Repeat("-", 100), "ring\x00",
	}
	for c := 0; c < 256; c++ {
		names = append(names, string(rune(c)), "a"+string([]byte{byte(c)}), string([]byte{byte(c)})+"a")
	}
	for _, n := range names {
		if got, w := validSweepName(n), want.MatchString(n); got != w {
			t.Errorf("validSweepName(%q) = %v, the expression says %v", n, got, w)
		}
	}
}
