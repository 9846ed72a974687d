package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// Journal record kinds.
const (
	// KindRun: a run of the plan, with its point, id and S1/L0, before the
	// run is handed to an executor (Exec true) or when a run done under an
	// earlier plan is found again. A compacted journal holds one per run,
	// with the run's state in it.
	KindRun = "run"
	// KindDone: a run whose folder verified, with the checksum of its
	// manifest, the sizes and times of its files, and the registry's
	// summary values.
	KindDone = "done"
	// KindFailed: a run that failed for good, with the reason.
	KindFailed = "failed"
	// KindDamaged: a run recorded done whose folder no longer verifies
	// (Error says why); it is pending again.
	KindDamaged = "damaged"
)

// Record is one line of the journal: a plain row, written by encoding/json
// in this field order.
type Record struct {
	Kind string `json:"k"`
	Run  string `json:"run"`

	// "run" records: the plan (its fingerprint) and the run's place in it,
	// the point's key, the phase (and a frontier probe's label and cell),
	// the seed, the four swept parameters as the registry prints them
	// (kappa, concentration, mu, monotonicity), S1 and L0.
	Plan   string    `json:"plan,omitempty"`
	Index  int       `json:"i,omitempty"`
	Key    string    `json:"key,omitempty"`
	Phase  string    `json:"phase,omitempty"`
	Label  string    `json:"label,omitempty"`
	Cell   int       `json:"cell,omitempty"`
	Seed   int64     `json:"seed,omitempty"`
	Params [4]string `json:"p,omitzero"`
	S1     string    `json:"s1,omitempty"`
	L0     string    `json:"l0,omitempty"`
	Exec   bool      `json:"exec,omitempty"`
	// Replicate is the run's replicate of its point (0 for the first, and
	// for every run of a sweep without replicates).
	Replicate int `json:"rep,omitempty"`

	// "done" records: the SHA-256 of manifest.json, the fingerprint of the
	// folder's files (runfolder's: their sizes and modification times),
	// and the summary values.
	Manifest    string `json:"manifest,omitempty"`
	Fingerprint string `json:"fp,omitempty"`
	Phi         string `json:"phi,omitempty"`
	Delta       string `json:"delta,omitempty"`
	TTS         string `json:"tts,omitempty"`

	// "failed" records.
	Error    string `json:"error,omitempty"`
	Attempts int    `json:"attempts,omitempty"`
}

// appendRecord appends r's journal line (without its newline): what
// json.Marshal writes for r, written field by field when every string of r
// is plain printable ASCII that JSON writes as it is, and by json.Marshal
// otherwise. FuzzAppendRecord holds the two to the same bytes.
func appendRecord(dst []byte, r *Record) ([]byte, error) {
	if !r.plain() {
		line, err := json.Marshal(r)
		if err != nil {
			return dst, fmt.Errorf("encoding a journal record: %w", err)
		}
		return append(dst, line...), nil
	}
	str := func(key, v string) {
		if v != "" {
			dst = append(dst, ',', '"')
			dst = append(dst, key...)
			dst = append(dst, `":"`...)
			dst = append(dst, v...)
			dst = append(dst, '"')
		}
	}
	num := func(key string, v int64) {
		if v != 0 {
			dst = append(dst, ',', '"')
			dst = append(dst, key...)
			dst = append(dst, `":`...)
			dst = strconv.AppendInt(dst, v, 10)
		}
	}
	dst = append(dst, `{"k":"`...)
	dst = append(dst, r.Kind...)
	dst = append(dst, `","run":"`...)
	dst = append(dst, r.Run...)
	dst = append(dst, '"')
	str("plan", r.Plan)
	num("i", int64(r.Index))
	str("key", r.Key)
	str("phase", r.Phase)
	str("label", r.Label)
	num("cell", int64(r.Cell))
	num("seed", r.Seed)
	if r.Params != [4]string{} {
		dst = append(dst, `,"p":[`...)
		for i, v := range r.Params {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, '"')
			dst = append(dst, v...)
			dst = append(dst, '"')
		}
		dst = append(dst, ']')
	}
	str("s1", r.S1)
	str("l0", r.L0)
	if r.Exec {
		dst = append(dst, `,"exec":true`...)
	}
	num("rep", int64(r.Replicate))
	str("manifest", r.Manifest)
	str("fp", r.Fingerprint)
	str("phi", r.Phi)
	str("delta", r.Delta)
	str("tts", r.TTS)
	str("error", r.Error)
	num("attempts", int64(r.Attempts))
	return append(dst, '}'), nil
}

// plain reports whether every string of r is written by encoding/json as
// it is: printable ASCII other than the quote, the backslash and the
// characters it escapes for HTML (<, >, &).
func (r *Record) plain() bool {
	for _, s := range [...]string{r.Kind, r.Run, r.Plan, r.Key, r.Phase, r.Label, r.Params[0], r.Params[1], r.Params[2], r.Params[3],
		r.S1, r.L0, r.Manifest, r.Fingerprint, r.Phi, r.Delta, r.TTS, r.Error} {
		for i := 0; i < len(s); i++ {
			if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
				return false
			}
		}
	}
	return true
}

// rawRecord is a journal line decoded without copying: its strings point
// into the line.
type rawRecord struct {
	kind, run, plan, key, phase, label, s1, l0 []byte
	manifest, fp, phi, delta, tts, err         []byte
	params                                     [4][]byte
	index, cell, attempts, replicate           int
	seed                                       int64
	exec                                       bool
}

// record copies a raw record into a Record.
func (r *rawRecord) record() Record {
	return Record{
		Kind: string(r.kind), Run: string(r.run), Plan: string(r.plan), Index: r.index, Key: string(r.key),
		Phase: string(r.phase), Label: string(r.label), Cell: r.cell, Seed: r.seed,
		Params: [4]string{string(r.params[0]), string(r.params[1]), string(r.params[2]), string(r.params[3])},
		S1:     string(r.s1), L0: string(r.l0), Exec: r.exec, Replicate: r.replicate,
		Manifest: string(r.manifest), Fingerprint: string(r.fp), Phi: string(r.phi), Delta: string(r.delta), TTS: string(r.tts),
		Error: string(r.err), Attempts: r.attempts,
	}
}

// raw points a rawRecord at a Record's strings (for records decoded by
// encoding/json).
func (r *Record) raw() rawRecord {
	b := func(s string) []byte { return []byte(s) }
	return rawRecord{
		kind: b(r.Kind), run: b(r.Run), plan: b(r.Plan), key: b(r.Key), phase: b(r.Phase), label: b(r.Label),
		s1: b(r.S1), l0: b(r.L0), manifest: b(r.Manifest), fp: b(r.Fingerprint), phi: b(r.Phi), delta: b(r.Delta),
		tts: b(r.TTS), err: b(r.Error), params: [4][]byte{b(r.Params[0]), b(r.Params[1]), b(r.Params[2]), b(r.Params[3])},
		index: r.Index, cell: r.Cell, attempts: r.Attempts, seed: r.Seed, exec: r.Exec, replicate: r.Replicate,
	}
}

// decodeRaw decodes a journal line. The journal's lines are flat objects
// written by encoding/json from Record; this decoder reads that shape
// without allocating (which matters for the status of an experiment of a
// million runs) and hands anything else to encoding/json.
func decodeRaw(line []byte, r *rawRecord) error {
	if scanRecord(line, r) {
		return nil
	}
	var rec Record
	if err := json.Unmarshal(line, &rec); err != nil {
		return err
	}
	*r = rec.raw()
	return nil
}

// decodeRecord decodes a journal line into a Record.
func decodeRecord(line []byte, rec *Record) error {
	var r rawRecord
	if err := decodeRaw(line, &r); err != nil {
		return err
	}
	*rec = r.record()
	return nil
}

// recordScanner reads a journal line.
type recordScanner struct {
	b []byte
	i int
}

func (s *recordScanner) ws() {
	for s.i < len(s.b) && (s.b[s.i] == ' ' || s.b[s.i] == '\t' || s.b[s.i] == '\n' || s.b[s.i] == '\r') {
		s.i++
	}
}

// consume skips white space and the byte c, reporting whether it was there.
func (s *recordScanner) consume(c byte) bool {
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// str reads a JSON string: a slice of the line when it has no escapes, a
// copy otherwise.
func (s *recordScanner) str() ([]byte, bool) {
	if !s.consume('"') {
		return nil, false
	}
	start := s.i
	end := bytes.IndexByte(s.b[start:], '"')
	if end < 0 {
		return nil, false
	}
	raw := s.b[start : start+end : start+end]
	if bytes.IndexByte(raw, '\\') < 0 {
		s.i = start + end + 1
		return raw, true
	}
	// Escapes: find the closing quote past them, and let encoding/json
	// read the string.
	i := start
	for i < len(s.b) && s.b[i] != '"' {
		if s.b[i] == '\\' {
			i++
		}
		i++
	}
	if i >= len(s.b) {
		return nil, false
	}
	s.i = i + 1
	var out string
	if json.Unmarshal(s.b[start-1:s.i], &out) != nil {
		return nil, false
	}
	return []byte(out), true
}

// num reads a JSON integer.
func (s *recordScanner) num() (int64, bool) {
	s.ws()
	start := s.i
	if s.i < len(s.b) && s.b[s.i] == '-' {
		s.i++
	}
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		s.i++
	}
	n, err := strconv.ParseInt(string(s.b[start:s.i]), 10, 64)
	return n, err == nil
}

// boolean reads true or false.
func (s *recordScanner) boolean() (bool, bool) {
	s.ws()
	for _, lit := range []string{"true", "false"} {
		if len(s.b)-s.i >= len(lit) && string(s.b[s.i:s.i+len(lit)]) == lit {
			s.i += len(lit)
			return lit == "true", true
		}
	}
	return false, false
}

// scanRecord decodes the journal's own shape of line; false when the line
// is anything else.
func scanRecord(line []byte, r *rawRecord) bool {
	*r = rawRecord{}
	s := &recordScanner{b: line}
	if !s.consume('{') {
		return false
	}
	if s.consume('}') {
		return true
	}
	for {
		key, ok := s.str()
		if !ok || !s.consume(':') {
			return false
		}
		var dst *[]byte
		var idst *int
		switch string(key) {
		case "k":
			dst = &r.kind
		case "run":
			dst = &r.run
		case "plan":
			dst = &r.plan
		case "key":
			dst = &r.key
		case "phase":
			dst = &r.phase
		case "label":
			dst = &r.label
		case "s1":
			dst = &r.s1
		case "l0":
			dst = &r.l0
		case "manifest":
			dst = &r.manifest
		case "fp":
			dst = &r.fp
		case "phi":
			dst = &r.phi
		case "delta":
			dst = &r.delta
		case "tts":
			dst = &r.tts
		case "error":
			dst = &r.err
		case "i":
			idst = &r.index
		case "cell":
			idst = &r.cell
		case "attempts":
			idst = &r.attempts
		case "rep":
			idst = &r.replicate
		case "seed":
			n, ok := s.num()
			if !ok {
				return false
			}
			r.seed = n
		case "exec":
			b, ok := s.boolean()
			if !ok {
				return false
			}
			r.exec = b
		case "p":
			if !s.consume('[') {
				return false
			}
			for j := range r.params {
				if j > 0 && !s.consume(',') {
					return false
				}
				if r.params[j], ok = s.str(); !ok {
					return false
				}
			}
			if !s.consume(']') {
				return false
			}
		default:
			return false
		}
		switch {
		case dst != nil:
			if *dst, ok = s.str(); !ok {
				return false
			}
		case idst != nil:
			n, ok := s.num()
			if !ok {
				return false
			}
			*idst = int(n)
		}
		if s.consume('}') {
			s.ws()
			return s.i == len(s.b)
		}
		if !s.consume(',') {
			return false
		}
	}
}
