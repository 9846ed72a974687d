package sweep

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/bilancio-go/bilancio/internal/artifacts"
)

// doneRun is a run whose folder is complete.
type doneRun struct {
	Manifest *artifacts.Manifest
	// SHA256 is the checksum of its manifest.json.
	SHA256 string
}

// checkRun tells whether run id's folder is complete. When the journal
// knows the checksum of the manifest it recorded as verified, a manifest
// with those bytes is enough (its files were verified when the journal
// recorded it); otherwise every file is checked (artifacts.VerifyRun). A
// folder without a manifest is not done; one whose files do not match is
// not done either, and is run again.
func (s *Store) checkRun(id, knownSHA string) (*doneRun, bool) {
	dir := s.RunDir(id)
	b, err := os.ReadFile(filepath.Join(dir, artifacts.ManifestFile))
	if err != nil {
		return nil, false
	}
	sum := sha256.Sum256(b)
	sha := hex.EncodeToString(sum[:])
	if knownSHA != "" && sha == knownSHA {
		var m artifacts.Manifest
		if json.Unmarshal(b, &m) == nil && m.Status == "completed" {
			return &doneRun{Manifest: &m, SHA256: sha}, true
		}
	}
	m, err := artifacts.VerifyRun(dir)
	if err != nil || m.Status != "completed" {
		return nil, false
	}
	return &doneRun{Manifest: m, SHA256: sha}, true
}

// hasManifest reports whether run id's folder has a manifest (a quick
// check, for status).
func (s *Store) hasManifest(id string) bool {
	_, err := os.Stat(filepath.Join(s.RunDir(id), artifacts.ManifestFile))
	return err == nil || !errors.Is(err, fs.ErrNotExist)
}
