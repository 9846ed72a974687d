package engine

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// The schema walk: every key of bilancio's scenario models (its
// config/models.py, as of every revision up to b6885723) is listed in
// testdata/schema/bilancio_keys.tsv with the date it appeared. Each has a
// rule here, and the test proves the rule on the loader: no key bilancio
// honours is accepted and ignored.
//
//   - honoured: set to the sample, the scenario loads and the loaded
//     scenario differs from the base one (positions aside): the loader read
//     the value and kept it for the engine;
//   - inert: bilancio validates it and never uses it (nor does this
//     engine): the sample loads, and the invalid value is refused, as
//     bilancio refuses it;
//   - refused: the key is honoured by bilancio and not implemented here:
//     the sample is refused with the key's position, its path, "not
//     implemented" and the date bilancio introduced it, while the neutral
//     value (the one that changes nothing) loads;
//   - checked: only one value is valid (version 1, an action's own name):
//     the invalid value is refused and the neutral one loads;
//   - container: a mapping or list whose keys are walked themselves.
type keyRule struct {
	class   string
	sample  string // YAML flow value
	invalid string // YAML flow value refused (inert, checked)
	neutral string // YAML flow value accepted (refused, checked)
	with    map[string]string
}

const (
	ruleHonoured  = "honoured"
	ruleInert     = "inert"
	ruleRefused   = "refused"
	ruleChecked   = "checked"
	ruleContainer = "container"
)

// actionSamples are, per action kind, a sample for each of its fields.
func actionSamples() map[string]map[string]string {
	return map[string]map[string]string{
		"mint_reserves":              {"to": "B2", "amount": "7", "alias": "RX"},
		"mint_cash":                  {"to": "H2", "amount": "7", "alias": "CX"},
		"transfer_reserves":          {"from_bank": "B2", "to_bank": "B1", "amount": "7"},
		"transfer_cash":              {"from_agent": "H2", "to_agent": "H1", "amount": "7"},
		"deposit_cash":               {"customer": "H2", "bank": "B2", "amount": "7"},
		"withdraw_cash":              {"customer": "H2", "bank": "B2", "amount": "7"},
		"client_payment":             {"payer": "H2", "payee": "H1", "amount": "7"},
		"create_stock":               {"owner": "H1", "sku": "X", "quantity": "7", "unit_price": "3"},
		"transfer_stock":             {"from_agent": "H1", "to_agent": "H2", "sku": "X", "quantity": "2"},
		"create_delivery_obligation": {"from": "H1", "to": "F1", "sku": "X", "quantity": "2", "unit_price": "3", "due_day": "5", "alias": "DX"},
		"create_payable":             {"from": "H2", "to": "F1", "amount": "7", "due_day": "5", "alias": "PX"},
		"transfer_claim":             {"contract_alias": "DO1", "contract_id": "PAY_000000000001", "to_agent": "H1"},
	}
}

// keyRules returns the rule of every key of bilancio's scenario schema.
func keyRules() map[string]keyRule {
	h := func(sample string) keyRule { return keyRule{class: ruleHonoured, sample: sample} }
	inert := func(sample, invalid string) keyRule {
		return keyRule{class: ruleInert, sample: sample, invalid: invalid}
	}
	dealerOn := map[string]string{"dealer.enabled": "true", "dealer.risk_assessment": "{enabled: false}"}
	buckets := map[string]string{"dealer.enabled": "true", "dealer.risk_assessment": "{enabled: false}", "dealer.buckets": "{short: {tau_min: 1, tau_max: 3}}"}
	r := map[string]keyRule{
		"version":                   {class: ruleChecked, invalid: "2", neutral: "1"},
		"name":                      h("other"),
		"description":               h("other"),
		"policy_overrides":          {class: ruleContainer},
		"policy_overrides.mop_rank": h("{household: [cash]}"),
		"dealer":                    {class: ruleContainer},
		"dealer.enabled":            {class: ruleHonoured, sample: "true", with: map[string]string{"dealer.risk_assessment": "{enabled: false}"}},
		"dealer.ticket_size":        {class: ruleHonoured, sample: "5", with: dealerOn},
		"dealer.buckets":            {class: ruleContainer},
		"dealer.buckets.*.tau_min":  {class: ruleHonoured, with: buckets, sample: "2"},
		"dealer.buckets.*.tau_max":  {class: ruleHonoured, with: buckets, sample: "20"},
		"dealer.buckets.*.M":        {class: ruleHonoured, with: buckets, sample: "0.9"},
		"dealer.buckets.*.O":        {class: ruleHonoured, with: buckets, sample: "0.5"},
		"dealer.dealer_share":       {class: ruleHonoured, sample: "0.1", with: dealerOn},
		"dealer.vbt_share":          {class: ruleHonoured, sample: "0.1", with: dealerOn},
		"dealer.order_flow":         {class: ruleContainer},
		// bilancio validates these and never reads them (spec/dealer.md §1.1).
		"dealer.order_flow.pi_sell":      inert("0.7", "2"),
		"dealer.order_flow.N_max":        inert("5", "0"),
		"dealer.trader_policy":           {class: ruleContainer},
		"dealer.trader_policy.horizon_H": inert("5", "0"),
		"dealer.trader_policy.buffer_B":  inert("2", "-1"),
		"dealer.risk_assessment":         {class: ruleRefused, sample: "{lookback_window: 3}", neutral: "{enabled: false}", with: map[string]string{"dealer.enabled": "true"}},
		"dealer.risk_assessment.enabled": {class: ruleRefused, sample: "true", neutral: "false", with: map[string]string{"dealer.enabled": "true"}},
		// With enabled: false they change nothing; their values are validated.
		"dealer.risk_assessment.lookback_window":        inert("3", "0"),
		"dealer.risk_assessment.smoothing_alpha":        inert("2", "0"),
		"dealer.risk_assessment.base_risk_premium":      inert("0.05", "-1"),
		"dealer.risk_assessment.urgency_sensitivity":    inert("0.2", "-1"),
		"dealer.risk_assessment.use_issuer_specific":    inert("true", "maybe"),
		"dealer.risk_assessment.buy_premium_multiplier": inert("3", "0"),
		"balanced_dealer":         {class: ruleRefused, sample: "{enabled: true}", neutral: "{}"},
		"balanced_dealer.enabled": {class: ruleRefused, sample: "true", neutral: "false"},
		// balanced_dealer's fields change nothing while it is off; validated.
		"balanced_dealer.face_value":              inert("30", "0"),
		"balanced_dealer.outside_mid_ratio":       inert("0.5", "2"),
		"balanced_dealer.big_entity_share":        inert("0.5", "1"),
		"balanced_dealer.vbt_share_per_bucket":    inert("0.5", "0"),
		"balanced_dealer.dealer_share_per_bucket": inert("0.5", "1"),
		"balanced_dealer.rollover_enabled":        inert("false", "maybe"),
		"balanced_dealer.mode":                    inert("passive", "lazy"),
		"agents":                                  {class: ruleContainer},
		"agents[].id":                             h("CB0"),
		"agents[].kind":                           h("bank"),
		"agents[].name":                           h("Another"),
		"initial_actions":                         {class: ruleContainer},
		"scheduled_actions":                       {class: ruleContainer},
		"scheduled_actions[].day":                 h("2"),
		"scheduled_actions[].action":              {class: ruleContainer},
		"run":                                     {class: ruleContainer},
		// bilancio's run command reads --mode, not run.mode; the sweep runner
		// always runs until stable (spec/engine.md §1.5). Kept and validated.
		"run.mode":                h("step"),
		"run.max_days":            h("20"),
		"run.quiet_days":          h("3"),
		"run.default_handling":    h("expel-agent"),
		"run.rollover_enabled":    {class: ruleRefused, sample: "true", neutral: "false"},
		"run.show":                {class: ruleContainer},
		"run.show.balances":       h("[H2]"),
		"run.show.events":         h("table"),
		"run.export":              {class: ruleContainer},
		"run.export.balances_csv": h("x.csv"),
		"run.export.events_jsonl": h("x.jsonl"),

		"generator:version":                     {class: ruleChecked, invalid: "2", neutral: "1"},
		"generator:generator":                   {class: ruleChecked, invalid: "ring_v2", neutral: "ring_explorer_v1"},
		"generator:name_prefix":                 h("Other"),
		"generator:params":                      {class: ruleContainer},
		"generator:params.n_agents":             h("6"),
		"generator:params.seed":                 h("43"),
		"generator:params.kappa":                h("2"),
		"generator:params.liquidity":            {class: ruleContainer},
		"generator:params.liquidity.total":      h("250"),
		"generator:params.liquidity.allocation": {class: ruleContainer},
		// agent and vector are read in their modes only, as in bilancio.
		"generator:params.liquidity.allocation.mode": {class: ruleHonoured, sample: "single_at",
			with: map[string]string{"generator:params.liquidity.allocation.agent": "H1"}},
		"generator:params.liquidity.allocation.agent": {class: ruleHonoured, sample: "H3",
			with: map[string]string{"generator:params.liquidity.allocation.mode": "single_at", "generator:params.liquidity.allocation.agent": "H1"}},
		"generator:params.liquidity.allocation.vector": {class: ruleHonoured, sample: "[1, 1, 1, 1, 2]",
			with: map[string]string{"generator:params.liquidity.allocation.mode": "vector", "generator:params.liquidity.allocation.vector": "[1, 1, 1, 1, 1]"}},
		"generator:params.inequality":               {class: ruleContainer},
		"generator:params.inequality.scheme":        {class: ruleChecked, invalid: "gamma", neutral: "dirichlet"},
		"generator:params.inequality.concentration": h("0.5"),
		"generator:params.inequality.monotonicity":  h("1"),
		"generator:params.maturity":                 {class: ruleContainer},
		"generator:params.maturity.days":            h("5"),
		"generator:params.maturity.mode":            {class: ruleChecked, invalid: "lead", neutral: "lead_lag"},
		"generator:params.maturity.mu":              h("0.5"),
		// bilancio's compiler does not use the currency (spec/engine.md §10.1).
		"generator:params.currency":                  inert("EUR", "[1]"),
		"generator:params.Q_total":                   h("600"),
		"generator:params.policy_overrides":          {class: ruleContainer},
		"generator:params.policy_overrides.mop_rank": h("{household: [cash]}"),
		"generator:compile":                          {class: ruleContainer},
		// out_dir matters only when the compiled scenario is written.
		"generator:compile.out_dir":   {class: ruleHonoured, sample: "elsewhere", with: map[string]string{"generator:compile.emit_yaml": "true"}},
		"generator:compile.emit_yaml": h("true"),
	}
	for kind, fields := range actionSamples() {
		for _, prefix := range []string{"initial_actions[].", "scheduled_actions[].action."} {
			r[prefix+kind] = keyRule{class: ruleContainer}
			r[prefix+kind+".action"] = keyRule{class: ruleChecked, invalid: "other", neutral: kind}
			for field, sample := range fields {
				r[prefix+kind+"."+field] = h(sample)
			}
		}
	}
	for _, prefix := range []string{"initial_actions[].", "scheduled_actions[].action."} {
		r[prefix+"create_payable.maturity_distance"] = keyRule{class: ruleRefused, sample: "9", neutral: "1"}
	}
	return r
}

// schemaKey is a line of bilancio_keys.tsv.
type schemaKey struct{ path, since, commit string }

func readSchemaKeys(t *testing.T) []schemaKey {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "schema", "bilancio_keys.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var keys []schemaKey
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.Split(line, "\t")
		if len(parts) != 3 {
			t.Fatalf("bilancio_keys.tsv: bad line %q", line)
		}
		keys = append(keys, schemaKey{parts[0], parts[1], parts[2]})
	}
	return keys
}

// yamlPath sets path (dotted; "x[]" is the list's element holding the next
// segment, or its first; "*" a mapping's first key) in root to the YAML
// flow value, creating mappings that are missing.
func yamlPath(t *testing.T, root *yaml.Node, path, value string) {
	t.Helper()
	var v yaml.Node
	if err := yaml.Unmarshal([]byte(value), &v); err != nil {
		t.Fatalf("%s: value %q: %v", path, value, err)
	}
	val := v.Content[0]
	segs := strings.Split(path, ".")
	n := root
	for i, seg := range segs {
		list := strings.HasSuffix(seg, "[]")
		seg = strings.TrimSuffix(seg, "[]")
		last := i == len(segs)-1 && !list
		if seg == "*" {
			if n.Kind != yaml.MappingNode || len(n.Content) == 0 {
				t.Fatalf("%s: no mapping entry for *", path)
			}
			n = n.Content[1]
			continue
		}
		if n.Kind != yaml.MappingNode {
			t.Fatalf("%s: %s is not in a mapping", path, seg)
		}
		var child *yaml.Node
		for j := 0; j+1 < len(n.Content); j += 2 {
			if n.Content[j].Value == seg {
				child = n.Content[j+1]
				if last {
					n.Content[j+1] = val
				}
			}
		}
		if last {
			if child == nil {
				n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: seg}, val)
			}
			return
		}
		if child == nil {
			child = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
			n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: seg}, child)
		}
		if list {
			if child.Kind != yaml.SequenceNode || len(child.Content) == 0 {
				t.Fatalf("%s: %s is not a list", path, seg)
			}
			next := ""
			if i+1 < len(segs) {
				next = strings.TrimSuffix(segs[i+1], "[]")
			}
			pick := child.Content[0]
			for _, el := range child.Content {
				if hasKey(el, next) {
					pick = el
					break
				}
			}
			// scheduled_actions[].action.KIND: the element whose action is KIND.
			if next == "action" && i+2 < len(segs) {
				for _, el := range child.Content {
					if a := mapValue(el, "action"); a != nil && hasKey(a, segs[i+2]) {
						pick = el
						break
					}
				}
			}
			child = pick
		}
		n = child
	}
}

func hasKey(n *yaml.Node, key string) bool { return mapValue(n, key) != nil }

func mapValue(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for j := 0; j+1 < len(n.Content); j += 2 {
		if n.Content[j].Value == key {
			return n.Content[j+1]
		}
	}
	return nil
}

// zeroPositions clears every Pos of a loaded scenario, and its compiled
// text, so that scenarios compare by content.
func zeroPositions(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			zeroPositions(v.Elem())
		}
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[Pos]() {
			v.Set(reflect.Zero(v.Type()))
			return
		}
		for i := range v.NumField() {
			if f := v.Field(i); f.CanSet() {
				zeroPositions(f)
			}
		}
	case reflect.Slice:
		for i := range v.Len() {
			zeroPositions(v.Index(i))
		}
	}
}

// loadVariant loads the base file with the settings applied.
func loadVariant(t *testing.T, base []byte, sets [][2]string) (*Scenario, error) {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal(base, &doc); err != nil {
		t.Fatal(err)
	}
	for _, s := range sets {
		yamlPath(t, doc.Content[0], strings.TrimPrefix(s[0], "generator:"), s[1])
	}
	out, err := yaml.Marshal(&doc)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := Load("walk.yaml", out)
	if sc != nil {
		sc.Notes = nil
		zeroPositions(reflect.ValueOf(sc))
	}
	return sc, err
}

// TestNoBilancioKeyIgnored walks bilancio's scenario schema: every key has
// a rule, and the loader follows it.
func TestNoBilancioKeyIgnored(t *testing.T) {
	keys := readSchemaKeys(t)
	rules := keyRules()
	if len(keys) < 150 {
		t.Fatalf("only %d keys in bilancio_keys.tsv", len(keys))
	}
	files := map[bool][]byte{}
	for gen, name := range map[bool]string{false: "base.yaml", true: "generator.yaml"} {
		b, err := os.ReadFile(filepath.Join("testdata", "schema", name))
		if err != nil {
			t.Fatal(err)
		}
		files[gen] = b
	}
	listed := map[string]bool{}
	counts := map[string]int{}
	for _, k := range keys {
		listed[k.path] = true
		rule, ok := rules[k.path]
		if !ok {
			t.Errorf("%s (bilancio %s): no rule: say whether the engine honours it, refuses it or bilancio ignores it", k.path, k.since)
			continue
		}
		counts[rule.class]++
		if rule.class == ruleContainer {
			continue
		}
		t.Run(k.path, func(t *testing.T) {
			base := files[strings.HasPrefix(k.path, "generator:")]
			var with [][2]string
			for p, v := range rule.with {
				with = append(with, [2]string{p, v})
			}
			slices.SortFunc(with, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
			ref, err := loadVariant(t, base, with)
			if err != nil {
				t.Fatalf("base scenario: %v", err)
			}
			set := func(v string) [][2]string { return append(slices.Clone(with), [2]string{k.path, v}) }
			switch rule.class {
			case ruleHonoured:
				sc, err := loadVariant(t, base, set(rule.sample))
				if err != nil {
					t.Fatalf("sample %s refused: %v", rule.sample, err)
				}
				if reflect.DeepEqual(sc, ref) {
					t.Errorf("sample %s loads to the same scenario: the key is accepted and ignored", rule.sample)
				}
			case ruleInert:
				if _, err := loadVariant(t, base, set(rule.sample)); err != nil {
					t.Errorf("sample %s refused: %v", rule.sample, err)
				}
				if _, err := loadVariant(t, base, set(rule.invalid)); err == nil {
					t.Errorf("invalid value %s accepted", rule.invalid)
				}
			case ruleChecked:
				if _, err := loadVariant(t, base, set(rule.neutral)); err != nil {
					t.Errorf("valid value %s refused: %v", rule.neutral, err)
				}
				if _, err := loadVariant(t, base, set(rule.invalid)); err == nil {
					t.Errorf("invalid value %s accepted", rule.invalid)
				}
			case ruleRefused:
				if _, err := loadVariant(t, base, set(rule.neutral)); err != nil {
					t.Errorf("neutral value %s refused: %v", rule.neutral, err)
				}
				_, err := loadVariant(t, base, set(rule.sample))
				le, ok := err.(*LoadError)
				path := strings.ReplaceAll(strings.TrimSuffix(k.path, ".enabled"), "[]", "")
				path = regexp.MustCompile(`\.action\.`).ReplaceAllString(path, ".")
				if !ok || le.Line == 0 || !strings.Contains(le.Msg, "not implemented") || !strings.Contains(le.Msg, k.since) ||
					!strings.Contains(le.Msg, lastSegment(path)) {
					t.Errorf("sample %s: %v; want a positioned refusal naming %s and %s", rule.sample, err, lastSegment(path), k.since)
				}
			default:
				t.Fatalf("unknown rule class %q", rule.class)
			}
		})
	}
	for p := range rules {
		if !listed[p] {
			t.Errorf("rule for %s, which is not a key of bilancio's schema", p)
		}
	}
	t.Logf("%d keys: %v", len(keys), counts)
}

func lastSegment(p string) string {
	if i := strings.LastIndex(p, "."); i >= 0 {
		return p[i+1:]
	}
	return p
}

// TestBilancioKeysFromSource checks bilancio_keys.tsv against bilancio's
// own models: it lists every key of config/models.py of every revision, with
// the date and commit of the first revision that had it. It needs
// bilancio's git directory (BILANCIO_SOURCE) and runs at development time;
// -update-keys rewrites the file.
func TestBilancioKeysFromSource(t *testing.T) {
	src := os.Getenv("BILANCIO_SOURCE")
	if src == "" {
		t.Skip("set BILANCIO_SOURCE to bilancio's git directory to check bilancio_keys.tsv against its models")
	}
	git := func(args ...string) string {
		out, err := exec.Command("git", append([]string{"--git-dir", src}, args...)...).Output()
		if err != nil {
			t.Fatalf("git %v: %v", args, err)
		}
		return string(out)
	}
	var got []schemaKey
	seen := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(git("log", "--reverse", "--format=%h %ad", "--date=short", "--", "src/bilancio/config/models.py")), "\n") {
		commit, date, _ := strings.Cut(line, " ")
		for _, p := range modelKeys(git("show", commit+":src/bilancio/config/models.py")) {
			if !seen[p] {
				seen[p] = true
				got = append(got, schemaKey{p, date, commit})
			}
		}
	}
	head := map[string]bool{}
	for _, p := range modelKeys(git("show", "HEAD:src/bilancio/config/models.py")) {
		head[p] = true
	}
	for _, k := range got {
		if !head[k.path] {
			t.Errorf("%s (since %s) is gone from bilancio's HEAD; decide what the engine does with it", k.path, k.since)
		}
	}
	var b strings.Builder
	b.WriteString("# Every key of bilancio's scenario models (src/bilancio/config/models.py),\n# with the date and commit of the first revision that had it. Generated by\n# TestBilancioKeysFromSource from bilancio's repository (BILANCIO_SOURCE);\n# \"generator:\" marks the keys of a generator spec.\n")
	for _, k := range got {
		fmt.Fprintf(&b, "%s\t%s\t%s\n", k.path, k.since, k.commit)
	}
	path := filepath.Join("testdata", "schema", "bilancio_keys.tsv")
	if os.Getenv("BILANCIO_UPDATE_KEYS") != "" {
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(want) != b.String() {
		t.Errorf("%s differs from bilancio's models (BILANCIO_UPDATE_KEYS=1 rewrites it):\n%s", path, b.String())
	}
}

var (
	classRE = regexp.MustCompile(`^class (\w+)\(BaseModel\):`)
	fieldRE = regexp.MustCompile(`^    (\w+): ([^=]+?)(?:\s*=\s*(.*))?$`)
	aliasRE = regexp.MustCompile(`alias="(\w+)"`)
	wordRE  = regexp.MustCompile(`\w+`)
	litRE   = regexp.MustCompile(`Literal\["(\w+)"\]`)
)

// modelKeys lists the key paths of bilancio's models.py: ScenarioConfig's,
// with initial actions and scheduled actions expanded per action model (the
// models whose `action` field is a Literal), and, prefixed "generator:",
// RingExplorerGeneratorConfig's.
func modelKeys(src string) []string {
	type field struct{ key, typ, def string }
	classes := map[string][]field{}
	var order []string
	var cur string
	lines := strings.Split(src, "\n")
	for i, line := range lines {
		if m := classRE.FindStringSubmatch(line); m != nil {
			cur = m[1]
			classes[cur] = nil
			order = append(order, cur)
			continue
		}
		if line != "" && line[0] != ' ' {
			cur = ""
		}
		m := fieldRE.FindStringSubmatch(line)
		if cur == "" || m == nil {
			continue
		}
		key, typ, def := m[1], strings.TrimSpace(m[2]), m[3]
		tail := line
		if i+3 < len(lines) && strings.HasSuffix(strings.TrimSpace(line), "(") {
			tail += strings.Join(lines[i+1:i+4], " ")
		}
		if a := aliasRE.FindStringSubmatch(tail); a != nil && strings.Contains(tail, "Field(") {
			key = a[1]
		}
		classes[cur] = append(classes[cur], field{key, typ, def})
	}
	var actions []string
	for _, c := range order {
		for _, f := range classes[c] {
			if f.key == "action" {
				if l := litRE.FindStringSubmatch(f.typ); l != nil {
					actions = append(actions, c)
				}
			}
		}
	}
	actionName := func(c string) string {
		for _, f := range classes[c] {
			if f.key == "action" {
				return litRE.FindStringSubmatch(f.typ)[1]
			}
		}
		return ""
	}
	var out []string
	var walk func(cls, prefix string)
	walkActions := func(prefix string) {
		for _, a := range actions {
			out = append(out, prefix+actionName(a))
			for _, f := range classes[a] {
				out = append(out, prefix+actionName(a)+"."+f.key)
			}
		}
	}
	walk = func(cls, prefix string) {
		for _, f := range classes[cls] {
			p := prefix + f.key
			out = append(out, p)
			switch {
			case f.key == "initial_actions":
				walkActions(p + "[].")
				continue
			case cls == "ScheduledAction" && f.key == "action":
				walkActions(p + ".")
				continue
			}
			for _, ref := range wordRE.FindAllString(f.typ, -1) {
				if _, ok := classes[ref]; !ok || slices.Contains(actions, ref) {
					continue
				}
				switch {
				case strings.HasPrefix(f.typ, "List["):
					walk(ref, p+"[].")
				case strings.Contains(f.typ, "Dict[str, "+ref):
					walk(ref, p+".*.")
				default:
					walk(ref, p+".")
				}
			}
		}
	}
	walk("ScenarioConfig", "")
	if _, ok := classes["RingExplorerGeneratorConfig"]; ok {
		walk("RingExplorerGeneratorConfig", "generator:")
	}
	return out
}
