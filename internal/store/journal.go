package store

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"os"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"unsafe"

	"github.com/bilancio-go/bilancio/internal/atomicfile"
	"github.com/bilancio-go/bilancio/sdk/runfolder"
)

// The journal (registry/journal.jsonl) is the runner's memory: one JSON
// object per line (a Record), appended, never rewritten except by
// compaction (a temporary file renamed over it, at the end of every sweep
// run), which leaves one "run" record per run holding its state as well.
//
// A process killed while appending leaves at most a partial last line,
// which readers skip. The run folders stay the truth: a "done" run counts
// only while its folder still verifies (see CheckRun), and a run whose
// folder verifies counts as done even if the journal missed it.

// Journal is an experiment's journal: its index in memory and, when opened
// for writing, the file it appends to. Its methods may be called from
// several goroutines.
type Journal struct {
	path string
	f    *os.File
	// write says the journal was opened for appending; size is where the
	// next record goes.
	write bool
	size  int64
	// torn says a failed write left a fragment at the end of the file.
	torn bool
	// fromCheckpoint is the part of the file whose index was loaded from
	// the checkpoint rather than parsed.
	fromCheckpoint int64

	mu sync.RWMutex
	ix *index
}

// OpenJournal opens the store's journal for appending (the caller holds
// the experiment's lock), reading it into memory and ending a torn last
// line first so that the next record starts on a line of its own. It
// stops with ctx's error when ctx is done (a million runs take seconds).
func (s *Store) OpenJournal(ctx context.Context) (*Journal, error) {
	f, err := os.OpenFile(s.Path(JournalFile), os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("opening the journal: %w", err)
	}
	j := &Journal{path: s.Path(JournalFile), f: f, write: true}
	if err := j.load(ctx); err != nil {
		f.Close()
		return nil, err
	}
	if j.size > 0 {
		last := make([]byte, 1)
		if _, err := f.ReadAt(last, j.size-1); err == nil && last[0] != '\n' {
			if _, err := f.Write([]byte{'\n'}); err != nil {
				f.Close()
				return nil, fmt.Errorf("repairing the journal: %w", err)
			}
			j.size++
		}
	}
	return j, nil
}

// ReadJournal reads the store's journal, for looking only; a missing
// journal is empty. It stops with ctx's error when ctx is done.
func (s *Store) ReadJournal(ctx context.Context) (*Journal, error) {
	j := &Journal{path: s.Path(JournalFile)}
	f, err := os.Open(j.path)
	if errors.Is(err, fs.ErrNotExist) {
		j.ix = newIndex()
		return j, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the journal: %w", err)
	}
	j.f = f
	if err := j.load(ctx); err != nil {
		f.Close()
		return nil, err
	}
	return j, nil
}

// Close closes the journal's file and lets its index go (a million runs
// are 80 MB): the journal knows no run afterwards.
func (j *Journal) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.ix = newIndex()
	if j.f == nil {
		return nil
	}
	err := j.f.Close()
	j.f = nil
	return err
}

// Torn counts the lines that did not parse when the journal was read.
func (j *Journal) Torn() int {
	j.mu.RLock()
	defer j.mu.RUnlock()
	return j.ix.torn
}

// Len is the number of runs the journal knows.
func (j *Journal) Len() int {
	j.mu.RLock()
	defer j.mu.RUnlock()
	return int(j.ix.n)
}

// loadBlock is the size of the blocks the journal is read in.
const loadBlock = 4 << 20

// load reads the journal file into a new index. Lines are decoded on every
// CPU, a block at a time, and applied in order; ctx is looked at between
// blocks.
func (j *Journal) load(ctx context.Context) error {
	j.ix = newIndex()
	var base int64
	if ix, size, err := readCheckpoint(checkpointPath(j.path), j.f); err == nil {
		// The checkpoint holds the index of the first size bytes: read
		// only what was appended since.
		if _, err := j.f.Seek(size, io.SeekStart); err == nil {
			j.ix, base, j.fromCheckpoint = ix, size, size
		}
	}
	ld := &loader{ix: j.ix}
	buf := make([]byte, loadBlock)
	filled := 0
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, err := io.ReadFull(j.f, buf[filled:])
		filled += n
		eof := err == io.EOF || err == io.ErrUnexpectedEOF
		if err != nil && !eof {
			return fmt.Errorf("reading the journal: %w", err)
		}
		end := bytes.LastIndexByte(buf[:filled], '\n') + 1
		if eof {
			end = filled
		}
		if end == 0 && !eof {
			// A line longer than the buffer.
			buf = append(buf, make([]byte, len(buf))...)
			continue
		}
		ld.load(buf[:end], base)
		filled = copy(buf, buf[end:filled])
		base += int64(end)
		if eof {
			break
		}
	}
	j.size = base
	return nil
}

// loader decodes journal blocks; its buffers are reused from block to
// block, so that reading a journal of any size allocates only the index.
type loader struct {
	ix    *index
	lines []line
	recs  []rawRecord
	vals  []values
	bad   []bool
}

// line is a journal line and its offset in the file.
type line struct {
	off int64
	b   []byte
}

// load decodes the lines of block, which starts at offset base of the
// journal, and applies them.
func (l *loader) load(block []byte, base int64) {
	l.lines = l.lines[:0]
	for pos := 0; pos < len(block); {
		end := bytes.IndexByte(block[pos:], '\n')
		next := pos + end + 1
		if end < 0 {
			end, next = len(block)-pos, len(block)
		}
		if b := block[pos : pos+end]; len(bytes.TrimSpace(b)) > 0 {
			l.lines = append(l.lines, line{base + int64(pos), b})
		}
		pos = next
	}
	n := len(l.lines)
	if cap(l.recs) < n {
		l.recs, l.vals, l.bad = make([]rawRecord, n), make([]values, n), make([]bool, n)
	}
	recs, vals, bad := l.recs[:n], l.vals[:n], l.bad[:n]
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	per := (n + workers - 1) / workers
	for w := range workers {
		lo, hi := w*per, min((w+1)*per, n)
		if lo >= hi {
			continue
		}
		wg.Go(func() {
			for i := lo; i < hi; i++ {
				bad[i] = decodeRaw(l.lines[i].b, &recs[i]) != nil || len(recs[i].run) == 0
				if !bad[i] {
					vals[i] = valuesOf(&recs[i])
				}
			}
		})
	}
	wg.Wait()
	for i := range n {
		if bad[i] {
			l.ix.torn++
			continue
		}
		l.ix.apply(&recs[i], &vals[i], l.lines[i].off)
		recs[i] = rawRecord{} // no reference to the block survives it
	}
}

// valuesOf reads a record's phi_total and delta_total as floats (Python's
// float() of the Decimal: the correctly rounded double, which is what
// strconv.ParseFloat gives for the same decimal text), as the means of
// status take them; empty or unparsable values count as None.
func valuesOf(r *rawRecord) values {
	var v values
	if f, ok := parseFloat(r.phi); ok {
		v.phi, v.hasPhi = f, true
	}
	if f, ok := parseFloat(r.delta); ok {
		v.delta, v.hasDelta, v.cl = f, true, decimalZero(r.delta)
	}
	return v
}

// parseFloat reads a decimal text as a float without copying it.
func parseFloat(b []byte) (float64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	f, err := strconv.ParseFloat(unsafe.String(&b[0], len(b)), 64)
	return f, err == nil
}

// decimalZero reports whether a decimal text is zero (no digit 1 to 9
// before its exponent): "0", "0.000", "-0E-28".
func decimalZero(b []byte) bool {
	for _, c := range b {
		switch {
		case c == 'e' || c == 'E':
			return true
		case '1' <= c && c <= '9':
			return false
		}
	}
	return true
}

// Append writes records, all in one write, and folds them into the index.
func (j *Journal) Append(recs ...Record) error {
	if !j.write {
		return errors.New("the journal was opened for reading")
	}
	b := make([]byte, 0, 256*len(recs))
	offs := make([]int64, len(recs))
	for i := range recs {
		offs[i] = int64(len(b))
		var err error
		if b, err = appendRecord(b, &recs[i]); err != nil {
			return err
		}
		b = append(b, '\n')
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.torn {
		// An earlier write left a fragment it could not take back: end
		// it, so that this record is a line of its own (readers skip the
		// fragment) rather than glued to it and lost with it.
		b = append([]byte{'\n'}, b...)
		for i := range offs {
			offs[i]++
		}
	}
	if _, err := j.f.Write(b); err != nil {
		// A part of the write may have reached the file (a full disk):
		// take it back, so the file ends with a whole line again.
		if terr := j.f.Truncate(j.size); terr != nil {
			j.torn = true
			if st, serr := j.f.Stat(); serr == nil {
				j.size = st.Size()
			}
		}
		return fmt.Errorf("writing the journal: %w", err)
	}
	j.torn = false
	for i := range recs {
		raw := recs[i].raw()
		v := valuesOf(&raw)
		j.ix.apply(&raw, &v, j.size+offs[i])
	}
	j.size += int64(len(b))
	return nil
}

// readLine reads the journal line at offset off.
func (j *Journal) readLine(off int64) ([]byte, error) {
	if j.f == nil {
		return nil, errors.New("reading the journal: closed")
	}
	buf := make([]byte, 512)
	for {
		n, err := j.f.ReadAt(buf, off)
		if i := bytes.IndexByte(buf[:n], '\n'); i >= 0 {
			return buf[:i], nil
		}
		if err == io.EOF {
			return buf[:n], nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading the journal: %w", err)
		}
		buf = make([]byte, 2*len(buf))
	}
}

// readRecord reads the record at off.
func (j *Journal) readRecord(off int64) (Record, error) {
	var r Record
	line, err := j.readLine(off)
	if err != nil {
		return r, err
	}
	if err := decodeRecord(line, &r); err != nil {
		return r, fmt.Errorf("reading the journal at byte %d: %w", off, err)
	}
	return r, nil
}

// Entry is a run as the journal knows it: a handle on the index.
type Entry struct {
	j *Journal
	i int32
}

// Lookup finds run id.
func (j *Journal) Lookup(id string) (Entry, bool) {
	j.mu.RLock()
	defer j.mu.RUnlock()
	i := j.ix.findID([]byte(id))
	return Entry{j, i}, i >= 0
}

// LookupKey finds the run of a point key.
func (j *Journal) LookupKey(key string) (Entry, bool) {
	j.mu.RLock()
	defer j.mu.RUnlock()
	i := j.ix.findKey([]byte(key))
	return Entry{j, i}, i >= 0
}

// Entries are runs of the journal, in an order: 4 bytes a run.
type Entries struct {
	j   *Journal
	idx []int32
}

// Len is the number of runs.
func (es Entries) Len() int { return len(es.idx) }

// At is the i-th run.
func (es Entries) At(i int) Entry { return Entry{es.j, es.idx[i]} }

// All yields the runs in order.
func (es Entries) All() iter.Seq[Entry] {
	return func(yield func(Entry) bool) {
		for _, i := range es.idx {
			if !yield(Entry{es.j, i}) {
				return
			}
		}
	}
}

// InPlan returns the runs registered under the plan fingerprint, in plan
// order (then by id).
func (j *Journal) InPlan(plan string) Entries {
	j.mu.RLock()
	defer j.mu.RUnlock()
	ix := j.ix
	num, ok := ix.planNum[plan]
	if !ok {
		return Entries{j: j}
	}
	var idx []int32
	for i := range ix.n {
		if ix.at(i).plan == num && ix.at(i).runOff >= 0 {
			idx = append(idx, i)
		}
	}
	ix.sortEntries(idx, false)
	return Entries{j, idx}
}

// Counts counts the runs registered under the plan fingerprint and those
// of them the journal calls done and failed, without ordering them (as
// InPlan does, which takes a while for a million runs).
func (j *Journal) Counts(plan string) (runs, done, failed int) {
	j.mu.RLock()
	defer j.mu.RUnlock()
	ix := j.ix
	num, ok := ix.planNum[plan]
	if !ok {
		return 0, 0, 0
	}
	for i := range ix.n {
		e := ix.at(i)
		if e.plan != num || e.runOff < 0 {
			continue
		}
		runs++
		switch e.state {
		case Done:
			done++
		case Failed:
			failed++
		}
	}
	return runs, done, failed
}

// sortEntries sorts entry numbers by plan index then id (byPlan: by plan
// fingerprint first).
func (ix *index) sortEntries(idx []int32, byPlan bool) {
	slices.SortFunc(idx, func(a, b int32) int {
		ea, eb := ix.at(a), ix.at(b)
		if byPlan {
			if c := cmp.Compare(ix.plans[ea.plan], ix.plans[eb.plan]); c != 0 {
				return c
			}
		}
		if c := cmp.Compare(ea.index, eb.index); c != 0 {
			return c
		}
		return cmp.Compare(ix.idOf(ea), ix.idOf(eb))
	})
}

// get returns a copy of the entry.
func (e Entry) get() (entry, *index) {
	e.j.mu.RLock()
	defer e.j.mu.RUnlock()
	return *e.j.ix.at(e.i), e.j.ix
}

// ID is the run's id.
func (e Entry) ID() string {
	e.j.mu.RLock()
	defer e.j.mu.RUnlock()
	return e.j.ix.idOf(e.j.ix.at(e.i))
}

// State is the run's state.
func (e Entry) State() State { en, _ := e.get(); return en.state }

// Exec says the run was last handed to an executor (and has not ended
// since, unless its state says so).
func (e Entry) Exec() bool { en, _ := e.get(); return en.flags&fExec != 0 }

// Index is the run's place in its plan.
func (e Entry) Index() int { en, _ := e.get(); return int(en.index) }

// Plan is the fingerprint of the plan the run was last registered under.
func (e Entry) Plan() string {
	en, ix := e.get()
	e.j.mu.RLock()
	defer e.j.mu.RUnlock()
	return ix.plans[en.plan]
}

// Key is the point key the run was last registered with ("" without one).
func (e Entry) Key() string {
	e.j.mu.RLock()
	defer e.j.mu.RUnlock()
	return e.j.ix.keyOf(e.j.ix.at(e.i))
}

// Sealed notes that this process has just checked run id's folder, as d
// describes it, and journaled it done (DoneRecord of d): Rebuild then
// writes the run's registry row from the journal instead of checking the
// folder a second time in the same process. A run the journal does not
// hold done with d's manifest is left alone; any later record of the run
// forgets the note (it is never read from the file).
func (j *Journal) Sealed(id string, d *runfolder.Sealed) {
	files := registryFiles(d.Manifest)
	j.mu.Lock()
	defer j.mu.Unlock()
	i := j.ix.findID([]byte(id))
	if i < 0 {
		return
	}
	if e := j.ix.at(i); e.state == Done {
		e.sealed = sealedBit | files
	}
}

// sealedFiles returns the registry files of a run noted by Sealed (bit k
// for registryPaths()[k]); ok is false for any other run.
func (e Entry) sealedFiles() (files uint8, ok bool) {
	en, _ := e.get()
	return en.sealed &^ sealedBit, en.sealed&sealedBit != 0 && en.state == Done
}

// Verified reports whether the journal's latest state of the run records
// the folder d describes (its manifest's checksum and its files' digest),
// so that d need not be journaled again.
func (e Entry) Verified(d *runfolder.Sealed) bool {
	if e.State() != Done {
		return false
	}
	rec, err := e.Record()
	return err == nil && rec.Manifest == d.SHA256 && rec.Fingerprint == d.Fingerprint
}

// Phase is the run's phase.
func (e Entry) Phase() string {
	en, ix := e.get()
	e.j.mu.RLock()
	defer e.j.mu.RUnlock()
	return ix.phases[en.phase]
}

// Outcome is a done run's phi_total and delta_total as floats (ok false
// for None) and whether delta_total is zero.
type Outcome struct {
	Phi, Delta     float64
	HasPhi, HasDel bool
	Cleared        bool
}

// Outcome returns a done run's values.
func (e Entry) Outcome() Outcome {
	en, _ := e.get()
	return Outcome{Phi: en.phi, Delta: en.delta, HasPhi: en.flags&fPhi != 0, HasDel: en.flags&fDelta != 0, Cleared: en.flags&fCleared != 0}
}

// Record reads the run back from the journal file: its latest "run" record
// with its latest state's fields in it (as compaction writes it).
func (e Entry) Record() (Record, error) {
	en, _ := e.get()
	r := Record{Run: e.ID()}
	if en.runOff >= 0 {
		var err error
		if r, err = e.j.readRecord(en.runOff); err != nil {
			return r, err
		}
	}
	s := r
	r.Kind, r.Exec = KindRun, en.flags&fExec != 0
	r.Manifest, r.Fingerprint, r.Phi, r.Delta, r.TTS, r.Error, r.Attempts = "", "", "", "", "", "", 0
	if en.state == Pending || en.stateOff < 0 {
		return r, nil
	}
	if en.stateOff != en.runOff {
		var err error
		if s, err = e.j.readRecord(en.stateOff); err != nil {
			return r, err
		}
	}
	switch en.state {
	case Done:
		r.Manifest, r.Fingerprint, r.Phi, r.Delta, r.TTS = s.Manifest, s.Fingerprint, s.Phi, s.Delta, s.TTS
	case Failed:
		r.Error, r.Attempts = s.Error, s.Attempts
	}
	return r, nil
}

// Compact rewrites the journal with one record per run, holding the run
// and its state, dropping the history (attempts made, runs registered
// again), in plan order. The records are read back one at a time, so
// memory stays flat. The index is then read again from the new file, as a
// reader would (Entry and Entries handles taken before no longer apply,
// and the runs noted Sealed are forgotten), and saved as the checkpoint.
func (j *Journal) Compact() error {
	if !j.write {
		return errors.New("the journal was opened for reading")
	}
	j.mu.RLock()
	idx := make([]int32, j.ix.n)
	for i := range idx {
		idx[i] = int32(i)
	}
	j.ix.sortEntries(idx, true)
	j.mu.RUnlock()
	err := atomicfile.Write(j.path, 0o644, true, atomicfile.WriterFunc(func(w io.Writer) (int64, error) {
		bw := bufio.NewWriterSize(w, 1<<20)
		var n int64
		var line []byte
		for _, i := range idx {
			r, err := Entry{j, i}.Record()
			if err != nil {
				return n, err
			}
			r.Exec = false
			if r.Error != "" {
				r.Attempts = max(r.Attempts, 1)
			}
			line, err = appendRecord(line[:0], &r)
			if err != nil {
				return n, err
			}
			m, err := bw.Write(append(line, '\n'))
			n += int64(m)
			if err != nil {
				return n, err
			}
		}
		return n, bw.Flush()
	}))
	if err != nil {
		return fmt.Errorf("compacting the journal: %w", err)
	}
	// The file was replaced: reopen it and read it back, a reader's index
	// of it replacing the old one (which is let go first: a million runs
	// are 80 MB), and save that index as the journal's checkpoint.
	f, err := os.OpenFile(j.path, os.O_RDWR|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("reopening the journal: %w", err)
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.f.Close()
	j.f, j.ix, j.torn, j.fromCheckpoint = f, nil, false, 0
	// Collect the old index now, so that the two are never in memory
	// together (the collector would otherwise let the heap grow to hold
	// both before it runs).
	runtime.GC()
	if err := j.load(context.Background()); err != nil {
		return fmt.Errorf("reading the compacted journal: %w", err)
	}
	// The next reader loads this index instead of parsing the journal; a
	// checkpoint that could not be written only costs it that parse.
	if j.size > 0 {
		if err := j.writeCheckpoint(j.ix, j.size); err != nil {
			os.Remove(checkpointPath(j.path))
		}
	}
	return nil
}

// EmptyJournal is the journal of an experiment folder that does not exist
// yet: it knows no run.
func EmptyJournal() *Journal { return &Journal{ix: newIndex()} }
