package pyyaml

import (
	"math/rand"
	"regexp"
	"strings"
	"testing"
)

// ir is one of PyYAML's implicit resolvers: the first characters it is
// registered for and its pattern.
type ir struct {
	first   string
	pattern *regexp.Regexp
}

// irs are PyYAML's implicit resolvers, in its order.
var irs = []ir{
	{"yYnNtTfFoO", regexp.MustCompile(`^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$`)},
	{"-+0123456789.", regexp.MustCompile(`^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$`)},
	{"-+0123456789", regexp.MustCompile(`^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$`)},
	{"<", regexp.MustCompile(`^(?:<<)$`)},
	{"~nN", regexp.MustCompile(`^(?:~|null|Null|NULL|)$`)},
	{"0123456789", regexp.MustCompile(`^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$`)},
	{"=", regexp.MustCompile(`^(?:=)$`)},
	{"!&*", regexp.MustCompile(`^(?:!|&|\*)$`)},
}

// oracle is PyYAML's test, as Resolver.resolve does it.
func oracle(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range irs {
		if !strings.Contains(r.first, s[:1]) {
			continue
		}
		if r.pattern.MatchString(s) {
			return false
		}
		if t, ok := strings.CutSuffix(s, "\n"); ok && r.pattern.MatchString(t) {
			return false
		}
	}
	return true
}

// PlainIsStr agrees with PyYAML's own implicit resolvers (yaml/resolver.py,
// written as its regular expressions, with Python's `$` before a final
// newline) on 300,000 random strings of the characters that matter.
func TestPlainIsStrMatchesPyYAMLResolvers(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	alpha := []byte("0123456789._:+-eExXbBoOaAfFtT yYnNiIlL~<=!&*\n\tZz")
	bad := 0
	for i := 0; i < 300000; i++ {
		n := rng.Intn(12)
		b := make([]byte, n)
		for j := range b {
			b[j] = alpha[rng.Intn(len(alpha))]
		}
		s := string(b)
		got := PlainIsStr(s)
		if got != oracle(s) {
			bad++
			if bad < 30 {
				t.Errorf("%q: PlainIsStr %v, PyYAML %v", s, got, oracle(s))
			}
		}
	}
}
