package engine

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// LoadError is a problem in a scenario file, at a position of that file.
type LoadError struct {
	File string
	// Line and Col are 1-based; 0 when unknown (yaml.v3 reports syntax errors
	// with a line only, and some with no position at all).
	Line, Col int
	Msg       string
}

// Error formats the error compiler-style: "FILE:LINE:COL: MSG", dropping the
// parts of the position that are unknown.
func (e *LoadError) Error() string {
	switch {
	case e.Line > 0 && e.Col > 0:
		return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
	case e.Line > 0:
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// Load reads a bilancio scenario file the way bilancio does (PyYAML
// safe_load, the numeric-string pre-processing and the pydantic models of
// bilancio's config package) and validates it before anything runs: field
// types and ranges, agent references, the central bank needed by mints, and
// alias uniqueness. filename is used in error messages only.
//
// Every error it returns is a *LoadError. It follows the rules of the
// default revision (LoadRules{}); LoadWith takes a revision's.
func Load(filename string, data []byte) (*Scenario, error) {
	return LoadWith(filename, data, LoadRules{})
}

// LoadWith is Load under the rules of one bilancio revision.
func LoadWith(filename string, data []byte, rules LoadRules) (*Scenario, error) {
	l := &scenarioLoader{file: filename, rules: rules}
	return l.load(data)
}

// load reads and validates the file's contents.
func (l *scenarioLoader) load(data []byte) (*Scenario, error) {
	if !l.noFast {
		if sc, ok := fastScenario(data); ok {
			return sc, nil
		}
	}
	if l.m == nil {
		l.m = newYAMLMapper()
	}
	root, fast, err := l.parse(data)
	if err == nil && !fast {
		// A tree of the fast path holds nothing safe_load could refuse
		// (see fastYAML): only go-yaml's trees need the whole check.
		err = l.m.checkDocument(root)
	}
	var sc *Scenario
	if err == nil {
		sc, err = l.scenario(root)
	}
	if err == nil {
		err = l.validate(sc)
	}
	if err != nil {
		return nil, l.loadError(err)
	}
	// Validation refused whatever resolveRefs would.
	resolveRefs(sc)
	return sc, nil
}

// scenarioLoader holds the state of one Load call.
type scenarioLoader struct {
	file    string
	m       *yamlMapper
	rules   LoadRules
	actions []*loadedAction // initial actions, then scheduled ones, in file order
	agents  map[string]AgentSpec
	// noFast sends every document through go-yaml (see yamlfast.go).
	noFast bool
}

// loadError turns any error of the loader into a *LoadError.
func (l *scenarioLoader) loadError(err error) *LoadError {
	var le *LoadError
	if errors.As(err, &le) {
		return le
	}
	var ne *yamlNodeError
	if errors.As(err, &ne) {
		return &LoadError{File: l.file, Line: ne.node.Line, Col: ne.node.Column, Msg: ne.msg}
	}
	return &LoadError{File: l.file, Msg: err.Error()}
}

// fail returns a *LoadError at node at, prefixed with the path of the value.
func (l *scenarioLoader) fail(at *yaml.Node, path, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if path != "" {
		msg = path + ": " + msg
	}
	return &LoadError{File: l.file, Line: at.Line, Col: at.Column, Msg: msg}
}

// parse returns the root node of the file's single YAML document, and
// whether the fast path built it.
func (l *scenarioLoader) parse(data []byte) (root *yaml.Node, fast bool, err error) {
	defer func() {
		// yaml.v3 recovers its own errors; this guards against a bug in it.
		if r := recover(); r != nil {
			root, fast, err = nil, false, &LoadError{File: l.file, Msg: fmt.Sprintf("invalid YAML: %v", r)}
		}
	}()
	if !l.noFast {
		if root := fastYAML(data); root != nil {
			return root, true, nil
		}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, false, &LoadError{File: l.file, Msg: "the file is empty; expected a scenario mapping"}
		}
		return nil, false, l.yamlError(err)
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == nil:
		return nil, false, &LoadError{File: l.file, Line: next.Line, Col: next.Column, Msg: "expected a single YAML document, found a second one"}
	case !errors.Is(err, io.EOF):
		return nil, false, l.yamlError(err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, false, &LoadError{File: l.file, Msg: "the file is empty; expected a scenario mapping"}
	}
	return doc.Content[0], false, nil
}

// yamlError turns a yaml.v3 syntax error ("yaml: line 3: did not find
// expected key") into a *LoadError with that line.
func (l *scenarioLoader) yamlError(err error) *LoadError {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if num, text, ok := strings.Cut(rest, ": "); ok {
			if n, err := strconv.Atoi(num); err == nil && n >= 0 {
				line, msg = n, text
			}
		}
	}
	return &LoadError{File: l.file, Line: line, Msg: "invalid YAML: " + msg}
}

// pathKey appends a key to a path.
func pathKey(path, key string) string {
	switch {
	case path == "":
		return key
	case key == "":
		return path
	}
	return path + "." + key
}

func pathIndex(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

// yamlObject is a mapping of the file read as a pydantic model or a dict.
type yamlObject struct {
	l    *scenarioLoader
	path string
	at   *yaml.Node
	es   []mapEntry
}

// objectAt reads the value at `at` as a mapping.
func (l *scenarioLoader) objectAt(at *yaml.Node, path string) (*yamlObject, error) {
	v, err := resolveValue(at)
	if err != nil {
		return nil, err
	}
	if v.kind != valMap {
		return nil, l.fail(at, path, "expected a mapping, got %s", v.describeValue())
	}
	es, err := l.m.entries(at)
	if err != nil {
		return nil, err
	}
	return &yamlObject{l: l, path: path, at: at, es: es}, nil
}

// stringKeys rejects keys that are not strings (Python passes the mapping as
// keyword arguments or validates it as a dict of str).
func (o *yamlObject) stringKeys() error {
	for _, e := range o.es {
		if !e.isStr {
			return o.l.fail(e.keyAt, o.path, "keys must be strings, got %s", e.key.describeValue())
		}
	}
	return nil
}

// get returns the entry of key, if present.
func (o *yamlObject) get(key string) (mapEntry, bool) {
	for _, e := range o.es {
		if e.isStr && e.keyStr == key {
			return e, true
		}
	}
	return mapEntry{}, false
}

// list reads the value at `at` as a list and returns its element nodes.
func (l *scenarioLoader) list(at *yaml.Node, path string) ([]*yaml.Node, error) {
	v, err := resolveValue(at)
	if err != nil {
		return nil, err
	}
	if v.kind != valSeq {
		return nil, l.fail(at, path, "expected a list, got %s", v.describeValue())
	}
	return v.node.Content, nil
}

// scenario reads the top-level mapping (bilancio's ScenarioConfig).
func (l *scenarioLoader) scenario(root *yaml.Node) (*Scenario, error) {
	if v, err := resolveValue(root); err != nil {
		return nil, err
	} else if v.kind != valMap {
		return nil, l.fail(root, "", "the file must contain a scenario mapping at the top level, got %s", v.describeValue())
	}
	top, err := l.objectAt(root, "")
	if err != nil {
		return nil, err
	}
	if _, ok := top.get("generator"); ok {
		return l.generatorSpec(top)
	}
	if err := top.stringKeys(); err != nil {
		return nil, err
	}
	f := &modelFields{yamlObject: top}
	sc := &Scenario{Run: DefaultRunConfig()}
	sc.Version = int(f.int("version", false, 1))
	if f.err == nil && sc.Version != 1 {
		e, _ := top.get("version")
		f.failAt(e.val, "version", "unsupported configuration version %d (only 1 is supported)", sc.Version)
	}
	sc.Name = f.str("name")
	sc.Description, _ = f.optStr("description")
	if f.err != nil {
		return nil, f.err
	}
	if e, ok := top.get("policy_overrides"); ok {
		if sc.PolicyOverrides, err = l.policyOverrides(e.val); err != nil {
			return nil, err
		}
	}
	if e, ok := top.get("dealer"); ok {
		if sc.Dealer, err = l.dealer(e.val); err != nil {
			return nil, err
		}
	}
	if e, ok := top.get("balanced_dealer"); ok {
		if err := l.balancedDealer(e); err != nil {
			return nil, err
		}
	}
	e, ok := top.get("agents")
	if !ok {
		return nil, l.fail(root, "", "missing required key %q", "agents")
	}
	if sc.Agents, err = l.agentList(e.val); err != nil {
		return nil, err
	}
	if e, ok := top.get("initial_actions"); ok {
		if sc.InitialActions, err = l.initialActions(e.val); err != nil {
			return nil, err
		}
	}
	if e, ok := top.get("scheduled_actions"); ok {
		if sc.ScheduledActions, err = l.scheduledActions(e.val); err != nil {
			return nil, err
		}
	}
	if e, ok := top.get("run"); ok {
		if sc.Run, err = l.runConfig(e.val); err != nil {
			return nil, err
		}
	}
	return sc, nil
}

// agentKinds lists the agent kinds a scenario may use.
func agentKinds() []string {
	return []string{"central_bank", "bank", "household", "firm", "treasury"}
}

// paymentMethods lists the means of payment policy_overrides.mop_rank may name.
func paymentMethods() []string { return []string{"bank_deposit", "cash", "reserve_deposit"} }

func isOneOf(s string, set []string) bool {
	for _, x := range set {
		if s == x {
			return true
		}
	}
	return false
}

func quotedList(set []string) string {
	q := make([]string, len(set))
	for i, s := range set {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, ", ")
}

// agentList reads `agents`.
func (l *scenarioLoader) agentList(at *yaml.Node) ([]AgentSpec, error) {
	items, err := l.list(at, "agents")
	if err != nil {
		return nil, err
	}
	l.agents = make(map[string]AgentSpec, len(items))
	agents := make([]AgentSpec, 0, len(items))
	for i, it := range items {
		path := pathIndex("agents", i)
		o, err := l.objectAt(it, path)
		if err != nil {
			return nil, err
		}
		f := &modelFields{yamlObject: o}
		a := AgentSpec{Pos: Pos{Line: it.Line, Col: it.Column}}
		a.ID = f.str("id")
		a.Kind = f.literal("kind", agentKinds(), "")
		a.Name = f.str("name")
		if f.err != nil {
			return nil, f.err
		}
		if first, dup := l.agents[a.ID]; dup {
			e, _ := o.get("id")
			return nil, l.fail(e.val, pathKey(path, "id"), "duplicate agent id %q (first defined at line %d)", a.ID, first.Pos.Line)
		}
		l.agents[a.ID] = a
		agents = append(agents, a)
	}
	return agents, nil
}

// policyOverrides reads `policy_overrides` (nil when null or without mop_rank).
func (l *scenarioLoader) policyOverrides(at *yaml.Node) (map[string][]string, error) {
	if v, err := resolveValue(at); err != nil || v.kind == valNull {
		return nil, err
	}
	o, err := l.objectAt(at, "policy_overrides")
	if err != nil {
		return nil, err
	}
	e, ok := o.get("mop_rank")
	if !ok {
		return nil, nil
	}
	if v, err := resolveValue(e.val); err != nil || v.kind == valNull {
		return nil, err
	}
	path := "policy_overrides.mop_rank"
	ranks, err := l.objectAt(e.val, path)
	if err != nil {
		return nil, err
	}
	if err := ranks.stringKeys(); err != nil {
		return nil, err
	}
	out := make(map[string][]string, len(ranks.es))
	for _, r := range ranks.es {
		kpath := pathKey(path, r.keyStr)
		if !isOneOf(r.keyStr, agentKinds()) {
			return nil, l.fail(r.keyAt, kpath, "unknown agent kind %q (expected one of %s)", r.keyStr, quotedList(agentKinds()))
		}
		items, err := l.list(r.val, kpath)
		if err != nil {
			return nil, err
		}
		methods := make([]string, 0, len(items))
		for i, it := range items {
			s, err := l.toStr(it, pathIndex(kpath, i))
			if err != nil {
				return nil, err
			}
			if !isOneOf(s, paymentMethods()) {
				return nil, l.fail(it, pathIndex(kpath, i), "unknown payment method %q (expected one of %s)", s, quotedList(paymentMethods()))
			}
			methods = append(methods, s)
		}
		out[r.keyStr] = methods
	}
	return out, nil
}

// runConfig reads `run` (bilancio's RunConfig).
func (l *scenarioLoader) runConfig(at *yaml.Node) (RunConfig, error) {
	rc := DefaultRunConfig()
	o, err := l.objectAt(at, "run")
	if err != nil {
		return rc, err
	}
	f := &modelFields{yamlObject: o}
	rc.Mode = f.literal("mode", []string{"step", "until_stable"}, rc.Mode)
	rc.MaxDays = int(f.intMin("max_days", false, int64(rc.MaxDays), 1))
	rc.QuietDays = int(f.intMin("quiet_days", false, int64(rc.QuietDays), 0))
	rc.DefaultHandling = f.literal("default_handling", []string{FailFast, ExpelAgent}, rc.DefaultHandling)
	if f.err != nil {
		return rc, f.err
	}
	if err := l.rollover(f); err != nil {
		return rc, err
	}
	if e, ok := o.get("show"); ok {
		show, err := l.objectAt(e.val, "run.show")
		if err != nil {
			return rc, err
		}
		sf := &modelFields{yamlObject: show}
		if b, ok := show.get("balances"); ok {
			if v, err := resolveValue(b.val); err != nil {
				return rc, err
			} else if v.kind != valNull {
				items, err := l.list(b.val, "run.show.balances")
				if err != nil {
					return rc, err
				}
				rc.ShowBalances = make([]string, 0, len(items))
				for i, it := range items {
					s, err := l.toStr(it, pathIndex("run.show.balances", i))
					if err != nil {
						return rc, err
					}
					rc.ShowBalances = append(rc.ShowBalances, s)
				}
			}
		}
		rc.ShowEvents = sf.literal("events", []string{"summary", "detailed", "table"}, rc.ShowEvents)
		if sf.err != nil {
			return rc, sf.err
		}
	}
	if e, ok := o.get("export"); ok {
		exp, err := l.objectAt(e.val, "run.export")
		if err != nil {
			return rc, err
		}
		ef := &modelFields{yamlObject: exp}
		rc.ExportBalances, _ = ef.optStr("balances_csv")
		rc.ExportEvents, _ = ef.optStr("events_jsonl")
		if ef.err != nil {
			return rc, ef.err
		}
	}
	return rc, nil
}
