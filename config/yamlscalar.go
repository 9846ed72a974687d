package config

import (
	"fmt"
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// bilancio reads its sweep configs with PyYAML's yaml.safe_load, which
// resolves plain scalars by YAML 1.1 rules, not the YAML 1.2 rules of
// go.yaml.in/yaml/v3: `yes` is a bool, `010` is octal 8, and `1e5` (a float
// for YAML 1.2) is a string, because YAML 1.1 floats need a point. These
// patterns are PyYAML's implicit resolvers (yaml/resolver.py) for the kinds a
// sweep config uses.

// pyKind is the Python type PyYAML gives a scalar.
type pyKind int

const (
	pyStr pyKind = iota
	pyNull
	pyBool
	pyInt
	pyFloat
)

// String names the kind as Python does.
func (k pyKind) String() string {
	return [...]string{"str", "None", "bool", "int", "float"}[k]
}

var (
	pyBoolPattern  = regexp.MustCompile(`^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$`)
	pyFloatPattern = regexp.MustCompile(`^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$`)
	pyIntPattern   = regexp.MustCompile(`^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$`)
	pyNullPattern  = regexp.MustCompile(`^(?:~|null|Null|NULL|)$`)
)

// pyScalarKind is the kind PyYAML resolves a scalar node to: an explicit tag
// wins, a quoted or block scalar is a str, and a plain scalar is matched
// against the resolvers registered for its first character, in PyYAML's
// order.
func pyScalarKind(n *yaml.Node) pyKind {
	if n.Style&yaml.TaggedStyle != 0 {
		switch n.ShortTag() {
		case "!!null":
			return pyNull
		case "!!bool":
			return pyBool
		case "!!int":
			return pyInt
		case "!!float":
			return pyFloat
		}
		return pyStr
	}
	if n.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return pyStr
	}
	s := n.Value
	if s == "" {
		return pyNull
	}
	first := s[:1]
	switch {
	case strings.Contains("yYnNtTfFoO", first) && pyBoolPattern.MatchString(s):
		return pyBool
	case strings.Contains("-+0123456789.", first) && pyFloatPattern.MatchString(s):
		return pyFloat
	case strings.Contains("-+0123456789", first) && pyIntPattern.MatchString(s):
		return pyInt
	case strings.Contains("~nN", first) && pyNullPattern.MatchString(s):
		return pyNull
	}
	return pyStr
}

// pyBoolValue is PyYAML's construct_yaml_bool.
func pyBoolValue(s string) bool {
	switch strings.ToLower(s) {
	case "yes", "true", "on":
		return true
	}
	return false
}

// pyIntValue is PyYAML's construct_yaml_int: underscores dropped, 0b binary,
// 0x hexadecimal, a leading 0 octal, colons base 60.
func pyIntValue(s string) (*big.Int, error) {
	v := strings.ReplaceAll(s, "_", "")
	sign := 1
	if v != "" && (v[0] == '-' || v[0] == '+') {
		if v[0] == '-' {
			sign = -1
		}
		v = v[1:]
	}
	out := new(big.Int)
	var ok bool
	switch {
	case v == "0":
		ok = true
	case strings.HasPrefix(v, "0b"):
		_, ok = out.SetString(v[2:], 2)
	case strings.HasPrefix(v, "0x"):
		_, ok = out.SetString(v[2:], 16)
	case strings.HasPrefix(v, "0"):
		_, ok = out.SetString(v[1:], 8)
	case strings.Contains(v, ":"):
		ok = true
		for _, part := range strings.Split(v, ":") {
			d, err := strconv.ParseInt(part, 10, 64)
			if err != nil {
				ok = false
				break
			}
			out.Mul(out, big.NewInt(60))
			out.Add(out, big.NewInt(d))
		}
	default:
		_, ok = out.SetString(v, 10)
	}
	if !ok {
		return nil, fmt.Errorf("%q is not an integer", s)
	}
	if sign < 0 {
		out.Neg(out)
	}
	return out, nil
}

// pyFloatValue is PyYAML's construct_yaml_float.
func pyFloatValue(s string) (float64, error) {
	v := strings.ToLower(strings.ReplaceAll(s, "_", ""))
	sign := 1.0
	if v != "" && (v[0] == '-' || v[0] == '+') {
		if v[0] == '-' {
			sign = -1
		}
		v = v[1:]
	}
	switch {
	case v == ".inf":
		return sign * math.Inf(1), nil
	case v == ".nan":
		return math.NaN(), nil
	case strings.Contains(v, ":"):
		total := 0.0
		for _, part := range strings.Split(v, ":") {
			d, err := strconv.ParseFloat(part, 64)
			if err != nil {
				return 0, fmt.Errorf("%q is not a number", s)
			}
			total = total*60 + d
		}
		return sign * total, nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	return sign * f, nil
}
