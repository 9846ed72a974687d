package store

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"math"
	"os"
	"slices"
	"strings"

	"github.com/bilancio-go/bilancio/internal/atomicfile"
)

// The journal's checkpoint (registry/journal.idx) is its in-memory index
// saved in binary, so that a reader of a big journal (a million runs are
// 370 MB of JSON) loads the index and parses only the lines appended since.
// It is written after each compaction (the end of every sweep run), by the
// holder of the experiment's lock, to a temporary name renamed over the
// old one. It names the journal it describes: the file's identity (inode,
// where the system has one), the size it covers and a checksum of the last
// bytes of that part; a checkpoint that does not match the journal (it was
// replaced, truncated or rewritten since) or that does not read back whole
// (a CRC-32C over the file) is ignored and the journal is read in full. It
// is a cache: removing it loses nothing.

// JournalIndexFile is the journal's checkpoint.
const JournalIndexFile = "registry/journal.idx"

// checkpointMagic starts a checkpoint; its last digits are the format's
// version.
const checkpointMagic = "bilancio journal index 1\n"

// checkpointTail is how many bytes at the end of the part of the journal a
// checkpoint covers are checksummed in it.
const checkpointTail = 4096

// entrySize is the size of an entry in a checkpoint.
const entrySize = 64

// checkpointPath is the checkpoint of the journal at path.
func checkpointPath(journal string) string {
	return strings.TrimSuffix(journal, ".jsonl") + ".idx"
}

// journalMark identifies the part [0, size) of a journal file.
type journalMark struct {
	size int64
	id   uint64
	tail [sha256.Size]byte
}

// markOf reads the mark of the first size bytes of f.
func markOf(f *os.File, size int64) (journalMark, error) {
	m := journalMark{size: size}
	fi, err := f.Stat()
	if err != nil {
		return m, err
	}
	m.id = fileID(fi)
	n := min(size, checkpointTail)
	b := make([]byte, n)
	if _, err := f.ReadAt(b, size-n); err != nil {
		return m, err
	}
	m.tail = sha256.Sum256(b)
	return m, nil
}

// writeCheckpoint saves ix as the checkpoint of the journal's first size
// bytes, whose index it is (the caller holds j.mu).
func (j *Journal) writeCheckpoint(ix *index, size int64) error {
	mark, err := markOf(j.f, size)
	if err != nil {
		return fmt.Errorf("writing the journal's checkpoint: %w", err)
	}
	err = atomicfile.Write(checkpointPath(j.path), 0o644, false, atomicfile.WriterFunc(func(w io.Writer) (int64, error) {
		cw := &checkpointWriter{w: bufio.NewWriterSize(w, 1<<20), crc: crc32.New(crc32.MakeTable(crc32.Castagnoli))}
		cw.encode(ix, mark)
		return cw.n, cw.finish()
	}))
	if err != nil {
		return fmt.Errorf("writing the journal's checkpoint: %w", err)
	}
	return nil
}

// checkpointWriter writes a checkpoint, checksumming it.
type checkpointWriter struct {
	w   *bufio.Writer
	crc hash.Hash32
	n   int64
	err error
	buf [entrySize]byte
}

func (w *checkpointWriter) bytes(b []byte) {
	if w.err != nil {
		return
	}
	w.crc.Write(b)
	_, w.err = w.w.Write(b)
	w.n += int64(len(b))
}

func (w *checkpointWriter) u64(v uint64) { w.bytes(binary.LittleEndian.AppendUint64(w.buf[:0], v)) }

func (w *checkpointWriter) u32(v uint32) { w.bytes(binary.LittleEndian.AppendUint32(w.buf[:0], v)) }

func (w *checkpointWriter) blob(b []byte) {
	w.u64(uint64(len(b)))
	w.bytes(b)
}

func (w *checkpointWriter) strs(ss []string) {
	w.u32(uint32(len(ss)))
	for _, s := range ss {
		w.blob([]byte(s))
	}
}

func (w *checkpointWriter) table(t *table) {
	w.u64(uint64(t.n))
	w.u64(uint64(len(t.slots)))
	for _, s := range t.slots {
		w.u32(s)
	}
	w.bytes(t.tags)
}

// encode writes the index and the mark of the journal it describes.
func (w *checkpointWriter) encode(ix *index, mark journalMark) {
	w.bytes([]byte(checkpointMagic))
	w.u64(uint64(mark.size))
	w.u64(mark.id)
	w.bytes(mark.tail[:])
	w.u64(uint64(ix.torn))
	w.strs(ix.plans)
	w.strs(ix.phases)
	w.strs(ix.prefixes)
	w.blob(ix.arena)
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range ix.extraKeys {
			if !yield(k) {
				return
			}
		}
	})
	w.u32(uint32(len(keys)))
	for _, k := range keys {
		w.blob([]byte(k))
		w.u32(uint32(ix.extraKeys[k]))
	}
	w.u64(uint64(ix.n))
	for i := range ix.n {
		w.bytes(putEntry(w.buf[:], ix.at(i)))
	}
	w.table(&ix.byID)
	w.table(&ix.byKey)
}

// finish writes the checksum and flushes.
func (w *checkpointWriter) finish() error {
	sum := w.crc.Sum32()
	w.u32(sum)
	if w.err != nil {
		return w.err
	}
	return w.w.Flush()
}

// putEntry encodes an entry (without its sealed note, which belongs to the
// process that made it).
func putEntry(b []byte, e *entry) []byte {
	le := binary.LittleEndian
	le.PutUint64(b[0:], e.id)
	le.PutUint64(b[8:], uint64(e.runOff))
	le.PutUint64(b[16:], uint64(e.stateOff))
	le.PutUint64(b[24:], math.Float64bits(e.phi))
	le.PutUint64(b[32:], math.Float64bits(e.delta))
	copy(b[40:52], e.key[:])
	le.PutUint32(b[52:], uint32(e.index))
	le.PutUint16(b[56:], e.plan)
	b[58], b[59], b[60] = e.phase, e.flags, uint8(e.state)
	b[61], b[62], b[63] = 0, 0, 0
	return b[:entrySize]
}

// getEntry decodes an entry.
func getEntry(b []byte, e *entry) {
	le := binary.LittleEndian
	*e = entry{
		id: le.Uint64(b[0:]), runOff: int64(le.Uint64(b[8:])), stateOff: int64(le.Uint64(b[16:])),
		phi: math.Float64frombits(le.Uint64(b[24:])), delta: math.Float64frombits(le.Uint64(b[32:])),
		index: int32(le.Uint32(b[52:])), plan: le.Uint16(b[56:]), phase: b[58], flags: b[59], state: State(b[60]),
	}
	copy(e.key[:], b[40:52])
}

// errCheckpoint is a checkpoint that does not read back.
var errCheckpoint = errors.New("not a checkpoint of this journal")

// checkpointReader reads a checkpoint, checksumming it.
type checkpointReader struct {
	r   *bufio.Reader
	crc hash.Hash32
	err error
	buf [entrySize]byte
}

func (r *checkpointReader) bytes(b []byte) {
	if r.err != nil {
		return
	}
	if _, r.err = io.ReadFull(r.r, b); r.err == nil {
		r.crc.Write(b)
	}
}

func (r *checkpointReader) u64() uint64 {
	r.bytes(r.buf[:8])
	return binary.LittleEndian.Uint64(r.buf[:8])
}

func (r *checkpointReader) u32() uint32 {
	r.bytes(r.buf[:4])
	return binary.LittleEndian.Uint32(r.buf[:4])
}

// blob reads a length and as many bytes, at most limit of them.
func (r *checkpointReader) blob(limit uint64) []byte {
	n := r.u64()
	if r.err != nil || n > limit {
		r.fail()
		return nil
	}
	b := make([]byte, n)
	r.bytes(b)
	return b
}

func (r *checkpointReader) strs(limit int) []string {
	n := r.u32()
	if r.err != nil || int(n) > limit {
		r.fail()
		return nil
	}
	out := make([]string, 0, n)
	for range n {
		out = append(out, string(r.blob(1<<16)))
	}
	return out
}

func (r *checkpointReader) table(t *table, entries int32) {
	t.n = int(r.u64())
	size := r.u64()
	if r.err != nil || size&(size-1) != 0 || size > 1<<33 || uint64(t.n) > size || t.n > int(entries) {
		r.fail()
		return
	}
	t.slots, t.tags = make([]uint32, size), make([]uint8, size)
	buf := make([]byte, 4*4096)
	for lo := 0; lo < len(t.slots) && r.err == nil; lo += 4096 {
		hi := min(lo+4096, len(t.slots))
		r.bytes(buf[:4*(hi-lo)])
		for i := lo; i < hi; i++ {
			s := binary.LittleEndian.Uint32(buf[4*(i-lo):])
			if s > uint32(entries) {
				r.fail()
			}
			t.slots[i] = s
		}
	}
	r.bytes(t.tags)
}

func (r *checkpointReader) fail() {
	if r.err == nil {
		r.err = errCheckpoint
	}
}

// readCheckpoint reads the checkpoint of the journal open as f: the index
// of the journal's first size bytes. It fails (and the journal is read in
// full) when there is none, or it does not describe this journal's
// content, or does not read back whole.
func readCheckpoint(path string, f *os.File) (ix *index, size int64, err error) {
	cf, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer cf.Close()
	r := &checkpointReader{r: bufio.NewReaderSize(cf, 1<<20), crc: crc32.New(crc32.MakeTable(crc32.Castagnoli))}
	magic := make([]byte, len(checkpointMagic))
	r.bytes(magic)
	if r.err != nil || string(magic) != checkpointMagic {
		return nil, 0, errCheckpoint
	}
	var want journalMark
	want.size = int64(r.u64())
	want.id = r.u64()
	r.bytes(want.tail[:])
	if r.err != nil {
		return nil, 0, errCheckpoint
	}
	fi, err := f.Stat()
	if err != nil || want.size <= 0 || fi.Size() < want.size {
		return nil, 0, errCheckpoint
	}
	if got, err := markOf(f, want.size); err != nil || got != want {
		return nil, 0, errCheckpoint
	}
	ix = newIndex()
	ix.torn = int(r.u64())
	ix.plans = r.strs(math.MaxUint16 + 1)
	ix.phases = r.strs(math.MaxUint8 + 1)
	ix.prefixes = r.strs(math.MaxUint16)
	for k, s := range ix.plans {
		ix.planNum[s] = uint16(k)
	}
	for k, s := range ix.phases {
		ix.phaseNum[s] = uint8(k)
	}
	for k, s := range ix.prefixes {
		ix.prefNum[s] = uint16(k)
	}
	ix.arena = r.blob(uint64(fi.Size()))
	nkeys := r.u32()
	if nkeys > 0 {
		ix.extraKeys = make(map[string]int32, nkeys)
	}
	for range nkeys {
		if r.err != nil {
			break
		}
		k := r.blob(1 << 16)
		ix.extraKeys[string(k)] = int32(r.u32())
	}
	n := r.u64()
	if r.err != nil || n > math.MaxInt32 {
		return nil, 0, errCheckpoint
	}
	for i := int32(0); i < int32(n) && r.err == nil; i++ {
		r.bytes(r.buf[:])
		e := ix.at(ix.add())
		getEntry(r.buf[:], e)
		if !ix.valid(e) {
			r.fail()
		}
	}
	for _, i := range ix.extraKeys {
		if i < 0 || i >= ix.n {
			r.fail()
		}
	}
	r.table(&ix.byID, ix.n)
	r.table(&ix.byKey, ix.n)
	sum := r.crc.Sum32()
	var end [4]byte
	if _, err := io.ReadFull(r.r, end[:]); err != nil || r.err != nil || binary.LittleEndian.Uint32(end[:]) != sum {
		return nil, 0, errCheckpoint
	}
	if _, err := r.r.ReadByte(); err != io.EOF {
		return nil, 0, errCheckpoint
	}
	return ix, want.size, nil
}

// valid reports whether a decoded entry's numbers point inside the index's
// tables (a checkpoint whose checksum matches has them right; this keeps a
// wrong one from crashing a reader).
func (ix *index) valid(e *entry) bool {
	if e.flags&fIDArena != 0 {
		if e.id>>16+e.id&0xffff > uint64(len(ix.arena)) {
			return false
		}
	} else if p := e.id >> 48; p == 0 || p > uint64(len(ix.prefixes)) {
		return false
	}
	if e.flags&fKeyArena != 0 {
		p := binary.BigEndian.Uint64(e.key[:8])
		if p>>16+p&0xffff > uint64(len(ix.arena)) {
			return false
		}
	}
	return int(e.plan) < max(len(ix.plans), 1) && int(e.phase) < max(len(ix.phases), 1) && e.state <= Failed
}
