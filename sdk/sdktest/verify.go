package sdktest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// ManifestFile is the name of a run folder's manifest, written last.
const ManifestFile = "manifest.json"

// Manifest is the part of a run folder's manifest.json that the suite
// checks (the full format belongs to bilancio's artifacts package).
type Manifest struct {
	Version    int    `json:"manifest_version"`
	RunID      string `json:"run_id"`
	Status     string `json:"status"`
	StopReason string `json:"stop_reason"`
	Files      []struct {
		Name   string `json:"name"`
		Size   int64  `json:"size"`
		SHA256 string `json:"sha256"`
	} `json:"files"`
}

// VerifyRunFolder checks that dir holds a complete run, as bilancio decides
// it: manifest.json exists, parses, lists at least one file, and every file
// it lists has the recorded size and sha256. It returns the manifest and the
// hex sha256 of manifest.json itself.
func VerifyRunFolder(dir string) (*Manifest, string, error) {
	raw, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		return nil, "", fmt.Errorf("verifying run folder %s: %w", dir, err)
	}
	sum := sha256.Sum256(raw)
	var m Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, "", fmt.Errorf("verifying run folder %s: reading %s: %w", dir, ManifestFile, err)
	}
	if len(m.Files) == 0 {
		return &m, "", fmt.Errorf("verifying run folder %s: %s lists no file", dir, ManifestFile)
	}
	for _, f := range m.Files {
		if err := verifyFile(filepath.Join(dir, filepath.FromSlash(f.Name)), f.Size, f.SHA256); err != nil {
			return &m, "", fmt.Errorf("verifying run folder %s: %w", dir, err)
		}
	}
	return &m, hex.EncodeToString(sum[:]), nil
}

func verifyFile(path string, size int64, want string) error {
	fh, err := os.Open(path)
	if err != nil {
		return err
	}
	defer fh.Close()
	h := sha256.New()
	n, err := io.Copy(h, fh)
	if err != nil {
		return fmt.Errorf("reading %s: %w", path, err)
	}
	if n != size {
		return fmt.Errorf("%s has %d bytes, the manifest says %d", path, n, size)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != want {
		return fmt.Errorf("%s has sha256 %s, the manifest says %s", path, got, want)
	}
	return nil
}

// hasManifest reports whether dir has a manifest.json (a run folder that
// claims to be complete).
func hasManifest(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, ManifestFile))
	return !errors.Is(err, os.ErrNotExist)
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
