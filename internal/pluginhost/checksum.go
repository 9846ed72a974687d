package pluginhost

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/bilancio-go/bilancio/sdk/runfolder"
	"io/fs"
	"os"
	"strings"
)

// ChecksumStatus is how a plugin binary compares with its NAME_SHA256SUM.
type ChecksumStatus string

// Checksum statuses, as `bilancio plugins list` shows them.
const (
	// ChecksumVerified: the binary hashes to the recorded sum.
	ChecksumVerified ChecksumStatus = "verified"
	// ChecksumMismatch: the binary does not hash to the recorded sum.
	ChecksumMismatch ChecksumStatus = "mismatch"
	// ChecksumMissing: there is no NAME_SHA256SUM beside the binary.
	ChecksumMissing ChecksumStatus = "missing"
	// ChecksumInvalid: the NAME_SHA256SUM file cannot be read as a SHA-256.
	ChecksumInvalid ChecksumStatus = "invalid"
)

// ChecksumError reports a binary that does not match its NAME_SHA256SUM.
type ChecksumError struct {
	// Path is the binary, SumPath the checksum file beside it.
	Path, SumPath string
	// Want is the hex digest in SumPath, Got the digest of Path.
	Want, Got string
}

// Error implements error.
func (e *ChecksumError) Error() string {
	return fmt.Sprintf("checksum mismatch for %s: %s says %s but the file hashes to %s; refusing to run it (reinstall it with `bilancio plugins install`)",
		e.Path, e.SumPath, e.Want, e.Got)
}

// ReadSum reads a NAME_SHA256SUM file: a hex SHA-256, optionally followed
// by a file name as sha256sum(1) writes it. It returns the digest in lower
// case.
func ReadSum(sumPath string) (string, error) {
	data, err := os.ReadFile(sumPath)
	if err != nil {
		return "", fmt.Errorf("reading checksum: %w", err)
	}
	fields := strings.Fields(string(data))
	if len(fields) == 0 {
		return "", fmt.Errorf("checksum file %s is empty", sumPath)
	}
	sum := strings.ToLower(fields[0])
	if b, err := hex.DecodeString(sum); err != nil || len(b) != sha256.Size {
		return "", fmt.Errorf("checksum file %s does not hold a hex SHA-256 (%q)", sumPath, fields[0])
	}
	return sum, nil
}

// Verify checks a candidate's binary against its NAME_SHA256SUM and returns
// the verified digest. A mismatch is a *ChecksumError naming the file and
// both digests.
func Verify(c Candidate) (string, error) {
	want, err := ReadSum(c.SumPath)
	if err != nil {
		return "", fmt.Errorf("verifying %s: %w", c.Path, err)
	}
	got, err := runfolder.FileSHA256(c.Path)
	if err != nil {
		return "", err
	}
	if got != want {
		return "", &ChecksumError{Path: c.Path, SumPath: c.SumPath, Want: want, Got: got}
	}
	return got, nil
}

// CheckStatus reports how a candidate's binary compares with its checksum
// file, for listings. The error explains any status but verified.
func CheckStatus(c Candidate) (ChecksumStatus, error) {
	_, err := Verify(c)
	var mismatch *ChecksumError
	switch {
	case err == nil:
		return ChecksumVerified, nil
	case errors.As(err, &mismatch):
		return ChecksumMismatch, err
	case errors.Is(err, fs.ErrNotExist) && !fileExists(c.SumPath):
		return ChecksumMissing, err
	default:
		return ChecksumInvalid, err
	}
}

// fileExists reports whether path names an existing file (following links).
func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
