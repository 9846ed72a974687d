//go:build faults

package faults

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bilancio-go/bilancio/internal/pluginhost"
	"github.com/bilancio-go/bilancio/internal/store"
	"github.com/bilancio-go/bilancio/sdk/runfolder"
)

// SIGKILL at six points (while planning, then after 1, 30, 75, 120 and
// 150 runs) and running the sweep again each time: no run done is lost or
// run again, no temporary file survives, the counts agree and the results
// are an undisturbed sweep's.
func TestSIGKILLAtSixPoints(t *testing.T) {
	dir := expDir(t)
	seen := map[string]time.Time{}
	for i, n := range []int{-1, 1, 30, 75, 120, 150} {
		c := start(t, sweepArgs(dir)...)
		if n < 0 {
			time.Sleep(15 * time.Millisecond)
		} else {
			waitForRuns(dir, n)
		}
		kill(t, c.cmd.Process.Pid, syscall.SIGKILL)
		c.wait(t)
		keptRuns(t, dir, fmt.Sprintf("kill %d (after %d runs)", i+1, n), seen)
	}
	before := len(seen)
	code, c := run(t, sweepArgs(dir, "-json")...)
	if code != 0 {
		t.Fatalf("the last run: exit %d\n%s", code, c.stderr.String())
	}
	keptRuns(t, dir, "the last run", seen)
	if got := countsAgree(t, dir, c.stdout.String()); got != (counts{runs, 0, 0}) {
		t.Errorf("counts %v, want all %d done", got, runs)
	}
	if !strings.Contains(c.stdout.String(), fmt.Sprintf(`"ran":%d`, runs-before)) {
		t.Errorf("the last run did not run exactly the %d runs left", runs-before)
	}
	noTempFiles(t, dir)
	sameAsReference(t, dir)
}

// SIGINT stops a sweep within seconds with exit 130; the counts of the
// interrupted sweep agree; the same command finishes it.
func TestSIGINT(t *testing.T) {
	dir := expDir(t)
	c := start(t, sweepArgs(dir, "-json")...)
	waitForRuns(dir, 10)
	kill(t, c.cmd.Process.Pid, syscall.SIGINT)
	sent := time.Now()
	code := c.wait(t)
	if d := time.Since(sent); d > 5*time.Second {
		t.Errorf("the sweep took %v to stop", d)
	}
	if code == 0 {
		t.Skip("the sweep finished before the interrupt")
	}
	if code != 130 || !strings.Contains(c.stdout.String(), `"status":"interrupted"`) {
		t.Fatalf("exit %d, want 130 and an interrupted summary\n%s", code, c.stdout.String())
	}
	if got := countsAgree(t, dir, c.stdout.String()); got.pending == 0 {
		t.Errorf("counts %v after an interrupt: nothing pending", got)
	}
	code, c = run(t, sweepArgs(dir, "-json")...)
	if code != 0 {
		t.Fatalf("the second run: exit %d\n%s", code, c.stderr.String())
	}
	countsAgree(t, dir, c.stdout.String())
	noTempFiles(t, dir)
	sameAsReference(t, dir)
}

// kill -9 of the executor plugin in the middle of a sweep without retries:
// the runs it had not finished fail and are named, the others go on in a
// new plugin, and the console, registry, summary and status count the
// same; the next run retries the failed runs and the results are an
// undisturbed sweep's. With retries, one run of the sweep completes it.
func TestPluginKilled(t *testing.T) {
	for _, retries := range []string{"0", "2"} {
		t.Run("retries "+retries, func(t *testing.T) {
			dir := expDir(t)
			args := sweepArgs(dir, "-json", "-local-plugin", "-plugin-dir", pluginDir, "-retries", retries)
			c := start(t, args...)
			plugin := pluginOf(t, c.cmd.Process.Pid)
			waitForRuns(dir, 20)
			kill(t, plugin, syscall.SIGKILL)
			code := c.wait(t)
			out := c.stdout.String()
			if !strings.Contains(out, "crashed") {
				t.Errorf("nothing says the plugin crashed:\n%s", out)
			}
			got := countsAgree(t, dir, out)
			switch {
			case retries == "0" && (code != 2 || got.failed == 0):
				t.Logf("exit %d, counts %v (the kill found no run in flight)", code, got)
			case retries != "0" && (code != 0 || got != counts{runs, 0, 0}):
				t.Fatalf("with retries: exit %d, counts %v\n%s", code, got, c.stderr.String())
			}
			if code != 0 {
				code, c = run(t, args...)
				if code != 0 {
					t.Fatalf("the second run: exit %d\n%s", code, c.stderr.String())
				}
				countsAgree(t, dir, c.stdout.String())
			}
			noTempFiles(t, dir)
			sameAsReference(t, dir)
		})
	}
}

// A plugin frozen (SIGSTOP) in the middle of a sweep stops sending
// heartbeats: past the liveness timeout it is reported, killed and
// replaced, its runs are retried, and the sweep completes with every run
// done once and an undisturbed sweep's results.
func TestFrozenPlugin(t *testing.T) {
	dir := expDir(t)
	c := start(t, sweepArgs(dir, "-json", "-local-plugin", "-plugin-dir", pluginDir, "-liveness-timeout", "1s", "-retries", "2")...)
	plugin := pluginOf(t, c.cmd.Process.Pid)
	waitForRuns(dir, 20)
	kill(t, plugin, syscall.SIGSTOP)
	defer syscall.Kill(plugin, syscall.SIGKILL)
	seen := completeRuns(t, dir)
	if code := c.wait(t); code != 0 {
		t.Fatalf("exit %d with the plugin frozen\n%s", code, c.stderr.String())
	}
	if err := syscall.Kill(plugin, 0); err == nil {
		t.Error("the frozen plugin was left alive")
	}
	out := c.stdout.String()
	if !strings.Contains(out, "stopped answering") || !strings.Contains(out, "no heartbeat") {
		t.Errorf("nothing says the plugin went silent:\n%s", out)
	}
	keptRuns(t, dir, "after the freeze", seen)
	if got := countsAgree(t, dir, out); got != (counts{runs, 0, 0}) {
		t.Errorf("counts %v, want all %d done", got, runs)
	}
	noTempFiles(t, dir)
	sameAsReference(t, dir)
}

// A disk that fills up stops the sweep with the reason; the summary names
// only files that were written; once there is room again the same command
// finishes the sweep with an undisturbed sweep's results.
func TestDiskFull(t *testing.T) {
	ref, err := reference()
	if err != nil {
		t.Fatal(err)
	}
	mnt := t.TempDir()
	// Room for about a third of the sweep.
	size := ref.bytes / 3
	if err := syscall.Mount("tmpfs", mnt, "tmpfs", 0, fmt.Sprintf("size=%dk", size/1024)); err != nil {
		t.Skipf("cannot mount a small tmpfs (%v): the full-disk case needs root", err)
	}
	defer syscall.Unmount(mnt, syscall.MNT_DETACH)
	dir := filepath.Join(mnt, "exp")
	code, c := run(t, sweepArgs(dir, "-json")...)
	out := c.stdout.String()
	if code == 0 {
		t.Fatalf("the sweep completed on a full disk:\n%s", lastLine(out))
	}
	var end struct {
		Summary struct {
			Status, Error                             string
			Registry, Results, SummaryJSON, Dashboard string
		}
		Progress struct{ Done, Failed int }
	}
	if err := json.Unmarshal([]byte(lastLine(out)), &end); err != nil {
		t.Fatal(err)
	}
	t.Logf("a full disk: %s", lastLine(out))
	if end.Summary.Status == "completed" || !strings.Contains(end.Summary.Error, "no space left on device") {
		t.Errorf("the summary does not say the disk is full: %+v", end.Summary)
	}
	for _, p := range []string{end.Summary.Registry, end.Summary.Results, end.Summary.SummaryJSON, end.Summary.Dashboard} {
		if _, err := os.Stat(p); p != "" && err != nil {
			t.Errorf("the summary names %s, which was not written", p)
		}
	}
	// What the console counted is what the journal holds (the registry
	// and summary.json could not be written).
	if code, st := run(t, "sweep", "status", "-json", dir); code != 0 ||
		!strings.Contains(st.stdout.String(), fmt.Sprintf(`"done":%d,"failed":%d,`, end.Progress.Done, end.Progress.Failed)) {
		t.Errorf("sweep status disagrees with the console (%d done, %d failed):\n%s", end.Progress.Done, end.Progress.Failed, st.stdout.String())
	}
	if err := syscall.Mount("tmpfs", mnt, "tmpfs", syscall.MS_REMOUNT, "size=512m"); err != nil {
		t.Fatal(err)
	}
	code, c = run(t, sweepArgs(dir, "-json")...)
	if code != 0 {
		t.Fatalf("after making room: exit %d\n%s", code, c.stderr.String())
	}
	countsAgree(t, dir, c.stdout.String())
	noTempFiles(t, dir)
	sameAsReference(t, dir)
}

// Two sweeps of one experiment at once: the second is refused at once,
// naming the process that holds it, and touches nothing; status shows the
// sweep running; the first completes with an undisturbed sweep's results.
func TestConcurrentRuns(t *testing.T) {
	dir := expDir(t)
	first := start(t, sweepArgs(dir, "-json")...)
	waitForRuns(dir, 5)
	for _, args := range [][]string{sweepArgs(dir), {"sweep", "aggregate", dir}} {
		code, c := run(t, args...)
		if code == 0 && first.cmd.ProcessState == nil {
			t.Errorf("%s ran beside the running sweep", args[1])
		}
		if code != 0 && !strings.Contains(c.stderr.String(), fmt.Sprintf("being run by another bilancio process (pid %d)", first.cmd.Process.Pid)) {
			t.Errorf("%s refused without naming the process:\n%s", args[1], c.stderr.String())
		}
	}
	if code, c := run(t, "sweep", "status", dir); code != 0 || !strings.Contains(c.stdout.String(), "being run now") {
		t.Logf("status while running (the sweep may have ended): %s", c.stdout.String())
	}
	if code := first.wait(t); code != 0 {
		t.Fatalf("the first sweep: exit %d\n%s", code, first.stderr.String())
	}
	countsAgree(t, dir, first.stdout.String())
	sameAsReference(t, dir)
}

// A plugin binary changed after it was installed is refused before any
// run: the message names the plugin and says why; the summary says the
// sweep stopped, not that runs failed.
func TestTamperedPlugin(t *testing.T) {
	tampered := t.TempDir()
	for _, name := range []string{pluginhost.BinaryName("local"), pluginhost.SumName("local")} {
		b, err := os.ReadFile(filepath.Join(pluginDir, name))
		if err != nil {
			t.Fatal(err)
		}
		if name == pluginhost.BinaryName("local") {
			b = append(b, 0)
		}
		if err := os.WriteFile(filepath.Join(tampered, name), b, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	dir := expDir(t)
	code, c := run(t, sweepArgs(dir, "-local-plugin", "-plugin-dir", tampered)...)
	out, errOut := c.stdout.String(), c.stderr.String()
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	t.Logf("a tampered plugin:\n%s%s", out, errOut)
	plugin := filepath.Join(tampered, pluginhost.BinaryName("local"))
	if !strings.Contains(errOut, plugin) || !strings.Contains(strings.ToLower(errOut), "checksum") {
		t.Errorf("the error does not name the refused plugin and why:\n%s", errOut)
	}
	if strings.Contains(out, "finished with failures") || strings.Contains(out, "failed,") && !strings.Contains(out, "0 failed") {
		t.Errorf("the summary speaks of failed runs:\n%s", out)
	}
	if n := countManifests(dir); n != 0 {
		t.Errorf("%d runs ran on a refused plugin", n)
	}
	pathsPrinted(t, out)
}

// damage is a way to damage a finished run's folder, and what a check of
// it says.
type damage struct {
	name   string
	do     func(t *testing.T, run string)
	reason string // "" when the quick check cannot see it
}

// damages are the ways runs are damaged (issue 16.2), one run each.
func damages() []damage {
	file := func(run, name string) string { return filepath.Join(run, filepath.FromSlash(name)) }
	return []damage{
		{"events.jsonl edited", func(t *testing.T, run string) {
			appendTo(t, file(run, runfolder.EventsFile), "\n")
		}, "out/events.jsonl: wrong size"},
		{"out/ removed", func(t *testing.T, run string) {
			if err := os.RemoveAll(filepath.Join(run, "out")); err != nil {
				t.Fatal(err)
			}
		}, "out/events.jsonl: missing"},
		{"manifest removed", func(t *testing.T, run string) {
			if err := os.Remove(file(run, runfolder.ManifestFile)); err != nil {
				t.Fatal(err)
			}
		}, "manifest.json is missing"},
		{"metrics.csv rewritten, same size", func(t *testing.T, run string) {
			p := file(run, runfolder.MetricsCSVFile)
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			b[len(b)-2] ^= 1
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}, "out/metrics.csv: wrong checksum"},
		{"run.html edited, times restored", func(t *testing.T, run string) {
			p := file(run, runfolder.RunHTMLFile)
			fi, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := os.ReadFile(p)
			b[len(b)/2] ^= 1
			os.WriteFile(p, b, 0o644)
			os.Chtimes(p, fi.ModTime(), fi.ModTime())
		}, ""},
	}
}

// appendTo appends text to a file.
func appendTo(t *testing.T, path, text string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
}

// Runs damaged after they finished are named by status, aggregate and
// the next sweep run, and run again (and only they); a run only touched
// is not; a forgery that keeps sizes and times is found by -verify. The
// results end as an undisturbed sweep's.
func TestDamagedRunsAreRedone(t *testing.T) {
	dir := expDir(t)
	if code, c := run(t, sweepArgs(dir)...); code != 0 {
		t.Fatalf("the sweep: exit %d\n%s", code, c.stderr.String())
	}
	ids := func() []string {
		entries, err := os.ReadDir(filepath.Join(dir, store.RunsDir))
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range entries {
			out = append(out, e.Name())
		}
		return out
	}()
	runDir := func(id string) string { return filepath.Join(dir, store.RunsDir, id) }
	ds := damages()
	victims := map[string]damage{}
	for i, d := range ds {
		id := ids[10*i+3]
		d.do(t, runDir(id))
		victims[id] = d
	}
	// Touched only: the quick check hashes it and finds it intact.
	touched := ids[7]
	later := time.Now().Add(time.Hour)
	os.Chtimes(filepath.Join(runDir(touched), filepath.FromSlash(runfolder.EventsFile)), later, later)

	// sweep status names the run without a manifest; -verify names every
	// damaged run, the forgery included.
	_, c := run(t, "sweep", "status", dir)
	for id, d := range victims {
		if d.name == "manifest removed" && !strings.Contains(c.stderr.String(), id) {
			t.Errorf("sweep status does not name %s (%s):\n%s", id, d.name, c.stderr.String())
		}
	}
	_, c = run(t, "sweep", "status", "-verify", dir)
	for id, d := range victims {
		if !strings.Contains(c.stderr.String(), id) {
			t.Errorf("sweep status -verify does not name %s (%s):\n%s", id, d.name, c.stderr.String())
		}
	}
	if strings.Contains(c.stderr.String(), touched) {
		t.Errorf("sweep status -verify names the run only touched")
	}

	// sweep aggregate names what the quick check sees and leaves it out.
	code, c := run(t, "sweep", "aggregate", dir)
	if code != 0 {
		t.Fatalf("sweep aggregate: exit %d\n%s", code, c.stderr.String())
	}
	for id, d := range victims {
		named := strings.Contains(c.stderr.String(), id)
		switch {
		case d.reason != "" && (!named || !strings.Contains(c.stderr.String(), d.reason)):
			t.Errorf("sweep aggregate does not name %s with %q:\n%s", id, d.reason, c.stderr.String())
		case d.reason == "" && named:
			t.Errorf("sweep aggregate names %s (%s), which its quick check cannot see", id, d.name)
		}
	}
	if strings.Contains(c.stderr.String(), touched) {
		t.Errorf("sweep aggregate names the run only touched")
	}

	// sweep run runs again exactly the damaged runs the quick check sees;
	// with -verify, the forgery too.
	code, c = run(t, sweepArgs(dir, "-json")...)
	if code != 0 {
		t.Fatalf("sweep run: exit %d\n%s", code, c.stderr.String())
	}
	quick := 0
	for _, d := range victims {
		if d.reason != "" {
			quick++
		}
	}
	if !strings.Contains(c.stdout.String(), fmt.Sprintf(`"ran":%d,`, quick)) {
		t.Errorf("sweep run did not run exactly the %d damaged runs:\n%s", quick, lastLine(c.stdout.String()))
	}
	code, c = run(t, sweepArgs(dir, "-json", "-verify")...)
	if code != 0 {
		t.Fatalf("sweep run -verify: exit %d\n%s", code, c.stderr.String())
	}
	if !strings.Contains(c.stdout.String(), `"ran":1,`) || !strings.Contains(c.stdout.String(), "no longer verifies") {
		t.Errorf("sweep run -verify did not name and run the forged run:\n%s", c.stdout.String())
	}
	countsAgree(t, dir, c.stdout.String())
	sameAsReference(t, dir)
}

// Temporary files that a killed sweep left (in the experiment's own
// folders and in the runs it was writing) are gone after the next run.
func TestStaleTempFilesRemoved(t *testing.T) {
	dir := expDir(t)
	c := start(t, sweepArgs(dir)...)
	waitForRuns(dir, 20)
	kill(t, c.cmd.Process.Pid, syscall.SIGKILL)
	c.wait(t)
	// What a kill in the middle of writing leaves: the runs that were being
	// written (handed to the executor, not done) have folders with a part
	// of their files and temporary ones; the store's own files have
	// temporary ones too.
	done := completeRuns(t, dir)
	st, _, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	j, err := st.ReadJournal(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	planted := 0
	for e := range j.InPlan(mustMeta(t, dir).Plan).All() {
		if e.State() != store.Pending || !e.Exec() {
			continue
		}
		out := filepath.Join(st.RunDir(e.ID()), "out")
		if err := os.MkdirAll(out, 0o755); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(st.RunDir(e.ID()), ".run.html.tmp-12345"), []byte("<html>"), 0o644)
		os.WriteFile(filepath.Join(out, ".events.jsonl.tmp-1"), []byte("{"), 0o644)
		os.WriteFile(filepath.Join(out, "balances.csv"), []byte("stale"), 0o644)
		planted++
	}
	j.Close()
	if planted == 0 {
		t.Fatal("no run was in flight at the kill")
	}
	for _, p := range []string{"registry/.experiments.csv.tmp-1", "aggregate/.results.csv.tmp-2", ".experiment.json.tmp-3"} {
		os.WriteFile(filepath.Join(dir, filepath.FromSlash(p)), []byte("x"), 0o644)
	}
	t.Logf("%d runs done at the kill; temporary files planted in %d run folders", len(done), planted)
	code, c := run(t, sweepArgs(dir, "-json")...)
	if code != 0 {
		t.Fatalf("the next run: exit %d\n%s", code, c.stderr.String())
	}
	noTempFiles(t, dir)
	countsAgree(t, dir, c.stdout.String())
	sameAsReference(t, dir)
}

// lastLine is the last line of a text.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// mustMeta reads dir's experiment.json.
func mustMeta(t *testing.T, dir string) *store.Meta {
	t.Helper()
	m, err := store.ReadMeta(dir)
	if err != nil {
		t.Fatal(err)
	}
	return m
}
