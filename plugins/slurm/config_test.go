package slurm

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/bilancio-go/bilancio/sdk"
)

func TestParseTimeLimit(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		err  bool
	}{
		{"90", 90 * time.Minute, false},
		{"1:30", time.Minute + 30*time.Second, false},
		{"1:00:00", time.Hour, false},
		{"2-00", 48 * time.Hour, false},
		{"1-12:30", 36*time.Hour + 30*time.Minute, false},
		{"1-00:00:10", 24*time.Hour + 10*time.Second, false},
		{"UNLIMITED", 0, false},
		{"infinite", 0, false},
		{"", 0, true},
		{"0", 0, true},
		{"1h", 0, true},
		{"1:2:3:4", 0, true},
		{"-5", 0, true},
		{"1-2-3", 0, true},
		{"1:-2", 0, true},
	} {
		got, err := ParseTimeLimit(tc.in)
		switch {
		case tc.err && err == nil:
			t.Errorf("ParseTimeLimit(%q) = %v, want an error", tc.in, got)
		case !tc.err && err != nil:
			t.Errorf("ParseTimeLimit(%q): %v", tc.in, err)
		case !tc.err && got != tc.want:
			t.Errorf("ParseTimeLimit(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

// configure decodes a configuration the way Configure does.
func configure(t *testing.T, js string, env map[string]string) (*Config, error) {
	t.Helper()
	for k, v := range env {
		t.Setenv(k, v)
	}
	var c Config
	if err := (&sdk.Config{JSON: []byte(js)}).Decode(schema(), &c); err != nil {
		return nil, err
	}
	return &c, c.validate()
}

func TestConfigDefaults(t *testing.T) {
	c, err := configure(t, `{}`, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := Config{TimeLimit: "1:00:00", CPUsPerTask: 1, Memory: "2G", RunsPerTask: 100, PollInterval: 5}
	if c.Partition != "" || c.Account != "" || c.QOS != "" || c.Binary != "" || c.ScratchDir != "" || len(c.ExtraSbatch) != 0 ||
		c.TimeLimit != want.TimeLimit || c.CPUsPerTask != want.CPUsPerTask || c.Memory != want.Memory ||
		c.RunsPerTask != want.RunsPerTask || c.PollInterval != want.PollInterval {
		t.Errorf("defaults = %+v, want %+v", *c, want)
	}
}

func TestConfigEnvironment(t *testing.T) {
	c, err := configure(t, `{"partition": "short"}`, map[string]string{
		"BILANCIO_SLURM_PARTITION":     "long", // the block wins
		"BILANCIO_SLURM_ACCOUNT":       "econ",
		"BILANCIO_SLURM_RUNS_PER_TASK": "25",
		"BILANCIO_SLURM_MEMORY":        "500m",
		"BILANCIO_SLURM_EXTRA_SBATCH":  "--constraint=skylake, #SBATCH --mail-type=END",
		"BILANCIO_SLURM_SCRATCH_DIR":   "rel/scratch",
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.Partition != "short" || c.Account != "econ" || c.RunsPerTask != 25 || c.Memory != "500M" {
		t.Errorf("config = %+v", *c)
	}
	if strings.Join(c.ExtraSbatch, " ") != "--constraint=skylake --mail-type=END" {
		t.Errorf("extra_sbatch = %q", c.ExtraSbatch)
	}
	if !strings.HasPrefix(c.ScratchDir, "/") || !strings.HasSuffix(c.ScratchDir, "/rel/scratch") {
		t.Errorf("scratch_dir = %q, want it made absolute", c.ScratchDir)
	}
}

func TestConfigRefused(t *testing.T) {
	for _, tc := range []struct {
		config string
		want   string
	}{
		{`{"time_limit": "1h"}`, "not a Slurm time limit"},
		{`{"memory": "2GB"}`, "not a Slurm memory size"},
		{`{"cpus_per_task": 0}`, "cpus_per_task must be a whole number >= 1"},
		{`{"cpus_per_task": 1.5}`, "cpus_per_task must be a whole number >= 1"},
		{`{"runs_per_task": -3}`, "runs_per_task must be a whole number >= 1"},
		{`{"poll_interval": 0}`, "poll_interval must be between"},
		{`{"partition": "short; rm -rf"}`, "partition"},
		{`{"extra_sbatch": ["--array=0-3"]}`, "the executor sets --array itself"},
		{`{"extra_sbatch": ["-o /tmp/x"]}`, "the executor sets -o itself"},
		{`{"extra_sbatch": ["#SBATCH --job-name=x"]}`, "the executor sets --job-name itself"},
		{`{"extra_sbatch": ["constraint=x"]}`, "not an sbatch option"},
		{`{"extra_sbatch": ["--a=1\n--b=2"]}`, "spans several lines"},
		{`{"extra_sbatch": [" "]}`, "is empty"},
		{`{"partitions": "x"}`, `unknown attribute "partitions"`},
		{`{"cpus_per_task": "2"}`, "want a number"},
	} {
		_, err := configure(t, tc.config, nil)
		if err == nil || !errors.Is(err, sdk.ErrInvalidConfig) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("config %s: %v, want an ErrInvalidConfig saying %q", tc.config, err, tc.want)
		}
	}
}

func TestExtraOptionsKept(t *testing.T) {
	c, err := configure(t, `{"extra_sbatch": ["--exclusive", "-A econ", "--gres=gpu:1", "#SBATCH   --export=NONE", "--exclude=node1"]}`, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(c.ExtraSbatch)
	if string(b) != `["--exclusive","-A econ","--gres=gpu:1","--export=NONE","--exclude=node1"]` {
		t.Errorf("extra_sbatch = %s", b)
	}
}
