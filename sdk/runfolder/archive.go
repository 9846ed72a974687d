package runfolder

import (
	"archive/tar"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// ArchiveSuffix ends the name of a run archive: the run folder RUN_ID
// written as one tar file, RUN_ID.tar, beside where the folder would be
// (CreateArchive). Remote executors keep runs so on their storage, where a
// file costs more than its bytes; they unpack them into run folders.
const ArchiveSuffix = ".tar"

// archive is a run folder being written as one tar file.
type archive struct {
	path string
	buf  bytes.Buffer
	tw   *tar.Writer
	// modTime is every member's modification time (the archive's
	// creation, to the second, as ustar keeps it).
	modTime time.Time
}

// CreateArchive starts writing a run folder as the tar file path (by
// convention RUN_ID + ArchiveSuffix): the files are held in memory as tar
// members, each hashed as it is added, and Commit adds manifest.json last
// and writes the file whole, through a temporary name renamed into place.
// So the archive exists only complete, and costs the file system one file
// however many the run has. Its members are the folder's files by name
// (no folder members), mode 0644; what unpacks it (runfolder.Receive, with
// the manifest checked) makes the run folder Create would have made.
func CreateArchive(path string) (*Writer, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("creating the run archive's folder: %w", err)
	}
	a := &archive{path: path, modTime: time.Now().Truncate(time.Second)}
	a.tw = tar.NewWriter(&a.buf)
	return &Writer{dir: path, arc: a, names: map[string]bool{}}, nil
}

// add appends the member name; fill writes its content and returns its
// sha256 and size.
func (a *archive) add(name string, fill func(io.Writer) (string, int64, error)) (sum string, size int64, st stamp, err error) {
	// The size goes in the header, before the content: fill writes to a
	// scratch buffer first (run files are small, and in memory already).
	var body bytes.Buffer
	if sum, size, err = fill(&body); err != nil {
		return "", 0, st, err
	}
	h := &tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644, Size: size, ModTime: a.modTime, Format: tar.FormatUSTAR}
	if len(name) > 100 {
		h.Format = tar.FormatPAX
	}
	if err := a.tw.WriteHeader(h); err != nil {
		return "", 0, st, err
	}
	if _, err := a.tw.Write(body.Bytes()); err != nil {
		return "", 0, st, err
	}
	return sum, size, stamp{name: name, size: size, modTime: a.modTime}, nil
}

// finish ends the tar stream and writes the archive into place.
func (a *archive) finish() error {
	if err := a.tw.Close(); err != nil {
		return err
	}
	var r [4]byte
	_, _ = rand.Read(r[:])
	dir, base := filepath.Split(a.path)
	tmp := filepath.Join(dir, "."+base+tempMarker+hex.EncodeToString(r[:]))
	if err := os.WriteFile(tmp, a.buf.Bytes(), 0o644); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, a.path); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	return nil
}
