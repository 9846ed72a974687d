package commands

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bilancio-go/bilancio/internal/artifacts"
	"github.com/bilancio-go/bilancio/internal/store"
	"github.com/bilancio-go/bilancio/sdk/runfolder"
)

// bilancioBin is the bilancio binary built by TestMain for the tests that
// run real processes (empty with -short).
var bilancioBin string

func TestMain(m *testing.M) {
	flag.Parse()
	code := 0
	if testing.Short() {
		code = m.Run()
	} else {
		code = withBinary(m)
	}
	os.Exit(code)
}

// withBinary builds bilancio, runs the tests and removes the binary.
func withBinary(m *testing.M) int {
	dir, err := os.MkdirTemp("", "bilancio-commands-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	bilancioBin = filepath.Join(dir, "bilancio")
	if out, err := exec.Command("go", "build", "-o", bilancioBin, "github.com/bilancio-go/bilancio").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building bilancio: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

// needBinary skips a test in -short mode.
func needBinary(t *testing.T) {
	t.Helper()
	if bilancioBin == "" {
		t.Skip("runs the bilancio binary (not built with -short)")
	}
}

// resumeSweep are the `sweep ring` arguments of the resume tests: 150 rings
// of 60 agents.
func resumeSweep(dir string) []string {
	return []string{
		"sweep", "ring", "-n-agents", "60", "-maturity-days", "10", "-q-total", "10000",
		"-liquidity-mode", "uniform", "-default-handling", "expel-agent",
		"-kappas", "0.25,0.5,1,2,4,8", "-concentrations", "0.2,0.5,1,2,5", "-mus", "0,0.25,0.5,0.75,1",
		"-out-dir", dir, "-parallel", "2",
	}
}

// completeRuns returns the start time of every run of dir whose folder
// verifies.
func completeRuns(t *testing.T, dir string) map[string]time.Time {
	t.Helper()
	out := map[string]time.Time{}
	entries, err := os.ReadDir(filepath.Join(dir, store.RunsDir))
	if errors.Is(err, os.ErrNotExist) {
		return out
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if runfolder.IsTemp(e.Name()) {
			continue // a run folder being written (or left by a killed writer), not a run
		}
		if f, err := runfolder.Verify(filepath.Join(dir, store.RunsDir, e.Name())); err == nil {
			out[e.Name()] = f.Manifest.Started
		}
	}
	return out
}

// countManifests counts the run folders of dir that have a manifest.
func countManifests(dir string) int {
	entries, _ := os.ReadDir(filepath.Join(dir, store.RunsDir))
	n := 0
	for _, e := range entries {
		if runfolder.IsTemp(e.Name()) {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, store.RunsDir, e.Name(), runfolder.ManifestFile)); err == nil {
			n++
		}
	}
	return n
}

// exitCode is a finished command's exit status.
func exitCode(t *testing.T, err error) int {
	t.Helper()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode()
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0
}

// Killing `bilancio sweep run` with SIGKILL at several points and running it
// again finishes the sweep: no completed run is run again (its manifest,
// with its start time, is untouched) and none is lost.
func TestSweepResumesAfterSIGKILL(t *testing.T) {
	needBinary(t)
	dir := filepath.Join(t.TempDir(), "exp")
	args := resumeSweep(dir)
	seen := map[string]time.Time{}
	check := func(stage string) {
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
	// Kill points: while planning, then after at least n runs are complete.
	for i, n := range []int{-1, 1, 30, 75, 120, 150} {
		cmd := exec.Command(bilancioBin, args...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(20 * time.Second)
		if n < 0 {
			time.Sleep(15 * time.Millisecond)
		}
		for n >= 0 && countManifests(dir) < n && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		check(fmt.Sprintf("kill %d (after %d runs)", i+1, n))
		t.Logf("kill %d: %d runs complete", i+1, len(seen))
	}
	if len(seen) == 150 {
		t.Log("the sweep finished before the last kill")
	}
	before := len(seen)
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(bilancioBin, append(args, "-json")...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if code := exitCode(t, cmd.Run()); code != 0 {
		t.Fatalf("final run: exit code %d\n%s", code, stderr.String())
	}
	check("final run")
	if len(seen) != 150 {
		t.Fatalf("%d runs complete, want 150", len(seen))
	}
	var summary struct {
		Summary struct {
			Ran    int    `json:"ran"`
			Status string `json:"status"`
		} `json:"summary"`
		Progress struct {
			Done, Reused int
		} `json:"progress"`
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &summary); err != nil {
		t.Fatal(err)
	}
	if summary.Summary.Status != "completed" || summary.Summary.Ran != 150-before || summary.Progress.Reused != before {
		t.Errorf("final run ran %d and reused %d runs (status %s); %d were complete before it",
			summary.Summary.Ran, summary.Progress.Reused, summary.Summary.Status, before)
	}
	rows, err := readRegistry(filepath.Join(dir, store.RegistryFile))
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, r := range rows {
		if r["status"] != "completed" || ids[r["run_id"]] {
			t.Errorf("registry row %s: status %s (duplicate: %v)", r["run_id"], r["status"], ids[r["run_id"]])
		}
		ids[r["run_id"]] = true
	}
	if len(rows) != 150 {
		t.Errorf("registry has %d rows, want 150", len(rows))
	}
}

// readRegistry reads a registry CSV.
func readRegistry(path string) ([]map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return artifacts.ReadCSVDicts(f)
}

// Ctrl-C stops the sweep promptly with exit code 130, the experiment's
// status shows the runs pending, and the same command finishes it.
func TestSweepInterruptAndStatus(t *testing.T) {
	needBinary(t)
	dir := filepath.Join(t.TempDir(), "exp")
	args := resumeSweep(dir)
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(bilancioBin, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for countManifests(dir) < 10 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGINT)
	sent := time.Now()
	code := exitCode(t, cmd.Wait())
	if d := time.Since(sent); d > 3*time.Second {
		t.Errorf("sweep run took %v to stop", d)
	}
	if code == 0 {
		t.Skip("the sweep finished before the interrupt")
	}
	if code != 130 || !strings.Contains(stdout.String(), "interrupted") {
		t.Fatalf("exit code %d, want 130; stdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	out, err := exec.Command(bilancioBin, "sweep", "status", dir).CombinedOutput()
	if err != nil {
		t.Fatalf("sweep status: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "150 runs planned") || !strings.Contains(string(out), "pending") || strings.Contains(string(out), " 0 pending") {
		t.Errorf("status after the interrupt:\n%s", out)
	}
	if code := exitCode(t, exec.Command(bilancioBin, args...).Run()); code != 0 {
		t.Fatalf("second run: exit code %d", code)
	}
	out, _ = exec.Command(bilancioBin, "sweep", "status", "-json", dir).Output()
	if !strings.Contains(string(out), `"done":150`) || !strings.Contains(string(out), `"pending":0`) {
		t.Errorf("status after the second run:\n%s", out)
	}
}
