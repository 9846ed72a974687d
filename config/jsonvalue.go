package config

import (
	"encoding/json"
	"fmt"

	"github.com/zclconf/go-cty/cty"
)

// jsonValue encodes a known cty value as JSON, with numbers as their
// shortest decimal text (numberText) rather than cty's 512-bit expansion,
// and object and map keys sorted.
func jsonValue(val cty.Value) ([]byte, error) {
	v, err := plainValue(val)
	if err != nil {
		return nil, err
	}
	return json.Marshal(v)
}

// plainValue turns a known cty value into Go values encoding/json writes.
func plainValue(val cty.Value) (any, error) {
	if !val.IsKnown() {
		return nil, fmt.Errorf("the value is not known")
	}
	if val.IsNull() {
		return nil, nil
	}
	ty := val.Type()
	switch {
	case ty == cty.String:
		return val.AsString(), nil
	case ty == cty.Number:
		s, err := numberText(val.AsBigFloat())
		if err != nil {
			return nil, err
		}
		return json.Number(s), nil
	case ty == cty.Bool:
		return val.True(), nil
	case ty.IsListType() || ty.IsSetType() || ty.IsTupleType():
		out := []any{}
		for it := val.ElementIterator(); it.Next(); {
			_, e := it.Element()
			p, err := plainValue(e)
			if err != nil {
				return nil, err
			}
			out = append(out, p)
		}
		return out, nil
	case ty.IsMapType() || ty.IsObjectType():
		out := map[string]any{}
		for it := val.ElementIterator(); it.Next(); {
			k, e := it.Element()
			p, err := plainValue(e)
			if err != nil {
				return nil, err
			}
			out[k.AsString()] = p
		}
		return out, nil
	}
	return nil, fmt.Errorf("a value of type %s cannot be written as JSON", ty.FriendlyName())
}
