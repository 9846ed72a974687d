package store

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/bilancio-go/bilancio/internal/artifacts"
)

// DoneRun is a run whose folder is complete.
type DoneRun struct {
	Manifest *artifacts.Manifest
	// SHA256 is the checksum of its manifest.json; Files the digest of the
	// sizes and modification times of its files (see filesDigest).
	SHA256 string
	Files  string
}

// Known is what the journal recorded of a done run's folder (empty when
// it recorded nothing).
type Known struct {
	Manifest, Files string
}

// Check says how much of a run folder CheckRun reads.
type Check int

const (
	// CheckQuick trusts a folder whose manifest has the checksum the
	// journal recorded and whose files have the sizes and modification
	// times it recorded; any other folder is checked in full.
	CheckQuick Check = iota
	// CheckFull hashes every file against its manifest.
	CheckFull
	// CheckWritten is for a folder an executor has just reported complete
	// (it hashed the files as it wrote them): the manifest must be there,
	// say completed, and every file it lists must have its size.
	CheckWritten
)

// ErrNotRun reports a run folder without a manifest: the run never
// finished.
var ErrNotRun = errors.New("the run has no manifest")

// CheckRun tells whether run id's folder is complete, and when it is not,
// why (an error wrapping ErrNotRun when there is no manifest, else
// artifacts.ErrIncomplete with the file that does not match). known is
// what the journal recorded of the folder when the run was done.
func (s *Store) CheckRun(id string, known Known, how Check) (*DoneRun, error) {
	dir := s.RunDir(id)
	b, err := os.ReadFile(filepath.Join(dir, artifacts.ManifestFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotRun
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", artifacts.ErrIncomplete, err)
	}
	sum := sha256.Sum256(b)
	d := &DoneRun{SHA256: hex.EncodeToString(sum[:])}
	var m artifacts.Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%w: %s does not parse: %v", artifacts.ErrIncomplete, artifacts.ManifestFile, err)
	}
	if m.Status != "completed" {
		return nil, fmt.Errorf("%w: its manifest says %q", artifacts.ErrIncomplete, m.Status)
	}
	d.Manifest = &m
	if d.Files, err = filesDigest(dir, &m); err != nil {
		return nil, err
	}
	switch {
	case how == CheckWritten:
		return d, nil
	case how == CheckQuick && known.Manifest == d.SHA256 && known.Files == d.Files:
		return d, nil
	}
	if _, err := artifacts.VerifyRun(dir); err != nil {
		return nil, err
	}
	return d, nil
}

// filesDigest stats the manifest and every file it lists, checks that
// each file has the size the manifest gives, and returns the first 16 hex
// digits of a SHA-256 over their names, sizes and modification times: a
// folder whose digest is the one recorded when it was verified has not
// been touched since (short of a deliberate forgery of times).
func filesDigest(dir string, m *artifacts.Manifest) (string, error) {
	h := sha256.New()
	line := make([]byte, 0, 128)
	add := func(name string, want int64) error {
		st, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(name)))
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("%w: %s is missing", artifacts.ErrIncomplete, name)
			}
			return fmt.Errorf("%w: %v", artifacts.ErrIncomplete, err)
		}
		if !st.Mode().IsRegular() {
			return fmt.Errorf("%w: %s is not a regular file", artifacts.ErrIncomplete, name)
		}
		if want >= 0 && st.Size() != want {
			return fmt.Errorf("%w: %s has %d bytes, its manifest says %d", artifacts.ErrIncomplete, name, st.Size(), want)
		}
		line = append(line[:0], name...)
		line = append(line, 0)
		line = strconv.AppendInt(line, st.Size(), 10)
		line = append(line, 0)
		line = strconv.AppendInt(line, st.ModTime().UnixNano(), 10)
		line = append(line, '\n')
		h.Write(line)
		return nil
	}
	if err := add(artifacts.ManifestFile, -1); err != nil {
		return "", err
	}
	for _, f := range m.Files {
		if !safeName(f.Name) {
			return "", fmt.Errorf("%w: its manifest lists %q, outside the run folder", artifacts.ErrIncomplete, f.Name)
		}
		if err := add(f.Name, f.Size); err != nil {
			return "", err
		}
	}
	var sum [sha256.Size]byte
	return hex.EncodeToString(h.Sum(sum[:0]))[:16], nil
}

// safeName reports whether a manifest's file name stays inside the run
// folder.
func safeName(name string) bool {
	return name != "" && !strings.HasPrefix(name, "/") && !strings.Contains(name, "\\") &&
		filepath.IsLocal(filepath.FromSlash(name))
}

// HasManifest reports whether run id's folder has a manifest (a quick
// check, for status).
func (s *Store) HasManifest(id string) bool {
	_, err := os.Lstat(filepath.Join(s.RunDir(id), artifacts.ManifestFile))
	return err == nil || !errors.Is(err, fs.ErrNotExist)
}

// RemoveRun removes run id's folder, before the run is executed again: a
// run that is not done has nothing worth keeping, and a folder written
// afresh holds no file of an earlier attempt (a temporary file of a
// killed run, a file the new run does not write).
func (s *Store) RemoveRun(id string) error {
	if err := os.RemoveAll(s.RunDir(id)); err != nil {
		return fmt.Errorf("clearing the folder of run %s: %w", id, err)
	}
	return nil
}

// isTemp reports whether a file name is one of atomicfile's temporary
// files (".NAME.tmp-RANDOM").
func isTemp(name string) bool {
	return strings.HasPrefix(name, ".") && strings.Contains(name, ".tmp-")
}

// RemoveTemp removes the temporary files a killed process left in the
// store's own folders (the experiment folder, registry/, aggregate/ and
// its figures) and in the folders of the runs given (those that were
// being written), and returns how many it removed.
func (s *Store) RemoveTemp(runs ...string) (int, error) {
	dirs := []string{s.Dir, s.Path("registry"), s.Path("aggregate"), s.Path(FiguresDir)}
	for _, id := range runs {
		dirs = append(dirs, s.RunDir(id), filepath.Join(s.RunDir(id), "out"))
	}
	n := 0
	for _, d := range dirs {
		ents, err := os.ReadDir(d)
		if err != nil {
			continue
		}
		for _, e := range ents {
			if !e.Type().IsRegular() || !isTemp(e.Name()) {
				continue
			}
			if err := os.Remove(filepath.Join(d, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return n, fmt.Errorf("removing a temporary file: %w", err)
			}
			n++
		}
	}
	return n, nil
}
