package store

import (
	"encoding/binary"
	"encoding/hex"
	"math"
)

// The journal's in-memory index holds, for every run the journal knows, a
// fixed-size entry of about 64 bytes: its id and point key packed (a run id
// "grid_0123456789ab" is 8 bytes, a 24-hex-digit key 12), its plan and
// phase as small numbers, its state, its place in the plan, the journal
// offsets of its latest "run" record and of the record holding its latest
// state, and its phi_total and delta_total as floats (for the means of
// status). Everything else (S1, L0, the parameters, the manifest's
// checksum, the error) is read back from the journal file when needed. Two
// open-addressing tables of 4-byte slots find entries by id and by key. A
// million runs take about 80 MB.

// State is what the journal says of a run.
type State uint8

// Run states.
const (
	Pending State = iota
	Done
	Failed
)

// String names a state.
func (s State) String() string {
	switch s {
	case Done:
		return "done"
	case Failed:
		return "failed"
	}
	return "pending"
}

// entry flags.
const (
	fIDArena  uint8 = 1 << iota // id is in the arena (not prefix_12hex)
	fKeyArena                   // key is in the arena (not 24 hex digits)
	fHasKey
	fExec
	fPhi     // phi holds a value
	fDelta   // delta holds a value
	fCleared // delta_total is zero
)

// entry is a run in the index (64 bytes, fields ordered to pack).
type entry struct {
	id       uint64
	runOff   int64 // offset of the latest "run" record (-1: none)
	stateOff int64 // offset of the record with the latest state (-1: none)
	phi      float64
	delta    float64
	key      [12]byte
	index    int32 // the run's place in its plan (a plan of more runs than that could not be held anyway)
	plan     uint16
	phase    uint8
	flags    uint8
	state    State
	// sealed is set (sealedBit | the registry files the folder has) by
	// Journal.Sealed: this process checked the folder its done record
	// describes. Any later record of the run clears it.
	sealed uint8
}

// sealedBit marks an entry's sealed byte as set.
const sealedBit uint8 = 1 << 7

// entryChunk is the number of entries allocated at once, so that the
// index grows without copying.
const entryChunk = 1 << 14

// index is the journal read into memory.
type index struct {
	chunks [][]entry
	n      int32

	plans    []string
	planNum  map[string]uint16
	phases   []string
	phaseNum map[string]uint8
	prefixes []string
	prefNum  map[string]uint16
	arena    []byte

	byID, byKey table
	extraKeys   map[string]int32
	// torn counts the lines that did not parse (a torn last line).
	torn int
}

func newIndex() *index {
	return &index{
		planNum: map[string]uint16{}, phaseNum: map[string]uint8{}, prefNum: map[string]uint16{},
	}
}

// at returns entry i.
func (ix *index) at(i int32) *entry { return &ix.chunks[i/entryChunk][i%entryChunk] }

// add appends an empty entry and returns its number.
func (ix *index) add() int32 {
	if int(ix.n)%entryChunk == 0 {
		ix.chunks = append(ix.chunks, make([]entry, entryChunk))
	}
	i := ix.n
	ix.n++
	*ix.at(i) = entry{runOff: -1, stateOff: -1}
	return i
}

// intern returns s's number in a small table, adding it; ok is false when
// the table is full.
func intern[N uint8 | uint16](tab *[]string, nums map[string]N, s []byte) (N, bool) {
	if n, ok := nums[string(s)]; ok {
		return n, true
	}
	var limit N
	limit--
	if len(*tab) > int(limit) {
		return 0, false
	}
	n := N(len(*tab))
	*tab = append(*tab, string(s))
	nums[string(s)] = n
	return n, true
}

// hexValue decodes lowercase hex digits into dst; false when s is not
// exactly that.
func hexValue(dst []byte, s []byte) bool {
	if len(s) != 2*len(dst) {
		return false
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	_, err := hex.Decode(dst, s)
	return err == nil
}

// idHexLen is the length of the hash part of a run id.
const idHexLen = 12

// packID packs a run id "prefix_<12 hex digits>" whose prefix is known
// (add: learning it) into 8 bytes: the prefix's number + 1 in the top 16
// bits, the hash in the low 48. ok is false for any other id.
func (ix *index) packID(id []byte, add bool) (uint64, bool) {
	if len(id) < idHexLen+2 || id[len(id)-idHexLen-1] != '_' {
		return 0, false
	}
	var h [8]byte
	if !hexValue(h[2:], id[len(id)-idHexLen:]) {
		return 0, false
	}
	prefix := id[:len(id)-idHexLen-1]
	n, ok := ix.prefNum[string(prefix)]
	if !ok {
		if !add {
			return 0, false
		}
		if n, ok = intern(&ix.prefixes, ix.prefNum, prefix); !ok {
			return 0, false
		}
	}
	if n == math.MaxUint16 {
		return 0, false
	}
	return uint64(n+1)<<48 | binary.BigEndian.Uint64(h[:]), true
}

// packKey packs a 24-hex-digit key into 12 bytes.
func packKey(key []byte) ([12]byte, bool) {
	var k [12]byte
	return k, hexValue(k[:], key)
}

// stash puts s in the arena and returns its place (offset << 16 | length).
func (ix *index) stash(s []byte) uint64 {
	off := len(ix.arena)
	ix.arena = append(ix.arena, s...)
	return uint64(off)<<16 | uint64(len(s))
}

// unstash returns the arena's bytes at place p.
func (ix *index) unstash(p uint64) []byte {
	off, n := p>>16, p&0xffff
	return ix.arena[off : off+n]
}

// idOf returns entry e's run id.
func (ix *index) idOf(e *entry) string {
	var b [64]byte
	return string(ix.appendID(b[:0], e))
}

// appendID appends entry e's run id to dst.
func (ix *index) appendID(dst []byte, e *entry) []byte {
	if e.flags&fIDArena != 0 {
		return append(dst, ix.unstash(e.id)...)
	}
	var h [8]byte
	binary.BigEndian.PutUint64(h[:], e.id)
	dst = append(append(dst, ix.prefixes[e.id>>48-1]...), '_')
	return hex.AppendEncode(dst, h[2:])
}

// keyOf returns entry e's key ("" without one).
func (ix *index) keyOf(e *entry) string {
	switch {
	case e.flags&fHasKey == 0:
		return ""
	case e.flags&fKeyArena != 0:
		return string(ix.unstash(binary.BigEndian.Uint64(e.key[:8])))
	}
	return hex.EncodeToString(e.key[:])
}

// mix scrambles a 64-bit value (splitmix64's finaliser).
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}

// bytesHash is the hash of an id or a key that is not packed: FNV-1a,
// scrambled. It is the same in every process, so that the tables can be
// saved with the index (see checkpoint.go).
func bytesHash(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h = (h ^ uint64(c)) * 1099511628211
	}
	return mix(h)
}

// idHash is the hash of a run id for the id table.
func (ix *index) idHash(id []byte, packed uint64, isPacked bool) uint64 {
	if isPacked {
		return mix(packed)
	}
	return bytesHash(id)
}

// keyHash is the hash of a key for the key table.
func (ix *index) keyHash(key []byte, packed [12]byte, isPacked bool) uint64 {
	if isPacked {
		return mix(binary.LittleEndian.Uint64(packed[:8]) ^ uint64(binary.LittleEndian.Uint32(packed[8:]))<<17)
	}
	return bytesHash(key)
}

// findID returns the entry of run id, or -1.
func (ix *index) findID(id []byte) int32 {
	packed, ok := ix.packID(id, false)
	return ix.byID.find(ix.idHash(id, packed, ok), func(i int32) bool {
		e := ix.at(i)
		if ok {
			return e.flags&fIDArena == 0 && e.id == packed
		}
		return e.flags&fIDArena != 0 && string(ix.unstash(e.id)) == string(id)
	})
}

// findKey returns the entry the point key leads to, or -1.
func (ix *index) findKey(key []byte) int32 {
	if i, ok := ix.extraKeys[string(key)]; ok {
		return i
	}
	packed, ok := packKey(key)
	return ix.byKey.find(ix.keyHash(key, packed, ok), ix.keyEq(key, packed, ok))
}

// keyEq compares an entry's key with key.
func (ix *index) keyEq(key []byte, packed [12]byte, ok bool) func(int32) bool {
	return func(i int32) bool {
		e := ix.at(i)
		if e.flags&fHasKey == 0 {
			return false
		}
		if ok {
			return e.flags&fKeyArena == 0 && e.key == packed
		}
		return e.flags&fKeyArena != 0 && string(ix.unstash(binary.BigEndian.Uint64(e.key[:8]))) == string(key)
	}
}

// entryFor returns run id's entry, adding it.
func (ix *index) entryFor(id []byte) int32 {
	packed, ok := ix.packID(id, true)
	h := ix.idHash(id, packed, ok)
	i := ix.byID.find(h, func(i int32) bool {
		e := ix.at(i)
		if ok {
			return e.flags&fIDArena == 0 && e.id == packed
		}
		return e.flags&fIDArena != 0 && string(ix.unstash(e.id)) == string(id)
	})
	if i >= 0 {
		return i
	}
	i = ix.add()
	e := ix.at(i)
	if ok {
		e.id = packed
	} else {
		e.id, e.flags = ix.stash(id), fIDArena
	}
	ix.byID.insert(h, i, ix.entryIDHash)
	return i
}

// setKey points key at entry i: the latest run with that key wins. An
// entry's first key is kept in the entry and found through the key table;
// a second key of the same run (two points written differently that give
// the same scenario), and a key taken over by a run whose own key is
// another, go to extraKeys, which is looked at first.
func (ix *index) setKey(i int32, key []byte) {
	e := ix.at(i)
	packed, ok := packKey(key)
	eq := ix.keyEq(key, packed, ok)
	if e.flags&fHasKey == 0 {
		if ok {
			e.key, e.flags = packed, e.flags|fHasKey
		} else {
			binary.BigEndian.PutUint64(e.key[:8], ix.stash(key))
			e.flags |= fKeyArena | fHasKey
		}
	}
	if eq(i) {
		// key is i's own key: the table points at i.
		delete(ix.extraKeys, string(key))
		h := ix.keyHash(key, packed, ok)
		if j := ix.byKey.find(h, eq); j >= 0 {
			ix.byKey.replace(h, j, i)
			return
		}
		ix.byKey.insert(h, i, ix.entryKeyHash)
		return
	}
	if ix.extraKeys == nil {
		ix.extraKeys = map[string]int32{}
	}
	ix.extraKeys[string(key)] = i
}

// entryIDHash is the id table's hash of entry i.
func (ix *index) entryIDHash(i int32) uint64 {
	e := ix.at(i)
	if e.flags&fIDArena != 0 {
		return bytesHash(ix.unstash(e.id))
	}
	return mix(e.id)
}

// entryKeyHash is the key table's hash of entry i (its first key).
func (ix *index) entryKeyHash(i int32) uint64 {
	e := ix.at(i)
	if e.flags&fKeyArena != 0 {
		return bytesHash(ix.unstash(binary.BigEndian.Uint64(e.key[:8])))
	}
	return ix.keyHash(nil, e.key, true)
}

// values are a record's summary values read as floats for the means.
type values struct {
	phi, delta           float64
	hasPhi, hasDelta, cl bool
}

// apply folds one record, found at offset off of the journal, into the
// index.
func (ix *index) apply(r *rawRecord, v *values, off int64) {
	kind := string(r.kind)
	if kind != KindRun {
		i := ix.findID(r.run)
		if i < 0 {
			return
		}
		ix.at(i).sealed = 0
		switch kind {
		case KindDone:
			ix.setState(ix.at(i), Done, v, off)
		case KindFailed:
			ix.setState(ix.at(i), Failed, v, off)
		case KindDamaged:
			ix.setState(ix.at(i), Pending, v, -1)
		}
		return
	}
	i := ix.entryFor(r.run)
	e := ix.at(i)
	e.runOff = off
	e.sealed = 0
	plan, _ := intern(&ix.plans, ix.planNum, r.plan)
	phase, _ := intern(&ix.phases, ix.phaseNum, r.phase)
	e.plan, e.phase, e.index = plan, phase, int32(min(max(r.index, 0), math.MaxInt32))
	if r.exec {
		e.flags |= fExec
	} else {
		e.flags &^= fExec
	}
	if len(r.key) > 0 {
		ix.setKey(i, r.key)
	}
	switch {
	case len(r.manifest) > 0:
		// A compacted record: the run and its state in one line.
		ix.setState(e, Done, v, off)
	case len(r.err) > 0:
		ix.setState(e, Failed, v, off)
	case r.exec && e.state == Failed:
		e.state = Pending
	}
}

// setState records a run's new state, held by the record at off.
func (ix *index) setState(e *entry, s State, v *values, off int64) {
	e.state, e.stateOff = s, off
	e.flags &^= fPhi | fDelta | fCleared
	e.phi, e.delta = 0, 0
	if s != Done {
		return
	}
	e.phi, e.delta = v.phi, v.delta
	if v.hasPhi {
		e.flags |= fPhi
	}
	if v.hasDelta {
		e.flags |= fDelta
	}
	if v.cl {
		e.flags |= fCleared
	}
}

// table is an open-addressing hash table of entry numbers (slots hold the
// number + 1; 0 is empty) with linear probing, grown to keep it at most
// three quarters full. Each slot has a tag, 8 bits of its entry's hash, so
// that a probe reads an entry (a likely cache miss) only when the tags
// match.
type table struct {
	slots []uint32
	tags  []uint8
	n     int
}

// tagOf is a hash's tag.
func tagOf(h uint64) uint8 { return uint8(h >> 56) }

// find returns the entry number with hash h for which eq holds, or -1.
func (t *table) find(h uint64, eq func(int32) bool) int32 {
	if len(t.slots) == 0 {
		return -1
	}
	mask, tag := uint64(len(t.slots)-1), tagOf(h)
	for p := h & mask; ; p = (p + 1) & mask {
		s := t.slots[p]
		if s == 0 {
			return -1
		}
		if t.tags[p] == tag && eq(int32(s-1)) {
			return int32(s - 1)
		}
	}
}

// replace makes the slot holding old (with hash h) hold i.
func (t *table) replace(h uint64, old, i int32) {
	mask := uint64(len(t.slots) - 1)
	for p := h & mask; ; p = (p + 1) & mask {
		if t.slots[p] == uint32(old)+1 {
			t.slots[p] = uint32(i) + 1
			return
		}
	}
}

// insert adds entry i with hash h; hashOf gives the hash of an entry when
// the table grows.
func (t *table) insert(h uint64, i int32, hashOf func(int32) uint64) {
	if 4*(t.n+1) > 3*len(t.slots) {
		old := t.slots
		size := max(1024, 2*len(old))
		t.slots, t.tags = make([]uint32, size), make([]uint8, size)
		for _, s := range old {
			if s != 0 {
				t.put(hashOf(int32(s-1)), int32(s-1))
			}
		}
	}
	t.put(h, i)
	t.n++
}

// put stores i in the first free slot from h.
func (t *table) put(h uint64, i int32) {
	mask := uint64(len(t.slots) - 1)
	for p := h & mask; ; p = (p + 1) & mask {
		if t.slots[p] == 0 {
			t.slots[p], t.tags[p] = uint32(i)+1, tagOf(h)
			return
		}
	}
}
