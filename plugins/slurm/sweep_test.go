//go:build unix

package slurm_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bilancio-go/bilancio/plugins/slurm"
)

// TestSweep500 runs a 500-run sweep of 20-agent rings, two array tasks at
// once: every run completes once, in its folder in the experiment.
func TestSweep500(t *testing.T) {
	requireSlurm(t)
	dir := t.TempDir()
	s := sweepFile{name: "slurm500", agents: 20, maturity: 3, parallel: 2, runsPerTask: 100, timeLimit: "5",
		kappas: "[0.25, 0.5, 0.75, 1, 1.25, 1.5, 2, 2.5, 3, 4]", concs: "[0.5, 1, 2, 3, 5]", mus: "[0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1]"}
	cancelJobsAtEnd(t, s.name)
	start := time.Now()
	r := runSweep(t, s.write(t, dir), filepath.Join(dir, "out"), 5*time.Minute)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", r.code, tail(r.stdout.String(), 3000), tail(r.stderr.String(), 3000))
	}
	done, _, failed, total := summary(t, r.stdout.String())
	if done != 500 || failed != 0 || total != 500 {
		t.Errorf("summary: %d done, %d failed of %d, want 500 done", done, failed, total)
	}
	exp := filepath.Join(dir, "out", s.name)
	checkOnce(t, exp, 500)
	subs, _ := filepath.Glob(filepath.Join(exp, "slurm", "*", "submission.json"))
	t.Logf("500 runs in %v, %d submissions", time.Since(start).Round(time.Millisecond), len(subs))
}

// TestTaskFailures fails array tasks mid-run as a cluster does — one
// scancelled, the running ones preempted by a job of a higher-priority
// partition that takes the whole node, all of them lost with their node —
// and checks each time that the runs the
// tasks had not finished fail with Slurm's state in the message, are
// retried by the sweep's policy in a new array and complete, while the runs
// they had finished are not run again.
func TestTaskFailures(t *testing.T) {
	requireSlurm(t)
	host := nodeName(t)
	for _, tc := range []struct {
		name  string
		state string
		// fail makes the running task victim (or another) fail.
		fail func(t *testing.T, victim string)
		// victimOnly: the failed runs all name the victim.
		victimOnly bool
	}{
		{"scancel", "CANCELLED", func(t *testing.T, victim string) { slurmCmd(t, "scancel", victim) }, true},
		{"preempted", "PREEMPTED", func(t *testing.T, _ string) {
			// The whole node for a job of the high partition: every
			// task running on it is preempted, the victim among them.
			// (A request for one CPU preempts nothing when the other
			// task has just ended and left its CPU free.)
			slurmCmd(t, "sbatch", "--partition=high", "--exclusive", "--job-name=bilancio-test-preemptor", "--output=/dev/null", "--wrap=sleep 3")
			t.Cleanup(func() { exec.Command("scancel", "--name=bilancio-test-preemptor").Run() })
		}, false},
		{"node-down", "NODE_FAIL", func(t *testing.T, _ string) {
			slurmCmd(t, "scontrol", "update", "NodeName="+host, "State=DOWN", "Reason=bilancio test")
			t.Cleanup(func() { resumeNode(t, host) })
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			s := sweepFile{name: "slurmfail" + strings.ReplaceAll(tc.name, "-", ""), agents: 2000, maturity: 10, parallel: 2, retries: 1, runsPerTask: 6, timeLimit: "5",
				kappas: "[0.5, 1, 2]", concs: "[1, 2]", mus: "[0, 1]"}
			cancelJobsAtEnd(t, s.name)
			exp := filepath.Join(dir, "out", s.name)
			r := startSweep(t, s.write(t, dir), filepath.Join(dir, "out"))
			victim := runningMidway(t, exp, s.name)
			tc.fail(t, victim)
			if tc.state == "NODE_FAIL" {
				resumeNode(t, host)
			}
			if code := r.wait(t, 3*time.Minute); code != 0 {
				t.Fatalf("exit %d\n%s\n%s", code, failures(t, r.stdout.String()), tail(r.stderr.String(), 3000))
			}
			var failed, retried []string
			for _, l := range lines(t, r.stdout.String()) {
				switch {
				case l.Type == "run_failed" && l.Run != nil:
					want := "ended " + tc.state
					if tc.victimOnly {
						want = "Slurm job " + victim + " " + want
					}
					if l.Run.Attempt != 1 || l.Run.Final || !strings.Contains(l.Run.Error, want) {
						t.Errorf("run %s failed on attempt %d (final %v): %q, want attempt 1, not final, saying %q", l.Run.ID, l.Run.Attempt, l.Run.Final, l.Run.Error, want)
					}
					if len(failed) == 0 {
						t.Logf("run %s failed: %s", l.Run.ID, l.Run.Error)
					}
					failed = append(failed, l.Run.ID)
				case l.Type == "run_finished" && l.Run != nil && l.Run.Attempt == 2:
					retried = append(retried, l.Run.ID)
				}
			}
			slices.Sort(failed)
			slices.Sort(retried)
			if len(failed) == 0 || !slices.Equal(failed, retried) {
				t.Errorf("runs failed by the %s %v, runs completed on their second attempt %v: want the same, not none", tc.state, failed, retried)
			}
			checkOnce(t, exp, 12)
		})
	}
}

// TestTimeLimit runs a task past its time limit (one minute, Slurm's
// least; it checks limits about every 30 s, so this takes 60 to 100 s): its
// runs fail with Slurm's TIMEOUT and the limit, the sweep retries them, and
// the second try completes. The worker is a wrapper that outlives the limit
// on its first call and runs bilancio after.
func TestTimeLimit(t *testing.T) {
	requireSlurm(t)
	sharesNode(t) // its first task holds one of the node's CPUs for over a minute, doing nothing
	dir := t.TempDir()
	wrapper := filepath.Join(dir, "slow-bilancio")
	script := fmt.Sprintf("#!/bin/sh\n# The first call outlives the time limit; later calls run bilancio.\nif mkdir %q 2>/dev/null; then exec sleep 600; fi\nexec %q \"$@\"\n",
		filepath.Join(dir, "first-call"), bins.bilancio)
	if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	s := sweepFile{name: "slurmtimeout", agents: 20, maturity: 3, parallel: 1, retries: 1, runsPerTask: 2, timeLimit: "1",
		binary: wrapper, kappas: "[0.5, 1]", concs: "[1]", mus: "[0]"}
	cancelJobsAtEnd(t, s.name)
	exp := filepath.Join(dir, "out", s.name)
	start := time.Now()
	r := runSweep(t, s.write(t, dir), filepath.Join(dir, "out"), 4*time.Minute)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", r.code, tail(r.stdout.String(), 3000), tail(r.stderr.String(), 3000))
	}
	t.Logf("the sweep took %v", time.Since(start).Round(time.Second))
	var timedOut int
	for _, l := range lines(t, r.stdout.String()) {
		if l.Type == "run_failed" && l.Run != nil {
			if !strings.Contains(l.Run.Error, "ended TIMEOUT after") || !strings.Contains(l.Run.Error, "DUE TO TIME LIMIT") || !strings.Contains(l.Run.Error, "(time limit 1:00)") || l.Run.Final {
				t.Errorf("run %s failed with %q (final %v), want Slurm's TIMEOUT and the limit, not final", l.Run.ID, l.Run.Error, l.Run.Final)
			}
			timedOut++
		}
	}
	if timedOut != 2 {
		t.Errorf("%d runs failed by the time limit, want both", timedOut)
	}
	checkOnce(t, exp, 2)
}

// TestWorkerFails runs a sweep whose worker cannot run (a bilancio_binary
// that exits 3 at once): every run fails with Slurm's FAILED, the exit code
// and the end of the task's log, and the sweep exits 2.
func TestWorkerFails(t *testing.T) {
	requireSlurm(t)
	sharesNode(t)
	dir := t.TempDir()
	broken := filepath.Join(dir, "broken-bilancio")
	if err := os.WriteFile(broken, []byte("#!/bin/sh\necho 'bilancio: cannot start: no such library' >&2\nexit 3\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	s := sweepFile{name: "slurmfailed", agents: 20, maturity: 3, parallel: 2, runsPerTask: 2, timeLimit: "5", binary: broken,
		kappas: "[0.5, 1]", concs: "[1]", mus: "[0, 1]"}
	cancelJobsAtEnd(t, s.name)
	r := runSweep(t, s.write(t, dir), filepath.Join(dir, "out"), 2*time.Minute)
	if r.code != 2 {
		t.Fatalf("exit %d, want 2 (runs failed)\n%s", r.code, tail(r.stderr.String(), 2000))
	}
	n := 0
	for _, l := range lines(t, r.stdout.String()) {
		if l.Type != "run_failed" || l.Run == nil {
			continue
		}
		n++
		for _, want := range []string{"ended FAILED, exit code 3 (NonZeroExitCode)", "bilancio: cannot start: no such library"} {
			if !strings.Contains(l.Run.Error, want) {
				t.Errorf("run %s failed with %q, want it to say %q", l.Run.ID, l.Run.Error, want)
			}
		}
	}
	if n != 4 {
		t.Errorf("%d runs failed, want 4", n)
	}
}

// runningMidway waits for a task of the experiment that is running and has
// reported a run but not all of them, stops its worker (SIGSTOP) and
// returns the task's id. The stopped worker makes no more progress, as if
// its next run were a long one, until Slurm signals it (SIGCONT, SIGTERM)
// to end the task: without the stop, a task could finish its last runs
// before the failure the test inflicts reaches it (a ring of this test takes
// a quarter of a second on a quiet machine; Slurm acts within a second), and
// the test would have nothing to check.
func runningMidway(t *testing.T, exp, name string) string {
	t.Helper()
	var victim string
	waitFor(t, 90*time.Second, "a task running with a run finished", func() bool {
		files, _ := filepath.Glob(filepath.Join(exp, "slurm", "*", "events", "*.jsonl"))
		for _, f := range files {
			sub, idx := filepath.Dir(filepath.Dir(f)), strings.TrimSuffix(filepath.Base(f), ".jsonl")
			held := len(readSubmissionJSON(t, sub)[idx])
			if n := fileLines(f); n < 1 || n >= held {
				continue
			}
			for _, task := range liveTasks(t, name) {
				id, state, _ := strings.Cut(task, " ")
				if state != "RUNNING" || !strings.HasSuffix(id, "_"+idx) || jobWorkDir(id) != sub {
					continue
				}
				pid := workerPID(filepath.Join(sub, "tasks", idx+".json"))
				if pid == 0 || syscall.Kill(pid, syscall.SIGSTOP) != nil {
					continue
				}
				t.Cleanup(func() { syscall.Kill(pid, syscall.SIGCONT) })
				// Stopped, the worker writes no more events: the
				// count is final until Slurm ends the task.
				if n := fileLines(f); n >= 1 && n < held {
					t.Logf("task %s stopped after %d of its %d runs", id, n, held)
					victim = id
					return true
				}
				syscall.Kill(pid, syscall.SIGCONT)
			}
		}
		return false
	})
	return victim
}

// fileLines counts the lines of a file (0 when it cannot be read).
func fileLines(path string) int {
	data, _ := os.ReadFile(path)
	return bytes.Count(data, []byte("\n"))
}

// workerPID finds the process of the `bilancio worker` running the chunk
// manifest of an array task (the local Slurm's node is this machine), or 0.
func workerPID(manifest string) int {
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range procs {
		data, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		args := strings.Split(strings.TrimRight(string(data), "\x00"), "\x00")
		if i := slices.Index(args, "-manifest"); i > 0 && args[i-1] == "worker" && i+1 < len(args) && args[i+1] == manifest {
			pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(p)))
			return pid
		}
	}
	return 0
}

// slurmCmd runs a Slurm command, failing the test if it fails.
func slurmCmd(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v %s", name, strings.Join(args, " "), err, out)
	}
}

// nodeName is the name of the local Slurm's one node.
func nodeName(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("sinfo", "--noheader", "-o", "%n").Output()
	if err != nil {
		t.Fatalf("sinfo: %v", err)
	}
	return strings.TrimSpace(strings.Split(string(out), "\n")[0])
}

// resumeNode brings the node back after a test set it down (Slurm may have
// done so already: ReturnToService=2).
func resumeNode(t *testing.T, host string) {
	t.Helper()
	waitFor(t, 30*time.Second, "node "+host+" back in service", func() bool {
		out, _ := exec.Command("sinfo", "--noheader", "-n", host, "-o", "%T").Output()
		state := strings.TrimSpace(string(out))
		if strings.HasPrefix(state, "idle") || strings.HasPrefix(state, "mixed") || strings.HasPrefix(state, "alloc") {
			return true
		}
		exec.Command("scontrol", "update", "NodeName="+host, "State=RESUME").Run()
		return false
	})
}

// sharesNode marks a test that may share the node with others: those run
// at once, after the tests that need the node's two CPUs to themselves
// (the conformance suite, TestSweep500, TestTaskFailures, which preempts
// everything on the node and sets it down) have run one at a time — go test
// starts parallel tests when the others are done, at most -parallel
// (GOMAXPROCS) at once, in source order. Their tasks wait for CPUs in the
// queue as on any busy cluster. TestTimeLimit comes first: its first task,
// which only sleeps for over a minute, overlaps the others instead of
// adding its minute to the package's time.
func sharesNode(t *testing.T) { t.Parallel() }

// slowSweep is a sweep of 40 runs of about half a second each (more under
// load), five to an array task.
func slowSweep(name string) sweepFile {
	return sweepFile{name: name, agents: 2000, maturity: 10, parallel: 2, runsPerTask: 5, timeLimit: "5",
		kappas: "[0.5, 1, 2, 4]", concs: "[1, 2]", mus: "[0, 0.25, 0.5, 0.75, 1]"}
}

// TestCtrlC interrupts the CLI mid-sweep: it exits 130 and leaves no job of
// the sweep in the queue; running the sweep again finishes it, running no
// run twice.
func TestCtrlC(t *testing.T) {
	requireSlurm(t)
	sharesNode(t)
	dir := t.TempDir()
	s := slowSweep("slurmctrlc")
	cancelJobsAtEnd(t, s.name)
	file, out := s.write(t, dir), filepath.Join(dir, "out")
	exp := filepath.Join(out, s.name)
	r := startSweep(t, file, out)
	waitFor(t, 3*time.Minute, "a run finished and tasks running", func() bool {
		return eventLines(exp) >= 1 && len(liveTasks(t, s.name)) > 0
	})
	if err := r.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	stopped := time.Now()
	if code := r.wait(t, 30*time.Second); code != 130 {
		t.Errorf("exit %d after Ctrl-C, want 130\n%s", code, tail(r.stderr.String(), 2000))
	}
	t.Logf("bilancio exited %v after Ctrl-C", time.Since(stopped).Round(time.Millisecond))
	waitFor(t, 10*time.Second, "the sweep's jobs leaving the queue", func() bool { return len(liveTasks(t, s.name)) == 0 })
	t.Logf("no job of the sweep in the queue %v after Ctrl-C", time.Since(stopped).Round(time.Millisecond))
	before := len(runFolders(t, exp))
	if before == 40 {
		t.Fatal("every run completed before the Ctrl-C: make the sweep slower")
	}

	r = runSweep(t, file, out, 3*time.Minute)
	if r.code != 0 {
		t.Fatalf("the second run: exit %d\n%s", r.code, tail(r.stderr.String(), 3000))
	}
	done, reused, failed, _ := summary(t, r.stdout.String())
	if done != 40 || failed != 0 || reused != before {
		t.Errorf("the second run: %d done (%d reused), %d failed; want 40 done, %d reused", done, reused, failed, before)
	}
	checkOnce(t, exp, 40)
}

// TestKillRerun SIGKILLs the CLI mid-sweep: the sweep's jobs keep running;
// running the sweep again follows the live tasks, submits only the runs no
// task holds, and runs nothing twice, as sacct (the accounting database)
// and the workers' event files both show.
func TestKillRerun(t *testing.T) {
	requireSacct(t)
	sharesNode(t)
	dir := t.TempDir()
	s := slowSweep("slurmkill9")
	cancelJobsAtEnd(t, s.name)
	file, out := s.write(t, dir), filepath.Join(dir, "out")
	exp := filepath.Join(out, s.name)
	since := time.Now().Add(-5 * time.Second).Format("2006-01-02T15:04:05")
	r := startSweep(t, file, out)
	waitFor(t, 3*time.Minute, "a run finished and tasks running", func() bool {
		return eventLines(exp) >= 1 && len(liveTasks(t, s.name)) > 0
	})
	if err := r.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	r.wait(t, 10*time.Second)
	time.Sleep(time.Second)
	live := liveTasks(t, s.name)
	if len(live) == 0 {
		t.Fatal("no job of the sweep left in the queue after SIGKILL of bilancio: want them running on")
	}
	t.Logf("after SIGKILL, still in the queue: %v", live)

	r = runSweep(t, file, out, 3*time.Minute)
	if r.code != 0 {
		t.Fatalf("the rerun: exit %d\n%s\n%s", r.code, failures(t, r.stdout.String()), tail(r.stderr.String(), 3000))
	}
	if done, _, failed, _ := summary(t, r.stdout.String()); done != 40 || failed != 0 {
		t.Errorf("the rerun: %d done, %d failed, want 40 done", done, failed)
	}
	checkOnce(t, exp, 40)

	// sacct: the sweep's array tasks that ran and the runs their
	// submission gave them; no run may be in two of them.
	var held map[string]string
	waitFor(t, 30*time.Second, "sacct listing every task of the sweep, ended, holding the sweep's 40 runs", func() bool {
		held = map[string]string{}
		out, err := exec.Command("sacct", "--noheader", "--parsable2", "-X", "--starttime="+since,
			"--name="+slurm.JobName(s.name), "--format=JobID,State,WorkDir").Output()
		if err != nil {
			t.Fatalf("sacct: %v", err)
		}
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			f := strings.SplitN(line, "|", 3)
			if len(f) != 3 {
				continue
			}
			id, state, wd := f[0], f[1], f[2]
			if !strings.HasPrefix(wd, exp+string(filepath.Separator)) {
				continue // a job of another test's experiment of the same name
			}
			if strings.Contains(id, "[") || state == "PENDING" || state == "RUNNING" {
				return false // not every task has ended yet
			}
			if state != "COMPLETED" {
				t.Errorf("sacct: task %s %s, want COMPLETED", id, state)
			}
			runs := readSubmissionJSON(t, wd)[id[strings.LastIndexByte(id, '_')+1:]]
			for _, run := range runs {
				if prev, ok := held[run]; ok {
					t.Fatalf("run %s ran in task %s and in task %s", run, prev, id)
				}
				held[run] = id
			}
		}
		return len(held) == 40 // the accounting database may lag a little
	})
	if len(held) != 40 {
		t.Errorf("the tasks sacct lists held %d runs, want the 40 of the sweep", len(held))
	}
}

// TestCollectFinished SIGKILLs the CLI as soon as its jobs are queued and
// lets them finish with no bilancio following them: their run folders wait
// in their submission, and running the sweep again collects them into the
// experiment without submitting anything.
func TestCollectFinished(t *testing.T) {
	requireSlurm(t)
	sharesNode(t)
	dir := t.TempDir()
	// Runs of about half a second (slowSweep's), so that the tasks stay in
	// the queue for longer than one look at it: runs of 20 agents could be
	// queued, run and gone between two looks (CI saw none in 3 minutes).
	s := sweepFile{name: "slurmcollect", agents: 2000, maturity: 10, parallel: 2, runsPerTask: 3, timeLimit: "5",
		kappas: "[0.5, 1, 2]", concs: "[1]", mus: "[0, 1]"}
	cancelJobsAtEnd(t, s.name)
	file, out := s.write(t, dir), filepath.Join(dir, "out")
	exp := filepath.Join(out, s.name)
	r := startSweep(t, file, out)
	waitFor(t, 3*time.Minute, "the sweep's jobs in the queue", func() bool {
		select {
		case <-r.done:
			t.Fatalf("bilancio ended (exit %d) before its jobs were seen in the queue:\n%s\n%s", r.code, tail(r.stdout.String(), 3000), tail(r.stderr.String(), 3000))
		default:
		}
		return len(liveTasks(t, s.name)) > 0
	})
	if err := r.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	r.wait(t, 10*time.Second)
	waitFor(t, 3*time.Minute, "the sweep's jobs ending", func() bool { return len(liveTasks(t, s.name)) == 0 })
	if n := len(runFolders(t, exp)); n == 6 {
		t.Fatal("the killed bilancio collected every run: kill it sooner")
	}

	r = runSweep(t, file, out, 2*time.Minute)
	if r.code != 0 {
		t.Fatalf("the rerun: exit %d\n%s\n%s", r.code, failures(t, r.stdout.String()), tail(r.stderr.String(), 3000))
	}
	if done, _, failed, _ := summary(t, r.stdout.String()); done != 6 || failed != 0 {
		t.Errorf("the rerun: %d done, %d failed, want 6 done", done, failed)
	}
	if subs, _ := filepath.Glob(filepath.Join(exp, "slurm", "*", "submission.json")); len(subs) != 1 {
		t.Errorf("%d submissions, want the first one alone: the rerun had nothing to submit", len(subs))
	}
	checkOnce(t, exp, 6)
}

// TestRemoteStatusAndCancel follows a sweep whose bilancio was killed from
// another bilancio: `sweep status -remote` lists its array tasks from Slurm
// (live ones among them, every run of the submission held by one), and
// `sweep cancel` stops them all.
func TestRemoteStatusAndCancel(t *testing.T) {
	requireSlurm(t)
	sharesNode(t)
	dir := t.TempDir()
	s := slowSweep("slurmremote")
	cancelJobsAtEnd(t, s.name)
	file, out := s.write(t, dir), filepath.Join(dir, "out")
	exp := filepath.Join(out, s.name)
	r := startSweep(t, file, out)
	waitFor(t, 3*time.Minute, "the sweep's tasks running", func() bool {
		for _, task := range liveTasks(t, s.name) {
			if strings.HasSuffix(task, " RUNNING") {
				return true
			}
		}
		return false
	})
	if err := r.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	r.wait(t, 10*time.Second)

	units := remoteUnits(t, exp)
	live, runs := 0, map[string]int{}
	for _, u := range units {
		if u.State == "running" || u.State == "pending" {
			live++
		}
		if !strings.Contains(u.ID, "_") || u.Runs != len(u.RunIDs) || u.Runs == 0 {
			t.Errorf("work unit %+v", u)
		}
		for _, id := range u.RunIDs {
			runs[id]++
		}
	}
	if live == 0 {
		t.Fatalf("sweep status -remote lists no live work unit after bilancio was killed: %+v", units)
	}
	for id, n := range runs {
		if n != 1 {
			t.Errorf("run %s is held by %d work units", id, n)
		}
	}

	cmd := exec.Command(bins.bilancio, "sweep", "cancel", "-plugin-dir", bins.dir, exp)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	if b, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(b), "Cancelled the remote work of experiment "+s.name) {
		t.Fatalf("sweep cancel: %v\n%s", err, b)
	}
	waitFor(t, 10*time.Second, "the sweep's jobs leaving the queue", func() bool { return len(liveTasks(t, s.name)) == 0 })
	for _, u := range remoteUnits(t, exp) {
		if u.State == "running" || u.State == "pending" {
			t.Errorf("work unit %s still %s after sweep cancel", u.ID, u.State)
		}
	}
}

// TestCancelFollowed cancels a sweep from another bilancio while its own
// bilancio follows it: that one sees its jobs end CANCELLED and stops, its
// unfinished runs cancelled, not failed — the sweep's retries do not submit
// them again.
func TestCancelFollowed(t *testing.T) {
	requireSlurm(t)
	sharesNode(t)
	dir := t.TempDir()
	s := slowSweep("slurmxcancel")
	s.retries = 2
	cancelJobsAtEnd(t, s.name)
	file, out := s.write(t, dir), filepath.Join(dir, "out")
	exp := filepath.Join(out, s.name)
	r := startSweep(t, file, out)
	waitFor(t, 3*time.Minute, "the sweep's tasks running", func() bool {
		return slices.ContainsFunc(liveTasks(t, s.name), func(task string) bool { return strings.HasSuffix(task, " RUNNING") })
	})
	cmd := exec.Command(bins.bilancio, "sweep", "cancel", "-plugin-dir", bins.dir, exp)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sweep cancel: %v\n%s", err, b)
	}
	// The following bilancio says its sweep was cancelled (exit 2), not
	// complete with runs left pending.
	if code := r.wait(t, time.Minute); code != 2 || !strings.Contains(r.stdout.String(), `"status":"cancelled"`) {
		t.Errorf("the following bilancio exited %d; want 2 and a sweep_summary with status cancelled:\n%s", code, tail(r.stdout.String(), 2000))
	}
	for _, l := range lines(t, r.stdout.String()) {
		if l.Type == "run_failed" && l.Run != nil {
			t.Errorf("run %s failed after sweep cancel: %s", l.Run.ID, l.Run.Error)
		}
	}
	if subs, _ := filepath.Glob(filepath.Join(exp, "slurm", "*", "submission.json")); len(subs) != 1 {
		t.Errorf("%d submissions, want 1: the cancelled runs were submitted again", len(subs))
	}
	if live := liveTasks(t, s.name); len(live) > 0 {
		t.Errorf("jobs of the sweep still in the queue after sweep cancel: %v", live)
	}
	done, _, _, total := summary(t, r.stdout.String())
	if done == total {
		t.Fatal("every run completed before sweep cancel: make the sweep slower")
	}
	t.Logf("%d of %d runs done when sweep cancel stopped the sweep", done, total)
}

// workUnit is a work unit of `sweep status -remote -json`.
type workUnit struct {
	ID     string   `json:"id"`
	State  string   `json:"state"`
	Reason string   `json:"reason"`
	Runs   int      `json:"runs"`
	RunIDs []string `json:"run_ids"`
}

// remoteUnits runs `bilancio sweep status -remote -json` on an experiment
// and returns its work units.
func remoteUnits(t *testing.T, exp string) []workUnit {
	t.Helper()
	cmd := exec.Command(bins.bilancio, "sweep", "status", "-remote", "-json", "-plugin-dir", bins.dir, exp)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("sweep status -remote: %v\n%s", err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		var l struct {
			Type   string `json:"type"`
			Remote struct {
				WorkUnits []workUnit `json:"work_units"`
			} `json:"remote"`
		}
		if json.Unmarshal([]byte(line), &l) == nil && l.Type == "remote_status" {
			return l.Remote.WorkUnits
		}
	}
	t.Fatalf("sweep status -remote -json printed no remote_status line:\n%s", out)
	return nil
}
