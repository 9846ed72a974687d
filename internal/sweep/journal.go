package sweep

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime"
	"slices"
	"sync"
)

// The journal (registry/journal.jsonl) is the runner's memory: one JSON
// object per line, appended, never rewritten except by compaction (a
// temporary file renamed over it). It records
//
//   - "run": a run of the plan, with its point, id and S1/L0, before the run
//     is handed to an executor (exec true) or when a run done under an
//     earlier plan is found again;
//   - "done": a run whose folder verified, with the SHA-256 of its
//     manifest and the registry's summary values;
//   - "failed": a run that failed for good, with the reason.
//
// Compaction (at the end of every sweep run) leaves one "run" record per
// run holding its state as well.
//
// A process killed while appending leaves at most a partial last line,
// which readers skip. The run folders stay the truth: a "done" run counts
// only while its manifest is there with the recorded checksum, and a run
// whose manifest verifies counts as done even if the journal missed it.

// Journal record kinds.
const (
	recRun    = "run"
	recDone   = "done"
	recFailed = "failed"
)

// record is one line of the journal.
type record struct {
	Kind string `json:"k"`
	Run  string `json:"run"`

	// "run" records.
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

	// "done" records.
	Manifest string `json:"manifest,omitempty"`
	Phi      string `json:"phi,omitempty"`
	Delta    string `json:"delta,omitempty"`
	TTS      string `json:"tts,omitempty"`

	// "failed" records.
	Error    string `json:"error,omitempty"`
	Attempts int    `json:"attempts,omitempty"`
}

// runState is what the journal says of a run.
type runState uint8

const (
	statePending runState = iota
	stateDone
	stateFailed
)

// entry is a run as the journal knows it: its latest "run" record and its
// latest state.
type entry struct {
	record
	state    runState
	manifest string // "done": the manifest's SHA-256
	phi      string
	delta    string
	tts      string
	err      string
	attempts int
}

// journalIndex is the journal read into memory: every run it knows, by id
// and by point key. It holds a few hundred bytes per run (tens of MB for a
// sweep of 100,000 runs), never a scenario.
type journalIndex struct {
	byID  map[string]*entry
	byKey map[string]*entry
	// torn counts the lines that did not parse (a torn last line).
	torn int
}

func newJournalIndex() *journalIndex {
	return &journalIndex{byID: map[string]*entry{}, byKey: map[string]*entry{}}
}

// apply folds one record into the index.
func (ix *journalIndex) apply(r *record) {
	e := ix.byID[r.Run]
	switch r.Kind {
	case recRun:
		if e == nil {
			e = &entry{}
			ix.byID[r.Run] = e
		}
		e.record = *r
		if r.Key != "" {
			ix.byKey[r.Key] = e
		}
		switch {
		case r.Manifest != "":
			// A compacted record: the run and its state in one line.
			e.state, e.manifest, e.phi, e.delta, e.tts, e.err = stateDone, r.Manifest, r.Phi, r.Delta, r.TTS, ""
		case r.Error != "":
			e.state, e.err, e.attempts = stateFailed, r.Error, r.Attempts
		case r.Exec && e.state == stateFailed:
			e.state = statePending
		}
	case recDone:
		if e == nil {
			return
		}
		e.state, e.manifest, e.phi, e.delta, e.tts, e.err = stateDone, r.Manifest, r.Phi, r.Delta, r.TTS, ""
	case recFailed:
		if e == nil {
			return
		}
		e.state, e.err, e.attempts = stateFailed, r.Error, r.Attempts
	}
}

// inPlan returns the entries registered under the plan fingerprint, in
// plan order.
func (ix *journalIndex) inPlan(plan string) []*entry {
	var out []*entry
	for _, e := range ix.byID {
		if e.Plan == plan {
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b *entry) int {
		return cmp.Or(cmp.Compare(a.Index, b.Index), cmp.Compare(a.Run, b.Run))
	})
	return out
}

// readJournal reads the store's journal; a missing journal is empty.
func (s *Store) readJournal() (*journalIndex, error) {
	f, err := os.Open(s.Path(JournalFile))
	if errors.Is(err, fs.ErrNotExist) {
		return newJournalIndex(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the journal: %w", err)
	}
	defer f.Close()
	return parseJournal(f)
}

// parseJournal reads journal lines. The lines are decoded on every CPU and
// applied in order.
func parseJournal(r io.Reader) (*journalIndex, error) {
	ix := newJournalIndex()
	br := bufio.NewReaderSize(r, 1<<20)
	const chunkLines = 4096
	var lines [][]byte
	flush := func() ([]record, int) {
		recs := make([]record, len(lines))
		bad := make([]bool, len(lines))
		var wg sync.WaitGroup
		workers := runtime.GOMAXPROCS(0)
		per := (len(lines) + workers - 1) / workers
		for w := range workers {
			lo, hi := w*per, min((w+1)*per, len(lines))
			if lo >= hi {
				continue
			}
			wg.Go(func() {
				for i := lo; i < hi; i++ {
					if decodeRecord(lines[i], &recs[i]) != nil || recs[i].Run == "" {
						bad[i] = true
					}
				}
			})
		}
		wg.Wait()
		torn := 0
		out := recs[:0]
		for i := range recs {
			if bad[i] {
				torn++
				continue
			}
			out = append(out, recs[i])
		}
		lines = lines[:0]
		return out, torn
	}
	apply := func() {
		recs, torn := flush()
		ix.torn += torn
		for i := range recs {
			ix.apply(&recs[i])
		}
	}
	for {
		line, err := br.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			lines = append(lines, line)
			if len(lines) == chunkLines {
				apply()
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading the journal: %w", err)
		}
	}
	apply()
	return ix, nil
}

// journal appends records to the store's journal.
type journal struct {
	f *os.File
}

// openJournal opens the journal for appending, ending a torn last line
// first so that the next record starts on a line of its own.
func (s *Store) openJournal() (*journal, error) {
	f, err := os.OpenFile(s.Path(JournalFile), os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("opening the journal: %w", err)
	}
	if st, err := f.Stat(); err == nil && st.Size() > 0 {
		last := make([]byte, 1)
		if _, err := f.ReadAt(last, st.Size()-1); err == nil && last[0] != '\n' {
			if _, err := f.Write([]byte{'\n'}); err != nil {
				f.Close()
				return nil, fmt.Errorf("repairing the journal: %w", err)
			}
		}
	}
	return &journal{f: f}, nil
}

// append writes records, all in one write.
func (j *journal) append(recs ...record) error {
	var b []byte
	for i := range recs {
		line, err := json.Marshal(&recs[i])
		if err != nil {
			return fmt.Errorf("encoding a journal record: %w", err)
		}
		b = append(append(b, line...), '\n')
	}
	if _, err := j.f.Write(b); err != nil {
		return fmt.Errorf("writing the journal: %w", err)
	}
	return nil
}

// close closes the journal.
func (j *journal) close() error { return j.f.Close() }

// compactJournal rewrites the journal with one record per run, holding the
// run and its state, dropping the history (attempts made, runs registered
// again).
func (s *Store) compactJournal(ix *journalIndex) error {
	all := make([]*entry, 0, len(ix.byID))
	for _, e := range ix.byID {
		all = append(all, e)
	}
	slices.SortFunc(all, func(a, b *entry) int {
		return cmp.Or(cmp.Compare(a.Plan, b.Plan), cmp.Compare(a.Index, b.Index), cmp.Compare(a.Run, b.Run))
	})
	var b []byte
	add := func(r *record) error {
		line, err := json.Marshal(r)
		if err != nil {
			return fmt.Errorf("encoding a journal record: %w", err)
		}
		b = append(append(b, line...), '\n')
		return nil
	}
	for _, e := range all {
		r := e.record
		r.Kind, r.Exec = recRun, false
		r.Manifest, r.Phi, r.Delta, r.TTS, r.Error, r.Attempts = "", "", "", "", "", 0
		switch e.state {
		case stateDone:
			r.Manifest, r.Phi, r.Delta, r.TTS = e.manifest, e.phi, e.delta, e.tts
		case stateFailed:
			r.Error, r.Attempts = e.err, max(e.attempts, 1)
		}
		if err := add(&r); err != nil {
			return err
		}
	}
	return writeFileAtomic(s.Path(JournalFile), b)
}
