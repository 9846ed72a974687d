//go:build unix

package slurm_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/bilancio-go/bilancio/internal/pluginhost"
	"github.com/bilancio-go/bilancio/plugins/slurm"
	"github.com/bilancio-go/bilancio/sdk"
	"github.com/bilancio-go/bilancio/sdk/runfolder"
)

// These tests run against a real Slurm on this machine: `make slurm-up`
// (scripts/slurm.sh) starts a single-node one, and .ci/run does so before
// the tests. Without one they are skipped, saying so, except under CI=true
// where they fail.

// binaries are the programs TestMain builds.
type binaries struct {
	dir    string
	plugin string
	// bilancio is the CLI, also the worker the array tasks run.
	bilancio string
	worker   *sdk.WorkerBinary
}

// bins is set once by TestMain, before any test runs, and only read after.
var bins binaries

func TestMain(m *testing.M) {
	// The tests set the node down, preempt whatever runs on it and cancel
	// jobs by name: two test processes on one machine's Slurm would fail
	// each other's tests, so they take turns.
	unlock, err := lockSlurm()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer unlock()
	dir, err := os.MkdirTemp("", "bilancio-slurm-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := 1
	if bins, err = build(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
	} else {
		code = m.Run()
	}
	os.RemoveAll(dir)
	unlock()
	os.Exit(code)
}

// lockSlurm waits for this machine's Slurm to be free of other test
// processes (an flock on a file in the temporary directory, released when
// the process ends) and returns its release.
func lockSlurm() (func(), error) {
	path := filepath.Join(os.TempDir(), "bilancio-slurm-tests.lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o666)
	if err != nil {
		return nil, fmt.Errorf("the lock of the Slurm tests: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		fmt.Fprintf(os.Stderr, "waiting for another test process using this machine's Slurm (%s)\n", path)
		start := time.Now()
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
			f.Close()
			return nil, fmt.Errorf("the lock of the Slurm tests: %w", err)
		}
		fmt.Fprintf(os.Stderr, "waited %v for the other test process\n", time.Since(start).Round(time.Second))
	}
	return sync.OnceFunc(func() { f.Close() }), nil
}

// build builds the plugin binary (with its checksum file) and bilancio
// (with bilancio-sweep beside it).
func build(dir string) (binaries, error) {
	b := binaries{dir: dir, plugin: filepath.Join(dir, pluginhost.BinaryName(slurm.Name)), bilancio: filepath.Join(dir, "bilancio")}
	for _, t := range []struct{ out, pkg string }{
		{b.plugin, "github.com/bilancio-go/bilancio/plugins/slurm/cmd/bilancio-executor-slurm"},
		{b.bilancio, "github.com/bilancio-go/bilancio"},
		{filepath.Join(dir, "bilancio-sweep"), "github.com/bilancio-go/bilancio/cmd/bilancio-sweep"}, // bilancio hands `worker` and sweeps to it
	} {
		if out, err := exec.Command("go", "build", "-o", t.out, t.pkg).CombinedOutput(); err != nil {
			return b, fmt.Errorf("building %s: %v\n%s", t.pkg, err, out)
		}
	}
	sum, err := runfolder.FileSHA256(b.plugin)
	if err != nil {
		return b, err
	}
	if err := os.WriteFile(filepath.Join(dir, pluginhost.SumName(slurm.Name)), []byte(sum+"\n"), 0o644); err != nil {
		return b, err
	}
	wsum, err := runfolder.FileSHA256(b.bilancio)
	if err != nil {
		return b, err
	}
	b.worker = &sdk.WorkerBinary{Path: b.bilancio, SHA256: wsum, OS: runtime.GOOS, Arch: runtime.GOARCH}
	return b, nil
}

// slurmCheck is the outcome of looking for a working Slurm, once.
var slurmCheck = sync.OnceValue(func() error {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "scontrol", "ping").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "UP") {
		return fmt.Errorf("scontrol ping: %v %s", err, strings.TrimSpace(string(out)))
	}
	out, err = exec.CommandContext(ctx, "sinfo", "--noheader", "-o", "%T").CombinedOutput()
	state := strings.TrimSpace(string(out))
	if err != nil || !(strings.HasPrefix(state, "idle") || strings.HasPrefix(state, "mixed") || strings.HasPrefix(state, "alloc")) {
		return fmt.Errorf("sinfo: the node is %q (%v)", state, err)
	}
	return nil
})

// requireSlurm skips the test when no Slurm answers here, or fails it under
// CI=true.
func requireSlurm(t *testing.T) {
	t.Helper()
	err := slurmCheck()
	if err == nil {
		return
	}
	msg := fmt.Sprintf("no working Slurm on this machine (%v): `make slurm-up` starts a single-node one (Debian, as root)", err)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + "; .ci/run should have started it")
	}
	t.Skip(msg)
}

// requireSacct skips the test when sacct has no accounting database (or
// fails it under CI=true, where .ci/run starts slurmdbd).
func requireSacct(t *testing.T) {
	t.Helper()
	requireSlurm(t)
	out, err := exec.Command("sacct", "--noheader", "-X", "-S", "now-1minutes", "-o", "JobID").CombinedOutput()
	if err == nil {
		return
	}
	msg := fmt.Sprintf("sacct does not work here (%v: %s): `make slurm-up SLURM_ACCOUNTING=1` adds slurmdbd", err, strings.TrimSpace(string(out)))
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + "; .ci/run should have started it")
	}
	t.Skip(msg)
}

// subprocess starts the plugin binary as bilancio does (go-plugin, gRPC,
// checksum verified) and returns its executor; the plugin is stopped when
// the test ends.
func subprocess(t testing.TB, env ...string) sdk.Executor {
	t.Helper()
	p, err := pluginhost.Open(context.Background(), pluginhost.Candidate{
		Name: slurm.Name, Path: bins.plugin, SumPath: filepath.Join(bins.dir, pluginhost.SumName(slurm.Name)), Dir: bins.dir,
	}, pluginhost.WithEnv(env...))
	if err != nil {
		t.Fatalf("starting the plugin: %v", err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Errorf("stopping the plugin: %v", err)
		}
	})
	return p.Executor()
}

// cancelJobsAtEnd scancels whatever jobs of the experiment are left when the
// test ends, so that a failed test leaves the queue empty.
func cancelJobsAtEnd(t *testing.T, experimentID string) {
	t.Cleanup(func() {
		exec.Command("scancel", "--name="+slurm.JobName(experimentID)).Run()
	})
}

// liveTasks lists the experiment's array tasks squeue shows pending or
// running.
func liveTasks(t *testing.T, experimentID string) []string {
	t.Helper()
	out, err := exec.Command("squeue", "--noheader", "--array", "--name="+slurm.JobName(experimentID), "-o", "%i %T").Output()
	if err != nil {
		t.Fatalf("squeue: %v", err)
	}
	var tasks []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			tasks = append(tasks, line)
		}
	}
	return tasks
}
