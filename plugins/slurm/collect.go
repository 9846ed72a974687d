package slurm

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"syscall"

	"github.com/bilancio-go/bilancio/sdk"
	"github.com/bilancio-go/bilancio/sdk/runfolder"
)

// The workers write each run's folder in their submission's runs/ folder;
// the executor collects it into the batch's output folder (OutRoot, the
// experiment's runs/) when the worker reports it: a rename within the
// experiment (scratch_dir on another file system: a copy, checked as it is
// written). The host owns the output folder: what it clears there before
// handing a run over (an earlier attempt's files) never meets a worker
// still writing, and a run that finished while no bilancio was following
// it waits in its submission to be collected by the next one.

// collect moves run runID's folder from submission sub into the output
// folder and returns its result. The folder must be complete where the
// worker wrote it (with manifest sha256 want and fingerprint fp, when not
// empty) and is checked again where it lands.
func (br *batchRun) collect(sub *submission, runID, want, fp string) (*sdk.RunResult, error) {
	src, dst := sub.runDir(runID), filepath.Join(br.outRoot, runID)
	sealed, err := runfolder.Check(src, want, fp)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(br.outRoot, 0o755); err != nil {
		return nil, fmt.Errorf("collecting the run folder: %w", err)
	}
	if err := os.RemoveAll(dst); err != nil {
		return nil, fmt.Errorf("collecting the run folder: %w", err)
	}
	err = os.Rename(src, dst)
	switch {
	case err == nil:
		sealed, err = runfolder.Check(dst, sealed.SHA256, sealed.Fingerprint)
	case errors.Is(err, syscall.EXDEV):
		sealed, err = copyRun(src, dst)
		if err == nil {
			os.RemoveAll(src)
		}
	default:
		err = fmt.Errorf("collecting the run folder: %w", err)
	}
	if err != nil {
		return nil, err
	}
	return resultOf(runID, sealed), nil
}

// copyRun copies a complete run folder to dst (on another file system),
// hashing each file as it is written and writing the manifest last.
func copyRun(src, dst string) (*runfolder.Sealed, error) {
	raw, err := os.ReadFile(filepath.Join(src, runfolder.ManifestFile))
	if err != nil {
		return nil, err
	}
	m, err := runfolder.DecodeManifest(raw)
	if err != nil {
		return nil, err
	}
	r, err := runfolder.Receive(dst)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	for _, f := range m.Files {
		if err := copyInto(r, src, f.Name); err != nil {
			return nil, fmt.Errorf("copying the run folder %s: %w", src, err)
		}
	}
	return r.Finish(raw)
}

func copyInto(r *runfolder.Receiver, src, name string) error {
	f, err := os.Open(filepath.Join(src, filepath.FromSlash(name)))
	if err != nil {
		return err
	}
	defer f.Close()
	return r.Put(name, io.Reader(f))
}

// resultOf summarises a sealed run folder for its completed event.
func resultOf(runID string, f *runfolder.Sealed) *sdk.RunResult {
	m := f.Manifest
	return &sdk.RunResult{
		RunID: runID, Dir: f.Dir, StopReason: m.StopReason, DaysSimulated: m.DaysSimulated, Defaults: m.Defaults,
		PhiTotal: m.PhiTotal, DeltaTotal: m.DeltaTotal, TimeToStability: m.TimeToStability,
		DurationMS: m.DurationMS, ManifestSHA256: f.SHA256, Fingerprint: f.Fingerprint, Executor: Name,
	}
}

// submissionIndex knows, for a scratch root, which submissions were given
// each run: where to look for a run that finished while no bilancio was
// following it. It reads every submission.json of the root once, then
// learns of the submissions this process makes.
type submissionIndex struct {
	mu    sync.Mutex
	built bool
	byRun map[string][]string // run id → submission folders, oldest first
}

// lookup returns the submission folders that were given run id.
func (x *submissionIndex) lookup(root, id string) []string {
	x.mu.Lock()
	defer x.mu.Unlock()
	if !x.built {
		x.build(root)
	}
	return x.byRun[id]
}

// add records a submission this process made.
func (x *submissionIndex) add(s *submission) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if !x.built {
		return // built from the disk, with s, when first needed
	}
	x.record(s)
}

func (x *submissionIndex) build(root string) {
	x.built, x.byRun = true, map[string][]string{}
	ents, err := os.ReadDir(root)
	if err != nil {
		return
	}
	sort.Slice(ents, func(i, j int) bool { return ents[i].Name() < ents[j].Name() })
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		if s, err := readSubmission(filepath.Join(root, e.Name())); err == nil {
			x.record(s)
		}
	}
}

func (x *submissionIndex) record(s *submission) {
	for _, ids := range s.Tasks {
		for _, id := range ids {
			x.byRun[id] = append(x.byRun[id], s.dir)
		}
	}
}

// index returns the submission index of a scratch root.
func (e *Executor) index(root string) *submissionIndex {
	e.mu.Lock()
	defer e.mu.Unlock()
	x := e.indexes[root]
	if x == nil {
		x = &submissionIndex{}
		e.indexes[root] = x
	}
	return x
}
