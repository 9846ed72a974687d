package store

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/bilancio-go/bilancio/internal/pynum"
)

// writeBigJournal writes a compacted journal of n done runs, as a
// finished sweep leaves it, and returns its store.
func writeBigJournal(tb testing.TB, n int) *Store {
	tb.Helper()
	st, err := Create(filepath.Join(tb.TempDir(), "exp"), "exp")
	if err != nil {
		tb.Fatal(err)
	}
	f, err := os.Create(st.Path(JournalFile))
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriter(f)
	for i := range n {
		fmt.Fprintf(w, `{"k":"run","run":"grid_%012x","plan":"0123456789abcdef","i":%d,"key":"%024x","phase":"grid","seed":%d,`+
			`"p":["0.5","1","0.25","0"],"s1":"1000.00000000000000000000000","l0":"5000.0",`+
			`"manifest":"8d6f0f233cbf8d6f0f233cbf8d6f0f233cbf8d6f0f233cbf8d6f0f233cbf1234","fp":"0123456789abcdef0123456789abcdef",`+
			`"phi":"0.4552","delta":"0.5448","tts":"3"}`+"\n", i, i, i*7919, 42+i)
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	f.Close()
	return st
}

// The journal's index holds well under 100 bytes a run (a million runs
// in under 100 MB), whatever the size of the records on disk.
func TestIndexSize(t *testing.T) {
	const n = 200_000
	st := writeBigJournal(t, n)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	j, err := st.ReadJournal(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	perRun := float64(after.HeapAlloc-before.HeapAlloc) / n
	if j.Len() != n || j.Torn() != 0 {
		t.Fatalf("%d runs, %d torn", j.Len(), j.Torn())
	}
	t.Logf("%.1f bytes a run in memory", perRun)
	if perRun > 100 {
		t.Errorf("the index holds %.1f bytes a run, want at most 100", perRun)
	}
	e, ok := j.LookupKey(fmt.Sprintf("%024x", 12345*7919))
	if !ok || e.ID() != fmt.Sprintf("grid_%012x", 12345) || e.State() != Done || e.Index() != 12345 {
		t.Errorf("lookup of run 12345: %v %s %v", ok, e.ID(), e.State())
	}
	runtime.KeepAlive(j)
}

// BenchmarkReadJournal1M reads a compacted journal of a million done runs
// into memory (what `sweep status`, `sweep plan` and a resumed `sweep run`
// do first), and reports the index's bytes a run.
func BenchmarkReadJournal1M(b *testing.B) {
	const n = 1_000_000
	st := writeBigJournal(b, n)
	fi, _ := os.Stat(st.Path(JournalFile))
	b.SetBytes(fi.Size())
	b.ResetTimer()
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		j, err := st.ReadJournal(context.Background())
		if err != nil || j.Len() != n {
			b.Fatal(err, j.Len())
		}
		b.StopTimer()
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n, "B/run-held")
		j.Close()
		b.StartTimer()
	}
}

// The floats the index keeps for the means of status are Python's
// float(Decimal(text)), as summary.json's means take them.
func TestIndexValuesAreDecimalFloats(t *testing.T) {
	texts := []string{"0", "0.0", "-0", "0E-28", "1", "0.5", "0.4552", "1E+1", "1.0E-7", "0.9914735680609890661049252683",
		"0.008526431939010933895074731668", "123456789012345678901234567890", "0.1", "0.30000000000000004441", "1E-400", "7E-28"}
	for i := range 2000 {
		texts = append(texts, fmt.Sprintf("0.%028d", uint64(i)*2654435761%10000000000000000))
	}
	for _, s := range texts {
		d, err := pynum.ParseDecimal(s)
		if err != nil {
			t.Fatal(s, err)
		}
		want := d.Float64()
		v := valuesOf(&rawRecord{phi: []byte(s), delta: []byte(s)})
		if !v.hasPhi || v.phi != want || v.delta != want || v.cl != (d.Sign() == 0) {
			t.Errorf("%s: %v %v (cleared %v), want %v (cleared %v)", s, v.phi, v.delta, v.cl, want, d.Sign() == 0)
		}
	}
}
