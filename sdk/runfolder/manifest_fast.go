package runfolder

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"time"
)

// A sweep writes a manifest for every run and reads it back (the run's
// check after it ends, the registry's); encoding/json's reflection was
// most of that. These are the same encoding and decoding, written out for
// the Manifest type: Encode's bytes are encoding/json's exactly, and the
// decoder takes only the plain form Encode writes (known keys once each,
// strings without escapes or non-ASCII), leaving anything else to
// encoding/json. FuzzManifestCodec holds both to encoding/json.

// appendManifest appends m as Encode writes it: encoding/json's indented
// form with a final newline. ok is false for what encoding/json refuses
// (a NaN or infinite duration, a time it cannot write).
func appendManifest(b []byte, m *Manifest) (_ []byte, ok bool) {
	b = append(b, "{\n  \"manifest_version\": "...)
	b = strconv.AppendInt(b, int64(m.Version), 10)
	if m.RunID != "" {
		b = appendMember(b, "run_id", m.RunID)
	}
	b = appendMember(b, "status", m.Status)
	b = appendMember(b, "engine", m.Engine)
	if m.Executor != "" {
		b = appendMember(b, "executor", m.Executor)
	}
	b = appendMember(b, "scenario_name", m.Scenario)
	b = appendMember(b, "stop_reason", m.StopReason)
	if m.StopMessage != "" {
		b = appendMember(b, "stop_message", m.StopMessage)
	}
	b = append(b, ",\n  \"days_simulated\": "...)
	b = strconv.AppendInt(b, int64(m.DaysSimulated), 10)
	b = appendMember(b, "default_handling", m.DefaultHandling)
	b = append(b, ",\n  \"defaults\": "...)
	b = strconv.AppendInt(b, int64(m.Defaults), 10)
	b = appendMember(b, "phi_total", m.PhiTotal)
	b = appendMember(b, "delta_total", m.DeltaTotal)
	b = appendMember(b, "time_to_stability", m.TimeToStability)
	for _, t := range []struct {
		key string
		t   time.Time
	}{{"started", m.Started}, {"finished", m.Finished}} {
		text, err := t.t.MarshalJSON()
		if err != nil {
			return b, false
		}
		b = append(b, ",\n  \""+t.key+"\": "...)
		b = append(b, text...)
	}
	b = append(b, ",\n  \"duration_ms\": "...)
	if b, ok = appendFloat(b, m.DurationMS); !ok {
		return b, false
	}
	b = append(b, ",\n  \"files\": "...)
	switch {
	case m.Files == nil:
		b = append(b, "null"...)
	case len(m.Files) == 0:
		b = append(b, "[]"...)
	default:
		b = append(b, '[')
		for i, f := range m.Files {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, "\n    {\n      \"name\": "...)
			b = appendString(b, f.Name)
			b = append(b, ",\n      \"size\": "...)
			b = strconv.AppendInt(b, f.Size, 10)
			b = append(b, ",\n      \"sha256\": "...)
			b = appendString(b, f.SHA256)
			b = append(b, "\n    }"...)
		}
		b = append(b, "\n  ]"...)
	}
	return append(b, "\n}\n"...), true
}

// appendMember appends `,\n  "key": "value"`.
func appendMember(b []byte, key, value string) []byte {
	b = append(b, ",\n  \""...)
	b = append(b, key...)
	b = append(b, "\": "...)
	return appendString(b, value)
}

// appendString appends s as encoding/json writes it (HTML characters
// escaped, as an Encoder does by default).
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !plainByte(c) {
			q, _ := json.Marshal(s) // the rare text with something to escape
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// plainByte tells the bytes encoding/json writes as they are, and that
// the decoder takes as they are: printable ASCII but for the quote, the
// backslash and the HTML characters.
func plainByte(c byte) bool {
	return c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
}

// appendFloat appends f as encoding/json writes a float64.
func appendFloat(b []byte, f float64) ([]byte, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return b, false
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// e-09 is written e-9.
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, true
}

// decodeManifestFast decodes data when it is in the plain form (see
// above); ok is false otherwise, and encoding/json decides.
func decodeManifestFast(data []byte) (m *Manifest, ok bool) {
	d := manifestDecoder{data: data}
	m = &Manifest{}
	seen := 0 // a bit per key
	if !d.byte('{') {
		return nil, false
	}
	for first := true; ; first = false {
		if d.byte('}') {
			break
		}
		if !first && !d.byte(',') {
			return nil, false
		}
		key, ok := d.key()
		if !ok {
			return nil, false
		}
		bit := 0
		switch string(key) {
		case "manifest_version":
			bit, ok = 0, d.int(&m.Version)
		case "run_id":
			bit, ok = 1, d.strTo(&m.RunID)
		case "status":
			bit, ok = 2, d.strTo(&m.Status)
		case "engine":
			bit, ok = 3, d.strTo(&m.Engine)
		case "executor":
			bit, ok = 4, d.strTo(&m.Executor)
		case "scenario_name":
			bit, ok = 5, d.strTo(&m.Scenario)
		case "stop_reason":
			bit, ok = 6, d.strTo(&m.StopReason)
		case "stop_message":
			bit, ok = 7, d.strTo(&m.StopMessage)
		case "days_simulated":
			bit, ok = 8, d.int(&m.DaysSimulated)
		case "default_handling":
			bit, ok = 9, d.strTo(&m.DefaultHandling)
		case "defaults":
			bit, ok = 10, d.int(&m.Defaults)
		case "phi_total":
			bit, ok = 11, d.strTo(&m.PhiTotal)
		case "delta_total":
			bit, ok = 12, d.strTo(&m.DeltaTotal)
		case "time_to_stability":
			bit, ok = 13, d.strTo(&m.TimeToStability)
		case "started":
			bit, ok = 14, d.time(&m.Started)
		case "finished":
			bit, ok = 15, d.time(&m.Finished)
		case "duration_ms":
			bit, ok = 16, d.float(&m.DurationMS)
		case "files":
			bit, ok = 17, d.files(&m.Files)
		default:
			return nil, false
		}
		if !ok || seen&(1<<bit) != 0 {
			return nil, false
		}
		seen |= 1 << bit
	}
	d.space()
	if d.i != len(d.data) {
		return nil, false
	}
	return m, true
}

// manifestDecoder reads the plain form of a manifest; each method returns
// false where it is not plain.
type manifestDecoder struct {
	data []byte
	i    int
}

func (d *manifestDecoder) space() {
	for d.i < len(d.data) {
		switch d.data[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// byte reads c after any space.
func (d *manifestDecoder) byte(c byte) bool {
	d.space()
	if d.i < len(d.data) && d.data[d.i] == c {
		d.i++
		return true
	}
	return false
}

// literal reads a quoted string of plain bytes, quotes included.
func (d *manifestDecoder) literal() ([]byte, bool) {
	d.space()
	if d.i >= len(d.data) || d.data[d.i] != '"' {
		return nil, false
	}
	for j := d.i + 1; j < len(d.data); j++ {
		switch c := d.data[j]; {
		case c == '"':
			lit := d.data[d.i : j+1]
			d.i = j + 1
			return lit, true
		case !plainByte(c):
			return nil, false
		}
	}
	return nil, false
}

// key reads a member's key and its colon.
func (d *manifestDecoder) key() ([]byte, bool) {
	lit, ok := d.literal()
	if !ok || !d.byte(':') {
		return nil, false
	}
	return lit[1 : len(lit)-1], true
}

func (d *manifestDecoder) str() (string, bool) {
	lit, ok := d.literal()
	if !ok {
		return "", false
	}
	return string(lit[1 : len(lit)-1]), true
}

func (d *manifestDecoder) strTo(s *string) (ok bool) {
	*s, ok = d.str()
	return ok
}

// number reads a number as JSON writes it.
func (d *manifestDecoder) number() ([]byte, bool) {
	d.space()
	start, i := d.i, d.i
	digits := func() bool {
		j := i
		for i < len(d.data) && d.data[i] >= '0' && d.data[i] <= '9' {
			i++
		}
		return i > j
	}
	if i < len(d.data) && d.data[i] == '-' {
		i++
	}
	switch {
	case i < len(d.data) && d.data[i] == '0':
		i++
	case !digits():
		return nil, false
	}
	if i < len(d.data) && d.data[i] == '.' {
		i++
		if !digits() {
			return nil, false
		}
	}
	if i < len(d.data) && (d.data[i] == 'e' || d.data[i] == 'E') {
		i++
		if i < len(d.data) && (d.data[i] == '+' || d.data[i] == '-') {
			i++
		}
		if !digits() {
			return nil, false
		}
	}
	d.i = i
	return d.data[start:i], true
}

func (d *manifestDecoder) int(v *int) bool {
	lit, ok := d.number()
	if !ok {
		return false
	}
	n, err := strconv.ParseInt(string(lit), 10, strconv.IntSize)
	*v = int(n)
	return err == nil
}

func (d *manifestDecoder) int64(v *int64) bool {
	lit, ok := d.number()
	if !ok {
		return false
	}
	n, err := strconv.ParseInt(string(lit), 10, 64)
	*v = n
	return err == nil
}

func (d *manifestDecoder) float(v *float64) bool {
	lit, ok := d.number()
	if !ok {
		return false
	}
	f, err := strconv.ParseFloat(string(lit), 64)
	*v = f
	return err == nil
}

func (d *manifestDecoder) time(t *time.Time) bool {
	lit, ok := d.literal()
	return ok && t.UnmarshalJSON(lit) == nil
}

// files reads the list of files (not null: encoding/json decides that).
func (d *manifestDecoder) files(fs *[]File) bool {
	if !d.byte('[') {
		return false
	}
	out := make([]File, 0, 16)
	for first := true; ; first = false {
		if d.byte(']') {
			break
		}
		if !first && !d.byte(',') {
			return false
		}
		var f File
		if !d.file(&f) {
			return false
		}
		out = append(out, f)
	}
	*fs = out
	return true
}

// file reads one file's object.
func (d *manifestDecoder) file(f *File) bool {
	if !d.byte('{') {
		return false
	}
	seen := 0
	for first := true; ; first = false {
		if d.byte('}') {
			return true
		}
		if !first && !d.byte(',') {
			return false
		}
		key, ok := d.key()
		if !ok {
			return false
		}
		bit := 0
		switch string(key) {
		case "name":
			bit, ok = 0, d.strTo(&f.Name)
		case "size":
			bit, ok = 1, d.int64(&f.Size)
		case "sha256":
			bit, ok = 2, d.strTo(&f.SHA256)
		default:
			return false
		}
		if !ok || seen&(1<<bit) != 0 {
			return false
		}
		seen |= 1 << bit
	}
}

// encodeManifest is Encode's work: the written-out encoder, or
// encoding/json when it declines.
func encodeManifest(m *Manifest) ([]byte, error) {
	if b, ok := appendManifest(make([]byte, 0, 2048), m); ok {
		return b, nil
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
