package commands

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/bilancio-go/bilancio/commands/core"
	"github.com/bilancio-go/bilancio/internal/runner"
	"github.com/bilancio-go/bilancio/internal/version"
	"github.com/bilancio-go/bilancio/internal/worker"
	"github.com/bilancio-go/bilancio/sdk"
)

// Exit codes of `bilancio worker`.
const (
	workerExitOK          = 0
	workerExitError       = 1
	workerExitRunsFailed  = 2
	workerExitInterrupted = 130
)

// WorkerCommand is `bilancio worker -manifest FILE -out DIR`: it executes a
// batch of runs described by a worker manifest (sdk.WorkerManifest) on this
// machine and prints one JSON line per finished run. It is what remote
// executors run where the simulations happen.
type WorkerCommand struct {
	Meta
}

// Synopsis implements cli.Command.
func (c *WorkerCommand) Synopsis() string {
	return core.WorkerSynopsis
}

// Help implements cli.Command.
func (c *WorkerCommand) Help() string {
	return `Usage: bilancio worker -manifest FILE -out DIR [-parallel N] [-archive]

  Executes the runs of a worker manifest (a JSON sdk.WorkerManifest:
  {"version": 1, "experiment_id": ..., "runs": [{"run_id": ..., "scenario":
  the scenario YAML in base64, "options": {...}}, ...]}) on this machine and
  writes each run's folder DIR/<run_id>/, manifest.json last (with
  -archive, the folder as one tar file DIR/<run_id>.tar, written whole once
  complete). As each run ends, it prints one JSON line on stdout (an sdk.RunEvent,
  "completed" with its result or "failed" with the reason) and nothing else;
  errors go to stderr.

  Exit status: 0 when every run completed, 2 when some failed, 1 on a usage
  or manifest error, 130 when interrupted.

Options:

` + core.Usage(c.flags(new(workerFlags)))
}

type workerFlags struct {
	manifest, out string
	parallel      int
	usage         string
	json          bool
	archive       bool
}

func (c *WorkerCommand) flags(f *workerFlags) *flag.FlagSet {
	fs := core.FlagSet("worker")
	fs.StringVar(&f.manifest, "manifest", "", "the worker manifest to execute (JSON)")
	fs.StringVar(&f.out, "out", "", "directory to write the run folders into")
	fs.IntVar(&f.parallel, "parallel", 0, "runs to execute at once (default: the manifest's parallel, else the number of CPUs)")
	fs.BoolVar(&f.json, "json", true, "print each finished run as a JSON line; -json=false prints a line of text instead")
	fs.BoolVar(&f.archive, "archive", false, "write each run as one tar file DIR/<run_id>.tar instead of a folder (remote executors ship runs so)")
	fs.StringVar(&f.usage, "usage", "", "write the worker's own use (CPU seconds, peak memory in MiB) to this JSON file when it ends (remote executors bill by it)")
	return fs
}

// Run implements cli.Command.
func (c *WorkerCommand) Run(args []string) int {
	var f workerFlags
	fs := c.flags(&f)
	pos, err := core.ParseArgs(fs, args)
	switch {
	case err != nil:
		c.UI.Error(fmt.Sprintf("Error: %v\n\n%s", err, c.Help()))
		return workerExitError
	case len(pos) > 0:
		c.UI.Error(fmt.Sprintf("Error: unexpected argument %q\n\n%s", pos[0], c.Help()))
		return workerExitError
	case f.manifest == "" || f.out == "":
		c.UI.Error("Error: worker needs -manifest FILE and -out DIR\n\n" + c.Help())
		return workerExitError
	case f.parallel < 0:
		c.UI.Error(fmt.Sprintf("Error: -parallel must be >= 0, got %d", f.parallel))
		return workerExitError
	}
	m, err := readWorkerManifest(f.manifest)
	if err != nil {
		c.UI.Error("Error: " + err.Error())
		return workerExitError
	}
	batch := &sdk.Batch{ExperimentID: m.ExperimentID, OutRoot: f.out, Parallel: m.Parallel, Runs: m.Runs}
	if f.parallel > 0 {
		batch.Parallel = f.parallel
	}
	if err := sdk.ValidateBatch(batch); err != nil {
		c.UI.Error(fmt.Sprintf("Error: %s: %v", f.manifest, err))
		return workerExitError
	}

	var completed, failed int
	emit := func(ev sdk.RunEvent) error {
		switch ev.Type {
		case sdk.EventCompleted:
			completed++
		case sdk.EventFailed:
			failed++
		default:
			return nil
		}
		if !f.json {
			c.UI.Output(renderWorkerEvent(ev))
			return nil
		}
		line, err := json.Marshal(ev)
		if err != nil {
			return fmt.Errorf("encoding the event of run %s: %w", ev.RunID, err)
		}
		c.UI.Output(string(line))
		return nil
	}
	runner.TuneGC() // this process only executes runs
	pool := worker.New(worker.Config{Engine: version.Version(), Executor: cmp.Or(m.Executor, sdk.DefaultWorkerExecutor), Archive: f.archive})
	err = pool.Execute(c.Ctx, batch, emit)
	if f.usage != "" {
		writeWorkerUse(f.usage)
	}
	switch {
	case err != nil && c.Ctx.Err() != nil:
		c.UI.Error(fmt.Sprintf("Interrupted: %d of %d runs finished, the others were cancelled", completed+failed, len(batch.Runs)))
		return workerExitInterrupted
	case err != nil:
		c.UI.Error("Error: " + err.Error())
		return workerExitError
	case failed > 0:
		c.UI.Error(fmt.Sprintf("%d of %d runs failed", failed, len(batch.Runs)))
		return workerExitRunsFailed
	}
	return workerExitOK
}

// renderWorkerEvent is the text line of a finished run (-json=false).
func renderWorkerEvent(ev sdk.RunEvent) string {
	if ev.Result == nil {
		return fmt.Sprintf("%s %s: %s", ev.RunID, ev.Type, ev.Message)
	}
	r := ev.Result
	return fmt.Sprintf("%s %s: %s after %d days, %d defaults, phi_total %s, delta_total %s (%s)",
		ev.RunID, ev.Type, r.StopReason, r.DaysSimulated, r.Defaults, orNone(r.PhiTotal), orNone(r.DeltaTotal), r.Dir)
}

// orNone prints an empty summary value as Python's None.
func orNone(s string) string {
	if s == "" {
		return "None"
	}
	return s
}

// readWorkerManifest reads and checks a worker manifest. Its errors name the
// file, and the line and column of a JSON error.
func readWorkerManifest(name string) (*sdk.WorkerManifest, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("reading the worker manifest: %w", err)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("%s: the worker manifest is empty", name)
	}
	var m sdk.WorkerManifest
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%s: not a worker manifest: %w", jsonPosition(name, data, err), err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%s: not a worker manifest: unexpected data after the JSON object", jsonPosition(name, data, errAt(dec.InputOffset())))
	}
	if m.Version != sdk.WorkerManifestVersion {
		return nil, fmt.Errorf("%s: worker manifest version %d, this bilancio reads version %d", name, m.Version, sdk.WorkerManifestVersion)
	}
	return &m, nil
}

// errAt is an error at a byte offset of a JSON document.
type errAt int64

func (e errAt) Error() string { return fmt.Sprintf("at byte %d", int64(e)) }

// jsonPosition returns "name:line:col" for the offset where a JSON decoding
// error happened, or just name when the error carries no offset.
func jsonPosition(name string, data []byte, err error) string {
	var off int64 = -1
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var at errAt
	switch {
	case errors.As(err, &syn):
		off = syn.Offset
	case errors.As(err, &typ):
		off = typ.Offset
	case errors.As(err, &at):
		off = int64(at)
	case errors.Is(err, io.ErrUnexpectedEOF):
		off = int64(len(data))
	}
	if off < 0 || off > int64(len(data)) {
		return name
	}
	before := data[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	col := int(off) - (bytes.LastIndexByte(before, '\n') + 1)
	if col < 1 {
		col = 1
	}
	return fmt.Sprintf("%s:%d:%d", name, line, col)
}

// writeWorkerUse writes the process's use to name as JSON; a failure only
// loses the measure.
func writeWorkerUse(name string) {
	cpu, rss, ok := processUse()
	if !ok {
		return
	}
	data, err := json.Marshal(map[string]float64{"cpu_seconds": cpu, "max_rss_mib": rss})
	if err == nil {
		_ = os.WriteFile(name, data, 0o644)
	}
}
