package commands

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/bilancio-go/bilancio/internal/engine"
	"github.com/bilancio-go/bilancio/internal/pynum"
	"github.com/bilancio-go/bilancio/internal/ring"
)

// benchExec runs the built bilancio with args (from args(i) for the i-th
// run) b.N times and reports, besides ns/op, the child's CPU time (user +
// system) per run: process start-up included, as a user sees it.
// It runs in dir (files a run exports relative to the current folder go
// there). The median CPU per run is reported too: the mean of process
// times on a shared machine is pulled up by a few slow runs.
func benchExec(b *testing.B, dir string, args func(i int) []string) {
	if bilancioBin == "" {
		b.Skip("needs the bilancio binary (not built with -short)")
	}
	var cpus []time.Duration
	for b.Loop() {
		cmd := exec.Command(bilancioBin, args(len(cpus))...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("%v: %v\n%s", cmd.Args, err, out)
		}
		cpus = append(cpus, cmd.ProcessState.UserTime()+cmd.ProcessState.SystemTime())
	}
	var total time.Duration
	for _, c := range cpus {
		total += c
	}
	slices.Sort(cpus)
	b.ReportMetric(float64(total.Nanoseconds())/float64(len(cpus)), "cpu-ns/op")
	b.ReportMetric(float64(cpus[len(cpus)/2].Nanoseconds()), "cpu-median-ns/op")
	b.ReportMetric(float64(len(cpus))/b.Elapsed().Seconds(), "runs/s")
}

// benchDir is a folder for a benchmark's files, on tmpfs when there is one
// (the process, not the disk, is what is measured).
func benchDir(b *testing.B) string {
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		if d, err := os.MkdirTemp("/dev/shm", "bilancio-bench-"); err == nil {
			b.Cleanup(func() { os.RemoveAll(d) })
			return d
		}
	}
	return b.TempDir()
}

// BenchmarkProcessVersion is `bilancio version`: the cost of starting the
// process at all.
func BenchmarkProcessVersion(b *testing.B) {
	benchExec(b, b.TempDir(), func(int) []string { return []string{"version"} })
}

// BenchmarkProcessRunRing100 is `bilancio run` of a 100-agent ring, the
// whole process with every file of the run folder (run.html included) and
// the scenario's exports, written to tmpfs when there is one: each run
// writes a new folder, as a user's first run of a scenario does.
func BenchmarkProcessRunRing100(b *testing.B) {
	g, err := ring.Generate(ring.Params{NAgents: 100, Seed: 131, Kappa: new(pynum.Dec(2, 0)), QTotal: new(pynum.Dec(10000, 0)),
		Concentration: new(pynum.Dec(1, 0)), Mu: new(pynum.Dec(1, 0)), MaturityDays: 10, Liquidity: ring.Uniform, DefaultHandling: engine.ExpelAgent})
	if err != nil {
		b.Fatal(err)
	}
	dir := benchDir(b)
	scenario := filepath.Join(dir, "ring100.yaml")
	if err := os.WriteFile(scenario, g.YAML, 0o644); err != nil {
		b.Fatal(err)
	}
	benchExec(b, dir, func(i int) []string {
		return []string{"run", "-quiet", "-out", filepath.Join(dir, "run-"+strconv.Itoa(i)), scenario}
	})
}
