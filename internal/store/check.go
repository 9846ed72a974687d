package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/bilancio-go/bilancio/sdk/runfolder"
)

// A run is done when its folder verifies against its manifest (package
// runfolder). Verifying means hashing every file, so the journal records,
// with each done run, the checksum of its manifest and the fingerprint of
// its files (their sizes and modification times): a folder that still has
// both is trusted after a stat of each file, and only a folder whose files
// changed is hashed again.

// Known is what the journal (or an executor's completed event) recorded of
// a done run's folder; empty when nothing was.
type Known struct {
	Manifest, Fingerprint string
}

// Check says how much of a run folder CheckRun reads.
type Check int

const (
	// CheckQuick trusts a folder whose manifest has the checksum known and
	// whose files have the fingerprint known (a stat of each); any other
	// folder is hashed in full.
	CheckQuick Check = iota
	// CheckFull hashes every file against the manifest.
	CheckFull
)

// CheckRun tells whether run id's folder is complete: the sealed folder
// (its manifest, the manifest's checksum and the files' fingerprint), or
// an error saying why not (a *runfolder.VerifyError naming every bad
// file; DamageReason words it).
func (s *Store) CheckRun(id string, known Known, how Check) (*runfolder.Sealed, error) {
	dir := s.RunDir(id)
	if how == CheckFull || known.Manifest == "" || known.Fingerprint == "" {
		return runfolder.Verify(dir)
	}
	f, err := runfolder.Check(dir, known.Manifest, known.Fingerprint)
	var ve *runfolder.VerifyError
	if errors.As(err, &ve) && onlyChanged(ve) {
		// Touched, rewritten or copied: the content may well be intact.
		return runfolder.Verify(dir)
	}
	return f, err
}

// onlyChanged reports whether every problem found is a change that
// hashing may clear (a manifest or files rewritten with the same content).
func onlyChanged(ve *runfolder.VerifyError) bool {
	for _, p := range ve.Problems {
		if p.Kind != runfolder.Changed && p.Kind != runfolder.ManifestChanged {
			return false
		}
	}
	return true
}

// NotRun reports whether err says the run never finished: its folder has
// no manifest (or is not there).
func NotRun(err error) bool {
	var ve *runfolder.VerifyError
	return errors.As(err, &ve) && ve.Has(runfolder.NoManifest)
}

// DamageReason says why a run folder does not verify, for people: every
// bad file and what is wrong with it.
func DamageReason(err error) string {
	var ve *runfolder.VerifyError
	if !errors.As(err, &ve) {
		return err.Error()
	}
	parts := make([]string, len(ve.Problems))
	for i, p := range ve.Problems {
		switch {
		case p.Kind == runfolder.NoManifest:
			parts[i] = runfolder.ManifestFile + " is missing"
		default:
			parts[i] = p.String()
		}
	}
	return strings.Join(parts, "; ")
}

// HasManifest reports whether run id's folder has a manifest (a quick
// check, for status).
func (s *Store) HasManifest(id string) bool { return runfolder.HasManifest(s.RunDir(id)) }

// RemoveRun removes run id's folder, before the run is executed again: a
// run that is not done has nothing worth keeping, and a folder written
// afresh holds no file of an earlier attempt (a file the new run does not
// write). The folder a killed writer left beside it (.<id>.tmp-*) is
// RemoveTempRuns's: finding it means reading the whole runs folder, which
// is done once after a writer died, not once a run.
func (s *Store) RemoveRun(id string) error {
	if err := os.RemoveAll(s.RunDir(id)); err != nil {
		return fmt.Errorf("clearing the folder of run %s: %w", id, err)
	}
	return nil
}

// RemoveTempRuns removes the folders killed writers left in the runs
// folder: a new run folder is written beside its place and moved in whole
// (runfolder.Runs.NewRun), as .<id>.tmp-*. It reads the runs folder in
// slices (a million runs are a million entries), and returns how many it
// removed. Call it only while holding the lock, when no executor is
// writing runs (at start, or after an executor died). It stops with ctx's
// error when ctx is done.
func (s *Store) RemoveTempRuns(ctx context.Context) (int, error) {
	f, err := os.Open(s.Path(RunsDir))
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("reading the runs folder: %w", err)
	}
	defer f.Close()
	n := 0
	for {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		ents, err := f.ReadDir(4096)
		for _, e := range ents {
			if !runfolder.IsTemp(e.Name()) {
				continue
			}
			if err := os.RemoveAll(filepath.Join(s.Path(RunsDir), e.Name())); err != nil {
				return n, fmt.Errorf("removing a folder a killed run left: %w", err)
			}
			n++
		}
		if err == io.EOF || len(ents) == 0 {
			return n, nil
		}
		if err != nil {
			return n, fmt.Errorf("reading the runs folder: %w", err)
		}
	}
}

// RemoveTemp removes the temporary files a killed process left in the
// store's own folders (the experiment folder, registry/, aggregate/ and
// its figures), beside the run folders (RemoveTempRuns) and in the folders
// of the runs given (those that were being written), and returns how many
// it removed.
func (s *Store) RemoveTemp(ctx context.Context, runs ...string) (int, error) {
	n, err := s.RemoveTempRuns(ctx)
	if err != nil {
		return n, err
	}
	for _, d := range []string{s.Dir, s.Path("registry"), s.Path("aggregate"), s.Path(FiguresDir)} {
		ents, err := os.ReadDir(d)
		if err != nil {
			continue
		}
		for _, e := range ents {
			if !e.Type().IsRegular() || !runfolder.IsTemp(e.Name()) {
				continue
			}
			if err := os.Remove(filepath.Join(d, e.Name())); err != nil && !os.IsNotExist(err) {
				return n, fmt.Errorf("removing a temporary file: %w", err)
			}
			n++
		}
	}
	for _, id := range runs {
		removed, err := runfolder.RemoveTemps(s.RunDir(id))
		n += len(removed)
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
