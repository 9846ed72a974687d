package runfolder

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"testing"
	"time"
)

// slowEncode is Encode as encoding/json writes it.
func slowEncode(m *Manifest) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	err := enc.Encode(m)
	return b.Bytes(), err
}

// checkCodec holds the written-out encoder and decoder to encoding/json
// for m: the same bytes (or both refuse), and what the fast decoder reads
// back is what encoding/json reads.
func checkCodec(t *testing.T, m *Manifest) {
	t.Helper()
	want, wantErr := slowEncode(m)
	got, ok := appendManifest(nil, m)
	if ok != (wantErr == nil) {
		t.Fatalf("fast encoder ok = %v, encoding/json: %v", ok, wantErr)
	}
	if !ok {
		return
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("fast encoder wrote\n%s\nencoding/json\n%s", got, want)
	}
	checkDecode(t, got)
}

// checkDecode checks that when the fast decoder takes data, encoding/json
// reads the same manifest from it.
func checkDecode(t *testing.T, data []byte) {
	t.Helper()
	fast, ok := decodeManifestFast(data)
	if !ok {
		return
	}
	var slow Manifest
	if err := json.Unmarshal(data, &slow); err != nil {
		t.Fatalf("the fast decoder took what encoding/json refuses (%v):\n%s", err, data)
	}
	if !reflect.DeepEqual(*fast, slow) {
		t.Fatalf("fast decoder read %+v, encoding/json %+v from\n%s", *fast, slow, data)
	}
}

func sampleManifest() *Manifest {
	return &Manifest{
		Version: 1, RunID: "grid_00166aa42343", Status: StatusCompleted, Engine: "0.1.0-dev+f820c1145927",
		Executor: "local", Scenario: "Kalecki Ring Sweep (n=5, kappa=0.5, c=0.3, mu=0.3)", StopReason: "stable",
		DaysSimulated: 8, DefaultHandling: "expel-agent", Defaults: 3,
		PhiTotal: "0.07831325301204819277108433735", DeltaTotal: "0.9216867469879518072289156627", TimeToStability: "5",
		Started:    time.Date(2026, 12, 7, 15, 13, 35, 967368136, time.UTC),
		Finished:   time.Date(2026, 12, 7, 15, 13, 35, 967634181, time.UTC),
		DurationMS: 0.266,
		Files: []File{
			{Name: ScenarioFile, Size: 1377, SHA256: "46c51974222d43b38ae62aaa5c6948f6ea3b36fce2b677ab5212602ab8910bd5"},
			{Name: EventsFile, Size: 4995, SHA256: "754ab5cd28e26e5387b7f0ecbe3574c1aa0039c5f7d4e68acb184cd0f1d1cae8"},
		},
	}
}

func TestManifestCodec(t *testing.T) {
	cases := map[string]func(m *Manifest){
		"as written":          func(*Manifest) {},
		"no optional fields":  func(m *Manifest) { m.RunID, m.Executor, m.StopMessage = "", "", "" },
		"stop message":        func(m *Manifest) { m.StopMessage = "day 3: agent H1 defaulted" },
		"html and quotes":     func(m *Manifest) { m.Scenario = `a <b> & "c" \ d` },
		"unicode and control": func(m *Manifest) { m.Scenario, m.StopMessage = "κ = 0.5 — μ\u2028", "tab\there\nnl\x01" },
		"invalid utf-8":       func(m *Manifest) { m.Scenario = "bad \xff byte" },
		"no files":            func(m *Manifest) { m.Files = nil },
		"empty files":         func(m *Manifest) { m.Files = []File{} },
		"zero times":          func(m *Manifest) { m.Started, m.Finished = time.Time{}, time.Time{} },
		"zoned time":          func(m *Manifest) { m.Started = time.Date(2026, 1, 2, 3, 4, 5, 6, time.FixedZone("x", 3600+1800)) },
		"year 10000":          func(m *Manifest) { m.Finished = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) },
		"negative numbers":    func(m *Manifest) { m.Version, m.DaysSimulated, m.Defaults, m.Files[0].Size = -1, -2, math.MinInt, -3 },
		"tiny duration":       func(m *Manifest) { m.DurationMS = 1.5e-9 },
		"small duration":      func(m *Manifest) { m.DurationMS = 0.000001 },
		"huge duration":       func(m *Manifest) { m.DurationMS = 3e21 },
		"large duration":      func(m *Manifest) { m.DurationMS = 1e20 },
		"negative duration":   func(m *Manifest) { m.DurationMS = -2.5e-7 },
		"zero duration":       func(m *Manifest) { m.DurationMS = math.Copysign(0, -1) },
		"NaN duration":        func(m *Manifest) { m.DurationMS = math.NaN() },
		"infinite duration":   func(m *Manifest) { m.DurationMS = math.Inf(1) },
	}
	for name, change := range cases {
		t.Run(name, func(t *testing.T) {
			m := sampleManifest()
			change(m)
			checkCodec(t, m)
		})
	}
	// Encode goes through the fast encoder, and DecodeManifest reads it back.
	m := sampleManifest()
	data, err := m.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := decodeManifestFast(data); !ok {
		t.Error("the fast decoder does not take what Encode writes")
	}
	back, err := DecodeManifest(data)
	if err != nil || !reflect.DeepEqual(back, m) {
		t.Errorf("DecodeManifest = %+v, %v; want %+v", back, err, m)
	}
	m.DurationMS = math.NaN()
	if _, err := m.Encode(); err == nil {
		t.Error("a NaN duration encoded")
	}
}

// Texts the fast decoder must leave to encoding/json, or read as it does.
func TestManifestDecodeEdges(t *testing.T) {
	for _, data := range []string{
		`{}`, ` { } `, `{"manifest_version":1}x`, `{"manifest_version":1.0}`, `{"manifest_version":1e2}`,
		`{"manifest_version":-0}`, `{"manifest_version":99999999999999999999}`, `{"Status":"completed"}`,
		`{"status":"a","status":"b"}`, `{"status":null}`, `{"files":null}`, `{"files":[]}`, `{"files":[{}]}`,
		`{"files":[{"name":"a","size":1,"sha256":"x"},]}`, `{"files":[{"name":"a","name":"b"}]}`,
		`{"started":"2026-12-07T15:13:35Z"}`, `{"started":"2026-13-07T15:13:35Z"}`, `{"started":"bad"}`,
		`{"duration_ms":1e400}`, `{"duration_ms":-1.5E-3}`, `{"duration_ms":01}`, `{"duration_ms":.5}`,
		`{"status":"a\"b"}`, `{"status":"κ"}`, `{"extra":1}`, `{"status":"a",}`, `[1]`, ``, `{`,
	} {
		checkDecode(t, []byte(data))
	}
}

func FuzzManifestCodec(f *testing.F) {
	data, _ := sampleManifest().Encode()
	f.Add(data, "completed", "name", 0.266, int64(1377), int64(1_700_000_000_123))
	f.Add([]byte(`{"files":[{"name":"a","size":1,"sha256":"x"}]}`), `<&>`, "out/x.csv", 1e-7, int64(-1), int64(0))
	f.Fuzz(func(t *testing.T, data []byte, s1, s2 string, dur float64, size, nanos int64) {
		checkDecode(t, data)
		m := sampleManifest()
		m.Status, m.StopMessage, m.Files[1].Name, m.DurationMS, m.Files[0].Size = s1, s2, s2, dur, size
		m.Started = time.Unix(0, nanos).In(time.FixedZone("z", int(size%50000)))
		checkCodec(t, m)
	})
}
