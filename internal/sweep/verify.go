package sweep

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/bilancio-go/bilancio/sdk/runfolder"
)

// doneRun is a run whose folder is complete.
type doneRun struct {
	Manifest *runfolder.Manifest
	// SHA256 is the checksum of its manifest.json.
	SHA256 string
}

// checkRun tells whether run id's folder is complete. When the journal
// knows the checksum of the manifest it recorded as verified, a manifest
// with those bytes is enough (its files were verified when the journal
// recorded it); otherwise every file is checked (runfolder.Verify). A
// folder without a manifest is not done; one whose files do not match is
// not done either, and is run again.
func (s *Store) checkRun(id, knownSHA string) (*doneRun, bool) {
	dir := s.RunDir(id)
	m, sha, err := runfolder.ReadManifest(dir)
	if err != nil {
		return nil, false
	}
	if knownSHA != "" && sha == knownSHA && m.Status == runfolder.StatusCompleted {
		return &doneRun{Manifest: m, SHA256: sha}, true
	}
	f, err := runfolder.Verify(dir)
	if err != nil {
		return nil, false
	}
	return &doneRun{Manifest: f.Manifest, SHA256: f.SHA256}, true
}

// hasManifest reports whether run id's folder has a manifest (a quick
// check, for status).
func (s *Store) hasManifest(id string) bool {
	_, err := os.Stat(filepath.Join(s.RunDir(id), runfolder.ManifestFile))
	return err == nil || !errors.Is(err, fs.ErrNotExist)
}
