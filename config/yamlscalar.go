package config

import (
	"go.yaml.in/yaml/v3"

	"github.com/bilancio-go/bilancio/internal/pyyaml"
)

// bilancio reads its sweep configs with PyYAML's yaml.safe_load, which
// resolves plain scalars by YAML 1.1 rules, not the YAML 1.2 rules of
// go.yaml.in/yaml/v3: `yes` is a bool, `010` is octal 8, and `1e5` (a float
// for YAML 1.2) is a string, because YAML 1.1 floats need a point. The rules
// are package pyyaml's; this file narrows them to the kinds a sweep config
// uses.

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

// pyScalarKind is the kind PyYAML resolves a scalar node to: an explicit tag
// wins, a quoted or block scalar is a str, and a plain scalar is resolved by
// PyYAML's implicit resolvers. Kinds a sweep config does not use
// (timestamps, merge and value keys, other explicit tags) count as str.
func pyScalarKind(n *yaml.Node) pyKind {
	switch pyyaml.ResolveNode(n) {
	case pyyaml.Null:
		return pyNull
	case pyyaml.Bool:
		return pyBool
	case pyyaml.Int:
		return pyInt
	case pyyaml.Float:
		return pyFloat
	}
	return pyStr
}
