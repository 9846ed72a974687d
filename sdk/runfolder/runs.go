package runfolder

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Runs is a folder of run folders held open: a sweep's runs folder, or the
// folder a single run is written into. A new run folder is written beside
// its place under a temporary name (".NAME.tmp-SUFFIX"), each file created
// in place as CreateNew does, and moved into place whole by Commit, so the
// name holds either nothing (or what it held before) or a sealed folder.
// On Linux the folder is a descriptor and every step (mkdirat, openat,
// renameat2) is relative to it: no path is walked from the root again for
// each run. A Runs is safe for concurrent use; a folder removed while it
// is held takes no new runs.
type Runs struct {
	dir string
	// raw is the folder as a descriptor (the Linux fast path); nil
	// elsewhere.
	raw *rawFolder
}

// OpenRuns opens the folder dir, creating it (and its parents) if needed.
func OpenRuns(dir string) (*Runs, error) {
	dir = filepath.Clean(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating %s: %w", dir, err)
	}
	r := &Runs{dir: dir}
	if rawSupported {
		raw, err := openRawFolder(dir)
		if err != nil {
			return nil, fmt.Errorf("opening %s: %w", dir, err)
		}
		r.raw = raw
	}
	return r, nil
}

// Dir is the folder.
func (r *Runs) Dir() string { return r.dir }

// Close releases the folder. Writers made by NewRun must be closed first.
func (r *Runs) Close() error {
	if r.raw != nil {
		return r.raw.close()
	}
	return nil
}

// Exists reports whether anything is at name, a plain name in the folder
// (a symbolic link counts, and is not followed).
func (r *Runs) Exists(name string) (bool, error) {
	if err := ValidRunID(name); err != nil {
		return false, err
	}
	var err error
	if r.raw != nil {
		err = r.raw.lstat(name)
	} else {
		_, err = os.Lstat(filepath.Join(r.dir, name))
	}
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	}
	return false, fmt.Errorf("looking for %s: %w", filepath.Join(r.dir, name), err)
}

// NewRun starts writing the run folder name (a plain name in the folder)
// as a new folder beside it, mode 0755, whose files are created in place
// (as with CreateNew). Commit moves it into place once sealed: whatever is
// at name then is replaced whole, atomically where the system can exchange
// two folders (Linux), and removed; a file at name is refused. Close
// removes the folder when it was not moved into place, leaving name as it
// was.
func (r *Runs) NewRun(name string) (*Writer, error) {
	if err := ValidRunID(name); err != nil {
		return nil, err
	}
	var w *Writer
	if r.raw != nil {
		tmp, fd, err := r.raw.mkdirTemp("." + name + tempMarker)
		if err != nil {
			return nil, fmt.Errorf("creating a folder beside %s: %w", filepath.Join(r.dir, name), err)
		}
		w = &Writer{dir: filepath.Join(r.dir, tmp), raw: &rawFolder{fd: fd, subs: map[string]int{}}, names: map[string]bool{}, direct: true}
		w.place = &placement{runs: r, tmp: tmp, name: name}
		return w, nil
	}
	tmp, err := os.MkdirTemp(r.dir, "."+name+tempMarker+"*")
	if err != nil {
		return nil, fmt.Errorf("creating a folder beside %s: %w", filepath.Join(r.dir, name), err)
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		os.Remove(tmp)
		return nil, fmt.Errorf("creating a folder beside %s: %w", filepath.Join(r.dir, name), err)
	}
	if w, err = CreateNew(tmp); err != nil {
		os.Remove(tmp)
		return nil, err
	}
	w.place = &placement{runs: r, tmp: filepath.Base(tmp), name: name}
	return w, nil
}

// placement is where a Writer made by Runs.NewRun goes once sealed.
type placement struct {
	runs *Runs
	// tmp is the folder written, name its place, both in runs.
	tmp, name string
	moved     bool
}

// move moves the sealed folder into place.
func (p *placement) move() error {
	if p.runs.raw != nil {
		return p.runs.raw.place(p.runs.dir, p.tmp, p.name)
	}
	return placeByPath(p.runs.dir, p.tmp, p.name)
}

// placeByPath moves the folder dir/tmp to dir/name, replacing a folder
// there whole with renames through a third name (dir/name is briefly
// absent, never partly written) and removing its old content.
func placeByPath(dir, tmp, name string) error {
	from, to := filepath.Join(dir, tmp), filepath.Join(dir, name)
	st, err := os.Lstat(to)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return os.Rename(from, to)
	case err != nil:
		return err
	case !st.IsDir():
		return fmt.Errorf("%s exists and is not a folder", to)
	}
	old := from + ".old"
	if err := os.Rename(to, old); err != nil {
		return err
	}
	if err := os.Rename(from, to); err != nil {
		os.Rename(old, to)
		return err
	}
	if err := os.RemoveAll(old); err != nil {
		return fmt.Errorf("removing the previous content of %s: %w", to, err)
	}
	return nil
}
