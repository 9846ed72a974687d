package core

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
)

// SweepBinary is the program that serves the commands bilancio hands over
// (HandedOver): a sibling binary (cmd/bilancio-sweep), built beside
// bilancio by `make build`. It links what those commands need and a single
// run does not — executor plugins and their gRPC, HCL sweep files, Parquet,
// the dashboards' figures — so that `bilancio run` neither loads nor
// initialises any of it.
const SweepBinary = "bilancio-sweep"

// The synopses of the commands bilancio hands over: `bilancio -help` lists
// them, and bilancio-sweep's commands say the same.
const (
	SweepSynopsis   = "Plan, run and inspect parameter sweeps"
	PluginsSynopsis = "List, describe, install and remove executor plugins"
	VolumeSynopsis  = "List, fetch and remove results on the Modal volume"
	UsageSynopsis   = "List the Modal sandboxes sweeps used, with their time and cost"
	WorkerSynopsis  = "Execute a batch of runs from a worker manifest"
	DevSynopsis     = "Development helpers (the Modal emulator)"
)

// handedOver is a top-level command bilancio hands over to SweepBinary.
type handedOver struct {
	name, synopsis string
}

// handedOverCommands lists the top-level commands bilancio hands over, with
// everything under them ("sweep run", "plugins list"...).
func handedOverCommands() []handedOver {
	return []handedOver{
		{"sweep", SweepSynopsis},
		{"plugins", PluginsSynopsis},
		{"volume", VolumeSynopsis},
		{"usage", UsageSynopsis},
		{"worker", WorkerSynopsis},
		{"dev", DevSynopsis},
	}
}

// HandedOver says whether bilancio hands the command line args (without
// the program name) over to SweepBinary: when its first word is one of
// the commands SweepBinary serves.
func HandedOver(args []string) bool {
	if len(args) == 0 {
		return false
	}
	for _, h := range handedOverCommands() {
		if args[0] == h.name {
			return true
		}
	}
	return false
}

// completing says whether the shell asks for completions (COMP_LINE) or
// the command line installs or removes them: hashicorp/cli, in
// SweepBinary, answers for every command.
func completing(args []string) bool {
	if os.Getenv("COMP_LINE") != "" {
		return true
	}
	for _, a := range args {
		if a == "--" {
			break
		}
		if a == "-autocomplete-install" || a == "--autocomplete-install" || a == "-autocomplete-uninstall" || a == "--autocomplete-uninstall" {
			return true
		}
	}
	return false
}

// HandOver runs SweepBinary with args: on unix it replaces this process
// (same process id, terminal, signals and exit code, as if it had been run
// directly); elsewhere it runs it and returns its exit code. It returns 1,
// saying how to build it, when SweepBinary is neither beside bilancio nor
// on PATH.
func HandOver(ui UI, args []string) int {
	path, err := FindProgram(SweepBinary)
	if err != nil {
		what := "completion"
		if len(args) > 0 {
			what = fmt.Sprintf("%q", args[0])
		}
		ui.Error(fmt.Sprintf("bilancio: %s is a command of %s: %v", what, SweepBinary, err))
		return 1
	}
	return ExecProgram(ui, path, args)
}

// FindProgram finds one of bilancio's sibling programs (bilancio-sweep,
// bilancio-modal-emulator): beside the running executable, else on PATH.
func FindProgram(name string) (string, error) {
	file := name
	if runtime.GOOS == "windows" {
		file += ".exe"
	}
	dir := "bilancio's folder"
	if self, err := os.Executable(); err == nil {
		dir = filepath.Dir(self)
		p := filepath.Join(dir, file)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	p, err := exec.LookPath(name)
	if errors.Is(err, exec.ErrNotFound) || errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("%s is neither beside bilancio (in %s) nor on PATH: build it with make build (or go build -o %s ./cmd/%s)",
			name, dir, dir+string(filepath.Separator), name)
	}
	return p, err
}

// handOverCommand is the entry of a handed-over command in bilancio's
// command table, for its help listing: bilancio's main hands these
// commands over before hashicorp/cli sees them (HandedOver).
type handOverCommand struct {
	Meta
	name, synopsis string
}

// Synopsis implements Command.
func (c *handOverCommand) Synopsis() string { return c.synopsis }

// Help implements Command.
func (c *handOverCommand) Help() string {
	return "Usage: bilancio " + c.name + " ...\n\n  " + c.synopsis + " (served by " + SweepBinary + "; bilancio " + c.name + " -help says more).\n"
}

// Run implements Command.
func (c *handOverCommand) Run(args []string) int {
	return HandOver(c.UI, append([]string{c.name}, args...))
}
