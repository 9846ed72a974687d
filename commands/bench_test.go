package commands

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/bilancio-go/bilancio/internal/engine"
	"github.com/bilancio-go/bilancio/internal/ring"
)

// benchExec runs the built bilancio with args (from args(i) for the i-th
// run) b.N times and reports, besides ns/op, the child's CPU time (user +
// system) per run: process start-up included, as a user sees it.
func benchExec(b *testing.B, args func(i int) []string) {
	if bilancioBin == "" {
		b.Skip("needs the bilancio binary (not built with -short)")
	}
	var cpu time.Duration
	i := 0
	for b.Loop() {
		cmd := exec.Command(bilancioBin, args(i)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("%v: %v\n%s", cmd.Args, err, out)
		}
		cpu += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		i++
	}
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(i), "cpu-ns/op")
	b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "runs/s")
}

// BenchmarkProcessVersion is `bilancio version`: the cost of starting the
// process at all.
func BenchmarkProcessVersion(b *testing.B) {
	benchExec(b, func(int) []string { return []string{"version"} })
}

// BenchmarkProcessRunRing100 is `bilancio run` of a 100-agent ring, the
// whole process with every file of the run folder (run.html included),
// written to tmpfs when there is one.
func BenchmarkProcessRunRing100(b *testing.B) {
	g, err := ring.Generate(ring.Params{NAgents: 100, Seed: 131, Kappa: apd.New(2, 0), QTotal: apd.New(10000, 0),
		Concentration: apd.New(1, 0), Mu: apd.New(1, 0), MaturityDays: 10, Liquidity: ring.Uniform, DefaultHandling: engine.ExpelAgent})
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		if d, err := os.MkdirTemp("/dev/shm", "bilancio-bench-"); err == nil {
			dir = d
			b.Cleanup(func() { os.RemoveAll(d) })
		}
	}
	scenario := filepath.Join(dir, "ring100.yaml")
	if err := os.WriteFile(scenario, g.YAML, 0o644); err != nil {
		b.Fatal(err)
	}
	out := filepath.Join(dir, "run")
	benchExec(b, func(int) []string { return []string{"run", "-quiet", "-force", "-out", out, scenario} })
}
