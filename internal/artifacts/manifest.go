package artifacts

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// ManifestFile is the name of a run folder's manifest, written last: a run
// is complete only when its manifest exists and every checksum in it verifies.
const ManifestFile = "manifest.json"

// ManifestVersion is the format version of manifest.json.
const ManifestVersion = 1

// Manifest describes a completed run folder.
type Manifest struct {
	Version int    `json:"manifest_version"`
	RunID   string `json:"run_id,omitempty"`
	Status  string `json:"status"`
	// Engine is the version of the bilancio binary that ran the simulation.
	Engine   string `json:"engine"`
	Executor string `json:"executor,omitempty"`
	Scenario string `json:"scenario_name"`

	StopReason      string `json:"stop_reason"`
	StopMessage     string `json:"stop_message,omitempty"`
	DaysSimulated   int    `json:"days_simulated"`
	DefaultHandling string `json:"default_handling"`
	Defaults        int    `json:"defaults"`

	// The registry's summary values, as bilancio prints them (str(Decimal));
	// empty when None.
	PhiTotal        string `json:"phi_total"`
	DeltaTotal      string `json:"delta_total"`
	TimeToStability string `json:"time_to_stability"`

	Started    time.Time `json:"started"`
	Finished   time.Time `json:"finished"`
	DurationMS float64   `json:"duration_ms"`

	Files []ManifestEntry `json:"files"`
}

// ManifestEntry is the checksum of one file of the run folder.
type ManifestEntry struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

func entryFor(name string, data []byte) ManifestEntry {
	sum := sha256.Sum256(data)
	return ManifestEntry{Name: name, Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:])}
}

// ReadManifest reads dir's manifest.
func ReadManifest(dir string) (*Manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		return nil, fmt.Errorf("reading the manifest of %s: %w", dir, err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("reading the manifest of %s: %w", dir, err)
	}
	return &m, nil
}

// ErrIncomplete marks a run folder that is not complete: no manifest, or a
// file that does not match its checksum.
var ErrIncomplete = errors.New("run folder is incomplete")

// VerifyRun checks that dir holds a complete run: its manifest exists and
// every file it lists has the recorded size and sha256.
func VerifyRun(dir string) (*Manifest, error) {
	m, err := ReadManifest(dir)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrIncomplete, err)
	}
	for _, f := range m.Files {
		h := sha256.New()
		fh, err := os.Open(filepath.Join(dir, filepath.FromSlash(f.Name)))
		if err != nil {
			return m, fmt.Errorf("%w: %v", ErrIncomplete, err)
		}
		n, err := io.Copy(h, fh)
		fh.Close()
		if err != nil {
			return m, fmt.Errorf("%w: reading %s: %v", ErrIncomplete, f.Name, err)
		}
		if n != f.Size || hex.EncodeToString(h.Sum(nil)) != f.SHA256 {
			return m, fmt.Errorf("%w: %s does not match its checksum", ErrIncomplete, f.Name)
		}
	}
	return m, nil
}

func encodeManifest(m *Manifest) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		return nil, fmt.Errorf("encoding the manifest: %w", err)
	}
	return b.Bytes(), nil
}
