// Package workerbin finds the worker binary that remote executors (Modal)
// stage and run in their sandboxes: a static linux/amd64 build of
// bilancio-sweep (which serves `bilancio worker` and every other command),
// so that `bilancio worker` there is the same engine as here,
// whatever the host (macOS on Intel or Apple silicon, Linux on ARM).
// `make build` writes it beside bin/bilancio as bin/bilancio-worker-linux-amd64.
package workerbin

import (
	"debug/elf"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/bilancio-go/bilancio/sdk"
	"github.com/bilancio-go/bilancio/sdk/runfolder"
)

// Name is the worker's file name, beside the bilancio binary.
const Name = "bilancio-worker-linux-amd64"

// EnvWorker names a worker binary to use instead of the one beside
// bilancio.
const EnvWorker = "BILANCIO_WORKER"

// The platform remote sandboxes run.
const (
	OS   = "linux"
	Arch = "amd64"
)

// Host is what Find knows of the running bilancio: its path and platform,
// and the environment (injected by tests).
type Host struct {
	Executable string
	OS, Arch   string
	Getenv     func(string) string
}

// Find returns the worker for a host, first found of: the file $BILANCIO_WORKER
// names; bilancio-worker-linux-amd64 beside the executable; the executable
// itself when the host is linux/amd64 and it is statically linked; each a
// static linux/amd64 ELF executable. Without one, it returns the
// executable itself, described with the host's platform: an executor that
// runs workers on machines like this one (Slurm) uses it, one that needs a
// static linux/amd64 worker (Modal) refuses it, saying to run `make build`.
// The worker's sha256 is computed.
func Find(h Host) (*sdk.WorkerBinary, error) {
	var candidates []string
	if p := h.Getenv(EnvWorker); p != "" {
		candidates = append(candidates, p)
	} else {
		candidates = append(candidates, filepath.Join(filepath.Dir(h.Executable), Name))
		if h.OS == OS && h.Arch == Arch {
			candidates = append(candidates, h.Executable)
		}
	}
	var errs []error
	for _, p := range candidates {
		if _, err := os.Stat(p); err != nil {
			errs = append(errs, err)
			continue
		}
		if err := CheckStatic(p); err != nil {
			errs = append(errs, err)
			continue
		}
		sum, err := runfolder.FileSHA256(p)
		if err != nil {
			return nil, err
		}
		return &sdk.WorkerBinary{Path: p, SHA256: sum, OS: OS, Arch: Arch}, nil
	}
	if h.Getenv(EnvWorker) != "" {
		return nil, fmt.Errorf("%s: %w", EnvWorker, errors.Join(errs...))
	}
	sum, err := runfolder.FileSHA256(h.Executable)
	if err != nil {
		return nil, fmt.Errorf("no static linux/amd64 worker beside bilancio (`make build` makes %s), and bilancio itself: %w", Name, err)
	}
	return &sdk.WorkerBinary{Path: h.Executable, SHA256: sum, OS: h.OS, Arch: h.Arch}, nil
}

// CheckStatic checks that path is a statically linked linux/amd64 ELF
// executable: no program interpreter, no shared library.
func CheckStatic(path string) error {
	f, err := elf.Open(path)
	if err != nil {
		return fmt.Errorf("%s is not a linux executable: %w", path, err)
	}
	defer f.Close()
	if f.Machine != elf.EM_X86_64 {
		return fmt.Errorf("%s is built for %v, not x86-64", path, f.Machine)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return fmt.Errorf("%s is dynamically linked (build it with CGO_ENABLED=0)", path)
		}
	}
	if libs, err := f.ImportedLibraries(); err == nil && len(libs) > 0 {
		return fmt.Errorf("%s needs shared libraries %v (build it with CGO_ENABLED=0)", path, libs)
	}
	return nil
}
