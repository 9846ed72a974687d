package store

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"reflect"
	"testing"
)

// journalView is everything a reader can ask the journal, for comparing
// two loads of one journal.
type journalView struct {
	Len, Torn int
	Runs      []string // per run in plan order: every field a reader sees
	Keys      map[string]string
}

func viewOf(t *testing.T, j *Journal, plans []string, keys []string) journalView {
	t.Helper()
	v := journalView{Len: j.Len(), Torn: j.Torn(), Keys: map[string]string{}}
	for _, plan := range plans {
		for e := range j.InPlan(plan).All() {
			rec, err := e.Record()
			if err != nil {
				t.Fatal(err)
			}
			v.Runs = append(v.Runs, fmt.Sprintf("%s %s exec=%v i=%d plan=%s key=%q phase=%s %+v %+v",
				e.ID(), e.State(), e.Exec(), e.Index(), e.Plan(), e.Key(), e.Phase(), e.Outcome(), rec))
		}
	}
	for _, k := range keys {
		if e, ok := j.LookupKey(k); ok {
			v.Keys[k] = e.ID()
		}
	}
	return v
}

// A compacted journal's checkpoint gives the reader the index a full parse
// gives, with what was appended since; a checkpoint that does not match its
// journal (replaced, truncated, damaged) is ignored.
func TestJournalCheckpoint(t *testing.T) {
	const ka, kb, kc = "0123456789abcdef01234567", "fedcba9876543210fedcba98", "not-hex key"
	recs := []Record{
		{Kind: KindRun, Run: "grid_000000000001", Plan: "p1", Index: 1, Key: ka, Phase: "grid", Seed: 7, Params: [4]string{"1", "2", "3", "0"}, S1: "10", L0: "5"},
		{Kind: KindRun, Run: "grid_000000000000", Plan: "p1", Index: 0, Key: kb, Phase: "grid", Exec: true},
		{Kind: KindRun, Run: "odd id", Plan: "p1", Index: 2, Key: kc, Phase: "frontier", Label: "mid", Cell: 3},
		{Kind: KindRun, Run: "lhs_00000000000a", Plan: "p2", Index: 0, Key: "0123456789abcdef0123456a", Phase: "lhs", Replicate: 1},
		{Kind: KindDone, Run: "grid_000000000001", Manifest: "m1", Fingerprint: "f1", Phi: "0.25", Delta: "0", TTS: "3"},
		{Kind: KindFailed, Run: "odd id", Error: "it broke", Attempts: 2},
		{Kind: KindDone, Run: "lhs_00000000000a", Manifest: "m2", Fingerprint: "f2", Phi: "0.5", Delta: "0.75", TTS: "4"},
		// A second key of a run (extraKeys).
		{Kind: KindRun, Run: "grid_000000000000", Plan: "p1", Index: 0, Key: "abcabcabcabcabcabcabcabc", Phase: "grid", Exec: true},
	}
	st := writeJournal(t, recs, "")
	ctx := context.Background()
	j, err := st.OpenJournal(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Compact(); err != nil {
		t.Fatal(err)
	}
	// Appended after the checkpoint.
	if err := j.Append(Record{Kind: KindDone, Run: "grid_000000000000", Manifest: "m0", Fingerprint: "f0", Phi: "1", Delta: "0.5"},
		Record{Kind: KindRun, Run: "grid_000000000002", Plan: "p1", Index: 3, Key: "0123456789abcdef01234568", Phase: "grid", Exec: true}); err != nil {
		t.Fatal(err)
	}
	j.Close()
	plans := []string{"p1", "p2"}
	keys := []string{ka, kb, kc, "abcabcabcabcabcabcabcabc", "0123456789abcdef0123456a", "0123456789abcdef01234568", "missing"}
	idx := st.Path(JournalIndexFile)
	if _, err := os.Stat(idx); err != nil {
		t.Fatalf("no checkpoint after compaction: %v", err)
	}
	read := func(checkpoint bool) journalView {
		t.Helper()
		j, err := st.ReadJournal(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer j.Close()
		if used := j.fromCheckpoint > 0; used != checkpoint {
			t.Errorf("checkpoint used: %v, want %v", used, checkpoint)
		}
		return viewOf(t, j, plans, keys)
	}
	// From the checkpoint, and then from a full parse.
	fromIndex := read(true)
	cp, err := os.ReadFile(idx)
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(idx)
	parsed := read(false)
	if !reflect.DeepEqual(fromIndex, parsed) {
		t.Fatalf("from the checkpoint:\n%+v\nparsed:\n%+v", fromIndex, parsed)
	}
	if len(parsed.Runs) != 5 || parsed.Keys[kc] != "odd id" || parsed.Keys["abcabcabcabcabcabcabcabc"] != "grid_000000000000" {
		t.Fatalf("the journal read wrong: %+v", parsed)
	}
	// A checkpoint that does not match its journal is not used.
	journal, err := os.ReadFile(st.Path(JournalFile))
	if err != nil {
		t.Fatal(err)
	}
	bad := map[string]func(){
		"damaged checkpoint": func() {
			b := append([]byte(nil), cp...)
			b[len(b)/2] ^= 0x40
			os.WriteFile(idx, b, 0o644)
		},
		"truncated checkpoint": func() { os.WriteFile(idx, cp[:len(cp)-9], 0o644) },
		"journal rewritten in place": func() {
			// Same size and file, other content in the part the
			// checkpoint covers: run 1 no longer done.
			b := append([]byte(nil), journal...)
			copyAt := bytes.Index(b, []byte(`"manifest":"m1"`))
			copy(b[copyAt:], `"manifest":"m9"`)
			f, _ := os.OpenFile(st.Path(JournalFile), os.O_WRONLY, 0)
			f.WriteAt(b, 0)
			f.Close()
			os.WriteFile(idx, cp, 0o644)
		},
		"journal truncated": func() {
			os.WriteFile(idx, cp, 0o644)
			os.Truncate(st.Path(JournalFile), 10)
		},
	}
	for name, do := range bad {
		t.Run(name, func(t *testing.T) {
			os.WriteFile(st.Path(JournalFile), journal, 0o644)
			do()
			got := read(false)
			os.Remove(idx)
			want := read(false)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("with the checkpoint:\n%+v\nparsed:\n%+v", got, want)
			}
		})
	}
}
