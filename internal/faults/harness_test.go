//go:build faults

package faults

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/bilancio-go/bilancio/internal/artifacts"
	"github.com/bilancio-go/bilancio/internal/pluginhost"
	"github.com/bilancio-go/bilancio/internal/store"
	"github.com/bilancio-go/bilancio/sdk/runfolder"
)

// bin is the bilancio binary and pluginDir a plugin folder holding the
// local executor's plugin with its checksum, both built by TestMain.
var bin, pluginDir string

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(build(m))
}

// build builds bilancio (and bilancio-sweep beside it) and the local executor plugin, runs the tests and
// removes them.
func build(m *testing.M) int {
	dir, err := os.MkdirTemp("", "bilancio-faults-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	bin = filepath.Join(dir, "bilancio")
	pluginDir = filepath.Join(dir, "plugins")
	plugin := filepath.Join(pluginDir, pluginhost.BinaryName("local"))
	for _, b := range [][2]string{
		{bin, "github.com/bilancio-go/bilancio"},
		{filepath.Join(dir, "bilancio-sweep"), "github.com/bilancio-go/bilancio/cmd/bilancio-sweep"}, // serves bilancio's sweep commands
		{plugin, "github.com/bilancio-go/bilancio/plugins/local/cmd/bilancio-executor-local"},
	} {
		if out, err := exec.Command("go", "build", "-o", b[0], b[1]).CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "building %s: %v\n%s", b[1], err, out)
			return 1
		}
	}
	sum, err := runfolder.FileSHA256(plugin)
	if err == nil {
		err = os.WriteFile(filepath.Join(pluginDir, pluginhost.SumName("local")), []byte(sum+"\n"), 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

// runs is the number of runs of the sweep every test disturbs.
const runs = 150

// sweepArgs are the `sweep ring` arguments of the sweep every test uses:
// 150 rings of 60 agents, two at a time, into the experiment folder dir
// (whose base name is the experiment id, "exp" in every test, so that the
// files of two folders compare byte for byte).
func sweepArgs(dir string, extra ...string) []string {
	args := []string{
		"sweep", "ring", "-n-agents", "60", "-maturity-days", "10", "-q-total", "10000",
		"-liquidity-mode", "uniform", "-default-handling", "expel-agent",
		"-kappas", "0.25,0.5,1,2,4,8", "-concentrations", "0.2,0.5,1,2,5", "-mus", "0,0.25,0.5,0.75,1",
		"-out-dir", dir, "-parallel", "2",
	}
	return append(args, extra...)
}

// expDir is a fresh experiment folder named exp.
func expDir(t *testing.T) string { return filepath.Join(t.TempDir(), "exp") }

// command is a bilancio process.
type command struct {
	cmd            *exec.Cmd
	stdout, stderr bytes.Buffer
	hang           *time.Timer
}

// hangAfter is how long a bilancio process of the suite may take.
const hangAfter = 60 * time.Second

// start starts bilancio with args, in its own process group (so that a
// test can kill its plugins with it).
func start(t *testing.T, args ...string) *command {
	t.Helper()
	c := &command{cmd: exec.Command(bin, args...)}
	c.cmd.Env = append(os.Environ(), "HOME="+t.TempDir(), "BILANCIO_PLUGIN_PATH=")
	c.cmd.Stdout, c.cmd.Stderr = &c.stdout, &c.stderr
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// A process that hangs dumps its goroutines (SIGQUIT) into its stderr,
	// which the test reports, instead of stalling the suite.
	c.hang = time.AfterFunc(hangAfter, func() { c.cmd.Process.Signal(syscall.SIGQUIT) })
	t.Cleanup(func() {
		if c.cmd.ProcessState == nil {
			c.cmd.Process.Kill()
			c.cmd.Wait()
		}
	})
	return c
}

// wait waits for the process and returns its exit code.
func (c *command) wait(t *testing.T) int {
	t.Helper()
	err := c.cmd.Wait()
	if !c.hang.Stop() {
		t.Fatalf("%s hung; its stacks:\n%s", strings.Join(c.cmd.Args, " "), c.stderr.String())
	}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		return exit.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	return 0
}

// run runs bilancio with args to its end.
func run(t *testing.T, args ...string) (code int, c *command) {
	t.Helper()
	c = start(t, args...)
	return c.wait(t), c
}

// waitForRuns waits until dir has at least n run folders with a manifest
// (or 60 s have passed) and reports whether it has.
func waitForRuns(dir string, n int) bool {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if countManifests(dir) >= n {
			return true
		}
		time.Sleep(2 * time.Millisecond)
	}
	return false
}

// countManifests counts the run folders of dir that have a manifest.
func countManifests(dir string) int {
	entries, _ := os.ReadDir(filepath.Join(dir, store.RunsDir))
	n := 0
	for _, e := range entries {
		if runfolder.HasManifest(filepath.Join(dir, store.RunsDir, e.Name())) {
			n++
		}
	}
	return n
}

// completeRuns returns the start time of every run of dir whose folder
// verifies (temporary folders of writers in flight are not runs).
func completeRuns(t *testing.T, dir string) map[string]time.Time {
	t.Helper()
	out := map[string]time.Time{}
	entries, err := os.ReadDir(filepath.Join(dir, store.RunsDir))
	if errors.Is(err, fs.ErrNotExist) {
		return out
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if runfolder.IsTemp(e.Name()) {
			// A run folder still being filled beside its place (a
			// writer killed before it moved the folder in): not a run.
			continue
		}
		if f, err := runfolder.Verify(filepath.Join(dir, store.RunsDir, e.Name())); err == nil {
			out[e.Name()] = f.Manifest.Started
		}
	}
	return out
}

// keptRuns checks that every run in seen is still complete with the same
// start time (none lost, none run again), and adds the runs complete now.
func keptRuns(t *testing.T, dir, stage string, seen map[string]time.Time) {
	t.Helper()
	now := completeRuns(t, dir)
	for id, started := range seen {
		got, ok := now[id]
		switch {
		case !ok:
			t.Errorf("%s: run %s was done and is lost", stage, id)
		case !got.Equal(started):
			t.Errorf("%s: run %s was run again (started %v, now %v)", stage, id, started, got)
		}
	}
	for id, started := range now {
		seen[id] = started
	}
}

// The files of a finished sweep that must not depend on what happened to
// it on the way.
func resultFiles() []string {
	return []string{store.RegistryFile, store.ResultsFile, store.SummaryFile}
}

// referenceSweep is what an undisturbed sweep leaves: its result files,
// and the bytes of its folder.
type referenceSweep struct {
	files map[string][]byte
	bytes int64
}

// reference is the undisturbed sweep, made once.
var reference = sync.OnceValues(func() (*referenceSweep, error) {
	dir, err := os.MkdirTemp("", "bilancio-faults-ref-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	exp := filepath.Join(dir, "exp")
	cmd := exec.Command(bin, sweepArgs(exp)...)
	cmd.Env = append(os.Environ(), "HOME="+dir, "BILANCIO_PLUGIN_PATH=")
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("the reference sweep: %v\n%s", err, out)
	}
	ref := &referenceSweep{files: map[string][]byte{}}
	for _, f := range resultFiles() {
		if ref.files[f], err = os.ReadFile(filepath.Join(exp, filepath.FromSlash(f))); err != nil {
			return nil, err
		}
	}
	err = filepath.WalkDir(exp, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if fi, err := d.Info(); err == nil {
				ref.bytes += (fi.Size() + 4095) &^ 4095
			}
		}
		return err
	})
	return ref, err
})

// sameAsReference checks that dir's result files are byte for byte those
// of an undisturbed sweep.
func sameAsReference(t *testing.T, dir string) {
	t.Helper()
	ref, err := reference()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range resultFiles() {
		got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f)))
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if !bytes.Equal(got, ref.files[f]) {
			t.Errorf("%s differs from an undisturbed sweep's (%d bytes, want %d)", f, len(got), len(ref.files[f]))
		}
	}
}

// noTempFiles checks that no temporary file is left anywhere in dir.
func noTempFiles(t *testing.T, dir string) {
	t.Helper()
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && runfolder.IsTemp(d.Name()) {
			t.Errorf("temporary file left: %s", p)
		}
		return nil
	})
}

// counts are the done, failed and pending runs of a sweep.
type counts struct{ done, failed, pending int }

// consoleCounts reads the counts of the sweep_summary line of a -json
// output.
func consoleCounts(t *testing.T, jsonOut string) counts {
	t.Helper()
	var last string
	sc := bufio.NewScanner(strings.NewReader(jsonOut))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if strings.Contains(sc.Text(), `"type":"sweep_summary"`) {
			last = sc.Text()
		}
	}
	var line struct {
		Progress struct{ Done, Failed, Pending int }
	}
	if err := json.Unmarshal([]byte(last), &line); err != nil {
		t.Fatalf("no sweep_summary line in the output:\n%s", jsonOut)
	}
	return counts{line.Progress.Done, line.Progress.Failed, line.Progress.Pending}
}

// countsAgree checks that the console's totals (a -json output), the
// registry, summary.json and `sweep status` say the same of dir, and
// returns them.
func countsAgree(t *testing.T, dir, jsonOut string) counts {
	t.Helper()
	console := consoleCounts(t, jsonOut)
	f, err := os.Open(filepath.Join(dir, filepath.FromSlash(store.RegistryFile)))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := artifacts.ReadCSVDicts(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	var registry counts
	for _, r := range rows {
		switch r["status"] {
		case "completed":
			registry.done++
		case "failed":
			registry.failed++
		}
	}
	registry.pending = runs - registry.done - registry.failed
	b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(store.SummaryFile)))
	if err != nil {
		t.Fatal(err)
	}
	var sj struct {
		CompletedRuns int `json:"completed_runs"`
		FailedRuns    int `json:"failed_runs"`
		PendingRuns   int `json:"pending_runs"`
	}
	if err := json.Unmarshal(b, &sj); err != nil {
		t.Fatal(err)
	}
	summary := counts{sj.CompletedRuns, sj.FailedRuns, sj.PendingRuns}
	code, c := run(t, "sweep", "status", "-json", dir)
	if code != 0 {
		t.Fatalf("sweep status: exit %d\n%s", code, c.stderr.String())
	}
	var st struct {
		Status struct{ Done, Failed, Pending int }
	}
	lines := strings.Split(strings.TrimSpace(c.stdout.String()), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &st); err != nil {
		t.Fatal(err)
	}
	status := counts{st.Status.Done, st.Status.Failed, st.Status.Pending}
	if registry != console || summary != console || status != console {
		t.Errorf("the counts disagree (done, failed, pending): console %v, registry %v, summary.json %v, sweep status %v",
			console, registry, summary, status)
	}
	return console
}

// pathsPrinted checks that every file a human summary names exists.
func pathsPrinted(t *testing.T, out string) {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) != 2 || !strings.HasPrefix(line, "  ") {
			continue
		}
		switch f[0] {
		case "registry", "results", "summary", "dashboard", "comparison", "registries":
			if _, err := os.Stat(f[1]); err != nil {
				t.Errorf("the summary names %s, which was not written: %v", f[1], err)
			}
		}
	}
}

// children returns the pids of pid's children.
func children(pid int) []int {
	entries, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, so read after ')'.
		s := string(b)
		fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(fields) > 1 {
			if ppid, _ := strconv.Atoi(fields[1]); ppid == pid {
				out = append(out, child)
			}
		}
	}
	return out
}

// pluginOf waits for bilancio process pid to have a plugin child and
// returns its pid.
func pluginOf(t *testing.T, pid int) int {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		for _, c := range children(pid) {
			if exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", c)); err == nil && strings.Contains(exe, pluginhost.BinaryPrefix) {
				return c
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("no plugin process started")
	return 0
}

// kill sends sig to pid.
func kill(t *testing.T, pid int, sig syscall.Signal) {
	t.Helper()
	if err := syscall.Kill(pid, sig); err != nil {
		t.Fatalf("kill %d: %v", pid, err)
	}
}
