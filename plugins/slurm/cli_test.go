//go:build unix

package slurm_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Helpers of the tests that run sweeps through the bilancio binary and the
// plugin binary on the real Slurm, as a user on a login node would.

// sweepFile describes a ring sweep file on the slurm executor.
type sweepFile struct {
	name               string
	agents, maturity   int
	kappas, concs, mus string // HCL lists
	parallel, retries  int
	runsPerTask        int
	timeLimit, binary  string
}

// write writes the sweep file into dir and returns its path.
func (s sweepFile) write(t *testing.T, dir string) string {
	t.Helper()
	binary := ""
	if s.binary != "" {
		binary = fmt.Sprintf("  bilancio_binary = %q\n", s.binary)
	}
	text := fmt.Sprintf(`executor "slurm" {
  runs_per_task = %d
  time_limit    = %q
  poll_interval = 0.5
%s}

sweep %q {
  n_agents         = %d
  maturity_days    = %d
  q_total          = 500
  liquidity_mode   = "uniform"
  default_handling = "expel-agent"
  base_seed        = 7
  parallel         = %d
  retries          = %d
  grid {
    kappas         = %s
    concentrations = %s
    mus            = %s
  }
}
`, s.runsPerTask, s.timeLimit, binary, s.name, s.agents, s.maturity, s.parallel, s.retries, s.kappas, s.concs, s.mus)
	path := filepath.Join(dir, s.name+".hcl")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// lockedBuffer is a bytes.Buffer safe for a writer and a reader.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// cliRun is a `bilancio sweep run -json` in progress.
type cliRun struct {
	cmd    *exec.Cmd
	stdout lockedBuffer
	stderr lockedBuffer
	done   chan struct{}
	code   int
}

// startSweep starts `bilancio sweep run -json` of file, its experiments in
// outDir, the plugin found in the test's plugin directory.
func startSweep(t *testing.T, file, outDir string) *cliRun {
	t.Helper()
	r := &cliRun{done: make(chan struct{})}
	r.cmd = exec.Command(bins.bilancio, "sweep", "run", "-json", "-yes", "-plugin-dir", bins.dir, "-out", outDir, file)
	r.cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	r.cmd.Stdout, r.cmd.Stderr = &r.stdout, &r.stderr
	if err := r.cmd.Start(); err != nil {
		t.Fatalf("starting bilancio: %v", err)
	}
	go func() {
		err := r.cmd.Wait()
		var ee *exec.ExitError
		switch {
		case err == nil:
			r.code = 0
		case errors.As(err, &ee):
			r.code = ee.ExitCode()
			if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				r.code = 128 + int(ws.Signal())
			}
		default:
			r.code = -1
		}
		close(r.done)
	}()
	t.Cleanup(func() {
		select {
		case <-r.done:
		default:
			r.cmd.Process.Kill()
			<-r.done
		}
	})
	return r
}

// wait waits for the sweep to end and returns its exit code.
func (r *cliRun) wait(t *testing.T, within time.Duration) int {
	t.Helper()
	select {
	case <-r.done:
		return r.code
	case <-time.After(within):
		r.cmd.Process.Kill()
		<-r.done
		t.Fatalf("the sweep did not end within %v\nstdout:\n%s\nstderr:\n%s", within, tail(r.stdout.String(), 3000), tail(r.stderr.String(), 3000))
		return -1
	}
}

// runSweep runs a sweep to its end.
func runSweep(t *testing.T, file, outDir string, within time.Duration) *cliRun {
	t.Helper()
	r := startSweep(t, file, outDir)
	r.wait(t, within)
	return r
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// uiLine is the part of a -json line the tests read.
type uiLine struct {
	Type string `json:"type"`
	Run  *struct {
		ID       string `json:"id"`
		Attempt  int    `json:"attempt"`
		Attempts int    `json:"attempts"`
		Error    string `json:"error"`
		Final    bool   `json:"final"`
	} `json:"run"`
	Progress *struct {
		Done   int `json:"done"`
		Reused int `json:"reused"`
		Failed int `json:"failed"`
		Total  int `json:"total"`
	} `json:"progress"`
}

// lines parses -json output.
func lines(t *testing.T, out string) []uiLine {
	t.Helper()
	var ls []uiLine
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var l uiLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("a -json line is not JSON: %v\n%s", err, sc.Text())
		}
		ls = append(ls, l)
	}
	return ls
}

// failures lists the run_failed lines of a -json output, for messages.
func failures(t *testing.T, out string) string {
	t.Helper()
	var b strings.Builder
	for _, l := range lines(t, out) {
		if l.Type == "run_failed" && l.Run != nil {
			fmt.Fprintf(&b, "%s attempt %d: %s\n", l.Run.ID, l.Run.Attempt, l.Run.Error)
		}
	}
	return b.String()
}

// summary returns the final progress of a -json output.
func summary(t *testing.T, out string) (done, reused, failed, total int) {
	t.Helper()
	ls := lines(t, out)
	for i := len(ls) - 1; i >= 0; i-- {
		if ls[i].Type == "sweep_summary" && ls[i].Progress != nil {
			p := ls[i].Progress
			return p.Done, p.Reused, p.Failed, p.Total
		}
	}
	t.Fatalf("no sweep_summary line in:\n%s", tail(out, 3000))
	return
}

// completions counts, across every event file of every submission of an
// experiment, the lines that report each run completed: the workers' own
// record of what they ran.
func completions(t *testing.T, expDir string) map[string]int {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(expDir, "slurm", "*", "events", "*.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	n := map[string]int{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for line := range bytes.Lines(data) {
			var ev struct {
				RunID string `json:"run_id"`
				Type  string `json:"type"`
			}
			if json.Unmarshal(line, &ev) == nil && ev.Type == "completed" {
				n[ev.RunID]++
			}
		}
	}
	return n
}

// runFolders lists the run ids whose folder has a manifest.
func runFolders(t *testing.T, expDir string) []string {
	t.Helper()
	ms, err := filepath.Glob(filepath.Join(expDir, "runs", "*", "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, m := range ms {
		ids = append(ids, filepath.Base(filepath.Dir(m)))
	}
	slices.Sort(ids)
	return ids
}

// checkOnce checks that the experiment has want complete run folders and
// that each was completed by exactly one worker.
func checkOnce(t *testing.T, expDir string, want int) {
	t.Helper()
	ids := runFolders(t, expDir)
	if len(ids) != want {
		t.Errorf("%d run folders with a manifest, want %d", len(ids), want)
	}
	n := completions(t, expDir)
	for _, id := range ids {
		if n[id] != 1 {
			t.Errorf("run %s was completed %d times by the workers, want once", id, n[id])
		}
	}
	if len(n) != len(ids) {
		t.Errorf("the workers completed %d distinct runs, %d folders are complete", len(n), len(ids))
	}
}

// eventLines counts the lines of the experiment's event files (runs the
// workers finished so far).
func eventLines(expDir string) int {
	files, _ := filepath.Glob(filepath.Join(expDir, "slurm", "*", "events", "*.jsonl"))
	n := 0
	for _, f := range files {
		data, _ := os.ReadFile(f)
		n += bytes.Count(data, []byte("\n"))
	}
	return n
}

// waitFor polls cond every 100 ms until it holds, failing the test after
// within.
func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s did not happen within %v", what, within)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// jobWorkDir returns an array task's working directory: its submission.
func jobWorkDir(id string) string {
	out, err := exec.Command("squeue", "--noheader", "--job="+id, "-O", "WorkDir:").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// readSubmissionJSON reads a submission folder's run ids by task index.
func readSubmissionJSON(t *testing.T, dir string) map[string][]string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "submission.json"))
	if err != nil {
		t.Fatalf("a task sacct lists works in %s: %v", dir, err)
	}
	var s struct {
		Tasks [][]string `json:"tasks"`
	}
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	m := map[string][]string{}
	for i, runs := range s.Tasks {
		m[fmt.Sprint(i)] = runs
	}
	return m
}
