package runfolder

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
)

// Sealed is a complete run folder: its manifest, the sha256 of
// manifest.json's bytes and the fingerprint of the files it lists (their
// names, sizes and modification times, see Check).
type Sealed struct {
	Dir      string
	Manifest *Manifest
	// SHA256 is the hex sha256 of manifest.json.
	SHA256 string
	// Fingerprint changes when a listed file is replaced, resized or
	// rewritten; Check compares it with a stat of each file.
	Fingerprint string
	// Written is manifest.json's bytes when this process wrote the folder
	// (Writer.Commit), hashing each file as it wrote it; nil otherwise.
	Written []byte
}

// Writer writes one run folder. Each file goes to a temporary name in its
// folder, is hashed as it is written and renamed into place when whole, so
// a reader never sees part of a file and nothing is read back to be
// checksummed. Commit writes the manifest last. Files are opened through
// an os.Root: nothing is written outside the folder, whatever its
// subfolders are (a symbolic link planted in it is refused). A Writer is
// not safe for concurrent use.
type Writer struct {
	dir  string
	root *os.Root
	// subs are the opened subfolders, by slash-separated name.
	subs   map[string]*os.Root
	files  []File
	stamps []stamp
	names  map[string]bool
	// tmpPrefix makes this writer's temporary names unique.
	tmpPrefix string
	seq       int
	committed bool
	// direct writes each file in place (CreateNew).
	direct bool
	// raw is the folder as descriptors, when direct on a system with the
	// fast path (raw_linux.go); root is nil then.
	raw *rawFolder
	// place is where Commit moves the folder (Runs.NewRun); nil when it
	// is written in place.
	place *placement
	// arc is the archive the folder is written as (CreateArchive); root
	// is nil then.
	arc *archive
	// copyBuf is WriteFrom's buffer, made on first use (io.Copy would make
	// one per file: neither a tar member nor the file's writer brings its
	// own).
	copyBuf []byte
}

// Create starts writing the run folder dir: it creates dir (and its
// parents) and removes the manifest a previous attempt left there, so the
// folder never looks complete while it is being written. Files already in
// it stay until overwritten; Receive starts from an empty folder instead.
func Create(dir string) (*Writer, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating the run folder: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("opening the run folder: %w", err)
	}
	if err := root.Remove(ManifestFile); err != nil && !errors.Is(err, fs.ErrNotExist) {
		root.Close()
		return nil, fmt.Errorf("removing the old manifest of %s: %w", dir, err)
	}
	var r [4]byte
	_, _ = rand.Read(r[:])
	return &Writer{
		dir: dir, root: root, subs: map[string]*os.Root{}, names: map[string]bool{},
		tmpPrefix: hex.EncodeToString(r[:]),
	}, nil
}

// CreateNew starts writing the run folder dir, an empty folder that nobody
// looks into until the caller moves it into place, as the temporary folder
// of a folder replaced whole (Runs.NewRun, Receive). Its files need no
// temporary names: each is created in place, written and hashed once, so a
// run costs the file system what copying its files would (no rename per
// file). Everything else is as with Create.
func CreateNew(dir string) (*Writer, error) {
	if rawSupported {
		r, err := openRawFolder(dir)
		if err != nil {
			return nil, fmt.Errorf("opening the run folder: %w", err)
		}
		return &Writer{dir: dir, raw: r, names: map[string]bool{}, direct: true}, nil
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("opening the run folder: %w", err)
	}
	return &Writer{dir: dir, root: root, subs: map[string]*os.Root{}, names: map[string]bool{}, direct: true}, nil
}

// Dir is the folder being written.
func (w *Writer) Dir() string { return w.dir }

// Close releases the folder. A folder closed before Commit has no
// manifest: it is incomplete; one made by Runs.NewRun is removed.
func (w *Writer) Close() error {
	err := w.release()
	if p := w.place; p != nil && !p.moved {
		p.moved = true // removed: nothing to do a second time
		os.RemoveAll(w.dir)
	}
	return err
}

// release closes the folder's descriptors.
func (w *Writer) release() error {
	if w.arc != nil {
		return nil
	}
	if w.raw != nil {
		return w.raw.close()
	}
	for _, s := range w.subs {
		s.Close()
	}
	w.subs = nil
	return w.root.Close()
}

// folder returns the opened folder dir ("." for the run folder), creating
// it if needed.
func (w *Writer) folder(dir string) (*os.Root, error) {
	if dir == "." {
		return w.root, nil
	}
	if s := w.subs[dir]; s != nil {
		return s, nil
	}
	if err := w.root.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if err := w.root.Chmod(dir, 0o755); err != nil { // whatever the umask
		return nil, err
	}
	s, err := w.root.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	w.subs[dir] = s
	return s, nil
}

// WriteFile writes the file name (slash-separated, relative to the folder)
// with data, and records its size and sha256 for the manifest.
func (w *Writer) WriteFile(name string, data []byte) error {
	return w.put(name, func(f io.Writer) (string, int64, error) {
		if _, err := f.Write(data); err != nil {
			return "", 0, err
		}
		return SHA256(data), int64(len(data)), nil
	})
}

// WriteFrom writes the file name with what r holds, hashing it as it is
// copied, and records its size and sha256 for the manifest.
func (w *Writer) WriteFrom(name string, r io.Reader) error {
	return w.put(name, func(f io.Writer) (string, int64, error) {
		h := sha256.New()
		if w.copyBuf == nil {
			w.copyBuf = make([]byte, 32*1024)
		}
		n, err := io.CopyBuffer(io.MultiWriter(f, h), r, w.copyBuf)
		if err != nil {
			return "", n, err
		}
		return hex.EncodeToString(h.Sum(nil)), n, nil
	})
}

// put writes a file through a temporary name; fill writes its content and
// returns its sha256 and size.
func (w *Writer) put(name string, fill func(io.Writer) (string, int64, error)) (err error) {
	if w.committed {
		return fmt.Errorf("writing %s: the run folder %s is already sealed", name, w.dir)
	}
	if err := ValidName(name); err != nil {
		return fmt.Errorf("writing into %s: %w", w.dir, err)
	}
	if name == ManifestFile {
		return fmt.Errorf("writing into %s: %s is written by Commit", w.dir, ManifestFile)
	}
	if w.names[name] {
		return fmt.Errorf("writing into %s: %s written twice", w.dir, name)
	}
	sum, size, st, err := w.writeAtomic(name, fill)
	if err != nil {
		return fmt.Errorf("writing %s into %s: %w", name, w.dir, err)
	}
	w.names[name] = true
	w.files = append(w.files, File{Name: name, Size: size, SHA256: sum})
	w.stamps = append(w.stamps, st)
	return nil
}

// writeAtomic writes name through a temporary file renamed into place.
func (w *Writer) writeAtomic(name string, fill func(io.Writer) (string, int64, error)) (sum string, size int64, st stamp, err error) {
	if w.arc != nil {
		return w.arc.add(name, fill)
	}
	if w.raw != nil {
		return w.raw.create(name, func(f rawFile) (string, int64, error) { return fill(f) })
	}
	dir, base := path.Split(name)
	folder, err := w.folder(path.Clean(dir))
	if err != nil {
		return "", 0, st, err
	}
	var f *os.File
	tmp := base
	if w.direct {
		f, err = folder.OpenFile(base, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	}
	for !w.direct {
		w.seq++
		tmp = "." + base + tempMarker + w.tmpPrefix + strconv.Itoa(w.seq)
		f, err = folder.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if !errors.Is(err, fs.ErrExist) {
			break
		}
	}
	if err != nil {
		return "", 0, st, err
	}
	defer func() {
		if err != nil {
			f.Close()
			folder.Remove(tmp)
		}
	}()
	if sum, size, err = fill(f); err != nil {
		return "", 0, st, err
	}
	info, err := f.Stat()
	if err != nil {
		return "", 0, st, err
	}
	// The mode as documented, whatever the umask (which rarely takes
	// anything from 0644: the stat the fingerprint needs anyway tells).
	if info.Mode().Perm() != 0o644 {
		if err = f.Chmod(0o644); err != nil {
			return "", 0, st, err
		}
	}
	if err = f.Close(); err != nil {
		return "", 0, st, err
	}
	if tmp != base {
		if err = folder.Rename(tmp, base); err != nil {
			return "", 0, st, err
		}
	}
	return sum, size, stamp{name: name, size: size, modTime: info.ModTime()}, nil
}

// Files are the files written so far, in order.
func (w *Writer) Files() []File { return append([]File(nil), w.files...) }

// Commit seals the folder: it sets m.Files to the files written (in the
// order written) and m.Version when unset, and writes m as manifest.json,
// last. Nothing can be written after it.
func (w *Writer) Commit(m *Manifest) (*Sealed, error) {
	if m.Version == 0 {
		m.Version = ManifestVersion
	}
	m.Files = w.Files()
	data, err := m.Encode()
	if err != nil {
		return nil, err
	}
	return w.seal(m, data)
}

// seal writes data as the manifest m.
func (w *Writer) seal(m *Manifest, data []byte) (*Sealed, error) {
	if w.committed {
		return nil, fmt.Errorf("sealing %s: already sealed", w.dir)
	}
	_, _, _, err := w.writeAtomic(ManifestFile, func(f io.Writer) (string, int64, error) {
		_, err := f.Write(data)
		return "", int64(len(data)), err
	})
	if err == nil && w.arc != nil {
		err = w.arc.finish()
	}
	if err != nil {
		return nil, fmt.Errorf("writing the manifest of %s: %w", w.dir, err)
	}
	w.committed = true
	dir := w.dir
	if p := w.place; p != nil {
		dir = filepath.Join(p.runs.dir, p.name)
		if err := p.move(); err != nil {
			return nil, fmt.Errorf("moving the run folder %s into place: %w", dir, err)
		}
		p.moved = true
	}
	return &Sealed{Dir: dir, Manifest: m, SHA256: SHA256(data), Fingerprint: fingerprint(w.stamps), Written: data}, nil
}
