package slurm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// commandTimeout bounds one call of a Slurm command: slurmctld answers in
// milliseconds, but a busy controller may take seconds.
const commandTimeout = 60 * time.Second

// Slurm job states (squeue's %T), as far as the executor tells them apart.
const (
	statePending    = "PENDING"
	stateRunning    = "RUNNING"
	stateCompleting = "COMPLETING"
	stateCompleted  = "COMPLETED"
	stateCancelled  = "CANCELLED"
	stateTimeout    = "TIMEOUT"
)

// liveStates are the states of a job that has not ended: it may still run
// (or be running) its chunk.
var liveStates = map[string]bool{
	statePending: true, stateRunning: true, stateCompleting: true,
	"CONFIGURING": true, "SUSPENDED": true, "REQUEUED": true, "REQUEUE_FED": true,
	"REQUEUE_HOLD": true, "RESIZING": true, "SIGNALING": true, "STAGE_OUT": true,
	"STOPPED": true, "RESV_DEL_HOLD": true,
}

// runningStates are the live states in which a task's worker is (or may
// be) executing runs.
var runningStates = map[string]bool{stateRunning: true, stateCompleting: true, "CONFIGURING": true, "SIGNALING": true, "STAGE_OUT": true}

// TaskState is what squeue says of one array task.
type TaskState struct {
	// ID is the task's id as Slurm prints it: <array job id>_<index>.
	ID string
	// ArrayJobID is the id of the array job (sbatch's answer).
	ArrayJobID string
	// Index is the array index (the chunk's number in its submission).
	Index int
	// State is the job state (PENDING, RUNNING, COMPLETED, FAILED, TIMEOUT,
	// CANCELLED, NODE_FAIL, PREEMPTED, OUT_OF_MEMORY, ...).
	State string
	// Reason is why it is pending, or why it ended ("None" when nothing
	// to say).
	Reason string
	// ExitCode is the batch script's exit status, and Signal the signal
	// that killed it (0: none).
	ExitCode, Signal int
	// TimeUsed and TimeLimit as Slurm prints them.
	TimeUsed, TimeLimit string
	// Started and Ended are when the task started and ended (zero when it
	// has not, or Slurm does not say).
	Started, Ended time.Time
	// WorkDir is the job's working directory: its submission folder.
	WorkDir string
}

// Live reports whether the task has not ended.
func (t *TaskState) Live() bool { return liveStates[t.State] }

// Running reports whether the task's worker is (or may be) executing.
func (t *TaskState) Running() bool { return runningStates[t.State] }

// Describe says how the task stands, for people: "RUNNING",
// "PENDING (Priority)", "FAILED, exit code 3", "TIMEOUT after 1:00:04 (time
// limit 1:00:00)".
func (t *TaskState) Describe() string {
	var b strings.Builder
	b.WriteString(t.State)
	switch {
	case t.State == stateTimeout:
		fmt.Fprintf(&b, " after %s (time limit %s)", t.TimeUsed, t.TimeLimit)
	case t.Signal != 0:
		fmt.Fprintf(&b, ", killed by signal %d", t.Signal)
	case t.ExitCode != 0:
		fmt.Fprintf(&b, ", exit code %d", t.ExitCode)
	}
	if t.Reason != "" && t.Reason != "None" && t.State != stateTimeout {
		fmt.Fprintf(&b, " (%s)", t.Reason)
	}
	return b.String()
}

// squeueFields are the fields asked of squeue -O, separated by '|'; the
// working directory comes last, so that a '|' in it does no harm.
const squeueFields = "JobArrayID:|,ArrayJobID:|,ArrayTaskID:|,State:|,Reason:|,Exit_Code:|,TimeUsed:|,TimeLimit:|,StartTime:|,EndTime:|,WorkDir:"

// squeueTime reads a time squeue prints (local time, "2026-12-07T11:29:11");
// "N/A", "Unknown" and the like are the zero time.
func squeueTime(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02T15:04:05", s, time.Local)
	if err != nil {
		return time.Time{}
	}
	return t
}

// parseSqueue reads the output of `squeue --noheader --array -O
// squeueFields`. Lines of jobs that are not array tasks are skipped.
func parseSqueue(out []byte) ([]TaskState, error) {
	var tasks []TaskState
	for line := range bytes.Lines(out) {
		line = bytes.TrimRight(line, "\r\n")
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		f := strings.SplitN(string(line), "|", 11)
		if len(f) != 11 {
			return nil, fmt.Errorf("unexpected squeue line %q", line)
		}
		for i := range 10 {
			f[i] = strings.TrimSpace(f[i])
		}
		idx, err := strconv.Atoi(f[2])
		if err != nil {
			continue // not an array task
		}
		t := TaskState{
			ID: f[0], ArrayJobID: f[1], Index: idx, State: f[3], Reason: f[4],
			TimeUsed: f[6], TimeLimit: f[7], Started: squeueTime(f[8]), Ended: squeueTime(f[9]),
			WorkDir: strings.TrimRight(f[10], " "),
		}

		// squeue prints the raw wait status: the exit code in the high
		// byte, the signal in the low bits.
		if st, err := strconv.Atoi(f[5]); err == nil {
			t.ExitCode, t.Signal = st>>8&0xff, st&0x7f
		}
		// A state may carry a suffix ("CANCELLED by 0" in some versions).
		t.State, _, _ = strings.Cut(t.State, " ")
		if t.Live() {
			t.Ended = time.Time{} // a live task's "end" is its time limit
		}
		tasks = append(tasks, t)
	}
	return tasks, nil
}

// cli runs Slurm's commands, found on PATH.
type cli struct {
	// uid is the user whose jobs squeue lists (a uid works where the name
	// service does not).
	uid string
}

func newCLI() *cli { return &cli{uid: strconv.Itoa(os.Getuid())} }

// run runs a Slurm command and returns its standard output; a failure
// carries the command's standard error.
func (c *cli) run(ctx context.Context, stdin []byte, name string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		var ee *exec.Error
		switch {
		case errors.As(err, &ee):
			return nil, fmt.Errorf("%s: %w (is this a Slurm login node? Slurm's commands must be on PATH)", name, ee.Err)
		case ctx.Err() != nil && msg == "":
			return nil, fmt.Errorf("%s: %w", name, ctx.Err())
		case msg != "":
			return nil, fmt.Errorf("%s: %s", name, msg)
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return stdout.Bytes(), nil
}

// sbatch submits script (with the command-line options args) and returns
// the job id.
func (c *cli) sbatch(ctx context.Context, script string, args ...string) (string, error) {
	args = append([]string{"--parsable"}, args...)
	out, err := c.run(ctx, nil, "sbatch", append(args, script)...)
	if err != nil {
		return "", err
	}
	// --parsable prints "jobid" or "jobid;cluster".
	id, _, _ := strings.Cut(strings.TrimSpace(string(out)), ";")
	if _, err := strconv.ParseUint(id, 10, 64); err != nil {
		return "", fmt.Errorf("sbatch: unexpected answer %q", out)
	}
	return id, nil
}

// squeue lists the array tasks of the user's jobs called name, in every
// state Slurm still remembers (ended jobs stay for MinJobAge, 300 s by
// default).
func (c *cli) squeue(ctx context.Context, name string) ([]TaskState, error) {
	out, err := c.run(ctx, nil, "squeue", "--noheader", "--array", "--states=all",
		"--user="+c.uid, "--name="+name, "--Format="+squeueFields)
	if err != nil {
		return nil, err
	}
	return parseSqueue(out)
}

// scancel cancels jobs (array jobs, or single tasks as <job>_<index>).
// Jobs that have ended already are not an error.
func (c *cli) scancel(ctx context.Context, ids ...string) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := c.run(ctx, nil, "scancel", ids...)
	if err != nil && strings.Contains(err.Error(), "already completing or completed") {
		return nil
	}
	return err
}
