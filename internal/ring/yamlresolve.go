package ring

import (
	"regexp"
	"strings"
)

// implicitResolver is one of PyYAML's implicit resolvers (YAML 1.1,
// yaml/resolver.py): a plain scalar starting with one of first and matching
// pattern is read as another type than str.
type implicitResolver struct {
	first   string // "" stands for the empty scalar
	pattern *regexp.Regexp
}

// implicitResolvers are PyYAML's, in its order. The compiled patterns are
// never modified.
var implicitResolvers = []implicitResolver{
	{"yYnNtTfFoO", regexp.MustCompile(`^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$`)},
	{"-+0123456789.", regexp.MustCompile(`^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$`)},
	{"-+0123456789", regexp.MustCompile(`^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$`)},
	{"<", regexp.MustCompile(`^(?:<<)$`)},
	{"~nN", regexp.MustCompile(`^(?:~|null|Null|NULL|)$`)},
	{"0123456789", regexp.MustCompile(`^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$`)},
	{"=", regexp.MustCompile(`^(?:=)$`)},
	{"!&*", regexp.MustCompile(`^(?:!|&|\*)$`)},
}

// resolvesAsStr reports whether PyYAML's resolver reads s, written plain,
// back as a str. Like PyYAML it only tries the resolvers registered for the
// first character (the empty scalar is null); Python's `$` also matches
// before a final newline, hence the second attempt.
func resolvesAsStr(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range implicitResolvers {
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
