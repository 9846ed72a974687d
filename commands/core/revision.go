package core

import (
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"

	"github.com/bilancio-go/bilancio/internal/metrics"
	"github.com/bilancio-go/bilancio/internal/revision"
)

// RevisionFlagName is the flag that names the bilancio revision to
// reproduce, on every command that runs or generates something.
const RevisionFlagName = "bilancio-revision"

// AddRevisionFlag adds -bilancio-revision to fs.
func AddRevisionFlag(fs *flag.FlagSet, p *string) {
	fs.StringVar(p, RevisionFlagName, "", "the bilancio revision whose rules to reproduce: "+
		strings.Join(revision.Names(), ", ")+" (default "+revision.Default+"); bilancio version -revisions lists what each changes, and the flags of single rules (-kappa-rule, -dealer-era, -detailed-logging) override it")
}

// flagsSet returns the names of the flags given on the command line.
func flagsSet(fs *flag.FlagSet) map[string]bool {
	set := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	return set
}

// OptBool is a boolean flag that remembers whether it was given, for a
// default that depends on other flags (the revision's).
type OptBool struct{ value, set bool }

// String implements flag.Value.
func (b *OptBool) String() string {
	if b == nil {
		return "false"
	}
	return strconv.FormatBool(b.value)
}

// Set implements flag.Value.
func (b *OptBool) Set(s string) error {
	v, err := strconv.ParseBool(s)
	if err != nil {
		return errors.New("parse error")
	}
	b.value, b.set = v, true
	return nil
}

// IsBoolFlag makes -name alone mean true.
func (b *OptBool) IsBoolFlag() bool { return true }

// Given says whether the flag was given.
func (b *OptBool) Given() bool { return b.set }

// Or returns the flag's value if it was given, else def.
func (b *OptBool) Or(def bool) bool {
	if b.set {
		return b.value
	}
	return def
}

// renderRevisions is `bilancio version -revisions`: each revision with its
// rules, what it changes from the one before, and the recorded experiments
// it reproduces.
func renderRevisions() string {
	var b strings.Builder
	b.WriteString("bilancio revisions (-bilancio-revision NAME; bilancio_revision in sweep files):\n")
	for _, r := range revision.All() {
		def := ""
		if r.Name == revision.Default {
			def = "  [default]"
		}
		fmt.Fprintf(&b, "\n%s  %s: %s%s\n", r.Name, r.Date, r.Title, def)
		fmt.Fprintf(&b, "  bilancio commits: %s\n", strings.Join(r.Commits, ", "))
		dealerText := "none (refused)"
		if r.HasDealer() {
			dealerText = string(r.Dealer) + " era"
		}
		summary := "0"
		if r.SummaryRule == metrics.ZeroIsNone {
			summary = "None (empty)"
		}
		fmt.Fprintf(&b, "  rules: kappa %s, generator %s, zero phi/delta totals %s, dealer %s, detailed logging %s\n",
			r.KappaRule, r.Generator, summary, dealerText, map[bool]string{true: "on", false: "off"}[r.DetailedLogging])
		b.WriteString("  changes:\n")
		for _, c := range r.Changes {
			fmt.Fprintf(&b, "    - %s\n", c)
		}
		b.WriteString("  reproduces:\n")
		for _, e := range r.Reproduces {
			fmt.Fprintf(&b, "    - %s\n", e)
		}
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// Negation is bilancio's spelling of a boolean option's negation (click's
// --NAME/--no-NAME): giving -no-NAME sets NAME to false.
type Negation struct{ Target flag.Value }

// String implements flag.Value.
func (n Negation) String() string { return "false" }

// Set implements flag.Value.
func (n Negation) Set(s string) error {
	v, err := strconv.ParseBool(s)
	if err != nil {
		return errors.New("parse error")
	}
	return n.Target.Set(strconv.FormatBool(!v))
}

// IsBoolFlag makes -no-NAME alone mean true.
func (n Negation) IsBoolFlag() bool { return true }

// AddNegations defines -no-NAME for every boolean flag of fs that lacks
// one, so that a bilancio command line (--no-grid, --no-frontier,
// --no-detailed-logging, --no-t-account, …) works as written. The
// negations have no usage text: Usage() leaves them out and says once that
// they exist.
func AddNegations(fs *flag.FlagSet) {
	var bools []*flag.Flag
	fs.VisitAll(func(f *flag.Flag) {
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() && !strings.HasPrefix(f.Name, "no-") {
			bools = append(bools, f)
		}
	})
	for _, f := range bools {
		if fs.Lookup("no-"+f.Name) == nil {
			fs.Var(Negation{Target: f.Value}, "no-"+f.Name, "")
		}
	}
}
