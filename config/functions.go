package config

import (
	"errors"

	"github.com/hashicorp/hcl/v2/ext/tryfunc"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// functions is the function table of sweep files: the functions of cty's
// standard library under the names Terraform users know, plus try and can.
// There is no file or environment access: a sweep file computes only from
// what it says and its variables. The table is built for each Load, so
// nothing is shared between loads.
//
// Numbers: abs, ceil, floor, log, max, min, parseint, pow, signum, sum.
// Logic: alltrue, anytrue.
// Strings: chomp, format, formatlist, indent, join, lower, regex, regexall,
// replace, split, strrev, substr, title, trim, trimprefix, trimspace,
// trimsuffix, upper.
// Collections: chunklist, coalesce, coalescelist, compact, concat, contains,
// distinct, element, flatten, keys, length, lookup, merge, range, reverse,
// setintersection, setproduct, setsubtract, setunion, slice, sort, values,
// zipmap.
// Types and encodings: csvdecode, jsondecode, jsonencode, tobool, tolist,
// tomap, tonumber, toset, tostring, try, can.
//
// range(start, limit, step) is the sequence from start up to, not
// including, limit (there is no seq); setproduct(a, b) is the Cartesian
// product; for expressions ([for k in var.kappas : k * 2]) work anywhere.
func functions() map[string]function.Function {
	return map[string]function.Function{
		"abs":             stdlib.AbsoluteFunc,
		"alltrue":         allTrueFunc(),
		"anytrue":         anyTrueFunc(),
		"sum":             sumFunc(),
		"can":             tryfunc.CanFunc,
		"ceil":            stdlib.CeilFunc,
		"chomp":           stdlib.ChompFunc,
		"chunklist":       stdlib.ChunklistFunc,
		"coalesce":        stdlib.CoalesceFunc,
		"coalescelist":    stdlib.CoalesceListFunc,
		"compact":         stdlib.CompactFunc,
		"concat":          stdlib.ConcatFunc,
		"contains":        stdlib.ContainsFunc,
		"csvdecode":       stdlib.CSVDecodeFunc,
		"distinct":        stdlib.DistinctFunc,
		"element":         stdlib.ElementFunc,
		"flatten":         stdlib.FlattenFunc,
		"floor":           stdlib.FloorFunc,
		"format":          stdlib.FormatFunc,
		"formatlist":      stdlib.FormatListFunc,
		"indent":          stdlib.IndentFunc,
		"join":            stdlib.JoinFunc,
		"jsondecode":      stdlib.JSONDecodeFunc,
		"jsonencode":      stdlib.JSONEncodeFunc,
		"keys":            stdlib.KeysFunc,
		"length":          stdlib.LengthFunc,
		"log":             stdlib.LogFunc,
		"lookup":          stdlib.LookupFunc,
		"lower":           stdlib.LowerFunc,
		"max":             stdlib.MaxFunc,
		"merge":           stdlib.MergeFunc,
		"min":             stdlib.MinFunc,
		"parseint":        stdlib.ParseIntFunc,
		"pow":             stdlib.PowFunc,
		"range":           stdlib.RangeFunc,
		"regex":           stdlib.RegexFunc,
		"regexall":        stdlib.RegexAllFunc,
		"replace":         stdlib.ReplaceFunc,
		"reverse":         stdlib.ReverseListFunc,
		"setintersection": stdlib.SetIntersectionFunc,
		"setproduct":      stdlib.SetProductFunc,
		"setsubtract":     stdlib.SetSubtractFunc,
		"setunion":        stdlib.SetUnionFunc,
		"signum":          stdlib.SignumFunc,
		"slice":           stdlib.SliceFunc,
		"sort":            stdlib.SortFunc,
		"split":           stdlib.SplitFunc,
		"strrev":          stdlib.ReverseFunc,
		"substr":          stdlib.SubstrFunc,
		"title":           stdlib.TitleFunc,
		"tobool":          stdlib.MakeToFunc(cty.Bool),
		"tolist":          stdlib.MakeToFunc(cty.List(cty.DynamicPseudoType)),
		"tomap":           stdlib.MakeToFunc(cty.Map(cty.DynamicPseudoType)),
		"tonumber":        stdlib.MakeToFunc(cty.Number),
		"toset":           stdlib.MakeToFunc(cty.Set(cty.DynamicPseudoType)),
		"tostring":        stdlib.MakeToFunc(cty.String),
		"trim":            stdlib.TrimFunc,
		"trimprefix":      stdlib.TrimPrefixFunc,
		"trimspace":       stdlib.TrimSpaceFunc,
		"trimsuffix":      stdlib.TrimSuffixFunc,
		"try":             tryfunc.TryFunc,
		"upper":           stdlib.UpperFunc,
		"values":          stdlib.ValuesFunc,
		"zipmap":          stdlib.ZipmapFunc,
	}
}

// allTrueFunc is alltrue(list): whether every element is true (true for an
// empty list).
func allTrueFunc() function.Function {
	return boolFold(true)
}

// anyTrueFunc is anytrue(list): whether some element is true (false for an
// empty list).
func anyTrueFunc() function.Function {
	return boolFold(false)
}

// boolFold folds a list of bools: with all, every element must be true;
// without, one is enough.
func boolFold(all bool) function.Function {
	return function.New(&function.Spec{
		Params: []function.Parameter{{Name: "list", Type: cty.List(cty.Bool)}},
		Type:   function.StaticReturnType(cty.Bool),
		Impl: func(args []cty.Value, retType cty.Type) (cty.Value, error) {
			list := args[0]
			if !list.IsWhollyKnown() {
				return cty.UnknownVal(cty.Bool), nil
			}
			for it := list.ElementIterator(); it.Next(); {
				_, v := it.Element()
				if v.IsNull() {
					continue
				}
				if v.True() != all {
					return cty.BoolVal(!all), nil
				}
			}
			return cty.BoolVal(all), nil
		},
	})
}

// sumFunc is sum(list): the sum of a non-empty list of numbers.
func sumFunc() function.Function {
	return function.New(&function.Spec{
		Params: []function.Parameter{{Name: "list", Type: cty.List(cty.Number)}},
		Type:   function.StaticReturnType(cty.Number),
		Impl: func(args []cty.Value, retType cty.Type) (cty.Value, error) {
			list := args[0]
			if !list.IsWhollyKnown() {
				return cty.UnknownVal(cty.Number), nil
			}
			if list.LengthInt() == 0 {
				return cty.NilVal, errors.New("cannot sum an empty list")
			}
			total := cty.Zero
			for it := list.ElementIterator(); it.Next(); {
				_, v := it.Element()
				if v.IsNull() {
					return cty.NilVal, errors.New("cannot sum a list with null elements")
				}
				total = total.Add(v)
			}
			return total, nil
		},
	})
}
