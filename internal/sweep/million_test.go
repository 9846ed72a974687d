package sweep

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/bilancio-go/bilancio/internal/store"
	"github.com/bilancio-go/bilancio/sdk/runfolder"
)

// The million-run harness (issue 12.4): an experiment folder that looks as
// a finished sweep of a million runs leaves it — experiment.json, a
// compacted journal, and a run folder per run whose manifest verifies —
// without simulating a run. Every run folder holds hard links to one
// manifest.json and one out/metrics.csv (taken from a real run), so the
// folder costs directory entries, not data; it goes to /dev/shm when there
// is room. The run ids are made up (grid_<index>); the point keys are the
// plan's, so `sweep plan` and a resumed `sweep run` find every run done.

// millionGrid is a grid sweep of nk kappas × nc concentrations × nm mus of
// 5-agent rings, as config reads it from millionHCL.
func millionGrid(nk, nc, nm int) *Spec {
	texts := func(n int, f func(i int) float64) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = strconv.FormatFloat(f(i), 'f', -1, 64)
		}
		return out
	}
	return &Spec{
		Name: "million",
		Ring: RingParams{NAgents: 5, MaturityDays: 5, QTotal: "1000.0", LiquidityMode: "uniform", DefaultHandling: "expel-agent",
			BaseSeed: 42, NamePrefix: "Kalecki Ring Sweep", KappaRule: "debt-over-liquidity"},
		Grid: Grid{
			"kappas":         texts(nk, func(i int) float64 { return float64(i+1) / 100 }),
			"concentrations": texts(nc, func(i int) float64 { return float64(i+1) / 10 }),
			"mus":            texts(nm, func(i int) float64 { return float64(i) / 100 }),
			"monotonicities": {"0"},
		},
		Executor: ExecutorRef{Name: "local", Config: []byte("{}")},
	}
}

// millionHCL is the sweep file of spec (a millionGrid).
func millionHCL(spec *Spec) string {
	return fmt.Sprintf(`sweep %q {
  n_agents         = %d
  maturity_days    = %d
  q_total          = 1000
  liquidity_mode   = %q
  default_handling = %q
  base_seed        = %d
  grid {
    kappas         = [%s]
    concentrations = [%s]
    mus            = [%s]
  }
}
`, spec.Name, spec.Ring.NAgents, spec.Ring.MaturityDays, spec.Ring.LiquidityMode, spec.Ring.DefaultHandling, spec.Ring.BaseSeed,
		strings.Join(spec.Grid["kappas"], ", "), strings.Join(spec.Grid["concentrations"], ", "), strings.Join(spec.Grid["mus"], ", "))
}

// scratchDir is a folder for a big harness of runs run folders: a tmpfs
// of its own when this process may mount one (as root; room for the
// folders' inodes, which /dev/shm may not have), else /dev/shm when it has
// room, else the test's temporary folder. It is removed at the end of the
// test.
func scratchDir(tb testing.TB, runs int) string {
	dir := tb.TempDir()
	opts := fmt.Sprintf("size=%dm,nr_inodes=%d", 64+3*runs/1000, 4*runs+10000)
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, opts); err == nil {
		tb.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
		return dir
	}
	var fs syscall.Statfs_t
	if syscall.Statfs("/dev/shm", &fs) == nil && fs.Ffree > uint64(6*runs) {
		if d, err := os.MkdirTemp("/dev/shm", "bilancio-million-"); err == nil {
			tb.Cleanup(func() { os.RemoveAll(d) })
			return d
		}
	}
	return dir
}

// fillExperiment writes the experiment folder of spec under out, with
// every static run of the plan done, and returns the folder.
func fillExperiment(tb testing.TB, out string, spec *Spec) string {
	tb.Helper()
	spec = ptrCopy(spec)
	spec.OutDir = out
	p, err := NewPlan(spec)
	if err != nil {
		tb.Fatal(err)
	}
	dir := ExperimentDir(spec, p, "")
	st, err := store.Create(dir, ExperimentID(spec, p))
	if err != nil {
		tb.Fatal(err)
	}
	// The template: one real 5-agent run's metrics.csv, and a manifest
	// listing it.
	tmpl := filepath.Join(out, ".template")
	metrics, err := templateMetrics(tb)
	if err != nil {
		tb.Fatal(err)
	}
	w, err := runfolder.Create(tmpl)
	if err != nil {
		tb.Fatal(err)
	}
	if err := w.WriteFile(runfolder.MetricsCSVFile, metrics); err != nil {
		tb.Fatal(err)
	}
	sealed, err := w.Commit(&runfolder.Manifest{Version: runfolder.ManifestVersion, RunID: "template", Status: runfolder.StatusCompleted,
		PhiTotal: "0.5", DeltaTotal: "0.5", TimeToStability: "3"})
	if err != nil {
		tb.Fatal(err)
	}
	w.Close()
	j, err := st.OpenJournal(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	defer j.Close()
	recs := make([]store.Record, 0, 4096)
	for pt := range p.Static(context.Background()) {
		id := fmt.Sprintf("grid_%012x", pt.Index)
		rd := st.RunDir(id)
		if err := os.MkdirAll(filepath.Join(rd, "out"), 0o755); err != nil {
			tb.Fatal(err)
		}
		for _, f := range []string{runfolder.ManifestFile, runfolder.MetricsCSVFile} {
			if err := os.Link(filepath.Join(tmpl, filepath.FromSlash(f)), filepath.Join(rd, filepath.FromSlash(f))); err != nil {
				tb.Fatal(err)
			}
		}
		// One compacted record per run, as a finished sweep leaves them.
		recs = append(recs, store.Record{Kind: store.KindRun, Run: id, Plan: p.Fingerprint(), Index: pt.Index, Key: p.pointKey(&pt),
			Phase: pt.Phase, Seed: pt.Seed, Params: pt.Texts(), S1: "1000.00000000000000000000000", L0: "5000.0",
			Manifest: sealed.SHA256, Fingerprint: sealed.Fingerprint, Phi: "0.5", Delta: "0.5", TTS: "3"})
		if len(recs) == cap(recs) {
			if err := j.Append(recs...); err != nil {
				tb.Fatal(err)
			}
			recs = recs[:0]
		}
	}
	if err := j.Append(recs...); err != nil {
		tb.Fatal(err)
	}
	// As the end of a sweep run leaves it (and its checkpoint).
	if err := j.Compact(); err != nil {
		tb.Fatal(err)
	}
	sj, err := specJSON(spec)
	if err != nil {
		tb.Fatal(err)
	}
	now := time.Now()
	if err := st.WriteMeta(&store.Meta{Format: store.Format, ExperimentID: st.ID, Engine: EngineVersion, Plan: p.Fingerprint(),
		SeedMode: p.SeedMode(), Static: p.StaticCount(), FrontierDone: true, Spec: sj, Created: now, Updated: now}); err != nil {
		tb.Fatal(err)
	}
	return dir
}

// ptrCopy copies a spec.
func ptrCopy(s *Spec) *Spec { c := *s; return &c }

// templateMetrics runs one 5-agent ring and returns its metrics.csv.
func templateMetrics(tb testing.TB) ([]byte, error) {
	dir := filepath.Join(tb.TempDir(), "one")
	spec := millionGrid(1, 1, 1)
	spec.ExperimentDir = dir
	if _, err := Run(context.Background(), spec, Options{Open: inProcess(tb)}); err != nil {
		return nil, err
	}
	runs, err := os.ReadDir(filepath.Join(dir, store.RunsDir))
	if err != nil || len(runs) != 1 {
		return nil, fmt.Errorf("the template run: %v (%d runs)", err, len(runs))
	}
	return os.ReadFile(filepath.Join(dir, store.RunsDir, runs[0].Name(), filepath.FromSlash(runfolder.MetricsCSVFile)))
}

// cliRun is one command of the bilancio binary, measured.
type cliRun struct {
	wall, cpu time.Duration
	maxRSSMB  float64
	out       string
}

// runCLI runs bin with args (stdout kept when keep, else thrown away) and
// measures it.
func runCLI(tb testing.TB, bin string, keep bool, args ...string) cliRun {
	tb.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "HOME="+tb.TempDir(), "BILANCIO_PLUGIN_PATH="+tb.TempDir())
	var out, errb bytes.Buffer
	if keep {
		cmd.Stdout = &out
	}
	cmd.Stderr = &errb
	start := time.Now()
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	hwm := watchHWM(cmd.Process.Pid)
	err := cmd.Wait()
	r := cliRun{wall: time.Since(start), out: out.String()}
	if err != nil {
		tb.Fatalf("%s %s: %v\n%s", bin, strings.Join(args, " "), err, errb.String())
	}
	r.measure(cmd.ProcessState, hwm)
	return r
}

// measure takes a finished command's CPU time and peak resident memory.
// The memory is the process's own high-water mark (VmHWM), read while it
// runs: the rusage's Maxrss of a child started by os/exec also counts the
// memory of this test process, which the child shares until its exec.
func (r *cliRun) measure(ps *os.ProcessState, hwm func() int64) {
	ru := ps.SysUsage().(*syscall.Rusage)
	r.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	r.maxRSSMB = float64(ru.Maxrss) / 1024
	if kb := hwm(); kb > 0 {
		r.maxRSSMB = float64(kb) / 1024
	}
}

// watchHWM reads /proc/PID/status's VmHWM every few milliseconds until the
// process ends, and returns the function that gives the last value read
// (0 where /proc cannot tell).
func watchHWM(pid int) func() int64 {
	var last atomic.Int64
	stop := make(chan struct{})
	done := make(chan struct{})
	path := fmt.Sprintf("/proc/%d/status", pid)
	go func() {
		defer close(done)
		for {
			b, err := os.ReadFile(path)
			if err != nil {
				return
			}
			for _, line := range strings.Split(string(b), "\n") {
				if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
					if kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64); err == nil && kb > last.Load() {
						last.Store(kb)
					}
				}
				if strings.HasPrefix(line, "State:") && strings.Contains(line, "zombie") {
					return
				}
			}
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	return func() int64 {
		close(stop)
		<-done
		return last.Load()
	}
}

// buildCLI builds the bilancio binary (or takes BILANCIO_MILLION_BIN, e.g.
// the pre-session build, for a before/after comparison).
func buildCLI(tb testing.TB) string {
	if bin := os.Getenv("BILANCIO_MILLION_BIN"); bin != "" {
		return bin
	}
	// bilancio and bilancio-sweep, which serves its sweep commands.
	dir := tb.TempDir()
	bin := filepath.Join(dir, "bilancio")
	if out, err := exec.Command("go", "build", "-o", dir+string(filepath.Separator), "github.com/bilancio-go/bilancio", "github.com/bilancio-go/bilancio/cmd/bilancio-sweep").CombinedOutput(); err != nil {
		tb.Fatalf("building bilancio: %v\n%s", err, out)
	}
	return bin
}

// BenchmarkMillionRuns fills an experiment folder with 1,000,000 done runs
// (set BILANCIO_MILLION_RUNS for another size) and measures the bilancio
// binary on it: `sweep status`, `sweep plan` (every run listed with its id
// and state), `sweep aggregate` (registry and results rebuilt, every run
// checked through its recorded fingerprint) and a resumed `sweep run`
// (nothing left to run), and the same run interrupted by SIGINT after 2 s
// (the time from the signal to the exit). It reports each command's wall time, CPU time
// (user + system) and peak resident memory, and fails when status, plan or
// aggregate passes 200 MB (issue 12.4's bound), or the resumed run 400 MB
// (it holds the journal's index while it rebuilds the registry and
// compacts the journal, then draws the dashboard from a stream of the
// registry: about 230 MB at a million runs).
//
// It takes minutes (filling the folder alone), so it runs only when
// BILANCIO_MILLION_RUNS is set: `make bench-million` sets it to 1,000,000.
// BILANCIO_MILLION_BIN measures another binary (the pre-session build, for
// a before/after comparison); BILANCIO_MILLION_SKIP_RESUME=1 leaves out the
// resumed run (which also rewrites the dashboard); BILANCIO_MILLION_DIR
// keeps the filled folder there for the next benchmark of the same size.
func BenchmarkMillionRuns(b *testing.B) {
	v := os.Getenv("BILANCIO_MILLION_RUNS")
	if v == "" {
		b.Skip("set BILANCIO_MILLION_RUNS (make bench-million)")
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 100 || n%100 != 0 {
		b.Fatalf("BILANCIO_MILLION_RUNS=%q: want a multiple of 100", v)
	}
	bin := buildCLI(b)
	spec := millionGrid(100, 100, n/10000)
	if n < 10000 {
		spec = millionGrid(n/100, 100, 1)
	}
	root, dir := millionFolder(b, n, spec)
	file := filepath.Join(root, "million.hcl")
	if err := os.WriteFile(file, []byte(millionHCL(spec)), 0o644); err != nil {
		b.Fatal(err)
	}
	report := func(name string, r cliRun) {
		b.ReportMetric(r.wall.Seconds(), name+"-s")
		b.ReportMetric(r.cpu.Seconds(), name+"-cpu-s")
		b.ReportMetric(r.maxRSSMB, name+"-MB")
		b.Logf("%-9s wall %6.2f s  cpu %6.2f s  max RSS %6.1f MB", name, r.wall.Seconds(), r.cpu.Seconds(), r.maxRSSMB)
		limit := 200.0
		if name == "resume" {
			limit = 400
		}
		if r.maxRSSMB > limit {
			b.Errorf("%s: %.0f MB resident, over %.0f MB", name, r.maxRSSMB, limit)
		}
	}
	for b.Loop() {
		st := runCLI(b, bin, true, "sweep", "status", dir)
		if want := fmt.Sprintf("%d runs planned: %d done, 0 failed, 0 pending", n, n); !strings.Contains(st.out, want) {
			b.Fatalf("sweep status says\n%s\nwant %q", st.out, want)
		}
		report("status", st)
		pl := runCLI(b, bin, false, "sweep", "plan", "-out", filepath.Dir(dir), file)
		report("plan", pl)
		ag := runCLI(b, bin, true, "sweep", "aggregate", dir)
		if want := fmt.Sprintf("%d done", n); !strings.Contains(ag.out, want) {
			b.Fatalf("sweep aggregate says\n%s\nwant %q", ag.out, want)
		}
		report("aggregate", ag)
		ir := interruptCLI(b, bin, 2*time.Second, "sweep", "run", "-out", filepath.Dir(dir), file)
		b.ReportMetric(ir.wall.Seconds(), "interrupt-exit-s")
		b.Logf("interrupt: exit %s after SIGINT (sent 2 s into a resumed run), cpu %6.2f s, max RSS %6.1f MB",
			ir.wall.Round(time.Millisecond), ir.cpu.Seconds(), ir.maxRSSMB)
		if ir.wall > 5*time.Second {
			b.Errorf("the interrupted sweep took %s to exit after SIGINT", ir.wall)
		}
		if os.Getenv("BILANCIO_MILLION_SKIP_RESUME") != "" {
			continue
		}
		rs := runCLI(b, bin, true, "sweep", "run", "-out", filepath.Dir(dir), file)
		if want := fmt.Sprintf("(0 now, %d earlier)", n); !strings.Contains(rs.out, want) {
			b.Fatalf("sweep run says\n%s\nwant %q", rs.out, want)
		}
		report("resume", rs)
	}
}

// millionFolder returns the harness's root folder and its experiment
// folder of n done runs of spec: filled afresh in a scratch folder, or,
// with BILANCIO_MILLION_DIR, kept in its subfolder named n and reused by the next
// benchmark of the same size (filling a million runs takes minutes; the
// folder is left for whoever set the variable to remove).
func millionFolder(b *testing.B, n int, spec *Spec) (root, dir string) {
	keep := os.Getenv("BILANCIO_MILLION_DIR")
	root = filepath.Join(keep, strconv.Itoa(n))
	marker := filepath.Join(root, "filled")
	if keep != "" {
		if d, err := os.ReadFile(marker); err == nil {
			b.Logf("%d runs reused from %s", n, d)
			return root, string(d)
		}
		if err := os.RemoveAll(filepath.Join(root, "out")); err != nil {
			b.Fatal(err)
		}
	} else {
		root = scratchDir(b, n)
	}
	start := time.Now()
	dir = fillExperiment(b, filepath.Join(root, "out"), spec)
	b.Logf("%d runs filled in %s in %s (GOMAXPROCS %d)", n, dir, time.Since(start).Round(time.Second), runtime.GOMAXPROCS(0))
	if keep != "" {
		if err := os.WriteFile(marker, []byte(dir), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	return root, dir
}

// interruptCLI starts bin with args, sends it SIGINT after wait, and
// measures it: wall is the time from the signal to its exit.
func interruptCLI(tb testing.TB, bin string, wait time.Duration, args ...string) cliRun {
	tb.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "HOME="+tb.TempDir(), "BILANCIO_PLUGIN_PATH="+tb.TempDir())
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	hwm := watchHWM(cmd.Process.Pid)
	time.Sleep(wait)
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		tb.Fatal(err)
	}
	sent := time.Now()
	err := cmd.Wait()
	r := cliRun{wall: time.Since(sent)}
	var ee *exec.ExitError
	if err != nil && (!errors.As(err, &ee) || ee.ExitCode() != 130) {
		tb.Fatalf("%s %s: %v (want exit 130)\n%s", bin, strings.Join(args, " "), err, errb.String())
	}
	r.measure(cmd.ProcessState, hwm)
	return r
}
