package slurm

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/bilancio-go/bilancio/sdk"
)

// Configuration attributes of the executor block (`executor "slurm" {...}`).
const (
	attrPartition    = "partition"
	attrAccount      = "account"
	attrQOS          = "qos"
	attrTimeLimit    = "time_limit"
	attrCPUsPerTask  = "cpus_per_task"
	attrMemory       = "memory"
	attrRunsPerTask  = "runs_per_task"
	attrExtraSbatch  = "extra_sbatch"
	attrBinary       = "bilancio_binary"
	attrScratchDir   = "scratch_dir"
	attrPollInterval = "poll_interval"
)

// Config is the executor's resolved configuration.
type Config struct {
	// Partition, Account and QOS go to sbatch as they are; empty leaves
	// them to the cluster's defaults.
	Partition string `json:"partition"`
	Account   string `json:"account"`
	QOS       string `json:"qos"`
	// TimeLimit is the time limit of one array task (a chunk of runs), in
	// Slurm's syntax ("90", "1:30:00", "2-00:00:00").
	TimeLimit string `json:"time_limit"`
	// CPUsPerTask is the CPUs of one array task; its worker executes that
	// many runs at once.
	CPUsPerTask float64 `json:"cpus_per_task"`
	// Memory is the memory of one array task, in Slurm's syntax ("2G",
	// "500M"; a bare number is MiB).
	Memory string `json:"memory"`
	// RunsPerTask is the most runs one array task executes.
	RunsPerTask float64 `json:"runs_per_task"`
	// ExtraSbatch are more sbatch options, one per line ("--constraint=x"
	// or "#SBATCH --constraint=x").
	ExtraSbatch []string `json:"extra_sbatch"`
	// Binary is the bilancio binary the array tasks run, as the compute
	// nodes see it; empty: the bilancio running the sweep (Batch.Worker).
	Binary string `json:"bilancio_binary"`
	// ScratchDir holds the jobs' files (scripts, chunk manifests, event
	// files, logs), on a file system the compute nodes share; empty: the
	// experiment's slurm/ folder.
	ScratchDir string `json:"scratch_dir"`
	// PollInterval is how often, in seconds, squeue is asked about the
	// sweep's jobs.
	PollInterval float64 `json:"poll_interval"`
}

// schema is the executor's configuration schema: each attribute is set by
// the sweep file's executor block, else its environment variable, else its
// default (sdk.Config.Decode).
func schema() []sdk.ConfigAttribute {
	return []sdk.ConfigAttribute{
		{Name: attrPartition, Type: sdk.TypeString, Description: "the Slurm partition the jobs go to (default: the cluster's default partition)", Env: "BILANCIO_SLURM_PARTITION"},
		{Name: attrAccount, Type: sdk.TypeString, Description: "the Slurm account the jobs are charged to (default: yours)", Env: "BILANCIO_SLURM_ACCOUNT"},
		{Name: attrQOS, Type: sdk.TypeString, Description: "the Slurm quality of service of the jobs (default: the account's)", Env: "BILANCIO_SLURM_QOS"},
		{Name: attrTimeLimit, Type: sdk.TypeString, Description: `time limit of one array task (a chunk of runs), in Slurm's syntax: "30" (minutes), "1:30:00", "2-00:00:00"`, Default: `"1:00:00"`, Env: "BILANCIO_SLURM_TIME_LIMIT"},
		{Name: attrCPUsPerTask, Type: sdk.TypeNumber, Description: "CPUs of one array task; its worker executes that many runs at once", Default: "1", Env: "BILANCIO_SLURM_CPUS_PER_TASK"},
		{Name: attrMemory, Type: sdk.TypeString, Description: `memory of one array task, in Slurm's syntax: "2G", "500M" (a bare number is MiB)`, Default: `"2G"`, Env: "BILANCIO_SLURM_MEMORY"},
		{Name: attrRunsPerTask, Type: sdk.TypeNumber, Description: "the most runs one array task executes (fewer when a batch is small, so that every task allowed at once has work)", Default: "100", Env: "BILANCIO_SLURM_RUNS_PER_TASK"},
		{Name: attrExtraSbatch, Type: sdk.TypeListString, Description: `more sbatch options, one per item, e.g. ["--constraint=skylake", "--mail-type=END"] (written as #SBATCH lines of the job script)`, Env: "BILANCIO_SLURM_EXTRA_SBATCH"},
		{Name: attrBinary, Type: sdk.TypeString, Description: "the bilancio binary the compute nodes run, by its path there (default: the bilancio running the sweep, which must then be on a shared file system)", Env: "BILANCIO_SLURM_BILANCIO_BINARY"},
		{Name: attrScratchDir, Type: sdk.TypeString, Description: "directory on the cluster's shared file system for the jobs' scripts, chunk files, event files and logs, in <scratch_dir>/<experiment_id>/ (default: the experiment's slurm/ folder)", Env: "BILANCIO_SLURM_SCRATCH_DIR"},
		{Name: attrPollInterval, Type: sdk.TypeNumber, Description: "seconds between two squeue calls about the sweep's jobs (progress comes from the workers' files in between)", Default: "5", Env: "BILANCIO_SLURM_POLL_INTERVAL"},
	}
}

// ownedOptions are the sbatch options the executor sets itself: extra_sbatch
// may not set them.
var ownedOptions = []string{"--array", "-a", "--job-name", "-J", "--chdir", "-D", "--output", "-o", "--error", "-e", "--open-mode", "--parsable", "--wrap", "--requeue", "--no-requeue"}

var memoryPattern = regexp.MustCompile(`^[0-9]+[KMGTkmgt]?$`)

// validate checks a decoded configuration and normalises it: the time limit
// and memory are checked against Slurm's syntax, the extra options are
// stripped of #SBATCH, and the directories are made absolute.
func (c *Config) validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", sdk.ErrInvalidConfig, fmt.Sprintf(format, args...))
	}
	whole := func(name string, v float64) error {
		if v < 1 || v != math.Trunc(v) || v > math.MaxInt32 {
			return bad("%s must be a whole number >= 1, got %v", name, v)
		}
		return nil
	}
	if err := whole(attrCPUsPerTask, c.CPUsPerTask); err != nil {
		return err
	}
	if err := whole(attrRunsPerTask, c.RunsPerTask); err != nil {
		return err
	}
	if c.PollInterval < 0.1 || c.PollInterval > 3600 {
		return bad("%s must be between 0.1 and 3600 seconds, got %v", attrPollInterval, c.PollInterval)
	}
	if _, err := ParseTimeLimit(c.TimeLimit); err != nil {
		return bad("%s: %v", attrTimeLimit, err)
	}
	if !memoryPattern.MatchString(c.Memory) {
		return bad(`%s = %q is not a Slurm memory size: want a whole number with an optional unit K, M, G or T ("2G", "500M")`, attrMemory, c.Memory)
	}
	c.Memory = strings.ToUpper(c.Memory)
	for name, v := range map[string]string{attrPartition: c.Partition, attrAccount: c.Account, attrQOS: c.QOS} {
		if strings.ContainsAny(v, " \t\r\n'\"\\$`") {
			return bad("%s = %q: a Slurm name has no spaces, quotes or shell characters", name, v)
		}
	}
	extra := make([]string, 0, len(c.ExtraSbatch))
	for i, line := range c.ExtraSbatch {
		opt, err := extraOption(line)
		if err != nil {
			return bad("%s[%d]: %v", attrExtraSbatch, i, err)
		}
		extra = append(extra, opt)
	}
	c.ExtraSbatch = extra
	for _, d := range []*string{&c.Binary, &c.ScratchDir} {
		if *d == "" {
			continue
		}
		if strings.HasPrefix(*d, "~/") {
			home, err := os.UserHomeDir()
			if err != nil {
				return bad("cannot expand %s: %v", *d, err)
			}
			*d = filepath.Join(home, (*d)[2:])
		}
		abs, err := filepath.Abs(*d)
		if err != nil {
			return bad("%s: %v", *d, err)
		}
		*d = abs
	}
	return nil
}

// extraOption checks one item of extra_sbatch and returns the option alone.
func extraOption(line string) (string, error) {
	opt := strings.TrimSpace(line)
	if rest, ok := strings.CutPrefix(opt, "#SBATCH"); ok {
		opt = strings.TrimSpace(rest)
	}
	switch {
	case opt == "":
		return "", fmt.Errorf("%q is empty", line)
	case strings.ContainsAny(opt, "\r\n"):
		return "", fmt.Errorf("%q spans several lines: give one option per item", line)
	case !strings.HasPrefix(opt, "-"):
		return "", fmt.Errorf("%q is not an sbatch option (it starts with - or --)", line)
	}
	name, _, _ := strings.Cut(opt, "=")
	name, _, _ = strings.Cut(name, " ")
	for _, owned := range ownedOptions {
		if name == owned || (len(owned) == 2 && strings.HasPrefix(name, owned) && !strings.HasPrefix(name, "--")) {
			return "", fmt.Errorf("%q: the executor sets %s itself", line, owned)
		}
	}
	return opt, nil
}

// ParseTimeLimit reads a Slurm time limit: "minutes", "minutes:seconds",
// "hours:minutes:seconds", "days-hours", "days-hours:minutes" or
// "days-hours:minutes:seconds"; "UNLIMITED" (or "infinite") is 0.
func ParseTimeLimit(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	switch strings.ToLower(s) {
	case "unlimited", "infinite":
		return 0, nil
	case "":
		return 0, fmt.Errorf("empty time limit")
	}
	bad := func() (time.Duration, error) {
		return 0, fmt.Errorf(`%q is not a Slurm time limit: want "minutes", "minutes:seconds", "hours:minutes:seconds", "days-hours", "days-hours:minutes" or "days-hours:minutes:seconds"`, s)
	}
	num := func(p string) (int64, bool) {
		if p == "" || len(p) > 7 {
			return 0, false
		}
		n, err := strconv.ParseInt(p, 10, 64)
		return n, err == nil && n >= 0
	}
	var days int64
	rest := s
	if d, r, ok := strings.Cut(s, "-"); ok {
		n, ok := num(d)
		if !ok {
			return bad()
		}
		days, rest = n, r
	}
	parts := strings.Split(rest, ":")
	vals := make([]int64, len(parts))
	for i, p := range parts {
		n, ok := num(p)
		if !ok {
			return bad()
		}
		vals[i] = n
	}
	var h, m, sec int64
	switch {
	case strings.Contains(s, "-") && len(vals) == 1:
		h = vals[0]
	case strings.Contains(s, "-") && len(vals) == 2:
		h, m = vals[0], vals[1]
	case len(vals) == 3:
		h, m, sec = vals[0], vals[1], vals[2]
	case len(vals) == 1:
		m = vals[0]
	case len(vals) == 2:
		m, sec = vals[0], vals[1]
	default:
		return bad()
	}
	d := time.Duration(days)*24*time.Hour + time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(sec)*time.Second
	if d <= 0 {
		return 0, fmt.Errorf("%q is no time at all", s)
	}
	return d, nil
}
