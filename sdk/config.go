package sdk

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
)

// Decode decodes the configuration into v (a pointer to a struct whose json
// tags are the attribute names) against schema, the way every executor
// should read its configuration:
//
//   - malformed JSON, or a value that is not a JSON object, is refused;
//   - an attribute that the schema does not name is refused (naming it and
//     the attributes there are);
//   - an attribute missing from the configuration takes the value of its
//     Env variable when that is set and not empty, else its Default;
//   - a Required attribute that is still missing is refused;
//   - every value must have the attribute's type (string, number, bool,
//     list(string)).
//
// Every refusal is an error wrapping ErrInvalidConfig. A nil or empty
// configuration is the empty object.
func (c *Config) Decode(schema []ConfigAttribute, v any) error {
	var raw []byte
	if c != nil {
		raw = bytes.TrimSpace(c.JSON)
	}
	if len(raw) == 0 {
		raw = []byte("{}")
	}
	var given map[string]json.RawMessage
	if err := json.Unmarshal(raw, &given); err != nil || given == nil {
		if err == nil {
			err = fmt.Errorf("got null")
		}
		return fmt.Errorf("%w: the configuration must be a JSON object: %v", ErrInvalidConfig, err)
	}
	names := make([]string, 0, len(schema))
	for _, a := range schema {
		names = append(names, a.Name)
	}
	for _, k := range slices.Sorted(maps.Keys(given)) {
		if !slices.Contains(names, k) {
			return fmt.Errorf("%w: unknown attribute %q (the attributes are: %s)", ErrInvalidConfig, k, strings.Join(names, ", "))
		}
	}
	merged := make(map[string]json.RawMessage, len(schema))
	for _, a := range schema {
		val, ok := given[a.Name]
		from := "the configuration"
		if !ok && a.Env != "" {
			if s := os.Getenv(a.Env); s != "" {
				conv, err := envValue(a.Type, s)
				if err != nil {
					return fmt.Errorf("%w: %s=%q for attribute %q: %v", ErrInvalidConfig, a.Env, s, a.Name, err)
				}
				val, ok, from = conv, true, "$"+a.Env
			}
		}
		if !ok && a.Default != "" {
			val, ok, from = json.RawMessage(a.Default), true, "its default"
		}
		if !ok {
			if a.Required {
				return fmt.Errorf("%w: attribute %q is required", ErrInvalidConfig, a.Name)
			}
			continue
		}
		if err := checkType(a.Type, val); err != nil {
			return fmt.Errorf("%w: attribute %q (from %s): %v", ErrInvalidConfig, a.Name, from, err)
		}
		merged[a.Name] = val
	}
	b, err := json.Marshal(merged)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidConfig, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidConfig, err)
	}
	return nil
}

// checkType checks that val is a JSON value of the schema type typ.
func checkType(typ string, val json.RawMessage) error {
	var err error
	switch typ {
	case TypeString:
		var s string
		err = json.Unmarshal(val, &s)
	case TypeNumber:
		var f float64
		err = json.Unmarshal(val, &f)
	case TypeBool:
		var b bool
		err = json.Unmarshal(val, &b)
	case TypeListString:
		var l []string
		err = json.Unmarshal(val, &l)
	default:
		return fmt.Errorf("unknown attribute type %q in the schema", typ)
	}
	if err != nil || bytes.Equal(bytes.TrimSpace(val), []byte("null")) {
		return fmt.Errorf("want a %s, got %s", typ, val)
	}
	return nil
}

// envValue converts an environment variable's text to a JSON value of the
// schema type typ (a list is comma-separated).
func envValue(typ, s string) (json.RawMessage, error) {
	var v any
	switch typ {
	case TypeString:
		v = s
	case TypeNumber:
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return nil, fmt.Errorf("not a number")
		}
		v = f
	case TypeBool:
		b, err := strconv.ParseBool(strings.TrimSpace(s))
		if err != nil {
			return nil, fmt.Errorf("not a bool")
		}
		v = b
	case TypeListString:
		l := []string{}
		for _, part := range strings.Split(s, ",") {
			if part = strings.TrimSpace(part); part != "" {
				l = append(l, part)
			}
		}
		v = l
	default:
		return nil, fmt.Errorf("unknown attribute type %q in the schema", typ)
	}
	b, err := json.Marshal(v)
	return b, err
}
