package pluginhost

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/bilancio-go/bilancio/internal/atomicfile"
	"github.com/bilancio-go/bilancio/sdk"
	"github.com/bilancio-go/bilancio/sdk/runfolder"
)

// Installed is a plugin that Install put in place.
type Installed struct {
	// Name is the executor's name, from the binary's `describe`.
	Name string `json:"name"`
	// Path is the installed binary, SumPath its checksum file.
	Path    string `json:"path"`
	SumPath string `json:"sum_path"`
	// SHA256 is the hex digest written to SumPath.
	SHA256 string `json:"sha256"`
	// Info is what the binary said of itself.
	Info *sdk.Info `json:"info"`
}

// Install copies the plugin binary at srcPath into dir (DefaultUserDir when
// empty) under its canonical name bilancio-executor-NAME and writes
// NAME_SHA256SUM beside it. NAME comes from running `srcPath describe`; a
// binary that does not describe itself, has an invalid name or speaks no
// protocol version of this bilancio is refused. The copy is written to a
// temporary name and renamed, so an interrupted install leaves either the
// old plugin or a binary without checksum, which discovery skips. No lock
// file is involved.
func Install(ctx context.Context, srcPath, dir string) (*Installed, error) {
	if dir == "" {
		d, err := DefaultUserDir()
		if err != nil {
			return nil, err
		}
		dir = d
	}
	if abs, err := filepath.Abs(srcPath); err == nil {
		srcPath = abs
	}
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	fi, err := os.Stat(srcPath)
	if err != nil {
		return nil, fmt.Errorf("installing a plugin: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("installing a plugin: %s is not a regular file", srcPath)
	}
	info, err := DescribeBinary(ctx, srcPath)
	if err != nil {
		return nil, fmt.Errorf("installing %s: %w", srcPath, err)
	}
	if err := checkName(info.Name); err != nil {
		return nil, fmt.Errorf("installing %s: %w", srcPath, err)
	}
	if err := checkProtocol(srcPath, info); err != nil {
		return nil, fmt.Errorf("installing %s: %w", srcPath, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("installing %s: %w", srcPath, err)
	}
	inst := &Installed{
		Name: info.Name, Info: info,
		Path:    filepath.Join(dir, BinaryName(info.Name)),
		SumPath: filepath.Join(dir, SumName(info.Name)),
	}
	if dst, err := os.Stat(inst.Path); err == nil && os.SameFile(fi, dst) {
		// Already in place (installing a binary where it lies): just
		// record its checksum.
		if inst.SHA256, err = runfolder.FileSHA256(inst.Path); err != nil {
			return nil, fmt.Errorf("installing %s: %w", srcPath, err)
		}
	} else if inst.SHA256, err = copyBinary(srcPath, inst.Path); err != nil {
		return nil, fmt.Errorf("installing %s: %w", srcPath, err)
	}
	if err := atomicfile.WriteFile(inst.SumPath, []byte(inst.SHA256+"\n"), 0o644); err != nil {
		return nil, fmt.Errorf("installing %s: %w", srcPath, err)
	}
	return inst, nil
}

// copyBinary copies src to dst through a temporary file in dst's directory
// and returns the hex SHA-256 of what it copied. The old checksum file, if
// any, is removed before the rename, so that a binary never sits beside a
// checksum that is not its own.
func copyBinary(src, dst string) (string, error) {
	in, err := os.Open(src)
	if err != nil {
		return "", err
	}
	defer in.Close()
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".install-*.tmp")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	h := sha256.New()
	if _, err := io.Copy(io.MultiWriter(tmp, h), in); err != nil {
		tmp.Close()
		return "", fmt.Errorf("copying %s: %w", src, err)
	}
	if err := tmp.Chmod(0o755); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Close(); err != nil {
		return "", err
	}
	name, _ := nameFromFile(filepath.Base(dst))
	if err := os.Remove(filepath.Join(filepath.Dir(dst), SumName(name))); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Remove deletes the plugin called name from dir (DefaultUserDir when
// empty): its binary and its checksum file. It is an error, matching
// fs.ErrNotExist, when neither exists.
func Remove(name, dir string) error {
	if err := checkName(name); err != nil {
		return err
	}
	if dir == "" {
		d, err := DefaultUserDir()
		if err != nil {
			return err
		}
		dir = d
	}
	removed := 0
	for _, p := range []string{filepath.Join(dir, BinaryName(name)), filepath.Join(dir, SumName(name))} {
		err := os.Remove(p)
		switch {
		case err == nil:
			removed++
		case !errors.Is(err, fs.ErrNotExist):
			return fmt.Errorf("removing plugin %s: %w", name, err)
		}
	}
	if removed == 0 {
		return fmt.Errorf("removing plugin %s: no %s in %s: %w", name, BinaryName(name), dir, fs.ErrNotExist)
	}
	return nil
}
