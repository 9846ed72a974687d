package slurm

import (
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/bilancio-go/bilancio/sdk"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestJobScript pins the batch script (testdata/job.sh.golden): the
// resource requests as #SBATCH lines with the extra options last, and the
// worker run on the task's chunk with its events appended to the task's
// file. Paths with spaces and quotes are quoted for the shell.
func TestJobScript(t *testing.T) {
	c, err := configure(t, `{"partition": "short", "account": "econ", "qos": "normal", "time_limit": "30",
		"cpus_per_task": 4, "memory": "8G", "extra_sbatch": ["--constraint=skylake", "#SBATCH --mail-type=END"]}`, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := &submission{
		ExperimentID: "ring", OutRoot: "/scratch/it's here/ring/runs", JobName: JobName("ring"),
		Created: time.Date(2026, 12, 7, 11, 29, 10, 0, time.UTC), dir: "/scratch/it's here/ring/slurm/20261207T112910Z-3fa2c1",
	}
	got := jobScript(c, s, "/home/me/bin/bilancio")
	golden := filepath.Join("testdata", "job.sh.golden")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("job script differs from %s (go test -update rewrites it):\n%s", golden, got)
	}
	args := sbatchArgs(s, 12, 3)
	wantArgs := []string{"--array=0-11%3", "--job-name=bilancio-ring", "--chdir=" + s.dir,
		"--output=" + s.dir + "/logs/%a.log", "--open-mode=append", "--no-requeue"}
	if !reflect.DeepEqual(args, wantArgs) {
		t.Errorf("sbatch args = %q, want %q", args, wantArgs)
	}
}

// TestSubmissionRoundTrip writes a submission and reads it back: the run
// ids of each task, and a worker manifest per task holding its runs.
func TestSubmissionRoundTrip(t *testing.T) {
	root := t.TempDir()
	dir, err := newSubmissionDir(root, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if !within(root, dir) || within(dir, root) {
		t.Errorf("within(%s, %s) is wrong", root, dir)
	}
	s := &submission{Version: submissionVersion, ExperimentID: "exp", OutRoot: "/o", JobName: "bilancio-exp", Created: time.Now().UTC(), dir: dir}
	chunks := [][]sdk.RunSpec{{{RunID: "a", Scenario: []byte("x: 1")}, {RunID: "b"}}, {{RunID: "c"}}}
	if err := writeSubmission(s, chunks, []byte("#!/bin/bash\n")); err != nil {
		t.Fatal(err)
	}
	back, err := readSubmission(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.Tasks, [][]string{{"a", "b"}, {"c"}}) || back.ExperimentID != "exp" || back.OutRoot != "/o" {
		t.Errorf("read back %+v", back)
	}
	m, err := os.ReadFile(back.taskFile(0))
	if err != nil || !strings.Contains(string(m), `"run_id":"a"`) || !strings.Contains(string(m), `"version":1`) {
		t.Errorf("task 0's manifest: %s, %v", m, err)
	}
	if st, err := os.Stat(filepath.Join(dir, scriptFile)); err != nil || st.Mode().Perm()&0o100 == 0 {
		t.Errorf("the job script is not executable: %v", err)
	}
	for _, d := range []string{tasksDir, eventsDir, logsDir} {
		if st, err := os.Stat(filepath.Join(dir, d)); err != nil || !st.IsDir() {
			t.Errorf("no %s folder: %v", d, err)
		}
	}
}

// TestTailer reads an event file as a worker appends to it, a line at a
// time and sometimes half a line.
func TestTailer(t *testing.T) {
	path := filepath.Join(t.TempDir(), "0.jsonl")
	tl := &tailer{path: path}
	if evs, bad, err := tl.read(); len(evs) != 0 || len(bad) != 0 || err != nil {
		t.Fatalf("a missing file: %v %v %v", evs, bad, err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	write := func(s string) {
		if _, err := f.WriteString(s); err != nil {
			t.Fatal(err)
		}
	}
	write(`{"run_id":"a","type":"completed","result":{"run_id":"a","manifest_sha256":"ff"}}` + "\n" + `{"run_id":"b","ty`)
	evs, bad, err := tl.read()
	if err != nil || len(evs) != 1 || evs[0].RunID != "a" || evs[0].Result.ManifestSHA256 != "ff" || len(bad) != 0 {
		t.Fatalf("first read: %+v %v %v", evs, bad, err)
	}
	write(`pe":"failed","message":"boom"}` + "\n" + "Interrupt received\n" + `{"run_id":"c","type":"started"}` + "\n")
	evs, bad, err = tl.read()
	if err != nil || len(evs) != 1 || evs[0].RunID != "b" || evs[0].Type != sdk.EventFailed || evs[0].Message != "boom" {
		t.Fatalf("second read: %+v %v", evs, err)
	}
	if len(bad) != 2 {
		t.Errorf("bad lines = %q, want the text line and the non-terminal event", bad)
	}
	if evs, _, _ := tl.read(); len(evs) != 0 {
		t.Errorf("a read with nothing new: %+v", evs)
	}
}

func TestLogTail(t *testing.T) {
	path := filepath.Join(t.TempDir(), "0.log")
	if got := logTail(path, 3); got != "" {
		t.Errorf("logTail of a missing file = %q", got)
	}
	os.WriteFile(path, []byte("one\n\ntwo\nthree\nfour\n"), 0o644)
	if got := logTail(path, 3); got != "two | three | four" {
		t.Errorf("logTail = %q", got)
	}
}
