package report

import (
	"bufio"
	"cmp"
	"container/heap"
	"encoding/binary"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
)

// PointsTable builds the points table (PointsColumns) of runs given one at
// a time, in bounded memory: runs are held a chunk at a time, a full chunk
// is sorted and written to a temporary file, and the table is written by
// merging the files. Its rows are the points in the order of their phase,
// then of κ, c, μ and monotonicity as numbers, points whose parameters are
// equal numbers written differently in the order they first appear; each
// point's runs are taken in the order given. Close removes the files.
type PointsTable struct {
	dir    string
	chunk  int
	held   []pointRun
	files  []*os.File
	seq    int64
	closed bool
}

// pointRun is a run as the points table needs it.
type pointRun struct {
	key        [5]string // phase, κ, c, μ, monotonicity
	vals       [4]float64
	seq        int64
	completed  bool
	delta, phi float64 // NaN: none
}

// pointsChunk is the number of runs a PointsTable holds before it writes
// them to a file.
const pointsChunk = 1 << 16

// NewPointsTable starts a points table whose temporary files go to dir.
func NewPointsTable(dir string) *PointsTable {
	return &PointsTable{dir: dir, chunk: pointsChunk}
}

// Add adds a run.
func (t *PointsTable) Add(r *DashboardRun) error {
	p := pointRun{key: [5]string{r.Phase, r.Kappa, r.Concentration, r.Mu, r.Monotonicity}, seq: t.seq, completed: r.Status == "completed",
		delta: math.NaN(), phi: math.NaN()}
	t.seq++
	for i := range p.vals {
		p.vals[i] = ParamValue(p.key[i+1])
	}
	if p.completed {
		p.delta, p.phi = ParamValue(r.Delta), ParamValue(r.Phi)
	}
	t.held = append(t.held, p)
	if len(t.held) >= t.chunk {
		return t.spill()
	}
	return nil
}

// comparePoints orders runs by phase and parameter values (a NaN is equal
// to anything, as the table has always compared them), then as added.
func comparePoints(a, b *pointRun) int {
	if c := cmp.Compare(a.key[0], b.key[0]); c != 0 {
		return c
	}
	for i := range a.vals {
		x, y := a.vals[i], b.vals[i]
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
	}
	return cmp.Compare(a.seq, b.seq)
}

// spill sorts the runs held and writes them to a new temporary file.
func (t *PointsTable) spill() error {
	slices.SortStableFunc(t.held, func(a, b pointRun) int { return comparePoints(&a, &b) })
	f, err := os.CreateTemp(t.dir, ".points-*.tmp")
	if err != nil {
		return fmt.Errorf("writing the points table: %w", err)
	}
	os.Remove(f.Name()) // held open; nothing is left behind
	t.files = append(t.files, f)
	w := bufio.NewWriterSize(f, 256<<10)
	var buf []byte
	for i := range t.held {
		buf = appendPointRun(buf[:0], &t.held[i])
		w.Write(buf)
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("writing the points table: %w", err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("writing the points table: %w", err)
	}
	t.held = t.held[:0]
	return nil
}

// appendPointRun encodes a run.
func appendPointRun(b []byte, p *pointRun) []byte {
	for _, s := range p.key {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	for _, v := range p.vals {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
	}
	b = binary.AppendVarint(b, p.seq)
	flag := byte(0)
	if p.completed {
		flag = 1
	}
	b = append(b, flag)
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(p.delta))
	return binary.LittleEndian.AppendUint64(b, math.Float64bits(p.phi))
}

// readPointRun decodes a run; io.EOF at the end.
func readPointRun(r *bufio.Reader, p *pointRun) error {
	for i := range p.key {
		n, err := binary.ReadUvarint(r)
		if err != nil {
			return err
		}
		b := make([]byte, n)
		if _, err := io.ReadFull(r, b); err != nil {
			return err
		}
		p.key[i] = string(b)
	}
	var u [8]byte
	f := func() (float64, error) {
		_, err := io.ReadFull(r, u[:])
		return math.Float64frombits(binary.LittleEndian.Uint64(u[:])), err
	}
	var err error
	for i := range p.vals {
		if p.vals[i], err = f(); err != nil {
			return err
		}
	}
	if p.seq, err = binary.ReadVarint(r); err != nil {
		return err
	}
	flag, err := r.ReadByte()
	if err != nil {
		return err
	}
	p.completed = flag == 1
	if p.delta, err = f(); err != nil {
		return err
	}
	p.phi, err = f()
	return err
}

// source is one sorted stream of runs in the merge.
type source struct {
	r    *bufio.Reader
	held []pointRun // the in-memory chunk, when r is nil
	cur  pointRun
}

func (s *source) next() (bool, error) {
	if s.r == nil {
		if len(s.held) == 0 {
			return false, nil
		}
		s.cur, s.held = s.held[0], s.held[1:]
		return true, nil
	}
	err := readPointRun(s.r, &s.cur)
	if errors.Is(err, io.EOF) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("reading the points table back: %w", err)
	}
	return true, nil
}

// merge is a heap of sources by their current run.
type merge []*source

func (m merge) Len() int           { return len(m) }
func (m merge) Less(i, j int) bool { return comparePoints(&m[i].cur, &m[j].cur) < 0 }
func (m merge) Swap(i, j int)      { m[i], m[j] = m[j], m[i] }
func (m *merge) Push(x any)        { *m = append(*m, x.(*source)) }
func (m *merge) Pop() any {
	old := *m
	s := old[len(old)-1]
	*m = old[:len(old)-1]
	return s
}

// WriteCSV writes the table as CSV and closes the table.
func (t *PointsTable) WriteCSV(w io.Writer) error {
	defer t.Close()
	slices.SortStableFunc(t.held, func(a, b pointRun) int { return comparePoints(&a, &b) })
	var m merge
	add := func(s *source) error {
		ok, err := s.next()
		if ok {
			heap.Push(&m, s)
		}
		return err
	}
	for _, f := range t.files {
		if err := add(&source{r: bufio.NewReaderSize(f, 64<<10)}); err != nil {
			return err
		}
	}
	if err := add(&source{held: t.held}); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.Write(PointsColumns())
	// A stretch of runs whose parameters are equal numbers: its points
	// (the runs' exact texts) in the order they first appear.
	type point struct {
		key        [5]string
		runs       int
		delta, phi []float64
	}
	var stretch []*point
	var first pointRun
	num := func(v float64) string {
		if math.IsNaN(v) {
			return ""
		}
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	flush := func() {
		for _, p := range stretch {
			dm, dl, dh := MeanCI(p.delta)
			pm, pl, ph := MeanCI(p.phi)
			cw.Write([]string{p.key[0], p.key[1], p.key[2], p.key[3], p.key[4], strconv.Itoa(p.runs), strconv.Itoa(len(p.delta)),
				num(dm), num(dl), num(dh), num(pm), num(pl), num(ph)})
		}
		stretch = stretch[:0]
	}
	for m.Len() > 0 {
		s := m[0]
		r := s.cur
		if len(stretch) > 0 && !samePlace(&first, &r) {
			flush()
		}
		if len(stretch) == 0 {
			first = r
		}
		i := slices.IndexFunc(stretch, func(p *point) bool { return p.key == r.key })
		if i < 0 {
			stretch = append(stretch, &point{key: r.key})
			i = len(stretch) - 1
		}
		p := stretch[i]
		p.runs++
		if r.completed {
			if !math.IsNaN(r.delta) {
				p.delta = append(p.delta, r.delta)
			}
			if !math.IsNaN(r.phi) {
				p.phi = append(p.phi, r.phi)
			}
		}
		ok, err := s.next()
		if err != nil {
			return err
		}
		if ok {
			heap.Fix(&m, 0)
		} else {
			heap.Pop(&m)
		}
	}
	flush()
	cw.Flush()
	return cw.Error()
}

// samePlace reports whether two runs have the same phase and parameter
// values (as comparePoints sees them).
func samePlace(a, b *pointRun) bool {
	x, y := *a, *b
	x.seq, y.seq = 0, 0
	return comparePoints(&x, &y) == 0
}

// Close removes the temporary files.
func (t *PointsTable) Close() {
	if t.closed {
		return
	}
	t.closed = true
	for _, f := range t.files {
		f.Close()
	}
	t.files, t.held = nil, nil
}
