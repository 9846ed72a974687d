package sweep

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// The journal's own decoder reads every record as encoding/json does, and
// lines of another shape go to encoding/json.
func TestDecodeRecord(t *testing.T) {
	recs := []record{
		{Kind: recRun, Run: "grid_0123456789ab", Plan: "abcdef0123456789", Index: 17, Key: "k", Phase: PhaseFrontier, Label: "mid", Cell: 3,
			Seed: -5, Params: [4]string{"0.25", "1E+1", "0E-19", "-1"}, S1: "10000.0", L0: "5000", Exec: true},
		{Kind: recDone, Run: "x", Manifest: "00ff", Phi: "0.1", Delta: "0.9", TTS: "10"},
		{Kind: recFailed, Run: "x", Error: "line 1\nline \"2\" \\ é \u2028 \t tab", Attempts: 3},
		{Kind: recRun, Run: "y"},
	}
	for _, want := range recs {
		line, err := json.Marshal(&want)
		if err != nil {
			t.Fatal(err)
		}
		var fast, slow record
		if !fastDecodeRecord(line, &fast) {
			t.Errorf("fast decoder refused %s", line)
		}
		if err := json.Unmarshal(line, &slow); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(fast, want) || !reflect.DeepEqual(slow, want) {
			t.Errorf("decoding %s:\nfast %+v\nslow %+v\nwant %+v", line, fast, slow, want)
		}
	}
	for _, line := range []string{
		`{"k":"run","run":"a","extra":{"x":1}}`, // unknown key: encoding/json
		`{ "k" : "run" , "run" : "a" , "i" : 2 }`,
	} {
		var r record
		if err := decodeRecord([]byte(line), &r); err != nil || r.Run != "a" || r.Kind != "run" {
			t.Errorf("decodeRecord(%s) = %+v, %v", line, r, err)
		}
	}
	var r record
	if err := decodeRecord([]byte(`{"k":"run","run":"a`), &r); err == nil {
		t.Error("a torn line decoded")
	}
}

// A torn last line is skipped; the records before it count; the states
// fold in order (a new attempt clears a failure; done wins).
func TestParseJournal(t *testing.T) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	for _, r := range []record{
		{Kind: recRun, Run: "a", Key: "ka", Plan: "p", Index: 0},
		{Kind: recRun, Run: "b", Key: "kb", Plan: "p", Index: 1},
		{Kind: recFailed, Run: "a", Error: "boom", Attempts: 2},
		{Kind: recDone, Run: "b", Manifest: "m", Delta: "0"},
		{Kind: recRun, Run: "c", Key: "kc", Plan: "q", Index: 0, Manifest: "mc"},
		{Kind: recRun, Run: "a", Key: "ka", Plan: "p", Exec: true},
	} {
		enc.Encode(&r)
	}
	b.WriteString(`{"k":"done","run":"a","manif`)
	ix, err := parseJournal(strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if ix.torn != 1 {
		t.Errorf("%d torn lines, want 1", ix.torn)
	}
	if e := ix.byID["a"]; e.state != statePending {
		t.Errorf("a: state %d, want pending after a new attempt", e.state)
	}
	if e := ix.byKey["kb"]; e == nil || e.state != stateDone || e.manifest != "m" {
		t.Errorf("b: %+v", e)
	}
	if e := ix.byID["c"]; e.state != stateDone || e.manifest != "mc" {
		t.Errorf("c (compacted): %+v", e)
	}
	if got := ix.inPlan("p"); len(got) != 2 || got[0].Run != "a" || got[1].Run != "b" {
		t.Errorf("inPlan(p) = %v", got)
	}
}
