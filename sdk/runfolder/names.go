package runfolder

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// ValidName accepts the name of a file inside a run folder: a clean,
// slash-separated, relative path that stays inside the folder ("out/x.csv";
// not "", ".", "../x", "/x", "out//x", "a\\b", nor a path through "..").
// Names from elsewhere (a manifest, an archive, a remote listing) are
// checked with it before they touch the disk; opening files through an
// os.Root (Writer, Receive, Verify) also refuses symbolic links that lead
// out of the folder.
func ValidName(name string) error {
	if name == "" || name == "." || path.Clean(name) != name || !fs.ValidPath(name) ||
		strings.Contains(name, `\`) || !filepath.IsLocal(filepath.FromSlash(name)) {
		return fmt.Errorf("file name %q: not a plain relative path inside the run folder", name)
	}
	return nil
}

// ValidRunID accepts a run id that names one folder inside the output
// directory: not empty, not "." or "..", no slash or backslash.
func ValidRunID(id string) error {
	switch {
	case id == "":
		return errors.New("empty run id")
	case id == "." || id == ".." || strings.ContainsAny(id, `/\`) || !filepath.IsLocal(id):
		return fmt.Errorf("run id %q is not a plain folder name", id)
	}
	return nil
}

// tempMarker is in the name of every temporary file: ".NAME.tmp-SUFFIX".
const tempMarker = ".tmp-"

// IsTemp reports whether a file name (its last element) is one of the
// temporary names files are written to before they are renamed into place
// (".NAME.tmp-SUFFIX", as internal/atomicfile and this package make them).
func IsTemp(name string) bool {
	base := path.Base(filepath.ToSlash(name))
	return strings.HasPrefix(base, ".") && strings.Contains(base, tempMarker)
}

// RemoveTemps removes the temporary files a killed writer left anywhere in
// the run folder dir and returns their names (slash-separated, relative to
// dir). A missing dir has none.
func RemoveTemps(dir string) ([]string, error) {
	root, err := os.OpenRoot(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("clearing temporary files of %s: %w", dir, err)
	}
	defer root.Close()
	var removed []string
	err = fs.WalkDir(root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !IsTemp(p) {
			return nil
		}
		if err := root.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		removed = append(removed, p)
		return nil
	})
	if err != nil {
		return removed, fmt.Errorf("clearing temporary files of %s: %w", dir, err)
	}
	return removed, nil
}
