package sweep

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"

	"github.com/bilancio-go/bilancio/internal/pynum"
	"github.com/bilancio-go/bilancio/internal/ring"
	"github.com/bilancio-go/bilancio/sdk"
)

// EngineVersion names the behaviour of the engine, the artifact writers and
// the ring generator as far as a run's outputs are concerned. It is part of
// every run id: bump it when a change would alter the files a run writes, so
// that runs made before the change are not taken for runs made after it.
// (It is not the binary's version: rebuilding bilancio does not invalidate
// the runs of an experiment.)
const EngineVersion = "bilancio-go/engine-1"

// idHexLen is the number of hex digits of a run id's hash.
const idHexLen = 12

// RunID is a run's content-addressed id: prefix, "_", and the first 12 hex
// digits of a SHA-256 over the scenario bytes, the canonical JSON of the run
// options and the engine version. The same scenario run the same way by the
// same engine has the same id, whoever asks for it.
func RunID(prefix string, scenario []byte, opts sdk.RunOptions, engine string) string {
	return replicateRunID(prefix, scenario, opts, engine, 0)
}

// replicateRunID is RunID for a replicate of a point: from the second
// replicate on, the replicate's number is hashed after the scenario, so
// that two replicates are two runs even if their scenarios came out alike.
func replicateRunID(prefix string, scenario []byte, opts sdk.RunOptions, engine string, replicate int) string {
	h := sha256.New()
	h.Write([]byte("bilancio run v1\x00"))
	h.Write([]byte(engine))
	h.Write([]byte{0})
	h.Write(canonicalOptions(opts))
	h.Write([]byte{0})
	h.Write(scenario)
	if replicate > 0 {
		h.Write([]byte("\x00replicate\x00" + strconv.Itoa(replicate)))
	}
	var sum [sha256.Size]byte
	return prefix + "_" + hex.EncodeToString(h.Sum(sum[:0]))[:idHexLen]
}

// The canonical encoding. Run ids, plan fingerprints and point keys are
// hashes of the bytes below, and finished runs are found again by them, so
// these bytes must never change for a run or a sweep that exists. They are
// written here field by field, in an order fixed forever, rather than by
// json.Marshal of a type: renaming a field or a JSON tag of sdk.RunOptions
// or of Spec must not move an id. (The bytes are those json.Marshal gave
// for the types of the first release, so the ids of that release's runs
// hold; TestRunIdentityGolden pins them.)
//
// Adding a setting — a run option in sdk.RunOptions, a ring parameter, a
// design setting — keeps every existing id when it is encoded like this:
//   - it is appended after the members already written (never inserted
//     between them), with a name of its own;
//   - it is left out entirely when it has the value runs had before the
//     setting existed (its default), so that every run or sweep not using
//     it encodes to the very same bytes as before.
// TestCanonicalOptionsCoverEveryField fails until a new sdk.RunOptions
// field is encoded.

// canonicalOptions is the canonical encoding of a run's options: the JSON
// object {"max_days":…,"quiet_days":…,"has_quiet_days":…,
// "default_handling":…,"check_invariants":…,"html":…,"detailed_logging":…,
// "emulate_display_truncation":…}, each member left out when it is zero.
func canonicalOptions(o sdk.RunOptions) []byte {
	var e canonObject
	e.intOmitZero("max_days", int64(o.MaxDays))
	e.intOmitZero("quiet_days", int64(o.QuietDays))
	e.boolOmitFalse("has_quiet_days", o.HasQuietDays)
	e.strOmitEmpty("default_handling", o.DefaultHandling)
	e.strOmitEmpty("check_invariants", o.CheckInvariants)
	e.boolOmitFalse("html", o.HTML)
	e.boolOmitFalse("detailed_logging", o.DetailedLogging)
	e.boolOmitFalse("emulate_display_truncation", o.EmulateDisplayTruncation)
	// Left out at its default (everything kept), so that runs that keep
	// everything keep their ids.
	if o.Artifacts != "" && o.Artifacts != sdk.ArtifactsAll {
		e.strOmitEmpty("artifacts", o.Artifacts)
	}
	e.strOmitEmpty("summary_rule", o.SummaryRule)
	e.strOmitEmpty("dealer_era", o.DealerEra)
	return e.bytes()
}

// computeFingerprint hashes everything that decides the plan's runs: the ring
// settings, the designs, the seed mode, the run options and the engine
// version. Cached run ids are reused only under the same ring fingerprint
// (see pointKey); the plan fingerprint tells runs of this plan from runs an
// earlier version of the sweep asked for.
func (p *Plan) computeFingerprint() string {
	s := p.spec
	var e canonObject
	e.str("Ring", p.ringFingerprint())
	e.raw("Grid", canonGrid(s.Grid))
	e.raw("LHS", canonLHS(s.LHS))
	e.raw("Frontier", canonFrontier(s.Frontier))
	e.str("SeedMode", p.seedMode)
	if s.Replicates > 1 {
		e.int("Replicates", int64(s.Replicates))
	}
	sum := sha256.Sum256(e.bytes())
	return hex.EncodeToString(sum[:8])
}

// canonGrid encodes a grid design ("null" for none): its lists by
// parameter, bilancio's four always (null when absent), another only when
// the grid has it.
func canonGrid(g Grid) []byte {
	if g == nil {
		return []byte("null")
	}
	var e canonObject
	canonLists(&e, g, false)
	return e.bytes()
}

// canonLists writes a grid's or a frontier's lists (skipKappa: a
// frontier's cells).
func canonLists(e *canonObject, g Grid, skipKappa bool) {
	for _, p := range recordOrder() {
		if skipKappa && p.Name == "kappa" {
			continue
		}
		list, ok := g[p.Plural]
		if ok || p.Registry {
			e.strs(fieldName(p.Plural), list)
		}
	}
}

// canonLHS encodes a Latin hypercube design ("null" for none): its count
// and its ranges, bilancio's four always (empty when absent), another only
// when the design has it.
func canonLHS(l *LHS) []byte {
	if l == nil {
		return []byte("null")
	}
	var e canonObject
	e.int("Count", int64(l.Count))
	for _, p := range recordOrder() {
		r, ok := l.Ranges[p.Name]
		if !ok && !p.Registry {
			continue
		}
		var re canonObject
		re.str("Min", r.Min)
		re.str("Max", r.Max)
		e.raw(fieldName(p.Name), re.bytes())
	}
	return e.bytes()
}

// canonFrontier encodes a frontier design ("null" for none).
func canonFrontier(f *Frontier) []byte {
	if f == nil {
		return []byte("null")
	}
	var e canonObject
	canonLists(&e, f.Cells, true)
	e.str("KappaLow", f.KappaLow)
	e.str("KappaHigh", f.KappaHigh)
	e.str("Tolerance", f.Tolerance)
	e.int("MaxIterations", int64(f.MaxIterations))
	return e.bytes()
}

// ringFingerprint hashes what every run's scenario and options derive from,
// besides the point itself.
func (p *Plan) ringFingerprint() string {
	r := p.ring
	var e canonObject
	e.str("Engine", EngineVersion)
	e.int("NAgents", int64(r.NAgents))
	e.int("MaturityDays", int64(r.MaturityDays))
	e.str("QTotal", r.qTotal.String())
	e.str("LiquidityMode", r.LiquidityMode)
	e.str("LiquidityAgent", r.LiquidityAgent)
	e.str("DefaultHandling", r.DefaultHandling)
	e.str("NamePrefix", r.NamePrefix)
	e.str("KappaRule", string(r.kappaRule))
	e.int("BaseSeed", r.BaseSeed)
	e.int("MaxDays", int64(r.MaxDays))
	e.int("QuietDays", int64(r.QuietDays))
	e.bool("HasQuietDays", r.HasQuietDays)
	e.str("Options", string(canonicalOptions(r.options)))
	if a := p.armIdentity(); a != nil {
		var ae canonObject
		ae.str("Kind", a.Kind)
		ae.str("Role", a.Role)
		ae.str("TicketSize", a.TicketSize)
		ae.str("DealerShare", a.DealerShare)
		ae.str("VBTShare", a.VBTShare)
		ae.str("FaceValue", a.FaceValue)
		ae.str("BigEntityShare", a.BigEntityShare)
		ae.bool("DetailedLogging", a.DetailedLogging)
		e.raw("Arm", ae.bytes())
	}
	if r.generator != "" && r.generator != ring.Clamped {
		e.str("Generator", string(r.generator))
	}
	sum := sha256.Sum256(e.bytes())
	return hex.EncodeToString(sum[:16])
}

// canonObject writes a JSON object member by member, in the order asked.
type canonObject struct {
	b []byte
}

// key starts a member.
func (e *canonObject) key(k string) {
	if len(e.b) == 0 {
		e.b = append(e.b, '{')
	} else {
		e.b = append(e.b, ',')
	}
	e.b = appendJSONString(e.b, k)
	e.b = append(e.b, ':')
}

func (e *canonObject) str(k, v string) { e.key(k); e.b = appendJSONString(e.b, v) }
func (e *canonObject) int(k string, v int64) {
	e.key(k)
	e.b = strconv.AppendInt(e.b, v, 10)
}
func (e *canonObject) bool(k string, v bool)  { e.key(k); e.b = strconv.AppendBool(e.b, v) }
func (e *canonObject) raw(k string, v []byte) { e.key(k); e.b = append(e.b, v...) }

// strs writes a list of strings: null for a nil list, [] for an empty one
// (as encoding/json does).
func (e *canonObject) strs(k string, v []string) {
	e.key(k)
	if v == nil {
		e.b = append(e.b, "null"...)
		return
	}
	e.b = append(e.b, '[')
	for i, s := range v {
		if i > 0 {
			e.b = append(e.b, ',')
		}
		e.b = appendJSONString(e.b, s)
	}
	e.b = append(e.b, ']')
}

func (e *canonObject) intOmitZero(k string, v int64) {
	if v != 0 {
		e.int(k, v)
	}
}
func (e *canonObject) boolOmitFalse(k string, v bool) {
	if v {
		e.bool(k, v)
	}
}
func (e *canonObject) strOmitEmpty(k, v string) {
	if v != "" {
		e.str(k, v)
	}
}

// bytes returns the object ("{}" when it has no member).
func (e *canonObject) bytes() []byte {
	if len(e.b) == 0 {
		return []byte("{}")
	}
	return append(e.b, '}')
}

// appendJSONString appends s as a JSON string, escaped as encoding/json
// escapes strings (HTML characters too): the encoding of one string value
// is not a property of any type, so it cannot move with one.
func appendJSONString(b []byte, s string) []byte {
	q, err := json.Marshal(s)
	if err != nil {
		panic("sweep: a string does not encode: " + err.Error()) // json.Marshal of a string cannot fail
	}
	return append(b, q...)
}

// pointKey identifies a point's run without generating its scenario: a hash
// of the ring fingerprint, the id prefix, the seed and the parameters as
// printed. Two points with the same key have the same scenario and options,
// so the experiment's journal maps keys to run ids, S1 and L0 and a resumed
// sweep skips the generation of runs it already knows.
func (p *Plan) pointKey(pt *Point) string {
	b := make([]byte, 0, 160)
	b = append(b, p.ringKey...)
	b = append(b, 0)
	b = append(b, pt.Prefix()...)
	b = append(b, 0)
	b = strconv.AppendInt(b, pt.Seed, 10)
	b = pt.appendValues(b, func(b []byte, d *pynum.Amount) []byte { return pynum.AppendStr(b, *d) })
	if pt.Replicate > 0 {
		b = append(b, "\x00rep\x00"...)
		b = strconv.AppendInt(b, int64(pt.Replicate), 10)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:12])
}
