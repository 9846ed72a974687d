package commands

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A sweep that keeps only what its aggregates need, then bilancio report on
// the experiment folder: every run gets run.html back, byte for byte what a
// run of the same scenario that kept everything wrote; a second report has
// nothing to do.
func TestReportRebuildsWhatASweepDidNotKeep(t *testing.T) {
	needBinary(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "keep.hcl")
	src := `sweep "keep" {
  n_agents         = 6
  maturity_days    = 4
  q_total          = 600
  default_handling = "expel-agent"
  artifacts        = "aggregates"
  grid {
    kappas         = [0.5, 2]
    concentrations = [1]
    mus            = [0.5]
  }
}
`
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	bilancio := func(args ...string) (string, error) {
		var out bytes.Buffer
		cmd := exec.CommandContext(t.Context(), bilancioBin, args...)
		cmd.Stdout, cmd.Stderr = &out, &out
		cmd.Env = append(os.Environ(), "HOME="+dir)
		err := cmd.Run()
		return out.String(), err
	}
	exp := filepath.Join(dir, "exp")
	if out, err := bilancio("sweep", "run", "-yes", "-out", exp, file); err != nil {
		t.Fatalf("sweep run: %v\n%s", err, out)
	}
	runs, _ := filepath.Glob(filepath.Join(exp, "*", "runs", "*"))
	if len(runs) != 2 {
		t.Fatalf("%d run folders: %v", len(runs), runs)
	}
	for _, r := range runs {
		if _, err := os.Stat(filepath.Join(r, "run.html")); err == nil {
			t.Fatalf("%s keeps run.html", r)
		}
	}
	out, err := bilancio("report", filepath.Dir(filepath.Dir(runs[0])))
	if err != nil || !strings.Contains(out, "2 runs rebuilt, 0 had every file, 0 failed") {
		t.Fatalf("report: %v\n%s", err, out)
	}
	for _, r := range runs {
		page, err := os.ReadFile(filepath.Join(r, "run.html"))
		if err != nil {
			t.Fatal(err)
		}
		full := filepath.Join(dir, "full", filepath.Base(r))
		if out, err := bilancio("run", "-quiet", "-out", full, filepath.Join(r, "scenario.yaml")); err != nil {
			t.Fatalf("run: %v\n%s", err, out)
		}
		want, err := os.ReadFile(filepath.Join(full, "run.html"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(page, want) {
			t.Errorf("%s: the rebuilt run.html differs from bilancio run's", r)
		}
	}
	if out, err := bilancio("report", runs[0]); err != nil || !strings.Contains(out, "nothing to write") {
		t.Errorf("a second report: %v\n%s", err, out)
	}
	if out, err := bilancio("report", t.TempDir()); err == nil || !strings.Contains(out, "neither a run folder") {
		t.Errorf("report of a folder without runs: %v\n%s", err, out)
	}
}
