package runfolder

import (
	"archive/tar"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Receiver writes a run folder that arrives from elsewhere file by file (a
// download, an archive): each file is hashed as it is written, and Finish
// checks them all against the manifest before writing it, last, so the
// folder is verified without being read back. The files are written into
// a folder beside the destination (".NAME.tmp-*", as CreateNew writes:
// each created in place, no temporary name per file), moved into place
// whole once sealed: the destination holds nothing until the folder is
// complete and verified.
type Receiver struct {
	w   *Writer
	got map[string]int // name → index in w.files
	// dir is the destination; w writes into tmp beside it.
	dir, tmp string
	moved    bool
}

// Receive starts receiving the run folder dir. Whatever dir held is removed
// first: a received folder holds exactly what its manifest lists.
func Receive(dir string) (*Receiver, error) {
	dir = filepath.Clean(dir)
	if err := os.RemoveAll(dir); err != nil && !os.IsNotExist(err) {
		return nil, fmt.Errorf("clearing the run folder %s: %w", dir, err)
	}
	parent, base := filepath.Split(dir)
	if parent == "" {
		parent = "."
	}
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, fmt.Errorf("creating the run folder: %w", err)
	}
	tmp, err := os.MkdirTemp(parent, "."+base+tempMarker+"*")
	if err != nil {
		return nil, fmt.Errorf("creating the run folder: %w", err)
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("creating the run folder: %w", err)
	}
	w, err := CreateNew(tmp)
	if err != nil {
		os.RemoveAll(tmp)
		return nil, err
	}
	return &Receiver{w: w, got: map[string]int{}, dir: dir, tmp: tmp}, nil
}

// Put writes the file name (slash-separated, relative to the folder) with
// what r holds. A name that would leave the folder is refused.
func (r *Receiver) Put(name string, src io.Reader) error {
	if err := r.w.WriteFrom(name, src); err != nil {
		return err
	}
	r.got[name] = len(r.w.files) - 1
	return nil
}

// PutArchive writes the files of a run archive (a tar of the run's files,
// as CreateArchive writes it), member by member (PutMember), and returns
// the bytes of the manifest it holds, for Finish.
func (r *Receiver) PutArchive(src io.Reader) ([]byte, error) {
	tr := tar.NewReader(src)
	var manifest []byte
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return manifest, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading the archive: %w", err)
		}
		name := strings.TrimPrefix(strings.TrimSuffix(h.Name, "/"), "./")
		m, err := r.PutMember(h, name, tr)
		if err != nil {
			return nil, err
		}
		if m != nil {
			manifest = m
		}
	}
}

// PutMember takes one member of a tar of the run's files, named name
// inside the run folder, with body its content: a regular file is written
// (Put), except the manifest, whose bytes are returned instead (for
// Finish); a folder is made as its files arrive. A member that is not a
// regular file or a folder, or whose name would leave the run folder, is
// refused.
func (r *Receiver) PutMember(h *tar.Header, name string, body io.Reader) ([]byte, error) {
	if name == "" || ValidName(name) != nil {
		return nil, fmt.Errorf("the archive holds %q, outside the run folder", h.Name)
	}
	switch {
	case h.Typeflag == tar.TypeDir:
		return nil, nil
	case h.Typeflag != tar.TypeReg:
		return nil, fmt.Errorf("the archive holds %q, which is not a regular file or a folder", h.Name)
	case name == ManifestFile:
		m, err := io.ReadAll(body)
		if err != nil {
			return nil, fmt.Errorf("reading the archive: %w", err)
		}
		return m, nil
	}
	return nil, r.Put(name, body)
}

// Close releases the folder; a folder closed before Finish sealed it is
// removed (nothing reaches the destination).
func (r *Receiver) Close() error {
	err := r.w.Close()
	if !r.moved {
		os.RemoveAll(r.tmp)
	}
	return err
}

// Finish checks that every file the manifest (its bytes as received)
// lists was received with the recorded size and sha256, removes the files
// received that it does not list, writes it, last, byte for byte, and
// moves the folder into place. It returns the sealed folder, or a
// *VerifyError naming each file that is missing or does not match (then
// nothing is at the destination).
func (r *Receiver) Finish(manifest []byte) (*Sealed, error) {
	dir := r.dir
	if manifest == nil {
		return nil, &VerifyError{Dir: dir, Problems: []Problem{{File: ManifestFile, Kind: NoManifest}}}
	}
	m, err := DecodeManifest(manifest)
	if err != nil {
		return nil, &VerifyError{Dir: dir, Problems: []Problem{{File: ManifestFile, Kind: BadManifest, Detail: err.Error()}}}
	}
	var problems []Problem
	stamps := make([]stamp, 0, len(m.Files))
	listed := make(map[string]bool, len(m.Files))
	for _, f := range m.Files {
		listed[f.Name] = true
		i, ok := r.got[f.Name]
		if !ok {
			problems = append(problems, Problem{File: f.Name, Kind: Missing})
			continue
		}
		got := r.w.files[i]
		switch {
		case got.Size != f.Size:
			problems = append(problems, Problem{File: f.Name, Kind: WrongSize, Detail: fmt.Sprintf("%d bytes, the manifest says %d", got.Size, f.Size)})
		case got.SHA256 != f.SHA256:
			problems = append(problems, Problem{File: f.Name, Kind: WrongChecksum, Detail: fmt.Sprintf("sha256 %s, the manifest says %s", short(got.SHA256), short(f.SHA256))})
		default:
			stamps = append(stamps, r.w.stamps[i])
		}
	}
	if len(problems) > 0 {
		return &Sealed{Dir: dir, Manifest: m}, &VerifyError{Dir: dir, Problems: problems}
	}
	for name := range r.got {
		if !listed[name] {
			// The names were checked by Put (ValidName), and the folder
			// is this receiver's own.
			if err := os.Remove(filepath.Join(r.tmp, filepath.FromSlash(name))); err != nil && !os.IsNotExist(err) {
				return nil, fmt.Errorf("removing %s, which the manifest of %s does not list: %w", name, dir, err)
			}
		}
	}
	r.w.stamps = stamps
	s, err := r.w.seal(m, manifest)
	if err != nil {
		return nil, err
	}
	// Something put at the destination meanwhile gives way: the folder
	// received is the run's.
	if err := os.RemoveAll(dir); err != nil && !os.IsNotExist(err) {
		return nil, fmt.Errorf("clearing the run folder %s: %w", dir, err)
	}
	if err := os.Rename(r.tmp, dir); err != nil {
		return nil, fmt.Errorf("moving the run folder %s into place: %w", dir, err)
	}
	r.moved = true
	s.Dir = dir
	return s, nil
}
