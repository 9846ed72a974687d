package sweep

import (
	"cmp"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/bilancio-go/bilancio/internal/engine"
	"github.com/bilancio-go/bilancio/internal/pynum"
	"github.com/bilancio-go/bilancio/internal/pyyaml"
	"github.com/bilancio-go/bilancio/internal/ring"
	"github.com/bilancio-go/bilancio/internal/store"
)

// Kinds of paired sweeps (Paired.Kind).
const (
	// KindComparison is bilancio's `sweep comparison` (spec/dealer.md §11):
	// a control arm without dealer and a treatment arm with one.
	KindComparison = "comparison"
	// KindBalanced is bilancio's `sweep balanced` (spec/dealer.md §12): a
	// passive and an active arm of the balanced ring.
	KindBalanced = "balanced"
)

// Arm roles, in arm order: the first arm of a pair runs without dealer
// trading, the second with it.
const (
	ArmControl   = "control"
	ArmTreatment = "treatment"
	ArmPassive   = "passive"
	ArmActive    = "active"
)

// ArmRoles returns the roles of a paired sweep kind's two arms, without
// dealer first ("control", "treatment" or "passive", "active").
func ArmRoles(kind string) ([2]string, error) {
	switch kind {
	case KindComparison:
		return [2]string{ArmControl, ArmTreatment}, nil
	case KindBalanced:
		return [2]string{ArmPassive, ArmActive}, nil
	}
	return [2]string{}, fmt.Errorf("unknown paired sweep kind %q (comparison or balanced)", kind)
}

// Defaults of bilancio's paired sweep commands.
const (
	// DefaultComparisonPrefix and DefaultBalancedPrefix start the arms'
	// scenario names (" (Control)" and so on are appended).
	DefaultComparisonPrefix = "Dealer Comparison"
	DefaultBalancedPrefix   = "Balanced Comparison"
	// The treatment arm's dealer block (bilancio's CLI defaults, as the
	// floats it reads them as).
	DefaultTicketSize  = "1.0"
	DefaultDealerShare = "0.25"
	DefaultVBTShare    = "0.5"
	// The balanced ring's face value and big-entity share, and the active
	// arm's VBT share (Decimals in bilancio).
	DefaultFaceValue        = "20"
	DefaultBigEntityShare   = "0.25"
	DefaultBalancedVBTShare = "0.50"
)

// Paired is what makes a sweep a paired one. Decimal settings are texts as
// bilancio records them (str of the Decimal or float it was given).
type Paired struct {
	// Kind is KindComparison or KindBalanced.
	Kind string
	// TicketSize, DealerShare and VBTShare are the comparison treatment's
	// dealer block: {enabled: true, ticket_size: int(TicketSize),
	// dealer_share: 'DealerShare', vbt_share: 'VBTShare'}. The balanced
	// active arm uses VBTShare too (default 0.50); its ticket size is the
	// face value and its dealer share 0.
	TicketSize, DealerShare, VBTShare string `json:",omitempty"`
	// FaceValue, BigEntityShare (β) and OutsideMidRatios (the ρ values, the
	// outermost loop) are the balanced ring's settings.
	FaceValue, BigEntityShare string   `json:",omitempty"`
	OutsideMidRatios          []string `json:",omitempty"`
	// DetailedLogging asks the active arm's runs for the detailed dealer
	// CSV files.
	DetailedLogging bool `json:",omitempty"`
	// EmulateDisplayTruncation makes the dealer arm's runs stop where
	// bilancio's display bug stopped them (spec/dealer.md §14), to
	// regenerate its recorded, damaged results; off by default.
	EmulateDisplayTruncation bool `json:",omitempty"`
	// Executors are the arms' executors, without dealer first; an arm
	// whose Name is empty runs on the sweep's Executor. Both arms may run on
	// different executors: runs pair up by their grid point.
	Executors [2]ExecutorRef
}

// Arm is the part of an arm's spec that says which arm it is.
type Arm struct {
	// Kind is the paired sweep's kind, Role the arm's (ArmControl, ...),
	// and Index 0 for the arm without dealer, 1 for the other.
	Kind  string
	Role  string
	Index int
	// ExperimentID is the arm's experiment id: the paired sweep's, "_" and
	// the role.
	ExperimentID string
	// Settings are the paired sweep's settings (without the executors).
	Settings Paired
}

// Phase is the arm's phase: the registry's phase column and its runs' id
// prefix (comparison_control, balanced_active, ...).
func (a *Arm) Phase() string { return a.Kind + "_" + a.Role }

// armSettings are an arm's parsed settings.
type armSettings struct {
	*Arm
	dealer     bool
	dealerNode pyyaml.Node // the comparison treatment's dealer block
	balanced   bool
	mode       ring.BalancedMode
	face, beta *pynum.Amount
	vbtShare   *pynum.Amount
	rhos       []*pynum.Amount
}

// armIdentity is what an arm adds to the ring fingerprint.
type armIdentity struct {
	Kind, Role                        string
	TicketSize, DealerShare, VBTShare string
	FaceValue, BigEntityShare         string
	DetailedLogging                   bool
}

// armIdentity returns the arm's part of the ring fingerprint (nil for a
// plain sweep, which keeps plain sweeps' fingerprints as they were).
func (p *Plan) armIdentity() *armIdentity {
	a := p.arm
	if a == nil {
		return nil
	}
	s := a.Settings
	return &armIdentity{
		Kind: a.Kind, Role: a.Role, TicketSize: s.TicketSize, DealerShare: s.DealerShare, VBTShare: s.VBTShare,
		FaceValue: s.FaceValue, BigEntityShare: s.BigEntityShare, DetailedLogging: s.DetailedLogging && a.dealer,
	}
}

// parseArm checks an arm's settings and applies them to the ring settings
// (the active arm's detailed logging option). It returns nil for a plain
// sweep.
func parseArm(s *Spec, rs *ringSettings, bad func(string, ...any)) *armSettings {
	if s.Arm == nil {
		return nil
	}
	a := &armSettings{Arm: s.Arm, dealer: s.Arm.Index == 1}
	roles, err := ArmRoles(a.Kind)
	if err != nil {
		bad("%v", err)
		return nil
	}
	if a.Index < 0 || a.Index > 1 || roles[a.Index] != a.Role {
		bad("%s sweep: arm %d is %q, not %q", a.Kind, a.Index, roles[min(max(a.Index, 0), 1)], a.Role)
	}
	if s.LHS != nil || s.Frontier != nil {
		bad("a %s sweep runs a grid only (no lhs or frontier)", a.Kind)
	}
	if s.Grid == nil {
		bad("a %s sweep needs a grid", a.Kind)
	}
	set := a.Settings
	rev := rs.revision
	switch {
	case a.dealer && !rev.HasDealer():
		bad("%s sweep: bilancio %s has no dealer (it arrived on 2025-11-25); choose bilancio_revision 2025-11-29 or later", a.Kind, rev.Name)
	case a.Kind == KindBalanced && rev.RiskAssessmentByDefault:
		bad("balanced sweep: bilancio %s's balanced comparison is Plan 024's (VBT and dealer households holding claims, rollover, risk assessment), which this engine does not implement; choose bilancio_revision 2025-12", rev.Name)
	case a.dealer && rev.RiskAssessmentByDefault:
		bad("%s sweep: bilancio %s's treatment runs trade with risk assessment, which this engine does not implement; choose bilancio_revision 2025-12 (or earlier)", a.Kind, rev.Name)
	case a.Kind == KindBalanced && !rev.BalancedSweeps:
		bad("balanced sweep: bilancio %s has no balanced comparison (it arrived on 2025-12-04); choose bilancio_revision 2025-12", rev.Name)
	}
	if a.dealer && rev.Dealer == engine.DealerDataEra {
		rs.options.DealerEra = string(engine.DealerDataEra)
	}
	dec := func(name, text string, positive bool) *pynum.Amount {
		d, err := ring.ParseDecimal(text)
		if err != nil {
			bad("%s: %v", name, err)
			return nil
		}
		if positive && d.Sign() <= 0 || d.Sign() < 0 {
			bad("%s must be > 0, got %s", name, text)
		}
		return &d
	}
	switch a.Kind {
	case KindComparison:
		ts := dec("dealer ticket_size", set.TicketSize, true)
		ds := dec("dealer_share", set.DealerShare, false)
		vs := dec("vbt_share", set.VBTShare, false)
		if ts != nil && ds != nil && vs != nil && a.dealer {
			n, err := intPart(ts)
			if err != nil || n < 1 {
				bad("dealer ticket_size must be at least 1, got %s", set.TicketSize)
			}
			a.dealerNode = pyyaml.Map(
				pyyaml.P("enabled", pyyaml.Bool(true)),
				pyyaml.P("ticket_size", pyyaml.Int(n)),
				pyyaml.P("dealer_share", pyyaml.Str(ds.String())),
				pyyaml.P("vbt_share", pyyaml.Str(vs.String())),
			)
		}
	case KindBalanced:
		a.balanced = true
		a.mode = ring.Passive
		if a.dealer {
			a.mode = ring.Active
		}
		a.face = dec("face_value", set.FaceValue, true)
		a.beta = dec("big_entity_share", set.BigEntityShare, true)
		if set.VBTShare != "" {
			a.vbtShare = dec("vbt_share", set.VBTShare, false)
		}
		if len(set.OutsideMidRatios) == 0 {
			bad("grid: outside_mid_ratios must list at least one value")
		}
		for _, t := range set.OutsideMidRatios {
			if d := dec("grid.outside_mid_ratios", t, true); d != nil {
				a.rhos = append(a.rhos, d)
			}
		}
		rs.options.DetailedLogging = set.DetailedLogging && a.dealer
	}
	rs.options.EmulateDisplayTruncation = set.EmulateDisplayTruncation && a.dealer
	return a
}

// intPart is Python's int() of a Decimal: its integer part, towards zero.
func intPart(d *pynum.Amount) (int64, error) {
	i, ok := d.Int64()
	if !ok {
		return 0, fmt.Errorf("%s: its integer part does not fit 64 bits", d)
	}
	return i, nil
}

// PairedKind is the kind of the paired sweep a plan was made for
// (KindComparison or KindBalanced), "" for a plain sweep or one arm.
func (p *Plan) PairedKind() string {
	if p.arms == 2 && p.arm != nil {
		return p.arm.Kind
	}
	return ""
}

// gridPhase is the phase of the grid's runs: the arm's for an arm.
func (p *Plan) gridPhase() string {
	if p.arm != nil {
		return p.arm.Phase()
	}
	return PhaseGrid
}

// rhos is the balanced sweep's outermost loop, a single nil for the others.
func (p *Plan) rhos() []*pynum.Amount {
	if p.arm != nil && p.arm.balanced {
		return p.arm.rhos
	}
	return []*pynum.Amount{nil}
}

// dealerEnabled is the registry's dealer_enabled column.
func (p *Plan) dealerEnabled() string {
	if p.arm != nil && p.arm.dealer {
		return "True"
	}
	return "False"
}

// generate builds a point's scenario: the ring, the balanced ring of an arm
// of a balanced sweep, and the dealer block of a comparison's treatment.
func (p *Plan) generate(pt Point) (*ring.Generated, error) {
	a := p.arm
	switch {
	case a != nil && a.balanced:
		bp := p.Params(pt)
		bp.Mode, bp.FaceValue, bp.BigEntityShare, bp.VBTShare = a.mode, a.face, a.beta, a.vbtShare
		return ring.GenerateBalanced(bp)
	case a != nil && a.dealer:
		g, err := ring.Generate(p.Params(pt).Params)
		if err != nil {
			return nil, err
		}
		g.Doc.Set("dealer", a.dealerNode)
		if g.YAML, err = pyyaml.Marshal(g.Doc); err != nil {
			return nil, fmt.Errorf("writing the treatment scenario: %w", err)
		}
		return g, nil
	}
	return ring.GenerateYAML(p.Params(pt).Params, p.heads)
}

// pairedDefaults fills a paired spec's unset settings with bilancio's
// defaults.
func pairedDefaults(s *Spec) Paired {
	ps := *s.Paired
	ps.Executors = [2]ExecutorRef{}
	switch ps.Kind {
	case KindComparison:
		ps.TicketSize = cmp.Or(ps.TicketSize, DefaultTicketSize)
		ps.DealerShare = cmp.Or(ps.DealerShare, DefaultDealerShare)
		ps.VBTShare = cmp.Or(ps.VBTShare, DefaultVBTShare)
	case KindBalanced:
		ps.FaceValue = cmp.Or(ps.FaceValue, DefaultFaceValue)
		ps.BigEntityShare = cmp.Or(ps.BigEntityShare, DefaultBigEntityShare)
		ps.VBTShare = cmp.Or(ps.VBTShare, DefaultBalancedVBTShare)
	}
	return ps
}

// armSpecs derives the two arms of a paired sweep, without their
// experiment ids and folders (see pairedLayout): each is a plain grid sweep
// of its own with the arm's phase, name prefix, scenario and executor.
func armSpecs(s *Spec) ([2]*Spec, [2]*Plan, error) {
	var specs [2]*Spec
	var plans [2]*Plan
	if s == nil || s.Paired == nil {
		return specs, plans, errors.New("sweep: not a paired sweep")
	}
	roles, err := ArmRoles(s.Paired.Kind)
	if err != nil {
		return specs, plans, fmt.Errorf("invalid sweep: %w", err)
	}
	settings := pairedDefaults(s)
	prefix := s.Ring.NamePrefix
	if prefix == "" || prefix == ring.DefaultNamePrefix {
		prefix = DefaultComparisonPrefix
		if s.Paired.Kind == KindBalanced {
			prefix = DefaultBalancedPrefix
		}
	}
	var errs []error
	for i, role := range roles {
		a := *s
		a.Paired = nil
		a.Source, a.Variables = nil, nil
		a.Name = a.Name + "_" + role
		a.Ring.NamePrefix = prefix + " (" + capitalize(role) + ")"
		if ex := s.Paired.Executors[i]; ex.Name != "" {
			a.Executor = ex
		}
		a.Arm = &Arm{Kind: s.Paired.Kind, Role: role, Index: i, Settings: settings}
		p, err := NewPlan(&a)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s arm: %w", role, err))
			continue
		}
		specs[i], plans[i] = &a, p
	}
	if len(errs) > 0 {
		return specs, plans, errors.Join(errs...)
	}
	return specs, plans, nil
}

// capitalize upper-cases a role's first letter.
func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// PairedExperimentID is the id of a paired sweep's experiment: its name
// made safe for a folder, else the kind and the control arm's fingerprint.
func PairedExperimentID(s *Spec, control *Plan) string {
	if s.ExperimentDir != "" {
		return filepath.Base(filepath.Clean(s.ExperimentDir))
	}
	if id := slug(s.Name); id != "" {
		return id
	}
	return s.Paired.Kind + "_" + control.Fingerprint()
}

// PairedDir is the folder of a paired sweep's experiment, as ExperimentDir
// is a plain sweep's.
func PairedDir(s *Spec, control *Plan, outDir string) string {
	if s.ExperimentDir != "" {
		return s.ExperimentDir
	}
	for _, d := range []string{outDir, s.OutDir, store.DefaultOutDir} {
		if d != "" {
			return filepath.Join(d, PairedExperimentID(s, control))
		}
	}
	return ""
}

// ArmSpecs returns the two arms of a paired sweep as the runner runs them,
// each with its experiment id and folder (<paired dir>/<role>).
func ArmSpecs(s *Spec, outDir string) (dir string, arms [2]*Spec, err error) {
	specs, plans, err := armSpecs(s)
	if err != nil {
		return "", arms, err
	}
	dir = PairedDir(s, plans[0], outDir)
	id := PairedExperimentID(s, plans[0])
	for _, a := range specs {
		a.Arm.ExperimentID = id + "_" + a.Arm.Role
		a.ExperimentDir = filepath.Join(dir, a.Arm.Role)
		a.OutDir = ""
	}
	return dir, specs, nil
}
