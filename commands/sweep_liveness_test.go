//go:build linux

package commands

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bilancio-go/bilancio/internal/pluginhost"
	"github.com/bilancio-go/bilancio/internal/store"
	"github.com/bilancio-go/bilancio/internal/sweep"
	"github.com/bilancio-go/bilancio/sdk/runfolder"
)

// childPid returns the pid of a child of parent whose command name is
// comm, or 0 (from /proc).
func childPid(t *testing.T, parent int, comm string) int {
	t.Helper()
	ents, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...
		open, close := bytes.IndexByte(stat, '('), bytes.LastIndexByte(stat, ')')
		if open < 0 || close < open {
			continue
		}
		fields := strings.Fields(string(stat[close+1:]))
		if len(fields) > 1 && string(stat[open+1:close]) == comm && fields[1] == strconv.Itoa(parent) {
			return pid
		}
	}
	return 0
}

// A local plugin frozen (SIGSTOP) in the middle of a sweep stops sending
// heartbeats: past the liveness timeout bilancio reports it, kills it,
// starts a new one and retries the runs it held; the sweep completes with
// every run done exactly once, and no run done before the freeze is run
// again.
func TestSweepSurvivesFrozenPlugin(t *testing.T) {
	needBinary(t)
	pluginDir := t.TempDir()
	src := filepath.Join(pluginDir, "bilancio-executor-local")
	if out, err := exec.Command("go", "build", "-o", src, "../plugins/local/cmd/bilancio-executor-local").CombinedOutput(); err != nil {
		t.Fatalf("building the local plugin: %v\n%s", err, out)
	}
	sum, err := runfolder.FileSHA256(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(pluginDir, pluginhost.SumName("local")), []byte(sum+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	dir := filepath.Join(t.TempDir(), "exp")
	args := append(resumeSweep(dir), "-local-plugin", "-plugin-dir", pluginDir, "-liveness-timeout", "1s", "-retries", "2", "-json")
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(bilancioBin, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for countManifests(dir) < 20 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	plugin := childPid(t, cmd.Process.Pid, "bilancio-execut") // comm is cut at 15 bytes
	if plugin == 0 {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatal("no local plugin process under bilancio")
	}
	if err := syscall.Kill(plugin, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	frozenAt := time.Now()
	before := completeRuns(t, dir)
	t.Logf("froze plugin %d with %d runs complete", plugin, len(before))

	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if code := exitCode(t, err); code != 0 {
			t.Fatalf("exit code %d\n%s", code, stderr.String())
		}
	case <-time.After(120 * time.Second):
		syscall.Kill(plugin, syscall.SIGKILL)
		cmd.Process.Kill()
		t.Fatalf("the sweep hung with its plugin frozen\n%s", stderr.String())
	}
	t.Logf("finished %s after the freeze", time.Since(frozenAt).Round(time.Millisecond))
	if err := syscall.Kill(plugin, 0); err == nil {
		syscall.Kill(plugin, syscall.SIGKILL)
		t.Error("the frozen plugin was left alive")
	}

	after := completeRuns(t, dir)
	if len(after) != 150 {
		t.Fatalf("%d runs complete, want 150", len(after))
	}
	for id, started := range before {
		if !after[id].Equal(started) {
			t.Errorf("run %s, done before the freeze, was run again", id)
		}
	}
	finished := map[string]int{}
	unresponsive := false
	for _, line := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
		var ev struct {
			Type string          `json:"type"`
			Run  *sweep.RunEvent `json:"run"`
			Diag *struct {
				Summary, Detail string
			} `json:"diagnostic"`
		}
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			continue
		}
		switch {
		case ev.Type == string(sweep.EventRunFinished) && ev.Run != nil:
			finished[ev.Run.ID]++
		case ev.Diag != nil && strings.Contains(ev.Diag.Detail, "no heartbeat or event for"):
			unresponsive = true
		}
	}
	if !unresponsive {
		t.Errorf("no diagnostic says the plugin was unresponsive:\n%s", stdout.String())
	}
	if len(finished) != 150 {
		t.Errorf("%d runs reported finished, want 150", len(finished))
	}
	for id, n := range finished {
		if n != 1 {
			t.Errorf("run %s finished %d times", id, n)
		}
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
