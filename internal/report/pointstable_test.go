package report

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"testing"
)

// pointsCSVInMemory is the points table as it was computed before
// PointsTable (every point in a map, sorted): the oracle.
func pointsCSVInMemory(runs []DashboardRun) []byte {
	type key struct{ phase, k, c, mu, mono string }
	type acc struct {
		runs       int
		delta, phi []float64
	}
	byKey := map[key]*acc{}
	var keys []key
	for _, r := range runs {
		k := key{r.Phase, r.Kappa, r.Concentration, r.Mu, r.Monotonicity}
		a := byKey[k]
		if a == nil {
			a = &acc{}
			byKey[k] = a
			keys = append(keys, k)
		}
		a.runs++
		if r.Status != "completed" {
			continue
		}
		if v := ParamValue(r.Delta); !math.IsNaN(v) {
			a.delta = append(a.delta, v)
		}
		if v := ParamValue(r.Phi); !math.IsNaN(v) {
			a.phi = append(a.phi, v)
		}
	}
	less := func(a, b string) int {
		x, y := ParamValue(a), ParamValue(b)
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	}
	sort.SliceStable(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.phase != b.phase {
			return a.phase < b.phase
		}
		for _, c := range []int{less(a.k, b.k), less(a.c, b.c), less(a.mu, b.mu), less(a.mono, b.mono)} {
			if c != 0 {
				return c < 0
			}
		}
		return false
	})
	num := func(v float64) string {
		if math.IsNaN(v) {
			return ""
		}
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write(PointsColumns())
	for _, k := range keys {
		a := byKey[k]
		dm, dl, dh := MeanCI(a.delta)
		pm, pl, ph := MeanCI(a.phi)
		w.Write([]string{k.phase, k.k, k.c, k.mu, k.mono, strconv.Itoa(a.runs), strconv.Itoa(len(a.delta)),
			num(dm), num(dl), num(dh), num(pm), num(pl), num(ph)})
	}
	w.Flush()
	return buf.Bytes()
}

// randomRuns are runs of a sweep with replicates, two phases, parameters
// written two ways ("0.5" and "0.50"), failures and runs without values.
func randomRuns(n int, seed uint64) []DashboardRun {
	rng := rand.New(rand.NewPCG(seed, 1))
	runs := make([]DashboardRun, n)
	for i := range runs {
		k := float64(rng.IntN(7)) / 4
		ks := strconv.FormatFloat(k, 'f', -1, 64)
		if rng.IntN(10) == 0 {
			ks += "0" // the same number written differently
			if k == float64(int(k)) {
				ks = strconv.FormatFloat(k, 'f', 1, 64)
			}
		}
		r := DashboardRun{ID: fmt.Sprint("run_", i), Phase: []string{"grid", "lhs"}[rng.IntN(2)], Kappa: ks,
			Concentration: strconv.Itoa(rng.IntN(3) + 1), Mu: []string{"0", "0.5", "1"}[rng.IntN(3)], Monotonicity: "0", Status: "completed",
			Delta: strconv.FormatFloat(rng.Float64(), 'g', -1, 64), Phi: strconv.FormatFloat(rng.Float64(), 'g', -1, 64)}
		switch rng.IntN(12) {
		case 0:
			r.Status, r.Delta, r.Phi = "failed", "", ""
		case 1:
			r.Delta = ""
		}
		runs[i] = r
	}
	return runs
}

// The points table is the same whether it fits in memory or is merged from
// sorted files, and the same as the in-memory table it replaced.
func TestPointsTable(t *testing.T) {
	for _, n := range []int{0, 1, 50, 2000} {
		runs := randomRuns(n, uint64(n))
		want := pointsCSVInMemory(runs)
		if got := PointsCSV(&Dashboard{Runs: runs}); !bytes.Equal(got, want) {
			t.Fatalf("%d runs, in memory:\n%s\nwant\n%s", n, got, want)
		}
		for _, chunk := range []int{1, 3, 64, 1000} {
			tab := NewPointsTable(t.TempDir())
			tab.chunk = chunk
			for i := range runs {
				if err := tab.Add(&runs[i]); err != nil {
					t.Fatal(err)
				}
			}
			if n > chunk && len(tab.files) == 0 {
				t.Fatalf("%d runs in chunks of %d: nothing written to files", n, chunk)
			}
			var buf bytes.Buffer
			if err := tab.WriteCSV(&buf); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Errorf("%d runs in chunks of %d:\n%s\nwant\n%s", n, chunk, buf.Bytes(), want)
			}
		}
	}
}
