package commands

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/bilancio-go/bilancio/commands/core"
	"github.com/bilancio-go/bilancio/internal/artifacts"
	"github.com/bilancio-go/bilancio/internal/store"
	"github.com/bilancio-go/bilancio/sdk/runfolder"
)

// bilancioBin is the bilancio binary built by TestMain for the tests that
// run real processes (empty with -short).
var bilancioBin string

func TestMain(m *testing.M) {
	flag.Parse()
	code := 0
	if testing.Short() {
		code = m.Run()
	} else {
		code = withBinary(m)
	}
	os.Exit(code)
}

// withBinary builds bilancio and bilancio-sweep, runs the tests and
// removes them.
func withBinary(m *testing.M) int {
	dir, err := os.MkdirTemp("", "bilancio-commands-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	bilancioBin = filepath.Join(dir, "bilancio")
	// Built as make builds it (without cgo), so BenchmarkProcess* measure
	// the binary users get; with bilancio-sweep beside it, to which
	// bilancio hands the sweep commands.
	build := exec.Command("go", "build", "-o", dir+string(filepath.Separator), "github.com/bilancio-go/bilancio", "github.com/bilancio-go/bilancio/cmd/"+core.SweepBinary)
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building bilancio: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

// needBinary skips a test in -short mode.
func needBinary(t *testing.T) {
	t.Helper()
	if bilancioBin == "" {
		t.Skip("runs the bilancio binary (not built with -short)")
	}
}

// resumeSweep are the `sweep ring` arguments of the tests that disturb a
// sweep: 150 rings of 60 agents.
func resumeSweep(dir string) []string {
	return []string{
		"sweep", "ring", "-n-agents", "60", "-maturity-days", "10", "-q-total", "10000",
		"-liquidity-mode", "uniform", "-default-handling", "expel-agent",
		"-kappas", "0.25,0.5,1,2,4,8", "-concentrations", "0.2,0.5,1,2,5", "-mus", "0,0.25,0.5,0.75,1",
		"-out-dir", dir, "-parallel", "2",
	}
}

// completeRuns returns the start time of every run of dir whose folder
// verifies.
func completeRuns(t *testing.T, dir string) map[string]time.Time {
	t.Helper()
	out := map[string]time.Time{}
	entries, err := os.ReadDir(filepath.Join(dir, store.RunsDir))
	if errors.Is(err, os.ErrNotExist) {
		return out
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if runfolder.IsTemp(e.Name()) {
			continue // a run folder being written (or left by a killed writer), not a run
		}
		if f, err := runfolder.Verify(filepath.Join(dir, store.RunsDir, e.Name())); err == nil {
			out[e.Name()] = f.Manifest.Started
		}
	}
	return out
}

// countManifests counts the run folders of dir that have a manifest.
func countManifests(dir string) int {
	entries, _ := os.ReadDir(filepath.Join(dir, store.RunsDir))
	n := 0
	for _, e := range entries {
		if runfolder.IsTemp(e.Name()) {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, store.RunsDir, e.Name(), runfolder.ManifestFile)); err == nil {
			n++
		}
	}
	return n
}

// exitCode is a finished command's exit status.
func exitCode(t *testing.T, err error) int {
	t.Helper()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode()
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0
}

// readRegistry reads a registry CSV.
func readRegistry(path string) ([]map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return artifacts.ReadCSVDicts(f)
}
