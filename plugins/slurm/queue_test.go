package slurm

import (
	"reflect"
	"testing"
	"time"
)

func TestParseSqueue(t *testing.T) {
	// As squeue 22.05 prints `--noheader --array --states=all -O squeueFields`.
	out := "16_0|16|0|RUNNING|None|0|0:03|1:00:00|2026-12-07T11:29:11|2026-12-07T12:29:11|/scratch/exp/slurm/20261207T112910Z-3fa2c1\n" +
		"16_1|16|1|FAILED|NonZeroExitCode|768|0:00|1:00:00|2026-12-07T11:29:11|2026-12-07T11:29:11|/scratch/exp/slurm/20261207T112910Z-3fa2c1\n" +
		"16_2|16|2|TIMEOUT|TimeLimit|15|1:01:04|1:00:00|2026-12-07T11:29:11|2026-12-07T12:30:15|/scratch/a|b\n" +
		"16_3|16|3|PENDING|JobArrayTaskLimit|0|0:00|1:00:00|N/A|N/A|/scratch/exp/slurm/x  \n" +
		"17|17|N/A|RUNNING|None|0|0:10|UNLIMITED|2026-12-07T11:29:11|Unknown|/home/someone\n" +
		"18_4|18|4|CANCELLED by 0|None|0|0:01|5:00|2026-12-07T11:29:11|2026-12-07T11:29:12|/d\n"
	got, err := parseSqueue([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	at := func(hms string) time.Time {
		t, _ := time.ParseInLocation("2006-01-02T15:04:05", "2026-12-07T"+hms, time.Local)
		return t
	}
	want := []TaskState{
		// A running task's EndTime is its time limit: not an end.
		{ID: "16_0", ArrayJobID: "16", Index: 0, State: "RUNNING", Reason: "None", TimeUsed: "0:03", TimeLimit: "1:00:00", Started: at("11:29:11"), WorkDir: "/scratch/exp/slurm/20261207T112910Z-3fa2c1"},
		{ID: "16_1", ArrayJobID: "16", Index: 1, State: "FAILED", Reason: "NonZeroExitCode", ExitCode: 3, TimeUsed: "0:00", TimeLimit: "1:00:00", Started: at("11:29:11"), Ended: at("11:29:11"), WorkDir: "/scratch/exp/slurm/20261207T112910Z-3fa2c1"},
		{ID: "16_2", ArrayJobID: "16", Index: 2, State: "TIMEOUT", Reason: "TimeLimit", Signal: 15, TimeUsed: "1:01:04", TimeLimit: "1:00:00", Started: at("11:29:11"), Ended: at("12:30:15"), WorkDir: "/scratch/a|b"},
		{ID: "16_3", ArrayJobID: "16", Index: 3, State: "PENDING", Reason: "JobArrayTaskLimit", TimeUsed: "0:00", TimeLimit: "1:00:00", WorkDir: "/scratch/exp/slurm/x"},
		{ID: "18_4", ArrayJobID: "18", Index: 4, State: "CANCELLED", Reason: "None", TimeUsed: "0:01", TimeLimit: "5:00", Started: at("11:29:11"), Ended: at("11:29:12"), WorkDir: "/d"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("parseSqueue:\n got %+v\nwant %+v", got, want)
	}
	if _, err := parseSqueue([]byte("16_0|RUNNING\n")); err == nil {
		t.Error("a short line was accepted")
	}
}

func TestTaskStateDescribe(t *testing.T) {
	for _, tc := range []struct {
		st   TaskState
		want string
		live bool
	}{
		{TaskState{State: "PENDING", Reason: "Priority"}, "PENDING (Priority)", true},
		{TaskState{State: "RUNNING", Reason: "None"}, "RUNNING", true},
		{TaskState{State: "FAILED", Reason: "NonZeroExitCode", ExitCode: 3}, "FAILED, exit code 3 (NonZeroExitCode)", false},
		{TaskState{State: "TIMEOUT", Reason: "TimeLimit", TimeUsed: "1:04", TimeLimit: "1:00"}, "TIMEOUT after 1:04 (time limit 1:00)", false},
		{TaskState{State: "NODE_FAIL", Reason: "NodeDown", Signal: 9}, "NODE_FAIL, killed by signal 9 (NodeDown)", false},
		{TaskState{State: "PREEMPTED", Reason: "None"}, "PREEMPTED", false},
		{TaskState{State: "CANCELLED", Reason: "None"}, "CANCELLED", false},
	} {
		if got := tc.st.Describe(); got != tc.want {
			t.Errorf("Describe(%+v) = %q, want %q", tc.st, got, tc.want)
		}
		if tc.st.Live() != tc.live {
			t.Errorf("Live(%s) = %v", tc.st.State, !tc.live)
		}
	}
}
