package sweep

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"

	"github.com/bilancio-go/bilancio/internal/pynum"
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
	h := sha256.New()
	h.Write([]byte("bilancio run v1\x00"))
	h.Write([]byte(engine))
	h.Write([]byte{0})
	h.Write(canonicalOptions(opts))
	h.Write([]byte{0})
	h.Write(scenario)
	var sum [sha256.Size]byte
	return prefix + "_" + hex.EncodeToString(h.Sum(sum[:0]))[:idHexLen]
}

// canonicalOptions is the run options' JSON: sdk.RunOptions's fields in
// declaration order, zero values left out.
func canonicalOptions(opts sdk.RunOptions) []byte {
	b, err := json.Marshal(opts)
	if err != nil {
		panic("sweep: run options do not encode: " + err.Error()) // plain ints, strings and bools
	}
	return b
}

// computeFingerprint hashes everything that decides the plan's runs: the ring
// settings, the designs, the seed mode, the run options and the engine
// version. Cached run ids are reused only under the same ring fingerprint
// (see pointKey); the plan fingerprint tells runs of this plan from runs an
// earlier version of the sweep asked for.
func (p *Plan) computeFingerprint() string {
	s := p.spec
	v := struct {
		Ring     string
		Grid     *Grid
		LHS      *LHS
		Frontier *Frontier
		SeedMode string
	}{p.ringFingerprint(), s.Grid, s.LHS, s.Frontier, p.seedMode}
	b, err := json.Marshal(v)
	if err != nil {
		panic("sweep: plan does not encode: " + err.Error())
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// ringFingerprint hashes what every run's scenario and options derive from,
// besides the point itself.
func (p *Plan) ringFingerprint() string {
	r := p.ring
	v := struct {
		Engine                                 string
		NAgents, MaturityDays                  int
		QTotal, LiquidityMode, LiquidityAgent  string
		DefaultHandling, NamePrefix, KappaRule string
		BaseSeed                               int64
		MaxDays, QuietDays                     int
		HasQuietDays                           bool
		Options                                string
		Arm                                    *armIdentity `json:",omitempty"`
	}{
		EngineVersion, r.NAgents, r.MaturityDays,
		pynum.Str(r.qTotal), r.LiquidityMode, r.LiquidityAgent,
		r.DefaultHandling, r.NamePrefix, string(r.kappaRule),
		r.BaseSeed, r.MaxDays, r.QuietDays, r.HasQuietDays,
		string(canonicalOptions(r.options)),
		p.armIdentity(),
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic("sweep: ring settings do not encode: " + err.Error())
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
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
	for _, t := range pt.Texts() {
		b = append(b, 0)
		b = append(b, t...)
	}
	if pt.Rho != nil {
		b = append(b, "\x00rho\x00"...)
		b = pynum.AppendStr(b, pt.Rho)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:12])
}
