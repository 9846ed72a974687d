package commands

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/cli"

	"github.com/bilancio-go/bilancio/internal/worker/workertest"
	"github.com/bilancio-go/bilancio/sdk"
	"github.com/bilancio-go/bilancio/sdk/runfolder"
	"github.com/bilancio-go/bilancio/sdk/sdktest"
)

// badScenario names an agent that does not exist.
const badScenario = "version: 1\nname: bad\nagents:\n  - {id: CB, kind: central_bank, name: CB}\n  - {id: H1, kind: household, name: H}\ninitial_actions:\n  - mint_cash: {to: H9, amount: 5}\n"

// workerManifest returns a manifest of rings, one per run id; ids starting
// with "bad" get badScenario instead.
func workerManifest(ids ...string) *sdk.WorkerManifest {
	m := &sdk.WorkerManifest{Version: sdk.WorkerManifestVersion, ExperimentID: "exp"}
	for i, id := range ids {
		r := sdk.RunSpec{RunID: id, ScenarioName: id + ".yaml", Scenario: sdktest.RingScenario(8+i, i)}
		if strings.HasPrefix(id, "bad") {
			r.Scenario = []byte(badScenario)
		}
		m.Runs = append(m.Runs, r)
	}
	return m
}

// writeManifest writes m (or, when m is a string, that text) to a file.
func writeManifest(t *testing.T, m any) string {
	t.Helper()
	data, ok := m.(string)
	if !ok {
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		data = string(b)
	}
	name := filepath.Join(t.TempDir(), "manifest.json")
	if err := os.WriteFile(name, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return name
}

// runWorker runs `bilancio worker` in process and returns its stdout,
// stderr and exit code.
func runWorker(ctx context.Context, args ...string) (string, string, int) {
	ui := cli.NewMockUi()
	c := &WorkerCommand{Meta: Meta{Ctx: ctx, UI: ui}}
	code := c.Run(args)
	return ui.OutputWriter.String(), ui.ErrorWriter.String(), code
}

// finished decodes the JSON lines of stdout, by run id.
func finished(t *testing.T, stdout string) map[string]sdk.RunEvent {
	t.Helper()
	events := make(map[string]sdk.RunEvent)
	for line := range strings.Lines(stdout) {
		var ev sdk.RunEvent
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("stdout line %q is not a RunEvent: %v", line, err)
		}
		if _, dup := events[ev.RunID]; dup {
			t.Errorf("two lines for run %s", ev.RunID)
		}
		events[ev.RunID] = ev
	}
	return events
}

func TestWorkerRunsAManifest(t *testing.T) {
	tests := []struct {
		name     string
		ids      []string
		args     []string
		code     int
		executor string // the manifest's; "" leaves it out
	}{
		{"all good", []string{"r1", "r2", "r3"}, nil, 0, ""},
		{"one bad scenario", []string{"r1", "bad1", "r3"}, []string{"-parallel", "1"}, 2, ""},
		{"only bad", []string{"bad1"}, nil, 2, ""},
		{"empty batch", nil, nil, 0, ""},
		{"sent by slurm", []string{"r1"}, nil, 0, "slurm"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "runs")
			m := workerManifest(tt.ids...)
			m.Executor = tt.executor
			wantExecutor := cmp.Or(tt.executor, "worker")
			args := append([]string{"-manifest", writeManifest(t, m), "-out", out}, tt.args...)
			stdout, stderr, code := runWorker(t.Context(), args...)
			if code != tt.code {
				t.Fatalf("exit code %d, want %d; stderr %q", code, tt.code, stderr)
			}
			events := finished(t, stdout)
			if len(events) != len(tt.ids) {
				t.Errorf("%d lines for %d runs:\n%s", len(events), len(tt.ids), stdout)
			}
			for _, id := range tt.ids {
				ev := events[id]
				dir := filepath.Join(out, id)
				if strings.HasPrefix(id, "bad") {
					if ev.Type != sdk.EventFailed || !strings.Contains(ev.Message, id+`.yaml:7:`) {
						t.Errorf("run %s: %s %q, want failed at %s.yaml:7", id, ev.Type, ev.Message, id)
					}
					if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
						t.Errorf("run %s: failed run left a folder", id)
					}
					continue
				}
				if ev.Type != sdk.EventCompleted || ev.Result == nil || ev.Result.Dir != dir || ev.Result.Executor != wantExecutor {
					t.Errorf("run %s: %+v, want executor %s", id, ev, wantExecutor)
					continue
				}
				if sealed, err := runfolder.Verify(dir); err != nil {
					t.Errorf("run %s: %v", id, err)
				} else if sealed.Manifest.Executor != wantExecutor {
					t.Errorf("run %s: manifest.json says executor %q, want %q", id, sealed.Manifest.Executor, wantExecutor)
				}
			}
			if tt.code == 2 && !strings.Contains(stderr, "runs failed") {
				t.Errorf("stderr %q does not say runs failed", stderr)
			}
		})
	}
}

func TestWorkerTextOutput(t *testing.T) {
	out := t.TempDir()
	stdout, _, code := runWorker(t.Context(), "-manifest", writeManifest(t, workerManifest("r1", "bad1")), "-out", out, "-json=false")
	if code != 2 {
		t.Fatalf("exit code %d, want 2", code)
	}
	if !strings.Contains(stdout, "r1 completed: ") || !strings.Contains(stdout, "bad1 failed: bad1.yaml:7:") {
		t.Errorf("stdout:\n%s", stdout)
	}
}

func TestWorkerRejectsBadManifestsAndUsage(t *testing.T) {
	dupe := workerManifest("a", "b")
	dupe.Runs[1].RunID = "a"
	escape := workerManifest("a")
	escape.Runs[0].RunID = "../a"
	tests := []struct {
		name     string
		manifest any // a *sdk.WorkerManifest, a string, or nil for none
		args     []string
		want     string
	}{
		{"syntax error", "{\"version\": 1,\n \"runs\": [}", nil, `manifest.json:2:11: not a worker manifest: invalid character '}'`},
		{"truncated", "{\"version\": 1, \"runs\": [", nil, "manifest.json:1:24: not a worker manifest: unexpected EOF"},
		{"wrong type", "{\"version\": \"1\"}", nil, `manifest.json:1:15: not a worker manifest: json: cannot unmarshal string`},
		{"unknown field", `{"version": 1, "rnus": []}`, nil, `manifest.json: not a worker manifest: json: unknown field "rnus"`},
		{"trailing data", `{"version": 1} {}`, nil, "manifest.json:1:16: not a worker manifest: unexpected data after the JSON object"},
		{"empty", "  \n", nil, "manifest.json: the worker manifest is empty"},
		{"no version", `{"runs": []}`, nil, "worker manifest version 0, this bilancio reads version 1"},
		{"future version", `{"version": 2}`, nil, "worker manifest version 2, this bilancio reads version 1"},
		{"duplicate run id", dupe, nil, `manifest.json: runs[1]: run id "a" already used by runs[0]`},
		{"escaping run id", escape, nil, `manifest.json: runs[0]: run id "../a" is not a plain folder name`},
		{"missing file", nil, []string{"-manifest", "/nonexistent/m.json", "-out", "x"}, "reading the worker manifest: open /nonexistent/m.json"},
		{"no out", workerManifest("a"), []string{"-out", ""}, "worker needs -manifest FILE and -out DIR"},
		{"no manifest", nil, []string{"-out", "x"}, "worker needs -manifest FILE and -out DIR"},
		{"bad flag", workerManifest("a"), []string{"-paralel", "2"}, "flag provided but not defined: -paralel"},
		{"negative parallel", workerManifest("a"), []string{"-parallel", "-1"}, "-parallel must be >= 0"},
		{"positional", workerManifest("a"), []string{"extra"}, `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			var args []string
			if tt.manifest != nil {
				args = []string{"-manifest", writeManifest(t, tt.manifest), "-out", out}
			}
			stdout, stderr, code := runWorker(t.Context(), append(args, tt.args...)...)
			if code != 1 {
				t.Errorf("exit code %d, want 1", code)
			}
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr %q does not contain %q", stderr, tt.want)
			}
			if stdout != "" {
				t.Errorf("stdout %q, want nothing", stdout)
			}
			if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("the output directory was created")
			}
		})
	}
}

func TestWorkerInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, stderr, code := runWorker(ctx, "-manifest", writeManifest(t, workerManifest("r1", "r2")), "-out", t.TempDir())
	if code != 130 || !strings.Contains(stderr, "Interrupted: 0 of 2 runs finished") {
		t.Errorf("exit code %d, stderr %q; want 130 and an interruption notice", code, stderr)
	}
}

// The real binary: JSON lines on stdout and nothing else, the exit codes, and
// a SIGINT that stops slow runs promptly with exit code 130.
func TestWorkerProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the bilancio binary")
	}
	// bilancio hands `worker` over to bilancio-sweep, as the same process.
	dir := t.TempDir()
	bin := filepath.Join(dir, "bilancio")
	if out, err := exec.Command("go", "build", "-o", dir+string(filepath.Separator), "github.com/bilancio-go/bilancio", "github.com/bilancio-go/bilancio/cmd/bilancio-sweep").CombinedOutput(); err != nil {
		t.Fatalf("building bilancio: %v\n%s", err, out)
	}
	start := func(t *testing.T, m any) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
		cmd := exec.Command(bin, "worker", "-manifest", writeManifest(t, m), "-out", t.TempDir())
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd, &stdout, &stderr
	}
	exitCode := func(t *testing.T, err error) int {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return exit.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return 0
	}
	for _, tt := range []struct {
		name     string
		manifest any
		code     int
		lines    int
	}{
		{"good", workerManifest("r1", "r2"), 0, 2},
		{"bad scenario", workerManifest("r1", "bad1"), 2, 2},
		{"malformed", `{"version": 1, "runs": [{"run_id": 5}]}`, 1, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cmd, stdout, stderr := start(t, tt.manifest)
			if code := exitCode(t, cmd.Wait()); code != tt.code {
				t.Errorf("exit code %d, want %d; stderr %q", code, tt.code, stderr)
			}
			if n := len(finished(t, stdout.String())); n != tt.lines {
				t.Errorf("%d runs on stdout, want %d:\n%s", n, tt.lines, stdout)
			}
		})
	}
	t.Run("interrupted", func(t *testing.T) {
		m := workerManifest()
		for i := range 3 {
			m.Runs = append(m.Runs, sdk.RunSpec{RunID: fmt.Sprint("slow", i), Scenario: workertest.SlowScenario(1000, 4000000)})
		}
		cmd, stdout, stderr := start(t, m)
		time.Sleep(1500 * time.Millisecond) // the runs are loaded and simulating
		if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
			t.Fatal(err)
		}
		sent := time.Now()
		code := exitCode(t, cmd.Wait())
		if d := time.Since(sent); d > 2*time.Second {
			t.Errorf("the worker took %v to stop after SIGINT", d)
		}
		if code != 130 {
			t.Errorf("exit code %d, want 130; stderr %q", code, stderr)
		}
		if stdout.Len() != 0 {
			t.Errorf("stdout %q, want nothing (no run finished)", stdout)
		}
	})
}
