package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// The journal's own decoder reads every record as encoding/json does, and
// lines of another shape go to encoding/json.
func TestDecodeRecord(t *testing.T) {
	recs := []Record{
		{Kind: KindRun, Run: "grid_0123456789ab", Plan: "abcdef0123456789", Index: 17, Key: "k", Phase: "frontier", Label: "mid", Cell: 3,
			Seed: -5, Params: [4]string{"0.25", "1E+1", "0E-19", "-1"}, S1: "10000.0", L0: "5000", Exec: true},
		{Kind: KindDone, Run: "x", Manifest: "00ff", Fingerprint: "0123456789abcdef", Phi: "0.1", Delta: "0.9", TTS: "10"},
		{Kind: KindFailed, Run: "x", Error: "line 1\nline \"2\" \\ é \u2028 \t tab", Attempts: 3},
		{Kind: KindDamaged, Run: "x", Error: "out/events.jsonl does not match its checksum"},
		{Kind: KindRun, Run: "y"},
	}
	for _, want := range recs {
		line, err := json.Marshal(&want)
		if err != nil {
			t.Fatal(err)
		}
		var raw rawRecord
		if !scanRecord(line, &raw) {
			t.Errorf("fast decoder refused %s", line)
		}
		var slow Record
		if err := json.Unmarshal(line, &slow); err != nil {
			t.Fatal(err)
		}
		if fast := raw.record(); !reflect.DeepEqual(fast, want) || !reflect.DeepEqual(slow, want) {
			t.Errorf("decoding %s:\nfast %+v\nslow %+v\nwant %+v", line, fast, slow, want)
		}
	}
	for _, line := range []string{
		`{"k":"run","run":"a","extra":{"x":1}}`, // unknown key: encoding/json
		`{ "k" : "run" , "run" : "a" , "i" : 2 }`,
	} {
		var r Record
		if err := decodeRecord([]byte(line), &r); err != nil || r.Run != "a" || r.Kind != "run" {
			t.Errorf("decodeRecord(%s) = %+v, %v", line, r, err)
		}
	}
	var r Record
	if err := decodeRecord([]byte(`{"k":"run","run":"a`), &r); err == nil {
		t.Error("a torn line decoded")
	}
}

// writeJournal writes records (and extra raw text) as a store's journal.
func writeJournal(t *testing.T, recs []Record, tail string) *Store {
	t.Helper()
	st, err := Create(filepath.Join(t.TempDir(), "exp"), "exp")
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	for _, r := range recs {
		enc.Encode(&r)
	}
	b.WriteString(tail)
	if err := WriteFile(st.Path(JournalFile), b.Bytes()); err != nil {
		t.Fatal(err)
	}
	return st
}

// A torn last line is skipped; the records before it count; the states
// fold in order (a new attempt clears a failure; done wins; a damaged run
// is pending again).
func TestReadJournal(t *testing.T) {
	const ka, kb = "0123456789abcdef01234567", "fedcba9876543210fedcba98"
	st := writeJournal(t, []Record{
		{Kind: KindRun, Run: "grid_00000000000a", Key: ka, Plan: "p", Index: 0},
		{Kind: KindRun, Run: "grid_00000000000b", Key: kb, Plan: "p", Index: 1},
		{Kind: KindFailed, Run: "grid_00000000000a", Error: "boom", Attempts: 2},
		{Kind: KindDone, Run: "grid_00000000000b", Manifest: "m", Fingerprint: "f", Delta: "0", Phi: "0.25"},
		{Kind: KindRun, Run: "odd id", Key: "odd key", Plan: "q", Index: 0, Manifest: "mc", Phi: "1"},
		{Kind: KindRun, Run: "grid_00000000000a", Key: ka, Plan: "p", Exec: true},
		{Kind: KindRun, Run: "lhs_00000000000c", Key: "c", Plan: "p", Index: 2, Manifest: "mm"},
		{Kind: KindDamaged, Run: "lhs_00000000000c", Error: "gone"},
	}, `{"k":"done","run":"grid_00000000000a","manif`)
	j, err := st.ReadJournal(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if j.Torn() != 1 || j.Len() != 4 {
		t.Errorf("%d torn lines, %d runs; want 1 and 4", j.Torn(), j.Len())
	}
	a, ok := j.Lookup("grid_00000000000a")
	if !ok || a.State() != Pending || !a.Exec() || a.Key() != ka {
		t.Errorf("a: found %v, state %v, exec %v, key %q; want pending after a new attempt", ok, a.State(), a.Exec(), a.Key())
	}
	b, ok := j.LookupKey(kb)
	if !ok || b.ID() != "grid_00000000000b" || b.State() != Done {
		t.Fatalf("b by key: %v %v", ok, b.State())
	}
	rec, err := b.Record()
	if err != nil || rec.Manifest != "m" || rec.Fingerprint != "f" || rec.Index != 1 || rec.Kind != KindRun {
		t.Errorf("b's record %+v, %v", rec, err)
	}
	if o := b.Outcome(); !o.HasPhi || o.Phi != 0.25 || !o.HasDel || !o.Cleared {
		t.Errorf("b's outcome %+v", o)
	}
	c, ok := j.LookupKey("odd key")
	if !ok || c.ID() != "odd id" || c.State() != Done || c.Plan() != "q" {
		t.Errorf("odd id: %v %v", ok, c.State())
	}
	if d, ok := j.Lookup("lhs_00000000000c"); !ok || d.State() != Pending || d.Phase() != "" {
		t.Errorf("damaged run: %v %v", ok, d.State())
	}
	var ids []string
	for e := range j.InPlan("p").All() {
		ids = append(ids, e.ID())
	}
	if want := []string{"grid_00000000000a", "grid_00000000000b", "lhs_00000000000c"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("InPlan(p) = %v, want %v", ids, want)
	}
	if _, ok := j.Lookup("grid_00000000000d"); ok {
		t.Error("an unknown id was found")
	}
	if _, ok := j.Lookup("nope_00000000000a"); ok {
		t.Error("an id with an unknown prefix was found")
	}
}

// A key taken over by another run leads to it; a run's second key leads to
// it as well; compaction keeps one record per run with its state, and the
// index reads the compacted file back the same.
func TestJournalKeysAndCompaction(t *testing.T) {
	st, err := Create(filepath.Join(t.TempDir(), "exp"), "exp")
	if err != nil {
		t.Fatal(err)
	}
	j, err := st.OpenJournal(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	key := func(i int) string { return fmt.Sprintf("%024x", i) }
	id := func(i int) string { return fmt.Sprintf("grid_%012x", i) }
	// Enough runs to grow the tables a few times.
	const n = 5000
	var recs []Record
	for i := range n {
		recs = append(recs, Record{Kind: KindRun, Run: id(i), Key: key(i), Plan: "p", Index: i, Seed: int64(i), Exec: true})
	}
	if err := j.Append(recs...); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		switch i % 3 {
		case 0:
			recs[i] = Record{Kind: KindDone, Run: id(i), Manifest: "m", Fingerprint: "f", Phi: "0.5", Delta: "0.5"}
		case 1:
			recs[i] = Record{Kind: KindFailed, Run: id(i), Error: "boom", Attempts: 1}
		default:
			recs[i] = Record{Kind: KindRun, Run: id(i), Key: key(i), Plan: "p", Index: i, Seed: int64(i)}
		}
	}
	if err := j.Append(recs...); err != nil {
		t.Fatal(err)
	}
	// Run 1 takes over key 0 (the engine changed: the same point has a new
	// run); run 2 gets a second key.
	if err := j.Append(Record{Kind: KindRun, Run: id(1), Key: key(0), Plan: "p", Index: 1},
		Record{Kind: KindRun, Run: id(2), Key: "second key", Plan: "p", Index: 2}); err != nil {
		t.Fatal(err)
	}
	// compacted: the journal holds each run's latest key only (run 2's
	// first key is history).
	check := func(j *Journal, compacted bool) {
		t.Helper()
		if e, ok := j.LookupKey(key(0)); !ok || e.ID() != id(1) {
			t.Errorf("key 0 leads to %v, want run 1", ok)
		}
		for _, k := range []string{key(2), "second key"} {
			want := !compacted || k == "second key"
			if e, ok := j.LookupKey(k); ok != want || ok && e.ID() != id(2) {
				t.Errorf("key %q leads to a run: %v, want %v (run 2)", k, ok, want)
			}
		}
		for i := 3; i < n; i++ {
			e, ok := j.LookupKey(key(i))
			if !ok || e.ID() != id(i) || e.Index() != i {
				t.Fatalf("key %d: %v %v %d", i, ok, e.ID(), e.Index())
			}
			want := [3]State{Done, Failed, Pending}[i%3]
			if e.State() != want {
				t.Fatalf("run %d: %v, want %v", i, e.State(), want)
			}
			rec, err := e.Record()
			if err != nil || rec.Seed != int64(i) || (want == Failed) != (rec.Error == "boom") || (want == Done) != (rec.Manifest == "m") {
				t.Fatalf("run %d: record %+v, %v", i, rec, err)
			}
		}
	}
	check(j, false)
	if err := j.Compact(); err != nil {
		t.Fatal(err)
	}
	check(j, true)
	// Appends after compaction land where the index expects them.
	if err := j.Append(Record{Kind: KindDone, Run: id(4), Manifest: "m4"}); err != nil {
		t.Fatal(err)
	}
	if e, _ := j.Lookup(id(4)); e.State() != Done {
		t.Errorf("run 4 after a done record: %v", e.State())
	}
	j.Close()
	j2, err := st.ReadJournal(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer j2.Close()
	if j2.Len() != n || j2.Torn() != 0 {
		t.Errorf("compacted journal: %d runs, %d torn", j2.Len(), j2.Torn())
	}
	if e, _ := j2.Lookup(id(4)); e.State() != Done {
		t.Errorf("run 4 read back: %v", e.State())
	}
	// The compacted journal has one line per run but the last append.
	b, err := os.ReadFile(st.Path(JournalFile))
	if err != nil {
		t.Fatal(err)
	}
	if lines := bytes.Count(b, []byte("\n")); lines != n+1 {
		t.Errorf("%d lines after compaction and one append, want %d", lines, n+1)
	}
}

// appendRecord writes what json.Marshal writes for any record: field by
// field for plain strings, through encoding/json for the others.
func FuzzAppendRecord(f *testing.F) {
	f.Add("run", "r-0001", "plan", 3, "key", "grid", "", 0, int64(42), "0.5", "1", "0.25", "-1", "500", "250", true, 0, "", "", "", "", "", "", 0)
	f.Add("done", "r-0001", "", 0, "", "", "", 0, int64(0), "", "", "", "", "", "", false, 0, "ab12", "fp", "0.1", "0", "3", "", 0)
	f.Add("failed", "r", "", 0, "", "", "", 0, int64(-7), "", "", "", "", "", "", false, 2, "", "", "", "", "", "it failed: <a & b> \"q\" \\ \n\u2028é\xff", 3)
	f.Fuzz(func(t *testing.T, kind, run, plan string, index int, key, phase, label string, cell int, seed int64,
		p0, p1, p2, p3, s1, l0 string, exec bool, rep int, manifest, fp, phi, delta, tts, errText string, attempts int) {
		r := Record{Kind: kind, Run: run, Plan: plan, Index: index, Key: key, Phase: phase, Label: label, Cell: cell, Seed: seed,
			Params: [4]string{p0, p1, p2, p3}, S1: s1, L0: l0, Exec: exec, Replicate: rep, Manifest: manifest, Fingerprint: fp,
			Phi: phi, Delta: delta, TTS: tts, Error: errText, Attempts: attempts}
		want, err := json.Marshal(&r)
		if err != nil {
			t.Fatal(err)
		}
		got, err := appendRecord([]byte("x"), &r)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != "x"+string(want) {
			t.Fatalf("appendRecord writes\n%s\njson.Marshal\n%s", got[1:], want)
		}
	})
}
