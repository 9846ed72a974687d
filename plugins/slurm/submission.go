package slurm

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/bilancio-go/bilancio/sdk"
)

// A submission is one sbatch call: a job array whose task i runs chunk i of
// a batch's runs. It lives in a folder of the scratch directory:
//
//	<scratch>/<submission>/
//	  submission.json   the experiment, the output folder and the run ids of each task
//	  job.sh            the batch script
//	  tasks/<i>.json    task i's worker manifest (sdk.WorkerManifest)
//	  events/<i>.jsonl  task i's worker output: one sdk.RunEvent per finished run
//	  logs/<i>.log      task i's standard output and error (Slurm's)
//	  runs/<run_id>/    the run folders the workers write, until collected
//
// The folder is the array job's working directory (sbatch --chdir), so any
// process can go from a job that squeue lists to its runs.
const (
	submissionFile = "submission.json"
	scriptFile     = "job.sh"
	tasksDir       = "tasks"
	eventsDir      = "events"
	logsDir        = "logs"
	runsDir        = "runs"
	// cancelledFile marks a submission whose jobs a Cancel of the whole
	// experiment stopped (from any process): the bilancio following them
	// reports their unfinished runs cancelled, not failed, and so does not
	// retry them.
	cancelledFile = "cancelled"
)

// submissionVersion is the format version of submission.json.
const submissionVersion = 1

// submission is submission.json.
type submission struct {
	Version      int    `json:"version"`
	ExperimentID string `json:"experiment_id"`
	// OutRoot is where the executor collects the run folders the tasks
	// write in the submission's runs/ folder.
	OutRoot string    `json:"out_root"`
	Created time.Time `json:"created"`
	// JobName is the array job's name.
	JobName string `json:"job_name"`
	// Tasks are the run ids of each task, by array index.
	Tasks [][]string `json:"tasks"`

	// dir is the submission's folder (not stored: it is where the file is).
	dir string
}

// JobName is the name of every Slurm job of an experiment: squeue and
// scancel find a sweep's jobs by it.
func JobName(experimentID string) string { return "bilancio-" + experimentID }

// scratchRoot is where an experiment's submissions go: <scratch_dir>/<experiment>
// when scratch_dir is set, else the experiment's slurm/ folder (beside
// outRoot, its runs/ folder).
func scratchRoot(cfg *Config, experimentID, outRoot string) string {
	if cfg.ScratchDir != "" {
		return filepath.Join(cfg.ScratchDir, experimentID)
	}
	return filepath.Join(filepath.Dir(filepath.Clean(outRoot)), "slurm")
}

func (s *submission) taskFile(i int) string {
	return filepath.Join(s.dir, tasksDir, strconv.Itoa(i)+".json")
}
func (s *submission) eventsFile(i int) string {
	return filepath.Join(s.dir, eventsDir, strconv.Itoa(i)+".jsonl")
}
func (s *submission) logFile(i int) string {
	return filepath.Join(s.dir, logsDir, strconv.Itoa(i)+".log")
}
func (s *submission) runDir(id string) string { return filepath.Join(s.dir, runsDir, id) }

// newSubmissionDir creates a fresh submission folder under root, named
// after the time: 20261207T112910Z-3fa2c1.
func newSubmissionDir(root string, now time.Time) (string, error) {
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", fmt.Errorf("creating the scratch directory: %w", err)
	}
	for range 10 {
		var b [3]byte
		_, _ = rand.Read(b[:])
		dir := filepath.Join(root, now.UTC().Format("20060102T150405Z")+"-"+hex.EncodeToString(b[:]))
		err := os.Mkdir(dir, 0o755)
		if err == nil {
			for _, sub := range []string{tasksDir, eventsDir, logsDir, runsDir} {
				if err := os.Mkdir(filepath.Join(dir, sub), 0o755); err != nil {
					return "", fmt.Errorf("creating the submission folder: %w", err)
				}
			}
			return dir, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return "", fmt.Errorf("creating the submission folder: %w", err)
		}
	}
	return "", errors.New("creating the submission folder: no free name")
}

// writeSubmission writes a submission's files: a worker manifest per chunk,
// the batch script and submission.json (last). parallel is the worker's
// runs at once within a task.
func writeSubmission(s *submission, chunks [][]sdk.RunSpec, script []byte) error {
	for i, chunk := range chunks {
		m := sdk.WorkerManifest{Version: sdk.WorkerManifestVersion, ExperimentID: s.ExperimentID, Runs: chunk, Executor: Name}
		data, err := json.Marshal(&m)
		if err != nil {
			return fmt.Errorf("encoding the manifest of task %d: %w", i, err)
		}
		if err := writeFileAtomic(s.taskFile(i), data, 0o644); err != nil {
			return err
		}
		ids := make([]string, len(chunk))
		for j, r := range chunk {
			ids[j] = r.RunID
		}
		s.Tasks = append(s.Tasks, ids)
	}
	if err := writeFileAtomic(filepath.Join(s.dir, scriptFile), script, 0o755); err != nil {
		return err
	}
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding %s: %w", submissionFile, err)
	}
	return writeFileAtomic(filepath.Join(s.dir, submissionFile), append(data, '\n'), 0o644)
}

// readSubmission reads the submission.json of the folder dir.
func readSubmission(dir string) (*submission, error) {
	data, err := os.ReadFile(filepath.Join(dir, submissionFile))
	if err != nil {
		return nil, err
	}
	var s submission
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("reading %s: %w", filepath.Join(dir, submissionFile), err)
	}
	if s.Version != submissionVersion {
		return nil, fmt.Errorf("%s: format version %d, this executor reads %d", filepath.Join(dir, submissionFile), s.Version, submissionVersion)
	}
	s.dir = dir
	return &s, nil
}

// writeFileAtomic writes data to a temporary name beside path and renames it
// into place, so that a reader on another node never sees half a file.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr, os.Chmod(tmp.Name(), perm)); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// jobScript is the batch script of a submission: the resource requests as
// #SBATCH lines (the extra options last, so they win), then the worker run
// on the task's chunk, its output (the run events) appended to the task's
// event file. exec makes the worker the job's process, so that Slurm's
// SIGTERM (scancel, time limit) reaches it and it stops cleanly.
func jobScript(cfg *Config, s *submission, binary string) []byte {
	var b strings.Builder
	b.WriteString("#!/bin/bash\n")
	fmt.Fprintf(&b, "# bilancio-executor-slurm: experiment %s, submitted %s.\n", s.ExperimentID, s.Created.UTC().Format(time.RFC3339))
	b.WriteString("# Array task i runs the runs of tasks/i.json through `bilancio worker`, writing their\n")
	b.WriteString("# folders into runs/ and one JSON line per finished run to events/i.jsonl; bilancio\n")
	b.WriteString("# moves each folder into the experiment's runs/ as the run is reported.\n")
	opt := func(format string, args ...any) { fmt.Fprintf(&b, "#SBATCH "+format+"\n", args...) }
	if cfg.Partition != "" {
		opt("--partition=%s", cfg.Partition)
	}
	if cfg.Account != "" {
		opt("--account=%s", cfg.Account)
	}
	if cfg.QOS != "" {
		opt("--qos=%s", cfg.QOS)
	}
	opt("--time=%s", cfg.TimeLimit)
	opt("--ntasks=1")
	opt("--cpus-per-task=%d", int(cfg.CPUsPerTask))
	opt("--mem=%s", cfg.Memory)
	for _, x := range cfg.ExtraSbatch {
		opt("%s", x)
	}
	b.WriteString("set -u\n")
	b.WriteString("task=${SLURM_ARRAY_TASK_ID:?this script runs as a task of its job array}\n")
	fmt.Fprintf(&b, "exec %s worker -manifest %s/\"$task\".json -out %s -parallel \"${SLURM_CPUS_PER_TASK:-1}\" >> %s/\"$task\".jsonl\n",
		shellQuote(binary), shellQuote(filepath.Join(s.dir, tasksDir)), shellQuote(filepath.Join(s.dir, runsDir)), shellQuote(filepath.Join(s.dir, eventsDir)))
	return []byte(b.String())
}

// sbatchArgs are the command-line options of a submission of n tasks, at
// most throttle at once. They are the ones the executor relies on, so the
// script's #SBATCH lines cannot change them.
func sbatchArgs(s *submission, n, throttle int) []string {
	return []string{
		fmt.Sprintf("--array=0-%d%%%d", n-1, throttle),
		"--job-name=" + s.JobName,
		"--chdir=" + s.dir,
		"--output=" + filepath.Join(s.dir, logsDir, "%a.log"),
		"--open-mode=append",
		// A task that fails, times out, is preempted or loses its node is
		// retried by the sweep (its unfinished runs in a new array), never
		// requeued by Slurm: a requeued chunk would run its finished runs
		// again.
		"--no-requeue",
	}
}

// markCancelled marks the submission cancelled (cancelledFile).
func (s *submission) markCancelled(now time.Time) error {
	return writeFileAtomic(filepath.Join(s.dir, cancelledFile), []byte(now.UTC().Format(time.RFC3339)+"\n"), 0o644)
}

// cancelled reports whether the submission is marked cancelled.
func (s *submission) cancelled() bool {
	_, err := os.Stat(filepath.Join(s.dir, cancelledFile))
	return err == nil
}
