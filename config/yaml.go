package config

import (
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"

	"github.com/bilancio-go/bilancio/internal/pynum"
	"github.com/bilancio-go/bilancio/internal/pyyaml"
	"github.com/bilancio-go/bilancio/internal/revision"
	"github.com/bilancio-go/bilancio/internal/ring"
	"github.com/bilancio-go/bilancio/internal/sweep"
)

// YAMLError is a problem in a YAML sweep config, at a line and column
// (counted from 1; the column in characters).
type YAMLError struct {
	Filename     string
	Line, Column int
	Message      string
	// width is how many characters of the line the problem spans.
	width int
}

// Error implements error as "file:line:col: message".
func (e *YAMLError) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s", e.Filename, e.Line, e.Column, e.Message)
}

// LoadBilancioYAML imports one of bilancio's own YAML sweep configs (the
// file `bilancio sweep ring --config FILE` reads: RingSweepConfig of
// bilancio/experiments/ring.py) as bilancio would run it with no other
// option given:
//
//	version: 1
//	out_dir: out/experiments/expel_ring_sweep
//	runner: {n_agents: 5, maturity_days: 5, q_total: 500, liquidity_mode: single_at,
//	         liquidity_agent: H1, base_seed: 42, name_prefix: "Kalecki Ring Sweep",
//	         default_handling: expel-agent}
//	grid: {enabled: true, kappas: [0.1, 0.5, 1], concentrations: [0.1, 1],
//	       mus: [0.0, 0.5, 1.0], monotonicities: [0.0]}
//	lhs: {count: 0, kappa_range: [0.1, 6.0], concentration_range: [0.1, 6.0],
//	      mu_range: [0.0, 1.0], monotonicity_range: [-1.0, 1.0]}
//	frontier: {enabled: false, kappa_low: 0.1, kappa_high: 4.0, tolerance: 0.02,
//	           max_iterations: 6}
//
// What the file leaves out takes the defaults of bilancio's `sweep ring`
// options: n_agents 5, maturity_days 3, q_total 500.0, liquidity single_at
// H1, base seed 42, name prefix "Kalecki Ring Sweep", fail-fast; a grid of
// kappas 0.25,0.5,1,2,4 × concentrations 0.2,0.5,1,2,5 × mus
// 0,0.25,0.5,0.75,1 × monotonicity 0 unless grid.enabled is false; LHS and
// frontier off. An LHS (lhs.count > 0) needs kappa, concentration and mu
// ranges; a frontier (frontier.enabled) needs all four of its fields and
// searches the cells of the grid's concentration, mu and monotonicity lists.
//
// The decimal texts are bilancio's: scalars are read as PyYAML reads them
// (YAML 1.1: 1e5 is a string, 010 is octal), a grid list element becomes
// Decimal(it) as pydantic makes it (0.0 → "0.0", 1 → "1", "0.50" → "0.50"),
// and q_total, the LHS ranges and the frontier's bounds and tolerance go
// through float as bilancio's command does (500 → "500.0").
//
// bilancio ignores keys it does not know; this import refuses them, so that a
// misspelt key does not silently run a default. The out_dir, if given, is
// the experiment folder itself (Spec.ExperimentDir); the sweep is named after
// the file. Dealer sweeps (runner.dealer_enabled) are not imported. The
// kappa rule is debt-over-liquidity and the executor local. Every problem is
// a *YAMLError with file, line and column; several are joined.
func LoadBilancioYAML(filename string, src []byte) (*sweep.Spec, error) {
	y := &yamlLoader{filename: filename}
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, y.syntaxError(err)
	}
	var root *yaml.Node
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		root = deref(doc.Content[0])
	}
	if root == nil || root.Kind != yaml.MappingNode {
		at := &doc
		if root != nil {
			at = root
		}
		y.errorf(at, "a sweep configuration must be a YAML mapping (version, out_dir, runner, grid, lhs, frontier)")
		return nil, y.err()
	}
	spec := y.spec(root)
	if err := y.err(); err != nil {
		return nil, err
	}
	base := filepath.Base(filename)
	spec.Name = strings.TrimSuffix(base, filepath.Ext(base))
	spec.Source = src
	spec.SourceName = base
	return spec, nil
}

// yamlLoader collects the problems of one import.
type yamlLoader struct {
	filename string
	errs     []error
}

// err joins the problems found (nil when none).
func (y *yamlLoader) err() error { return errors.Join(y.errs...) }

// errorf records a problem at node n.
func (y *yamlLoader) errorf(n *yaml.Node, format string, args ...any) {
	width := 1
	if n.Kind == yaml.ScalarNode && !strings.Contains(n.Value, "\n") && n.Style == 0 {
		width = max(1, len([]rune(n.Value)))
	}
	line, col := max(n.Line, 1), max(n.Column, 1)
	y.errs = append(y.errs, &YAMLError{Filename: y.filename, Line: line, Column: col, Message: fmt.Sprintf(format, args...), width: width})
}

// yamlLinePattern is compiled on first use: at package init it would cost
// every start of bilancio, and it is needed only for a bad file.
var yamlLinePattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^yaml: line (\d+): (.*)$`) })

// syntaxError turns a YAML parse error into a *YAMLError.
func (y *yamlLoader) syntaxError(err error) error {
	msg := err.Error()
	line := 1
	if m := yamlLinePattern().FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	return &YAMLError{Filename: y.filename, Line: line, Column: 1, Message: "invalid YAML: " + msg, width: 1}
}

// deref follows an alias.
func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// fields returns a mapping's values by key, refusing duplicate and unknown
// keys. where names the mapping in messages ("runner").
func (y *yamlLoader) fields(n *yaml.Node, where string, known []string) map[string]*yaml.Node {
	n = deref(n)
	out := map[string]*yaml.Node{}
	if n.Kind == yaml.ScalarNode && pyyaml.ResolveNode(n) == pyyaml.TagNull {
		return out
	}
	if n.Kind != yaml.MappingNode {
		y.errorf(n, "%s must be a mapping of %s", where, strings.Join(known, ", "))
		return out
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		key := k.Value
		path := key
		if where != "" {
			path = where + "." + key
		}
		switch {
		case !slices.Contains(known, key):
			y.errorf(k, "unknown key %s (the keys of %s are %s)%s", path, nameOr(where, "the file"), strings.Join(known, ", "), didYouMean(key, known))
		case out[key] != nil:
			y.errorf(k, "%s is given twice", path)
		default:
			out[key] = deref(v)
		}
	}
	return out
}

// nameOr is name, or other when name is empty.
func nameOr(name, other string) string {
	if name == "" {
		return other
	}
	return name
}

// isNull reports whether a node is absent or null (None for pydantic).
func isNull(n *yaml.Node) bool {
	return n == nil || (n.Kind == yaml.ScalarNode && pyyaml.ResolveNode(n) == pyyaml.TagNull)
}

// integer reads an int field (pydantic's lax int: an int, a float with no
// fraction, or a string of digits).
func (y *yamlLoader) integer(n *yaml.Node, path string) (int64, bool) {
	if n.Kind != yaml.ScalarNode {
		y.errorf(n, "%s must be an integer", path)
		return 0, false
	}
	switch pyyaml.ResolveNode(n) {
	case pyyaml.TagInt:
		v, err := pyyaml.ParseInt(n.Value)
		if err == nil && v.IsInt64() {
			return v.Int64(), true
		}
	case pyyaml.TagFloat:
		if f, err := pyyaml.ParseFloat(n.Value); err == nil && f == float64(int64(f)) {
			return int64(f), true
		}
	case pyyaml.TagStr:
		if v, err := strconv.ParseInt(strings.TrimSpace(n.Value), 10, 64); err == nil {
			return v, true
		}
	}
	y.errorf(n, "%s must be an integer, got %s", path, n.Value)
	return 0, false
}

// str reads a str field.
func (y *yamlLoader) str(n *yaml.Node, path string) (string, bool) {
	if n.Kind != yaml.ScalarNode || pyyaml.ResolveNode(n) != pyyaml.TagStr {
		y.errorf(n, "%s must be a string, got %s", path, describeNode(n))
		return "", false
	}
	return n.Value, true
}

// boolean reads a bool field (pydantic's lax bool).
func (y *yamlLoader) boolean(n *yaml.Node, path string) (bool, bool) {
	if n.Kind == yaml.ScalarNode {
		switch pyyaml.ResolveNode(n) {
		case pyyaml.TagBool:
			b, _ := pyyaml.ParseBool(n.Value) // false for a !!bool that is not a YAML boolean
			return b, true
		case pyyaml.TagInt, pyyaml.TagStr:
			switch strings.ToLower(strings.TrimSpace(n.Value)) {
			case "1", "true", "t", "yes", "y", "on":
				return true, true
			case "0", "false", "f", "no", "n", "off":
				return false, true
			}
		}
	}
	y.errorf(n, "%s must be true or false, got %s", path, describeNode(n))
	return false, false
}

// describeNode names what a node holds, for messages.
func describeNode(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	return fmt.Sprintf("%s %s", pyyaml.ResolveNode(n).PythonType(), n.Value)
}

// decimal reads a Decimal field as pydantic builds it: an int as its digits,
// a float as Decimal(str(float)), a string as Decimal(string). The text is
// str() of that Decimal.
func (y *yamlLoader) decimal(n *yaml.Node, path string) (decimal, bool) {
	bad := func() (decimal, bool) {
		y.errorf(n, "%s must be a decimal number, got %s", path, describeNode(n))
		return decimal{}, false
	}
	if n.Kind != yaml.ScalarNode {
		return bad()
	}
	var text string
	switch pyyaml.ResolveNode(n) {
	case pyyaml.TagInt:
		v, err := pyyaml.ParseInt(n.Value)
		if err != nil {
			return bad()
		}
		text = v.String()
	case pyyaml.TagFloat:
		f, err := pyyaml.ParseFloat(n.Value)
		if err != nil {
			return bad()
		}
		a, err := pynum.FromFloat(f)
		if err != nil && math.IsInf(f, 0) && !strings.Contains(strings.ToLower(n.Value), "inf") {
			y.errorf(n, "%s", ring.Problem(path, ring.FloatOutOfRange(n.Value)))
			return decimal{}, false
		}
		if err != nil {
			y.errorf(n, "%s must be a finite number, got %s", path, n.Value)
			return decimal{}, false
		}
		text = a.String()
	case pyyaml.TagStr:
		d, err := ring.ParseDecimal(n.Value)
		if err != nil {
			return bad()
		}
		text = d.String()
	default:
		return bad()
	}
	d, err := ring.ParseDecimal(text)
	if err != nil {
		return bad()
	}
	return decimal{text: text, d: &d}, true
}

// floatDecimal reads a Decimal field that bilancio's command turns into a
// float and back (Decimal(str(float(x)))).
func (y *yamlLoader) floatDecimal(n *yaml.Node, path string) (decimal, bool) {
	dec, ok := y.decimal(n, path)
	if !ok {
		return decimal{}, false
	}
	text, err := cliFloatText(dec.text)
	if err != nil {
		y.errorf(n, "%s: %v", path, err)
		return decimal{}, false
	}
	d, _ := ring.ParseDecimal(text)
	return decimal{text: text, d: &d}, true
}

// decimals reads a list of Decimals; each is checked as a value of sp.
func (y *yamlLoader) decimals(n *yaml.Node, path string, sp *ring.Swept) ([]string, bool) {
	if n.Kind != yaml.SequenceNode {
		y.errorf(n, "%s must be a list of numbers, got %s", path, describeNode(n))
		return nil, false
	}
	out := []string{}
	ok := true
	for i, e := range n.Content {
		e = deref(e)
		d, good := y.decimal(e, fmt.Sprintf("%s[%d]", path, i))
		if !good {
			ok = false
			continue
		}
		if msg := sp.Check(*d.d); msg != "" {
			y.errorf(e, "%s[%d]: %s", path, i, msg)
			ok = false
			continue
		}
		out = append(out, d.text)
	}
	return out, ok
}

// pair reads an LHS range [min, max], each through float.
func (y *yamlLoader) pair(n *yaml.Node, path string, sp *ring.Swept) (sweep.Range, bool) {
	if n.Kind != yaml.SequenceNode || len(n.Content) != 2 {
		y.errorf(n, "%s must contain exactly two values, [min, max]", path)
		return sweep.Range{}, false
	}
	lo, ok1 := y.floatDecimal(deref(n.Content[0]), path+"[0]")
	hi, ok2 := y.floatDecimal(deref(n.Content[1]), path+"[1]")
	if !ok1 || !ok2 {
		return sweep.Range{}, false
	}
	if msg := checkRange(sp, lo.d, hi.d); msg != "" {
		y.errorf(n, "%s: %s (got [%s, %s])", path, msg, lo.text, hi.text)
		return sweep.Range{}, false
	}
	return sweep.Range{Min: lo.text, Max: hi.text}, true
}

// spec builds the Spec of a config's root mapping.
func (y *yamlLoader) spec(root *yaml.Node) *sweep.Spec {
	top := y.fields(root, "", []string{"version", "out_dir", "grid", "lhs", "frontier", "runner", "bilancio_revision"})
	if v := top["version"]; !isNull(v) {
		if n, ok := y.integer(v, "version"); ok && n != 1 {
			y.errorf(v, "unsupported sweep config version %d (bilancio's sweep configs are version 1)", n)
		}
	}
	spec := &sweep.Spec{SeedMode: sweep.SeedCounter, Executor: sweep.ExecutorRef{Name: DefaultExecutor, Config: []byte("{}")}}
	if v := top["out_dir"]; !isNull(v) {
		if s, ok := y.str(v, "out_dir"); ok {
			spec.ExperimentDir = s
		}
	}
	if v := top["bilancio_revision"]; !isNull(v) {
		// Not one of bilancio's keys: bilancio-go's, naming the revision of
		// bilancio whose rules the sweep reproduces.
		if s, ok := y.str(v, "bilancio_revision"); ok {
			if err := revision.Check(s); err != nil {
				y.errorf(v, "bilancio_revision: %v", err)
			}
			spec.BilancioRevision = s
		}
	}
	y.runner(top["runner"], &spec.Ring)
	grid := y.grid(top["grid"], spec)
	y.lhs(top["lhs"], spec)
	y.frontier(top["frontier"], spec, grid)
	return spec
}

// runner reads the runner block over bilancio's command defaults.
func (y *yamlLoader) runner(n *yaml.Node, r *sweep.RingParams) {
	*r = sweep.RingParams{
		NAgents: defaultNAgents, MaturityDays: defaultMaturityDays, QTotal: defaultQTotal,
		LiquidityMode: defaultLiquidityMode, LiquidityAgent: ring.DefaultLiquidityAgent,
		DefaultHandling: defaultDefaultHandling, BaseSeed: defaultBaseSeed,
		NamePrefix: ring.DefaultNamePrefix,
	}
	if isNull(n) {
		return
	}
	f := y.fields(n, "runner", []string{"n_agents", "maturity_days", "q_total", "liquidity_mode", "liquidity_agent", "base_seed", "name_prefix", "default_handling", "dealer_enabled", "dealer_config", "risk_assessment_enabled", "risk_assessment_config"})
	nOK := true
	if v := f["n_agents"]; !isNull(v) {
		if x, ok := y.integer(v, "runner.n_agents"); ok {
			if msg := ring.CheckNAgents(x); msg != "" {
				y.errorf(v, "runner.%s", msg)
				nOK = false
			}
			r.NAgents = int(x)
		}
	}
	if v := f["maturity_days"]; !isNull(v) {
		if x, ok := y.integer(v, "runner.maturity_days"); ok {
			if msg := ring.CheckMaturityDays(x); msg != "" {
				y.errorf(v, "runner.%s", msg)
			}
			r.MaturityDays = int(x)
		}
	}
	if v := f["q_total"]; !isNull(v) {
		if d, ok := y.floatDecimal(v, "runner.q_total"); ok {
			if msg := ring.CheckQTotal(*d.d); msg != "" {
				y.errorf(v, "runner.%s", msg)
			}
			r.QTotal = d.text
		}
	}
	if v := f["liquidity_mode"]; !isNull(v) {
		if s, ok := y.str(v, "runner.liquidity_mode"); ok {
			if msg := ring.CheckLiquidityMode(s); msg != "" {
				y.errorf(v, "runner.%s", msg)
			}
			r.LiquidityMode = s
		}
	}
	if v := f["liquidity_agent"]; !isNull(v) {
		if s, ok := y.str(v, "runner.liquidity_agent"); ok {
			r.LiquidityAgent = s
			if r.LiquidityMode == string(ring.SingleAt) && nOK {
				if msg := ring.CheckLiquidityAgent(s, int64(r.NAgents)); msg != "" {
					y.errorf(v, "runner.%s", msg)
				}
			}
		}
	}
	if r.LiquidityMode != string(ring.SingleAt) {
		// bilancio passes the agent along but uses it only for single_at.
		r.LiquidityAgent = ""
	}
	if v := f["base_seed"]; !isNull(v) {
		if x, ok := y.integer(v, "runner.base_seed"); ok {
			r.BaseSeed = x
		}
	}
	if v := f["name_prefix"]; !isNull(v) {
		if s, ok := y.str(v, "runner.name_prefix"); ok {
			r.NamePrefix = s
		}
	}
	if v := f["default_handling"]; !isNull(v) {
		if s, ok := y.str(v, "runner.default_handling"); ok {
			if msg := ring.CheckDefaultHandling(s); msg != "" {
				y.errorf(v, "runner.%s", msg)
			}
			r.DefaultHandling = s
		}
	}
	if v := f["dealer_enabled"]; !isNull(v) {
		if b, ok := y.boolean(v, "runner.dealer_enabled"); ok && b {
			y.errorf(v, "runner.dealer_enabled: dealer sweeps cannot be imported; only plain Kalecki ring sweeps can")
		}
	}
	// bilancio (2026-01-13 on) reads the risk assessment settings only into
	// the dealer block of a dealer sweep's scenarios; dealer sweeps are
	// refused above, so here they change nothing and are only type-checked
	// as bilancio's model checks them.
	if v := f["risk_assessment_enabled"]; !isNull(v) {
		y.boolean(v, "runner.risk_assessment_enabled")
	}
	if v := f["risk_assessment_config"]; !isNull(v) && v.Kind != yaml.MappingNode {
		y.errorf(v, "runner.risk_assessment_config must be a mapping")
	}
}

// grid reads the grid block over bilancio's default grid; it returns the
// grid's lists, which the frontier's cells use too.
func (y *yamlLoader) grid(n *yaml.Node, spec *sweep.Spec) sweep.Grid {
	g := sweep.Grid{}
	defaults := DefaultGrid()
	for _, sp := range ring.Sweepable() {
		if text, ok := defaults[sp.Plural]; ok {
			g[sp.Plural] = strings.Split(text, ",")
		}
	}
	enabled := true
	if !isNull(n) {
		keys := []string{"enabled"}
		for _, sp := range ring.Sweepable() {
			if !sp.Balanced {
				keys = append(keys, sp.Plural)
			}
		}
		f := y.fields(n, "grid", keys)
		if v := f["enabled"]; !isNull(v) {
			enabled, _ = y.boolean(v, "grid.enabled")
		}
		for _, sp := range ring.Sweepable() {
			if sp.Balanced {
				continue
			}
			v := f[sp.Plural]
			var vals []string
			if !isNull(v) {
				vals, _ = y.decimals(v, "grid."+sp.Plural, &sp)
			}
			if len(vals) > 0 {
				g[sp.Plural] = vals
			} else if enabled && sp.Registry && sp.Default == "" {
				at := n
				if v != nil {
					at = v
				}
				y.errorf(at, "grid.%s must be provided when grid.enabled is true", sp.Plural)
			}
		}
	}
	if enabled {
		spec.Grid = g
	}
	return g
}

// lhs reads the lhs block: a Latin hypercube when count > 0.
func (y *yamlLoader) lhs(n *yaml.Node, spec *sweep.Spec) {
	if isNull(n) {
		return
	}
	keys := []string{"count"}
	for _, sp := range ring.Sweepable() {
		if !sp.Balanced {
			keys = append(keys, sp.Name+"_range")
		}
	}
	f := y.fields(n, "lhs", keys)
	var count int64
	if v := f["count"]; !isNull(v) {
		var ok bool
		if count, ok = y.integer(v, "lhs.count"); ok {
			if msg := sweep.CheckLHSCount(int(count)); msg != "" {
				y.errorf(v, "lhs.%s", msg)
			}
		}
	}
	if count <= 0 {
		return
	}
	l := &sweep.LHS{Count: int(count), Ranges: map[string]sweep.Range{}}
	for _, sp := range ring.Sweepable() {
		if sp.Balanced {
			continue
		}
		key := sp.Name + "_range"
		v := f[key]
		if isNull(v) {
			if sp.Default != "" {
				text, _ := cliFloatText(sp.Default)
				l.Ranges[sp.Name] = sweep.Range{Min: text, Max: text}
			} else if sp.Registry {
				y.errorf(n, "lhs.%s must contain exactly two values when lhs.count > 0", key)
			}
			continue
		}
		if rng, ok := y.pair(v, "lhs."+key, &sp); ok {
			l.Ranges[sp.Name] = rng
		}
	}
	spec.LHS = l
}

// frontier reads the frontier block: a search when enabled, over the
// cells of the grid's lists.
func (y *yamlLoader) frontier(n *yaml.Node, spec *sweep.Spec, grid sweep.Grid) {
	if isNull(n) {
		return
	}
	f := y.fields(n, "frontier", []string{"enabled", "kappa_low", "kappa_high", "tolerance", "max_iterations"})
	enabled := false
	if v := f["enabled"]; !isNull(v) {
		enabled, _ = y.boolean(v, "frontier.enabled")
	}
	if !enabled {
		return
	}
	var missing []string
	for _, k := range []string{"kappa_low", "kappa_high", "tolerance", "max_iterations"} {
		if isNull(f[k]) {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		y.errorf(n, "frontier fields missing when frontier.enabled is true: %s", strings.Join(missing, ", "))
		return
	}
	fr := &sweep.Frontier{Cells: sweep.Grid{}}
	for i, sp := range ring.Sweepable() {
		if list, ok := grid[sp.Plural]; ok && i != ring.SweptKappa {
			fr.Cells[sp.Plural] = list
		}
	}
	low, okLow := y.floatDecimal(f["kappa_low"], "frontier.kappa_low")
	high, okHigh := y.floatDecimal(f["kappa_high"], "frontier.kappa_high")
	tol, okTol := y.floatDecimal(f["tolerance"], "frontier.tolerance")
	iters, okIters := y.integer(f["max_iterations"], "frontier.max_iterations")
	if okLow {
		fr.KappaLow = low.text
	}
	if okHigh {
		fr.KappaHigh = high.text
	}
	if okTol {
		fr.Tolerance = tol.text
	}
	if okIters {
		fr.MaxIterations = int(iters)
	}
	// Each rule's problem at its key.
	check := func(key string, msgs []string) {
		for _, msg := range msgs {
			y.errorf(f[key], "frontier.%s", msg)
		}
	}
	if okLow {
		check("kappa_low", sweep.CheckFrontier(low.d, nil, nil, 1))
	}
	if okLow && okHigh && low.d.Sign() > 0 {
		check("kappa_high", sweep.CheckFrontier(low.d, high.d, nil, 1))
	}
	if okTol {
		check("tolerance", sweep.CheckFrontier(nil, nil, tol.d, 1))
	}
	if okIters {
		if msg := sweep.CheckMaxIterations(iters); msg != "" {
			y.errorf(f["max_iterations"], "frontier.%s", msg)
		}
	}
	spec.Frontier = fr
}
