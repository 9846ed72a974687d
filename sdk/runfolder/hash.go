package runfolder

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"
)

// SHA256 returns the hex sha256 of data.
func SHA256(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// FileSHA256 returns the hex sha256 of a file's content.
func FileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("hashing %s: %w", path, err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hashing %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// stamp is what a fingerprint is made of: a file's name, size and
// modification time.
type stamp struct {
	name    string
	size    int64
	modTime time.Time
}

// fingerprint condenses the stamps of a folder's files (in manifest order)
// into a short hex string: it changes when any file is replaced, resized or
// rewritten (its modification time moves), and costs a stat per file to
// recompute, not a read.
func fingerprint(stamps []stamp) string {
	h := sha256.New()
	var b []byte
	for _, s := range stamps {
		b = append(b[:0], s.name...)
		b = append(b, 0)
		b = strconv.AppendInt(b, s.size, 10)
		b = append(b, 0)
		b = strconv.AppendInt(b, s.modTime.UnixNano(), 10)
		b = append(b, '\n')
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}
